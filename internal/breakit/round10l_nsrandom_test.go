package breakit_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// TestR10lRandomNamespaces plays seeded random workloads in two namespaces
// that are deleted and created again while pods are killed, nodes fail and
// come back and the control plane restarts. At every step no object is
// created in a namespace while it is Terminating. Once the faults stop and
// nodes are healthy, every deleted Namespace is gone with all its content,
// and every Namespace that exists is Active with its workloads running.
func TestR10lRandomNamespaces(t *testing.T) {
	seeds := uint64(10)
	if testing.Short() {
		seeds = 3
	}
	for seed := uint64(0); seed < seeds; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { r10nPlay(t, seed) })
	}
}

func r10nPlay(t *testing.T, seed uint64) {
	w := newR10lWorld(t, seed, 40, "n0", "n1", "n2")
	c := w.c
	spaces := []string{"team-a", "team-b"}
	want := map[string]bool{} // namespace -> should exist at the end
	fill := func(ns string) {
		w.note("create namespace %s with workloads", ns)
		w.apply(fmt.Sprintf(`
apiVersion: v1
kind: Namespace
metadata: {name: %[1]s}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: %[1]s}
spec:
  replicas: %[2]d
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: %[3]d
      containers: [{name: main, image: nginx}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: %[1]s}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: %[1]s}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: %[3]d
      containers: [{name: main, image: mysql}]
  volumeClaimTemplates: [{metadata: {name: data}, spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}]
`, ns, 1+w.rng.IntN(3), w.rng.IntN(40)))
		want[ns] = true
	}
	for _, ns := range spaces {
		fill(ns)
	}
	terminating := func(ns string) bool {
		o, err := c.Get("Namespace", "", ns)
		return err == nil && o.GetObjectMeta().DeletionTimestamp != nil
	}
	for step := 0; step < 40; step++ {
		switch k := w.rng.IntN(8); k {
		case 0, 1:
			ns := spaces[w.rng.IntN(len(spaces))]
			if _, err := c.Get("Namespace", "", ns); errors.Is(err, store.ErrNotFound) {
				fill(ns)
			} else if !terminating(ns) {
				w.note("delete namespace %s", ns)
				if err := c.Delete("Namespace", "", ns, ""); err != nil {
					w.fatalf("delete namespace %s: %v", ns, err)
				}
				want[ns] = false
			}
		case 2:
			all, _ := c.Pods("", "")
			if len(all) > 0 {
				p := all[w.rng.IntN(len(all))]
				w.note("kill %s/%s", p.Namespace, p.Name)
				_ = c.Fake().KillContainer(p.Namespace, p.Name, "main", 1)
			}
		case 3:
			w.setRandomNodeReady()
		case 4:
			w.toggleControlPlane()
		case 5:
			// New content in a terminating namespace is refused. (A
			// namespace whose Namespace is gone takes content again:
			// namespaces need no object here, unlike in Kubernetes.)
			ns := spaces[w.rng.IntN(len(spaces))]
			if _, err := c.Get("Namespace", "", ns); err != nil {
				continue
			}
			_, err := c.Apply(&workload.Pod{ObjectMeta: workload.ObjectMeta{Name: fmt.Sprintf("late-%d", step), Namespace: ns},
				Spec: workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "x"}}}})
			if terminating(ns) && !errors.Is(err, store.ErrForbidden) {
				w.fatalf("a pod applied in terminating namespace %s: %v, want ErrForbidden", ns, err)
			}
			if err == nil {
				w.note("pod late-%d in %s", step, ns)
			}
		}
		if err := c.Advance(time.Duration(w.rng.IntN(40)) * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	w.heal()
	if err := c.Advance(30 * time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, ns := range spaces {
		o, err := c.Get("Namespace", "", ns)
		if !want[ns] {
			if !errors.Is(err, store.ErrNotFound) {
				w.fatalf("namespace %s, deleted, is still there: %v", ns, err)
			}
			for _, kind := range workload.Kinds {
				if workload.IsClusterScoped(kind) {
					continue
				}
				if objs, _ := c.List(kind, ns, ""); len(objs) != 0 {
					w.fatalf("%d %s left in deleted namespace %s", len(objs), kind, ns)
				}
			}
			continue
		}
		if err != nil {
			w.fatalf("namespace %s: %v", ns, err)
		}
		if p := o.(*workload.Namespace).Status.Phase; p != workload.NamespaceActive {
			w.fatalf("namespace %s is %s", ns, p)
		}
		ready := 0
		ps, _ := c.Pods(ns, "")
		for _, p := range ps {
			if r10lReady(p) {
				ready++
			}
		}
		d, err := c.Get("Deployment", ns, "web")
		if err != nil {
			w.fatalf("namespace %s: %v", ns, err)
		}
		if want := int(*d.(*workload.Deployment).Spec.Replicas) + 2; ready < want {
			w.fatalf("namespace %s: %d ready pods, want at least %d (the Deployment's and the StatefulSet's)", ns, ready, want)
		}
	}
}
