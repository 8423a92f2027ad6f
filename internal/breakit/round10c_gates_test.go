package breakit_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

const r10cGate = "example.com/lb-ready"

// r10cSetCondition sets a condition of the stored pod through the status
// subresource, as a controller outside the cluster (a load balancer's)
// does with kubectl patch --subresource=status.
func r10cSetCondition(t *testing.T, c *orchestra.Cluster, name, typ, status string) {
	t.Helper()
	p := r3getPod(t, c, name).DeepCopy()
	found := false
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == typ {
			p.Status.Conditions[i].Status = status
			p.Status.Conditions[i].LastTransitionTime = workload.NewTime(c.Now())
			found = true
		}
	}
	if !found {
		p.Status.Conditions = append(p.Status.Conditions, workload.PodCondition{Type: typ, Status: status, LastTransitionTime: workload.NewTime(c.Now())})
	}
	if _, err := c.Store().UpdateStatus(p); err != nil {
		t.Fatal(err)
	}
}

func r10cCond(p *workload.Pod, typ string) *workload.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == typ {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// A pod's readinessGates hold its Ready condition False until the
// conditions they name are True, as the kubelet's GeneratePodReadyCondition
// (pkg/kubelet/status/generate.go): reason ReadinessGatesNotReady, message
// `corresponding condition of pod readiness gate "x" does not exist.` or
// `the status of pod readiness gate "x" is not "True", but False`;
// ContainersReady is the containers' own. The gate's condition, set
// through the status subresource by someone else, is kept across the
// kubelet's status updates (generateAPIPodStatus keeps the conditions the
// kubelet does not own), and setting it True makes the pod Ready.
func TestR10cReadinessGates(t *testing.T) {
	c := newCluster(t, "a")
	objs, warns, err := workload.Decode([]byte(`
apiVersion: v1
kind: Pod
metadata: {name: p, labels: {app: p}}
spec:
  readinessGates:
  - conditionType: `+r10cGate+`
  containers: [{name: c, image: nginx}]
`), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warns {
		if strings.Contains(w, "readinessGates") {
			t.Errorf("decode warning %q: readinessGates is modelled", w)
		}
	}
	if _, err := c.Apply(objs[0]); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	check := func(when string, ready bool, reason, msg string) {
		t.Helper()
		p := r3getPod(t, c, "p")
		if cr := r10cCond(p, workload.ContainersReady); cr == nil || cr.Status != workload.ConditionTrue {
			t.Errorf("%s: ContainersReady %+v, want True", when, cr)
		}
		r := r10cCond(p, workload.PodReady)
		want := workload.ConditionFalse
		if ready {
			want = workload.ConditionTrue
		}
		if r == nil || r.Status != want || r.Reason != reason || r.Message != msg {
			t.Errorf("%s: Ready %+v, want %s reason %q message %q", when, r, want, reason, msg)
		}
	}
	check("no gate condition", false, "ReadinessGatesNotReady", `corresponding condition of pod readiness gate "`+r10cGate+`" does not exist.`)

	r10cSetCondition(t, c, "p", r10cGate, workload.ConditionFalse)
	advance(t, c, time.Second)
	check("gate False", false, "ReadinessGatesNotReady", `the status of pod readiness gate "`+r10cGate+`" is not "True", but False`)

	r10cSetCondition(t, c, "p", r10cGate, workload.ConditionTrue)
	advance(t, c, time.Second)
	check("gate True", true, "", "")
	readyAt := r10cCond(r3getPod(t, c, "p"), workload.PodReady).LastTransitionTime

	// A new run of the container (a status report from the runtime) keeps
	// the gate's condition, and the pod is Ready again once it runs.
	if err := c.Fake().KillContainer("default", "p", "c", 137); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	p := r3getPod(t, c, "p")
	if g := r10cCond(p, r10cGate); g == nil || g.Status != workload.ConditionTrue {
		t.Fatalf("after a restart the gate's condition is %+v, want it kept True", g)
	}
	check("after a restart", true, "", "")
	if at := r10cCond(p, workload.PodReady).LastTransitionTime; at.Before(readyAt.Time) {
		t.Errorf("Ready since %v, before the gate was True (%v)", at, readyAt)
	}
}

// spec.readinessGates[i].conditionType is a qualified name, as the API
// server's validateReadinessGates checks.
func TestR10cReadinessGateValidated(t *testing.T) {
	c := newCluster(t, "a")
	p := r3pod("p")
	p.Spec.ReadinessGates = []workload.PodReadinessGate{{ConditionType: "bad type!"}}
	_, err := c.Apply(p)
	if !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), `spec.readinessGates[0].conditionType: Invalid value: "bad type!"`) {
		t.Errorf("Apply: %v, want spec.readinessGates[0].conditionType invalid", err)
	}
}

// A pod past its activeDeadlineSeconds gets the kubelet's Normal event
// DeadlineExceeded "Pod was active on the node longer than the specified
// deadline" (pkg/kubelet/active_deadline.go ShouldEvict), from the kubelet.
func TestR10cActiveDeadlineEvent(t *testing.T) {
	c := newCluster(t, "a")
	p := r3pod("p")
	p.Spec.ActiveDeadlineSeconds = workload.Ptr(int64(30))
	r3apply(t, c, p)
	advance(t, c, 29*time.Second)
	const want = "DeadlineExceeded: Pod was active on the node longer than the specified deadline"
	if r10cIndex(eventsFor(c, "p"), want) >= 0 {
		t.Fatal("DeadlineExceeded event before the deadline")
	}
	advance(t, c, time.Minute)
	if r10cIndex(eventsFor(c, "p"), want) < 0 {
		t.Fatalf("events %q, want %q", eventsFor(c, "p"), want)
	}
	for _, e := range c.Events() {
		if e.Reason == "DeadlineExceeded" && (e.Type != workload.EventTypeNormal || e.Source.Component != "kubelet") {
			t.Errorf("event %s %s from %s, want Normal from kubelet", e.Reason, e.Type, e.Source.Component)
		}
	}
}

// A pod with readiness gates on a node that is not ready: the node
// lifecycle marks it not Ready (MarkPodsNotReady) and the kubelet bridge
// leaves that alone (it only undoes a not-Ready of its gates), rather than
// the two flipping the condition for ever at one instant.
func TestR10cReadinessGatesOnNotReadyNodeSettle(t *testing.T) {
	c := newCluster(t, "a")
	p := r3pod("p")
	p.Spec.ReadinessGates = []workload.PodReadinessGate{{ConditionType: r10cGate}}
	r3apply(t, c, p)
	advance(t, c, time.Second)
	r10cSetCondition(t, c, "p", r10cGate, workload.ConditionTrue)
	advance(t, c, time.Second)
	if !r5ready(r3getPod(t, c, "p")) {
		t.Fatal("pod not Ready with its gate True")
	}
	if err := c.Fake().SetNodeReady("a", false); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second) // fails if the cluster does not settle
	if r5ready(r3getPod(t, c, "p")) {
		t.Error("pod on a node that is not ready is Ready")
	}
	if err := c.Fake().SetNodeReady("a", true); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	if !r5ready(r3getPod(t, c, "p")) {
		t.Error("pod not Ready again once its node is")
	}
}
