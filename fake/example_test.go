package fake_test

import (
	"context"
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// A Job-like pod whose container fails twice, then succeeds, on a virtual
// clock: the first restart is immediate (reported after the exit, at the
// same instant), the second waits out the crash-loop back-off (10 s).
func Example() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := vtime.NewVirtual(start)
	rt, err := fake.New(fake.Config{Clock: clk, Behaviors: []fake.Behavior{
		{Match: fake.Match{Image: "perl*"}, StartDelay: 2 * time.Second, RunFor: workload.Ptr(45 * time.Second), FailFirst: 2},
	}})
	if err != nil {
		panic(err)
	}
	defer rt.Close()
	ctx := context.Background()
	_ = rt.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}})
	w, _ := rt.Watch(ctx, 0)
	defer w.Stop()
	_ = rt.CreatePod(ctx, &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "pi", Namespace: "default"},
		Spec: workload.PodSpec{NodeName: "node-a", RestartPolicy: workload.RestartPolicyOnFailure,
			Containers: []workload.Container{{Name: "pi", Image: "perl:5.34"}}},
	})
	for {
		for {
			ev, ok := w.TryNext()
			if !ok {
				break
			}
			p := ev.Object.(*workload.Pod)
			c := p.Status.ContainerStatuses[0]
			state := "running"
			if c.State.Waiting != nil {
				state = c.State.Waiting.Reason
			} else if c.State.Terminated != nil {
				state = fmt.Sprintf("exited %d", c.State.Terminated.ExitCode)
			}
			fmt.Printf("%-5v %-9s %-17s restarts=%d\n", clk.Since(start), p.Status.Phase, state, c.RestartCount)
		}
		if !clk.Step() { // jump to the next deadline; false when none is left
			break
		}
	}
	// Output:
	// 0s    Pending   ContainerCreating restarts=0
	// 2s    Running   running           restarts=0
	// 47s   Running   exited 1          restarts=0
	// 47s   Running   running           restarts=1
	// 1m32s Running   CrashLoopBackOff  restarts=1
	// 1m42s Running   running           restarts=2
	// 2m27s Succeeded exited 0          restarts=2
}

// A rule's exitCodes are handed out across pods in the order their runs
// start; annotations on a pod win over the rule.
func ExampleBehavior() {
	clk := vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	rt, _ := fake.New(fake.Config{Clock: clk, Behaviors: []fake.Behavior{
		{Match: fake.Match{Labels: "app=batch"}, RunFor: workload.Ptr(time.Minute), ExitCodes: []int32{1, 0}},
	}})
	defer rt.Close()
	ctx := context.Background()
	_ = rt.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "n"}})
	for _, name := range []string{"a", "b", "c"} {
		pod := &workload.Pod{
			ObjectMeta: workload.ObjectMeta{Name: name, Labels: map[string]string{"app": "batch"}},
			Spec: workload.PodSpec{NodeName: "n", RestartPolicy: workload.RestartPolicyNever,
				Containers: []workload.Container{{Name: "main", Image: "busybox"}}},
		}
		if name == "c" {
			pod.Annotations = map[string]string{fake.AnnotationExitCode: "3", fake.AnnotationRunFor: "5s"}
		}
		_ = rt.CreatePod(ctx, pod)
	}
	clk.Advance(time.Hour)
	_, pods, _, _ := rt.List(ctx)
	for _, p := range pods {
		t := p.Status.ContainerStatuses[0].State.Terminated
		fmt.Println(p.Name, p.Status.Phase, t.ExitCode, t.FinishedAt.Sub(t.StartedAt.Time))
	}
	// Output:
	// a Failed 1 1m0s
	// b Succeeded 0 1m0s
	// c Failed 3 5s
}

// FailNode stops a node's kubelet from reporting; KillContainer makes a
// container die now.
func ExampleRuntime_KillContainer() {
	clk := vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	rt, _ := fake.New(fake.Config{Clock: clk})
	defer rt.Close()
	ctx := context.Background()
	_ = rt.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "n"}})
	_ = rt.CreatePod(ctx, &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "web"},
		Spec:       workload.PodSpec{NodeName: "n", Containers: []workload.Container{{Name: "nginx", Image: "nginx"}}},
	})
	clk.Advance(time.Minute)
	// The first restart is immediate; the next waits 10 s.
	_ = rt.KillContainer("default", "web", "nginx", 137)
	p, _ := rt.GetPod("default", "web")
	c := p.Status.ContainerStatuses[0]
	fmt.Println(c.State.Running != nil, c.RestartCount, c.LastTerminationState.Terminated.ExitCode)
	_ = rt.KillContainer("default", "web", "nginx", 137)
	p, _ = rt.GetPod("default", "web")
	fmt.Println(p.Status.ContainerStatuses[0].State.Waiting.Reason)
	clk.Advance(10 * time.Second)
	p, _ = rt.GetPod("default", "web")
	fmt.Println(p.Status.Phase, p.Status.ContainerStatuses[0].RestartCount)
	for _, call := range rt.Calls() {
		fmt.Println(call.Method, call.Ref, call.Err)
	}
	// Output:
	// true 1 137
	// CrashLoopBackOff
	// Running 2
	// AddNode Node/n <nil>
	// CreatePod Pod/default/web <nil>
	// KillContainer Pod/default/web <nil>
	// KillContainer Pod/default/web <nil>
}

// SetContainerReady plays a readiness probe's result: the container keeps
// running, but is not ready until the probe succeeds again.
func ExampleRuntime_SetContainerReady() {
	clk := vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	rt, _ := fake.New(fake.Config{Clock: clk})
	defer rt.Close()
	ctx := context.Background()
	_ = rt.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "n"}})
	_ = rt.CreatePod(ctx, &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "web"},
		Spec:       workload.PodSpec{NodeName: "n", Containers: []workload.Container{{Name: "nginx", Image: "nginx"}}},
	})
	show := func() {
		p, _ := rt.GetPod("default", "web")
		c := p.Status.ContainerStatuses[0]
		fmt.Println(p.Status.Phase, "ready:", c.Ready, "restarts:", c.RestartCount)
	}
	clk.Advance(time.Second)
	show()
	_ = rt.SetContainerReady("default", "web", "nginx", false)
	clk.Advance(time.Minute)
	show()
	_ = rt.SetContainerReady("default", "web", "nginx", true)
	show()
	// Output:
	// Running ready: true restarts: 0
	// Running ready: false restarts: 0
	// Running ready: true restarts: 0
}
