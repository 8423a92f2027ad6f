package breakit_test

import (
	stdslices "slices"
	"strconv"
	"testing"
	"time"
)

func r10aRS(replicas int) string {
	return `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web, namespace: default}
spec:
  replicas: ` + strconv.Itoa(replicas) + `
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: main, image: nginx}]
`
}

// Scale-down compares ready times on a logarithmic scale: with
// LogarithmicScaleDown (beta and on by default since 1.22) two pods whose
// ages fall in the same power-of-two bucket are equivalent, and the order
// among them is by UID (random), not strictly newest first. Four pods
// made 8 s apart, all ready 86-110 s ago (one bucket, 2^36 ns ~ 69-137 s):
// scaling to 1 keeps the pod with the highest UID, whichever was made
// first. Source: pkg/controller/controller_utils.go ActivePodsWithRanks.Less
// (logarithmicRankDiff, "rankDiff == 0: UID"), KEP-2185
// (keps/sig-apps/2185-random-pod-select-on-replicaset-downscale).
func TestR10aReplicaSetScaleDownLogarithmicBuckets(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {selector: {app: web}, ports: [{port: 80}]}}`)
	for n := 1; n <= 4; n++ {
		applyYAML(t, c, r10aRS(n))
		advance(t, c, 8*time.Second)
	}
	advance(t, c, 110*time.Second-c.Now().Sub(t0))
	ps := pods(t, c, "app=web")
	if len(ps) != 4 {
		t.Fatalf("%d pods, want 4", len(ps))
	}
	var uids []string
	oldest := ps[0]
	for _, p := range ps {
		if !r5ready(p) {
			t.Fatalf("pod %s not ready", p.Name)
		}
		uids = append(uids, p.UID)
		if p.CreationTimestamp.Before(oldest.CreationTimestamp.Time) {
			oldest = p
		}
	}
	keep := stdslices.Max(uids)
	if keep == oldest.UID {
		t.Fatalf("the oldest pod has the highest UID: the test cannot tell the orders apart")
	}
	applyYAML(t, c, r10aRS(1))
	advance(t, c, time.Minute)
	var left []string
	for _, p := range pods(t, c, "app=web") {
		if p.DeletionTimestamp == nil {
			left = append(left, p.UID)
		}
	}
	if !stdslices.Equal(left, []string{keep}) {
		t.Errorf("pods left %v, want the one with the highest UID %s (same age bucket: by UID)", left, keep)
	}
}
