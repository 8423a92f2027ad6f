package orchestra_test

import (
	"testing"

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
