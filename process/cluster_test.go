//go:build linux

package process_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/internal/leakcheck"
	"github.com/orchestra-go/orchestra/process"
	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// TestClusterServiceProxy: a Deployment of two process pods, each serving
// its pod name on $POD_IP:8080, behind a Service reached through the
// userspace proxy on a loopback ClusterIP: both pods answer, round robin.
// After Run and Close no goroutine and no process is left.
func TestClusterServiceProxy(t *testing.T) {
	snap := leakcheck.Take()
	rt, err := process.New(process.Config{Nodes: []string{"node-a"}, FirstPodCIDR: testPodCIDR, BackoffBase: 50 * time.Millisecond, ProbeSecond: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if rt.PodAddrShared() {
		t.Skip("pods share 127.0.0.1 on this platform")
	}
	c, err := orchestra.New(orchestra.Config{Runtime: rt,
		Services: service.Config{ServiceCIDR: "127.3.0.0/16", Proxy: &service.ProxyConfig{}}})
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
	var seen []int
	defer func() {
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Run returned %v, want context.Canceled", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after its context ended")
		}
		w.Stop()
		c.Close()
		rt.Close()
		snap.Check(t, 10*time.Second)
		checkGone(t, "after Close", seen)
	}()

	manifest := fmt.Sprintf(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: informational/web:1
        command: [%q, pid, http, "8080", "-", sleep, forever]
        ports: [{name: http, containerPort: 8080}]
        readinessProbe:
          httpGet: {path: /, port: http}
          periodSeconds: 1
          timeoutSeconds: 20
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
`, helper)
	objs, _, err := workload.Decode([]byte(manifest), "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if _, err := c.Apply(o); err != nil {
			t.Fatal(err)
		}
	}
	waitStore(t, w, "two ready web pods", func() bool {
		ps, _ := c.Pods("default", "app=web")
		n := 0
		for _, p := range ps {
			if isReady(p) {
				n++
			}
		}
		return n == 2
	})
	ps, _ := c.Pods("default", "app=web")
	for _, p := range ps {
		b, err := rt.Logs(context.Background(), "default", p.Name, "web", false)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, pids(b)...)
	}
	proxy := c.Services().Proxy()
	var addr string
	waitStore(t, w, "the proxy listening for Service web", func() bool {
		addr, err = proxy.Addr("default", "web", "http")
		return err == nil
	})
	if !strings.HasPrefix(addr, "127.3.") {
		t.Errorf("Service address %s, want its loopback ClusterIP", addr)
	}
	// The pods are ready in the store; the endpoints controller puts them
	// in the picker in its next reconcile, which may come after.
	pk, err := c.Services().Picker("default", "web", "http")
	if err != nil {
		t.Fatal(err)
	}
	// Not a store change: the picker is published right after the slice
	// is written, so poll it (with a generous deadline).
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		seen := map[string]bool{}
		for range 4 {
			if ep, err := pk.Pick(); err == nil {
				seen[ep.PodName] = true
			}
		}
		if len(seen) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("both pods not in the Service's picker within 20s (%v)", seen)
		}
		<-tick.C
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	answers := map[string]int{}
	for range 6 {
		resp, err := client.Get("http://" + addr + "/")
		if err != nil {
			t.Fatalf("GET through the proxy: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		answers[string(body)]++
	}
	if len(answers) != 2 {
		t.Fatalf("answers %v: want both pods", answers)
	}
	for _, p := range ps {
		if answers[p.Name] != 3 {
			t.Errorf("answers %v: want 3 from each pod (round robin)", answers)
		}
	}
}

// waitStore waits (at most 20 s) for a store change after which cond holds.
func waitStore(t *testing.T, w *store.Watcher, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for !cond() {
		if _, err := w.Next(ctx); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
}
