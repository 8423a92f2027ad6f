package breakit_test

import (
	"errors"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// r9cApplyErr applies a manifest's one object and returns the error.
func r9cApplyErr(t *testing.T, y string) error {
	t.Helper()
	c := newCluster(t, "a")
	objs, _, err := workload.Decode([]byte(y), t.Name()+".yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Apply(objs[0])
	if err != nil && !errors.Is(err, workload.ErrInvalid) {
		t.Errorf("error %v does not wrap workload.ErrInvalid", err)
	}
	if err != nil && len(c.Store().List(objs[0].Kind(), "", nil)) != 0 {
		t.Errorf("a rejected %s was stored", objs[0].Kind())
	}
	return err
}

// Kubernetes' pod validation rejects two container ports with the same
// protocol, hostIP and hostPort (checkHostPortConflicts,
// AccumulateUniqueHostPorts: field.Duplicate on the second one's hostPort,
// value "TCP//8080"), and with hostNetwork a hostPort that is not the
// containerPort (validateHostNetwork; in a template an unset hostPort
// passes, the pod's defaulting sets it). orchestra accepted both.
func TestR9cPodHostPortValidation(t *testing.T) {
	for _, tc := range []struct{ name, spec, want string }{
		{"two containers", `
  containers:
  - {name: a, image: x, ports: [{containerPort: 80, hostPort: 8080}]}
  - {name: b, image: x, ports: [{containerPort: 81, hostPort: 8080}]}`,
			`workload: invalid object Pod/default/p: spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"`},
		{"one container", `
  containers:
  - {name: a, image: x, ports: [{containerPort: 80, hostPort: 8080, protocol: UDP}, {containerPort: 81, hostPort: 8080, protocol: UDP}]}`,
			`workload: invalid object Pod/default/p: spec.containers[0].ports[1].hostPort: Duplicate value: "UDP//8080"`},
		{"other protocol", `
  containers:
  - {name: a, image: x, ports: [{containerPort: 80, hostPort: 8080}, {containerPort: 81, hostPort: 8080, protocol: UDP}]}`, ""},
		{"other host IP", `
  containers:
  - {name: a, image: x, ports: [{containerPort: 80, hostPort: 8080, hostIP: 127.0.0.1}, {containerPort: 81, hostPort: 8080, hostIP: 127.0.0.2}]}`, ""},
		{"hostNetwork", `
  hostNetwork: true
  containers:
  - {name: a, image: x, ports: [{containerPort: 80, hostPort: 8080}, {containerPort: 90}]}`,
			"workload: invalid object Pod/default/p: spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := r9cApplyErr(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:"+tc.spec+"\n")
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	// A template with hostNetwork and an unset hostPort is valid; its pods
	// get hostPort = containerPort.
	err := r9cApplyErr(t, `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: d}
spec:
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec:
      hostNetwork: true
      containers: [{name: a, image: x, ports: [{containerPort: 9100}]}]
`)
	if err != nil {
		t.Errorf("DaemonSet with hostNetwork and no hostPort: %v", err)
	}
	err = r9cApplyErr(t, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec:
      hostNetwork: true
      containers: [{name: a, image: x, ports: [{containerPort: 9100, hostPort: 9101}]}]
`)
	want := "workload: invalid object Deployment/default/d: spec.template.spec.containers[0].ports[0].hostPort: Invalid value: 9101: must match `containerPort` when `hostNetwork` is true"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

// Kubernetes accepts a negative spec.terminationGracePeriodSeconds with a
// warning ("spec.terminationGracePeriodSeconds: must be >= 0; negative
// values are invalid and will be treated as 1", warningsForPodSpecAndMeta)
// and converts it to 1 in a Pod (kubernetes/kubernetes#115606; a
// template keeps its value, its pods get 1). orchestra rejected such
// manifests, which load in Kubernetes.
func TestR9cPodNegativeGracePeriodIsOne(t *testing.T) {
	c := newCluster(t, "a")
	y := `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  terminationGracePeriodSeconds: -5
  containers: [{name: c, image: x}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  replicas: 1
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec:
      terminationGracePeriodSeconds: -2
      containers: [{name: c, image: x}]
`
	objs, warns, err := workload.Decode([]byte(y), "neg.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"document 1 (neg.yaml): Pod/default/p: spec.terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be treated as 1",
		"document 2 (neg.yaml): Deployment/default/d: spec.template.spec.terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be treated as 1",
	}
	if len(warns) != 2 || warns[0] != want[0] || warns[1] != want[1] {
		t.Errorf("warnings\n got %q\nwant %q", warns, want)
	}
	for _, o := range objs {
		if _, err := c.Apply(o); err != nil {
			t.Fatalf("apply %s: %v", o.Kind(), err)
		}
	}
	advance(t, c, time.Second)
	for _, p := range pods(t, c, "") {
		if g := p.Spec.TerminationGracePeriodSeconds; g == nil || *g != 1 {
			t.Errorf("pod %s: terminationGracePeriodSeconds %v, want 1", p.Name, g)
		}
	}
	// Deleted, the pod goes after its 1 s of grace.
	if err := c.DeletePod("default", "p", nil); err != nil {
		t.Fatal(err)
	}
	p := r9cPod(t, c, "p")
	if p == nil || p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 1 {
		t.Fatalf("deleted pod: %+v, want deletionGracePeriodSeconds 1", p)
	}
}

// A pod update may change an existing toleration's tolerationSeconds
// (ValidateTolerationsInPodUpdate compares the tolerations without it);
// any other change to one is refused with "existing toleration can not be
// modified except its tolerationSeconds" on spec.tolerations. orchestra
// refused the tolerationSeconds change too. The taint manager keeps an
// eviction it has scheduled when the time changes (processPodOnNode keeps
// the earlier trigger) and cancels it when the toleration becomes
// unbounded.
func TestR9cPodUpdateTolerationSeconds(t *testing.T) {
	c := newCluster(t, "a")
	if err := c.Fake().SetNodeTaints("a", []workload.Taint{{Key: "k", Effect: workload.TaintEffectNoExecute}}); err != nil {
		t.Fatal(err)
	}
	pod := func(name, tol string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + "}\nspec:\n  nodeName: a\n  tolerations: [" + tol + "]\n  containers: [{name: c, image: x}]\n"
	}
	applyYAML(t, c, pod("p", "{key: k, operator: Exists, effect: NoExecute, tolerationSeconds: 60}"))
	applyYAML(t, c, pod("q", "{key: k, operator: Exists, effect: NoExecute, tolerationSeconds: 60}"))
	advance(t, c, 30*time.Second)
	applyYAML(t, c, pod("p", "{key: k, operator: Exists, effect: NoExecute, tolerationSeconds: 600}"))
	applyYAML(t, c, pod("q", "{key: k, operator: Exists, effect: NoExecute}"))
	if got := *r9cPod(t, c, "p").Spec.Tolerations[0].TolerationSeconds; got != 600 {
		t.Errorf("tolerationSeconds after the update: %d, want 600", got)
	}
	objs, _, err := workload.Decode([]byte(pod("p", "{key: k, operator: Exists, effect: NoSchedule}")), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Apply(objs[0])
	want := "workload: invalid object Pod/default/p: spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"
	if err == nil || err.Error() != want {
		t.Errorf("changing a toleration's effect: %v, want %s", err, want)
	}
	advance(t, c, 31*time.Second)
	if p := r9cPod(t, c, "p"); p != nil && p.DeletionTimestamp == nil {
		t.Errorf("p not evicted at 61 s: its eviction was scheduled for 60 s before the update")
	}
	advance(t, c, time.Hour)
	if q := r9cPod(t, c, "q"); q == nil || q.DeletionTimestamp != nil {
		t.Errorf("q evicted although it now tolerates the taint forever")
	}
}
