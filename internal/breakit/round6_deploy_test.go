package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// The Deployment's annotations are copied to its new ReplicaSet on every
// sync, not only when the ReplicaSet is created: `kubectl annotate
// deployment web kubernetes.io/change-cause=...` after a rollout shows in
// `kubectl rollout history` (its CHANGE-CAUSE column reads the
// ReplicaSets), and a rollback to an old ReplicaSet records the rollback's
// change-cause on it. Source: pkg/controller/deployment/sync.go
// getNewReplicaSet and util/deployment_util.go SetNewReplicaSetAnnotations,
// copyDeploymentAnnotationsToReplicaSet (added or changed keys only; the
// revision and kubectl's last-applied-configuration are skipped).
func TestR6DeployAnnotationsFollowToNewReplicaSet(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, deployYAML("web", "  replicas: 2", "nginx:1"))
	advance(t, c, time.Minute)
	annotate := func(v string) {
		t.Helper()
		d := getDeploy(t, c, "web")
		if d.Annotations == nil {
			d.Annotations = map[string]string{}
		}
		d.Annotations["kubernetes.io/change-cause"] = v
		if _, err := c.Apply(d); err != nil {
			t.Fatal(err)
		}
	}
	changeCause := func(rs rsInfo) string {
		t.Helper()
		o, err := c.Get("ReplicaSet", "default", rs.name)
		if err != nil {
			t.Fatal(err)
		}
		return o.(*workload.ReplicaSet).Annotations["kubernetes.io/change-cause"]
	}
	annotate("initial deploy")
	advance(t, c, time.Second)
	rss := replicaSets(t, c)
	if len(rss) != 1 || changeCause(rss[0]) != "initial deploy" {
		t.Fatalf("rss %+v change-cause %q, want the annotation on the ReplicaSet", rss, changeCause(rss[0]))
	}
	// Template and annotation in one update, as `kubectl apply` of an
	// edited manifest does.
	cause := func(v string) func(*workload.Deployment) {
		return func(d *workload.Deployment) { d.Annotations["kubernetes.io/change-cause"] = v }
	}
	setImage(t, c, "web", "nginx:2", cause("upgrade to 2"))
	advance(t, c, time.Minute)
	setImage(t, c, "web", "nginx:1", cause("roll back to 1"))
	advance(t, c, time.Minute)
	rss = replicaSets(t, c) // by revision: nginx:2 (2), nginx:1 (3)
	if len(rss) != 2 || rss[0].image != "nginx:2" || changeCause(rss[0]) != "upgrade to 2" ||
		rss[1].image != "nginx:1" || changeCause(rss[1]) != "roll back to 1" {
		t.Errorf("rss %+v change-causes %q %q, want nginx:2 'upgrade to 2' and nginx:1 'roll back to 1'",
			rss, changeCause(rss[0]), changeCause(rss[1]))
	}
}

// status.terminatingReplicas (apps/v1, beta and on by default since
// Kubernetes 1.35, feature DeploymentReplicaSetTerminatingReplicas): a
// ReplicaSet counts its pods that are being deleted and have not finished
// (status.replicas counts only the others), and a Deployment sums its
// ReplicaSets'. During a rolling update whose old pods take their grace
// period to stop, both show them; once they are gone, 0.
// Source: k8s.io/api apps/v1 ReplicaSetStatus and DeploymentStatus
// terminatingReplicas; pkg/controller/deployment/util/deployment_util.go
// GetTerminatingReplicaCountForReplicaSets; KEP-3973.
func TestR6DeployTerminatingReplicas(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 30
      containers: [{name: c, image: nginx:1}]`)
	advance(t, c, time.Minute)
	d := getDeploy(t, c, "web")
	if d.Status.TerminatingReplicas == nil || *d.Status.TerminatingReplicas != 0 {
		t.Fatalf("steady state: terminatingReplicas %v, want 0", d.Status.TerminatingReplicas)
	}
	setImage(t, c, "web", "nginx:2", nil)
	advance(t, c, 5*time.Second) // the first old pod is in its grace period
	var terminating int32
	for _, p := range pods(t, c, "app=web") {
		if p.DeletionTimestamp != nil {
			terminating++
		}
	}
	if terminating == 0 {
		t.Fatal("no old pod is terminating 5 s into the rollout")
	}
	var rsSum int32
	objs, err := c.List("ReplicaSet", "default", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		rs := o.(*workload.ReplicaSet)
		if rs.Status.TerminatingReplicas == nil {
			t.Fatalf("ReplicaSet %s: terminatingReplicas unset", rs.Name)
		}
		rsSum += *rs.Status.TerminatingReplicas
	}
	d = getDeploy(t, c, "web")
	if rsSum != terminating || d.Status.TerminatingReplicas == nil || *d.Status.TerminatingReplicas != terminating {
		t.Errorf("%d pods terminating: ReplicaSets report %d, Deployment %v", terminating, rsSum, d.Status.TerminatingReplicas)
	}
	advance(t, c, 5*time.Minute)
	d = getDeploy(t, c, "web")
	if d.Status.TerminatingReplicas == nil || *d.Status.TerminatingReplicas != 0 || d.Status.UpdatedReplicas != 3 {
		t.Errorf("after the rollout: status %+v, want 3 updated and terminatingReplicas 0", d.Status)
	}
}
