package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/workload"
)

func r11bPausedWeb(paused string) string {
	return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  paused: ` + paused + `
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: v1}]}`
}

// A Deployment created paused makes nothing: a paused Deployment only
// scales the ReplicaSets it has (sync with createIfNotExisted false), and
// it has none, so there is no ReplicaSet and no pod; its Progressing
// condition is Unknown (DeploymentPaused) and Available False. Resuming it
// creates the ReplicaSet (revision 1) and its pods. Source:
// pkg/controller/deployment/deployment_controller.go syncDeployment
// (d.Spec.Paused -> dc.sync), sync.go sync / getAllReplicaSetsAndSyncRevision,
// checkPausedConditions.
func TestR11bDeploymentCreatedPausedMakesNothing(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, r11bPausedWeb("true"))
	advance(t, c, time.Minute)
	if rss, _ := c.List("ReplicaSet", "default", ""); len(rss) != 0 {
		t.Fatalf("%d ReplicaSets for a Deployment created paused, want none", len(rss))
	}
	if n := len(pods(t, c, "app=web")); n != 0 {
		t.Fatalf("%d pods for a Deployment created paused, want none", n)
	}
	d := r10aDeployment(t, c)
	if p := controller.FindCondition(d.Status.Conditions, workload.DeploymentProgressing); p == nil ||
		p.Status != workload.ConditionUnknown || p.Reason != workload.ReasonDeploymentPaused {
		t.Errorf("conditions %s, want Progressing Unknown DeploymentPaused", condSummary(d.Status.Conditions))
	}
	if a := controller.FindCondition(d.Status.Conditions, workload.DeploymentAvailable); a == nil || a.Status != workload.ConditionFalse {
		t.Errorf("conditions %s, want Available False", condSummary(d.Status.Conditions))
	}
	applyYAML(t, c, r11bPausedWeb("false"))
	advance(t, c, time.Minute)
	rss, _ := c.List("ReplicaSet", "default", "")
	if len(rss) != 1 || rss[0].GetObjectMeta().Annotations[workload.RevisionAnnotation] != "1" {
		t.Fatalf("ReplicaSets after resume %v, want one of revision 1", rss)
	}
	if d := r10aDeployment(t, c); !controller.DeploymentComplete(d) {
		t.Errorf("after resume: status %+v, want the rollout complete", d.Status)
	}
}

func r11bWeb(image string) string {
	return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  revisionHistoryLimit: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: ` + image + `}]}`
}

// Going back to a template whose ReplicaSet revisionHistoryLimit pruned
// makes that ReplicaSet again, under the same name (the template's hash)
// and the next revision number, with no revision-history annotation (it
// is a new ReplicaSet); the one ReplicaSet kept in history is then the
// newest old one. Source: pkg/controller/deployment/sync.go
// getNewReplicaSet (name <deployment>-<pod-template-hash>, revision
// max(old)+1), cleanupDeployment (oldest revisions beyond the limit go,
// once the rollout is complete).
func TestR11bDeploymentBackToAPrunedTemplate(t *testing.T) {
	c := newCluster(t, "a")
	rsOf := func() map[string]string { // image -> name@revision
		out := map[string]string{}
		rss, _ := c.List("ReplicaSet", "default", "")
		for _, o := range rss {
			rs := o.(*workload.ReplicaSet)
			out[rs.Spec.Template.Spec.Containers[0].Image] = rs.Name + "@" + rs.Annotations[workload.RevisionAnnotation]
		}
		return out
	}
	applyYAML(t, c, r11bWeb("v1"))
	advance(t, c, time.Minute)
	v1 := rsOf()["v1"]
	for _, img := range []string{"v2", "v3"} {
		applyYAML(t, c, r11bWeb(img))
		advance(t, c, 2*time.Minute)
	}
	got := rsOf()
	if _, ok := got["v1"]; ok || len(got) != 2 {
		t.Fatalf("ReplicaSets after v3 %v, want v2 (history 1) and v3, v1 pruned", got)
	}
	applyYAML(t, c, r11bWeb("v1"))
	advance(t, c, 2*time.Minute)
	got = rsOf()
	name := v1[:len(v1)-len("@1")]
	if got["v1"] != name+"@4" {
		t.Errorf("v1's ReplicaSet after going back: %q, want %s@4 (same name, next revision)", got["v1"], name)
	}
	if _, ok := got["v2"]; ok || len(got) != 2 {
		t.Errorf("ReplicaSets %v, want v3 (history 1) and v1", got)
	}
	rs := r10aGetRS(t, c, name)
	if h, ok := rs.Annotations[workload.RevisionHistoryAnnotation]; ok {
		t.Errorf("revision-history %q on a ReplicaSet made anew", h)
	}
	if d := r10aDeployment(t, c); d.Annotations[workload.RevisionAnnotation] != "4" || !controller.DeploymentComplete(d) {
		t.Errorf("Deployment revision %q, complete %v; want 4, complete", d.Annotations[workload.RevisionAnnotation], controller.DeploymentComplete(d))
	}
}
