package breakit_test

import (
	"testing"
	"time"
)

// The Waiting message of a container in crash-loop back-off names the pod
// as the kubelet's format.Pod does, "<name>_<namespace>(<uid>)": "back-off
// 10s restarting failed container=c pod=p_default(<uid>)", the same words
// as the BackOff event's "in pod p_default(<uid>)". The fake (and the real
// runtimes' kubelet) left the uid out.
// Source: pkg/kubelet/kuberuntime/kuberuntime_manager.go doBackOff
// ("back-off %s restarting failed container=%s pod=%s", format.Pod(pod));
// pkg/kubelet/util/format/pod.go PodDesc ("%s_%s(%s)").
func TestR8cPodBackOffMessageNamesUID(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p, annotations: {sim.orchestra.dev/run-for: 1s, sim.orchestra.dev/exit-code: "1"}}
spec:
  containers: [{name: c, image: x}]
`)
	// Runs 0-1 s, restarts at once, runs 1-2 s, then waits 10 s.
	advance(t, c, 3*time.Second)
	p := r3getPod(t, c, "p")
	w := p.Status.ContainerStatuses[0].State.Waiting
	want := "back-off 10s restarting failed container=c pod=p_default(" + p.UID + ")"
	if w == nil || w.Reason != "CrashLoopBackOff" || w.Message != want {
		t.Fatalf("waiting %+v, want CrashLoopBackOff %q", w, want)
	}
}
