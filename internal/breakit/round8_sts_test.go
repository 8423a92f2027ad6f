package breakit_test

import (
	"errors"
	stdslices "slices"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
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

// A StatefulSet's name must be a DNS-1123 label (no dots, at most 63
// characters), not merely a subdomain as other kinds' names: its pods are
// named "<set>-<ordinal>" and take that name as their hostname. Kubernetes
// rejects "web.v1" ("must not contain dots") and a 64-character name ("must
// be no more than 63 characters"); nothing is stored and no pod is made.
// Source: pkg/apis/apps/validation/validation.go ValidateStatefulSetName
// (apimachineryvalidation.NameIsDNSLabel).
func TestR8StatefulSetNameIsDNSLabel(t *testing.T) {
	for _, name := range []string{"web.v1", strings.Repeat("a", 64)} {
		c := newCluster(t, "a")
		objs, _, err := workload.Decode([]byte(`
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: `+name+`}
spec:
  selector: {matchLabels: {app: s}}
  template: {metadata: {labels: {app: s}}, spec: {containers: [{name: c, image: x}]}}`), "sts.yaml")
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Apply(objs[0])
		if err == nil || !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "StatefulSet/default/"+name+": metadata.name: Invalid value") {
			t.Errorf("Apply StatefulSet %q: %v, want an invalid metadata.name", name, err)
		}
		advance(t, c, time.Minute)
		if ps := pods(t, c, ""); len(ps) != 0 {
			t.Errorf("StatefulSet %q: %d pods made", name, len(ps))
		}
	}
	// 63 characters is a label.
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: `+strings.Repeat("b", 63)+`}
spec:
  replicas: 0
  selector: {matchLabels: {app: s}}
  template: {metadata: {labels: {app: s}}, spec: {containers: [{name: c, image: x}]}}`)
}
