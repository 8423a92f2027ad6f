package fake

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra/workload"
)

// TestContainerOpErrorTexts: KillContainer, SetContainerReady and Logs say,
// for a pod the runtime does not have, that pods reach it once the cluster
// has scheduled them (the usual slip: calling them right after Apply), and
// for a container the pod does not have, which containers it has. The
// sentinels stay the same.
func TestContainerOpErrorTexts(t *testing.T) {
	h := newHarness(t, Config{})
	p := newPod("web", workload.RestartPolicyAlways, nil, "nginx", "sidecar")
	p.Spec.InitContainers = []workload.Container{{Name: "setup", Image: "busybox"}}
	h.create(p)
	h.at(0)

	calls := map[string]func(pod, ctr string) error{
		"KillContainer":     func(pod, ctr string) error { return h.r.KillContainer("default", pod, ctr, 1) },
		"SetContainerReady": func(pod, ctr string) error { return h.r.SetContainerReady("default", pod, ctr, false) },
		"Logs": func(pod, ctr string) error {
			_, err := h.r.Logs(context.Background(), "default", pod, ctr, false)
			return err
		},
	}
	for name, call := range calls {
		err := call("nope", "c0")
		if !errors.Is(err, workload.ErrPodNotFound) || !strings.Contains(err.Error(), "Pod/default/nope") ||
			!strings.Contains(err.Error(), "once the cluster") {
			t.Errorf("%s of a pod the runtime does not have: %v, want ErrPodNotFound naming the pod and saying when pods arrive", name, err)
		}
		err = call("web", "nginx")
		want := `fake: Pod/default/web: container "nginx" (its containers: "setup", "c0", "c1"): fake: container not found`
		if !errors.Is(err, ErrContainerNotFound) || err.Error() != want {
			t.Errorf("%s of a container the pod does not have:\n got %v\nwant %s", name, err, want)
		}
	}
}

// TestMatchImageGlobStopsAtSlash: what Match.Image's doc says of its *.
func TestMatchImageGlobStopsAtSlash(t *testing.T) {
	for _, tc := range []struct {
		glob, image string
		want        bool
	}{
		{"nginx*", "nginx:1.27", true},
		{"nginx*", "docker.io/library/nginx:1.27", false},
		{"*nginx*", "docker.io/library/nginx:1.27", false},
		{"*/*/nginx*", "docker.io/library/nginx:1.27", true},
	} {
		r := &rule{b: Behavior{Match: Match{Image: tc.glob}}}
		got := r.matches(&workload.Pod{}, &workload.Container{Image: tc.image})
		if got != tc.want {
			t.Errorf("Match{Image: %q} on %q: %v, want %v", tc.glob, tc.image, got, tc.want)
		}
	}
}
