package fake

import (
	"context"
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra/internal/podstatus"
	"github.com/orchestra-go/orchestra/workload"
)

var _ workload.PodUpdater = (*Runtime)(nil)

// UpdatePod applies an update of a pod's spec, as the kubelet syncs a pod
// whose spec changed (see workload.PodUpdater). An app container or
// sidecar that runs and whose image changed is stopped as on deletion:
// with a StopAfter (of the rule that matched the run) it exits 0 that
// long after, else it is killed (137) when the pod's
// terminationGracePeriodSeconds (at least 2 s) have passed; it then
// starts again at once with the new image, whatever the restart policy,
// its behaviour that of the rules and annotations for the new image, and
// its restartCount one more. A container waiting to start or restart
// takes the new image when it starts; one waiting out a crash-loop
// back-off starts at once (the kubelet keys the back-off by the
// container's definition), with a fresh back-off sequence. A plain init
// container that runs keeps its run (the kubelet restarts only app
// containers and sidecars whose definition changed). An
// activeDeadlineSeconds set or lowered takes effect (a deadline already
// passed fails the pod now). Nothing restarts in a pod being deleted,
// finished or past its deadline. Watchers see a Modified event with the
// new spec.
//
// As with CreatePod, the runtime keeps pod's metadata and spec without a
// copy: the caller must not change them afterwards. It fails with an
// error wrapping workload.ErrPodNotFound (no such pod, or another uid) or
// ErrInvalid (nil pod, a container added, removed, renamed or turned into
// a sidecar or back, a bad sim.orchestra.dev/* annotation), and then
// changes nothing.
func (r *Runtime) UpdatePod(ctx context.Context, pod *workload.Pod) error {
	if pod == nil {
		return r.recordUnlocked("UpdatePod", "Pod/", fmt.Errorf("%w: UpdatePod: pod is nil", ErrInvalid))
	}
	ns := normNS(pod.Namespace)
	ref := podRef(ns, pod.Name)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin(ctx); err != nil {
		return r.record("UpdatePod", ref, err)
	}
	return r.record("UpdatePod", ref, r.updatePod(pod, ns, ref))
}

func (r *Runtime) updatePod(in *workload.Pod, ns, ref string) error {
	p := r.pods[ns+"/"+in.Name]
	if p == nil || p.removeWhenBack || in.UID != "" && in.UID != p.snap.UID {
		return fmt.Errorf("fake: %s: %w", ref, workload.ErrPodNotFound)
	}
	old := &p.snap.Spec
	if !podstatus.SameContainers(old.InitContainers, in.Spec.InitContainers) || !podstatus.SameContainers(old.Containers, in.Spec.Containers) {
		return fmt.Errorf("%w: fake: %s: spec: an update may not add, remove or rename containers, nor make one a sidecar or not", ErrInvalid, ref)
	}
	o, err := parseAnnotations(in.Annotations)
	if err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	// The new snapshot: the metadata and spec given (the runtime's uid,
	// namespace and creation time kept), and the status as last reported.
	snap := new(workload.Pod)
	snap.TypeMeta = p.snap.TypeMeta
	snap.ObjectMeta, snap.Spec = in.ObjectMeta, in.Spec
	snap.Namespace, snap.UID, snap.CreationTimestamp = ns, p.snap.UID, p.snap.CreationTimestamp
	if f := p.frozen(); f != nil {
		snap.Status = *f
	} else {
		snap.Status = p.status
		p.shared = true
	}
	oldSpec := p.snap.Spec
	r.emit(workload.Modified, snap)
	p.snap, p.repVersion = snap, 0

	now := r.clock.Now()
	live := !p.terminating && !p.done && !p.pastDeadline
	changed := false
	redefine := func(specs, olds []workload.Container, cs []*container, init bool) {
		for i, c := range cs {
			if specs[i].Image == olds[i].Image {
				continue
			}
			switch {
			case c.running && live && (!init || c.side() && !p.sideStop):
				// Its definition changed: stopped now, started again
				// with the new image once it has exited (exit).
				c.flags |= flagChanged
				r.stopRun(c, now, p.grace())
				r.logInfo("container definition changed; restarting", "pod", p.key, "container", c.st.Name, "image", specs[i].Image)
			case c.running:
				// A plain init container's run, or a pod stopping: the
				// new image is for a later run, if any.
				c.b, c.rule = r.behavior(&o, snap, &specs[i], init)
			default:
				c.b, c.rule = r.behavior(&o, snap, &specs[i], init)
				if c.runs == 0 {
					c.status().Image = specs[i].Image
					changed = true
				}
				if live && !c.stopped && c.inBackOff() {
					// Waiting out a crash-loop back-off: the new
					// definition has no back-off yet.
					c.backoff = 0
					c.stopMain()
					c.status().Image = specs[i].Image
					changed = true
					r.arm(c, 0, timerStart)
				}
			}
		}
	}
	redefine(in.Spec.InitContainers, oldSpec.InitContainers, p.inits(), true)
	redefine(in.Spec.Containers, oldSpec.Containers, p.apps(), false)
	r.updateDeadline(p, oldSpec.ActiveDeadlineSeconds, now)
	if changed {
		r.update(p)
	}
	return nil
}

// inBackOff reports whether c waits out a crash-loop back-off.
func (c *container) inBackOff() bool {
	w := c.st.State.Waiting
	return !c.running && w != nil && w.Reason == ReasonCrashLoopBackOff
}

// stopRun stops c's run as the kubelet's killContainer (for a changed
// definition, a failed liveness probe): SIGTERM, which a run whose
// behaviour has a StopAfter handles (it exits 0 that long after), then
// SIGKILL (137) when grace has passed, unless the run ends earlier by
// itself. Caller holds mu.
func (r *Runtime) stopRun(c *container, now time.Time, grace time.Duration) {
	code, reason, at := int32(CrashExitCode), ReasonError, now.Add(grace)
	if d := c.b.StopAfter; d != nil && now.Add(*d).Before(at) {
		code, reason, at = 0, ReasonCompleted, now.Add(*d)
	}
	if !c.exitAt.IsZero() && !at.Before(c.exitAt) {
		return
	}
	c.stopMain()
	c.exitCode, c.exitReason, c.exitAt = code, reason, at
	r.arm(c, at.Sub(now), timerExit)
}

// restartChanged prepares the restart of c, whose definition changed
// while it ran: its behaviour is that of the pod's spec now and its
// status names the new image (exit starts its back-off over). Caller
// holds mu.
func (r *Runtime) restartChanged(c *container) {
	s := c.spec()
	o, _ := parseAnnotations(c.p.snap.Annotations) // checked by UpdatePod
	c.b, c.rule = r.behavior(&o, c.p.snap, s, c.init)
	c.status().Image = s.Image
}

// updateDeadline applies a new activeDeadlineSeconds: set or lowered, it
// counts from the pod's start as before. Caller holds mu.
func (r *Runtime) updateDeadline(p *podState, old *int64, now time.Time) {
	d, ok := podstatus.NewDeadline(p.snap.Spec.ActiveDeadlineSeconds, old, p.status.StartTime, now)
	if !ok || p.done || p.terminating || p.pastDeadline {
		return
	}
	t := p.podTimers()
	if t.deadlineTimer != nil {
		t.deadlineTimer.Stop()
	}
	t.deadlineTimer = r.clock.AfterFunc(d, func() { r.deadlinePassed(p) })
}
