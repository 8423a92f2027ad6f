package breakit_test

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

// r4node adds a node with the given capacity (cpu, memory, pods; "" keeps
// the fake's default), labels and taints.
func r4node(t *testing.T, c *orchestra.Cluster, name string, capacity map[string]string, labels map[string]string, taints ...workload.Taint) {
	t.Helper()
	n := &workload.Node{ObjectMeta: workload.ObjectMeta{Name: name, Labels: labels}}
	n.Spec.Taints = taints
	if len(capacity) > 0 {
		n.Status.Capacity = workload.ResourceList{}
		for k, v := range capacity {
			n.Status.Capacity[k] = resource.MustParse(v)
		}
	}
	if err := c.Fake().AddNode(n); err != nil {
		t.Fatal(err)
	}
}

// r4podNode returns the node of a pod ("" while unbound), failing if the
// pod does not exist.
func r4podNode(t *testing.T, c *orchestra.Cluster, name string) string {
	t.Helper()
	return r3getPod(t, c, name).Spec.NodeName
}

func r4schedMsg(c *orchestra.Cluster, pod string) string {
	msg := ""
	for _, e := range c.Events() {
		if e.InvolvedObject.Name == pod && e.Reason == "FailedScheduling" {
			msg = e.Message
		}
	}
	return msg
}

// A pod that sets only limits gets requests equal to its limits (API
// defaulting), and the scheduler counts them: two pods with a 3-cpu limit
// do not both fit on a 4-cpu node.
// https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#requests-and-limits
// ("If you specify a limit for a resource, but do not specify any request
// ... Kubernetes copies the limit you specified and uses it as the
// requested value").
func TestR4SchedRequestsDefaultFromLimits(t *testing.T) {
	c := newCluster(t)
	r4node(t, c, "a", nil, nil)
	for _, n := range []string{"p1", "p2"} {
		applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: `+n+`}
spec:
  containers:
  - name: c
    image: web
    resources: {limits: {cpu: "3", memory: 1Gi}}
`)
	}
	advance(t, c, time.Minute)
	if a, b := r4podNode(t, c, "p1"), r4podNode(t, c, "p2"); a != "" && b != "" {
		t.Fatalf("both 3-cpu pods bound (%s, %s) on a 4-cpu node", a, b)
	}
	msg := r4schedMsg(c, "p2") + r4schedMsg(c, "p1")
	if !strings.Contains(msg, "0/1 nodes are available: 1 Insufficient cpu.") {
		t.Errorf("FailedScheduling message %q, want %q", msg, "0/1 nodes are available: 1 Insufficient cpu.")
	}
}

// A pod's effective request is max(sum of app containers, max of any init
// container): an init container asking 3 cpu and two app containers of 1
// cpu each make a request of 3 cpu, so a 4-cpu node fits one such pod,
// not two. https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#resource-sharing-within-containers
func TestR4SchedInitContainerMax(t *testing.T) {
	c := newCluster(t)
	r4node(t, c, "a", nil, nil)
	pod := func(n string) string {
		return `
apiVersion: v1
kind: Pod
metadata: {name: ` + n + `}
spec:
  initContainers:
  - {name: init, image: init, resources: {requests: {cpu: "3"}}}
  containers:
  - {name: a, image: web, resources: {requests: {cpu: "1"}}}
  - {name: b, image: web, resources: {requests: {cpu: "1"}}}
`
	}
	applyYAML(t, c, pod("p1"))
	applyYAML(t, c, pod("p2"))
	advance(t, c, time.Minute)
	bound := 0
	for _, n := range []string{"p1", "p2"} {
		if r4podNode(t, c, n) != "" {
			bound++
		}
	}
	if bound != 1 {
		t.Fatalf("%d of two pods with an effective request of 3 cpu bound on a 4-cpu node, want 1", bound)
	}
}

// Finished (Succeeded) pods use no room on their node: kube-scheduler's
// pod informer leaves out Succeeded and Failed pods
// (pkg/scheduler/scheduler.go newPodInformer: field selector
// status.phase!=Succeeded,status.phase!=Failed). A Job of 4 completions
// on a node that allows 2 pods completes.
func TestR4SchedFinishedPodsFreeTheirSlot(t *testing.T) {
	c := newCluster(t)
	r4node(t, c, "a", map[string]string{"pods": "2"}, nil)
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata: {name: batch}
spec:
  completions: 4
  parallelism: 1
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, resources: {requests: {cpu: "3"}}}]
`)
	runUntil(t, c, time.Hour, "Job batch complete", func() bool {
		j := getJob(t, c, "batch")
		return jobCond(j, "Complete") != nil
	})
}

// A pending pod is placed as soon as room appears: when a pod on the full
// node goes, and when a node joins (kube-scheduler moves unschedulable pods
// back to the active queue on Pod/Delete and Node/Add events,
// pkg/scheduler/framework/plugins/noderesources/fit.go EventsToRegister),
// not after the 5-minute flush.
func TestR4SchedPendingPodPlacedWhenRoomAppears(t *testing.T) {
	c := newCluster(t)
	r4node(t, c, "a", nil, nil)
	big := func(n string) string {
		return `
apiVersion: v1
kind: Pod
metadata: {name: ` + n + `}
spec:
  terminationGracePeriodSeconds: 0
  containers: [{name: c, image: web, resources: {requests: {cpu: "3"}}}]
`
	}
	applyYAML(t, c, big("first"))
	advance(t, c, time.Second)
	applyYAML(t, c, big("second"))
	advance(t, c, 10*time.Second)
	if n := r4podNode(t, c, "second"); n != "" {
		t.Fatalf("second bound to %s while first holds 3 of 4 cpus", n)
	}
	start := c.Now()
	if err := c.DeletePod("default", "first", workload.Ptr[int64](0)); err != nil {
		t.Fatal(err)
	}
	runUntil(t, c, 10*time.Minute, "second bound", func() bool { return r4podNode(t, c, "second") != "" })
	if d := c.Now().Sub(start); d > 30*time.Second {
		t.Errorf("second bound %v after first went, want at once", d)
	}

	applyYAML(t, c, big("third"))
	advance(t, c, 10*time.Second)
	if n := r4podNode(t, c, "third"); n != "" {
		t.Fatalf("third bound to %s", n)
	}
	start = c.Now()
	r4node(t, c, "b", nil, nil)
	runUntil(t, c, 10*time.Minute, "third bound", func() bool { return r4podNode(t, c, "third") == "b" })
	if d := c.Now().Sub(start); d > 30*time.Second {
		t.Errorf("third bound %v after node b joined, want at once", d)
	}
}

// A pending pod whose nodeSelector matches no node is placed once a node
// gets the label (Node/UpdateNodeLabel event re-queues it).
// pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go EventsToRegister.
func TestR4SchedPendingPodPlacedWhenNodeLabelled(t *testing.T) {
	c := newCluster(t)
	r4node(t, c, "a", nil, nil)
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  nodeSelector: {disk: ssd}
  containers: [{name: c, image: web}]
`)
	advance(t, c, time.Minute)
	if msg := r4schedMsg(c, "p"); msg != "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.." {
		t.Errorf("FailedScheduling %q", msg)
	}
	start := c.Now()
	if err := c.Fake().SetNodeLabels("a", map[string]*string{"disk": workload.Ptr("ssd")}); err != nil {
		t.Fatal(err)
	}
	runUntil(t, c, 10*time.Minute, "p bound", func() bool { return r4podNode(t, c, "p") == "a" })
	if d := c.Now().Sub(start); d > 30*time.Second {
		t.Errorf("p bound %v after the label, want at once", d)
	}
}

// The FailedScheduling message counts each reason over the nodes, sorted:
// "0/4 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match
// Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated:
// db}, 1 node(s) were unschedulable." (pkg/scheduler/framework/types.go
// FitError.Error; the preemption suffix is documented as not modelled).
func TestR4SchedFailedSchedulingMessage(t *testing.T) {
	c := newCluster(t)
	r4node(t, c, "cordoned", nil, map[string]string{"disk": "ssd"})
	if err := c.Fake().Cordon("cordoned"); err != nil {
		t.Fatal(err)
	}
	r4node(t, c, "tainted", nil, map[string]string{"disk": "ssd"}, workload.Taint{Key: "dedicated", Value: "db", Effect: "NoSchedule"})
	r4node(t, c, "small", map[string]string{"cpu": "1"}, map[string]string{"disk": "ssd"})
	r4node(t, c, "hdd", nil, map[string]string{"disk": "hdd"})
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions: [{key: disk, operator: In, values: [ssd]}]
  containers: [{name: c, image: web, resources: {requests: {cpu: "2"}}}]
`)
	advance(t, c, time.Minute)
	want := "0/4 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: db}, 1 node(s) were unschedulable." +
		" preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.."
	if got := r4schedMsg(c, "p"); got != want {
		t.Errorf("FailedScheduling message\n got %q\nwant %q", got, want)
	}
	p := r3getPod(t, c, "p")
	if cond := r3cond(p, "PodScheduled"); cond == nil || cond.Status != "False" || cond.Reason != "Unschedulable" || cond.Message != want {
		t.Errorf("PodScheduled condition %+v", cond)
	}
}

// Node affinity operators, each checked against a node that must be
// chosen: NotIn and DoesNotExist match a node without the key; Gt and Lt
// compare integers; matchFields metadata.name NotIn excludes a node.
// https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#operators
func TestR4SchedNodeAffinityOperators(t *testing.T) {
	c := newCluster(t)
	r4node(t, c, "n1", nil, map[string]string{"gen": "3", "zone": "x"})
	r4node(t, c, "n2", nil, map[string]string{"gen": "10"})
	r4node(t, c, "n3", nil, map[string]string{"gen": "abc", "zone": "y"})
	cases := []struct {
		name, expr string
		want       []string
	}{
		{"gt", `- matchExpressions: [{key: gen, operator: Gt, values: ["5"]}]`, []string{"n2"}},
		{"lt", `- matchExpressions: [{key: gen, operator: Lt, values: ["5"]}]`, []string{"n1"}},
		{"notin", `- matchExpressions: [{key: zone, operator: NotIn, values: [x]}]`, []string{"n2", "n3"}},
		{"dne", `- matchExpressions: [{key: zone, operator: DoesNotExist}]`, []string{"n2"}},
		{"exists", `- matchExpressions: [{key: zone, operator: Exists}, {key: zone, operator: NotIn, values: [x]}]`, []string{"n3"}},
		{"fields", `- matchFields: [{key: metadata.name, operator: NotIn, values: [n1]}]
          matchExpressions: [{key: zone, operator: Exists}]`, []string{"n3"}},
		{"or", `- matchExpressions: [{key: gen, operator: In, values: ["3"]}]
        - matchFields: [{key: metadata.name, operator: In, values: [n2]}]`, []string{"n1", "n2"}},
	}
	for _, tc := range cases {
		applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: `+tc.name+`}
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        `+tc.expr+`
  containers: [{name: c, image: web}]
`)
	}
	advance(t, c, time.Minute)
	for _, tc := range cases {
		got := r4podNode(t, c, tc.name)
		ok := false
		for _, w := range tc.want {
			ok = ok || got == w
		}
		if !ok {
			t.Errorf("%s: bound to %q, want one of %v (%s)", tc.name, got, tc.want, r4schedMsg(c, tc.name))
		}
	}
}

// A pod created with spec.nodeName skips the scheduler: it runs on that
// node even when the node is cordoned or has a NoSchedule taint the pod
// does not tolerate (the kubelet admits it; only NoExecute taints are
// checked at admission). https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename
// ("the scheduler ignores the Pod, and the kubelet on the named node tries
// to place the Pod on that node"); kubectl drain docs (cordon only affects
// the scheduler).
func TestR4SchedNodeNameBypassesScheduler(t *testing.T) {
	c := newCluster(t)
	r4node(t, c, "a", nil, nil, workload.Taint{Key: "dedicated", Value: "db", Effect: "NoSchedule"})
	if err := c.Fake().Cordon("a"); err != nil {
		t.Fatal(err)
	}
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: pinned}
spec:
  nodeName: a
  containers: [{name: c, image: web}]
`)
	runUntil(t, c, 5*time.Minute, "pinned running", func() bool {
		return r3getPod(t, c, "pinned").Status.Phase == workload.PodRunning
	})
}

// A pod bound by spec.nodeName to a node without room is rejected by the
// kubelet's admission (GeneralPredicates: NodeResourcesFit): it ends
// Failed with reason OutOfcpu instead of running over the node's
// capacity. pkg/kubelet/lifecycle/predicate.go (Admit: reason
// "OutOf"+resource, message "Node didn't have enough resource: cpu, ...").
func TestR4SchedNodeNameOverCapacityRejected(t *testing.T) {
	c := newCluster(t)
	r4node(t, c, "a", map[string]string{"cpu": "1"}, nil)
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  nodeName: a
  containers: [{name: c, image: web, resources: {requests: {cpu: "8"}}}]
`)
	advance(t, c, time.Minute)
	p := r3getPod(t, c, "hog")
	if p.Status.Phase != workload.PodFailed || p.Status.Reason != "OutOfcpu" {
		t.Errorf("pod asking 8 cpu pinned to a 1-cpu node: phase %s reason %q, want Failed OutOfcpu", p.Status.Phase, p.Status.Reason)
	}
}

// Extended resources (device plugins: nvidia.com/gpu, example.com/dongle)
// are counted like cpu: a pod asking for one stays Pending on nodes that
// advertise none ("Insufficient example.com/dongle").
// https://kubernetes.io/docs/tasks/configure-pod-container/extended-resource/
// ("the Pod is not scheduled ... Insufficient example.com/dongle").
// The scheduler's doc lists extended resources as not modelled, but
// nothing tells the user: the pod is placed anyway.
func TestR4SchedExtendedResource(t *testing.T) {
	c := newCluster(t)
	r4node(t, c, "plain", nil, nil)
	objs, warns, err := workload.Decode([]byte(`
apiVersion: v1
kind: Pod
metadata: {name: gpu}
spec:
  containers:
  - name: c
    image: cuda
    resources:
      requests: {example.com/dongle: "1"}
      limits: {example.com/dongle: "1"}
`), "gpu.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(objs[0]); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	if n := r4podNode(t, c, "gpu"); n != "" {
		t.Errorf("pod asking example.com/dongle bound to %s, which has none (decode warnings: %q)", n, warns)
	}
	if msg := r4schedMsg(c, "gpu"); !strings.Contains(msg, "Insufficient example.com/dongle") {
		t.Errorf("FailedScheduling %q, want 1 Insufficient example.com/dongle", msg)
	}
}

// PreferNoSchedule: the scheduler avoids a node with such a taint when
// another fits, and a cordoned node is never chosen while its pods-count
// and resources would allow it.
// https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/
func TestR4SchedPreferNoSchedule(t *testing.T) {
	c := newCluster(t)
	r4node(t, c, "soft", nil, nil, workload.Taint{Key: "k", Value: "v", Effect: "PreferNoSchedule"})
	r4node(t, c, "clean", nil, nil)
	for i := range 6 {
		n := "p" + string(rune('0'+i))
		applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: `+n+`}
spec:
  containers: [{name: c, image: web}]
`)
	}
	advance(t, c, time.Minute)
	for i := range 6 {
		n := "p" + string(rune('0'+i))
		if got := r4podNode(t, c, n); got != "clean" {
			t.Errorf("%s on %q, want clean (soft has PreferNoSchedule)", n, got)
		}
	}
}
