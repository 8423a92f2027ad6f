package kubelet

import (
	"context"
	"fmt"

	"github.com/orchestra-go/orchestra/internal/podstatus"
	"github.com/orchestra-go/orchestra/workload"
)

var _ workload.PodUpdater = (*Kubelet)(nil)

// UpdatePod applies an update of a pod's spec, as the kubelet syncs a pod
// whose spec changed (see workload.PodUpdater): an app container or
// sidecar that runs and whose image changed is stopped as on deletion
// (its preStop hook, SIGTERM, killed when the pod's grace period has
// passed, at least 2 s) and started again at once with its new spec,
// whatever the restart policy, its restartCount one more; a container
// waiting to start takes the new image when it starts, at once if it
// waited out a crash-loop back-off (the kubelet keeps the back-off per
// container definition); a plain init container that runs keeps its run;
// an activeDeadlineSeconds set or lowered takes effect. Nothing restarts
// in a pod being deleted, finished or past its deadline. Watchers see a
// Modified event with the new spec. It fails with an error wrapping
// workload.ErrPodNotFound (no such pod, or another uid) or ErrInvalid
// (nil pod; a container added, removed, renamed or made a sidecar or not),
// and then changes nothing.
func (k *Kubelet) UpdatePod(ctx context.Context, in *workload.Pod) error {
	if in == nil {
		return fmt.Errorf("%s: %w: UpdatePod: pod is nil", k.name, ErrInvalid)
	}
	ns := normNS(in.Namespace)
	ref := podRef(ns, in.Name)
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.begin(ctx); err != nil {
		return err
	}
	p := k.pods[ns+"/"+in.Name]
	if p == nil || in.UID != "" && in.UID != p.snap.UID {
		return fmt.Errorf("%s: %s: %w", k.name, ref, workload.ErrPodNotFound)
	}
	old := p.snap.Spec
	if !podstatus.SameContainers(old.InitContainers, in.Spec.InitContainers) || !podstatus.SameContainers(old.Containers, in.Spec.Containers) {
		return fmt.Errorf("%s: %w: %s: spec: an update may not add, remove or rename containers, nor make one a sidecar or not", k.name, ErrInvalid, ref)
	}
	obj := in.DeepCopy()
	obj.TypeMeta = p.snap.TypeMeta
	obj.Namespace, obj.UID, obj.CreationTimestamp = ns, p.snap.UID, p.snap.CreationTimestamp
	obj.Status = *p.status.DeepCopy()
	k.events.Emit(workload.Modified, obj)
	p.snap = obj

	live := !p.terminating && !p.done && !p.pastDeadline
	changed := false
	redefine := func(cs []*container, specs, olds []workload.Container) {
		for i, c := range cs {
			spec := &specs[i]
			if spec.Image == olds[i].Image {
				if c.next == nil {
					c.spec = spec
				} else {
					c.next = spec
				}
				continue
			}
			switch {
			case c.running && live && (!c.init || c.side && !p.sideStop):
				// Its definition changed: stopped now, started again
				// with the new spec once it has exited (exited).
				c.next = spec
				if !c.redefining {
					c.redefining = true
					k.logInfo("container definition changed; restarting", "pod", p.key, "container", spec.Name, "image", spec.Image)
					c.held = false
					k.stopRun(c, p.grace)
					k.killLater(c, killAfter(p.grace))
				}
			case c.running:
				c.next = spec // a later run's, if any
			default:
				c.spec, c.next = spec, nil
				if c.runs == 0 {
					c.st.Image = spec.Image
					changed = true
				}
				if w := c.st.State.Waiting; live && !c.stopped && c.runs > 0 && w != nil && w.Reason == ReasonCrashLoopBackOff {
					// Waiting out a crash-loop back-off: the new
					// definition has none yet.
					c.backoff = 0
					c.st.Image = spec.Image
					changed = true
					k.scheduleStart(c, 0)
				}
			}
		}
	}
	redefine(p.init, obj.Spec.InitContainers, old.InitContainers)
	redefine(p.ctrs, obj.Spec.Containers, old.Containers)
	k.updateDeadline(p, old.ActiveDeadlineSeconds)
	if changed {
		k.update(p)
	}
	return nil
}

// redefined readies the restart of c, whose definition changed while it
// ran: it runs its new spec from now on, its status names the new image,
// and it reports whether c was being redefined. Caller holds mu.
func (c *container) redefined() bool {
	if !c.redefining {
		return false
	}
	c.redefining = false
	if c.next != nil {
		c.spec, c.next = c.next, nil
		c.st.Image = c.spec.Image
	}
	return true
}

// updateDeadline applies a new activeDeadlineSeconds: set or lowered, it
// counts from the pod's start as before. Caller holds mu.
func (k *Kubelet) updateDeadline(p *podState, old *int64) {
	d, ok := podstatus.NewDeadline(p.snap.Spec.ActiveDeadlineSeconds, old, p.status.StartTime, k.clock.Now())
	if !ok || p.done || p.terminating || p.pastDeadline {
		return
	}
	if p.deadlineTimer != nil {
		p.deadlineTimer.Stop()
	}
	p.deadlineTimer = k.after(d, func() { k.deadlinePassed(p) })
}
