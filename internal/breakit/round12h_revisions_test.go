package breakit_test

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

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

// A claim that another controller already owns is left to it: with
// whenDeleted Delete the StatefulSet adds no controller reference of its
// own (a second one is invalid), runs its pods on the claim, and deleting
// the set does not delete the claim. Source:
// pkg/controller/statefulset/stateful_set_utils.go hasUnexpectedController
// and updateClaimOwnerRefForSetAndPod.
func TestR12hStatefulSetLeavesForeignClaimController(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: keeper}
spec:
  replicas: 0
  serviceName: keeper
  selector: {matchLabels: {app: keeper}}
  template:
    metadata: {labels: {app: keeper}}
    spec: {containers: [{name: c, image: k}]}`)
	advance(t, c, time.Second)
	o, err := c.Get("StatefulSet", "default", "keeper")
	if err != nil {
		t.Fatal(err)
	}
	keeper := o.(*workload.StatefulSet)
	pvc := &workload.PersistentVolumeClaim{
		TypeMeta:   workload.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: workload.ObjectMeta{Name: "data-db-0", Namespace: "default", Labels: map[string]string{"app": "db"}, OwnerReferences: []workload.OwnerReference{workload.NewControllerRef(keeper)}},
		Spec: workload.PersistentVolumeClaimSpec{AccessModes: []string{"ReadWriteOnce"},
			Resources: workload.ResourceRequirements{Requests: workload.ResourceList{"storage": resource.MustParse("1Gi")}}},
	}
	if _, err := c.Apply(pvc); err != nil {
		t.Fatal(err)
	}
	applyYAML(t, c, `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 1
  serviceName: db
  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Delete}
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: db}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}`)
	advance(t, c, time.Minute)
	o, err = c.Get("PersistentVolumeClaim", "default", "data-db-0")
	if err != nil {
		t.Fatal(err)
	}
	if refs := o.GetObjectMeta().OwnerReferences; len(refs) != 1 || refs[0].UID != keeper.UID {
		t.Errorf("claim owners %+v, want only the keeper's controller reference", refs)
	}
	if ps := pods(t, c, "app=db"); len(ps) != 1 || ps[0].Status.Phase != workload.PodRunning {
		t.Errorf("db pods %d, want db-0 running", len(ps))
	}
	o, err = c.Get("StatefulSet", "default", "db")
	if err != nil {
		t.Fatal(err)
	}
	if st := o.(*workload.StatefulSet).Status; st.ReadyReplicas != 1 || st.ObservedGeneration != 1 {
		t.Errorf("db status %+v, want 1 ready replica, generation 1 observed", st)
	}
	for _, e := range c.Events() {
		if e.Type == workload.EventTypeWarning && e.InvolvedObject.Name == "db" {
			t.Errorf("warning about db: %s %s", e.Reason, e.Message)
		}
	}
	if err := c.Delete("StatefulSet", "default", "db", ""); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	if _, err := c.Get("PersistentVolumeClaim", "default", "data-db-0"); err != nil {
		t.Errorf("the keeper's claim went with db: %v", err)
	}
}

// Claims are a StatefulSet's by name ("<template>-<set>-<ordinal>"), not
// by label: a claim made beforehand without the selector's labels (a
// pre-provisioned volume) is used by its pod and follows the retention
// policy, so whenScaled Delete deletes it with its scaled-down pod.
// Source: pkg/controller/statefulset/stateful_pod_control.go (GetClaim by
// getPersistentVolumeClaimName), stateful_set_utils.go
// updateClaimOwnerRefForSetAndPod.
func TestR12hStatefulSetClaimsByName(t *testing.T) {
	c := newCluster(t, "a")
	for _, n := range []string{"data-db-0", "data-db-1"} {
		pvc := &workload.PersistentVolumeClaim{
			TypeMeta:   workload.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
			ObjectMeta: workload.ObjectMeta{Name: n, Namespace: "default"},
			Spec: workload.PersistentVolumeClaimSpec{AccessModes: []string{"ReadWriteOnce"},
				Resources: workload.ResourceRequirements{Requests: workload.ResourceList{"storage": resource.MustParse("1Gi")}}},
		}
		if _, err := c.Apply(pvc); err != nil {
			t.Fatal(err)
		}
	}
	set := func(n string) string {
		return `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: ` + n + `
  serviceName: db
  persistentVolumeClaimRetentionPolicy: {whenScaled: Delete}
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: db}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}`
	}
	applyYAML(t, c, set("2"))
	advance(t, c, time.Minute)
	if ps := pods(t, c, "app=db"); len(ps) != 2 {
		t.Fatalf("%d pods, want 2", len(ps))
	}
	applyYAML(t, c, set("1"))
	advance(t, c, 5*time.Minute)
	if _, err := c.Get("PersistentVolumeClaim", "default", "data-db-1"); err == nil {
		t.Errorf("data-db-1 kept after db-1 was scaled away under whenScaled Delete")
	}
	if _, err := c.Get("PersistentVolumeClaim", "default", "data-db-0"); err != nil {
		t.Errorf("data-db-0: %v", err)
	}
}
