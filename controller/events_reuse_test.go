package controller

import (
	"fmt"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// TestRecorderNewGroupSurvivesItsOwnExpiry: when the groups of similar
// events are at their bound (2*Max) and every older one was used since it
// was queued, a new group is not the one forgotten to make room; if it
// were, it would be reused for the next new group while its event is
// kept, and that event would take the next one's object.
func TestRecorderNewGroupSurvivesItsOwnExpiry(t *testing.T) {
	c := vtime.NewVirtual(harnessStart)
	r := NewRecorder(nil, c, nil)
	r.Max = 3
	pod := func(i int) *workload.Pod {
		return &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: fmt.Sprintf("p%d", i), Namespace: "default", UID: fmt.Sprintf("u%d", i)}}
	}
	for i := range 2 * r.Max {
		r.Event(pod(i), workload.EventTypeNormal, "Scheduled", "one")
	}
	c.Advance(time.Second)
	for i := range 2 * r.Max {
		r.Event(pod(i), workload.EventTypeNormal, "Scheduled", "one")
	}
	r.Event(pod(10), workload.EventTypeNormal, "Scheduled", "ten")
	r.Event(pod(11), workload.EventTypeNormal, "Scheduled", "eleven")
	var got []string
	for _, e := range r.Events() {
		got = append(got, fmt.Sprintf("%s %s %d", e.InvolvedObject.Name, e.Message, e.Count))
	}
	want := []string{"p5 one 1", "p10 ten 1", "p11 eleven 1"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("events %q, want %q", got, want)
	}
}
