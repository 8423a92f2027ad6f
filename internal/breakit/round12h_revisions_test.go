package breakit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

func r12hRevisions(t *testing.T, c *orchestra.Cluster) map[string]*workload.ControllerRevision {
	t.Helper()
	objs, err := c.List("ControllerRevision", "default", "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*workload.ControllerRevision{}
	for _, o := range objs {
		r := o.(*workload.ControllerRevision)
		out[r.Name] = r
	}
	return out
}

// A StatefulSet's and a DaemonSet's ControllerRevisions carry their
// owner's annotations as they were when the revision was made, which is
// where "kubectl rollout history" reads the kubernetes.io/change-cause of
// each revision; a StatefulSet's also carries the label
// controller.kubernetes.io/hash with its hash. Source:
// pkg/controller/statefulset/stateful_set_utils.go newRevision (copies
// set.Annotations), pkg/controller/history NewControllerRevision
// (ControllerRevisionHashLabel), pkg/controller/daemon/update.go snapshot
// (Annotations: ds.Annotations). The StatefulSet's status.collisionCount
// is 0, not absent (updateStatefulSet always sets it).
func TestR12hRevisionsCarryOwnerAnnotations(t *testing.T) {
	c := newCluster(t, "a")
	sts := func(cause, image string) string {
		return `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, annotations: {kubernetes.io/change-cause: "` + cause + `"}}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: ` + image + `}]}`
	}
	ds := func(cause, image string) string {
		return `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, annotations: {kubernetes.io/change-cause: "` + cause + `"}}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: c, image: ` + image + `}]}`
	}
	applyYAML(t, c, sts("first", "db:1"))
	applyYAML(t, c, ds("first", "agent:1"))
	advance(t, c, time.Minute)
	applyYAML(t, c, sts("second", "db:2"))
	applyYAML(t, c, ds("second", "agent:2"))
	advance(t, c, time.Minute)

	causes := map[string][]string{}
	for name, r := range r12hRevisions(t, c) {
		owner := workload.ControllerOf(r).Name
		causes[owner] = append(causes[owner], r.Annotations["kubernetes.io/change-cause"])
		if owner == "db" {
			hash := strings.TrimPrefix(name, "db-")
			if got := r.Labels["controller.kubernetes.io/hash"]; got != hash || r.Labels["app"] != "db" {
				t.Errorf("revision %s labels %v, want app=db and controller.kubernetes.io/hash=%s", name, r.Labels, hash)
			}
		}
	}
	for _, owner := range []string{"db", "agent"} {
		got := causes[owner]
		if len(got) != 2 || !(got[0] == "first" && got[1] == "second" || got[0] == "second" && got[1] == "first") {
			t.Errorf("%s's revisions have change-causes %q, want first and second", owner, got)
		}
	}
	o, err := c.Get("StatefulSet", "default", "db")
	if err != nil {
		t.Fatal(err)
	}
	if cc := o.(*workload.StatefulSet).Status.CollisionCount; cc == nil || *cc != 0 {
		t.Errorf("status.collisionCount %v, want 0", cc)
	}
}
