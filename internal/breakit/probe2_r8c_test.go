package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/fake"
)

func ptrD(d time.Duration) *time.Duration { return &d }

func TestProbeCrashTimings(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p, annotations: {sim.orchestra.dev/run-for: 1s, sim.orchestra.dev/exit-code: "1"}}
spec:
  containers: [{name: c, image: x}]
`)
	for i := 0; i < 40; i++ {
		advance(t, c, time.Second)
		p := r3getPod(t, c, "p")
		cs := p.Status.ContainerStatuses[0]
		st := "running"
		if cs.State.Waiting != nil {
			st = cs.State.Waiting.Reason + " " + cs.State.Waiting.Message
		} else if cs.State.Terminated != nil {
			st = "term " + cs.State.Terminated.Reason
		}
		t.Logf("t=%ds phase %s restarts %d %s ready=%v", i+1, p.Status.Phase, cs.RestartCount, st, cs.Ready)
	}
}

func TestProbeInitFail(t *testing.T) {
	c := newClusterB(t, []fake.Behavior{{Match: fake.Match{Image: "bad"}, ExitCode: 2, RunFor: ptrD(time.Millisecond)}}, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  restartPolicy: Never
  initContainers:
  - {name: i1, image: ok}
  - {name: i2, image: bad}
  - {name: i3, image: ok}
  containers: [{name: c, image: x}]
`)
	advance(t, c, time.Second)
	p := r3getPod(t, c, "p")
	t.Logf("phase %s reason %q", p.Status.Phase, p.Status.Reason)
	for _, cd := range p.Status.Conditions {
		t.Logf("cond %s %s %q %q", cd.Type, cd.Status, cd.Reason, cd.Message)
	}
	for _, cs := range p.Status.InitContainerStatuses {
		t.Logf("init %s %+v %+v", cs.Name, cs.State.Waiting, cs.State.Terminated)
	}
	for _, cs := range p.Status.ContainerStatuses {
		t.Logf("ctr %s %+v %+v", cs.Name, cs.State.Waiting, cs.State.Terminated)
	}
}
