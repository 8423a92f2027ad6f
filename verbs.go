package orchestra

import (
	"errors"
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// RestartedAtAnnotation is the pod template annotation RolloutRestart
// sets, as `kubectl rollout restart` does: a new value is a new template,
// so the controller replaces every pod by its update strategy.
const RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"

// Scale sets the replicas of a Deployment, ReplicaSet or StatefulSet, as
// `kubectl scale --replicas` does through the scale subresource: only
// spec.replicas changes, whatever else was written since (no conflict),
// and the object is validated as by Update (a negative count is refused,
// naming spec.replicas, and changes nothing). kind is a Kind or a name
// kubectl takes ("deploy", "statefulsets"); namespace "" is "default".
func (c *Cluster) Scale(kind, namespace, name string, replicas int32) error {
	return c.modify("scale", kind, namespace, name, func(obj workload.Object) error {
		switch o := obj.(type) {
		case *workload.Deployment:
			o.Spec.Replicas = &replicas
		case *workload.ReplicaSet:
			o.Spec.Replicas = &replicas
		case *workload.StatefulSet:
			o.Spec.Replicas = &replicas
		default:
			return fmt.Errorf("orchestra: scale %s: a %s has no scale subresource (want a Deployment, ReplicaSet or StatefulSet): %w", workload.Ref(obj), obj.Kind(), workload.ErrInvalid)
		}
		return nil
	})
}

// RolloutRestart restarts the pods of a Deployment, DaemonSet or
// StatefulSet, as `kubectl rollout restart` does: it sets the pod
// template's RestartedAtAnnotation to the cluster's time (RFC 3339), a
// template change that the controller rolls out by the object's update
// strategy (a StatefulSet or DaemonSet with OnDelete waits for its pods to
// be deleted). A paused Deployment is refused, as kubectl refuses it
// ("run rollout resume first").
func (c *Cluster) RolloutRestart(kind, namespace, name string) error {
	return c.modify("rollout restart", kind, namespace, name, func(obj workload.Object) error {
		var t *workload.PodTemplateSpec
		switch o := obj.(type) {
		case *workload.Deployment:
			if o.Spec.Paused {
				return fmt.Errorf("orchestra: rollout restart %s: can't restart paused deployment (run rollout resume first): %w", workload.Ref(obj), workload.ErrInvalid)
			}
			t = &o.Spec.Template
		case *workload.DaemonSet:
			t = &o.Spec.Template
		case *workload.StatefulSet:
			t = &o.Spec.Template
		default:
			return fmt.Errorf("orchestra: rollout restart %s: a %s cannot be restarted (want a Deployment, DaemonSet or StatefulSet): %w", workload.Ref(obj), obj.Kind(), workload.ErrInvalid)
		}
		if t.Annotations == nil {
			t.Annotations = map[string]string{}
		}
		t.Annotations[RestartedAtAnnotation] = c.Now().Format(time.RFC3339)
		return nil
	})
}

// modify reads the object, changes it with change and updates it at the
// version read, again from a fresh read while another write conflicts.
func (c *Cluster) modify(op, kind, namespace, name string, change func(workload.Object) error) error {
	if c.isClosed() {
		return fmt.Errorf("%s %s: %w", op, closedRef(kind, namespace, name), ErrClosed)
	}
	kind, err := resolveKind(op, kind)
	if err != nil {
		return err
	}
	if namespace == "" && !workload.IsClusterScoped(kind) {
		namespace = "default"
	}
	for {
		obj, err := c.store.Get(kind, namespace, name)
		if err != nil {
			return err
		}
		if err := change(obj); err != nil {
			if err == errUnchanged {
				return nil
			}
			return err
		}
		if _, err = c.Update(obj); !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
}

// rolloutUndoSkip are the annotations RolloutUndo neither copies from the
// ReplicaSet nor drops from the Deployment, as kubectl's
// annotationsToSkip.
var rolloutUndoSkip = map[string]bool{
	"kubectl.kubernetes.io/last-applied-configuration": true,
	workload.RevisionAnnotation:                        true,
	"deployment.kubernetes.io/revision-history":        true,
	"deployment.kubernetes.io/desired-replicas":        true,
	"deployment.kubernetes.io/max-replicas":            true,
	"deprecated.deployment.rollback.to":                true,
}

// RolloutUndo rolls a Deployment back to the pod template of one of its
// ReplicaSets, as `kubectl rollout undo deployment/<name>
// --to-revision=<toRevision>` does: toRevision 0 is the revision before
// the latest. The revisions are those of the ReplicaSets the Deployment
// controls and its selector matches, read as kubectl reads them: one
// without the revision annotation is revision 0, one whose annotation is
// not a number is left out. The Deployment gets the ReplicaSet's template
// (without its pod-template-hash label) and its annotations (but the
// revision ones and last-applied-configuration); the controller rolls out
// that template as a new revision, adopting the old ReplicaSet. A
// template that already matches, the pod-template-hash label aside on
// both sides, is left alone (kubectl's "skipped rollback"). It refuses a
// revision not in the history ("unable to find specified revision"), a
// Deployment with no earlier revision ("no rollout history found") and a
// paused Deployment, changing nothing.
func (c *Cluster) RolloutUndo(namespace, name string, toRevision int64) error {
	return c.modify("rollout undo", "Deployment", namespace, name, func(obj workload.Object) error {
		d := obj.(*workload.Deployment)
		ref := workload.Ref(d)
		if toRevision < 0 {
			return fmt.Errorf("orchestra: rollout undo %s: unable to find specified revision %d in history: %w", ref, toRevision, workload.ErrInvalid)
		}
		sel, err := d.Spec.Selector.AsSelector()
		if err != nil {
			return fmt.Errorf("orchestra: rollout undo %s: spec.selector: %v: %w", ref, err, workload.ErrInvalid)
		}
		var target, latest *workload.ReplicaSet
		latestRev, prevRev := int64(-1), int64(-1)
		for _, o := range c.store.List("ReplicaSet", d.Namespace, sel) {
			rs := o.(*workload.ReplicaSet)
			if owner := workload.ControllerOf(rs); owner == nil || owner.UID != d.UID {
				continue
			}
			v, err := controller.Revision(rs)
			if err != nil {
				continue
			}
			switch {
			case toRevision > 0:
				if v == toRevision {
					target = rs
				}
			case v > latestRev:
				prevRev, target = latestRev, latest
				latestRev, latest = v, rs
			case v > prevRev:
				prevRev, target = v, rs
			}
		}
		switch {
		case target == nil && toRevision > 0:
			return fmt.Errorf("orchestra: rollout undo %s: unable to find specified revision %d in history: %w", ref, toRevision, workload.ErrInvalid)
		case target == nil:
			return fmt.Errorf("orchestra: rollout undo %s: no rollout history found for deployment %q: %w", ref, d.Name, workload.ErrInvalid)
		case d.Spec.Paused:
			return fmt.Errorf("orchestra: rollout undo %s: you cannot rollback a paused deployment; resume it first and try again: %w", ref, workload.ErrInvalid)
		case controller.EqualIgnoreHash(&target.Spec.Template, &d.Spec.Template):
			return errUnchanged
		}
		t := *target.Spec.Template.DeepCopy()
		delete(t.Labels, workload.PodTemplateHashLabel)
		d.Spec.Template = t
		ann := map[string]string{}
		for k, v := range d.Annotations {
			if rolloutUndoSkip[k] {
				ann[k] = v
			}
		}
		for k, v := range target.Annotations {
			if !rolloutUndoSkip[k] {
				ann[k] = v
			}
		}
		d.Annotations = ann
		return nil
	})
}

// errUnchanged tells modify that there is nothing to write.
var errUnchanged = errors.New("unchanged")
