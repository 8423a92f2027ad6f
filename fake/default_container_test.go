package fake

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// KillContainer and SetContainerReady given no container name act on the
// pod's default container, as kubectl picks it: the one the
// kubectl.kubernetes.io/default-container annotation names, else the
// first app container.
func TestContainerOpsDefaultContainer(t *testing.T) {
	h := newHarness(t, Config{})
	h.create(newPod("plain", workload.RestartPolicyAlways, nil, "app", "helper"))
	h.create(newPod("annotated", workload.RestartPolicyAlways, map[string]string{"kubectl.kubernetes.io/default-container": "c1"}, "app", "helper"))
	h.at(time.Second)
	h.must(h.r.KillContainer("default", "plain", "", 1))
	h.must(h.r.KillContainer("default", "annotated", "", 1))
	h.at(time.Minute)
	restarts := func(pod string) [2]int32 {
		cs := h.pod(pod).Status.ContainerStatuses
		return [2]int32{cs[0].RestartCount, cs[1].RestartCount}
	}
	if got := restarts("plain"); got != [2]int32{1, 0} {
		t.Errorf("plain: restarts c0, c1 = %v, want [1 0] (the first app container)", got)
	}
	if got := restarts("annotated"); got != [2]int32{0, 1} {
		t.Errorf("annotated: restarts c0, c1 = %v, want [0 1] (the annotation's container)", got)
	}
	h.must(h.r.SetContainerReady("default", "annotated", "", false))
	for _, cs := range h.pod("annotated").Status.ContainerStatuses {
		if want := cs.Name != "c1"; cs.Ready != want {
			t.Errorf("annotated: container %s ready %v, want %v", cs.Name, cs.Ready, want)
		}
	}
	// An annotation naming no container falls back to the first.
	h.create(newPod("stale", workload.RestartPolicyAlways, map[string]string{"kubectl.kubernetes.io/default-container": "gone"}, "app"))
	h.at(2 * time.Minute)
	h.must(h.r.KillContainer("default", "stale", "", 1))
	h.at(3 * time.Minute)
	if got := h.ctr("stale").RestartCount; got != 1 {
		t.Errorf("stale: restarts %d, want 1", got)
	}
}
