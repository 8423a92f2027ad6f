package breakit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/workload"
)

const r7webPods = `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-a, labels: {app: web}}
spec:
  nodeName: a
  containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-b, labels: {app: web}}
spec:
  nodeName: b
  containers: [{name: c, image: nginx}]
`

func r7pod(t *testing.T, c *orchestra.Cluster, name string) *workload.Pod {
	t.Helper()
	o, err := c.Get("Pod", "default", name)
	if err != nil {
		t.Fatal(err)
	}
	return o.(*workload.Pod)
}

func r7endpointReady(t *testing.T, c *orchestra.Cluster, pod string) string {
	t.Helper()
	ep, _ := endpointOf(t, c, "web", pod)
	if ep == nil {
		return "absent"
	}
	return b(ep.Conditions.Ready)
}

// A node whose Ready condition is not True (the kubelet stopped reporting:
// Unknown; or it reports False) has every pod on it marked Ready=False by
// the node lifecycle controller, with a NodeNotReady warning on the pod, so
// Services stop sending traffic there at once instead of after the 300 s
// eviction. Once the kubelet reports Ready again it reconciles its pods'
// statuses and they are Ready again.
// Source: pkg/controller/nodelifecycle/node_lifecycle_controller.go
// monitorNodeHealth and processPod (MarkPodsNotReady when the node's Ready
// condition is not True); pkg/controller/util/node/controller_utils.go
// MarkPodsNotReady (Ready condition False, event NodeNotReady "Node is not
// ready"); pkg/kubelet/status/status_manager.go needsReconcile.
func TestR7NodeNotReadyMarksPodsNotReady(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func(c *orchestra.Cluster) error
		// grace is how long the node stays Ready after fail: a silent
		// kubelet's node is marked Unknown after the node monitor grace
		// period (50 s); a kubelet that posts NotReady is taken at once.
		grace time.Duration
	}{
		{"unreachable", func(c *orchestra.Cluster) error { return c.Fake().FailNode("a") }, 50 * time.Second},
		{"not-ready", func(c *orchestra.Cluster) error { return c.Fake().SetNodeReady("a", false) }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, "a", "b")
			applyYAML(t, c, r7webPods)
			advance(t, c, time.Second)
			if !r5ready(r7pod(t, c, "web-a")) || r7endpointReady(t, c, "web-a") != "true" {
				t.Fatalf("web-a not ready before the node failed")
			}
			if err := tc.fail(c); err != nil {
				t.Fatal(err)
			}
			if tc.grace > 0 {
				advance(t, c, tc.grace-time.Second)
				if !r5ready(r7pod(t, c, "web-a")) || r7endpointReady(t, c, "web-a") != "true" {
					t.Fatalf("web-a not ready %v after its kubelet went silent, within the grace period", tc.grace-time.Second)
				}
			}
			advance(t, c, time.Second)
			p := r7pod(t, c, "web-a")
			if r5ready(p) {
				t.Errorf("pod on a node that is not ready still Ready: %+v", p.Status.Conditions)
			}
			if p.Status.Phase != workload.PodRunning {
				t.Errorf("phase %s, want Running (only the Ready condition changes)", p.Status.Phase)
			}
			if got := r7endpointReady(t, c, "web-a"); got == "true" {
				t.Errorf("endpoint of web-a still ready")
			}
			if !r5ready(r7pod(t, c, "web-b")) || r7endpointReady(t, c, "web-b") != "true" {
				t.Errorf("web-b on a healthy node lost its readiness")
			}
			var ev string
			for _, e := range eventsFor(c, "web-a") {
				if strings.HasPrefix(e, "NodeNotReady: ") {
					ev = e
				}
			}
			if ev != "NodeNotReady: Node is not ready" {
				t.Errorf("events of web-a %q, want a NodeNotReady event", eventsFor(c, "web-a"))
			}
			// The kubelet is back: it reconciles its pods' statuses.
			if err := c.Fake().SetNodeReady("a", true); err != nil {
				t.Fatal(err)
			}
			advance(t, c, time.Second)
			if p := r7pod(t, c, "web-a"); !r5ready(p) || r7endpointReady(t, c, "web-a") != "true" {
				t.Errorf("web-a not ready again after its node recovered: %+v", p.Status.Conditions)
			}
		})
	}
}

// The same with a real runtime (inproc): a node whose kubelet reports
// Ready=False has its pods marked NotReady, and they are Ready again once
// it reports Ready.
func TestR7InprocNodeNotReadyMarksPodsNotReady(t *testing.T) {
	e := r5newInproc(t, inproc.Config{}, nil, func(rt *inproc.Runtime) {
		rt.Register("wait", func(ctx context.Context, ct *inproc.Container) error {
			<-ctx.Done()
			return nil
		})
	})
	e.apply(`
apiVersion: v1
kind: Pod
metadata: {name: w}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: func://wait}]
`)
	e.wait("pod ready", func() bool { return r5ready(e.pod("w")) })
	if err := e.rt.SetNodeReady("n1", false); err != nil {
		t.Fatal(err)
	}
	e.wait("pod marked not ready", func() bool { p := e.pod("w"); return p != nil && !r5ready(p) })
	if err := e.rt.SetNodeReady("n1", true); err != nil {
		t.Fatal(err)
	}
	e.wait("pod ready again", func() bool { return r5ready(e.pod("w")) })
}

const r7dbSet = `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: c, image: mysql}]
`

// r7failDBNode runs the StatefulSet db, fails the node of db-0 and waits
// past its eviction (50 s node monitor grace, 300 s toleration, 30 s
// termination grace); it returns the nodes
// (failed, healthy).
func r7failDBNode(t *testing.T, c *orchestra.Cluster) (string, string) {
	t.Helper()
	applyYAML(t, c, r7dbSet)
	advance(t, c, 10*time.Second)
	dead := r7pod(t, c, "db-0").Spec.NodeName
	other := "a"
	if dead == "a" {
		other = "b"
	}
	if err := c.Fake().FailNode(dead); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 10*time.Minute)
	return dead, other
}

// A pod on an unreachable node is evicted after its 300 s toleration but
// stays Terminating: only its kubelet can confirm that it stopped. So the
// StatefulSet does not start a second db-0 (at most one pod per
// identity). A force deletion (grace 0) removes it from the API at once,
// and the StatefulSet recreates db-0 on a healthy node.
// Source: https://kubernetes.io/docs/tasks/run-application/force-delete-stateful-set-pod/
// ("a Pod is not deleted automatically when a Node is unreachable ...
// The only ways in which a Pod in such a state can be removed from the
// apiserver are: the Node object is deleted, the kubelet on the
// unresponsive Node starts responding ..., force deletion of the Pod by
// the user"); https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination-forced
func TestR7PodOnUnreachableNodeStaysTerminating(t *testing.T) {
	c := newCluster(t, "a", "b")
	dead, other := r7failDBNode(t, c)
	p := r7pod(t, c, "db-0")
	if p.DeletionTimestamp == nil || p.Spec.NodeName != dead {
		t.Fatalf("db-0 at 10m: node %s deleting %v; want the evicted pod, Terminating on %s", p.Spec.NodeName, p.DeletionTimestamp != nil, dead)
	}
	if err := c.DeletePod("default", "db-0", workload.Ptr[int64](0)); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	p = r7pod(t, c, "db-0")
	if p.DeletionTimestamp != nil || p.Spec.NodeName != other || p.Status.Phase != workload.PodRunning {
		t.Errorf("db-0 after the force delete: node %q deleting %v phase %s; want a new db-0 running on %s", p.Spec.NodeName, p.DeletionTimestamp != nil, p.Status.Phase, other)
	}
	// The kubelet comes back: it stops the old pod; the new one is not touched.
	if err := c.Fake().SetNodeReady(dead, true); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	if p2 := r7pod(t, c, "db-0"); p2.UID != p.UID || p2.Status.Phase != workload.PodRunning {
		t.Errorf("db-0 after the node came back: uid changed %v, phase %s", p2.UID != p.UID, p2.Status.Phase)
	}
}

// The out-of-service taint (non-graceful node shutdown): on a node that is
// not ready, pod GC force-deletes the pods that are terminating, marking
// them Failed, so the StatefulSet recreates db-0 elsewhere.
// Source: https://kubernetes.io/docs/concepts/cluster-administration/node-shutdown/#non-graceful-node-shutdown ;
// pkg/controller/podgc/gc_controller.go gcTerminating (node not ready and
// tainted node.kubernetes.io/out-of-service: markFailedAndDeletePod).
func TestR7OutOfServiceTaintForceDeletesTerminatingPods(t *testing.T) {
	c := newCluster(t, "a", "b")
	dead, other := r7failDBNode(t, c)
	if err := c.Fake().SetNodeTaints(dead, []workload.Taint{{Key: "node.kubernetes.io/out-of-service", Value: "nodeshutdown", Effect: "NoExecute"}}); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	p := r7pod(t, c, "db-0")
	if p.DeletionTimestamp != nil || p.Spec.NodeName != other || p.Status.Phase != workload.PodRunning {
		t.Errorf("db-0 after the out-of-service taint: node %q deleting %v phase %s; want a new db-0 running on %s", p.Spec.NodeName, p.DeletionTimestamp != nil, p.Status.Phase, other)
	}
}

// The out-of-service taint put on a node that is Unknown but whose pods
// are still within their 300 s toleration (the order the non-graceful
// node shutdown guide gives: the node is seen down, then tainted): the
// taint manager evicts the pods, which do not tolerate the taint, and pod
// GC force-deletes them once they are terminating, so db-0 comes back on
// a healthy node within a minute, not after the 300 s toleration.
// Source: https://kubernetes.io/docs/concepts/cluster-administration/node-shutdown/#non-graceful-node-shutdown ;
// pkg/controller/tainteviction/taint_eviction.go (a NoExecute taint the pod
// does not tolerate: deleted at once); pkg/controller/podgc/gc_controller.go
// gcTerminating (every 20 s: the terminating pods of a node not ready and
// tainted node.kubernetes.io/out-of-service are marked Failed and deleted).
func TestR7OutOfServiceTaintBeforeTolerationEnds(t *testing.T) {
	c := newCluster(t, "a", "b")
	applyYAML(t, c, r7dbSet)
	advance(t, c, 10*time.Second)
	dead := r7pod(t, c, "db-0").Spec.NodeName
	other := "a"
	if dead == "a" {
		other = "b"
	}
	if err := c.Fake().FailNode(dead); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute) // Unknown at 50 s; 300 s toleration running
	if p := r7pod(t, c, "db-0"); p.DeletionTimestamp != nil || p.Spec.NodeName != dead {
		t.Fatalf("db-0 a minute after its node failed: node %s deleting %v; want it still on %s", p.Spec.NodeName, p.DeletionTimestamp != nil, dead)
	}
	if err := c.Fake().SetNodeTaints(dead, []workload.Taint{{Key: "node.kubernetes.io/out-of-service", Value: "nodeshutdown", Effect: "NoExecute"}}); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	p := r7pod(t, c, "db-0")
	if p.DeletionTimestamp != nil || p.Spec.NodeName != other || p.Status.Phase != workload.PodRunning {
		t.Errorf("db-0 a minute after the out-of-service taint: node %q deleting %v phase %s; want a new db-0 running on %s", p.Spec.NodeName, p.DeletionTimestamp != nil, p.Status.Phase, other)
	}
}
