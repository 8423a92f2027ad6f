package breakit_test

import (
	"sort"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

func stsYAML(name, spec, image string) string {
	return `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ` + name + `}
spec:
  serviceName: ` + name + `
` + spec + `
  selector: {matchLabels: {app: ` + name + `}}
  template:
    metadata: {labels: {app: ` + name + `}}
    spec: {containers: [{name: c, image: ` + image + `}]}`
}

// podTimes records when each pod was created and deleted.
type podTimes struct {
	created map[string]time.Duration
	deleted map[string]time.Duration
	order   []string // creations in order
	delOrd  []string // deletion starts in order
}

func recordPods(t *testing.T, c *orchestra.Cluster) *podTimes {
	pt := &podTimes{created: map[string]time.Duration{}, deleted: map[string]time.Duration{}}
	if err := c.OnChange(func(ev store.Event) {
		p, ok := ev.Object.(*workload.Pod)
		if !ok {
			return
		}
		key := p.Name + "/" + p.UID
		if _, seen := pt.created[key]; !seen {
			pt.created[key] = c.Now().Sub(t0)
			pt.order = append(pt.order, p.Name)
		}
		if p.DeletionTimestamp != nil {
			if _, seen := pt.deleted[key]; !seen {
				pt.deleted[key] = c.Now().Sub(t0)
				pt.delOrd = append(pt.delOrd, p.Name)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	return pt
}

// OrderedReady: pods are created in ordinal order, each after the previous
// one is Running and Ready; scale-down removes the highest ordinal first,
// one at a time. Source: https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#deployment-and-scaling-guarantees
func TestStatefulSetOrderedReady(t *testing.T) {
	c := newClusterB(t, []fake.Behavior{{Match: fake.Match{Image: "db*"}, ReadyAfter: 10 * time.Second}}, "a")
	pt := recordPods(t, c)
	applyYAML(t, c, stsYAML("db", "  replicas: 3", "db:1"))
	advance(t, c, time.Minute)
	if len(pt.order) != 3 || pt.order[0] != "db-0" || pt.order[1] != "db-1" || pt.order[2] != "db-2" {
		t.Fatalf("creation order %v", pt.order)
	}
	var times []time.Duration
	for _, n := range pt.order {
		for k, v := range pt.created {
			if len(k) > len(n) && k[:len(n)+1] == n+"/" {
				times = append(times, v)
			}
		}
	}
	if times[1] < 10*time.Second || times[2] < 20*time.Second {
		t.Errorf("creation times %v: each pod must wait for the previous to be Ready (10s)", times)
	}
	o, _ := c.Get("StatefulSet", "default", "db")
	set := o.(*workload.StatefulSet)
	set.Spec.Replicas = workload.Ptr[int32](0)
	if _, err := c.Apply(set); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 5*time.Minute)
	if len(pt.delOrd) != 3 || pt.delOrd[0] != "db-2" || pt.delOrd[1] != "db-1" || pt.delOrd[2] != "db-0" {
		t.Errorf("deletion order %v, want db-2 db-1 db-0", pt.delOrd)
	}
}

// OrderedReady stops at a pod that never becomes Ready: db-1 is not created
// while db-0 is not Ready. Source: same page.
func TestStatefulSetStuckOnUnready(t *testing.T) {
	c := newClusterB(t, []fake.Behavior{{Match: fake.Match{Image: "db*"}, NeverReady: true}}, "a")
	applyYAML(t, c, stsYAML("db", "  replicas: 3", "db:1"))
	advance(t, c, 10*time.Minute)
	if ps := pods(t, c, "app=db"); len(ps) != 1 {
		t.Errorf("%d pods, want only db-0", len(ps))
	}
}

// Parallel: all pods are created at once.
func TestStatefulSetParallel(t *testing.T) {
	c := newClusterB(t, []fake.Behavior{{Match: fake.Match{Image: "db*"}, NeverReady: true}}, "a")
	applyYAML(t, c, stsYAML("db", "  replicas: 3\n  podManagementPolicy: Parallel", "db:1"))
	advance(t, c, time.Second)
	if ps := pods(t, c, "app=db"); len(ps) != 3 {
		t.Errorf("%d pods, want 3", len(ps))
	}
}

// Rolling update with partition 1: pods with ordinal >= 1 are updated, in
// reverse order; db-0 keeps the old revision; status.currentRevision stays
// the old one and updatedReplicas is 2.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#partitions
func TestStatefulSetPartition(t *testing.T) {
	c := newCluster(t, "a")
	pt := recordPods(t, c)
	applyYAML(t, c, stsYAML("db", "  replicas: 3\n  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 1}}", "db:1"))
	advance(t, c, time.Minute)
	pt.delOrd = nil
	o, _ := c.Get("StatefulSet", "default", "db")
	set := o.(*workload.StatefulSet)
	set.Spec.Template.Spec.Containers[0].Image = "db:2"
	if _, err := c.Apply(set); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 5*time.Minute)
	images := map[string]string{}
	for _, p := range pods(t, c, "app=db") {
		images[p.Name] = p.Spec.Containers[0].Image
	}
	if images["db-0"] != "db:1" || images["db-1"] != "db:2" || images["db-2"] != "db:2" {
		t.Errorf("images %v", images)
	}
	if len(pt.delOrd) != 2 || pt.delOrd[0] != "db-2" || pt.delOrd[1] != "db-1" {
		t.Errorf("update deletion order %v, want db-2 db-1", pt.delOrd)
	}
	o, _ = c.Get("StatefulSet", "default", "db")
	set = o.(*workload.StatefulSet)
	if set.Status.UpdatedReplicas != 2 || set.Status.CurrentReplicas != 1 || set.Status.CurrentRevision == set.Status.UpdateRevision {
		t.Errorf("status %+v", set.Status)
	}
}

// ordinals.start: pods are numbered from start.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#start-ordinal
func TestStatefulSetStartOrdinal(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, stsYAML("db", "  replicas: 2\n  ordinals: {start: 5}", "db:1"))
	advance(t, c, time.Minute)
	var names []string
	for _, p := range pods(t, c, "app=db") {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	if len(names) != 2 || names[0] != "db-5" || names[1] != "db-6" {
		t.Errorf("pods %v", names)
	}
}

// PVC retention: claims are named <template>-<set>-<ordinal>; whenScaled
// Delete removes the claims of the ordinals scaled away; whenDeleted Retain
// (default) keeps the claims when the set is deleted.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#persistentvolumeclaim-retention
func TestStatefulSetPVCRetention(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 3
  serviceName: db
  persistentVolumeClaimRetentionPolicy: {whenScaled: Delete, whenDeleted: Retain}
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: db, volumeMounts: [{name: data, mountPath: /data}]}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}`)
	advance(t, c, time.Minute)
	claims := func() []string {
		objs, err := c.List("PersistentVolumeClaim", "default", "")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range objs {
			if o.GetObjectMeta().DeletionTimestamp == nil {
				out = append(out, o.GetObjectMeta().Name)
			}
		}
		sort.Strings(out)
		return out
	}
	if got := claims(); len(got) != 3 || got[0] != "data-db-0" {
		t.Fatalf("claims %v", got)
	}
	o, _ := c.Get("StatefulSet", "default", "db")
	set := o.(*workload.StatefulSet)
	set.Spec.Replicas = workload.Ptr[int32](1)
	if _, err := c.Apply(set); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 5*time.Minute)
	if got := claims(); len(got) != 1 || got[0] != "data-db-0" {
		t.Errorf("after scale to 1 (whenScaled Delete): claims %v", got)
	}
	if err := c.Delete("StatefulSet", "default", "db", ""); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 5*time.Minute)
	if got := claims(); len(got) != 1 {
		t.Errorf("after delete (whenDeleted Retain): claims %v", got)
	}
}

// A deleted StatefulSet pod is recreated with the same name (stable
// identity). Source: https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-network-id
func TestStatefulSetPodRecreatedSameName(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, stsYAML("db", "  replicas: 2", "db:1"))
	advance(t, c, time.Minute)
	if err := c.DeletePod("default", "db-0", workload.Ptr[int64](0)); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	o, err := c.Get("Pod", "default", "db-0")
	if err != nil {
		t.Fatal(err)
	}
	p := o.(*workload.Pod)
	if p.Spec.Hostname != "db-0" || p.Spec.Subdomain != "db" || p.Status.Phase != "Running" {
		t.Errorf("pod %s hostname %q subdomain %q phase %s", p.Name, p.Spec.Hostname, p.Spec.Subdomain, p.Status.Phase)
	}
	if p.Labels["apps.kubernetes.io/pod-index"] != "0" || p.Labels["statefulset.kubernetes.io/pod-name"] != "db-0" {
		t.Errorf("labels %v", p.Labels)
	}
}

// Known Kubernetes limitation (forced rollback): with OrderedReady, after a
// rolling update to a template whose pod never becomes Ready, reverting the
// template does not replace the broken pod; the StatefulSet waits for it
// forever and the user must delete it by hand.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#forced-rollback ;
// https://github.com/kubernetes/kubernetes/issues/67250
func TestStatefulSetForcedRollbackNeeded(t *testing.T) {
	c := newClusterB(t, []fake.Behavior{{Match: fake.Match{Image: "broken*"}, NeverReady: true}}, "a")
	applyYAML(t, c, stsYAML("db", "  replicas: 3", "db:1"))
	advance(t, c, time.Minute)
	edit := func(image string) {
		o, _ := c.Get("StatefulSet", "default", "db")
		set := o.(*workload.StatefulSet)
		set.Spec.Template.Spec.Containers[0].Image = image
		if _, err := c.Apply(set); err != nil {
			t.Fatal(err)
		}
	}
	edit("broken:2")
	advance(t, c, 2*time.Minute)
	images := map[string]string{}
	for _, p := range pods(t, c, "app=db") {
		images[p.Name] = p.Spec.Containers[0].Image
	}
	if images["db-2"] != "broken:2" || images["db-1"] != "db:1" {
		t.Fatalf("images %v: want db-2 broken, db-1 untouched (stuck)", images)
	}
	edit("db:1")
	advance(t, c, 10*time.Minute)
	o, _ := c.Get("Pod", "default", "db-2")
	if im := o.(*workload.Pod).Spec.Containers[0].Image; im != "broken:2" {
		t.Logf("orchestra replaced the broken pod after the revert (Kubernetes does not: forced rollback needed); image %s", im)
		t.Fail()
	}
}
