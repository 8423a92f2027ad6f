package workload_test

import (
	"fmt"

	"github.com/orchestra-go/orchestra/workload"
)

func ExampleDefault() {
	job := &workload.Job{
		ObjectMeta: workload.ObjectMeta{Name: "backup"},
		Spec: workload.JobSpec{Template: workload.PodTemplateSpec{Spec: workload.PodSpec{
			RestartPolicy: workload.RestartPolicyOnFailure,
			Containers:    []workload.Container{{Name: "dump", Image: "postgres:16"}},
		}}},
	}
	workload.Default(job)
	s := job.Spec
	fmt.Println("namespace:", job.Namespace)
	fmt.Println("completions:", *s.Completions, "parallelism:", *s.Parallelism, "backoffLimit:", *s.BackoffLimit)
	fmt.Println("completionMode:", *s.CompletionMode, "podReplacementPolicy:", *s.PodReplacementPolicy)
	fmt.Println("grace period:", *s.Template.Spec.TerminationGracePeriodSeconds, "scheduler:", s.Template.Spec.SchedulerName)

	pod := &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "web-0"},
		Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "web", Image: "nginx"}}},
	}
	workload.Default(pod)
	for _, t := range pod.Spec.Tolerations {
		fmt.Printf("toleration %s %s %s for %ds\n", t.Key, t.Operator, t.Effect, *t.TolerationSeconds)
	}
	// Output:
	// namespace: default
	// completions: 1 parallelism: 1 backoffLimit: 6
	// completionMode: NonIndexed podReplacementPolicy: TerminatingOrFailed
	// grace period: 30 scheduler: default-scheduler
	// toleration node.kubernetes.io/not-ready Exists NoExecute for 300s
	// toleration node.kubernetes.io/unreachable Exists NoExecute for 300s
}
