package fake

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// harness is a Runtime on a virtual clock with one node, "node-a".
type harness struct {
	t   *testing.T
	r   *Runtime
	clk *vtime.Virtual
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	clk := vtime.NewVirtual(t0)
	cfg.Clock = clk
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	h := &harness{t: t, r: r, clk: clk}
	h.must(r.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}))
	return h
}

func (h *harness) must(err error) {
	h.t.Helper()
	if err != nil {
		h.t.Fatal(err)
	}
}

// at advances the virtual clock to t0+d, firing what falls due.
func (h *harness) at(d time.Duration) { h.clk.AdvanceTo(t0.Add(d)) }

func (h *harness) create(p *workload.Pod) {
	h.t.Helper()
	h.must(h.r.CreatePod(context.Background(), p))
}

func (h *harness) pod(name string) *workload.Pod {
	h.t.Helper()
	p, err := h.r.GetPod("default", name)
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

func (h *harness) gone(name string) bool {
	_, err := h.r.GetPod("default", name)
	return errors.Is(err, workload.ErrPodNotFound)
}

// ctr returns the status of the pod's first app container.
func (h *harness) ctr(name string) workload.ContainerStatus {
	h.t.Helper()
	return h.pod(name).Status.ContainerStatuses[0]
}

func newPod(name, policy string, annotations map[string]string, images ...string) *workload.Pod {
	p := &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": name}, Annotations: annotations},
		Spec:       workload.PodSpec{NodeName: "node-a", RestartPolicy: policy},
	}
	if len(images) == 0 {
		images = []string{"busybox"}
	}
	for i, img := range images {
		p.Spec.Containers = append(p.Spec.Containers, workload.Container{Name: "c" + string(rune('0'+i)), Image: img})
	}
	return p
}

func cond(p *workload.Pod, typ string) workload.PodCondition {
	for _, c := range p.Status.Conditions {
		if c.Type == typ {
			return c
		}
	}
	return workload.PodCondition{}
}

func dur(d time.Duration) *time.Duration { return &d }

// drain reads every queued event of w.
func drain(w workload.Watcher) []workload.WatchEvent {
	var evs []workload.WatchEvent
	for {
		ev, ok := w.TryNext()
		if !ok {
			return evs
		}
		evs = append(evs, ev)
	}
}
