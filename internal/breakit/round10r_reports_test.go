package breakit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// r10rReader follows a fake runtime's watch one way (TryNext, TryNextBatch
// or TryNextReports) and keeps every change as the whole object it stands
// for, as JSON, by version. A reader of reports builds the pod from the
// last whole pod it saw of that key (its metadata and spec) and the
// report (status, resourceVersion = the event's version).
type r10rReader struct {
	name  string
	w     workload.Watcher
	mode  int // 0 TryNext, 1 TryNextBatch, 2 TryNextReports
	buf   []workload.WatchEvent
	last  map[string]*workload.Pod // by uid: the last whole pod
	names map[string]string        // namespace/name -> uid of the last pod of that name
	seen  map[uint64]string        // version -> "TYPE json"
	order []uint64
	err   error
}

func (r *r10rReader) add(t *testing.T, ev workload.WatchEvent) {
	t.Helper()
	if ev.Report != nil {
		if r.mode != 2 || ev.Object != nil || ev.Type != workload.Modified {
			t.Fatalf("%s: event %d has a report (mode %d, type %s, object %v)", r.name, ev.Version, r.mode, ev.Type, ev.Object != nil)
		}
		rep := ev.Report
		base := r.last[rep.UID]
		if base == nil {
			t.Fatalf("%s: report at %d for %s/%s uid %s, a pod the reader never saw or saw deleted", r.name, ev.Version, rep.Namespace, rep.Name, rep.UID)
		}
		if base.Namespace != rep.Namespace || base.Name != rep.Name {
			t.Fatalf("%s: report at %d for %s/%s uid %s, which is pod %s/%s", r.name, ev.Version, rep.Namespace, rep.Name, rep.UID, base.Namespace, base.Name)
		}
		p := *base
		p.ResourceVersion = strconv.FormatUint(ev.Version, 10)
		p.Status = rep.Status
		ev.Object = &p
	}
	if len(r.order) > 0 && ev.Version <= r.order[len(r.order)-1] {
		t.Fatalf("%s: version %d after %d", r.name, ev.Version, r.order[len(r.order)-1])
	}
	if ev.Object.GetObjectMeta().ResourceVersion != strconv.FormatUint(ev.Version, 10) {
		t.Fatalf("%s: event %d carries resourceVersion %q", r.name, ev.Version, ev.Object.GetObjectMeta().ResourceVersion)
	}
	if p, ok := ev.Object.(*workload.Pod); ok {
		key := p.Namespace + "/" + p.Name
		if ev.Type == workload.Deleted {
			delete(r.last, p.UID)
			if r.names[key] == p.UID {
				delete(r.names, key)
			}
		} else {
			r.last[p.UID] = p
			r.names[key] = p.UID
		}
	}
	b, err := json.Marshal(ev.Object)
	if err != nil {
		t.Fatal(err)
	}
	r.seen[ev.Version] = ev.Type + " " + string(b)
	r.order = append(r.order, ev.Version)
}

func (r *r10rReader) drain(t *testing.T) {
	t.Helper()
	for {
		var evs []workload.WatchEvent
		switch r.mode {
		case 0:
			ev, ok := r.w.TryNext()
			if ok {
				evs = []workload.WatchEvent{ev}
			}
		case 1:
			evs = r.w.(workload.BatchWatcher).TryNextBatch(r.buf)
		case 2:
			evs = r.w.(workload.StatusWatcher).TryNextReports(r.buf)
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			r.add(t, ev)
		}
	}
	r.err = r.w.Err()
}

// A pod's status change reaches readers of whole pods (TryNext,
// TryNextBatch) and readers of reports (TryNextReports) alike, whatever
// happens: pods deleted and created again under the same name (another
// uid) while reports are queued, nodes failing, coming back and going,
// watches from old versions, small batch buffers. Every reader sees the
// same changes at the same versions, the pod a report stands for is the
// whole pod the other readers get, and GetPod and List say what was last
// reported (the last whole pod a reader got), also while a node is failed.
func TestR10rReportsMatchWholePods(t *testing.T) {
	ctx := context.Background()
	for seed := uint64(0); seed < 25; seed++ {
		rng := rand.New(rand.NewPCG(seed, 11))
		clk := vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		rt, err := fake.New(fake.Config{Clock: clk, Seed: 1, History: 4096})
		if err != nil {
			t.Fatal(err)
		}
		nodes := []string{"n0", "n1", "n2"}
		for _, n := range nodes {
			if err := rt.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: n}}); err != nil {
				t.Fatal(err)
			}
		}
		var readers []*r10rReader
		watch := func(from uint64, mode int) {
			w, err := rt.Watch(ctx, from)
			if err != nil {
				t.Fatalf("seed %d: watch from %d: %v", seed, from, err)
			}
			r := &r10rReader{name: fmt.Sprintf("reader %d (mode %d, from %d)", len(readers), mode, from), w: w, mode: mode,
				buf: make([]workload.WatchEvent, 0, 1+rng.IntN(5)), last: map[string]*workload.Pod{}, names: map[string]string{}, seen: map[uint64]string{}}
			if from != 0 {
				// A watch from a version starts from the pods as listed
				// then: the reader of reports needs their whole pods.
				r.last = nil
			}
			readers = append(readers, r)
		}
		for mode := range 3 {
			watch(0, mode)
		}
		anns := []map[string]string{
			{fake.AnnotationCrashAfter: "30s"},
			{fake.AnnotationRunFor: "45s", fake.AnnotationExitCode: "1"},
			{fake.AnnotationReadyAfter: "10s"},
			{fake.AnnotationFailFirst: "2", fake.AnnotationRunFor: "20s"},
			{fake.AnnotationStopAfter: "5s", fake.AnnotationCrashAfter: "40s"},
			{},
		}
		names := []string{"a", "b", "c", "d"}
		failed := map[string]bool{}
		for step := 0; step < 200; step++ {
			switch k := rng.IntN(16); {
			case k < 4:
				p := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: names[rng.IntN(len(names))], Namespace: "default", Annotations: anns[rng.IntN(len(anns))]},
					Spec: workload.PodSpec{NodeName: nodes[rng.IntN(3)], RestartPolicy: []string{"Always", "OnFailure", "Never"}[rng.IntN(3)],
						Containers: []workload.Container{{Name: "a", Image: "x"}, {Name: "b", Image: "x"}}}}
				if rng.IntN(2) == 0 {
					p.Spec.InitContainers = []workload.Container{{Name: "i", Image: "x"}}
				}
				_ = rt.CreatePod(ctx, p)
			case k < 5:
				_ = rt.SetContainerReady("default", names[rng.IntN(len(names))], []string{"a", "b"}[rng.IntN(2)], rng.IntN(2) == 0)
			case k < 6:
				_ = rt.KillContainer("default", names[rng.IntN(len(names))], []string{"a", "b", "i"}[rng.IntN(3)], int32(rng.IntN(2)))
			case k < 8:
				_ = rt.DeletePod(ctx, "default", names[rng.IntN(len(names))], time.Duration(rng.IntN(3)*rng.IntN(20))*time.Second)
			case k < 9:
				n := nodes[rng.IntN(3)]
				if rt.FailNode(n) == nil {
					failed[n] = true
				}
			case k < 10:
				n := nodes[rng.IntN(3)]
				if rt.SetNodeReady(n, rng.IntN(3) > 0) == nil {
					delete(failed, n)
				}
			case k < 11 && rng.IntN(4) == 0:
				n := nodes[rng.IntN(3)]
				_ = rt.RemoveNode(n)
				delete(failed, n)
				_ = rt.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: n}})
			case k < 12 && len(readers) < 12:
				// A reader of reports from the list's version, and one
				// of whole pods from an older version.
				_, pods, v, _ := rt.List(ctx)
				watch(v, 2)
				r := readers[len(readers)-1]
				r.last = map[string]*workload.Pod{}
				for _, p := range pods {
					r.last[p.UID] = p
					r.names[p.Namespace+"/"+p.Name] = p.UID
				}
				watch(v-uint64(rng.IntN(int(min(v, 200)))), rng.IntN(2))
			default:
				clk.Advance(time.Duration(rng.IntN(40)) * time.Second)
			}
			if rng.IntN(3) > 0 {
				continue
			}
			for _, r := range readers {
				if r.last != nil {
					r.drain(t)
				}
			}
			// GetPod says what a reader from the start last got; a pod
			// deleted on a failed node is gone from GetPod before its
			// Deleted event (when the node is back).
			r0 := readers[0]
			for _, n := range names {
				got, err := rt.GetPod("default", n)
				want := r0.last[r0.names["default/"+n]]
				if err == nil {
					want = r0.last[got.UID]
				}
				switch {
				case want == nil && err == nil:
					t.Fatalf("seed %d step %d: GetPod(%s) = a pod at %s, but the watch has no such pod", seed, step, n, got.ResourceVersion)
				case want != nil && err != nil && !failed[want.Spec.NodeName]:
					t.Fatalf("seed %d step %d: GetPod(%s): %v, but the watch has it at %s", seed, step, n, err, want.ResourceVersion)
				case want != nil && err == nil:
					g, _ := json.Marshal(got)
					w, _ := json.Marshal(want)
					if string(g) != string(w) {
						t.Fatalf("seed %d step %d: GetPod(%s) is not the last pod watched:\ngot  %s\nwant %s", seed, step, n, g, w)
					}
				}
			}
		}
		clk.Advance(10 * time.Minute)
		for _, r := range readers {
			if r.last == nil {
				// A watch from an old version, whose pods before it the
				// reader did not list: read whole objects only.
				r.last, r.names = map[string]*workload.Pod{}, map[string]string{}
				if r.mode == 2 {
					r.mode = 1
				}
			}
			r.drain(t)
			if r.err != nil {
				t.Fatalf("seed %d: %s ended: %v", seed, r.name, r.err)
			}
		}
		// Every reader saw each version it saw as the first reader did.
		ref := readers[0]
		for _, r := range readers[1:] {
			for _, v := range r.order {
				if want, ok := ref.seen[v]; ok && r.seen[v] != want {
					t.Fatalf("seed %d: %s at version %d:\n got %s\nwant %s", seed, r.name, v, r.seen[v], want)
				}
			}
			if r.order[len(r.order)-1] != ref.order[len(ref.order)-1] {
				t.Fatalf("seed %d: %s ends at %d, the first reader at %d", seed, r.name, r.order[len(r.order)-1], ref.order[len(ref.order)-1])
			}
		}
		for _, r := range readers[1:3] {
			if len(r.order) != len(ref.order) {
				t.Fatalf("seed %d: %s saw %d changes, the first reader %d", seed, r.name, len(r.order), len(ref.order))
			}
		}
		rt.Close()
	}
}

// Readers of one fake runtime on several goroutines (TryNext, Next,
// TryNextBatch, TryNextReports, GetPod, List), each reading every object
// and report it gets in depth, race with nothing while the clock runs
// pods that restart in lockstep, fail their node and come back (run
// with -race).
func TestR10rReportsConcurrentReaders(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk := vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	rt, err := fake.New(fake.Config{Clock: clk, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	for _, n := range []string{"n0", "n1"} {
		if err := rt.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: n}}); err != nil {
			t.Fatal(err)
		}
	}
	deep := func(v any) {
		if _, err := json.Marshal(v); err != nil {
			t.Error(err)
		}
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for mode := range 4 {
		w, err := rt.Watch(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer w.Stop()
			buf := make([]workload.WatchEvent, 0, 7)
			for {
				var evs []workload.WatchEvent
				switch mode {
				case 0:
					if ev, ok := w.TryNext(); ok {
						evs = append(evs, ev)
					}
				case 1:
					ev, err := w.Next(ctx)
					if err != nil {
						return
					}
					evs = append(evs, ev)
				case 2:
					evs = w.(workload.BatchWatcher).TryNextBatch(buf)
				case 3:
					evs = w.(workload.StatusWatcher).TryNextReports(buf)
				}
				for _, ev := range evs {
					if ev.Report != nil {
						deep(ev.Report)
					} else {
						deep(ev.Object)
					}
				}
				if len(evs) == 0 {
					select {
					case <-stop:
						return
					case <-w.Ready():
					}
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, pods, _, err := rt.List(ctx); err == nil {
				deep(pods)
			}
			if p, err := rt.GetPod("default", "p1"); err == nil {
				deep(p)
			}
		}
	}()
	for i := range 6 {
		p := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: fmt.Sprint("p", i), Namespace: "default",
			Annotations: map[string]string{fake.AnnotationCrashAfter: "3s"}},
			Spec: workload.PodSpec{NodeName: []string{"n0", "n1"}[i%2], Containers: []workload.Container{{Name: "a", Image: "x"}}}}
		if err := rt.CreatePod(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 300 {
		switch i % 50 {
		case 10:
			_ = rt.FailNode("n1")
		case 30:
			_ = rt.SetNodeReady("n1", true)
		case 40:
			_ = rt.DeletePod(ctx, "default", "p1", 0)
			_ = rt.CreatePod(ctx, &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p1", Namespace: "default"},
				Spec: workload.PodSpec{NodeName: "n1", Containers: []workload.Container{{Name: "a", Image: "x"}}}})
		}
		clk.Advance(time.Second)
	}
	close(stop)
	cancel()
	wg.Wait()
}
