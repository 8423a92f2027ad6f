//go:build linux

package breakit_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/internal/leakcheck"
	"github.com/orchestra-go/orchestra/process"
	"github.com/orchestra-go/orchestra/workload"
)

// r8bSleepers returns the pids of this process's children that run
// "sleep 8765".
func r8bSleepers(t *testing.T) []int {
	t.Helper()
	var out []int
	me := strconv.Itoa(os.Getpid())
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmd, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !strings.Contains(string(cmd), "8765") || !strings.HasPrefix(string(cmd), "sleep") {
			continue
		}
		st, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		f := strings.Fields(string(st[strings.LastIndexByte(string(st), ')')+1:]))
		if len(f) > 1 && f[1] == me {
			pid, _ := strconv.Atoi(filepath.Base(d))
			out = append(out, pid)
		}
	}
	return out
}

// The process runtime shut down while a Deployment scales up to 20 pods
// and down again (pods being started, stopped and deleted at that very
// moment) kills and reaps every process and leaves no goroutine.
func TestR8bProcessShutdownUnderLoad(t *testing.T) {
	snap := leakcheck.Take()
	rt, err := process.New(process.Config{Nodes: []string{"n1", "n2"}, FirstPodCIDR: testPodCIDR})
	if err != nil {
		t.Fatal(err)
	}
	c, err := orchestra.New(orchestra.Config{Runtime: rt, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- c.Run(ctx) }()
	dep := func(n int) string {
		return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: sleepers}
spec:
  replicas: ` + strconv.Itoa(n) + `
  selector: {matchLabels: {app: s}}
  template:
    metadata: {labels: {app: s}}
    spec: {terminationGracePeriodSeconds: 30, containers: [{name: s, image: sleep, command: [sleep, "8765"]}]}`
	}
	applyYAML(t, c, dep(20))
	w, err := c.Watch("Pod")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.After(30 * time.Second)
	for running := 0; running < 10; {
		select {
		case <-w.Ready():
			for {
				if _, ok := w.TryNext(); !ok {
					break
				}
			}
		case <-deadline:
			t.Fatalf("%d pods running after 30s, want 10", running)
		}
		running = 0
		ps, _ := c.Pods("default", "app=s")
		for _, p := range ps {
			if p.Status.Phase == workload.PodRunning {
				running++
			}
		}
	}
	w.Stop()
	if n := len(r8bSleepers(t)); n < 10 {
		t.Fatalf("%d sleep processes seen with 10 pods running", n)
	}
	applyYAML(t, c, dep(3)) // pods stopping (30 s grace) while others still start
	sctx, stop := context.WithTimeout(context.Background(), 20*time.Second)
	defer stop()
	if err := rt.Shutdown(sctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if left := r8bSleepers(t); len(left) > 0 {
		t.Errorf("processes left after Shutdown: %v", left)
	}
	cancel()
	select {
	case <-ran:
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return")
	}
	c.Close()
	snap.Check(t, 20*time.Second)
}
