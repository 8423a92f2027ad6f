package orchestra_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// reporting is a runtime that reports kubelet events (as inproc's and
// process's kubelets report probe failures): the fake, with the sink the
// cluster sets kept for the test to call.
type reporting struct {
	*fake.Runtime
	sink func(workload.KubeletEvent)
}

func (r *reporting) SetEventSink(sink func(workload.KubeletEvent)) { r.sink = sink }

// The events a runtime's kubelet reports (workload.EventReporter) are
// recorded with the cluster's, against the pod; a closed cluster takes
// no more.
func TestKubeletReportedEvents(t *testing.T) {
	clock := vtime.NewVirtual(t0)
	f, err := fake.New(fake.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rt := &reporting{Runtime: f}
	c, err := orchestra.New(orchestra.Config{Runtime: rt, Clock: clock, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rt.sink == nil {
		t.Fatal("New set no event sink on a runtime that reports events")
	}
	e := workload.KubeletEvent{Namespace: "default", Name: "web", UID: "u-1", Container: "app",
		Type: workload.EventTypeWarning, Reason: "Unhealthy", Message: "Liveness probe failed: HTTP probe failed with statuscode: 500"}
	rt.sink(e)
	rt.sink(e)
	var got []*workload.Event
	for _, ev := range c.Events() {
		if ev.Reason == "Unhealthy" {
			got = append(got, ev)
		}
	}
	if len(got) != 1 || got[0].Count != 2 || got[0].Type != e.Type || got[0].Message != e.Message ||
		got[0].InvolvedObject.Kind != "Pod" || got[0].InvolvedObject.Name != "web" || got[0].InvolvedObject.UID != "u-1" {
		t.Fatalf("events %+v, want one Unhealthy event about Pod web, count 2", got)
	}
	c.Close()
	if rt.sink != nil {
		t.Fatal("Close left the cluster's event sink on the runtime")
	}
}

// On the fake runtime, a liveness probe made to fail (SetContainerLive)
// shows in the cluster's events as Kubernetes shows it: Unhealthy
// warnings (one event, its count the failures) and Killing, then the
// container's new run (Created, Started).
func TestFakeLivenessProbeEvents(t *testing.T) {
	clock := vtime.NewVirtual(t0)
	f, err := fake.New(fake.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := orchestra.New(orchestra.Config{Runtime: f, Clock: clock, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(&workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "web"}, Spec: workload.PodSpec{
		TerminationGracePeriodSeconds: workload.Ptr[int64](2),
		Containers: []workload.Container{{Name: "nginx", Image: "nginx", LivenessProbe: &workload.Probe{
			ProbeHandler: workload.ProbeHandler{Exec: &workload.ExecAction{Command: []string{"true"}}}, PeriodSeconds: 10}}},
	}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	if err := f.SetContainerLive("default", "web", "nginx", false); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(25 * time.Second); err != nil { // failures at 1, 11, 21 s; killed at 23 s, restarted
		t.Fatal(err)
	}
	counts := map[string]int32{}
	for _, e := range c.Events() {
		if e.InvolvedObject.Name == "web" {
			counts[e.Type+" "+e.Reason+" "+e.Message] += e.Count
		}
	}
	for ev, n := range map[string]int32{
		"Warning Unhealthy Liveness probe failed: ":                               3,
		"Normal Killing Container nginx failed liveness probe, will be restarted": 1,
		"Normal Started Started container nginx":                                  2,
	} {
		if counts[ev] != n {
			t.Errorf("%q x%d, want x%d (events: %v)", ev, counts[ev], n, counts)
		}
	}
}
