package breakit_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/internal/leakcheck"
	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// r5env is a cluster over an inproc runtime driven by Run on the real
// clock; the test's cleanup stops everything and checks for leaked
// goroutines.
type r5env struct {
	t  *testing.T
	rt *inproc.Runtime
	c  *orchestra.Cluster
	w  *store.Watcher
}

func r5newInproc(t *testing.T, cfg inproc.Config, proxy *service.ProxyConfig, register func(rt *inproc.Runtime)) *r5env {
	t.Helper()
	snap := leakcheck.Take()
	if cfg.Nodes == nil {
		cfg.Nodes = []string{"n1"}
	}
	if cfg.BackoffBase == 0 {
		cfg.BackoffBase = 100 * time.Millisecond
	}
	if cfg.ProbeSecond == 0 {
		cfg.ProbeSecond = 50 * time.Millisecond
	}
	if !cfg.FirstPodCIDR.IsValid() {
		cfg.FirstPodCIDR = testPodCIDR
	}
	rt, err := inproc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if register != nil {
		register(rt)
	}
	c, err := orchestra.New(orchestra.Config{Runtime: rt, Seed: 1, Services: service.Config{Proxy: proxy}})
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.Store().Watch("", c.Store().ResourceVersion())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("Run did not return after its context ended")
		}
		w.Stop()
		c.Close()
		sctx, stop := context.WithTimeout(context.Background(), 20*time.Second)
		defer stop()
		if err := rt.Shutdown(sctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		snap.Check(t, 20*time.Second)
	})
	return &r5env{t: t, rt: rt, c: c, w: w}
}

// wait re-checks cond after every store change and on a slow tick (for
// state outside the store), failing after 30 s.
func (e *r5env) wait(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-e.w.Ready():
			for {
				if _, ok := e.w.TryNext(); !ok {
					break
				}
			}
		case <-tick.C:
		case <-deadline:
			e.t.Fatalf("%s: not within 30s", what)
		}
	}
}

// pod returns the stored pod, nil when it does not exist.
func (e *r5env) pod(name string) *workload.Pod {
	o, err := e.c.Get("Pod", "default", name)
	if err != nil {
		return nil
	}
	return o.(*workload.Pod)
}

func (e *r5env) apply(y string) { e.t.Helper(); applyYAML(e.t, e.c, y) }

// r5ready reports whether a pod's Ready condition is True.
func r5ready(p *workload.Pod) bool {
	if p == nil {
		return false
	}
	for _, cd := range p.Status.Conditions {
		if cd.Type == workload.PodReady && cd.Status == workload.ConditionTrue {
			return true
		}
	}
	return false
}

// r5serveName is an inproc function: a TCP server on port 8080 that
// writes its pod's name to every connection and closes it.
func r5serveName(ctx context.Context, ct *inproc.Container) error {
	l, err := ct.Listen("tcp", 8080)
	if err != nil {
		return err
	}
	ct.Ready() // for a runtime that waits for it (inproc.WaitForReady)
	go func() { <-ctx.Done(); l.Close() }()
	name := ct.Getenv("POD_NAME")
	for {
		conn, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			// A passing failure (EMFILE): a server keeps accepting.
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(5 * time.Millisecond):
			}
			continue
		}
		conn.Write([]byte(name))
		conn.Close()
	}
}
