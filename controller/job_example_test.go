package controller_test

import (
	"context"
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// A Job of two completions, one at a time, with the example playing the
// kubelet: each pod it creates is marked Succeeded.
func ExampleNewJob() {
	clk := vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := store.New(store.Config{Clock: clk, Seed: 1})
	deps := controller.Deps{Store: s, Clock: clk, Events: controller.NewRecorder(s, clk, nil)}
	m := controller.NewManager(deps, controller.NewJob(deps))
	if err := m.Start(); err != nil {
		panic(err)
	}
	defer m.Stop()
	settle := func() {
		for m.Step(context.Background()) {
		}
	}

	job := &workload.Job{
		ObjectMeta: workload.ObjectMeta{Name: "backup", Namespace: "default"},
		Spec: workload.JobSpec{
			Completions: workload.Ptr[int32](2),
			Template: workload.PodTemplateSpec{Spec: workload.PodSpec{
				RestartPolicy: workload.RestartPolicyNever,
				Containers:    []workload.Container{{Name: "dump", Image: "mysql:8"}},
			}},
		},
	}
	workload.Default(job)
	if _, err := s.Create(job); err != nil {
		panic(err)
	}
	settle()
	for range 2 {
		clk.AdvanceTo(clk.Now().Add(30 * time.Second))
		for _, o := range s.List("Pod", "default", nil) {
			p := o.(*workload.Pod)
			if controller.IsPodActive(p) {
				fmt.Println("pod", p.GenerateName+"*", "finalizers", p.Finalizers)
				p.Status.Phase = workload.PodSucceeded
				if _, err := s.UpdateStatus(p); err != nil {
					panic(err)
				}
			}
		}
		settle()
	}
	o, _ := s.Get("Job", "default", "backup")
	j := o.(*workload.Job)
	fmt.Println("succeeded", j.Status.Succeeded, "failed", j.Status.Failed)
	for _, c := range j.Status.Conditions {
		fmt.Println(c.Type, c.Status, c.Reason)
	}
	fmt.Println("took", j.Status.CompletionTime.Sub(j.Status.StartTime.Time))
	// Output:
	// pod backup-* finalizers [batch.kubernetes.io/job-tracking]
	// pod backup-* finalizers [batch.kubernetes.io/job-tracking]
	// succeeded 2 failed 0
	// SuccessCriteriaMet True CompletionsReached
	// Complete True CompletionsReached
	// took 1m0s
}

// A finished Job with ttlSecondsAfterFinished is deleted that long after
// it finished, with Foreground propagation: the garbage collector deletes
// its pods, then the Job.
func ExampleNewTTLAfterFinished() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := vtime.NewVirtual(start)
	s := store.New(store.Config{Clock: clk, Seed: 1})
	deps := controller.Deps{Store: s, Clock: clk}
	m := controller.NewManager(deps, controller.NewTTLAfterFinished(deps), controller.NewGarbageCollector(deps))
	if err := m.Start(); err != nil {
		panic(err)
	}
	defer m.Stop()
	job := &workload.Job{
		ObjectMeta: workload.ObjectMeta{Name: "done", Namespace: "default"},
		Spec:       workload.JobSpec{TTLSecondsAfterFinished: workload.Ptr[int32](60)},
		Status: workload.JobStatus{Conditions: []workload.Condition{{
			Type: workload.JobComplete, Status: workload.ConditionTrue, LastTransitionTime: workload.NewTime(start),
		}}},
	}
	if _, err := s.Create(job); err != nil {
		panic(err)
	}
	run := func(to time.Duration) {
		for {
			for m.Step(context.Background()) {
			}
			next, ok := clk.Next()
			if !ok || next.After(start.Add(to)) {
				clk.AdvanceTo(start.Add(to))
				for m.Step(context.Background()) {
				}
				return
			}
			clk.AdvanceTo(next)
		}
	}
	run(59 * time.Second)
	_, err := s.Get("Job", "default", "done")
	fmt.Println("after 59s:", err)
	run(60 * time.Second)
	_, err = s.Get("Job", "default", "done")
	fmt.Println("after 60s:", err)
	// Output:
	// after 59s: <nil>
	// after 60s: store: not found: Job/default/done
}
