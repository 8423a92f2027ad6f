package orchestra_test

import (
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// Watch streams the changes of one kind from now on. On a virtual clock
// nothing happens between calls, so after Advance the watcher holds every
// change of that stretch of time: drain it with TryNext. (OnChange is the
// alternative that also tells the virtual time of each change.) As in
// Kubernetes, the Job controller counts a finished pod in two steps: first
// in status.uncountedTerminatedPods, then, once the pod's finalizer is
// removed, in status.succeeded.
func ExampleCluster_Watch() {
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), Seed: 1})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}})
	w, err := c.Watch("jobs")
	if err != nil {
		panic(err)
	}
	defer w.Stop()
	if _, err := c.Apply(&workload.Job{
		ObjectMeta: workload.ObjectMeta{Name: "once"},
		Spec: workload.JobSpec{Template: workload.PodTemplateSpec{Spec: workload.PodSpec{
			RestartPolicy: workload.RestartPolicyNever,
			Containers:    []workload.Container{{Name: "main", Image: "busybox"}},
		}}},
	}); err != nil {
		panic(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		panic(err)
	}
	last := ""
	for {
		ev, ok := w.TryNext()
		if !ok {
			break
		}
		j := ev.Object.(*workload.Job) // shared: read it, do not change it
		uncounted := 0
		if u := j.Status.UncountedTerminatedPods; u != nil {
			uncounted = len(u.Succeeded) + len(u.Failed)
		}
		s := fmt.Sprintf("%s active=%d uncounted=%d succeeded=%d", j.Name, j.Status.Active, uncounted, j.Status.Succeeded)
		if s != last { // other updates change fields not printed here
			fmt.Println(ev.Type, s)
			last = s
		}
	}
	// Output:
	// ADDED once active=0 uncounted=0 succeeded=0
	// MODIFIED once active=1 uncounted=0 succeeded=0
	// MODIFIED once active=0 uncounted=1 succeeded=0
	// MODIFIED once active=0 uncounted=0 succeeded=1
}
