package orchestra_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// Updating a running pod's container image (one of the few fields a pod
// update may change) makes the kubelet restart the container with it:
// Killing "Container nginx definition changed, will be restarted", the
// container stopped (here it handles SIGTERM in 1 s) and started again
// with the new image, its restartCount one more; a spec otherwise
// unchanged is not sent to the runtime again on later status changes.
func TestPodImageUpdateRestartsContainer(t *testing.T) {
	clock := vtime.NewVirtual(t0)
	f, err := fake.New(fake.Config{Clock: clock, Behaviors: []fake.Behavior{
		{Match: fake.Match{Container: "nginx"}, StopAfter: workload.Ptr(time.Second)},
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
		Containers: []workload.Container{{Name: "nginx", Image: "nginx:1.27"}, {Name: "side", Image: "busybox"}},
	}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	get := func() *workload.Pod {
		t.Helper()
		o, err := c.Get("Pod", "default", "web")
		if err != nil {
			t.Fatal(err)
		}
		return o.(*workload.Pod)
	}
	p := get()
	p.Spec.Containers[0].Image = "nginx:1.28"
	if _, err := c.Apply(p); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(0); err != nil {
		t.Fatal(err)
	}
	p = get()
	if cs := p.Status.ContainerStatuses[0]; cs.State.Running == nil || cs.Image != "nginx:1.27" {
		t.Fatalf("right after the update %+v, want the old run still running (1 s to stop)", cs)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	p = get()
	if cs := p.Status.ContainerStatuses[0]; cs.State.Running == nil || cs.Image != "nginx:1.28" || cs.RestartCount != 1 {
		t.Fatalf("1 s after the update %+v, want running nginx:1.28, restartCount 1", cs)
	}
	if cs := p.Status.ContainerStatuses[1]; cs.RestartCount != 0 || cs.State.Running == nil {
		t.Fatalf("side %+v: its image did not change, it runs on", cs)
	}
	var killing, started int
	for _, e := range c.Events() {
		switch {
		case e.Reason == "Killing" && e.Message == "Container nginx definition changed, will be restarted" && e.Type == workload.EventTypeNormal:
			killing += int(e.Count)
		case e.Reason == "Started" && e.Message == "Started container nginx":
			started += int(e.Count)
		case e.Reason == "Killing":
			t.Errorf("unexpected Killing event %q", e.Message)
		}
	}
	if killing != 1 || started != 2 {
		t.Fatalf("Killing (definition changed) x%d, Started nginx x%d: want 1 and 2", killing, started)
	}
	// Later status changes do not send the spec again.
	if err := f.KillContainer("default", "web", "side", 1); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, call := range f.Calls() {
		if call.Method == "UpdatePod" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("UpdatePod called %d times, want once", n)
	}
}

// A pod update that changes a field other than the few Kubernetes lets
// change is refused with an error naming the field, and changes nothing.
func TestPodUpdateImmutableFieldRefused(t *testing.T) {
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(t0), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if _, err := c.Apply(&workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "web"}, Spec: workload.PodSpec{
		Containers: []workload.Container{{Name: "nginx", Image: "nginx:1.27"}},
	}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(*workload.Pod)
		field  string
	}{
		{"command", func(p *workload.Pod) { p.Spec.Containers[0].Command = []string{"sh"} }, "spec.containers[0].command"},
		{"restartPolicy", func(p *workload.Pod) { p.Spec.RestartPolicy = workload.RestartPolicyNever }, "spec.restartPolicy"},
		{"env", func(p *workload.Pod) { p.Spec.Containers[0].Env = []workload.EnvVar{{Name: "A", Value: "1"}} }, "spec.containers[0].env"},
	} {
		o, err := c.Get("Pod", "default", "web")
		if err != nil {
			t.Fatal(err)
		}
		p := o.(*workload.Pod)
		tc.change(p)
		_, err = c.Apply(p)
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: %v, want an error naming %s", tc.name, err, tc.field)
		}
	}
}
