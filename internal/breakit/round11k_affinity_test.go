package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
)

// r11kBoundTo returns the node of pod name in the default namespace.
func r11kBoundTo(t *testing.T, c *orchestra.Cluster, name string) string {
	t.Helper()
	for _, p := range pods(t, c, "") {
		if p.Name == name {
			return p.Spec.NodeName
		}
	}
	t.Fatalf("no pod %s", name)
	return ""
}

func r11kPod(name, labels, nodeName, extra string) string {
	y := "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", labels: {" + labels + "}}\nspec:\n"
	if nodeName != "" {
		y += "  nodeSelector: {kubernetes.io/hostname: " + nodeName + "}\n"
	}
	return y + extra + "  containers: [{name: c, image: nginx}]\n"
}

// A pod Pending for its required pod affinity is tried again as soon as
// a bound pod's labels change to match its terms, not at the five-minute
// flush: kube-scheduler's InterPodAffinity registers Pod/UpdatePodLabel
// and its queueing hint (isSchedulableAfterPodChange) requeues the pod
// when the updated pod now matches all its affinity terms; likewise a pod
// Pending for its required anti-affinity when a bound pod's labels stop
// matching its terms, and a pod Pending for a spread constraint
// (PodTopologySpread registers Pod/UpdatePodLabel too). Source:
// pkg/scheduler/framework/plugins/interpodaffinity/plugin.go
// EventsToRegister, isSchedulableAfterPodChange;
// podtopologyspread/plugin.go EventsToRegister.
func TestR11kRelabelledPodRequeuesAffinity(t *testing.T) {
	c := newCluster(t, "a", "b")
	applyYAML(t, c, r11kPod("cache", "app: other", "a", ""))
	applyYAML(t, c, r11kPod("web", "app: web", "", `  affinity:
    podAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchLabels: {app: cache}}
        topologyKey: kubernetes.io/hostname
`))
	advance(t, c, 10*time.Second)
	if n := r11kBoundTo(t, c, "web"); n != "" {
		t.Fatalf("web bound to %s with no cache pod anywhere", n)
	}
	applyYAML(t, c, r11kPod("cache", "app: cache", "a", ""))
	advance(t, c, time.Second)
	if n := r11kBoundTo(t, c, "web"); n != "a" {
		t.Fatalf("a second after the cache pod got its label, web is on %q, want a", n)
	}
}

func TestR11kRelabelledPodRequeuesAntiAffinity(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, r11kPod("web-1", "app: web", "", ""))
	advance(t, c, time.Second)
	applyYAML(t, c, r11kPod("web-2", "app: web", "", `  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchLabels: {app: web}}
        topologyKey: kubernetes.io/hostname
`))
	advance(t, c, 10*time.Second)
	if n := r11kBoundTo(t, c, "web-2"); n != "" {
		t.Fatalf("web-2 bound to %s beside web-1", n)
	}
	applyYAML(t, c, r11kPod("web-1", "app: debug", "", ""))
	advance(t, c, time.Second)
	if n := r11kBoundTo(t, c, "web-2"); n != "a" {
		t.Fatalf("a second after web-1 lost its app=web label, web-2 is on %q, want a", n)
	}
}

func TestR11kRelabelledPodRequeuesSpread(t *testing.T) {
	c := newCluster(t, "a", "b")
	applyYAML(t, c, r11kPod("w-1", "app: w", "a", ""))
	applyYAML(t, c, r11kPod("w-2", "app: w", "a", ""))
	advance(t, c, time.Second)
	spread := `  nodeSelector: {kubernetes.io/hostname: a}
  topologySpreadConstraints:
  - {maxSkew: 2, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, nodeAffinityPolicy: Ignore, labelSelector: {matchLabels: {app: w}}}
`
	applyYAML(t, c, r11kPod("w-3", "app: w", "", spread))
	advance(t, c, 10*time.Second)
	if n := r11kBoundTo(t, c, "w-3"); n != "" {
		t.Fatalf("w-3 bound to %s: a skew of 3 over b's 0 pods", n)
	}
	applyYAML(t, c, r11kPod("w-1", "app: gone", "a", ""))
	advance(t, c, time.Second)
	if n := r11kBoundTo(t, c, "w-3"); n != "a" {
		t.Fatalf("a second after w-1 left the group, w-3 is on %q, want a", n)
	}
}

// A pod Pending for its required pod affinity is not tried again for
// every pod bound, only for one that matches all its affinity terms
// (kube-scheduler's queueing hint, isSchedulableAfterPodChange: "a
// scheduled pod was added and it doesn't match the target pod's affinity"
// is QueueSkip): ten unrelated pods bound leave its single
// FailedScheduling event alone; the cache pod it waits for lets it on at
// once. Likewise a spread-constrained pod ignores pods its constraints do
// not select.
func TestR11kWaitingPodRequeuedOnlyForMatchingPods(t *testing.T) {
	c := newCluster(t, "a", "b")
	applyYAML(t, c, r11kPod("web", "app: web", "", `  affinity:
    podAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchLabels: {app: cache}}
        topologyKey: kubernetes.io/hostname
`))
	advance(t, c, 10*time.Second)
	applyYAML(t, c, `apiVersion: apps/v1
kind: Deployment
metadata: {name: other}
spec:
  replicas: 10
  selector: {matchLabels: {app: other}}
  template:
    metadata: {labels: {app: other}}
    spec:
      containers: [{name: c, image: nginx}]
`)
	advance(t, c, 10*time.Second)
	failed := func() int32 {
		var n int32
		for _, e := range c.Events() {
			if e.Reason == "FailedScheduling" && e.InvolvedObject.Name == "web" {
				n += e.Count
			}
		}
		return n
	}
	if n := failed(); n != 1 {
		t.Errorf("web failed scheduling %d times, want once: pods its affinity does not select were bound", n)
	}
	if n := r11kBoundTo(t, c, "web"); n != "" {
		t.Fatalf("web bound to %s with no cache pod", n)
	}
	applyYAML(t, c, r11kPod("cache", "app: cache", "b", ""))
	advance(t, c, time.Second)
	if n := r11kBoundTo(t, c, "web"); n != "b" {
		t.Fatalf("a second after the cache pod was bound to b, web is on %q, want b", n)
	}
}

// A pod Pending for its required anti-affinity, deleted: it is gone at
// once (no kubelet holds it), and nothing that would have let it on
// later (its blocker relabelled, its blocker deleted) brings it back or
// gives it another FailedScheduling event.
func TestR11kPendingAntiAffinityPodDeleted(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, r11kPod("web-1", "app: web", "", ""))
	advance(t, c, time.Second)
	applyYAML(t, c, r11kPod("web-2", "app: web", "", `  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchLabels: {app: web}}
        topologyKey: kubernetes.io/hostname
`))
	advance(t, c, 10*time.Second)
	if err := c.DeletePod("default", "web-2", nil); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	events := func() int32 {
		var n int32
		for _, e := range c.Events() {
			if e.Reason == "FailedScheduling" && e.InvolvedObject.Name == "web-2" {
				n += e.Count
			}
		}
		return n
	}
	before := events()
	applyYAML(t, c, r11kPod("web-1", "app: debug", "", ""))
	advance(t, c, time.Second)
	if err := c.DeletePod("default", "web-1", nil); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 10*time.Minute)
	for _, p := range pods(t, c, "") {
		if p.Name == "web-2" {
			t.Fatalf("web-2 is back (node %q) after its deletion", p.Spec.NodeName)
		}
	}
	if n := events(); n != before {
		t.Errorf("web-2 had %d more FailedScheduling events after its deletion", n-before)
	}
}
