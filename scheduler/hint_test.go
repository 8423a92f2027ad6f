package scheduler

import (
	"testing"

	"github.com/orchestra-go/orchestra/workload"
)

// BoundPodMayHelp follows kube-scheduler's queueing hints for pod events
// (interpodaffinity and podtopologyspread isSchedulableAfterPodChange).
func TestBoundPodMayHelp(t *testing.T) {
	snap := snapshot(t, threeNodes())
	aff := mkPod("w", podLabels("app", "w"), requiredAffinity(affTerm("zone", "app", "cache")))
	anti := mkPod("w", podLabels("app", "w"), requiredAnti(affTerm("zone", "app", "w")))
	spr := mkPod("w", podLabels("app", "w"), spread(1, "zone", workload.DoNotSchedule, "w"))
	cache := mkPod("c", podLabels("app", "cache"), onNode("a"))
	other := mkPod("o", podLabels("app", "other"), onNode("a"))
	peer := mkPod("p", podLabels("app", "w"), onNode("a"))
	unbound := mkPod("u", podLabels("app", "cache"))
	elsewhere := mkPod("e", podLabels("app", "w"), onNode("a"), inNamespace("other"))
	for _, tc := range []struct {
		name     string
		pod      *workload.Pod
		old, cur *workload.Pod
		want     bool
	}{
		{"affinity: a matching pod bound", aff, nil, cache, true},
		{"affinity: another pod bound", aff, nil, other, false},
		{"affinity: a matching pod not bound yet", aff, nil, unbound, false},
		{"affinity: relabelled to match", aff, other, cache, true},
		{"affinity: relabelled away", aff, cache, other, false},
		{"anti-affinity: a pod bound never helps", anti, nil, other, false},
		{"anti-affinity: relabelled away from its terms", anti, peer, other, true},
		{"anti-affinity: relabelled into its terms", anti, other, peer, false},
		{"spread: a selected pod bound", spr, nil, peer, true},
		{"spread: another pod bound", spr, nil, other, false},
		{"spread: a selected pod in another namespace", spr, nil, elsewhere, false},
		{"spread: relabelled out of the selector", spr, peer, other, true},
		{"spread: relabelled, selected either way", spr, peer, peer, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := BoundPodMayHelp(podInfo(t, tc.pod), tc.old, tc.cur, snap); got != tc.want {
				t.Fatalf("BoundPodMayHelp = %v, want %v", got, tc.want)
			}
		})
	}
	if BoundPodMayHelp(nil, nil, cache, snap) || BoundPodMayHelp(podInfo(t, aff), nil, nil, snap) {
		t.Fatal("nil pods help")
	}
}
