package orchestra_test

import (
	"fmt"
	"slices"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// A bare pod on the fake runtime, played forward in virtual time: it is
// scheduled, runs for the fake's default ten seconds and succeeds, at
// exact virtual times and without sleeping.
func ExampleCluster() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(start), Seed: 1})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}})
	last := ""
	c.OnChange(func(ev store.Event) {
		if p, ok := ev.Object.(*workload.Pod); ok && p.Status.Phase != last {
			last = p.Status.Phase
			fmt.Printf("%s %s on %s: %s\n", c.Now().Sub(start), p.Name, p.Spec.NodeName, p.Status.Phase)
		}
	})
	_, err = c.Apply(&workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "hello"},
		Spec: workload.PodSpec{
			RestartPolicy: workload.RestartPolicyNever,
			Containers:    []workload.Container{{Name: "main", Image: "busybox"}},
		},
	})
	if err != nil {
		panic(err)
	}
	c.Advance(time.Minute)
	// Output:
	// 0s hello on : Pending
	// 0s hello on node-a: Running
	// 10s hello on node-a: Succeeded
}

// Apply rejects a bad object with every bad field named, and changes
// nothing.
func ExampleCluster_Apply() {
	c, _ := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(time.Unix(0, 0)), Seed: 1})
	defer c.Close()
	_, err := c.Apply(&workload.Job{
		ObjectMeta: workload.ObjectMeta{Name: "Backup"},
		Spec: workload.JobSpec{
			Template: workload.PodTemplateSpec{Spec: workload.PodSpec{
				RestartPolicy: workload.RestartPolicyAlways,
				Containers:    []workload.Container{{Name: "dump", Image: "mysql"}},
			}},
		},
	})
	fmt.Println(err)
	jobs, _ := c.List("Job", "", "")
	fmt.Println(len(jobs), "jobs stored")
	// Output:
	// workload: invalid object Job/default/Backup: metadata.name: Invalid value: "Backup": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'); spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"
	// 0 jobs stored
}

// DeletePod deletes a Deployment's pod as `kubectl delete pod` does: once
// the cluster is driven, the ReplicaSet replaces it and the Service's
// picker stops picking it, at the same virtual instant. RunUntil plays
// time forward until a condition holds; the conditions ask for ready pods,
// not just pods, because RunUntil also checks between the steps of one
// instant (see RunUntil).
func ExampleCluster_DeletePod() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(start), Seed: 1})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	for _, n := range []string{"node-a", "node-b", "node-c"} {
		c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: n}})
	}
	labels := map[string]string{"app": "web"}
	if _, err := c.Apply(&workload.Deployment{
		ObjectMeta: workload.ObjectMeta{Name: "web"},
		Spec: workload.DeploymentSpec{
			Replicas: workload.Ptr[int32](3),
			Selector: &workload.LabelSelector{MatchLabels: labels},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: labels},
				Spec: workload.PodSpec{Containers: []workload.Container{{
					Name: "web", Image: "nginx", Ports: []workload.ContainerPort{{ContainerPort: 8080}},
				}}},
			},
		},
	}); err != nil {
		panic(err)
	}
	if _, err := c.Apply(&workload.Service{
		ObjectMeta: workload.ObjectMeta{Name: "web"},
		Spec:       workload.ServiceSpec{Selector: labels, Ports: []workload.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}},
	}); err != nil {
		panic(err)
	}
	picker, err := c.Services().Picker("default", "web", "")
	if err != nil {
		panic(err)
	}
	// picked returns the names of the pods three picks give, sorted.
	picked := func() []string {
		var names []string
		for range 3 {
			ep, err := picker.Pick()
			if err != nil {
				panic(err)
			}
			names = append(names, ep.PodName)
		}
		slices.Sort(names)
		return names
	}
	// ready returns the names of the pods that are ready and not being
	// deleted.
	ready := func() []string {
		pods, _ := c.Pods("default", "app=web")
		var names []string
		for _, p := range pods {
			for _, cond := range p.Status.Conditions {
				if cond.Type == workload.PodReady && cond.Status == workload.ConditionTrue && p.DeletionTimestamp == nil {
					names = append(names, p.Name)
				}
			}
		}
		slices.Sort(names)
		return names
	}
	c.RunUntil(func() bool { return len(ready()) == 3 }, time.Minute)
	fmt.Println(c.Now().Sub(start), "picked:", picked())

	victim := ready()[0]
	if err := c.DeletePod("default", victim, nil); err != nil {
		panic(err)
	}
	fmt.Println("deleted", victim)
	ok, _ := c.RunUntil(func() bool { ps := ready(); return len(ps) == 3 && !slices.Contains(ps, victim) }, time.Minute)
	fmt.Println(c.Now().Sub(start), "replaced:", ok, "picked:", picked())
	// Output:
	// 0s picked: [web-5946555cf-ctr29 web-5946555cf-mvdfl web-5946555cf-p9dfr]
	// deleted web-5946555cf-ctr29
	// 0s replaced: true picked: [web-5946555cf-lnw6c web-5946555cf-mvdfl web-5946555cf-p9dfr]
}
