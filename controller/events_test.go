package controller

import (
	"bytes"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

func TestRecorderDeduplicatesAndBounds(t *testing.T) {
	c := vtime.NewVirtual(harnessStart)
	s := store.New(store.Config{Clock: c})
	var logs bytes.Buffer
	r := NewRecorder(s, c, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	r.Max = 3
	pod := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p", Namespace: "default", UID: "u1"}}

	r.Eventf(pod, workload.EventTypeWarning, "BackOff", "Back-off restarting %s", "main")
	c.AdvanceTo(harnessStart.Add(time.Minute))
	r.Eventf(pod, workload.EventTypeWarning, "BackOff", "Back-off restarting %s", "main")
	evs := r.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1 de-duplicated", len(evs))
	}
	if n := len(s.List("Event", "", nil)); n != 0 {
		t.Fatalf("%d events in the store, want none: the recorder keeps them", n)
	}
	e := evs[0]
	if e.Count != 2 || !e.FirstTimestamp.Equal(harnessStart) || !e.LastTimestamp.Equal(harnessStart.Add(time.Minute)) {
		t.Fatalf("count %d first %v last %v", e.Count, e.FirstTimestamp, e.LastTimestamp)
	}
	if e.InvolvedObject.Kind != "Pod" || e.InvolvedObject.Name != "p" || e.InvolvedObject.UID != "u1" || e.Type != "Warning" || e.Reason != "BackOff" || e.Message != "Back-off restarting main" {
		t.Fatalf("event %+v", e)
	}
	// Different messages are different events; past Max the oldest go.
	for i := 0; i < 4; i++ {
		r.Eventf(pod, workload.EventTypeNormal, "Pulled", "image %d", i)
	}
	evs = r.Events()
	if len(evs) != 3 {
		t.Fatalf("%d events kept, want the bound 3", len(evs))
	}
	var msgs []string
	for _, o := range evs {
		msgs = append(msgs, o.Message)
	}
	if got := strings.Join(msgs, ","); strings.Contains(got, "Back-off") || strings.Contains(got, "image 0") {
		t.Fatalf("kept %s, want the three newest", got)
	}
	if !strings.Contains(logs.String(), "reason=BackOff") {
		t.Fatalf("no structured log of the event: %q", logs.String())
	}
}

func TestRecorderSilentWithoutLogger(t *testing.T) {
	c := vtime.NewVirtual(harnessStart)
	s := store.New(store.Config{Clock: c})
	r := NewRecorder(s, c, nil)
	r.Eventf(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "n"}}, workload.EventTypeNormal, "NodeReady", "ready")
	if evs := r.Events(); len(evs) != 1 || evs[0].Namespace != "default" {
		t.Fatalf("%d events for a cluster-scoped object, want 1 in default", len(evs))
	}
	var nilRec *Recorder
	nilRec.Eventf(nil, "", "", "") // a nil recorder records nothing and does not panic
}

func TestRecorderCombinesSimilarEvents(t *testing.T) {
	c := vtime.NewVirtual(harnessStart)
	r := NewRecorder(nil, c, nil)
	job := &workload.Job{ObjectMeta: workload.ObjectMeta{Name: "j", Namespace: "default"}}
	for i := 0; i < 25; i++ {
		r.Eventf(job, workload.EventTypeNormal, "SuccessfulCreate", "Created pod: j-%d", i)
	}
	evs := r.Events()
	if len(evs) != 11 {
		t.Fatalf("%d events, want 10 distinct then 1 combined", len(evs))
	}
	last := evs[10]
	if last.Count != 15 || last.Message != "(combined from similar events): Created pod: j-24" {
		t.Fatalf("combined event: count %d message %q", last.Count, last.Message)
	}
	// After the window, messages are distinct again.
	c.AdvanceTo(harnessStart.Add(11 * time.Minute))
	r.Eventf(job, workload.EventTypeNormal, "SuccessfulCreate", "Created pod: j-99")
	if evs := r.Events(); evs[len(evs)-1].Message != "Created pod: j-99" {
		t.Fatalf("after the window: %q", evs[len(evs)-1].Message)
	}
}

// TestRecorderAggregatesBounded: the aggregation state is bounded by
// 2*Max objects even when every event of a burst is within the window
// (one event each for many pods at one instant), and expires windows
// that have passed; aggregation of a recent object is unaffected.
func TestRecorderAggregatesBounded(t *testing.T) {
	c := vtime.NewVirtual(harnessStart)
	r := NewRecorder(nil, c, nil)
	r.Max = 10
	pod := func(i int) *workload.Pod {
		return &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p" + strconv.Itoa(i), Namespace: "default"}}
	}
	for i := range 1000 {
		r.Eventf(pod(i), workload.EventTypeNormal, "Scheduled", "assigned to node-%d", i)
		if n := len(r.agg); n > 2*r.Max {
			t.Fatalf("after %d objects: %d aggregates kept, want at most %d", i+1, n, 2*r.Max)
		}
	}
	// The newest object still aggregates: its 11th distinct message is
	// combined.
	last := pod(999)
	for i := range 10 {
		r.Eventf(last, workload.EventTypeNormal, "Scheduled", "message %d", i)
	}
	combined := 0
	for _, e := range r.Events() {
		if strings.HasPrefix(e.Message, "(combined from similar events): ") {
			combined++
		}
	}
	if combined != 1 {
		t.Fatalf("%d combined events, want 1", combined)
	}
	// Past the window, everything but a fresh aggregate expires.
	c.AdvanceTo(harnessStart.Add(11 * time.Minute))
	r.Eventf(pod(0), workload.EventTypeNormal, "Scheduled", "again")
	if n := len(r.agg); n != 1 {
		t.Fatalf("%d aggregates after the window, want 1", n)
	}
}

// TestRecorderHashCollisions: events whose keys hash alike are chained;
// lookups find each, and dropping the oldest unlinks only it.
func TestRecorderHashCollisions(t *testing.T) {
	r := NewRecorder(nil, vtime.NewVirtual(harnessStart), nil)
	r.Max = 3
	key := func(i int) eventKey { return eventKey{"Pod/default/p", "Normal", "R", strconv.Itoa(i)} }
	for i := range 5 {
		r.insert(key(i), 42, &workload.Event{Message: strconv.Itoa(i)})
	}
	for i := range 5 {
		ev := r.lookup(key(i), 42)
		if kept := i >= 2; (ev != nil) != kept || ev != nil && ev.Message != strconv.Itoa(i) {
			t.Errorf("event %d: %v, kept %v", i, ev, kept)
		}
	}
	n := 0
	for e := r.byHash[42]; e != nil; e = e.next {
		n++
	}
	if n != 3 || len(r.byHash) != 1 {
		t.Fatalf("chain of %d in %d buckets, want 3 in 1", n, len(r.byHash))
	}
	var msgs []string
	for _, ev := range r.Events() {
		msgs = append(msgs, ev.Message)
	}
	if got := strings.Join(msgs, ","); got != "2,3,4" {
		t.Fatalf("events %s, want 2,3,4", got)
	}
}
