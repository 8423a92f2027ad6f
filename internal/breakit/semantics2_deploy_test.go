package breakit_test

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/workload"
)

func deployYAML(name, spec, image string) string {
	return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ` + name + `}
spec:
` + spec + `
  selector: {matchLabels: {app: ` + name + `}}
  template:
    metadata: {labels: {app: ` + name + `}}
    spec: {containers: [{name: c, image: ` + image + `}]}`
}

func getDeploy(t *testing.T, c *orchestra.Cluster, name string) *workload.Deployment {
	t.Helper()
	o, err := c.Get("Deployment", "default", name)
	if err != nil {
		t.Fatal(err)
	}
	return o.(*workload.Deployment)
}

type rsInfo struct {
	image    string
	replicas int32
	revision string
	name     string
}

func replicaSets(t *testing.T, c *orchestra.Cluster) []rsInfo {
	t.Helper()
	objs, err := c.List("ReplicaSet", "default", "")
	if err != nil {
		t.Fatal(err)
	}
	var out []rsInfo
	for _, o := range objs {
		rs := o.(*workload.ReplicaSet)
		out = append(out, rsInfo{rs.Spec.Template.Spec.Containers[0].Image, *rs.Spec.Replicas, rs.Annotations["deployment.kubernetes.io/revision"], rs.Name})
	}
	sort.Slice(out, func(i, k int) bool { return out[i].revision < out[k].revision })
	return out
}

func setImage(t *testing.T, c *orchestra.Cluster, name, image string, edit func(*workload.Deployment)) {
	t.Helper()
	d := getDeploy(t, c, name)
	d.Spec.Template.Spec.Containers[0].Image = image
	if edit != nil {
		edit(d)
	}
	if _, err := c.Apply(d); err != nil {
		t.Fatal(err)
	}
}

var brokenImage = []fake.Behavior{{Match: fake.Match{Image: "broken*"}, NeverReady: true}}

// Rolling update math: 10 replicas, maxSurge 25% -> 3 (rounded up),
// maxUnavailable 25% -> 2 (rounded down). A rollout to an image that never
// becomes ready stops at old 8, new 5 (13 = 10 + 3 pods, 8 = 10 - 2
// available).
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#max-surge ,
// pkg/controller/deployment/util/deployment_util.go ResolveFenceposts.
//
// FAILS on status.unavailableReplicas: Kubernetes' calculateStatus
// (pkg/controller/deployment/sync.go) computes it as the sum of the
// ReplicaSets' spec.replicas minus availableReplicas (13 - 8 = 5, what
// `kubectl describe deployment` shows as "5 unavailable"); orchestra's
// calculateStatus (controller/deployment_decide.go) uses the Deployment's
// spec.replicas (10 - 8 = 2), under-reporting during every surge.
func TestDeploymentRollingMath(t *testing.T) {
	c := newClusterB(t, brokenImage, "a")
	applyYAML(t, c, deployYAML("web", "  replicas: 10", "nginx:1"))
	advance(t, c, time.Minute)
	setImage(t, c, "web", "broken:2", nil)
	advance(t, c, 5*time.Minute)
	rss := replicaSets(t, c)
	if len(rss) != 2 || rss[0].replicas != 8 || rss[1].replicas != 5 {
		t.Errorf("replica sets %+v, want old 8 new 5", rss)
	}
	d := getDeploy(t, c, "web")
	if d.Status.UpdatedReplicas != 5 || d.Status.Replicas != 13 || d.Status.AvailableReplicas != 8 || d.Status.UnavailableReplicas != 5 {
		t.Errorf("status %+v", d.Status)
	}
}

// Proportional scaling during a rollout: the docs' example. 10 replicas,
// maxSurge 3, maxUnavailable 2, stuck rollout (old 8, new 5); scaled to 15:
// 3 more go to the old ReplicaSet and 2 to the new one (old 11, new 7).
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#proportional-scaling
func TestDeploymentProportionalScaling(t *testing.T) {
	c := newClusterB(t, brokenImage, "a")
	applyYAML(t, c, deployYAML("web", "  replicas: 10\n  strategy: {rollingUpdate: {maxSurge: 3, maxUnavailable: 2}}", "nginx:1"))
	advance(t, c, time.Minute)
	setImage(t, c, "web", "broken:2", nil)
	advance(t, c, time.Minute)
	d := getDeploy(t, c, "web")
	d.Spec.Replicas = workload.Ptr[int32](15)
	if _, err := c.Apply(d); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	rss := replicaSets(t, c)
	if len(rss) != 2 || rss[0].replicas != 11 || rss[1].replicas != 7 {
		t.Errorf("replica sets %+v, want old 11 new 7", rss)
	}
}

// Progressing condition: NewReplicaSetAvailable when done; a stuck rollout
// gets Progressing=False ProgressDeadlineExceeded after
// progressDeadlineSeconds; Available MinimumReplicasAvailable.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#failed-deployment
func TestDeploymentProgressDeadline(t *testing.T) {
	c := newClusterB(t, brokenImage, "a")
	applyYAML(t, c, deployYAML("web", "  replicas: 3\n  progressDeadlineSeconds: 120", "nginx:1"))
	advance(t, c, time.Minute)
	d := getDeploy(t, c, "web")
	if p := FindCond(d.Status.Conditions, "Progressing"); p == nil || p.Reason != "NewReplicaSetAvailable" || p.Status != "True" {
		t.Errorf("after rollout: %s", condSummary(d.Status.Conditions))
	}
	if a := FindCond(d.Status.Conditions, "Available"); a == nil || a.Reason != "MinimumReplicasAvailable" || a.Status != "True" {
		t.Errorf("after rollout: %s", condSummary(d.Status.Conditions))
	}
	setImage(t, c, "web", "broken:2", nil)
	advance(t, c, 100*time.Second)
	d = getDeploy(t, c, "web")
	if p := FindCond(d.Status.Conditions, "Progressing"); p == nil || p.Status != "True" || p.Reason != "ReplicaSetUpdated" {
		t.Errorf("100s into the rollout: %s", condSummary(d.Status.Conditions))
	}
	advance(t, c, 30*time.Second)
	d = getDeploy(t, c, "web")
	if p := FindCond(d.Status.Conditions, "Progressing"); p == nil || p.Status != "False" || p.Reason != "ProgressDeadlineExceeded" {
		t.Errorf("130s into the rollout: %s", condSummary(d.Status.Conditions))
	}
}

func FindCond(cs []workload.Condition, typ string) *workload.Condition {
	for i := range cs {
		if cs[i].Type == typ {
			return &cs[i]
		}
	}
	return nil
}

// minReadySeconds: a pod counts as available only after being ready for
// minReadySeconds; availableReplicas must update without another event.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#min-ready-seconds
func TestDeploymentMinReadySeconds(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, deployYAML("web", "  replicas: 2\n  minReadySeconds: 30", "nginx:1"))
	advance(t, c, 20*time.Second)
	d := getDeploy(t, c, "web")
	if d.Status.ReadyReplicas != 2 || d.Status.AvailableReplicas != 0 {
		t.Errorf("at 20s: ready %d available %d, want 2 0", d.Status.ReadyReplicas, d.Status.AvailableReplicas)
	}
	advance(t, c, 15*time.Second)
	d = getDeploy(t, c, "web")
	if d.Status.AvailableReplicas != 2 {
		t.Errorf("at 35s: available %d, want 2", d.Status.AvailableReplicas)
	}
	if p := FindCond(d.Status.Conditions, "Progressing"); p == nil || p.Reason != "NewReplicaSetAvailable" {
		t.Errorf("at 35s: %s", condSummary(d.Status.Conditions))
	}
}

// Recreate: every old pod is gone before a new one is created.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#recreate-deployment
func TestDeploymentRecreate(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, deployYAML("web", "  replicas: 3\n  strategy: {type: Recreate}", "nginx:1"))
	advance(t, c, time.Minute)
	var overlap bool
	setImage(t, c, "web", "nginx:2", nil)
	for i := 0; i < 120; i++ {
		advance(t, c, time.Second)
		var v1, v2 int
		for _, p := range pods(t, c, "app=web") {
			if p.Spec.Containers[0].Image == "nginx:1" {
				v1++
			} else {
				v2++
			}
		}
		if v1 > 0 && v2 > 0 {
			overlap = true
		}
	}
	if overlap {
		t.Errorf("old and new pods coexisted during a Recreate rollout")
	}
	d := getDeploy(t, c, "web")
	if d.Status.UpdatedReplicas != 3 || d.Status.AvailableReplicas != 3 {
		t.Errorf("status %+v", d.Status)
	}
}

// Rollback: re-applying the old template reuses the old ReplicaSet and gives
// it the next revision (1,2 -> the first becomes 3); the old revision is
// kept in deployment.kubernetes.io/revision-history; the Deployment's
// revision annotation follows.
// Source: pkg/controller/deployment/util/deployment_util.go SetNewReplicaSetAnnotations
//
// FAILS on revision-history: orchestra's syncRevision
// (controller/deployment_decide.go) bumps the revision of the re-used
// ReplicaSet but never records the revision it had in
// deployment.kubernetes.io/revision-history.
func TestDeploymentRollback(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, deployYAML("web", "  replicas: 2", "nginx:1"))
	advance(t, c, time.Minute)
	setImage(t, c, "web", "nginx:2", nil)
	advance(t, c, time.Minute)
	setImage(t, c, "web", "nginx:1", nil)
	advance(t, c, time.Minute)
	rss := replicaSets(t, c)
	if len(rss) != 2 {
		t.Fatalf("rss %+v", rss)
	}
	if rss[1].image != "nginx:1" || rss[1].revision != "3" || rss[1].replicas != 2 {
		t.Errorf("rss %+v, want nginx:1 at revision 3", rss)
	}
	o, _ := c.Get("ReplicaSet", "default", rss[1].name)
	if h := o.(*workload.ReplicaSet).Annotations["deployment.kubernetes.io/revision-history"]; h != "1" {
		t.Errorf("revision-history %q want 1", h)
	}
	if r := getDeploy(t, c, "web").Annotations["deployment.kubernetes.io/revision"]; r != "3" {
		t.Errorf("deployment revision %q", r)
	}
}

// Pause: template changes do not roll out while paused; the Progressing
// condition is Unknown with reason DeploymentPaused; resume rolls out.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#pausing-and-resuming-a-deployment
func TestDeploymentPause(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, deployYAML("web", "  replicas: 2", "nginx:1"))
	advance(t, c, time.Minute)
	setImage(t, c, "web", "nginx:2", func(d *workload.Deployment) { d.Spec.Paused = true })
	advance(t, c, time.Minute)
	if rss := replicaSets(t, c); len(rss) != 1 {
		t.Errorf("paused Deployment rolled out: %+v", rss)
	}
	d := getDeploy(t, c, "web")
	if p := FindCond(d.Status.Conditions, "Progressing"); p == nil || p.Status != "Unknown" || p.Reason != "DeploymentPaused" {
		t.Errorf("paused: %s", condSummary(d.Status.Conditions))
	}
	d.Spec.Paused = false
	if _, err := c.Apply(d); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	d = getDeploy(t, c, "web")
	if p := FindCond(d.Status.Conditions, "Progressing"); p == nil || p.Reason != "NewReplicaSetAvailable" {
		t.Errorf("resumed: %s", condSummary(d.Status.Conditions))
	}
	if d.Status.UpdatedReplicas != 2 {
		t.Errorf("resumed: updated %d", d.Status.UpdatedReplicas)
	}
}

// revisionHistoryLimit: old ReplicaSets beyond the limit are deleted.
func TestDeploymentRevisionHistoryLimit(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, deployYAML("web", "  replicas: 1\n  revisionHistoryLimit: 2", "nginx:1"))
	advance(t, c, time.Minute)
	for _, im := range []string{"nginx:2", "nginx:3", "nginx:4", "nginx:5"} {
		setImage(t, c, "web", im, nil)
		advance(t, c, time.Minute)
	}
	rss := replicaSets(t, c)
	if len(rss) != 3 {
		t.Errorf("rss %+v, want the current one and 2 old", rss)
	}
}

// pod-template-hash: the ReplicaSet is <deploy>-<hash>, and its pods carry
// the hash label and are named <rs>-<5 chars>.
func TestDeploymentPodTemplateHash(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, deployYAML("web", "  replicas: 2", "nginx:1"))
	advance(t, c, time.Minute)
	rss := replicaSets(t, c)
	hash := strings.TrimPrefix(rss[0].name, "web-")
	for _, p := range pods(t, c, "app=web") {
		if p.Labels["pod-template-hash"] != hash {
			t.Errorf("pod %s labels %v, hash %s", p.Name, p.Labels, hash)
		}
		if !strings.HasPrefix(p.Name, rss[0].name+"-") || len(p.Name) != len(rss[0].name)+6 {
			t.Errorf("pod name %s", p.Name)
		}
	}
}

// maxSurge 0 and maxUnavailable 0 together are rejected by validation.
// Source: pkg/apis/apps/validation ValidateRollingUpdateDeployment.
func TestDeploymentBothZeroRejected(t *testing.T) {
	c := newCluster(t, "a")
	objs, _, err := workload.Decode([]byte(deployYAML("web", "  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}", "nginx")), "d.yaml")
	if err != nil {
		return
	}
	if _, err := c.Apply(objs[0]); err == nil {
		t.Errorf("Apply accepted maxSurge 0 and maxUnavailable 0")
	}
	objs, _, _ = workload.Decode([]byte(deployYAML("web", "  strategy: {rollingUpdate: {maxSurge: '0%', maxUnavailable: 0}}", "nginx")), "d.yaml")
	if _, err := c.Apply(objs[0]); err == nil {
		t.Errorf("Apply accepted maxSurge 0%% and maxUnavailable 0")
	}
}
