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
