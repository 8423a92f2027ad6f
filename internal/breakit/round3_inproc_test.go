package breakit_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/internal/leakcheck"
	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/workload"
)

// Services end to end on the inproc runtime: a Deployment of HTTP servers
// whose readinessProbe (httpGet /healthz) gates the endpoints; the
// proxy sends traffic only to ready pods; a pod that becomes unready
// leaves the rotation, and comes back when ready again; a deleted pod is
// replaced and traffic keeps flowing; the resolver names the ClusterIP;
// after Close no goroutine is left.
// https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes ;
// https://kubernetes.io/docs/concepts/services-networking/service/ ;
// https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
func TestR3InprocReadinessGatesProxy(t *testing.T) {
	snap := leakcheck.Take()
	var mu sync.Mutex
	unready := map[string]bool{}
	rt, err := inproc.New(inproc.Config{Nodes: []string{"n1"}, ProbeSecond: 50 * time.Millisecond, FirstPodCIDR: testPodCIDR})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Register("web", func(ctx context.Context, ct *inproc.Container) error {
		l, err := ct.Listen("tcp", 8080)
		if err != nil {
			return err
		}
		name := ct.Getenv("POD_NAME")
		mux := http.NewServeMux()
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			u := unready[name]
			mu.Unlock()
			if u {
				w.WriteHeader(503)
			}
		})
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name) })
		srv := &http.Server{Handler: mux}
		go func() { <-ctx.Done(); srv.Close() }()
		if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	c, err := orchestra.New(orchestra.Config{Runtime: rt, Seed: 1, Services: service.Config{Proxy: &service.ProxyConfig{}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- c.Run(ctx) }()
	defer func() {
		cancel()
		<-ran
		c.Close()
		rt.Close()
		snap.Check(t, 20*time.Second)
	}()
	applyYAML(t, c, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: web
        image: func://web
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1, failureThreshold: 1, timeoutSeconds: 100}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}`)

	w, err := c.Watch("")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	// wait re-checks cond after every store change (and on a slow tick,
	// for the proxy's view), failing after a generous deadline.
	wait := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.After(30 * time.Second)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for !cond() {
			select {
			case <-w.Ready():
				for {
					if _, ok := w.TryNext(); !ok {
						break
					}
				}
			case <-tick.C:
			case <-deadline:
				t.Fatalf("%s: not within 30s", what)
			}
		}
	}
	readyPods := func() []string {
		var out []string
		ps, err := c.Pods("default", "app=web")
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.DeletionTimestamp != nil {
				continue
			}
			for _, cd := range p.Status.Conditions {
				if cd.Type == workload.PodReady && cd.Status == "True" {
					out = append(out, p.Name)
				}
			}
		}
		return out
	}
	wait("two ready pods", func() bool { return len(readyPods()) == 2 })
	addr, err := c.Services().Proxy().Addr("default", "web", "http")
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	hit := func(n int) (map[string]int, int) {
		got, failed := map[string]int{}, 0
		for i := 0; i < n; i++ {
			resp, err := client.Get("http://" + addr + "/")
			if err != nil {
				failed++
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got[string(b)]++
		}
		return got, failed
	}
	wait("both pods serve through the proxy", func() bool { g, _ := hit(10); return len(g) == 2 })

	rp := readyPods()
	mu.Lock()
	unready[rp[0]] = true
	mu.Unlock()
	wait(rp[0]+" unready", func() bool { return len(readyPods()) == 1 })
	wait("endpoint removed from the picker", func() bool {
		g, _ := hit(10)
		return g[rp[0]] == 0
	})
	if g, failed := hit(20); g[rp[1]] != 20 || failed != 0 {
		t.Errorf("with %s unready: %v, %d failed; want all 20 on %s", rp[0], g, failed, rp[1])
	}
	mu.Lock()
	delete(unready, rp[0])
	mu.Unlock()
	wait(rp[0]+" ready again, back in rotation", func() bool { g, _ := hit(10); return g[rp[0]] > 0 })

	// The resolver gives the Service's ClusterIP.
	svc, err := c.Get("Service", "default", "web")
	if err != nil {
		t.Fatal(err)
	}
	ips, err := c.Resolver().LookupHost("", "web.default.svc.cluster.local")
	if err != nil || len(ips) != 1 || ips[0] != svc.(*workload.Service).Spec.ClusterIP {
		t.Errorf("LookupHost: %v %v, want [%s]", ips, err, svc.(*workload.Service).Spec.ClusterIP)
	}

	// Deleting a pod: the replacement serves, and no request fails once
	// the deleted pod is out of the endpoints.
	if err := c.DeletePod("default", rp[1], nil); err != nil {
		t.Fatal(err)
	}
	wait("replacement ready", func() bool {
		r := readyPods()
		return len(r) == 2 && r[0] != rp[1] && r[1] != rp[1]
	})
	g, failed := hit(20)
	if failed != 0 || g[rp[1]] != 0 {
		t.Errorf("after the replacement: %v, %d failed", g, failed)
	}
}
