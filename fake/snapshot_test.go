package fake

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orchestra-go/orchestra/workload"
)

// TestSnapshotsNeverChange: every pod the runtime reports stays as it was
// reported while the runtime carries on (starts, exits, back-off,
// readiness, init containers, kills, a failed node, deletion), and each
// pod holds its status once: the truth shares its memory with the last
// snapshot.
func TestSnapshotsNeverChange(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{
		{Match: Match{Container: "setup"}, RunFor: dur(time.Second)},
		{Match: Match{Container: "slow"}, ReadyAfter: 3 * time.Second},
		{RunFor: dur(2 * time.Second), ExitCode: 1},
	}})
	w, err := h.r.Watch(context.Background(), 0)
	h.must(err)
	defer w.Stop()
	type seen struct {
		got  *workload.Pod
		copy *workload.Pod
	}
	var reports []seen
	take := func() {
		for _, ev := range drain(w) {
			if p, ok := ev.Object.(*workload.Pod); ok {
				reports = append(reports, seen{p, p.DeepCopy()})
			}
		}
	}
	two := newPod("two", workload.RestartPolicyAlways, nil, "a", "b")
	two.Spec.Containers[1].Name = "slow"
	withInit := newPod("init", workload.RestartPolicyOnFailure, nil)
	withInit.Spec.InitContainers = []workload.Container{{Name: "setup", Image: "x"}}
	for _, p := range []*workload.Pod{two, withInit, newPod("never", workload.RestartPolicyNever, nil)} {
		h.create(p)
	}
	for i := range 80 {
		h.at(time.Duration(i) * 500 * time.Millisecond)
		take()
		switch i {
		case 7:
			_ = h.r.KillContainer("default", "two", "slow", 137)
		case 11:
			h.must(h.r.FailNode("node-a"))
		case 15:
			h.must(h.r.SetNodeReady("node-a", true))
		}
		take()
		h.r.mu.Lock()
		for _, p := range h.r.pods {
			if p.dirty {
				continue // the node was failed: the truth is ahead of the snapshot
			}
			if len(p.status.ContainerStatuses) > 0 && !p.shared {
				t.Fatalf("at %d: pod %s has container statuses of its own after reporting them", i, p.key)
			}
			reported := &p.current().Status
			if &p.status.ContainerStatuses[0] != &reported.ContainerStatuses[0] ||
				&p.status.Conditions[0] != &reported.Conditions[0] {
				t.Fatalf("at %d: pod %s holds its status twice", i, p.key)
			}
		}
		h.r.mu.Unlock()
	}
	h.must(h.r.DeletePod(context.Background(), "default", "two", time.Second))
	h.at(2 * time.Minute)
	take()
	if len(reports) < 20 {
		t.Fatalf("only %d reports", len(reports))
	}
	for i, s := range reports {
		if d := cmp.Diff(s.copy, s.got); d != "" {
			t.Fatalf("report %d (%s) changed after it was reported (-then +now):\n%s", i, s.got.Name, d)
		}
	}
}

// TestCreatePodSharesMetadataAndSpec: the runtime keeps the pod it is
// given without a copy (workload.Runtime lets it): every snapshot shares
// the input's metadata and spec memory, and the input is left as it was.
func TestCreatePodSharesMetadataAndSpec(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{{RunFor: dur(time.Second)}}})
	w, err := h.r.Watch(context.Background(), 0)
	h.must(err)
	defer w.Stop()
	in := newPod("shared", workload.RestartPolicyAlways, map[string]string{"note": "x"})
	in.OwnerReferences = []workload.OwnerReference{{Kind: "ReplicaSet", Name: "rs", UID: "rs-uid"}}
	before := in.DeepCopy()
	h.create(in)
	h.at(3 * time.Second)
	var pods []*workload.Pod
	for _, ev := range drain(w) {
		if p, ok := ev.Object.(*workload.Pod); ok {
			pods = append(pods, p)
		}
	}
	if len(pods) < 3 {
		t.Fatalf("got %d pod events, want an Added and a few Modified", len(pods))
	}
	for i, p := range pods {
		if &p.Spec.Containers[0] != &in.Spec.Containers[0] || &p.OwnerReferences[0] != &in.OwnerReferences[0] ||
			reflect.ValueOf(p.Labels).UnsafePointer() != reflect.ValueOf(in.Labels).UnsafePointer() {
			t.Fatalf("report %d copied the pod's metadata or spec instead of sharing them", i)
		}
		if p.ResourceVersion == "" || p.UID == "" {
			t.Fatalf("report %d: resourceVersion %q, uid %q: want both set", i, p.ResourceVersion, p.UID)
		}
	}
	if d := cmp.Diff(before, in); d != "" {
		t.Fatalf("CreatePod changed its input (-before +after):\n%s", d)
	}
}

// TestFirstStatusSharedAtOneInstant: pods created at one instant share
// their first start time and conditions list (with or without init
// containers); each is as the pod's own would be, and a later change of
// one pod leaves the others' alone. Pods in lockstep go on sharing their
// conditions (podstatus.Memo).
func TestFirstStatusSharedAtOneInstant(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{{StartDelay: time.Second}}})
	w, err := h.r.Watch(context.Background(), 0)
	h.must(err)
	defer w.Stop()
	withInit := func(name string) *workload.Pod {
		p := newPod(name, workload.RestartPolicyAlways, nil)
		p.Spec.InitContainers = []workload.Container{{Name: "setup", Image: "x"}}
		return p
	}
	h.create(newPod("a", workload.RestartPolicyAlways, nil))
	h.create(newPod("b", workload.RestartPolicyAlways, nil))
	h.create(withInit("ia"))
	h.create(withInit("ib"))
	h.at(time.Millisecond)
	h.create(newPod("later", workload.RestartPolicyAlways, nil))
	added := map[string]*workload.Pod{}
	for _, ev := range drain(w) {
		if p, ok := ev.Object.(*workload.Pod); ok && ev.Type == workload.Added {
			added[p.Name] = p
		}
	}
	same := func(x, y *workload.Pod) bool {
		return &x.Status.Conditions[0] == &y.Status.Conditions[0] && x.Status.StartTime == y.Status.StartTime
	}
	if !same(added["a"], added["b"]) || !same(added["ia"], added["ib"]) {
		t.Fatal("pods created at one instant do not share their first conditions and start time")
	}
	if same(added["a"], added["ia"]) || same(added["a"], added["later"]) {
		t.Fatal("pods with and without init containers, or created at other instants, share their first status")
	}
	for name, p := range added {
		at := t0
		if name == "later" {
			at = t0.Add(time.Millisecond)
		}
		init := workload.ConditionTrue
		if name == "ia" || name == "ib" {
			init = workload.ConditionFalse
		}
		if !p.Status.StartTime.Equal(at) || cond(p, workload.PodInitialized).Status != init ||
			cond(p, workload.PodReady).Status != workload.ConditionFalse || cond(p, workload.PodScheduled).Status != workload.ConditionTrue {
			t.Errorf("%s: start time %v, conditions %+v", name, p.Status.StartTime, p.Status.Conditions)
		}
		for _, c := range p.Status.Conditions {
			if !c.LastTransitionTime.Equal(at) {
				t.Errorf("%s: condition %s moved at %v, want %v", name, c.Type, c.LastTransitionTime, at)
			}
		}
	}
	before := added["b"].DeepCopy()
	h.at(2 * time.Second) // a and b start and become ready
	if cond(h.pod("a"), workload.PodReady).Status != workload.ConditionTrue {
		t.Fatalf("pod a is not ready: %+v", h.pod("a").Status.Conditions)
	}
	if d := cmp.Diff(before, added["b"]); d != "" {
		t.Fatalf("pod b's first report changed (-then +now):\n%s", d)
	}
	// In lockstep, a and b share their next conditions too.
	h.r.mu.Lock()
	ca, cb := h.r.pods["default/a"].current().Status.Conditions, h.r.pods["default/b"].current().Status.Conditions
	h.r.mu.Unlock()
	if &ca[0] == &added["a"].Status.Conditions[0] || &ca[0] != &cb[0] {
		t.Fatal("pods a and b, in lockstep, do not share their conditions once started")
	}
}

// TestLockstepContainersShareStates: containers that start and exit at
// the same instants, alike, share their Running and Terminated states,
// and their pods their container status lists; one that runs at other
// times has its own.
func TestLockstepContainersShareStates(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{{RunFor: dur(time.Second), ExitCode: 2}}})
	h.create(newPod("a", workload.RestartPolicyNever, nil))
	h.create(newPod("b", workload.RestartPolicyNever, nil))
	h.at(time.Millisecond)
	h.create(newPod("later", workload.RestartPolicyNever, nil))
	state := func(name string) workload.ContainerState {
		h.r.mu.Lock()
		defer h.r.mu.Unlock()
		return h.r.pods["default/"+name].current().Status.ContainerStatuses[0].State
	}
	h.at(500 * time.Millisecond)
	if a, b, l := state("a"), state("b"), state("later"); a.Running == nil || a.Running != b.Running || a.Running == l.Running {
		t.Fatalf("Running states: a %p, b %p, later %p; want a and b alike, later its own", a.Running, b.Running, l.Running)
	}
	statuses := func(name string) *workload.ContainerStatus {
		h.r.mu.Lock()
		defer h.r.mu.Unlock()
		return &h.r.pods["default/"+name].current().Status.ContainerStatuses[0]
	}
	if statuses("a") != statuses("b") || statuses("a") == statuses("later") {
		t.Fatal("pods a and b, in lockstep, do not share their container statuses, or pod later shares theirs")
	}
	h.at(2 * time.Second)
	a, b, l := state("a"), state("b"), state("later")
	if a.Terminated == nil || a.Terminated != b.Terminated || a.Terminated == l.Terminated {
		t.Fatalf("Terminated states: a %p, b %p, later %p; want a and b alike, later its own", a.Terminated, b.Terminated, l.Terminated)
	}
	if tm := l.Terminated; tm.ExitCode != 2 || !tm.StartedAt.Equal(t0.Add(time.Millisecond)) || !tm.FinishedAt.Equal(t0.Add(time.Second+time.Millisecond)) {
		t.Fatalf("pod later: terminated %+v", tm)
	}
}
