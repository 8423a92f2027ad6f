package breakit_test

import (
	"maps"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

func r9wStatefulSet(replicas string) string {
	return `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: ` + replicas + `
  minReadySeconds: 30
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {terminationGracePeriodSeconds: 5, containers: [{name: c, image: db}]}`
}

// OrderedReady scale-down of a pod that is Ready but not yet available
// (Ready for less than minReadySeconds) deletes it at once: it is the
// first unavailable pod, and processCondemned blocks only on a condemned
// pod that is unavailable and not the first unavailable one. db-2 becomes
// Ready at 60s (available at 90s); scaling 3 -> 2 at 70s deletes it at
// 70s. Before Kubernetes PR #130909 the first "unhealthy" pod ignored
// minReadySeconds, so db-2 was not it and the scale-down hung (issue
// #123918, "the 2nd pod should start terminating immediately").
// Source: pkg/controller/statefulset/stateful_set_control.go
// updateStatefulSet (firstUnavailablePod via isUnavailable),
// processCondemned; https://github.com/kubernetes/kubernetes/issues/123918,
// https://github.com/kubernetes/kubernetes/pull/130909.
func TestR9wStatefulSetScaleDownOfUnavailablePodIsImmediate(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, r9wStatefulSet("3"))
	advance(t, c, 70*time.Second)
	if p := r3get(t, c, "Pod", "default", "db-2"); p == nil || !r5ready(p.(*workload.Pod)) {
		t.Fatalf("db-2 not ready at 70s: %v", p)
	}
	applyYAML(t, c, r9wStatefulSet("2"))
	var deletedAt time.Duration
	runUntil(t, c, 5*time.Minute, "db-2 deleted", func() bool {
		p := r3get(t, c, "Pod", "default", "db-2")
		if p == nil || p.GetObjectMeta().DeletionTimestamp != nil {
			deletedAt = c.Now().Sub(t0)
			return true
		}
		return false
	})
	if deletedAt != 70*time.Second {
		t.Errorf("db-2 deleted for the scale-down at %v, want at once (70s): it is the first unavailable pod", deletedAt)
	}
}

// r9wOwned lists the objects of a kind with their controller's kind and
// name ("" for none), by name.
func r9wOwned(t *testing.T, c *orchestra.Cluster, kind string) map[string]string {
	t.Helper()
	objs, err := c.List(kind, "default", "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, o := range objs {
		m := o.GetObjectMeta()
		out[m.Name] = ""
		if ref := workload.ControllerOf(o); ref != nil {
			out[m.Name] = ref.Kind + "/" + ref.Name
		}
	}
	return out
}

// Deleting a StatefulSet with --cascade=orphan and creating it again (the
// documented way to change its volumeClaimTemplates) leaves its pods
// alone: the new set adopts the orphaned pods and the orphaned
// ControllerRevisions its selector matches, finds its template in the old
// revision, and so has nothing to roll. Without adopting the revision, the
// new set's revision name is taken by an orphan, counts a hash collision
// and makes a new revision, and every pod is deleted and recreated for an
// update that changes nothing. The adopted revision is the set's, so it
// goes with the set. Source: pkg/controller/statefulset/stateful_set.go
// adoptOrphanRevisions; pkg/controller/history/controller_history.go
// ListControllerRevisions (owned or orphaned revisions the selector
// matches); https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/
// ("--cascade=orphan").
func TestR9wStatefulSetRecreatedAfterOrphanDeleteAdoptsItsRevision(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, r9wStatefulSet("2"))
	advance(t, c, 3*time.Minute)
	uids := map[string]string{}
	for _, p := range pods(t, c, "app=db") {
		uids[p.Name] = p.UID
	}
	revs := r9wOwned(t, c, "ControllerRevision")
	if len(revs) != 1 || len(uids) != 2 {
		t.Fatalf("revisions %v, pods %v: want one revision and two pods", revs, uids)
	}
	var rev string
	for name := range revs {
		rev = name
	}
	if err := c.Delete("StatefulSet", "default", "db", "Orphan"); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	if got := r9wOwned(t, c, "ControllerRevision"); got[rev] != "" {
		t.Fatalf("revision %s still controlled by %s after an orphan delete", rev, got[rev])
	}

	applyYAML(t, c, r9wStatefulSet("2"))
	advance(t, c, 5*time.Minute)
	if got, want := r9wOwned(t, c, "ControllerRevision"), map[string]string{rev: "StatefulSet/db"}; !maps.Equal(got, want) {
		t.Errorf("ControllerRevisions %v, want %v (the orphan adopted, no new one)", got, want)
	}
	for _, p := range pods(t, c, "app=db") {
		if uids[p.Name] != p.UID {
			t.Errorf("pod %s was recreated (uid %s, was %s): the update changed nothing", p.Name, p.UID, uids[p.Name])
		}
	}
	o, err := c.Get("StatefulSet", "default", "db")
	if err != nil {
		t.Fatal(err)
	}
	st := o.(*workload.StatefulSet).Status
	if st.CurrentRevision != rev || st.UpdateRevision != rev || st.CollisionCount != nil && *st.CollisionCount != 0 {
		t.Errorf("status currentRevision %q updateRevision %q collisionCount %v, want %q, %q, none", st.CurrentRevision, st.UpdateRevision, st.CollisionCount, rev, rev)
	}

	if err := c.Delete("StatefulSet", "default", "db", ""); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 2*time.Minute)
	if got := r9wOwned(t, c, "ControllerRevision"); len(got) != 0 {
		t.Errorf("ControllerRevisions %v left after the set was deleted", got)
	}
}
