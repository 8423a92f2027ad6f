package controller

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"log/slog"
	"math/rand/v2"
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
	// As client-go: the 10th distinct message is the first combined.
	evs := r.Events()
	if len(evs) != 10 {
		t.Fatalf("%d events, want 9 distinct then 1 combined", len(evs))
	}
	last := evs[9]
	if last.Count != 16 || last.Message != "(combined from similar events): Created pod: j-24" {
		t.Fatalf("combined event: count %d message %q", last.Count, last.Message)
	}
	// After the window, messages are distinct again.
	c.AdvanceTo(harnessStart.Add(11 * time.Minute))
	r.Eventf(job, workload.EventTypeNormal, "SuccessfulCreate", "Created pod: j-99")
	if evs := r.Events(); evs[len(evs)-1].Message != "Created pod: j-99" {
		t.Fatalf("after the window: %q", evs[len(evs)-1].Message)
	}
}

// TestRecorderCombinesWhileSimilarEventsKeepComing: as in client-go, a
// group of similar events lasts while they come less than 10 minutes
// apart (a rolling window, not a fixed one), and a message seen before the
// group began is new to it.
func TestRecorderCombinesWhileSimilarEventsKeepComing(t *testing.T) {
	c := vtime.NewVirtual(harnessStart)
	r := NewRecorder(nil, c, nil)
	cj := &workload.CronJob{ObjectMeta: workload.ObjectMeta{Name: "hello", Namespace: "default", UID: "u"}}
	for i := range 30 {
		c.AdvanceTo(harnessStart.Add(time.Duration(i) * time.Minute))
		r.Eventf(cj, workload.EventTypeNormal, "SuccessfulCreate", "Created job hello-%d", i)
	}
	evs := r.Events()
	if len(evs) != 10 {
		t.Fatalf("%d events, want 9 distinct then 1 combined", len(evs))
	}
	combined := evs[9]
	if combined.Count != 21 || combined.Message != combinedPrefix+"Created job hello-29" ||
		!combined.LastTimestamp.Equal(harnessStart.Add(29*time.Minute)) {
		t.Fatalf("combined event: count %d message %q last %v", combined.Count, combined.Message, combined.LastTimestamp)
	}
	// More than 10 minutes later a new group begins: distinct again.
	c.AdvanceTo(harnessStart.Add(39*time.Minute + time.Second))
	r.Eventf(cj, workload.EventTypeNormal, "SuccessfulCreate", "Created job hello-99")
	// hello-0 to hello-7 repeat (de-duplicated), and are 8 more messages
	// of the new group: hello-8, its 10th, is combined although it has
	// an event of its own.
	for i := range 9 {
		r.Eventf(cj, workload.EventTypeNormal, "SuccessfulCreate", "Created job hello-%d", i)
	}
	count := map[string]int32{}
	for _, e := range r.Events() {
		count[e.Message] = e.Count
	}
	if count["Created job hello-99"] != 1 || count["Created job hello-0"] != 2 || count["Created job hello-7"] != 2 ||
		count["Created job hello-8"] != 1 || count[combinedPrefix+"Created job hello-8"] != 22 {
		t.Fatalf("counts %v", count)
	}
}

// TestRecorderMessageInParts: a message given in parts is the same event
// as the whole message, however it is split, and a combined event shows
// the latest message in full.
func TestRecorderMessageInParts(t *testing.T) {
	c := vtime.NewVirtual(harnessStart)
	r := NewRecorder(nil, c, nil)
	cj := &workload.CronJob{ObjectMeta: workload.ObjectMeta{Name: "hello", Namespace: "default", UID: "u"}}
	r.Event(cj, workload.EventTypeNormal, "SuccessfulCreate", "Created job hello-1")
	r.event(cj, workload.EventTypeNormal, "SuccessfulCreate", eventMsg{a: "Created job ", b: "hello-1"})
	r.event(cj, workload.EventTypeNormal, "SuccessfulCreate", eventMsg{a: "Created", b: " job hel", c: "lo-", d: "1"})
	r.event(cj, workload.EventTypeNormal, "SuccessfulCreate", eventMsg{a: "Created job ", b: "hello-11"})
	evs := r.Events()
	if len(evs) != 2 || evs[0].Message != "Created job hello-1" || evs[0].Count != 3 || evs[1].Message != "Created job hello-11" {
		t.Fatalf("events %v", evs)
	}
	for i := 2; i <= 12; i++ {
		r.event(cj, workload.EventTypeNormal, "SuccessfulCreate", eventMsg{a: "Created job ", b: "hello-" + strconv.Itoa(100+i)})
	}
	evs = r.Events()
	if last := evs[len(evs)-1]; last.Message != combinedPrefix+"Created job hello-112" || last.Count != 4 {
		t.Fatalf("combined event: count %d message %q", last.Count, last.Message)
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
		if n := r.nAgg; n > 2*r.Max {
			t.Fatalf("after %d objects: %d aggregates kept, want at most %d", i+1, n, 2*r.Max)
		}
	}
	// The newest object still aggregates: its 10th and 11th distinct
	// messages are combined.
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
	if n := r.nAgg; n != 1 {
		t.Fatalf("%d aggregates after the window, want 1", n)
	}
}

// TestRecorderExpiresLeastRecentlyUsedGroups: groups expire by their last
// use, so a group in use outlives older unused ones queued after it.
func TestRecorderExpiresLeastRecentlyUsedGroups(t *testing.T) {
	c := vtime.NewVirtual(harnessStart)
	r := NewRecorder(nil, c, nil)
	r.Max = 10
	pod := func(name string) *workload.Pod {
		return &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default"}}
	}
	a := pod("a")
	for i := range 8 {
		r.Eventf(a, workload.EventTypeNormal, "Pulled", "image %d", i)
	}
	for i := range 5 {
		r.Eventf(pod("b"+strconv.Itoa(i)), workload.EventTypeNormal, "Pulled", "image")
	}
	c.AdvanceTo(harnessStart.Add(9 * time.Minute))
	r.Eventf(a, workload.EventTypeNormal, "Pulled", "image 8")
	c.AdvanceTo(harnessStart.Add(15 * time.Minute))
	r.Eventf(pod("c"), workload.EventTypeNormal, "Pulled", "image")
	if r.nAgg != 2 {
		t.Fatalf("%d groups kept, want 2 (a's, in use 6 minutes ago, and c's)", r.nAgg)
	}
	r.Eventf(a, workload.EventTypeNormal, "Pulled", "image 9") // a's 10th message
	evs := r.Events()
	if last := evs[len(evs)-1]; last.Message != combinedPrefix+"image 9" {
		t.Fatalf("a's 10th message: %q, want it combined", last.Message)
	}
	// A group forgotten just after its last use begins again: c's is
	// among the groups used last when d's expires it.
	c.AdvanceTo(harnessStart.Add(30 * time.Minute))
	r.Eventf(pod("d"), workload.EventTypeNormal, "Pulled", "image")
	r.Eventf(pod("c"), workload.EventTypeNormal, "Pulled", "image 2")
	if r.nAgg != 2 {
		t.Fatalf("%d groups kept, want d's and c's new one", r.nAgg)
	}
}

// TestRecorderHashCollisions: events whose keys hash alike are chained;
// lookups find each, and dropping the oldest unlinks only it.
func TestRecorderHashCollisions(t *testing.T) {
	r := NewRecorder(nil, vtime.NewVirtual(harnessStart), nil)
	r.Max = 3
	a := &aggregate{key: aggKey{eventObj{"Pod", "default", "p", ""}, "Normal", "R"}}
	msg := func(i int) eventMsg { return eventMsg{a: strconv.Itoa(i)} }
	for i := range 5 {
		r.insert(&eventEntry{agg: a, msg: msg(i), hash: 42, seq: uint64(i + 1), count: 1})
	}
	for i := range 5 {
		e := r.lookupMsg(a.key, msg(i), 42)
		if kept := i >= 2; (e != nil) != kept || e != nil && e.msg != msg(i) {
			t.Errorf("event %d: %v, kept %v", i, e, kept)
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

// TestRecorderRepeatAfterEviction: an event dropped past Max and recorded
// again is a new event with count 1, not a count bump of the dropped one
// (the group remembers the event it counted last).
func TestRecorderRepeatAfterEviction(t *testing.T) {
	c := vtime.NewVirtual(harnessStart)
	r := NewRecorder(store.New(store.Config{Clock: c}), c, nil)
	r.Max = 2
	pod := func(name string) *workload.Pod {
		return &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default", UID: "u-" + name}}
	}
	r.Event(pod("a"), workload.EventTypeNormal, "Started", "Started container app")
	r.Event(pod("a"), workload.EventTypeNormal, "Started", "Started container app")
	r.Event(pod("b"), workload.EventTypeNormal, "Started", "Started container app")
	r.Event(pod("c"), workload.EventTypeNormal, "Started", "Started container app") // drops a's
	r.Event(pod("a"), workload.EventTypeNormal, "Started", "Started container app")
	got := map[string]int32{}
	for _, e := range r.Events() {
		got[e.InvolvedObject.Name] = e.Count
	}
	if len(got) != 2 || got["c"] != 1 || got["a"] != 1 {
		t.Fatalf("kept %v, want c and a new a, each counted once", got)
	}
}

// TestEventMsgEqual: messages in parts are equal when their bytes are,
// however they are split.
func TestEventMsgEqual(t *testing.T) {
	for _, tc := range []struct {
		x, y eventMsg
		want bool
	}{
		{eventMsg{a: "abc"}, eventMsg{a: "abc"}, true},
		{eventMsg{a: "abc"}, eventMsg{a: "a", b: "bc"}, true},
		{eventMsg{a: "ab", b: "", c: "c"}, eventMsg{b: "a", c: "b", d: "c"}, true},
		{eventMsg{a: "Successfully assigned ", b: "ns/p", c: " to ", d: "n1"}, eventMsg{a: "Successfully assigned ns/p to n1"}, true},
		{eventMsg{}, eventMsg{a: "", d: ""}, true},
		{eventMsg{a: "abc"}, eventMsg{a: "abd"}, false},
		{eventMsg{a: "ab", b: "c"}, eventMsg{a: "a", b: "bd"}, false},
		{eventMsg{a: "abc"}, eventMsg{a: "ab"}, false},
		{eventMsg{a: "x"}, eventMsg{}, false},
	} {
		if got := tc.x.equal(tc.y); got != tc.want {
			t.Errorf("%q equal %q: %v, want %v", tc.x.String(), tc.y.String(), got, tc.want)
		}
		if got := tc.y.equal(tc.x); got != tc.want {
			t.Errorf("%q equal %q: %v, want %v", tc.y.String(), tc.x.String(), got, tc.want)
		}
		if seed := maphash.MakeSeed(); tc.want && tc.x.hash(seed) != tc.y.hash(seed) {
			t.Errorf("%q: hashes differ with the split", tc.x.String())
		}
	}
}

// TestRecorderReusesForgottenGroups: a long stream of events about new
// objects reuses the groups it forgets, and what is kept stays right:
// the newest events, each with its own object, message and count.
func TestRecorderReusesForgottenGroups(t *testing.T) {
	c := vtime.NewVirtual(harnessStart)
	r := NewRecorder(nil, c, nil)
	r.Max = 8
	pods := make([]*workload.Pod, 300)
	for i := range pods {
		pods[i] = &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p" + strconv.Itoa(i), Namespace: "default", UID: "u" + strconv.Itoa(i)}}
	}
	next := 0
	record := func() {
		i := next
		next++
		r.EventJoin(pods[i], workload.EventTypeNormal, "Scheduled", "Successfully assigned default/", pods[i].Name, " to ", "n"+strconv.Itoa(i%3))
		r.EventJoin(pods[i], workload.EventTypeNormal, "Started", "Started container ", "main")
		if i%2 == 0 { // a repeat: counted, not kept twice
			r.EventJoin(pods[i], workload.EventTypeNormal, "Started", "Started container ", "main")
		}
	}
	for range 100 {
		record()
	}
	// 100 more objects, 200 new events: the forgotten groups are reused
	// (the node names are the only strings made).
	allocs := testing.AllocsPerRun(1, func() {
		for range 50 {
			record()
		}
	}) / 50
	for next < len(pods) {
		record()
	}
	if allocs > 1.5 {
		t.Errorf("%.1f allocations per new object, want at most 1 (its node name)", allocs)
	}
	evs := r.Events()
	if len(evs) != 8 {
		t.Fatalf("%d events kept, want 8", len(evs))
	}
	for j, e := range evs {
		i := len(pods) - 4 + j/2
		p := pods[i]
		wantReason, wantMsg, wantCount := "Scheduled", "Successfully assigned default/"+p.Name+" to n"+strconv.Itoa(i%3), int32(1)
		if j%2 == 1 {
			wantReason, wantMsg = "Started", "Started container main"
			if i%2 == 0 {
				wantCount = 2
			}
		}
		if e.InvolvedObject.Name != p.Name || e.InvolvedObject.UID != p.UID || e.Reason != wantReason || e.Message != wantMsg || e.Count != wantCount {
			t.Errorf("event %d: %s %s %q count %d, want %s %s %q count %d", j, e.InvolvedObject.Name, e.Reason, e.Message, e.Count, p.Name, wantReason, wantMsg, wantCount)
		}
	}
}

// TestRecorderGroupsThatHashAlike: groups whose keys share the uid (or,
// without one, the name) and the reason are still told apart by kind,
// namespace and type.
func TestRecorderGroupsThatHashAlike(t *testing.T) {
	r := NewRecorder(nil, vtime.NewVirtual(harnessStart), nil)
	objs := []workload.Object{
		&workload.Deployment{ObjectMeta: workload.ObjectMeta{Name: "web", Namespace: "default"}},
		&workload.ReplicaSet{ObjectMeta: workload.ObjectMeta{Name: "web", Namespace: "default"}},
		&workload.ReplicaSet{ObjectMeta: workload.ObjectMeta{Name: "web", Namespace: "other"}},
	}
	for range 2 {
		for _, o := range objs {
			r.Event(o, workload.EventTypeNormal, "Scaled", "scaled")
			r.Event(o, workload.EventTypeWarning, "Scaled", "scaled")
		}
	}
	evs := r.Events()
	if len(evs) != 6 {
		t.Fatalf("%d events, want 6 (3 objects, 2 types)", len(evs))
	}
	for _, e := range evs {
		if e.Count != 2 {
			t.Errorf("%s %s/%s %s: count %d, want 2", e.InvolvedObject.Kind, e.InvolvedObject.Namespace, e.InvolvedObject.Name, e.Type, e.Count)
		}
	}
}

// TestRecorderObjectRings: seeded random streams of events about a few
// objects, several reasons each: every kept event counts exactly the
// calls for it, and the rings of an object's groups (found from a group
// used last) stay rings of live groups of that object while groups are
// forgotten and reused.
func TestRecorderObjectRings(t *testing.T) {
	reasons := []string{"Created", "Started", "BackOff", "Killing"}
	for _, max := range []int{1000, 6} {
		c := vtime.NewVirtual(harnessStart)
		r := NewRecorder(nil, c, nil)
		r.Max = max
		rng := rand.New(rand.NewPCG(1, uint64(max)))
		pods := make([]*workload.Pod, 12)
		for i := range pods {
			pods[i] = &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p" + strconv.Itoa(i), Namespace: "default", UID: "u" + strconv.Itoa(i)}}
		}
		calls := map[string]int32{}
		for range 5000 {
			p, reason := pods[rng.IntN(len(pods))], reasons[rng.IntN(len(reasons))]
			r.EventJoin(p, workload.EventTypeNormal, reason, reason+" container ", "main")
			calls[p.Name+"/"+reason]++
			for _, g := range r.recent {
				if g == nil {
					continue
				}
				n := 0
				for s := g.sib; s != g; s = s.sib {
					if s == nil || s.dropped || s.key.obj != g.key.obj || n > len(reasons) {
						t.Fatalf("max %d: the ring of %v is broken at %v", max, g.key, s)
					}
					n++
				}
			}
		}
		for _, e := range r.Events() {
			k := e.InvolvedObject.Name + "/" + e.Reason
			if max == 1000 && e.Count != calls[k] {
				t.Errorf("max %d: %s counted %d, called %d", max, k, e.Count, calls[k])
			}
			if e.Count > calls[k] {
				t.Errorf("max %d: %s counted %d, more than its %d calls", max, k, e.Count, calls[k])
			}
		}
	}
}

// TestRecorderForgetNamespace: the events of one namespace go, with the
// ring wrapped around and bounded; the others stay in order, and events
// recorded afterwards (a repeat of a kept one, a new one) are kept as
// before.
func TestRecorderForgetNamespace(t *testing.T) {
	c := vtime.NewVirtual(harnessStart)
	r := NewRecorder(nil, c, nil)
	r.Max = 8
	pod := func(ns string, i int) *workload.Pod {
		return &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: fmt.Sprintf("p%d", i), Namespace: ns, UID: fmt.Sprintf("%s-%d", ns, i)}}
	}
	for i := range 11 { // 11 events into 8 places: the ring wraps
		ns := []string{"a", "b"}[i%2]
		r.Eventf(pod(ns, i), workload.EventTypeNormal, "Scheduled", "event %d", i)
	}
	r.ForgetNamespace("a")
	var got []string
	for _, e := range r.Events() {
		got = append(got, e.InvolvedObject.Namespace+"/"+e.Message)
	}
	if want := "b/event 3 b/event 5 b/event 7 b/event 9"; strings.Join(got, " ") != want {
		t.Fatalf("after forgetting a: %v, want %s", got, want)
	}
	r.Eventf(pod("b", 9), workload.EventTypeNormal, "Scheduled", "event 9")
	r.Eventf(pod("a", 12), workload.EventTypeNormal, "Scheduled", "event 12")
	evs := r.Events()
	if len(evs) != 5 || evs[3].Count != 2 || evs[4].Message != "event 12" {
		t.Fatalf("after more events: %d events, repeat count %d, last %q", len(evs), evs[3].Count, evs[len(evs)-1].Message)
	}
}
