package orchestra

import (
	"errors"
	"fmt"
	"time"

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
			return err
		}
		if _, err = c.Update(obj); !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
}
