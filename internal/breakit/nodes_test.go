package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/fake"
)

// Kubernetes' DefaultTolerationSeconds admission plugin gives every pod,
// including the ones controllers create, 300 s tolerations of the
// not-ready and unreachable NoExecute taints, so a node that fails keeps
// its pods for five minutes (controller/nodelifecycle.go says the same).
// orchestra adds them only in Apply (workload.DefaultPod) and in the Job
// controller: pods made by ReplicaSets (Deployments) and StatefulSets
// through controller.NewPodFromTemplate have none, and are evicted the
// instant their node goes NotReady or Unreachable.
func TestControllerPodsEvictedAtOnceWhenNodeFails(t *testing.T) {
	for _, tc := range []struct {
		name, manifest string
		fail           func(*fake.Runtime) error
		// grace is how long after fail the node is tainted: the node
		// monitor grace period (50 s) for a silent kubelet.
		grace time.Duration
	}{
		{"Deployment/unreachable", deployment, func(f *fake.Runtime) error { return f.FailNode("a") }, 50 * time.Second},
		{"Deployment/not-ready", deployment, func(f *fake.Runtime) error { return f.SetNodeReady("a", false) }, 0},
		{"StatefulSet/unreachable", statefulSet, func(f *fake.Runtime) error { return f.FailNode("a") }, 50 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, "a")
			applyYAML(t, c, tc.manifest)
			advance(t, c, time.Minute)
			before := pods(t, c, "")
			if len(before) == 0 {
				t.Fatal("no pods")
			}
			for _, p := range before {
				if p.Spec.NodeName != "a" || p.Status.Phase != "Running" {
					t.Fatalf("pod %s: node %q phase %s, want a Running", p.Name, p.Spec.NodeName, p.Status.Phase)
				}
			}
			if err := tc.fail(c.Fake()); err != nil {
				t.Fatal(err)
			}
			advance(t, c, tc.grace+4*time.Minute) // well inside the 300 s toleration from the taint
			for _, p := range before {
				got, err := c.Get("Pod", p.Namespace, p.Name)
				if err != nil {
					t.Errorf("pod %s gone 4m after its node failed; Kubernetes keeps it 300s (its tolerations: %v)", p.Name, p.Spec.Tolerations)
					continue
				}
				if dt := got.GetObjectMeta().DeletionTimestamp; dt != nil {
					t.Errorf("pod %s evicted %v after its node failed; Kubernetes keeps it 300s", p.Name, dt.Sub(t0.Add(time.Minute)))
				}
			}
		})
	}
}

const deployment = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: web}]}`

const statefulSet = `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: db}]}`
