package controller

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// DefaultTerminatedPodThreshold is how many terminated pods (phase
// Succeeded or Failed) the pod garbage collector lets the cluster keep:
// Kubernetes' --terminated-pod-gc-threshold default, 12500.
const DefaultTerminatedPodThreshold = 12500

// PodGCConfig configures the pod garbage collector. Its zero value is
// Kubernetes' default.
type PodGCConfig struct {
	// TerminatedPodThreshold is how many terminated pods may exist before
	// the oldest are deleted (kube-controller-manager's
	// --terminated-pod-gc-threshold); 0 means
	// DefaultTerminatedPodThreshold, a negative value turns the collection
	// of terminated pods off (as a threshold <= 0 does in Kubernetes).
	TerminatedPodThreshold int
}

// podGC deletes terminated pods above the threshold, as Kubernetes' pod
// garbage collector (pkg/controller/podgc gcTerminated): when more than
// TerminatedPodThreshold pods are Succeeded or Failed (those being deleted
// count too), the surplus is force-deleted (grace period 0), evicted pods
// (Failed, reason Evicted) first, then the oldest by creationTimestamp, then
// by name. Unlike Kubernetes, which looks every 20 s, it acts as soon as a
// pod's change takes the count over the threshold. (Pods on nodes that are
// gone are the node lifecycle controller's; an unscheduled pod is deleted
// at once when asked, so none is left terminating.)
type podGC struct {
	deps      Deps
	threshold int
	// terminated holds the store keys of the terminated pods.
	terminated map[string]struct{}
}

// NewPodGC returns the pod garbage collector with Kubernetes' default
// threshold of terminated pods (DefaultTerminatedPodThreshold).
func NewPodGC(deps Deps) Controller {
	return &podGC{deps: deps, threshold: DefaultTerminatedPodThreshold}
}

// NewPodGCWith returns a maker of the pod garbage collector configured by
// cfg, to put in place of NewPodGC among a cluster's controllers.
func NewPodGCWith(cfg PodGCConfig) func(Deps) Controller {
	t := cfg.TerminatedPodThreshold
	if t == 0 {
		t = DefaultTerminatedPodThreshold
	}
	return func(deps Deps) Controller { return &podGC{deps: deps, threshold: t} }
}

// Name returns "pod-garbage-collector".
func (g *podGC) Name() string { return "pod-garbage-collector" }

const podGCKey = "terminated"

// Start counts the terminated pods.
func (g *podGC) Start(enqueue func(string)) {
	g.terminated = map[string]struct{}{}
	if g.threshold < 0 {
		return
	}
	for _, o := range g.deps.Store.List("Pod", "", nil) {
		if IsPodTerminal(o.(*workload.Pod)) {
			g.terminated[workload.Key(o)] = struct{}{}
		}
	}
	if len(g.terminated) > g.threshold {
		enqueue(podGCKey)
	}
}

// Handle keeps the count of terminated pods.
func (g *podGC) Handle(ev store.Event, enqueue func(string)) {
	if g.threshold < 0 {
		return
	}
	p, ok := ev.Object.(*workload.Pod)
	if !ok {
		return
	}
	key := ev.ObjectKey()
	if ev.Type == store.Deleted || !IsPodTerminal(p) {
		delete(g.terminated, key)
		return
	}
	g.terminated[key] = struct{}{}
	if len(g.terminated) > g.threshold {
		enqueue(podGCKey)
	}
}

// Reconcile deletes the surplus of terminated pods.
func (g *podGC) Reconcile(ctx context.Context, key string) (Result, error) {
	n := len(g.terminated) - g.threshold
	if g.threshold < 0 || n <= 0 {
		return Result{}, nil
	}
	pods := make([]*workload.Pod, 0, len(g.terminated))
	for k := range g.terminated {
		ns, name, _ := strings.Cut(k, "/")
		o, err := g.deps.Store.Peek("Pod", ns, name)
		if err != nil {
			continue
		}
		if p := o.(*workload.Pod); IsPodTerminal(p) {
			pods = append(pods, p)
		}
	}
	n = min(n, len(pods))
	sort.Slice(pods, func(i, j int) bool {
		a, b := pods[i], pods[j]
		if ea, eb := podEvicted(a), podEvicted(b); ea != eb {
			return ea
		}
		if !a.CreationTimestamp.Equal(b.CreationTimestamp.Time) {
			return a.CreationTimestamp.Before(b.CreationTimestamp.Time)
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	zero := int64(0)
	for _, p := range pods[:n] {
		if err := DeletePod(g.deps.Store, p.Namespace, p.Name, &zero); err != nil {
			return Result{}, fmt.Errorf("pod gc: delete terminated pod %s/%s: %w", p.Namespace, p.Name, err)
		}
	}
	return Result{}, nil
}

// podEvicted reports whether the kubelet evicted p (Kubernetes'
// eviction.PodIsEvicted: Failed, reason Evicted).
func podEvicted(p *workload.Pod) bool {
	return p.Status.Phase == workload.PodFailed && p.Status.Reason == "Evicted"
}
