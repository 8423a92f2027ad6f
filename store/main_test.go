package store

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/api/resource"
)

// TestMain fails the run when goroutines started by the tests outlive
// them. The store starts none; the tests' own readers must be gone too.
func TestMain(m *testing.M) {
	before := runtime.NumGoroutine()
	code := m.Run()
	if code == 0 {
		deadline := time.Now().Add(10 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			runtime.Gosched()
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			fmt.Fprintf(os.Stderr, "goroutine leak: %d before, %d after\n%s\n", before, n, buf)
			code = 1
		}
	}
	os.Exit(code)
}

// fakeClock is a clock that moves only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newTestStore(t testing.TB) (*Store, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: epoch}
	return New(Config{Clock: clk, Seed: 1}), clk
}

func pod(ns, name string, lbls map[string]string) *workload.Pod {
	return &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Namespace: ns, Name: name, Labels: lbls},
		Spec: workload.PodSpec{Containers: []workload.Container{{
			Name:  "main",
			Image: "busybox",
			Resources: workload.ResourceRequirements{
				Requests: workload.ResourceList{"cpu": resource.MustParse("100m")},
			},
		}}},
	}
}

func node(name string) *workload.Node {
	return &workload.Node{ObjectMeta: workload.ObjectMeta{Name: name}}
}

func mustCreate[T workload.Object](t testing.TB, s *Store, obj T) T {
	t.Helper()
	out, err := s.Create(obj)
	if err != nil {
		t.Fatalf("Create(%s): %v", workload.Ref(obj), err)
	}
	return out.(T)
}

func mustGet[T workload.Object](t testing.TB, s *Store, kind, ns, name string) T {
	t.Helper()
	out, err := s.Get(kind, ns, name)
	if err != nil {
		t.Fatalf("Get(%s/%s/%s): %v", kind, ns, name, err)
	}
	return out.(T)
}

// drain returns every event waiting in w.
func drain(w *Watcher) []Event {
	var out []Event
	for {
		ev, ok := w.TryNext()
		if !ok {
			return out
		}
		out = append(out, ev)
	}
}

// widget is a test-only object of a kind the store does not know.
type widget struct {
	workload.TypeMeta
	workload.ObjectMeta
}

func (*widget) Kind() string { return "Widget" }
func (w *widget) DeepCopyObject() workload.Object {
	c := *w
	w.ObjectMeta.DeepCopyInto(&c.ObjectMeta)
	return &c
}
