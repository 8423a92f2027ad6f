package fake

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orchestra-go/orchestra/workload"
)

// TestStatusReports: the fake reports a pod's status changes as
// workload.PodStatusReports to a reader of reports, and as whole pods to
// a reader of objects, alike: the same statuses at the same versions, the
// last one what GetPod and List say.
func TestStatusReports(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{{RunFor: workload.Ptr(2 * time.Second)}}})
	objs, err := h.r.Watch(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer objs.Stop()
	reps, err := h.r.Watch(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer reps.Stop()
	sw, ok := reps.(workload.StatusWatcher)
	if !ok {
		t.Fatal("the fake's watch is not a workload.StatusWatcher")
	}
	h.create(newPod("p", workload.RestartPolicyNever, nil))
	h.at(time.Minute)

	type change struct {
		Version uint64
		Status  workload.PodStatus
	}
	var fromObjs, fromReps []change
	for {
		ev, ok := objs.TryNext()
		if !ok {
			break
		}
		p := ev.Object.(*workload.Pod)
		if ev.Type == workload.Modified {
			if p.ResourceVersion != strconv.FormatUint(ev.Version, 10) {
				t.Errorf("pod at version %d has resourceVersion %q", ev.Version, p.ResourceVersion)
			}
			fromObjs = append(fromObjs, change{ev.Version, p.Status})
		}
	}
	for _, ev := range sw.TryNextReports(make([]workload.WatchEvent, 0, 64)) {
		if ev.Type != workload.Modified {
			continue
		}
		if ev.Report == nil || ev.Object != nil {
			t.Fatalf("a Modified pod event at %d without a report: %+v", ev.Version, ev)
		}
		if r := ev.Report; r.Namespace != "default" || r.Name != "p" || r.UID == "" {
			t.Errorf("report names %s/%s uid %q, want default/p with a uid", r.Namespace, r.Name, r.UID)
		}
		fromReps = append(fromReps, change{ev.Version, ev.Report.Status})
	}
	if len(fromReps) < 2 {
		t.Fatalf("%d status reports, want the start and the exit at least", len(fromReps))
	}
	if diff := cmp.Diff(fromObjs, fromReps); diff != "" {
		t.Errorf("pods and reports differ (-pods +reports):\n%s", diff)
	}
	last := fromReps[len(fromReps)-1]
	got := h.pod("p")
	if got.Status.Phase != workload.PodSucceeded || !cmp.Equal(got.Status, last.Status) || got.ResourceVersion != strconv.FormatUint(last.Version, 10) {
		t.Errorf("GetPod = phase %s at %q; want the last report's status (Succeeded) at version %d", got.Status.Phase, got.ResourceVersion, last.Version)
	}
	_, pods, _, err := h.r.List(context.Background())
	if err != nil || len(pods) != 1 || !cmp.Equal(pods[0].Status, last.Status) {
		t.Errorf("List = %v, %v; want the pod with the last report's status", pods, err)
	}
}

// TestGetPodOnFailedNodeIsLastReport: while its node is failed, a pod's
// containers go on, but GetPod and List say what was last reported; once
// the node is back they say the truth, reported then.
func TestGetPodOnFailedNodeIsLastReport(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{{RunFor: workload.Ptr(10 * time.Second)}}})
	h.create(newPod("p", workload.RestartPolicyNever, nil))
	h.at(5 * time.Second)
	before := h.pod("p")
	if before.Status.Phase != workload.PodRunning {
		t.Fatalf("phase at 5s = %s, want Running", before.Status.Phase)
	}
	h.must(h.r.FailNode("node-a"))
	h.at(time.Minute) // the container exits unreported
	if got := h.pod("p"); !cmp.Equal(got, before) {
		t.Errorf("GetPod on a failed node changed (-before +now):\n%s", cmp.Diff(before, got))
	}
	if _, pods, _, _ := h.r.List(context.Background()); len(pods) != 1 || !cmp.Equal(pods[0], before) {
		t.Errorf("List on a failed node: %v, want the pod as last reported", pods)
	}
	h.must(h.r.SetNodeReady("node-a", true))
	if got := h.pod("p"); got.Status.Phase != workload.PodSucceeded || got.ResourceVersion == before.ResourceVersion {
		t.Errorf("after the node is back: phase %s at %q, want Succeeded reported anew", got.Status.Phase, got.ResourceVersion)
	}
}
