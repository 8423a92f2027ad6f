package fake

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// Logs returns synthetic logs of a container: a line when a run started
// and one when it exited, with the clock's times. previous asks for the
// run before the current one (the container's lastState). A container in
// crash-loop back-off shows its last run, as kubectl logs does. It fails
// with an error wrapping workload.ErrPodNotFound or ErrContainerNotFound
// (no such container, or no such run).
func (r *Runtime) Logs(ctx context.Context, namespace, pod, container string, previous bool) ([]byte, error) {
	ns := normNS(namespace)
	ref := podRef(ns, pod)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin(ctx); err != nil {
		return nil, r.record("Logs", ref, err)
	}
	c, err := r.container(ns, pod, container)
	if err != nil {
		return nil, r.record("Logs", ref, err)
	}
	var out []byte
	line := func(t workload.Time, msg string) {
		out = append(out, t.UTC().Format(time.RFC3339)...)
		out = append(out, ' ')
		out = append(out, msg...)
		out = append(out, '\n')
	}
	term := func(t *workload.ContainerStateTerminated) {
		line(t.StartedAt, "fake: container "+container+" started")
		line(t.FinishedAt, "fake: container "+container+" exited with code "+strconv.Itoa(int(t.ExitCode))+" ("+t.Reason+")")
	}
	st := c.st
	switch {
	case previous:
		t := st.LastTerminationState.Terminated
		if t == nil {
			return nil, r.record("Logs", ref, fmt.Errorf("fake: %s: previous terminated container %q: %w", ref, container, ErrContainerNotFound))
		}
		term(t)
	case st.State.Running != nil:
		line(st.State.Running.StartedAt, "fake: container "+container+" started")
	case st.State.Terminated != nil:
		term(st.State.Terminated)
	case st.LastTerminationState.Terminated != nil:
		term(st.LastTerminationState.Terminated)
	default:
		return nil, r.record("Logs", ref, fmt.Errorf("fake: %s: container %q is waiting to start: %w", ref, container, ErrContainerNotRunning))
	}
	r.record("Logs", ref, nil)
	return out, nil
}
