package controller

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// harness runs controllers over a store on a virtual clock, with no
// runtime: tests play the kubelet by writing pod status themselves. Shared
// by every controller's tests in this package.
type harness struct {
	t     *testing.T
	clock *vtime.Virtual
	store *store.Store
	rec   *Recorder
	mgr   *Manager
	deps  Deps
}

var harnessStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newHarness(t *testing.T, makeCtrls ...func(Deps) Controller) *harness {
	t.Helper()
	return newHarnessWith(t, store.Config{}, makeCtrls...)
}

// newHarnessWith is newHarness over a store made with cfg (its clock and
// seed are the harness's).
func newHarnessWith(t *testing.T, cfg store.Config, makeCtrls ...func(Deps) Controller) *harness {
	t.Helper()
	c := vtime.NewVirtual(harnessStart)
	cfg.Clock, cfg.Seed = c, 1
	s := store.New(cfg)
	rec := NewRecorder(s, c, nil)
	deps := Deps{Store: s, Clock: c, Events: rec, Seed: 1, Logger: slog.New(slog.DiscardHandler)}
	var ctrls []Controller
	for _, mk := range makeCtrls {
		ctrls = append(ctrls, mk(deps))
	}
	h := &harness{t: t, clock: c, store: s, rec: rec, deps: deps, mgr: NewManager(deps, ctrls...)}
	if err := h.mgr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.mgr.Stop)
	return h
}

// settle steps the manager until nothing is left to do now (bounded, to
// catch hot loops).
func (h *harness) settle() {
	h.t.Helper()
	for i := 0; h.mgr.Step(context.Background()); i++ {
		if i > 10000 {
			h.t.Fatal("controllers did not settle: hot loop?")
		}
	}
}

// advance moves virtual time forward by d, settling at every deadline on
// the way.
func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	end := h.clock.Now().Add(d)
	h.settle()
	for {
		next, ok := h.clock.Next()
		if !ok || next.After(end) {
			break
		}
		h.clock.AdvanceTo(next)
		h.settle()
	}
	h.clock.AdvanceTo(end)
	h.settle()
}

func (h *harness) create(o workload.Object) workload.Object {
	h.t.Helper()
	workload.Default(o)
	out, err := h.store.Create(o)
	if err != nil {
		h.t.Fatalf("create %s: %v", workload.Ref(o), err)
	}
	return out
}

func (h *harness) get(kind, ns, name string) workload.Object {
	h.t.Helper()
	o, err := h.store.Get(kind, ns, name)
	if err != nil {
		h.t.Fatalf("get %s/%s/%s: %v", kind, ns, name, err)
	}
	return o
}

// pods lists the pods of a namespace, sorted by name.
func (h *harness) pods(ns string) []*workload.Pod {
	var out []*workload.Pod
	for _, o := range h.store.List("Pod", ns, nil) {
		out = append(out, o.(*workload.Pod))
	}
	return out
}

// setPodStatus plays the kubelet: it sets a pod's phase and readiness.
func (h *harness) setPodStatus(ns, name, phase string, ready bool) {
	h.t.Helper()
	p := h.get("Pod", ns, name).(*workload.Pod)
	now := workload.NewTime(h.clock.Now())
	p.Status.Phase = phase
	status := workload.ConditionFalse
	if ready {
		status = workload.ConditionTrue
	}
	set := false
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == workload.PodReady {
			if p.Status.Conditions[i].Status != status {
				p.Status.Conditions[i].LastTransitionTime = now
			}
			p.Status.Conditions[i].Status = status
			set = true
		}
	}
	if !set {
		p.Status.Conditions = append(p.Status.Conditions, workload.PodCondition{Type: workload.PodReady, Status: status, LastTransitionTime: now})
	}
	if p.Status.StartTime == nil && phase != workload.PodPending {
		p.Status.StartTime = &now
	}
	if _, err := h.store.UpdateStatus(p); err != nil {
		h.t.Fatal(err)
	}
}
