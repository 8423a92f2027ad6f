package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"github.com/orchestra-go/orchestra/workload"
)

// evString is an event as "TYPE Kind/ns/name version".
func evString(ev Event) string {
	return fmt.Sprintf("%s %s %d", ev.Type, workload.Ref(ev.Object), ev.Version)
}

func evStrings(evs []Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, evString(ev))
	}
	return out
}

func TestWatchReplayThenLive(t *testing.T) {
	s, _ := newTestStore(t)
	mustCreate(t, s, pod("", "a", nil))
	mustCreate(t, s, node("n"))
	mustCreate(t, s, pod("", "b", nil))

	all, err := s.Watch("", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer all.Stop()
	pods, err := s.Watch("Pod", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pods.Stop()
	now, err := s.Watch("Pod", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer now.Stop()

	if _, err := s.Delete("Pod", "", "a", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, node("m"))

	tests := []struct {
		w    *Watcher
		want []string
	}{
		{all, []string{"ADDED Node/n 2", "ADDED Pod/default/b 3", "DELETED Pod/default/a 4", "ADDED Node/m 5"}},
		{pods, []string{"ADDED Pod/default/b 3", "DELETED Pod/default/a 4"}},
		{now, []string{"DELETED Pod/default/a 4"}},
	}
	for i, tt := range tests {
		if diff := cmp.Diff(tt.want, evStrings(drain(tt.w))); diff != "" {
			t.Errorf("watcher %d (-want +got):\n%s", i, diff)
		}
	}
}

func TestWatchErrors(t *testing.T) {
	s := New(Config{History: 4})
	for i := range 10 {
		mustCreate(t, s, pod("", strconv.Itoa(i), nil))
	}
	_, err := s.Watch("Pod", 5)
	if !errors.Is(err, ErrExpired) || !errors.Is(err, workload.ErrWatchExpired) {
		t.Errorf("Watch(5) with history 7..10: err = %v, want ErrExpired (and workload.ErrWatchExpired)", err)
	}
	w, err := s.Watch("Pod", 6)
	if err != nil {
		t.Fatalf("Watch(6) with history 7..10: %v", err)
	}
	if diff := cmp.Diff([]string{"ADDED Pod/default/6 7", "ADDED Pod/default/7 8", "ADDED Pod/default/8 9", "ADDED Pod/default/9 10"}, evStrings(drain(w))); diff != "" {
		t.Errorf("replay (-want +got):\n%s", diff)
	}
	w.Stop()
	if _, err := s.Watch("Pod", 11); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Watch(11) of a store at 10: err = %v, want ErrInvalid", err)
	}
	if _, err := s.Watch("Widget", 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("Watch of an unknown kind: err = %v, want ErrInvalid", err)
	}
}

// TestWatchDefaultHistory: a store with the zero Config replays the last
// DefaultHistory (256) changes and no more.
func TestWatchDefaultHistory(t *testing.T) {
	s := New(Config{})
	for i := range 300 {
		mustCreate(t, s, pod("", strconv.Itoa(i), nil))
	}
	rv := s.ResourceVersion()
	w, err := s.Watch("Pod", rv-256)
	if err != nil {
		t.Fatalf("Watch(rv-256): %v", err)
	}
	if n := len(drain(w)); n != 256 {
		t.Errorf("Watch(rv-256) replayed %d changes, want 256", n)
	}
	w.Stop()
	if _, err := s.Watch("Pod", rv-257); !errors.Is(err, ErrExpired) {
		t.Errorf("Watch(rv-257): err = %v, want ErrExpired: the history keeps 256 changes", err)
	}
}

func TestWatchOverflow(t *testing.T) {
	s := New(Config{WatchBuffer: 3})
	slow, _ := s.Watch("Pod", 0)
	fast, _ := s.Watch("", 0)
	defer fast.Stop()
	var got []Event
	for i := range 10 {
		mustCreate(t, s, pod("", strconv.Itoa(i), nil)) // never blocks
		got = append(got, drain(fast)...)
	}
	if len(got) != 10 || fast.Err() != nil {
		t.Errorf("a reader that keeps up got %d events, err %v; want 10, nil", len(got), fast.Err())
	}
	err := slow.Err()
	if !errors.Is(err, ErrWatchOverflow) || !errors.Is(err, workload.ErrWatchExpired) {
		t.Fatalf("slow watcher Err() = %v, want ErrWatchOverflow", err)
	}
	if _, ok := slow.TryNext(); ok {
		t.Errorf("TryNext on an overflowed watch returned an event")
	}
	if _, err := slow.Next(context.Background()); !errors.Is(err, ErrWatchOverflow) {
		t.Errorf("Next on an overflowed watch: %v", err)
	}
	select {
	case <-slow.Done():
	default:
		t.Errorf("Done not closed after overflow")
	}
	if n := len(s.watchers["Pod"]); n != 0 {
		t.Errorf("overflowed watcher still registered (%d)", n)
	}
	slow.Stop() // harmless
	if !errors.Is(slow.Err(), ErrWatchOverflow) {
		t.Errorf("Stop after overflow replaced the reason: %v", slow.Err())
	}

	// A replay larger than the buffer overflows at once.
	w, err := s.Watch("Pod", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(w.Err(), ErrWatchOverflow) {
		t.Errorf("replay of 9 events into a buffer of 3: Err() = %v", w.Err())
	}
}

// TestSlowWatcherDoesNotBlockWriters: a watcher nobody reads, with a
// buffer smaller than the writes, under concurrent writers.
func TestSlowWatcherDoesNotBlockWriters(t *testing.T) {
	s := New(Config{WatchBuffer: 100})
	slow, _ := s.Watch("", 0)
	defer slow.Stop()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				if _, err := s.Create(pod("", fmt.Sprintf("g%d-%d", g, i), nil)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if s.ResourceVersion() != 2000 {
		t.Errorf("version %d, want 2000", s.ResourceVersion())
	}
	if !errors.Is(slow.Err(), ErrWatchOverflow) {
		t.Errorf("slow watcher: Err() = %v, want ErrWatchOverflow", slow.Err())
	}
}

func TestWatchStopAndContext(t *testing.T) {
	s, _ := newTestStore(t)
	w, _ := s.Watch("", 0)
	done := make(chan error)
	go func() {
		_, err := w.Next(context.Background())
		done <- err
	}()
	w.Stop()
	select {
	case err := <-done:
		if !errors.Is(err, ErrStopped) {
			t.Errorf("Next after Stop: %v, want ErrStopped", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Next did not return after Stop")
	}
	w.Stop()
	mustCreate(t, s, pod("", "p", nil))
	if _, ok := w.TryNext(); ok {
		t.Errorf("a stopped watcher got an event")
	}
	if len(s.watchers[""]) != 0 {
		t.Errorf("stopped watcher still registered")
	}

	w2, _ := s.Watch("", 0)
	defer w2.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := w2.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Next with a cancelled context: %v", err)
	}
	if w2.Err() != nil {
		t.Errorf("a cancelled Next ended the watch: %v", w2.Err())
	}
}

func TestWatchReady(t *testing.T) {
	s, _ := newTestStore(t)
	w, _ := s.Watch("", 0)
	defer w.Stop()
	select {
	case <-w.Ready():
		t.Fatal("Ready before any event")
	default:
	}
	mustCreate(t, s, pod("", "a", nil))
	mustCreate(t, s, pod("", "b", nil))
	select {
	case <-w.Ready():
	default:
		t.Fatal("Ready not signalled after a write")
	}
	if n := len(drain(w)); n != 2 {
		t.Errorf("drained %d events, want 2", n)
	}
}

// TestWatchOrderProperty: random creates, updates, status updates and
// deletes (with and without finalizers) of two kinds; watchers start at
// random versions and kinds, some read as they go, some at the end. Each
// must see exactly the history after its version, in order.
func TestWatchOrderProperty(t *testing.T) {
	for seed := range uint64(30) {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			const history = 64
			s := New(Config{Seed: int64(seed), History: history, Clock: &fakeClock{t: epoch}})
			var expected []Event // from the writers' side
			type watch struct {
				w    *Watcher
				from uint64
				kind string
				got  []Event
			}
			var watches []*watch
			write := func(typ string, obj workload.Object, err error) {
				switch {
				case errors.Is(err, ErrNotFound), errors.Is(err, ErrAlreadyExists):
					return
				case err != nil:
					t.Fatal(err)
				}
				v := s.ResourceVersion()
				if len(expected) > 0 && expected[len(expected)-1].Version == v {
					return // no change, no event
				}
				if uint64(len(expected))+1 != v {
					t.Fatalf("version jumped to %d after %d events", v, len(expected))
				}
				if m := obj.GetObjectMeta(); typ == Modified && m.DeletionTimestamp != nil && len(m.Finalizers) == 0 {
					typ = Deleted
				}
				expected = append(expected, Event{Type: typ, Object: obj, Version: v})
			}
			for step := range 600 {
				kind := []string{"Pod", "Node"}[rng.IntN(2)]
				name := "o" + strconv.Itoa(rng.IntN(8))
				var obj workload.Object = pod("", name, nil)
				if kind == "Node" {
					obj = node(name)
				}
				m := obj.GetObjectMeta()
				switch op := rng.IntN(10); {
				case op < 3:
					if rng.IntN(3) == 0 {
						m.Finalizers = []string{"f"}
					}
					out, err := s.Create(obj)
					write(Added, out, err)
				case op < 6:
					cur, err := s.Get(kind, "", name)
					if err != nil {
						continue
					}
					cm := cur.GetObjectMeta()
					cm.Labels = map[string]string{"step": strconv.Itoa(step % 3)}
					if rng.IntN(2) == 0 {
						cm.Finalizers = nil
					}
					out, err := s.Update(cur)
					write(Modified, out, err)
				case op < 7:
					cur, err := s.Get(kind, "", name)
					if err != nil {
						continue
					}
					if p, ok := cur.(*workload.Pod); ok {
						p.Status.Phase = []string{"Pending", "Running"}[rng.IntN(2)]
					} else {
						cur.(*workload.Node).Status.Conditions = []workload.NodeCondition{{Type: workload.NodeReady, Status: []string{"True", "False"}[rng.IntN(2)]}}
					}
					out, err := s.UpdateStatus(cur)
					write(Modified, out, err)
				default:
					out, err := s.Delete(kind, "", name, DeleteOptions{})
					typ := Deleted
					if err == nil && len(out.GetObjectMeta().Finalizers) > 0 {
						typ = Modified
					}
					write(typ, out, err)
				}
				if rng.IntN(20) == 0 {
					rv := s.ResourceVersion()
					from := uint64(0)
					if rng.IntN(4) > 0 {
						from = rv - uint64(rng.IntN(int(min(rv, history)+1)))
					}
					k := []string{"", "Pod", "Node"}[rng.IntN(3)]
					w, err := s.Watch(k, from)
					if err != nil {
						t.Fatalf("Watch(%q, %d) at %d: %v", k, from, rv, err)
					}
					if from == 0 {
						from = rv
					}
					watches = append(watches, &watch{w: w, from: from, kind: k})
				}
				for _, w := range watches {
					if rng.IntN(3) == 0 {
						w.got = append(w.got, drain(w.w)...)
					}
				}
			}
			if len(watches) == 0 {
				t.Fatal("no watcher started")
			}
			for _, w := range watches {
				w.got = append(w.got, drain(w.w)...)
				w.w.Stop()
				var want []string
				for _, ev := range expected {
					if ev.Version > w.from && (w.kind == "" || ev.Object.Kind() == w.kind) {
						want = append(want, evString(ev))
					}
				}
				if diff := cmp.Diff(want, evStrings(w.got)); diff != "" {
					t.Errorf("watch(%q, %d) (-want +got):\n%s", w.kind, w.from, diff)
				}
				for _, ev := range w.got {
					if rv := ev.Object.GetObjectMeta().ResourceVersion; rv != strconv.FormatUint(ev.Version, 10) {
						t.Errorf("event %d carries resourceVersion %s", ev.Version, rv)
					}
				}
			}
		})
	}
}

// TestConcurrentWritersAndWatchers: writers on several goroutines, readers
// blocked in Next on others, some starting mid-way from a version. Every
// reader sees a gap-free, duplicate-free sequence, and replaying the
// events of a reader that started at 0 rebuilds the store.
func TestConcurrentWritersAndWatchers(t *testing.T) {
	// A history longer than the test's 1,200 writes: a watch started
	// mid-way from a version a moment old must find it, however long the
	// scheduler keeps its goroutine waiting while the other writers write
	// (with the default 256 the window closed under -race in one CI run).
	s := New(Config{Seed: 5, History: 4096})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	type result struct {
		from  uint64
		evs   []Event
		err   error
		final map[string]string // ref -> resourceVersion, for from == 0
	}
	results := make(chan result, 16)
	var readers sync.WaitGroup
	read := func(kind string, from uint64) {
		w, err := s.Watch(kind, from)
		if err != nil {
			results <- result{from: from, err: err}
			return
		}
		readers.Add(1)
		go func() {
			defer readers.Done()
			defer w.Stop()
			r := result{from: from}
			for {
				ev, err := w.Next(ctx)
				if err != nil {
					r.err = err
					results <- r
					return
				}
				r.evs = append(r.evs, ev)
				if ev.Object.GetObjectMeta().Name == "sentinel" {
					results <- r
					return
				}
			}
		}()
	}
	for range 3 {
		read("", 0)
	}
	read("Pod", 0)

	var writers sync.WaitGroup
	for g := range 4 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for i := range 300 {
				name := fmt.Sprintf("w%d-%d", g, rng.IntN(10))
				var err error
				switch rng.IntN(4) {
				case 0:
					_, err = s.Create(pod("", name, nil))
				case 1:
					var cur workload.Object
					if cur, err = s.Get("Pod", "", name); err == nil {
						cur.GetObjectMeta().Labels = map[string]string{"i": strconv.Itoa(i)}
						_, err = s.Update(cur)
					}
				case 2:
					var cur workload.Object
					if cur, err = s.Get("Pod", "", name); err == nil {
						cur.(*workload.Pod).Status.Message = strconv.Itoa(i)
						_, err = s.UpdateStatus(cur)
					}
				default:
					_, err = s.Delete("Pod", "", name, DeleteOptions{})
				}
				if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrAlreadyExists) && !errors.Is(err, ErrConflict) {
					t.Error(err)
				}
				if g == 0 && i == 150 {
					read("", s.ResourceVersion())
					read("Pod", s.ResourceVersion()-10)
				}
			}
		}()
	}
	writers.Wait()
	mustCreate(t, s, pod("", "sentinel", nil))
	readers.Wait()
	close(results)

	state := map[string]string{}
	for _, o := range s.List("Pod", "", nil) {
		state[workload.Ref(o)] = o.GetObjectMeta().ResourceVersion
	}
	n := 0
	for r := range results {
		n++
		if r.err != nil {
			t.Errorf("reader from %d: %v", r.from, r.err)
			continue
		}
		for i, ev := range r.evs {
			if ev.Version != r.from+uint64(i)+1 {
				t.Fatalf("reader from %d: event %d has version %d, want %d", r.from, i, ev.Version, r.from+uint64(i)+1)
			}
		}
		if r.from == 0 {
			got := map[string]string{}
			for _, ev := range r.evs {
				if ev.Type == Deleted {
					delete(got, workload.Ref(ev.Object))
				} else {
					got[workload.Ref(ev.Object)] = ev.Object.GetObjectMeta().ResourceVersion
				}
			}
			if diff := cmp.Diff(state, got); diff != "" {
				t.Errorf("state rebuilt from events differs from List (-list +events):\n%s", diff)
			}
		}
	}
	if n != 6 {
		t.Errorf("%d readers reported, want 6", n)
	}
}

// TestEventsCarryTheKey: every event, live or replayed from the history,
// carries the object's key, the same string for every event of one object.
func TestEventsCarryTheKey(t *testing.T) {
	s := New(Config{Seed: 1})
	w, err := s.Watch("", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if _, err := s.Create(pod("ns", "p", nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(&workload.Pod{ObjectMeta: workload.ObjectMeta{GenerateName: "g-"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(node("n")); err != nil {
		t.Fatal(err)
	}
	cur, _ := s.Get("Pod", "ns", "p")
	cur.(*workload.Pod).Status.Phase = workload.PodRunning
	if _, err := s.UpdateStatus(cur); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete("Pod", "ns", "p", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	check := func(evs []Event) {
		t.Helper()
		if len(evs) != 5 {
			t.Fatalf("%d events, want 5", len(evs))
		}
		for _, ev := range evs {
			if want := workload.Key(ev.Object); ev.Key != want || ev.ObjectKey() != want {
				t.Errorf("%s %s: key %q, want %q", ev.Type, workload.Ref(ev.Object), ev.Key, want)
			}
		}
		if unsafe.StringData(evs[0].Key) != unsafe.StringData(evs[3].Key) {
			t.Error("two events of one pod carry two copies of its key")
		}
	}
	var live []Event
	for ev, ok := w.TryNext(); ok; ev, ok = w.TryNext() {
		live = append(live, ev)
	}
	check(live)
	from, err := s.Watch("", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer from.Stop()
	var replayed []Event
	for ev, ok := from.TryNext(); ok; ev, ok = from.TryNext() {
		replayed = append(replayed, ev)
	}
	if len(replayed) != 4 {
		t.Fatalf("replayed %d events from version 1, want 4", len(replayed))
	}
	for _, ev := range replayed {
		if ev.Key != workload.Key(ev.Object) {
			t.Errorf("replayed %s: key %q", workload.Ref(ev.Object), ev.Key)
		}
	}
	var none workload.WatchEvent
	none.Object = pod("ns", "q", nil)
	if none.ObjectKey() != "ns/q" {
		t.Errorf("ObjectKey of an event without a key: %q", none.ObjectKey())
	}
}

// TestWatcherTryNextBatch: TryNextBatch hands over the waiting events in
// order, at most cap(buf) at a time, and nothing once the watch is stopped.
func TestWatcherTryNextBatch(t *testing.T) {
	s, _ := newTestStore(t)
	w, err := s.Watch("", 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		mustCreate(t, s, pod("", "p"+strconv.Itoa(i), nil))
	}
	buf := make([]Event, 0, 3)
	got := evStrings(w.TryNextBatch(buf))
	got = append(got, evStrings(w.TryNextBatch(buf))...)
	if rest := w.TryNextBatch(buf); len(rest) != 0 {
		t.Errorf("a third batch returned %d events, want none", len(rest))
	}
	var want []string
	for i := range 5 {
		want = append(want, fmt.Sprintf("ADDED Pod/default/p%d %d", i, i+1))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("batches (-want +got):\n%s", diff)
	}
	mustCreate(t, s, pod("", "late", nil))
	w.Stop()
	if evs := w.TryNextBatch(buf); len(evs) != 0 || !errors.Is(w.Err(), ErrStopped) {
		t.Errorf("after Stop: %d events, Err %v; want none and ErrStopped", len(evs), w.Err())
	}
}
