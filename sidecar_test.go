package orchestra_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// A deleted pod's running sidecar gets the kubelet's Killing event too
// (killContainersWithSyncResult stops every running container, init ones
// included), and the pod goes once the sidecar, stopped after the app
// container, has exited.
func TestKubeletEventsSidecar(t *testing.T) {
	clock := vtime.NewVirtual(t0)
	f, err := fake.New(fake.Config{Clock: clock, Behaviors: []fake.Behavior{
		{Match: fake.Match{Container: "nginx"}, StopAfter: workload.Ptr(time.Second)},
		{Match: fake.Match{Container: "proxy"}, StopAfter: workload.Ptr(2 * time.Second)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := orchestra.New(orchestra.Config{Runtime: f, Clock: clock, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(&workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "web"}, Spec: workload.PodSpec{
		InitContainers: []workload.Container{{Name: "proxy", Image: "envoy", RestartPolicy: workload.Ptr(workload.ContainerRestartPolicyAlways)}},
		Containers:     []workload.Container{{Name: "nginx", Image: "nginx"}},
	}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	o, err := c.Get("Pod", "default", "web")
	if err != nil {
		t.Fatal(err)
	}
	if p := o.(*workload.Pod); p.Status.Phase != workload.PodRunning || !p.Status.InitContainerStatuses[0].Ready {
		t.Fatalf("pod %s, sidecar ready %v", p.Status.Phase, p.Status.InitContainerStatuses[0].Ready)
	}
	if err := c.DeletePod("default", "web", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get("Pod", "default", "web"); err != nil {
		t.Fatalf("pod gone 2 s after its deletion: the sidecar stops only after nginx (1 s), in 2 s: %v", err)
	}
	if err := c.Advance(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get("Pod", "default", "web"); err == nil {
		t.Fatal("pod still there 4 s after its deletion")
	}
	got := map[string]int32{}
	for _, e := range c.Events() {
		if e.InvolvedObject.Name == "web" && e.Reason == "Killing" {
			got[e.Message] += e.Count
		}
	}
	if got["Stopping container nginx"] != 1 || got["Stopping container proxy"] != 1 {
		t.Fatalf("Killing events %v, want one for nginx and one for proxy", got)
	}
}

// When a Job's pod's container has exited, the kubelet stops its sidecar
// with a Killing event, and the Job completes.
func TestSidecarKillingEventWhenAppDone(t *testing.T) {
	clock := vtime.NewVirtual(t0)
	f, err := fake.New(fake.Config{Clock: clock, Behaviors: []fake.Behavior{
		{Match: fake.Match{Container: "proxy"}, StopAfter: workload.Ptr(time.Second)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := orchestra.New(orchestra.Config{Runtime: f, Clock: clock, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(&workload.Job{ObjectMeta: workload.ObjectMeta{Name: "backup"}, Spec: workload.JobSpec{
		Template: workload.PodTemplateSpec{Spec: workload.PodSpec{RestartPolicy: workload.RestartPolicyNever,
			InitContainers: []workload.Container{{Name: "proxy", Image: "envoy", RestartPolicy: workload.Ptr(workload.ContainerRestartPolicyAlways)}},
			Containers:     []workload.Container{{Name: "dump", Image: "mysql"}},
		}},
	}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	o, err := c.Get("Job", "default", "backup")
	if err != nil {
		t.Fatal(err)
	}
	if j := o.(*workload.Job); j.Status.Succeeded != 1 || j.Status.CompletionTime == nil || !j.Status.CompletionTime.Equal(t0.Add(11*time.Second)) {
		t.Fatalf("Job succeeded %d, completed at %v: want 1 at 11s (10 s of dump, 1 s for the sidecar to stop)", j.Status.Succeeded, j.Status.CompletionTime)
	}
	var killing []string
	for _, e := range c.Events() {
		if e.InvolvedObject.Kind == "Pod" && e.Reason == "Killing" {
			killing = append(killing, e.Message)
		}
	}
	if len(killing) != 1 || killing[0] != "Stopping container proxy" {
		t.Fatalf("Killing events %q, want one for proxy", killing)
	}
}
