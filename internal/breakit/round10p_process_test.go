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

// r10pChildren returns the pids of this process's children whose command
// line starts with prefix.
func r10pChildren(prefix string) []int {
	var out []int
	me := strconv.Itoa(os.Getpid())
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmd, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !strings.HasPrefix(strings.ReplaceAll(string(cmd), "\x00", " "), prefix) {
			continue
		}
		st, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue
		}
		f := strings.Fields(string(st[strings.LastIndexByte(string(st), ')')+1:]))
		if len(f) > 1 && f[1] == me && f[0] != "Z" {
			pid, _ := strconv.Atoi(filepath.Base(d))
			out = append(out, pid)
		}
	}
	return out
}

// r10pProcessCluster is a cluster over a process runtime driven by Run on
// the real clock; the cleanup stops everything, checks for leaked
// goroutines and for processes left behind.
func r10pProcessCluster(t *testing.T, cfg process.Config, leftover string) (*orchestra.Cluster, *process.Runtime, func(string, func() bool)) {
	t.Helper()
	snap := leakcheck.Take()
	if cfg.Nodes == nil {
		cfg.Nodes = []string{"n1"}
	}
	if cfg.ProbeSecond == 0 {
		cfg.ProbeSecond = 50 * time.Millisecond
	}
	rt, err := process.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := orchestra.New(orchestra.Config{Runtime: rt, Seed: 1})
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
		if left := r10pChildren(leftover); len(left) > 0 {
			t.Errorf("processes left after Shutdown: %v", left)
		}
	})
	wait := func(what string, cond func() bool) {
		t.Helper()
		r5 := &r5env{t: t, c: c, w: w}
		r5.wait(what, cond)
	}
	return c, rt, wait
}

// TestR10pProcessProbedPodsStopOnSIGTERM: twenty process pods with exec
// startup, readiness and liveness probes all become ready without a
// restart; deleted, each process dies of SIGTERM long before its grace
// period (exit 143, signal 15 in its last status) and no process is left.
func TestR10pProcessProbedPodsStopOnSIGTERM(t *testing.T) {
	c, rt, wait := r10pProcessCluster(t, process.Config{FirstPodCIDR: testPodCIDRAt(109)}, "sleep 8767")
	applyYAML(t, c, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: procs}
spec:
  replicas: 20
  selector: {matchLabels: {app: procs}}
  template:
    metadata: {labels: {app: procs}}
    spec:
      terminationGracePeriodSeconds: 3600
      containers:
      - name: s
        image: sleep
        command: [sleep, "8767"]
        startupProbe: {exec: {command: ["true"]}, periodSeconds: 1}
        readinessProbe: {exec: {command: [sh, -c, "test -n \"$POD_NAME\""]}, periodSeconds: 1}
        livenessProbe: {exec: {command: ["true"]}, periodSeconds: 1}
`)
	all := func() []*workload.Pod { return pods(t, c, "app=procs") }
	wait("20 process pods ready", func() bool {
		ps := all()
		if len(ps) != 20 {
			return false
		}
		for _, p := range ps {
			if !r5ready(p) {
				return false
			}
		}
		return true
	})
	for _, p := range all() {
		if rc := p.Status.ContainerStatuses[0].RestartCount; rc != 0 {
			t.Errorf("pod %s restarted %d times", p.Name, rc)
		}
	}
	if n := len(r10pChildren("sleep 8767")); n != 20 {
		t.Errorf("%d sleep processes with 20 pods ready, want 20", n)
	}
	w, err := rt.Watch(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if err := c.Delete("Deployment", "default", "procs", "Background"); err != nil {
		t.Fatal(err)
	}
	last := map[string]*workload.ContainerStateTerminated{}
	gone := 0
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for gone < 20 {
		ev, err := w.Next(ctx)
		if err != nil {
			t.Fatalf("%d of 20 pods gone: %v", gone, err)
		}
		p, ok := ev.Object.(*workload.Pod)
		if !ok {
			continue
		}
		if term := p.Status.ContainerStatuses[0].State.Terminated; term != nil {
			last[p.Name] = term
		}
		if ev.Type == workload.Deleted {
			gone++
		}
	}
	for name, term := range last {
		if term.ExitCode != 143 || term.Signal != 15 {
			t.Errorf("pod %s ended %+v, want exit 143 by SIGTERM", name, term)
		}
	}
	if len(last) != 20 {
		t.Errorf("%d pods reported terminated, want 20", len(last))
	}
	if left := r10pChildren("sleep 8767"); len(left) > 0 {
		t.Errorf("processes left with every pod gone: %v", left)
	}
}
