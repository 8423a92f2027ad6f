package orchestra_test

import (
	"math"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// TestHugeJobAdvanceReturns: a Job of parallelism 2^31-1 on a cluster
// with a node. Advance(3s) returns (it used to run forever, every sync's
// pod events waking the Job at the same instant), with the 2000 pods
// Kubernetes' Job controller makes in that time: 500 a sync
// (MaxPodCreateDeletePerSync), a sync at creation and one each second
// (syncJobBatchPeriod).
func TestHugeJobAdvanceReturns(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	if _, err := c.Create(&workload.Job{
		ObjectMeta: workload.ObjectMeta{Name: "huge", Namespace: "default"},
		Spec: workload.JobSpec{Parallelism: workload.Ptr[int32](math.MaxInt32), Template: workload.PodTemplateSpec{
			Spec: workload.PodSpec{RestartPolicy: workload.RestartPolicyNever,
				Containers: []workload.Container{{Name: "c", Image: "busybox"}}}}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	pods, err := c.Pods("default", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(pods) != 2000 {
		t.Fatalf("%d pods after 3 s, want 2000", len(pods))
	}
}
