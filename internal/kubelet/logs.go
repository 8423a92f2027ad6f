package kubelet

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/orchestra-go/orchestra/workload"
)

// ring keeps the last max bytes written to it.
type ring struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func newRing(max int) *ring { return &ring{max: max} }

// Write appends p, dropping the oldest bytes past the bound. It never
// fails.
func (r *ring) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(p)
	if len(p) >= r.max {
		r.buf = append(r.buf[:0], p[len(p)-r.max:]...)
		return n, nil
	}
	if over := len(r.buf) + len(p) - r.max; over > 0 {
		r.buf = append(r.buf[:0], r.buf[over:]...)
	}
	r.buf = append(r.buf, p...)
	return n, nil
}

func (r *ring) bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.buf)
}

// Logs returns what the named (init or app) container wrote, stdout and
// stderr interleaved, as kubectl logs: the current run, or while it waits
// to restart the last one; previous asks for the run the container's
// lastState describes, as the kubelet's validateContainerLogStatus does:
// the run before the current one, or while the container waits to
// restart (CrashLoopBackOff) the run that just ended. At most
// Config.LogLimit bytes per run are kept, the last ones. It fails with an
// error wrapping workload.ErrPodNotFound or ErrContainerNotFound (no such
// container, or no such run yet).
func (k *Kubelet) Logs(ctx context.Context, namespace, pod, container string, previous bool) ([]byte, error) {
	ns := normNS(namespace)
	ref := podRef(ns, pod)
	k.mu.Lock()
	if err := k.begin(ctx); err != nil {
		k.mu.Unlock()
		return nil, err
	}
	p := k.pods[ns+"/"+pod]
	if p == nil {
		k.mu.Unlock()
		return nil, fmt.Errorf("%s: %s: %w", k.name, ref, workload.ErrPodNotFound)
	}
	var r *ring
	found, waiting := false, ""
	for _, c := range p.all {
		if c.spec.Name == container {
			found = true
			if w := c.st.State.Waiting; w != nil {
				waiting = w.Reason
			}
			r = c.cur
			if previous && (c.running || c.st.State.Waiting == nil) {
				r = c.prev
			}
			if previous && c.st.LastTerminationState.Terminated == nil {
				r = nil
			}
		}
	}
	k.mu.Unlock()
	switch {
	case !found:
		return nil, fmt.Errorf("%s: %s: container %q: %w", k.name, ref, container, ErrContainerNotFound)
	case r == nil && previous:
		return nil, fmt.Errorf("%s: %s: previous terminated container %q: %w", k.name, ref, container, ErrContainerNotFound)
	case r == nil:
		// The kubelet's words for the commonest waits.
		switch waiting {
		case ReasonErrImagePull:
			waiting = "image can't be pulled"
		case ReasonImagePullBackOff:
			waiting = "trying and failing to pull image"
		}
		return nil, fmt.Errorf("%s: %s: container %q is waiting to start: %s: %w", k.name, ref, container, waiting, ErrContainerNotFound)
	}
	return r.bytes(), nil
}
