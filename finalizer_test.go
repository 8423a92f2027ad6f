package orchestra_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// podVersions records every stored version of the pods a cluster shows
// its observers.
func podVersions(c *orchestra.Cluster) *[]*workload.Pod {
	var vs []*workload.Pod
	c.OnChange(func(ev store.Event) {
		if p, ok := ev.Object.(*workload.Pod); ok && ev.Type != store.Deleted {
			vs = append(vs, p)
		}
	})
	return &vs
}

// TestStartedPodGetsFinalizerWithFirstStatus: the runtime finalizer of a
// pod the kubelet bridge starts is written together with the first status
// the runtime reports, not in a write of its own: a pod goes created,
// bound, Pending (started, with the finalizer), Running.
func TestStartedPodGetsFinalizerWithFirstStatus(t *testing.T) {
	clock := vtime.NewVirtual(t0)
	c, err := orchestra.New(orchestra.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "n"}}); err != nil {
		t.Fatal(err)
	}
	vs := podVersions(c)
	if _, err := c.Apply(&workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p"},
		Spec: workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "x"}}}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range *vs {
		fin := slices.Contains(p.Finalizers, controller.RuntimeFinalizer)
		got = append(got, string(p.Status.Phase)+"/"+p.Spec.NodeName+"/"+map[bool]string{true: "fin", false: "-"}[fin]+"/"+p.Status.PodIP)
	}
	if len(got) != 4 {
		t.Fatalf("versions %q, want 4: created, bound, Pending with the finalizer, Running", got)
	}
	for i, p := range (*vs)[2:] {
		if !slices.Contains(p.Finalizers, controller.RuntimeFinalizer) || p.Status.PodIP == "" {
			t.Fatalf("version %d is %q: want the finalizer and the reported status together (all %q)", i+2, got[i+2], got)
		}
	}
	if (*vs)[2].Status.Phase != workload.PodPending || (*vs)[3].Status.Phase != workload.PodRunning {
		t.Fatalf("versions %q: want Pending then Running", got)
	}
}

// silentRuntime is a fake runtime whose watch reports nothing while mute.
type silentRuntime struct {
	*fake.Runtime
	mute bool
}

type silentWatch struct {
	workload.Watcher
	r *silentRuntime
}

func (w silentWatch) TryNext() (workload.WatchEvent, bool) {
	if w.r.mute {
		return workload.WatchEvent{}, false
	}
	return w.Watcher.TryNext()
}

func (r *silentRuntime) Watch(ctx context.Context, version uint64) (workload.Watcher, error) {
	w, err := r.Runtime.Watch(ctx, version)
	if err != nil {
		return nil, err
	}
	return silentWatch{Watcher: w, r: r}, nil
}

// TestStartedPodGetsFinalizerBeforeReport: a started pod whose runtime has
// not reported it yet still gets the runtime finalizer before the control
// plane runs, so that deleting it waits for the runtime (its grace period).
func TestStartedPodGetsFinalizerBeforeReport(t *testing.T) {
	clock := vtime.NewVirtual(t0)
	f, err := fake.New(fake.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rt := &silentRuntime{Runtime: f}
	c, err := orchestra.New(orchestra.Config{Runtime: rt, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "n"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(0); err != nil {
		t.Fatal(err)
	}
	rt.mute = true
	vs := podVersions(c)
	if _, err := c.Apply(&workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p"},
		Spec: workload.PodSpec{NodeName: "n", Containers: []workload.Container{{Name: "main", Image: "x"}}}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(0); err != nil {
		t.Fatal(err)
	}
	if len(*vs) != 2 || !slices.Contains((*vs)[1].Finalizers, controller.RuntimeFinalizer) || (*vs)[1].Status.PodIP != "" {
		t.Fatalf("got %d versions, want 2: created, then marked started (no status yet)", len(*vs))
	}
	if err := c.Delete("Pod", "default", "p", ""); err != nil {
		t.Fatal(err)
	}
	o, err := c.Get("Pod", "default", "p")
	if err != nil || o.(*workload.Pod).DeletionTimestamp == nil {
		t.Fatalf("deleted started pod: %v, %v: want it terminating until the runtime reports it gone", o, err)
	}
}
