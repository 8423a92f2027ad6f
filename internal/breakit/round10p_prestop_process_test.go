//go:build linux

package breakit_test

import (
	"context"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/process"
	"github.com/orchestra-go/orchestra/workload"
)

// TestR10pProcessPreStopExec: a process container's preStop exec hook
// runs in the container (its working directory) before the process gets
// SIGTERM: the process, on SIGTERM, finds the file the hook wrote and
// exits 3 (4 if the hook had not run).
func TestR10pProcessPreStopExec(t *testing.T) {
	c, rt, wait := r10pProcessCluster(t, process.Config{FirstPodCIDR: testPodCIDRAt(116), WorkingDir: t.TempDir()}, "sleep 8769")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: hook}
spec:
  terminationGracePeriodSeconds: 60
  containers:
  - name: s
    image: sh
    command: [sh, -c, "trap 'if [ -f prestop-ran ]; then exit 3; fi; exit 4' TERM; echo up; while :; do sleep 8769 & wait $!; done"]
    lifecycle: {preStop: {exec: {command: [sh, -c, "echo $POD_NAME > prestop-ran"]}}}
`)
	wait("up", func() bool {
		b, err := rt.Logs(context.Background(), "default", "hook", "s", false)
		return err == nil && string(b) == "up\n"
	})
	w, err := rt.Watch(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if err := c.Delete("Pod", "default", "hook", ""); err != nil {
		t.Fatal(err)
	}
	var last *workload.ContainerStateTerminated
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		ev, err := w.Next(ctx)
		if err != nil {
			t.Fatalf("the pod did not go: %v", err)
		}
		p, ok := ev.Object.(*workload.Pod)
		if !ok {
			continue
		}
		if term := p.Status.ContainerStatuses[0].State.Terminated; term != nil {
			last = term
		}
		if ev.Type == workload.Deleted {
			break
		}
	}
	if last == nil || last.ExitCode != 3 {
		t.Errorf("last state %+v, want exit 3: the preStop hook ran before SIGTERM", last)
	}
}
