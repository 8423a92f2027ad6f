package breakit_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// r10rDrainConcurrently reads w with TryNextBatch (a buffer of cap n,
// reused) on its own goroutine while writes go on, and returns the
// versions it got, in order, and how the watch ended.
func r10rDrainConcurrently(w workload.BatchWatcher, n int, stop <-chan struct{}) (func() ([]uint64, error), *sync.WaitGroup) {
	var got []uint64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]workload.WatchEvent, 0, n)
		for {
			evs := w.TryNextBatch(buf)
			for _, ev := range evs {
				if ev.Object == nil {
					panic("an event without its object")
				}
				_ = ev.Object.GetObjectMeta().Name
				got = append(got, ev.Version)
			}
			if len(evs) > 0 {
				continue
			}
			if w.Err() != nil {
				return
			}
			select {
			case <-w.Ready():
			case <-stop:
				// Drain what is left, then end.
				for evs := w.TryNextBatch(buf); len(evs) > 0; evs = w.TryNextBatch(buf) {
					for _, ev := range evs {
						got = append(got, ev.Version)
					}
				}
				return
			}
		}
	}()
	return func() ([]uint64, error) { return got, w.Err() }, &wg
}

// r10rCheckVersions: versions are consecutive from first (no gap, no
// duplicate, in order), through last unless the watch ended (err), when
// they are a consecutive prefix.
func r10rCheckVersions(t *testing.T, what string, got []uint64, first, last uint64, err error) {
	t.Helper()
	for i, v := range got {
		if v != first+uint64(i) {
			t.Fatalf("%s: event %d has version %d, want %d (a gap, a duplicate or out of order)", what, i, v, first+uint64(i))
		}
	}
	if err == nil && (len(got) == 0 || got[len(got)-1] != last) {
		t.Fatalf("%s: %d events ending at %v, want through version %d", what, len(got), got[len(got)-max(1, len(got)):], last)
	}
}

// Store watches read in batches on other goroutines while writers write
// (run with -race): every reader, whatever its buffer, gets every change
// once, in order; a watch stopped mid-way (or ended by overflow) hands
// over nothing more.
func TestR10rStoreBatchesUnderConcurrentWrites(t *testing.T) {
	clk := vtime.NewVirtual(t0)
	s := store.New(store.Config{Clock: clk, WatchBuffer: 5000})
	stop := make(chan struct{})
	type reader struct {
		name   string
		result func() ([]uint64, error)
	}
	var readers []reader
	var wgs []*sync.WaitGroup
	for _, n := range []int{1, 3, 64, 256} {
		w, err := s.Watch("", 0)
		if err != nil {
			t.Fatal(err)
		}
		res, wg := r10rDrainConcurrently(w, n, stop)
		readers = append(readers, reader{fmt.Sprintf("reader with a buffer of %d", n), res})
		wgs = append(wgs, wg)
	}
	// Not read: it ends by the Stop mid-way, with nothing to hand over.
	stopped, err := s.Watch("", 0)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 400 {
				name := fmt.Sprintf("cm-%d-%d", g, i%20)
				cm := &workload.ControllerRevision{ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"i": fmt.Sprint(i)}}, Revision: 1}
				var err error
				switch {
				case i%20 == 19:
					_, err = s.Delete("ControllerRevision", "default", name, store.DeleteOptions{})
				case i < 20:
					_, err = s.Create(cm)
				default:
					if _, err = s.Update(cm); errors.Is(err, store.ErrNotFound) {
						_, err = s.Create(cm)
					}
				}
				if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrAlreadyExists) {
					t.Error(err)
					return
				}
				if i == 200 && g == 0 {
					stopped.Stop()
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	for _, w := range wgs {
		w.Wait()
	}
	last := s.ResourceVersion()
	for _, r := range readers {
		got, err := r.result()
		if err != nil {
			t.Fatalf("%s ended with %v", r.name, err)
		}
		r10rCheckVersions(t, r.name, got, 1, last, err)
	}
	if evs := stopped.TryNextBatch(make([]store.Event, 0, 8)); len(evs) != 0 || !errors.Is(stopped.Err(), store.ErrStopped) {
		t.Fatalf("a stopped watch handed over %d events (Err %v)", len(evs), stopped.Err())
	}
}

// The fake runtime's watches read in batches (TryNextBatch and
// TryNextReports) on other goroutines while the clock runs crash-looping
// pods on another (run with -race): each reader gets every change once,
// in order.
func TestR10rRuntimeBatchesUnderConcurrentChanges(t *testing.T) {
	ctx := context.Background()
	clk := vtime.NewVirtual(t0)
	rt, err := fake.New(fake.Config{Clock: clk, Seed: 1, Behaviors: []fake.Behavior{{RunFor: workload.Ptr(time.Second)}}})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if err := rt.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "n"}}); err != nil {
		t.Fatal(err)
	}
	_, _, first, _ := rt.List(ctx)
	stop := make(chan struct{})
	var results []func() ([]uint64, error)
	var wgs []*sync.WaitGroup
	for _, n := range []int{1, 7, 256} {
		w, err := rt.Watch(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		res, wg := r10rDrainConcurrently(w.(workload.BatchWatcher), n, stop)
		results, wgs = append(results, res), append(wgs, wg)
		rw, err := rt.Watch(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		var got []uint64
		var rwg sync.WaitGroup
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			buf := make([]workload.WatchEvent, 0, n)
			for {
				evs := rw.(workload.StatusWatcher).TryNextReports(buf)
				for _, ev := range evs {
					if (ev.Report == nil) == (ev.Object == nil) {
						panic("an event with both or neither of a report and an object")
					}
					got = append(got, ev.Version)
				}
				if len(evs) > 0 {
					continue
				}
				select {
				case <-rw.Ready():
				case <-stop:
					for evs := rw.(workload.StatusWatcher).TryNextReports(buf); len(evs) > 0; evs = rw.(workload.StatusWatcher).TryNextReports(buf) {
						for _, ev := range evs {
							got = append(got, ev.Version)
						}
					}
					return
				}
			}
		}()
		results = append(results, func() ([]uint64, error) { return got, rw.Err() })
		wgs = append(wgs, &rwg)
	}
	for i := range 50 {
		p := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: fmt.Sprint("p", i), Namespace: "default"},
			Spec: workload.PodSpec{NodeName: "n", Containers: []workload.Container{{Name: "c", Image: "x"}}}}
		if err := rt.CreatePod(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 200 {
		clk.Advance(500 * time.Millisecond)
		if i%40 == 20 {
			_ = rt.DeletePod(ctx, "default", fmt.Sprint("p", i%50), 0)
		}
	}
	close(stop)
	for _, wg := range wgs {
		wg.Wait()
	}
	_, _, last, _ := rt.List(ctx)
	for i, res := range results {
		got, err := res()
		if err != nil {
			t.Fatalf("reader %d ended with %v", i, err)
		}
		r10rCheckVersions(t, fmt.Sprint("reader ", i), got, first+1, last, nil)
	}
}
