package breakit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// A StatefulSet replica that fails is deleted and made again, and the set
// says so: a Warning RecreatingFailedPod event "StatefulSet <ns>/<set> is
// recreating failed Pod <pod>" before the SuccessfulDelete. Users find
// the event in `kubectl describe statefulset` when a pod is evicted (the
// kubelet's eviction manager marks it Failed, reason Evicted, as here) or
// rejected by the kubelet (OutOfcpu). Source: pkg/controller/statefulset/stateful_set_control.go
// processReplica (RecreatingFailedPod, RecreatingTerminatedPod for a
// Succeeded pod).
func TestR10aStatefulSetRecreatingFailedPodEvent(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: db}]}`)
	advance(t, c, time.Minute)
	p := r3getPod(t, c, "db-0").DeepCopy()
	firstUID := p.UID
	p.Status.Phase, p.Status.Reason, p.Status.Message = workload.PodFailed, "Evicted", "The node was low on resource: memory."
	if _, err := c.Store().UpdateStatus(p); err != nil {
		t.Fatal(err)
	}
	runUntil(t, c, 2*time.Minute, "db-0 made again", func() bool {
		p := r3get(t, c, "Pod", "default", "db-0")
		return p != nil && p.GetObjectMeta().UID != firstUID
	})
	var recreate, del int
	for i, e := range eventsFor(c, "db") {
		switch {
		case strings.HasPrefix(e, "RecreatingFailedPod: ") && recreate == 0:
			recreate = i + 1
			if want := "RecreatingFailedPod: StatefulSet default/db is recreating failed Pod db-0"; e != want {
				t.Errorf("event %q, want %q", e, want)
			}
		case strings.HasPrefix(e, "SuccessfulDelete: ") && del == 0:
			del = i + 1
		}
	}
	if recreate == 0 || del == 0 || recreate > del {
		t.Errorf("events %q: want RecreatingFailedPod, then SuccessfulDelete", eventsFor(c, "db"))
	}
	for _, e := range c.Events() {
		if e.Reason == "RecreatingFailedPod" && e.Type != workload.EventTypeWarning {
			t.Errorf("RecreatingFailedPod is %s, want Warning", e.Type)
		}
	}
}

// A replica that ended Succeeded (its containers stopped with exit code 0
// when the node shut down, say) is made again too, with a Normal
// RecreatingTerminatedPod event "StatefulSet <ns>/<set> is recreating
// terminated Pod <pod>". Source: as above (processReplica: isSucceeded).
func TestR10aStatefulSetRecreatingTerminatedPodEvent(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: db}]}`)
	advance(t, c, time.Minute)
	p := r3getPod(t, c, "db-0").DeepCopy()
	firstUID := p.UID
	p.Status.Phase = workload.PodSucceeded
	if _, err := c.Store().UpdateStatus(p); err != nil {
		t.Fatal(err)
	}
	runUntil(t, c, 2*time.Minute, "db-0 made again", func() bool {
		p := r3get(t, c, "Pod", "default", "db-0")
		return p != nil && p.GetObjectMeta().UID != firstUID
	})
	found := false
	for _, e := range c.Events() {
		if e.InvolvedObject.Name == "db" && e.Reason == "RecreatingTerminatedPod" {
			found = true
			if want := "StatefulSet default/db is recreating terminated Pod db-0"; e.Message != want || e.Type != workload.EventTypeNormal {
				t.Errorf("event %s %q, want Normal %q", e.Type, e.Message, want)
			}
		}
	}
	if !found {
		t.Errorf("events %q: want RecreatingTerminatedPod", eventsFor(c, "db"))
	}
}

// A replica whose statefulset.kubernetes.io/pod-name label was taken off
// gets it back from the set, which records a SuccessfulUpdate event
// "update Pod <pod> in StatefulSet <set> successful" (kubectl describe).
// Source: pkg/controller/statefulset/stateful_set_control.go processReplica
// (identityMatches, UpdateStatefulPod), stateful_pod_control.go
// recordPodEvent.
func TestR10aStatefulSetIdentityFixRecordsUpdate(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: db}]}`)
	advance(t, c, time.Minute)
	p := r3getPod(t, c, "db-0").DeepCopy()
	delete(p.Labels, workload.StatefulSetPodNameLabel)
	if _, err := c.Store().Update(p); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	if got := r3getPod(t, c, "db-0").Labels[workload.StatefulSetPodNameLabel]; got != "db-0" {
		t.Fatalf("pod-name label %q, want db-0 back", got)
	}
	found := false
	for _, e := range eventsFor(c, "db") {
		if e == "SuccessfulUpdate: update Pod db-0 in StatefulSet db successful" {
			found = true
		}
	}
	if !found {
		t.Errorf("events %q: want SuccessfulUpdate for db-0", eventsFor(c, "db"))
	}
}
