package inproc_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/internal/leakcheck"
	"github.com/orchestra-go/orchestra/runtimetest"
	"github.com/orchestra-go/orchestra/workload"
)

// behave is the conformance suite's container: it runs for RUN_FOR, then
// exits EXIT_CODE; with IGNORE_STOP it does not return when asked to stop
// (only release, closed when the test ends, lets it go).
func behave(release <-chan struct{}) inproc.Func {
	return func(ctx context.Context, c *inproc.Container) error {
		runFor, _ := time.ParseDuration(c.Getenv("RUN_FOR"))
		code, _ := strconv.Atoi(c.Getenv("EXIT_CODE"))
		stop := ctx.Done()
		if c.Getenv("IGNORE_STOP") == "true" {
			stop = release
		}
		var done <-chan time.Time
		if runFor > 0 {
			t := time.NewTimer(runFor)
			defer t.Stop()
			done = t.C
		}
		select {
		case <-done:
			return inproc.Exit(int32(code))
		case <-stop:
			return ctx.Err()
		}
	}
}

// behaving is a container named name that runs behave as b says.
func behaving(name string, b runtimetest.Behavior) workload.Container {
	return workload.Container{
		Name: name, Image: inproc.Image("behave"),
		Env: []workload.EnvVar{
			{Name: "RUN_FOR", Value: b.RunFor.String()},
			{Name: "EXIT_CODE", Value: strconv.Itoa(int(b.ExitCode))},
			{Name: "IGNORE_STOP", Value: strconv.FormatBool(b.IgnoreStop)},
		},
	}
}

// TestConformance runs the runtime conformance suite on inproc in real
// time.
func TestConformance(t *testing.T) {
	runtimetest.Run(t, func(t *testing.T) *runtimetest.Harness {
		snap := leakcheck.Take()
		rt, err := inproc.New(inproc.Config{Nodes: []string{"node-a"}, FirstPodCIDR: testPodCIDR, BackoffBase: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		release := make(chan struct{})
		t.Cleanup(func() { snap.Check(t, 10*time.Second) })
		t.Cleanup(rt.Close)
		t.Cleanup(func() { close(release) })
		if err := rt.Register("behave", behave(release)); err != nil {
			t.Fatal(err)
		}
		return &runtimetest.Harness{
			Runtime:     rt,
			Node:        "node-a",
			Tick:        50 * time.Millisecond,
			BackoffBase: 100 * time.Millisecond,
			Timeout:     20 * time.Second,
			Sidecar:     behaving,
			Pod: func(name, restart string, b runtimetest.Behavior) *workload.Pod {
				return &workload.Pod{
					ObjectMeta: workload.ObjectMeta{Name: name},
					Spec:       workload.PodSpec{Containers: []workload.Container{behaving("main", b)}},
				}
			},
		}
	})
}
