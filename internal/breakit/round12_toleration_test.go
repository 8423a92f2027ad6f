package breakit_test

import (
	"testing"
	"time"
)

// TestR12TolerationSecondsMaxInt64IsForever: Kubernetes' taint eviction
// controller (getMinTolerationTime) starts from math.MaxInt64 and reads a
// minimum still at math.MaxInt64 as "no bound", so a pod whose
// NoExecute tolerations say tolerationSeconds 9223372036854775807 stays on
// an unreachable node for good. orchestra multiplied it by time.Second,
// which overflowed to -1 s, and evicted the pod as soon as the node was
// tainted. A tolerationSeconds past time.Duration's range (about 292
// years) is no bound either here, rather than an overflow that evicts at
// once.
func TestR12TolerationSecondsMaxInt64IsForever(t *testing.T) {
	for _, secs := range []string{"9223372036854775807", "9223372037"} {
		t.Run(secs, func(t *testing.T) {
			c := newCluster(t, "n1")
			applyYAML(t, c, `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  tolerations:
  - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: `+secs+`}
  - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: `+secs+`}
  containers: [{name: c, image: busybox}]
`)
			advance(t, c, time.Minute)
			if err := c.Fake().FailNode("n1"); err != nil {
				t.Fatal(err)
			}
			advance(t, c, 24*time.Hour)
			ps := pods(t, c, "")
			if len(ps) != 1 || ps[0].DeletionTimestamp != nil {
				for _, p := range ps {
					t.Logf("pod %s deleted at %v", p.Name, p.DeletionTimestamp)
				}
				t.Fatalf("%d pods, want p on its unreachable node and not being deleted, a day after the node failed", len(ps))
			}
		})
	}
}
