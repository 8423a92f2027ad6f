package breakit_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

// r11kDeploy is a Deployment of app whose pods refuse to share a node
// (required anti-affinity on the hostname) and spread over zones with
// at most maxSkew between them (DoNotSchedule), with a sidecar.
func r11kDeploy(app string, replicas, maxSkew int) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: %[1]s}
spec:
  replicas: %[2]d
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s}}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: %[1]s}}
            topologyKey: kubernetes.io/hostname
      topologySpreadConstraints:
      - maxSkew: %[3]d
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: DoNotSchedule
        labelSelector: {matchLabels: {app: %[1]s}}
        matchLabelKeys: [pod-template-hash]
      initContainers: [{name: proxy, image: envoy, restartPolicy: Always}]
      containers: [{name: app, image: %[1]s:1}]
`, app, replicas, maxSkew)
}

// Seeded random play: Deployments with required anti-affinity and a zone
// spread constraint are scaled, their pods deleted, nodes added, removed,
// relabelled and cordoned. At every step no two pods of one app share a
// node (the anti-affinity holds, terminating pods included) and nothing
// panics; and pods do get bound.
func TestR11kRandomAntiAffinityInvariant(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 11))
			c := newCluster(t)
			nodes := 0
			addNode := func() {
				nodes++
				n := &workload.Node{ObjectMeta: workload.ObjectMeta{Name: fmt.Sprintf("n-%02d", nodes),
					Labels: map[string]string{workload.LabelZone: fmt.Sprintf("z%d", rng.IntN(3))}}}
				if err := c.Fake().AddNode(n); err != nil {
					t.Fatal(err)
				}
			}
			for range 6 {
				addNode()
			}
			apps := []string{"web", "api", "cache"}
			for _, a := range apps {
				applyYAML(t, c, r11kDeploy(a, 1+rng.IntN(4), 1+rng.IntN(2)))
			}
			bound := 0
			for step := range 60 {
				switch rng.IntN(6) {
				case 0:
					a := apps[rng.IntN(len(apps))]
					applyYAML(t, c, r11kDeploy(a, rng.IntN(8), 1+rng.IntN(2)))
				case 1:
					if ps := pods(t, c, ""); len(ps) > 0 {
						p := ps[rng.IntN(len(ps))]
						_ = c.DeletePod(p.Namespace, p.Name, nil)
					}
				case 2:
					addNode()
				case 3:
					name := fmt.Sprintf("n-%02d", 1+rng.IntN(nodes))
					_ = c.Fake().RemoveNode(name)
				case 4:
					name := fmt.Sprintf("n-%02d", 1+rng.IntN(nodes))
					z := fmt.Sprintf("z%d", rng.IntN(4))
					_ = c.Fake().SetNodeLabels(name, map[string]*string{workload.LabelZone: &z})
				case 5:
					name := fmt.Sprintf("n-%02d", 1+rng.IntN(nodes))
					if o, err := c.Get("Node", "", name); err == nil {
						n := o.(*workload.Node).DeepCopy()
						n.Spec.Unschedulable = !n.Spec.Unschedulable
						_, _ = c.Apply(n)
					}
				}
				advance(t, c, time.Duration(1+rng.IntN(40))*time.Second)
				bound += r11kCheckAntiAffinity(t, c, step)
			}
			if bound == 0 {
				t.Fatal("no pod was ever bound")
			}
		})
	}
}

func r11kCheckAntiAffinity(t *testing.T, c *orchestra.Cluster, step int) int {
	t.Helper()
	seen := map[string]string{}
	for _, p := range pods(t, c, "") {
		if p.Spec.NodeName == "" || p.Status.Phase == workload.PodSucceeded || p.Status.Phase == workload.PodFailed {
			continue
		}
		k := p.Labels["app"] + "@" + p.Spec.NodeName
		if other, ok := seen[k]; ok {
			t.Fatalf("step %d: %s and %s of app %s both on %s", step, other, p.Name, p.Labels["app"], p.Spec.NodeName)
		}
		seen[k] = p.Name
	}
	return len(seen)
}
