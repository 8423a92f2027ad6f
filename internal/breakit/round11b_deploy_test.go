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
