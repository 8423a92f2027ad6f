package orchestra_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// graceDeployment applies a Deployment of two nginx pods and plays a
// minute, so that one pod runs on each of the cluster's two nodes.
func graceDeployment(t *testing.T, c *orchestra.Cluster) {
	t.Helper()
	labels := map[string]string{"app": "web"}
	if _, err := c.Apply(&workload.Deployment{
		ObjectMeta: workload.ObjectMeta{Name: "web"},
		Spec: workload.DeploymentSpec{
			Replicas: workload.Ptr[int32](2),
			Selector: &workload.LabelSelector{MatchLabels: labels},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: labels},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "web", Image: "nginx"}}},
			},
		},
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
}

// podOn returns the name of the one pod on node.
func podOn(t *testing.T, c *orchestra.Cluster, node string) string {
	t.Helper()
	pods, err := c.Pods("default", "app=web")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods {
		if p.Spec.NodeName == node {
			return p.Name
		}
	}
	t.Fatalf("no pod on %s", node)
	return ""
}

func nodeConditions(t *testing.T, c *orchestra.Cluster, name string) map[string]workload.NodeCondition {
	t.Helper()
	n, err := orchestra.GetAs[*workload.Node](c, "", name)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]workload.NodeCondition{}
	for _, cond := range n.Status.Conditions {
		out[cond.Type] = cond
	}
	return out
}

func hasUnreachableTaint(t *testing.T, c *orchestra.Cluster, name string) bool {
	t.Helper()
	n, err := orchestra.GetAs[*workload.Node](c, "", name)
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range n.Spec.Taints {
		if tn.Key == workload.TaintNodeUnreachable && tn.Effect == workload.TaintEffectNoExecute {
			return true
		}
	}
	return false
}

// TestFailedNodeUnknownAfterGracePeriod: a node whose kubelet stops
// posting at t keeps the status it last posted, and its pod stays ready,
// until the node monitor grace period (50 s) has passed; then the node
// lifecycle controller marks Ready and the pressure conditions Unknown
// with Kubernetes' reason and message (tryUpdateNodeHealth), taints the
// node unreachable and marks the pod not ready (MarkPodsNotReady); the
// pod is evicted when its default 300 s toleration of the taint runs out,
// at t+350 s, not t+300 s.
func TestFailedNodeUnknownAfterGracePeriod(t *testing.T) {
	c := newVirtualCluster(t, "node-a", "node-b")
	graceDeployment(t, c)
	pod := podOn(t, c, "node-b")
	failedAt := c.Now()
	if err := c.Fake().FailNode("node-b"); err != nil {
		t.Fatal(err)
	}
	advanceTo := func(d time.Duration) {
		t.Helper()
		if err := c.AdvanceTo(failedAt.Add(d)); err != nil {
			t.Fatal(err)
		}
	}
	readyPod := func() bool {
		t.Helper()
		p, err := orchestra.GetAs[*workload.Pod](c, "default", pod)
		if err != nil {
			t.Fatal(err)
		}
		return controller.IsPodReady(p)
	}

	advanceTo(49 * time.Second)
	conds := nodeConditions(t, c, "node-b")
	if r := conds[workload.NodeReady]; r.Status != workload.ConditionTrue || r.Reason != "KubeletReady" {
		t.Fatalf("Ready 49 s after the kubelet went silent: %+v; want True as last posted", r)
	}
	if hasUnreachableTaint(t, c, "node-b") {
		t.Fatal("node-b tainted unreachable 49 s after the kubelet went silent")
	}
	if !readyPod() {
		t.Fatalf("pod %s not ready 49 s after its node went silent", pod)
	}

	advanceTo(50 * time.Second)
	conds = nodeConditions(t, c, "node-b")
	for _, typ := range []string{workload.NodeReady, workload.NodeMemoryPressure, workload.NodeDiskPressure, workload.NodePIDPressure} {
		got := conds[typ]
		if got.Status != workload.ConditionUnknown || got.Reason != "NodeStatusUnknown" || got.Message != "Kubelet stopped posting node status." {
			t.Errorf("%s 50 s after the kubelet went silent: %s %q %q; want Unknown NodeStatusUnknown \"Kubelet stopped posting node status.\"", typ, got.Status, got.Reason, got.Message)
		}
		if !got.LastTransitionTime.Equal(failedAt.Add(50 * time.Second)) {
			t.Errorf("%s lastTransitionTime %v; want %v", typ, got.LastTransitionTime.Time, failedAt.Add(50*time.Second))
		}
		if got.LastHeartbeatTime.After(failedAt) {
			t.Errorf("%s lastHeartbeatTime %v after the kubelet went silent at %v", typ, got.LastHeartbeatTime.Time, failedAt)
		}
	}
	if !hasUnreachableTaint(t, c, "node-b") {
		t.Error("node-b not tainted unreachable once Unknown")
	}
	if readyPod() {
		t.Errorf("pod %s still ready once its node is Unknown", pod)
	}

	advanceTo(349 * time.Second)
	p, err := orchestra.GetAs[*workload.Pod](c, "default", pod)
	if err != nil {
		t.Fatal(err)
	}
	if p.DeletionTimestamp != nil {
		t.Fatalf("pod %s evicted at %v, before the 300 s toleration counted from the taint at 50 s", pod, p.DeletionTimestamp.Sub(failedAt))
	}
	advanceTo(350 * time.Second)
	p, err = orchestra.GetAs[*workload.Pod](c, "default", pod)
	if err != nil {
		t.Fatal(err)
	}
	if p.DeletionTimestamp == nil {
		t.Fatalf("pod %s not evicted 350 s after its node went silent", pod)
	}
}

// TestNodeRecoveredWithinGraceNeverUnknown: a kubelet that posts again 30 s
// after it went silent, within the grace period, leaves no trace: the node
// is never Unknown nor tainted, and its pod stays, ready.
func TestNodeRecoveredWithinGraceNeverUnknown(t *testing.T) {
	c := newVirtualCluster(t, "node-a", "node-b")
	graceDeployment(t, c)
	pod := podOn(t, c, "node-b")
	failedAt := c.Now()
	unknown, tainted, unready := false, false, false
	if err := c.OnChange(func(ev store.Event) {
		switch o := ev.Object.(type) {
		case *workload.Node:
			if o.Name != "node-b" {
				return
			}
			for _, cond := range o.Status.Conditions {
				if cond.Status == workload.ConditionUnknown {
					unknown = true
				}
			}
			for _, tn := range o.Spec.Taints {
				if tn.Key == workload.TaintNodeUnreachable {
					tainted = true
				}
			}
		case *workload.Pod:
			if o.Name == pod && !controller.IsPodReady(o) {
				unready = true
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Fake().FailNode("node-b"); err != nil {
		t.Fatal(err)
	}
	if err := c.AdvanceTo(failedAt.Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := c.Fake().SetNodeReady("node-b", true); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(10 * time.Minute); err != nil {
		t.Fatal(err)
	}
	if unknown || tainted || unready {
		t.Fatalf("node back after 30 s: Unknown %v, tainted unreachable %v, pod unready %v; want none", unknown, tainted, unready)
	}
	n, err := orchestra.GetAs[*workload.Node](c, "", "node-b")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := n.Annotations[workload.KubeletSilentSinceAnnotation]; ok {
		t.Errorf("node-b still carries %s after its kubelet posted again", workload.KubeletSilentSinceAnnotation)
	}
	conds := nodeConditions(t, c, "node-b")
	if r := conds[workload.NodeReady]; !r.LastHeartbeatTime.Equal(failedAt.Add(30 * time.Second)) {
		t.Errorf("Ready lastHeartbeatTime %v; want the kubelet's post at %v", r.LastHeartbeatTime.Time, failedAt.Add(30*time.Second))
	}
	p, err := orchestra.GetAs[*workload.Pod](c, "default", pod)
	if err != nil {
		t.Fatal(err)
	}
	if p.DeletionTimestamp != nil || !controller.IsPodReady(p) {
		t.Fatalf("pod %s: deleting %v, ready %v; want it kept, ready", pod, p.DeletionTimestamp != nil, controller.IsPodReady(p))
	}
}

// TestNodeBackAfterUnknownReadyAtOnce: a kubelet that posts again after
// its node was marked Unknown makes it Ready at once: the taints go, the
// pod's scheduled eviction is cancelled and it is ready again.
func TestNodeBackAfterUnknownReadyAtOnce(t *testing.T) {
	c := newVirtualCluster(t, "node-a", "node-b")
	graceDeployment(t, c)
	pod := podOn(t, c, "node-b")
	failedAt := c.Now()
	if err := c.Fake().FailNode("node-b"); err != nil {
		t.Fatal(err)
	}
	if err := c.AdvanceTo(failedAt.Add(2 * time.Minute)); err != nil {
		t.Fatal(err)
	}
	if r := nodeConditions(t, c, "node-b")[workload.NodeReady]; r.Status != workload.ConditionUnknown {
		t.Fatalf("Ready 2 min after the kubelet went silent: %s; want Unknown", r.Status)
	}
	if err := c.Fake().SetNodeReady("node-b", true); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(0); err != nil {
		t.Fatal(err)
	}
	conds := nodeConditions(t, c, "node-b")
	for _, typ := range []string{workload.NodeReady, workload.NodeMemoryPressure} {
		if got := conds[typ]; got.Status == workload.ConditionUnknown || !got.LastHeartbeatTime.Equal(c.Now()) {
			t.Errorf("%s after the kubelet posted again: %s, heartbeat %v; want posted now", typ, got.Status, got.LastHeartbeatTime.Time)
		}
	}
	if hasUnreachableTaint(t, c, "node-b") {
		t.Error("node-b still tainted unreachable once Ready")
	}
	if err := c.Advance(10 * time.Minute); err != nil {
		t.Fatal(err)
	}
	p, err := orchestra.GetAs[*workload.Pod](c, "default", pod)
	if err != nil {
		t.Fatal(err)
	}
	if p.DeletionTimestamp != nil || !controller.IsPodReady(p) {
		t.Fatalf("pod %s: deleting %v, ready %v; want it kept, ready", pod, p.DeletionTimestamp != nil, controller.IsPodReady(p))
	}
}

// TestNodeMonitorGracePeriodRefusedNegative: NewNodeLifecycleWith refuses
// a negative grace period, naming the field (ExampleNewNodeLifecycleWith
// shows one that is set).
func TestNodeMonitorGracePeriodRefusedNegative(t *testing.T) {
	_, err := controller.NewNodeLifecycleWith(controller.NodeLifecycleConfig{NodeMonitorGracePeriod: -time.Second})
	if !errors.Is(err, controller.ErrPermanent) || !strings.Contains(err.Error(), "NodeMonitorGracePeriod") {
		t.Fatalf("negative grace period: err = %v; want ErrPermanent naming NodeMonitorGracePeriod", err)
	}
}

// TestNodeGraceRestartsWithControlPlane: a node lifecycle controller that
// starts while a kubelet is silent takes its first look at the node as
// the node's last heartbeat, as Kubernetes' tryUpdateNodeHealth does
// with no saved probe time: a node silent since 0 s whose control plane
// was down from 20 s to 30 s is Unknown at 80 s, not 50 s.
func TestNodeGraceRestartsWithControlPlane(t *testing.T) {
	c := newVirtualCluster(t, "node-a", "node-b")
	failedAt := c.Now()
	if err := c.Fake().FailNode("node-b"); err != nil {
		t.Fatal(err)
	}
	if err := c.AdvanceTo(failedAt.Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	c.StopControlPlane()
	if err := c.AdvanceTo(failedAt.Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := c.StartControlPlane(); err != nil {
		t.Fatal(err)
	}
	if err := c.AdvanceTo(failedAt.Add(79 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if r := nodeConditions(t, c, "node-b")[workload.NodeReady]; r.Status != workload.ConditionTrue {
		t.Fatalf("Ready at 79 s, 49 s after the control plane restarted: %s; want True", r.Status)
	}
	if err := c.AdvanceTo(failedAt.Add(80 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if r := nodeConditions(t, c, "node-b")[workload.NodeReady]; r.Status != workload.ConditionUnknown {
		t.Fatalf("Ready at 80 s, 50 s after the control plane restarted: %s; want Unknown", r.Status)
	}
}

// TestSilentNodeChangedThroughRuntimeStaysUnknown: a silent node that the
// runtime reports again for another reason (a label set on it) still
// posts no status: it stays Unknown and tainted, its eviction goes on.
func TestSilentNodeChangedThroughRuntimeStaysUnknown(t *testing.T) {
	c := newVirtualCluster(t, "node-a", "node-b")
	graceDeployment(t, c)
	pod := podOn(t, c, "node-b")
	failedAt := c.Now()
	if err := c.Fake().FailNode("node-b"); err != nil {
		t.Fatal(err)
	}
	if err := c.AdvanceTo(failedAt.Add(2 * time.Minute)); err != nil {
		t.Fatal(err)
	}
	flipped := false
	if err := c.OnChange(func(ev store.Event) {
		if n, ok := ev.Object.(*workload.Node); ok && n.Name == "node-b" {
			for _, cond := range n.Status.Conditions {
				if cond.Type == workload.NodeReady && cond.Status != workload.ConditionUnknown {
					flipped = true
				}
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	v := "x"
	if err := c.Fake().SetNodeLabels("node-b", map[string]*string{"k": &v}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(0); err != nil {
		t.Fatal(err)
	}
	n, err := orchestra.GetAs[*workload.Node](c, "", "node-b")
	if err != nil {
		t.Fatal(err)
	}
	if n.Labels["k"] != "x" {
		t.Fatalf("label k not mirrored: %v", n.Labels)
	}
	if r := nodeConditions(t, c, "node-b")[workload.NodeReady]; r.Status != workload.ConditionUnknown || flipped {
		t.Fatalf("Ready after a silent node's label changed: %s (left Unknown meanwhile: %v); want Unknown throughout", r.Status, flipped)
	}
	if !hasUnreachableTaint(t, c, "node-b") {
		t.Fatal("node-b lost its unreachable taint")
	}
	if err := c.AdvanceTo(failedAt.Add(350 * time.Second)); err != nil {
		t.Fatal(err)
	}
	p, err := orchestra.GetAs[*workload.Pod](c, "default", pod)
	if err != nil {
		t.Fatal(err)
	}
	if p.DeletionTimestamp == nil {
		t.Fatalf("pod %s not evicted 350 s after its node went silent", pod)
	}
}
