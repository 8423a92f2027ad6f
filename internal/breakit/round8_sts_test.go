package breakit_test

import (
	stdslices "slices"
	"testing"
	"time"
)

// The StatefulSet controller records an event for each claim it creates
// from volumeClaimTemplates, before the pod's own, as `kubectl describe
// statefulset` shows in the StatefulSet tutorial:
//
//	Normal  SuccessfulCreate  create Claim www-web-0 Pod web-0 in StatefulSet web success
//	Normal  SuccessfulCreate  create Pod web-0 in StatefulSet web successful
//
// Source: pkg/controller/statefulset/stateful_pod_control.go
// createPersistentVolumeClaims and recordClaimEvent.
func TestR8StatefulSetClaimEvents(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  replicas: 2
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
  volumeClaimTemplates: [{metadata: {name: www}, spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}]`)
	advance(t, c, time.Minute)
	got := eventsFor(c, "web")
	want := []string{
		"SuccessfulCreate: create Claim www-web-0 Pod web-0 in StatefulSet web success",
		"SuccessfulCreate: create Pod web-0 in StatefulSet web successful",
		"SuccessfulCreate: create Claim www-web-1 Pod web-1 in StatefulSet web success",
		"SuccessfulCreate: create Pod web-1 in StatefulSet web successful",
	}
	if !stdslices.Equal(got, want) {
		t.Errorf("StatefulSet events:\n got %q\nwant %q", got, want)
	}
}
