package fake

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

func TestNodeDefaultsAndCIDRs(t *testing.T) {
	h := newHarness(t, Config{})
	h.must(h.r.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-b", Labels: map[string]string{"disk": "ssd"}}}))
	n, err := h.r.GetNode("node-b")
	h.must(err)
	want := map[string]string{"disk": "ssd", workload.LabelHostname: "node-b", workload.LabelOS: "linux", workload.LabelArch: "amd64"}
	if diff := cmp.Diff(want, n.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if n.Spec.PodCIDR != "10.244.1.0/24" || q(n.Status.Capacity, "pods") != "110" ||
		q(n.Status.Allocatable, "memory") != "16Gi" || q(n.Status.Capacity, "cpu") != "4" {
		t.Errorf("podCIDR %s capacity %v", n.Spec.PodCIDR, n.Status.Capacity)
	}
	if readyOf(n).Status != workload.ConditionTrue || n.UID == "" {
		t.Errorf("conditions %+v uid %q", n.Status.Conditions, n.UID)
	}
	p := newPod("p", "", nil)
	p.Spec.NodeName = "node-b"
	h.create(p)
	if ip := h.pod("p").Status.PodIP; ip != "10.244.1.2" {
		t.Errorf("pod IP on the second node = %s", ip)
	}
	if err := h.r.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-b"}}); !errors.Is(err, ErrNodeExists) {
		t.Errorf("duplicate node: %v", err)
	}
}

func TestNodeOps(t *testing.T) {
	h := newHarness(t, Config{})
	w, err := h.r.Watch(context.Background(), 0)
	h.must(err)
	defer w.Stop()
	ssd := "ssd"
	h.must(h.r.SetNodeLabels("node-a", map[string]*string{"disk": &ssd}))
	h.must(h.r.SetNodeLabels("node-a", map[string]*string{"disk": &ssd})) // no change, no event
	h.must(h.r.SetNodeLabels("node-a", map[string]*string{"disk": nil, "zone": &ssd}))
	h.must(h.r.SetNodeTaints("node-a", []workload.Taint{{Key: "k", Value: "v", Effect: workload.TaintEffectNoExecute}}))
	h.must(h.r.Cordon("node-a"))
	h.must(h.r.SetNodeReady("node-a", false))
	n, err := h.r.GetNode("node-a")
	h.must(err)
	if _, ok := n.Labels["disk"]; ok || n.Labels["zone"] != "ssd" || len(n.Spec.Taints) != 1 || !n.Spec.Unschedulable ||
		readyOf(n).Status != workload.ConditionFalse {
		t.Fatalf("node after ops: %+v", n)
	}
	h.must(h.r.Uncordon("node-a"))
	h.must(h.r.SetNodeTaints("node-a", nil))
	if evs := drain(w); len(evs) != 7 {
		t.Fatalf("got %d Modified events, want 7 (one per change)", len(evs))
	}
	for _, op := range []func() error{
		func() error { return h.r.Cordon("ghost") },
		func() error { return h.r.Uncordon("ghost") },
		func() error { return h.r.SetNodeReady("ghost", true) },
		func() error { return h.r.FailNode("ghost") },
		func() error { return h.r.RemoveNode("ghost") },
		func() error { return h.r.SetNodeTaints("ghost", nil) },
		func() error { return h.r.SetNodeLabels("ghost", nil) },
	} {
		if err := op(); !errors.Is(err, workload.ErrNodeNotFound) || !strings.Contains(err.Error(), "Node/ghost") {
			t.Errorf("op on a missing node: %v", err)
		}
	}
}

func TestRemoveNodeDeletesItsPods(t *testing.T) {
	h := newHarness(t, Config{})
	h.create(newPod("b", "", nil))
	h.create(newPod("a", "", nil))
	h.at(time.Second)
	w, err := h.r.Watch(context.Background(), 0)
	h.must(err)
	defer w.Stop()
	h.must(h.r.RemoveNode("node-a"))
	var got []string
	for _, ev := range drain(w) {
		got = append(got, ev.Type+" "+workload.Ref(ev.Object))
	}
	want := []string{"DELETED Pod/default/a", "DELETED Pod/default/b", "DELETED Node/node-a"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
	nodes, pods, _, err := h.r.List(context.Background())
	h.must(err)
	if len(nodes)+len(pods) != 0 {
		t.Fatalf("left: %d nodes, %d pods", len(nodes), len(pods))
	}
	if _, ok := h.clk.Next(); ok {
		t.Fatal("timers left after the node went")
	}
}

func TestFailNodeFreezesReportsUntilReady(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{{RunFor: dur(10 * time.Second)}}})
	h.create(newPod("p", workload.RestartPolicyNever, nil))
	h.at(time.Second)
	h.must(h.r.FailNode("node-a"))
	// The kubelet goes silent: its node is reported with the status it
	// last posted (marking it Unknown is the control plane's job) and the
	// time of its last heartbeat.
	n, _ := h.r.GetNode("node-a")
	if c := readyOf(n); c.Status != workload.ConditionTrue || c.Reason != reasonKubeletReady {
		t.Fatalf("Ready after FailNode: %+v; want True as last posted", c)
	}
	if got, want := n.Annotations[workload.KubeletSilentSinceAnnotation], h.clk.Now().UTC().Format(time.RFC3339Nano); got != want {
		t.Fatalf("%s after FailNode = %q; want %q", workload.KubeletSilentSinceAnnotation, got, want)
	}
	h.at(time.Minute)
	if ph := h.pod("p").Status.Phase; ph != workload.PodRunning {
		t.Fatalf("failed node's pod reported %s; want its last report, Running", ph)
	}
	h.must(h.r.SetNodeReady("node-a", true))
	if ph := h.pod("p").Status.Phase; ph != workload.PodSucceeded {
		t.Fatalf("after the kubelet came back: %s", ph)
	}
	// Back: its status posted anew, every heartbeat now, and no longer
	// silent.
	n, _ = h.r.GetNode("node-a")
	if _, ok := n.Annotations[workload.KubeletSilentSinceAnnotation]; ok {
		t.Fatalf("node back still carries %s", workload.KubeletSilentSinceAnnotation)
	}
	for _, c := range n.Status.Conditions {
		if !c.LastHeartbeatTime.Equal(h.clk.Now()) {
			t.Errorf("%s heartbeat %v after the kubelet came back at %v", c.Type, c.LastHeartbeatTime.Time, h.clk.Now())
		}
	}
}

func TestWatchListThenWatch(t *testing.T) {
	h := newHarness(t, Config{History: 8, WatchBuffer: 4})
	ctx := context.Background()
	h.create(newPod("p", "", nil))
	nodes, pods, v, err := h.r.List(ctx)
	h.must(err)
	if len(nodes) != 1 || len(pods) != 1 || v != 2 || pods[0].ResourceVersion != "2" {
		t.Fatalf("list: %d nodes %d pods version %d", len(nodes), len(pods), v)
	}
	// A watch from version 0 replays nothing; from 1 it replays the pod.
	w0, err := h.r.Watch(ctx, 0)
	h.must(err)
	defer w0.Stop()
	w1, err := h.r.Watch(ctx, 1)
	h.must(err)
	defer w1.Stop()
	if ev, ok := w1.TryNext(); !ok || ev.Type != workload.Added || ev.Version != 2 {
		t.Fatalf("replay: %+v %v", ev, ok)
	}
	h.at(0) // the container starts
	ev, err := w0.Next(ctx)
	h.must(err)
	if ev.Type != workload.Modified || ev.Version != 3 || ev.Object.(*workload.Pod).Status.Phase != workload.PodRunning {
		t.Fatalf("next: %+v", ev)
	}
	select {
	case <-w1.Ready():
	default:
		t.Fatal("Ready not signalled")
	}
	if _, err := h.r.Watch(ctx, 99); !errors.Is(err, ErrInvalid) {
		t.Fatalf("watch from the future: %v", err)
	}
	// Overflow: w0 reads nothing while 5 changes happen.
	for i := range 5 {
		h.create(newPod("q"+string(rune('0'+i)), "", nil))
	}
	if _, ok := w0.TryNext(); ok || !errors.Is(w0.Err(), workload.ErrWatchExpired) {
		t.Fatalf("overflowed watch: err %v", w0.Err())
	}
	if _, err := w0.Next(ctx); !errors.Is(err, workload.ErrWatchExpired) {
		t.Fatalf("Next after overflow: %v", err)
	}
	// History of 8 no longer reaches version 1 once the q pods start.
	h.at(0)
	if _, err := h.r.Watch(ctx, 1); !errors.Is(err, workload.ErrWatchExpired) {
		t.Fatalf("watch from an expired version: %v", err)
	}
	w2, err := h.r.Watch(ctx, 0)
	h.must(err)
	w2.Stop()
	w2.Stop()
	if !errors.Is(w2.Err(), ErrWatchStopped) {
		t.Fatalf("stopped watch: %v", w2.Err())
	}
	if _, err := w2.Next(ctx); !errors.Is(err, ErrWatchStopped) {
		t.Fatalf("Next after Stop: %v", err)
	}
}

func TestFaultHooksAndCalls(t *testing.T) {
	boom := errors.New("boom")
	var seen string
	h := newHarness(t, Config{Hooks: Hooks{FailCreate: func(p *workload.Pod) error {
		seen = p.Name
		if p.Name == "bad" {
			return boom
		}
		return nil
	}}})
	ctx := context.Background()
	h.r.ResetCalls()
	if err := h.r.CreatePod(ctx, newPod("bad", "", nil)); !errors.Is(err, boom) || !strings.Contains(err.Error(), "Pod/default/bad") {
		t.Fatalf("FailCreate: %v", err)
	}
	if seen != "bad" || !h.gone("bad") {
		t.Fatal("failed create left a pod")
	}
	h.create(newPod("good", workload.RestartPolicyOnFailure, nil))
	h.at(time.Second)
	h.must(h.r.KillContainer("default", "good", "c0", 137))
	// The first restart is immediate, the next after a back-off.
	c := h.ctr("good")
	if c.LastTerminationState.Terminated.ExitCode != 137 || c.State.Running == nil || c.RestartCount != 1 {
		t.Fatalf("killed container: %+v", c)
	}
	h.must(h.r.KillContainer("default", "good", "c0", 137))
	c = h.ctr("good")
	if c.LastTerminationState.Terminated.ExitCode != 137 || c.State.Waiting == nil || c.State.Waiting.Reason != ReasonCrashLoopBackOff {
		t.Fatalf("killed container: %+v", c)
	}
	if err := h.r.KillContainer("default", "good", "c0", 1); !errors.Is(err, ErrContainerNotRunning) {
		t.Fatalf("kill a waiting container: %v", err)
	}
	if err := h.r.KillContainer("default", "good", "nope", 1); !errors.Is(err, ErrContainerNotFound) {
		t.Fatalf("kill a missing container: %v", err)
	}
	h.r.SetHooks(Hooks{
		FailDelete: func(string, string, time.Duration) error { return boom },
		FailList:   func() error { return boom },
		FailWatch:  func(uint64) error { return boom },
	})
	if err := h.r.DeletePod(ctx, "default", "good", 0); !errors.Is(err, boom) || h.gone("good") {
		t.Fatalf("FailDelete: %v", err)
	}
	if _, _, _, err := h.r.List(ctx); !errors.Is(err, boom) {
		t.Fatalf("FailList: %v", err)
	}
	if _, err := h.r.Watch(ctx, 0); !errors.Is(err, boom) {
		t.Fatalf("FailWatch: %v", err)
	}
	var got []string
	for _, c := range h.r.Calls() {
		s := c.Method + " " + c.Ref + " " + c.Time.Sub(t0).String()
		if c.Err != nil {
			s += " error"
		}
		got = append(got, s)
	}
	want := []string{
		"CreatePod Pod/default/bad 0s error",
		"CreatePod Pod/default/good 0s",
		"KillContainer Pod/default/good 1s",
		"KillContainer Pod/default/good 1s",
		"KillContainer Pod/default/good 1s error",
		"KillContainer Pod/default/good 1s error",
		"DeletePod Pod/default/good 1s error",
		"List  1s error",
		"Watch  1s error",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("calls (-want +got):\n%s", diff)
	}
	h.r.ResetCalls()
	if n := len(h.r.Calls()); n != 0 {
		t.Fatalf("%d calls after ResetCalls", n)
	}
}

func TestLogs(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{{RunFor: dur(time.Second), ExitCode: 1}}})
	ctx := context.Background()
	h.create(newPod("p", workload.RestartPolicyAlways, nil))
	if _, err := h.r.Logs(ctx, "default", "p", "c0", false); !errors.Is(err, ErrContainerNotRunning) {
		t.Fatalf("logs before the first run: %v", err)
	}
	h.at(12 * time.Second) // ran 0-1 s, at once again 1-2 s, restarted at 12 s
	cur, err := h.r.Logs(ctx, "default", "p", "c0", false)
	h.must(err)
	prev, err := h.r.Logs(ctx, "default", "p", "c0", true)
	h.must(err)
	if string(cur) != "2026-01-01T00:00:12Z fake: container c0 started\n" {
		t.Errorf("current logs: %q", cur)
	}
	if string(prev) != "2026-01-01T00:00:01Z fake: container c0 started\n2026-01-01T00:00:02Z fake: container c0 exited with code 1 (Error)\n" {
		t.Errorf("previous logs: %q", prev)
	}
}

func TestCloseStopsEverything(t *testing.T) {
	h := newHarness(t, Config{})
	h.create(newPod("p", "", nil))
	h.r.Close()
	h.r.Close()
	if _, ok := h.clk.Next(); ok {
		t.Fatal("timers pending after Close")
	}
	if err := h.r.CreatePod(context.Background(), newPod("q", "", nil)); !errors.Is(err, ErrClosed) {
		t.Fatalf("create after Close: %v", err)
	}
}

// TestRealClock runs a pod on the real clock, waiting with a generous
// deadline for the watch to report it finished.
func TestRealClock(t *testing.T) {
	r, err := New(Config{Clock: vtime.Real(), Behaviors: []Behavior{{RunFor: dur(time.Millisecond)}}})
	h := &harness{t: t, r: r}
	h.must(err)
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h.must(r.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}))
	w, err := r.Watch(ctx, 0)
	h.must(err)
	defer w.Stop()
	h.must(r.CreatePod(ctx, newPod("p", workload.RestartPolicyNever, nil)))
	for {
		ev, err := w.Next(ctx)
		h.must(err)
		if ev.Object.(*workload.Pod).Status.Phase == workload.PodSucceeded {
			return
		}
	}
}

func q(l workload.ResourceList, k string) string {
	v := l[k]
	return v.String()
}

// readyOf returns the node's Ready condition (the zero condition when it
// has none).
func readyOf(n *workload.Node) workload.NodeCondition {
	for _, c := range n.Status.Conditions {
		if c.Type == workload.NodeReady {
			return c
		}
	}
	return workload.NodeCondition{}
}
