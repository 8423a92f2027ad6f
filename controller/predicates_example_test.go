package controller_test

import (
	"fmt"
	"time"

	orchestra "github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// DeploymentComplete is what `kubectl rollout status` waits for: here a
// rollout to an image whose containers take 20 s to become ready, one pod
// at a time (maxSurge 1, maxUnavailable 0), so it completes 60 s later.
func ExampleDeploymentComplete() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := vtime.NewVirtual(start)
	f, err := fake.New(fake.Config{Clock: clock, Behaviors: []fake.Behavior{
		{Match: fake.Match{Image: "web:2"}, ReadyAfter: 20 * time.Second},
	}})
	if err != nil {
		panic(err)
	}
	defer f.Close()
	c, err := orchestra.New(orchestra.Config{Runtime: f, Clock: clock, Seed: 1})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		panic(err)
	}
	web := func(image string) *workload.Deployment {
		return &workload.Deployment{
			ObjectMeta: workload.ObjectMeta{Name: "web"},
			Spec: workload.DeploymentSpec{
				Replicas: workload.Ptr[int32](3),
				Selector: &workload.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Strategy: workload.DeploymentStrategy{RollingUpdate: &workload.RollingUpdateDeployment{
					MaxSurge: workload.Ptr(intstr.FromInt32(1)), MaxUnavailable: workload.Ptr(intstr.FromInt32(0)),
				}},
				Template: workload.PodTemplateSpec{
					ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": "web"}},
					Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "web", Image: image}}},
				},
			},
		}
	}
	complete := func() bool {
		o, err := c.Get("Deployment", "default", "web")
		return err == nil && controller.DeploymentComplete(o.(*workload.Deployment))
	}
	for _, image := range []string{"web:1", "web:2"} {
		if _, err := c.Apply(web(image)); err != nil {
			panic(err)
		}
		from := c.Now()
		ok, err := c.RunUntil(complete, time.Hour)
		if err != nil {
			panic(err)
		}
		fmt.Println(image, "rolled out:", ok, "in", c.Now().Sub(from))
	}
	// Output:
	// web:1 rolled out: true in 0s
	// web:2 rolled out: true in 1m0s
}

// JobFinished is the Job's Complete or Failed condition once it is True.
func ExampleJobFinished() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(start), Seed: 1})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		panic(err)
	}
	job := func(name string, exitCode string) *workload.Job {
		return &workload.Job{
			ObjectMeta: workload.ObjectMeta{Name: name},
			Spec: workload.JobSpec{
				BackoffLimit: workload.Ptr[int32](0),
				Template: workload.PodTemplateSpec{
					ObjectMeta: workload.ObjectMeta{Annotations: map[string]string{fake.AnnotationExitCode: exitCode}},
					Spec: workload.PodSpec{
						RestartPolicy: workload.RestartPolicyNever,
						Containers:    []workload.Container{{Name: "main", Image: "busybox"}},
					},
				},
			},
		}
	}
	for _, j := range []*workload.Job{job("ok", "0"), job("broken", "1")} {
		if _, err := c.Apply(j); err != nil {
			panic(err)
		}
	}
	finished := func(name string) *workload.Condition {
		o, err := c.Get("Job", "default", name)
		if err != nil {
			return nil
		}
		return controller.JobFinished(o.(*workload.Job))
	}
	if _, err := c.RunUntil(func() bool { return finished("ok") != nil && finished("broken") != nil }, time.Hour); err != nil {
		panic(err)
	}
	for _, name := range []string{"ok", "broken"} {
		cond := finished(name)
		fmt.Println(name, cond.Type, cond.Reason, "at", cond.LastTransitionTime.Sub(start))
	}
	// Output:
	// ok Complete CompletionsReached at 10s
	// broken Failed BackoffLimitExceeded at 10s
}
