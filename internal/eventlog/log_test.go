package eventlog_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/internal/eventlog"
	"github.com/orchestra-go/orchestra/workload"
)

func node(name string) *workload.Node {
	return &workload.Node{ObjectMeta: workload.ObjectMeta{Name: name}}
}

func names(t *testing.T, w workload.Watcher) []string {
	t.Helper()
	var out []string
	for {
		ev, ok := w.TryNext()
		if !ok {
			return out
		}
		out = append(out, fmt.Sprintf("%s %s %d", ev.Type, ev.Object.GetObjectMeta().Name, ev.Version))
	}
}

func TestEmitSetsVersions(t *testing.T) {
	l := eventlog.New(eventlog.Config{})
	n := node("a")
	if v := l.Emit(workload.Added, n); v != 1 || n.ResourceVersion != "1" || l.Version() != 1 {
		t.Fatalf("version %d, resourceVersion %q, Version %d", v, n.ResourceVersion, l.Version())
	}
}

func TestWatchFromVersionReplays(t *testing.T) {
	l := eventlog.New(eventlog.Config{History: 4})
	for _, n := range []string{"a", "b", "c"} {
		l.Emit(workload.Added, node(n))
	}
	w, err := l.Watch(1)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	l.Emit(workload.Deleted, node("a"))
	got := names(t, w)
	want := []string{"ADDED b 2", "ADDED c 3", "DELETED a 4"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestWatchErrors(t *testing.T) {
	stopped := errors.New("x: stopped")
	invalid := errors.New("x: invalid")
	l := eventlog.New(eventlog.Config{Name: "x", History: 2, WatchBuffer: 2, Stopped: stopped, Invalid: invalid})
	if _, err := l.Watch(5); !errors.Is(err, invalid) {
		t.Fatalf("watch from the future: %v", err)
	}
	w0, _ := l.Watch(0)
	for _, n := range []string{"a", "b", "c"} {
		l.Emit(workload.Added, node(n))
	}
	// A history of 2 holds versions 2 and 3: a watch from 1 is whole.
	w1, err := l.Watch(1)
	if err != nil {
		t.Fatalf("watch from 1: %v", err)
	}
	w1.Stop()
	l.Emit(workload.Added, node("d"))
	if _, err := l.Watch(1); !errors.Is(err, workload.ErrWatchExpired) {
		t.Fatalf("watch from a version past the history: %v", err)
	}
	// w0 read nothing: three unread events overflow a buffer of 2.
	if _, err := w0.Next(context.Background()); !errors.Is(err, workload.ErrWatchExpired) {
		t.Fatalf("overflowed watch: %v", err)
	}
	w, _ := l.Watch(0)
	w.Stop()
	w.Stop()
	if !errors.Is(w.Err(), stopped) {
		t.Fatalf("stopped watch: %v", w.Err())
	}
}

func TestNextWaitsAndClose(t *testing.T) {
	l := eventlog.New(eventlog.Config{})
	w, _ := l.Watch(0)
	got := make(chan error, 1)
	go func() {
		_, err := w.Next(context.Background())
		if err == nil {
			_, err = w.Next(context.Background())
		}
		got <- err
	}()
	l.Emit(workload.Added, node("a"))
	l.Close(nil)
	select {
	case err := <-got:
		if !errors.Is(err, eventlog.ErrStopped) {
			t.Fatalf("Next after Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Next did not return after Close")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w2, _ := l.Watch(0)
	if _, err := w2.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next with a cancelled context: %v", err)
	}
}

// TestTryNextBatch: the log's watches are workload.BatchWatchers that hand
// over queued changes in order, at most cap(buf) at a time.
func TestTryNextBatch(t *testing.T) {
	l := eventlog.New(eventlog.Config{})
	w, err := l.Watch(0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	bw, ok := w.(workload.BatchWatcher)
	if !ok {
		t.Fatal("the log's watch is not a workload.BatchWatcher")
	}
	for _, n := range []string{"a", "b", "c"} {
		l.Emit(workload.Added, node(n))
	}
	buf := make([]workload.WatchEvent, 0, 2)
	var got []string
	for evs := bw.TryNextBatch(buf); len(evs) > 0; evs = bw.TryNextBatch(buf) {
		if len(evs) > cap(buf) {
			t.Fatalf("a batch of %d events in a buffer of %d", len(evs), cap(buf))
		}
		for _, ev := range evs {
			got = append(got, fmt.Sprintf("%s %s %d", ev.Type, ev.Object.GetObjectMeta().Name, ev.Version))
		}
	}
	want := []string{"ADDED a 1", "ADDED b 2", "ADDED c 3"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestEmitStatus: a status report reaches readers of objects as the pod
// (the base's metadata and spec, the report's status, the event's
// version), live and replayed, and readers of reports as the report.
func TestEmitStatus(t *testing.T) {
	l := eventlog.New(eventlog.Config{})
	base := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1", Labels: map[string]string{"a": "b"}}}
	objs, err := l.Watch(0)
	if err != nil {
		t.Fatal(err)
	}
	defer objs.Stop()
	l.Emit(workload.Added, base)
	reps, err := l.Watch(0)
	if err != nil {
		t.Fatal(err)
	}
	defer reps.Stop()
	rep := &workload.PodStatusReport{Namespace: "ns", Name: "p", UID: "u1", Status: workload.PodStatus{Phase: workload.PodRunning}}
	if v := l.EmitStatus(base, rep); v != 2 {
		t.Fatalf("EmitStatus = version %d, want 2", v)
	}
	check := func(ev workload.WatchEvent) {
		t.Helper()
		p, ok := ev.Object.(*workload.Pod)
		if !ok || ev.Report != nil || ev.Type != workload.Modified || ev.Version != 2 {
			t.Fatalf("event %+v, want a Modified pod at version 2 without a report", ev)
		}
		if p == base || p.Status.Phase != workload.PodRunning || p.ResourceVersion != "2" || p.UID != "u1" || p.Labels["a"] != "b" {
			t.Errorf("pod %+v, want base's metadata with the report's status and resourceVersion 2", p)
		}
		if base.Status.Phase != "" || base.ResourceVersion != "1" {
			t.Errorf("the base pod changed: %+v", base)
		}
	}
	if ev, ok := objs.TryNext(); !ok || ev.Type != workload.Added {
		t.Fatalf("first event %+v, %v; want the Added one", ev, ok)
	}
	ev, ok := objs.TryNext()
	if !ok {
		t.Fatal("no event for the report")
	}
	check(ev)
	replay, err := l.Watch(1)
	if err != nil {
		t.Fatal(err)
	}
	defer replay.Stop()
	got := replay.(workload.BatchWatcher).TryNextBatch(make([]workload.WatchEvent, 0, 4))
	if len(got) != 1 {
		t.Fatalf("replay from 1: %d events, want 1", len(got))
	}
	check(got[0])
	evs := reps.(workload.StatusWatcher).TryNextReports(make([]workload.WatchEvent, 0, 4))
	if len(evs) != 1 || evs[0].Report != rep || evs[0].Object != nil || evs[0].Version != 2 || evs[0].Type != workload.Modified {
		t.Fatalf("TryNextReports = %+v, want the report itself at version 2 with no object", evs)
	}
}
