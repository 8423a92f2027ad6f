package breakit_test

import (
	"context"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestR11pStartupProbeGetsThresholdTimesPeriod: a startup probe that
// fails gives the container failureThreshold × periodSeconds to start, as
// the documentation's "a maximum of 5 minutes (30 * 10 = 300s) to finish
// its startup" says: the kubelet's prober worker
// (pkg/kubelet/prober/worker.go run) starts with the pod, probes at once
// (the container does not run yet: no result) and then on a ticker every
// periodSeconds, so the container's first startup (and liveness) probe
// comes a period after it started, not at its start. With periodSeconds
// 10 and failureThreshold 3, probes at 10, 20 and 30 s: an application
// that answers from 25 s on passes the third and is never restarted.
// Before, the first probe ran at the start, the third failure came at
// 20 s and the container was restarted.
func TestR11pStartupProbeGetsThresholdTimesPeriod(t *testing.T) {
	clock := vtime.NewVirtual(t0)
	e := r10pNewInproc(t, inproc.Config{Clock: clock, ProbeSecond: time.Second, FirstPodCIDR: testPodCIDRAt(131)})
	listening := make(chan struct{})
	var mu sync.Mutex
	var hits []time.Duration
	e.rt.Register("slowstart", func(ctx context.Context, c *inproc.Container) error {
		l, err := c.Listen("tcp", 8080)
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/startup", func(w http.ResponseWriter, r *http.Request) {
			since := clock.Now().Sub(t0)
			mu.Lock()
			hits = append(hits, since)
			mu.Unlock()
			if since < 25*time.Second {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		})
		srv := &http.Server{Handler: mux}
		go func() { <-ctx.Done(); srv.Close() }()
		if c.RestartCount() == 0 {
			close(listening)
		}
		srv.Serve(l)
		return ctx.Err()
	})
	e.create(r10pPod("ss", workload.RestartPolicyAlways, workload.Container{Name: "c", Image: inproc.Image("slowstart"),
		StartupProbe: &workload.Probe{ProbeHandler: workload.ProbeHandler{HTTPGet: &workload.HTTPGetAction{Path: "/startup", Port: intstr.FromInt32(8080)}},
			PeriodSeconds: 10, FailureThreshold: 3, TimeoutSeconds: 1}}))
	clock.Advance(0) // the container starts at t0
	select {
	case <-listening:
	case <-time.After(30 * time.Second):
		t.Fatal("the container did not listen within 30s")
	}
	nHits := func() int { mu.Lock(); defer mu.Unlock(); return len(hits) }
	deadline := time.Now().Add(30 * time.Second) // bounds a broken run only
	for i := 1; i <= 2; i++ {
		clock.Advance(10 * time.Second)
		// Wait until the probe of this step has run and the next one is
		// due a period later (not the probe's timeout).
		for next, ok := clock.Next(); nHits() < i || !ok || !next.Equal(t0.Add(time.Duration(i+1)*10*time.Second)); next, ok = clock.Next() {
			if time.Now().After(deadline) {
				mu.Lock()
				t.Fatalf("after %d s: probes at %v, next timer %v %v; want the probe at %d s and the next at %d s", i*10, hits, next, ok, i*10, (i+1)*10)
			}
			runtime.Gosched()
		}
	}
	clock.Advance(10 * time.Second)
	p := e.waitPod("ss", "started", func(p *workload.Pod) bool {
		s := r10pCS(p).Started
		return s != nil && *s
	})
	mu.Lock()
	got := append([]time.Duration(nil), hits...)
	mu.Unlock()
	if want := []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("startup probes at %v, want %v", got, want)
	}
	if rc := r10pCS(p).RestartCount; rc != 0 {
		t.Errorf("restartCount %d, want 0", rc)
	}
}
