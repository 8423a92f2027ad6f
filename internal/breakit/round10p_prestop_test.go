package breakit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// TestR10pPreStopSleepBeforeSIGTERM: a container's preStop hook runs
// before it is asked to stop, its time counted in the grace period, as
// the kubelet's killContainer runs executePreStopHook before
// StopContainer: with a preStop sleep of 5 s the function's context is
// cancelled (SIGTERM) 5 s after the deletion, not at once. On a virtual
// clock.
func TestR10pPreStopSleepBeforeSIGTERM(t *testing.T) {
	clock := vtime.NewVirtual(t0)
	e := r10pNewInproc(t, inproc.Config{Clock: clock, FirstPodCIDR: testPodCIDRAt(115)})
	started := make(chan context.Context, 1)
	e.rt.Register("svc", func(ctx context.Context, c *inproc.Container) error {
		started <- ctx
		<-ctx.Done()
		return nil
	})
	e.create(r10pPod("ps", workload.RestartPolicyAlways, workload.Container{Name: "c", Image: inproc.Image("svc"),
		Lifecycle: &workload.Lifecycle{PreStop: &workload.LifecycleHandler{Sleep: &workload.SleepAction{Seconds: 5}}}}))
	clock.Advance(0)
	runCtx := <-started
	e.waitPod("ps", "running", func(p *workload.Pod) bool { return r10pCS(p).State.Running != nil })
	if err := e.rt.DeletePod(context.Background(), "default", "ps", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	clock.Advance(4 * time.Second)
	if runCtx.Err() != nil { // Stop cancels it synchronously
		t.Fatal("the container was asked to stop before its preStop sleep ended")
	}
	clock.Advance(time.Second)
	e.waitPod("ps", "gone", func(p *workload.Pod) bool { return p == nil })
	if runCtx.Err() == nil {
		t.Error("the container was never asked to stop")
	}
}

// TestR10pPreStopValidated: a preStop hook has one handler, and a sleep
// of at most the pod's terminationGracePeriodSeconds, as Kubernetes'
// validateLifecycleHandler and validateSleepAction.
func TestR10pPreStopValidated(t *testing.T) {
	c := newCluster(t, "n1")
	for _, tc := range []struct{ spec, path string }{
		{`{terminationGracePeriodSeconds: 10, containers: [{name: c, image: x, lifecycle: {preStop: {sleep: {seconds: 11}}}}]}`, "spec.containers[0].lifecycle.preStop.sleep"},
		{`{containers: [{name: c, image: x, lifecycle: {preStop: {sleep: {seconds: -1}}}}]}`, "spec.containers[0].lifecycle.preStop.sleep"},
		{`{containers: [{name: c, image: x, lifecycle: {preStop: {}}}]}`, "spec.containers[0].lifecycle.preStop"},
		{`{containers: [{name: c, image: x, lifecycle: {preStop: {exec: {command: [x]}, sleep: {seconds: 1}}}}]}`, "spec.containers[0].lifecycle.preStop"},
		{`{containers: [{name: c, image: x, lifecycle: {preStop: {exec: {}}}}]}`, "spec.containers[0].lifecycle.preStop.exec.command"},
	} {
		objs, _, err := workload.Decode([]byte("apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec: "+tc.spec+"\n"), "bad.yaml")
		if err != nil {
			t.Fatalf("%s: %v", tc.spec, err)
		}
		_, err = c.Apply(objs[0])
		var ve *workload.ValidationError
		if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Path != tc.path {
			t.Errorf("%s: Apply = %v, want one error at %s", tc.spec, err, tc.path)
		}
	}
	objs, _, err := workload.Decode([]byte("apiVersion: v1\nkind: Pod\nmetadata: {name: good}\nspec: {containers: [{name: c, image: x, lifecycle: {preStop: {sleep: {seconds: 30}}}}]}\n"), "good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(objs[0]); err != nil {
		t.Errorf("a 30 s preStop sleep with the default grace period: %v", err)
	}
}
