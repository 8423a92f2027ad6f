package breakit_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/internal/leakcheck"
	"github.com/orchestra-go/orchestra/workload"
)

// A Job on the inproc runtime whose pod has an Envoy-style sidecar with a
// startup probe, the way Istio's native sidecar mode holds the application
// until the proxy is up: the app container starts only once the proxy
// answers, calls through it, exits 0; the proxy is then stopped, the pod
// Succeeded and the Job Complete, with nothing left running. Source:
// pkg/kubelet/kuberuntime/kuberuntime_manager.go computeInitContainerActions
// (the next container starts once a restartable init container has
// started and passed its startup probe), KEP-753.
func TestR11kInprocJobWithProxySidecar(t *testing.T) {
	snap := leakcheck.Take()
	rt, err := inproc.New(inproc.Config{Nodes: []string{"n1"}, ProbeSecond: 20 * time.Millisecond, FirstPodCIDR: testPodCIDR})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Register("envoy", func(ctx context.Context, ct *inproc.Container) error {
		l, err := ct.Listen("tcp", 15001)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "proxied") })}
		go func() { <-ctx.Done(); _ = srv.Close() }()
		if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := rt.Register("batch", func(ctx context.Context, ct *inproc.Container) error {
		cl := &http.Client{Timeout: 5 * time.Second}
		resp, err := cl.Get("http://" + net.JoinHostPort(ct.PodIP(), "15001") + "/")
		if err != nil {
			return inproc.Exit(3) // the proxy was not up when the app started
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "proxied" {
			return inproc.Exit(4)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	c, err := orchestra.New(orchestra.Config{Runtime: rt, Seed: 1})
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
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  backoffLimit: 0
  template:
    metadata: {labels: {app: migrate}}
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 5
      initContainers:
      - name: istio-proxy
        image: func://envoy
        restartPolicy: Always
        startupProbe: {httpGet: {path: /, port: 15001}, periodSeconds: 1, failureThreshold: 100}
      containers: [{name: migrate, image: func://batch}]
`)
	w, err := c.Watch("")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	deadline := time.After(30 * time.Second)
	var job *workload.Job
	for {
		o, err := c.Get("Job", "default", "migrate")
		if err != nil {
			t.Fatal(err)
		}
		job = o.(*workload.Job)
		if jobCond(job, workload.JobComplete) != nil || jobCond(job, workload.JobFailed) != nil {
			break
		}
		select {
		case <-w.Ready():
			for {
				if _, ok := w.TryNext(); !ok {
					break
				}
			}
		case <-deadline:
			t.Fatalf("Job not finished within 30s: %+v", job.Status)
		}
	}
	if jobCond(job, workload.JobComplete) == nil || job.Status.Succeeded != 1 || job.Status.Failed != 0 {
		t.Fatalf("Job status %+v, want Complete with 1 succeeded", job.Status)
	}
	ps := pods(t, c, "app=migrate")
	if len(ps) != 1 {
		t.Fatalf("%d pods", len(ps))
	}
	p := ps[0]
	side := r11kInitStatus(p, "istio-proxy")
	if p.Status.Phase != workload.PodSucceeded || side.State.Terminated == nil || side.RestartCount != 0 {
		t.Fatalf("pod %s, proxy %+v: want Succeeded and the proxy stopped once", p.Status.Phase, side)
	}
	if m := p.Status.ContainerStatuses[0].State.Terminated; m == nil || m.ExitCode != 0 {
		t.Fatalf("migrate %+v, want exit 0", p.Status.ContainerStatuses[0].State)
	}
}
