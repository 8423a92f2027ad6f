package breakit_test

import (
	"bytes"
	stdslices "slices"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/scenario"
	"github.com/orchestra-go/orchestra/workload"
)

func r11kPlay(t *testing.T, src string) *scenario.Result {
	t.Helper()
	s, err := scenario.Parse([]byte(src), "r11k.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// r11kAt returns when object first had change, from the start; -1 if never.
func r11kAt(r *scenario.Result, object, change string) time.Duration {
	for _, c := range r.Timeline {
		if c.Object == object && c.Change == change {
			return c.Time.Sub(r.Start)
		}
	}
	return -1
}

// r11kNodes returns the nodes of the pods whose name starts with prefix
// and that have one, sorted.
func r11kNodes(r *scenario.Result, prefix string) []string {
	var out []string
	for _, p := range r.Pods {
		if strings.HasPrefix(p.Name, prefix) && p.Spec.NodeName != "" {
			out = append(out, p.Spec.NodeName)
		}
	}
	stdslices.Sort(out)
	return out
}

// A StatefulSet (OrderedReady) whose pods have an Istio-style proxy
// sidecar that is ready 30s after it starts: the next ordinal is created
// only once the previous pod is Ready, and the pod is Ready only once the
// sidecar is (the database container is ready after 5s). Source:
// pkg/controller/statefulset/stateful_set_control.go (isRunningAndReady
// before the next ordinal), pkg/kubelet/status/generate.go
// GenerateContainersReadyCondition (restartable init containers count).
func TestR11kStatefulSetWaitsForSidecarReadiness(t *testing.T) {
	r := r11kPlay(t, `
run: 5m
nodes: [{name: a}, {name: b}]
behaviors:
  - match: {container: istio-proxy}
    readyAfter: 30s
  - match: {container: db}
    readyAfter: 5s
objects:
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: db}
    spec:
      replicas: 3
      serviceName: db
      selector: {matchLabels: {app: db}}
      template:
        metadata: {labels: {app: db}}
        spec:
          initContainers: [{name: istio-proxy, image: istio/proxyv2, restartPolicy: Always}]
          containers: [{name: db, image: postgres:16}]
`)
	for i, want := range []time.Duration{0, 30 * time.Second, time.Minute} {
		obj := "Pod/default/db-" + string(rune('0'+i))
		if got := r11kAt(r, obj, "created"); got != want {
			t.Errorf("%s created at %v, want %v", obj, got, want)
		}
		if got := r11kAt(r, obj, "ready"); got != want+30*time.Second {
			t.Errorf("%s ready at %v, want %v (its sidecar's readiness)", obj, got, want+30*time.Second)
		}
	}
}

// A DaemonSet rolling update (maxUnavailable 1) whose pods have a
// Linkerd-style proxy sidecar ready 20s after it starts: the next node's
// pod is replaced only once the new pod, sidecar included, is Ready. The
// agent and the proxy ignore SIGTERM: an old pod goes 32s after its
// deletion.
// Source: pkg/controller/daemon/update.go rollingUpdate (unavailable pods
// count against maxUnavailable; availability is the pod's Ready
// condition), kuberuntime_container.go killContainer (a sidecar whose turn
// to stop comes when the grace period ends still gets 2s).
func TestR11kDaemonSetUpdateWaitsForSidecarReadiness(t *testing.T) {
	ds := func(image string) string {
		return `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      initContainers: [{name: linkerd-proxy, image: cr.l5d.io/linkerd/proxy, restartPolicy: Always}]
      containers: [{name: agent, image: ` + image + `}]
`
	}
	c := newClusterB(t, []fake.Behavior{{Match: fake.Match{Container: "linkerd-proxy"}, ReadyAfter: 20 * time.Second}}, "n-1", "n-2", "n-3")
	applyYAML(t, c, ds("agent:1"))
	advance(t, c, 2*time.Minute)
	applyYAML(t, c, ds("agent:2"))
	start := c.Now()
	var created []time.Duration
	seen := map[string]bool{}
	for range 300 {
		advance(t, c, time.Second)
		for _, p := range pods(t, c, "app=agent") {
			if p.Spec.Containers[0].Image == "agent:2" && !seen[p.Name] {
				seen[p.Name] = true
				created = append(created, p.CreationTimestamp.Sub(start))
			}
		}
	}
	// The first old pod is deleted at once; its agent is killed 30s later
	// and its proxy, whose turn to stop comes only then, 2s after that
	// (the kubelet's minimum grace): gone at 32s. Its replacement is
	// Ready 20s later, when the next old pod is deleted, gone 32s later;
	// and so on.
	want := []time.Duration{32 * time.Second, 84 * time.Second, 136 * time.Second}
	if !stdslices.Equal(created, want) {
		t.Errorf("replacements created at %v, want %v", created, want)
	}
}

// A Job's pod with a log-shipper sidecar that takes 2s to stop; the app
// container fails twice then succeeds. A failed pod's finish time is its
// sidecar's (the last container to stop), so the back-off (10s, then
// 20s) counts from then. Source: pkg/controller/job/job_controller.go
// getFinishedTime, getFinishTimeFromContainers (init containers
// included), pkg/controller/job/backoff_utils.go.
func TestR11kJobSidecarFailureBackoff(t *testing.T) {
	r := r11kPlay(t, `
run: 5m
nodes: [{name: a}]
behaviors:
  - match: {container: main}
    runFor: 5s
    exitCodes: [1, 1, 0]
  - match: {container: shipper}
    stopAfter: 2s
objects:
  - apiVersion: batch/v1
    kind: Job
    metadata: {name: etl}
    spec:
      backoffLimit: 3
      template:
        metadata: {labels: {app: etl}}
        spec:
          restartPolicy: Never
          initContainers: [{name: shipper, image: fluent/fluent-bit, restartPolicy: Always}]
          containers: [{name: main, image: etl:1}]
`)
	var created, failed []time.Duration
	for _, c := range r.Timeline {
		if !strings.HasPrefix(c.Object, "Pod/default/etl-") {
			continue
		}
		switch c.Change {
		case "created":
			created = append(created, c.Time.Sub(r.Start))
		case "failed":
			failed = append(failed, c.Time.Sub(r.Start))
		}
	}
	if want := []time.Duration{7 * time.Second, 24 * time.Second}; !stdslices.Equal(failed, want) {
		t.Errorf("pods failed at %v, want %v (main exits at 5s, the sidecar 2s later)", failed, want)
	}
	if want := []time.Duration{0, 17 * time.Second, 44 * time.Second}; !stdslices.Equal(created, want) {
		t.Errorf("pods created at %v, want %v (10s and 20s after each failure)", created, want)
	}
	if got := r11kAt(r, "Job/default/etl", "complete"); got != 51*time.Second {
		t.Errorf("Job complete at %v, want 51s", got)
	}
}

// A CronJob whose Jobs' pods have a sidecar: each Job completes once its
// main container has exited and the sidecar stopped, so the next run is
// not blocked under concurrencyPolicy Forbid.
func TestR11kCronJobWithSidecar(t *testing.T) {
	r := r11kPlay(t, `
run: 6m30s
nodes: [{name: a}]
behaviors:
  - match: {container: main}
    runFor: 20s
  - match: {container: vault-agent}
    stopAfter: 1s
objects:
  - apiVersion: batch/v1
    kind: CronJob
    metadata: {name: backup}
    spec:
      schedule: "*/2 * * * *"
      concurrencyPolicy: Forbid
      jobTemplate:
        spec:
          template:
            spec:
              restartPolicy: OnFailure
              initContainers: [{name: vault-agent, image: hashicorp/vault, restartPolicy: Always}]
              containers: [{name: main, image: backup:1}]
`)
	var complete []time.Duration
	for _, c := range r.Timeline {
		if strings.HasPrefix(c.Object, "Job/default/backup-") && c.Change == "complete" {
			complete = append(complete, c.Time.Sub(r.Start))
		}
	}
	want := []time.Duration{2*time.Minute + 21*time.Second, 4*time.Minute + 21*time.Second, 6*time.Minute + 21*time.Second}
	if !stdslices.Equal(complete, want) {
		t.Errorf("Jobs complete at %v, want %v", complete, want)
	}
}

// whenUnsatisfiable DoNotSchedule with minDomains 5 over 3 zones: the
// global minimum is taken as 0 while fewer than 5 zones exist, so each
// zone takes one pod and the other 3 replicas stay Pending; each node
// added in a new zone lets them on, until there are 5 zones and the
// minimum is real again. Source: podtopologyspread/filtering.go
// minMatchNum; the Pending pods are tried again on a node add
// (EventsToRegister: Node/Add).
func TestR11kSpreadMinDomainsNodesAddedLater(t *testing.T) {
	r := r11kPlay(t, `
run: 15m
nodes:
  - {count: 2, prefix: a-, labels: {topology.kubernetes.io/zone: za}}
  - {count: 2, prefix: b-, labels: {topology.kubernetes.io/zone: zb}}
  - {count: 2, prefix: c-, labels: {topology.kubernetes.io/zone: zc}}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 6
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          topologySpreadConstraints:
          - maxSkew: 1
            minDomains: 5
            topologyKey: topology.kubernetes.io/zone
            whenUnsatisfiable: DoNotSchedule
            labelSelector: {matchLabels: {app: web}}
          containers: [{name: web, image: nginx}]
steps:
  - at: 5m
    addNode: {name: d-1, labels: {topology.kubernetes.io/zone: zd}}
  - at: 10m
    addNode: {name: e-1, labels: {topology.kubernetes.io/zone: ze}}
`)
	var bound []time.Duration
	for _, c := range r.Timeline {
		if strings.HasPrefix(c.Object, "Pod/default/web-") && c.Change == "scheduled" {
			bound = append(bound, c.Time.Sub(r.Start))
		}
	}
	want := []time.Duration{0, 0, 0, 5 * time.Minute, 10 * time.Minute, 10 * time.Minute}
	if !stdslices.Equal(bound, want) {
		t.Errorf("pods bound at %v, want %v", bound, want)
	}
	zones := map[string]int{}
	for _, p := range r.Pods {
		if p.Spec.NodeName != "" {
			zones[p.Spec.NodeName[:1]]++
		}
	}
	for _, z := range []string{"a", "b", "c", "d", "e"} {
		if zones[z] > 2 {
			t.Errorf("zone %s holds %d pods: skew above 1", z, zones[z])
		}
	}
}

// Zone zc has one cordoned node (the node lifecycle controller's
// node.kubernetes.io/unschedulable:NoSchedule taint) and one tainted
// dedicated=db:NoSchedule. With nodeTaintsPolicy Honor zc is no domain
// and 6 replicas spread 3 and 3 over za and zb; with the default (Ignore)
// zc is a domain holding 0 pods that no pod can join, so only one pod
// goes in each of za and zb and 4 stay Pending. Source:
// podtopologyspread/common.go matchNodeInclusionPolicies
// (FindMatchingUntoleratedTaint with DoNotScheduleTaintsFilterFunc).
func TestR11kSpreadNodeTaintsPolicyCordonedZone(t *testing.T) {
	deploy := func(name, policy string) string {
		return `
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: ` + name + `}
    spec:
      replicas: 6
      selector: {matchLabels: {app: ` + name + `}}
      template:
        metadata: {labels: {app: ` + name + `}}
        spec:
          topologySpreadConstraints:
          - maxSkew: 1
            topologyKey: topology.kubernetes.io/zone
            whenUnsatisfiable: DoNotSchedule` + policy + `
            labelSelector: {matchLabels: {app: ` + name + `}}
          containers: [{name: web, image: nginx}]`
	}
	r := r11kPlay(t, `
run: 10m
nodes:
  - {count: 2, prefix: a-, labels: {topology.kubernetes.io/zone: za}}
  - {count: 2, prefix: b-, labels: {topology.kubernetes.io/zone: zb}}
  - {name: c-1, unschedulable: true, labels: {topology.kubernetes.io/zone: zc}}
  - {name: c-2, taints: [{key: dedicated, value: db, effect: NoSchedule}], labels: {topology.kubernetes.io/zone: zc}}
objects:`+deploy("honor", "\n            nodeTaintsPolicy: Honor")+deploy("ignore", "")+"\n")
	zonesOf := func(prefix string) map[byte]int {
		z := map[byte]int{}
		for _, n := range r11kNodes(r, prefix) {
			z[n[0]]++
		}
		return z
	}
	if z := zonesOf("honor-"); z['a'] != 3 || z['b'] != 3 || len(z) != 2 {
		t.Errorf("Honor: pods per zone %v, want 3 in za and 3 in zb", z)
	}
	if z := zonesOf("ignore-"); z['a'] != 1 || z['b'] != 1 || len(z) != 2 {
		t.Errorf("Ignore: pods per zone %v, want 1 in za and 1 in zb (zc counts as an empty domain)", z)
	}
}

// Templates of every kind with a broken sidecar, inter-pod affinity or
// spread field are refused with the field under the template's path, and
// nothing is created.
func TestR11kTemplateFieldErrors(t *testing.T) {
	spec := `      initContainers: [{name: proxy, image: envoy, restartPolicy: OnFailure}]
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 101
            podAffinityTerm: {labelSelector: {matchLabels: {app: w}}, topologyKey: kubernetes.io/hostname}
      topologySpreadConstraints:
      - {maxSkew: 0, topologyKey: "", whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: w}}}
      containers: [{name: proxy, image: nginx}]
`
	indent := func(s, by string) string {
		return by + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n"+by) + "\n"
	}
	job := "      restartPolicy: Never\n"
	for _, tc := range []struct{ kind, head, prefix string }{
		{"Deployment", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  selector: {matchLabels: {app: w}}\n  template:\n    metadata: {labels: {app: w}}\n    spec:\n" + spec, "spec.template.spec."},
		{"StatefulSet", "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: w}\nspec:\n  serviceName: w\n  selector: {matchLabels: {app: w}}\n  template:\n    metadata: {labels: {app: w}}\n    spec:\n" + spec, "spec.template.spec."},
		{"DaemonSet", "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: w}\nspec:\n  selector: {matchLabels: {app: w}}\n  template:\n    metadata: {labels: {app: w}}\n    spec:\n" + spec, "spec.template.spec."},
		{"Job", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: w}\nspec:\n  template:\n    spec:\n" + job + spec, "spec.template.spec."},
		{"CronJob", "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: w}\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n" + indent(job+spec, "    "), "spec.jobTemplate.spec.template.spec."},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			c := newCluster(t, "a")
			objs, _, err := workload.Decode([]byte(tc.head), "t.yaml")
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Apply(objs[0])
			if err == nil {
				t.Fatal("applied")
			}
			msg := err.Error()
			for _, f := range []string{
				"initContainers[0].restartPolicy: Unsupported value: \"OnFailure\"",
				"initContainers[0].name: Duplicate value: \"proxy\"",
				"affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 101",
				"topologySpreadConstraints[0].maxSkew: Invalid value: 0",
				"topologySpreadConstraints[0].topologyKey: Required value",
			} {
				if !strings.Contains(msg, tc.prefix+f) {
					t.Errorf("error %q does not name %s%s", msg, tc.prefix, f)
				}
			}
			if !strings.Contains(msg, tc.kind+"/default/w") {
				t.Errorf("error %q does not name %s/default/w", msg, tc.kind)
			}
			advance(t, c, time.Minute)
			if objs, _ := c.List(tc.kind, "", ""); len(objs) != 0 {
				t.Errorf("%d %s objects after the refusal", len(objs), tc.kind)
			}
			if ps := pods(t, c, ""); len(ps) != 0 {
				t.Errorf("%d pods after the refusal", len(ps))
			}
		})
	}
}

// kubectl get pods for sidecar pods: a Linkerd-style proxy crash-looping
// after the pod initialized reads "1/2 Init:CrashLoopBackOff" (printPod
// takes the first init container that is neither succeeded nor a started
// sidecar, and an initialized pod's running app container does not
// override it), RESTARTS counts the sidecar's restarts since the pod is
// initialized; a healthy sidecar pod reads "2/2 Running"; a Job pod whose
// main container is done while its sidecar stops reads "1/2 Completed"
// (only a running app container turns Completed back into Running or
// NotReady; the sidecar, still running and ready, counts in READY).
// Source: pkg/printers/internalversion/printers.go printPod.
func TestR11kTableSidecarPods(t *testing.T) {
	s, err := scenario.Parse([]byte(`
run: 50s
nodes: [{name: a}]
behaviors:
  - {match: {podName: crashy, container: proxy}, crashAfter: 2s}
  - {match: {podName: job, container: main}, runFor: 40s}
objects:
  - {apiVersion: v1, kind: Pod, metadata: {name: crashy}, spec: {initContainers: [{name: proxy, image: linkerd, restartPolicy: Always}], containers: [{name: c, image: app}]}}
  - {apiVersion: v1, kind: Pod, metadata: {name: healthy}, spec: {initContainers: [{name: proxy, image: linkerd, restartPolicy: Always}], containers: [{name: c, image: app}]}}
  - {apiVersion: v1, kind: Pod, metadata: {name: job}, spec: {restartPolicy: Never, initContainers: [{name: shipper, image: fluent, restartPolicy: Always}], containers: [{name: main, image: app}]}}
`), "table.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := res.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	in := false
	for _, line := range strings.Split(buf.String(), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 0 && f[0] == "PODS":
			in = true
		case len(f) == 0:
			in = false
		case in && f[0] == "default":
			rows[f[1]] = f
		}
	}
	// crashy's proxy crashes at 2s, 4s, 16s and 38s (back-off 10s, 20s).
	for name, want := range map[string]string{
		"crashy":  "1/2 Init:CrashLoopBackOff 3 (12s ago)",
		"healthy": "2/2 Running 0",
		"job":     "1/2 Completed 0",
	} {
		r := rows[name]
		if len(r) < 5 {
			t.Errorf("%s: no row in\n%s", name, buf.String())
			continue
		}
		if got := strings.Join(r[2:len(r)-3], " "); got != want {
			t.Errorf("%s: READY STATUS RESTARTS %q, want %q", name, got, want)
		}
	}
}
