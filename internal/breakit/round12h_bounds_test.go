package breakit_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// Rolling updates keep Kubernetes' bounds at every instant (checked every
// half second of virtual time, pods becoming ready 7 s after they start,
// minReadySeconds 5): a Deployment never has more than replicas + maxSurge
// pods that are not terminating, nor fewer than replicas - maxUnavailable
// available; a DaemonSet never has more than maxSurge nodes with two pods,
// nor fewer than desired - maxUnavailable nodes with an available pod; a
// StatefulSet never has fewer than replicas - maxUnavailable available
// pods. Each rollout also ends with every pod (above the partition)
// updated. Sources: https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-update-deployment ;
// https://kubernetes.io/docs/tasks/manage-daemon/update-daemon-set/ ;
// https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#maximum-unavailable-pods

func TestR12hDeploymentRolloutBounds(t *testing.T) {
	for _, tc := range []struct {
		replicas        int
		surge, unavail  string
		maxPods, minAvl int
	}{
		{10, "3", "2", 13, 8}, {10, "25%", "25%", 13, 8}, {5, "0", "1", 5, 4}, {5, "1", "0", 6, 5}, {4, "50%", "0", 6, 4}, {3, "0", "50%", 3, 2},
	} {
		t.Run(tc.surge+"/"+tc.unavail, func(t *testing.T) {
			c := newCluster(t, "a", "b")
			spec := func(img string) string {
				return fmt.Sprintf(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: %d
  minReadySeconds: 5
  strategy: {rollingUpdate: {maxSurge: %s, maxUnavailable: %s}}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}, annotations: {sim.orchestra.dev/ready-after: "7s"}}
    spec: {terminationGracePeriodSeconds: 3, containers: [{name: c, image: %s}]}`, tc.replicas, tc.surge, tc.unavail, img)
			}
			applyYAML(t, c, spec("v1"))
			advance(t, c, time.Minute)
			applyYAML(t, c, spec("v2"))
			now := t0.Add(time.Minute)
			for i := 0; i < 600; i++ {
				advance(t, c, 500*time.Millisecond)
				now = now.Add(500 * time.Millisecond)
				live, avail := 0, 0
				for _, p := range pods(t, c, "app=web") {
					if p.DeletionTimestamp != nil || p.Status.Phase == workload.PodFailed || p.Status.Phase == workload.PodSucceeded {
						continue
					}
					live++
					if cd := r12hReady(p); cd != nil && !cd.LastTransitionTime.Time.After(now.Add(-5*time.Second)) {
						avail++
					}
				}
				if live > tc.maxPods || avail < tc.minAvl {
					t.Fatalf("at %v: %d live pods (max %d), %d available (min %d)", now.Sub(t0), live, tc.maxPods, avail, tc.minAvl)
				}
			}
			for _, p := range pods(t, c, "app=web") {
				if p.Spec.Containers[0].Image != "v2" {
					t.Fatalf("not rolled out: %s %s", p.Name, p.Spec.Containers[0].Image)
				}
			}
		})
	}
}

func r12hReady(p *workload.Pod) *workload.PodCondition {
	if p.Status.Phase != workload.PodRunning {
		return nil
	}
	for i := range p.Status.Conditions {
		if cd := &p.Status.Conditions[i]; cd.Type == workload.PodReady && cd.Status == workload.ConditionTrue {
			return cd
		}
	}
	return nil
}

func TestR12hDaemonSetRolloutBounds(t *testing.T) {
	for _, tc := range []struct {
		surge, unavail      string
		maxDouble, minAvail int
	}{{"0", "1", 0, 3}, {"1", "0", 1, 4}, {"0", "50%", 0, 2}, {"50%", "0", 2, 4}, {"2", "0", 2, 4}} {
		t.Run(tc.surge+"/"+tc.unavail, func(t *testing.T) {
			c := newCluster(t, "a", "b", "c", "d")
			spec := func(img string) string {
				return fmt.Sprintf(`
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  minReadySeconds: 5
  updateStrategy: {rollingUpdate: {maxSurge: %s, maxUnavailable: %s}}
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}, annotations: {sim.orchestra.dev/ready-after: "7s"}}
    spec: {terminationGracePeriodSeconds: 3, containers: [{name: c, image: %s}]}`, tc.surge, tc.unavail, img)
			}
			applyYAML(t, c, spec("v1"))
			advance(t, c, time.Minute)
			applyYAML(t, c, spec("v2"))
			now := t0.Add(time.Minute)
			for i := 0; i < 600; i++ {
				advance(t, c, 500*time.Millisecond)
				now = now.Add(500 * time.Millisecond)
				live, avail := map[string]int{}, map[string]bool{}
				for _, p := range pods(t, c, "app=agent") {
					if p.DeletionTimestamp != nil || p.Status.Phase == workload.PodFailed || p.Status.Phase == workload.PodSucceeded {
						continue
					}
					live[p.Spec.NodeName]++
					if cd := r12hReady(p); cd != nil && !cd.LastTransitionTime.Time.After(now.Add(-5*time.Second)) {
						avail[p.Spec.NodeName] = true
					}
				}
				double := 0
				for _, n := range live {
					if n > 1 {
						double++
					}
				}
				if double > tc.maxDouble || len(avail) < tc.minAvail {
					t.Fatalf("at %v: %d nodes with two pods (max %d), %d nodes available (min %d)", now.Sub(t0), double, tc.maxDouble, len(avail), tc.minAvail)
				}
			}
			for _, p := range pods(t, c, "app=agent") {
				if p.Spec.Containers[0].Image != "v2" {
					t.Fatalf("not rolled out: %s %s", p.Name, p.Spec.Containers[0].Image)
				}
			}
		})
	}
}

func TestR12hStatefulSetRolloutBounds(t *testing.T) {
	for _, tc := range []struct {
		policy, unavail string
		partition       int
		minAvail        int
	}{{"OrderedReady", "1", 0, 4}, {"Parallel", "1", 0, 4}, {"Parallel", "2", 0, 3}, {"OrderedReady", "2", 0, 3}, {"Parallel", "40%", 1, 3}} {
		t.Run(tc.policy+"/"+tc.unavail, func(t *testing.T) {
			c := newCluster(t, "a", "b")
			spec := func(img string) string {
				return fmt.Sprintf(`
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 5
  serviceName: db
  minReadySeconds: 5
  podManagementPolicy: %s
  updateStrategy: {rollingUpdate: {maxUnavailable: %s, partition: %d}}
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}, annotations: {sim.orchestra.dev/ready-after: "7s"}}
    spec: {terminationGracePeriodSeconds: 3, containers: [{name: c, image: %s}]}`, tc.policy, tc.unavail, tc.partition, img)
			}
			applyYAML(t, c, spec("v1"))
			advance(t, c, 2*time.Minute)
			applyYAML(t, c, spec("v2"))
			now := t0.Add(2 * time.Minute)
			for i := 0; i < 600; i++ {
				advance(t, c, 500*time.Millisecond)
				now = now.Add(500 * time.Millisecond)
				avail, per := 0, map[string]int{}
				for _, p := range pods(t, c, "app=db") {
					per[p.Name]++
					if p.DeletionTimestamp != nil || p.Status.Phase == workload.PodFailed || p.Status.Phase == workload.PodSucceeded {
						continue
					}
					if cd := r12hReady(p); cd != nil && !cd.LastTransitionTime.Time.After(now.Add(-5*time.Second)) {
						avail++
					}
				}
				if avail < tc.minAvail {
					t.Fatalf("at %v: %d available (min %d)", now.Sub(t0), avail, tc.minAvail)
				}
			}
			n := 0
			for _, p := range pods(t, c, "app=db") {
				if p.Spec.Containers[0].Image == "v2" {
					n++
				}
			}
			if n != 5-tc.partition {
				t.Fatalf("%d updated, want %d", n, 5-tc.partition)
			}
		})
	}
}
