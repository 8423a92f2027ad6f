package breakit_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/workload"
)

func csum(cs []workload.ContainerStatus) string {
	var b []string
	for _, s := range cs {
		st := ""
		switch {
		case s.State.Running != nil:
			st = "Running@" + s.State.Running.StartedAt.Sub(t0).String()
		case s.State.Terminated != nil:
			st = fmt.Sprintf("Term(%d,%s)", s.State.Terminated.ExitCode, s.State.Terminated.Reason)
		case s.State.Waiting != nil:
			st = "Wait(" + s.State.Waiting.Reason + ")"
		}
		ls := ""
		if s.LastTerminationState.Terminated != nil {
			ls = fmt.Sprintf(" last=Term(%d,%s)", s.LastTerminationState.Terminated.ExitCode, s.LastTerminationState.Terminated.Reason)
		}
		started := "nil"
		if s.Started != nil {
			started = fmt.Sprint(*s.Started)
		}
		b = append(b, fmt.Sprintf("%s:%s ready=%v started=%s rc=%d%s", s.Name, st, s.Ready, started, s.RestartCount, ls))
	}
	return strings.Join(b, "; ")
}

func psum(p *workload.Pod) string {
	var cs []string
	for _, c := range p.Status.Conditions {
		cs = append(cs, fmt.Sprintf("%s=%s(%s|%s)", c.Type, c.Status, c.Reason, c.Message))
	}
	return fmt.Sprintf("%s phase=%s reason=%s msg=%s\n  conds: %s\n  init: %s\n  ctrs: %s", p.Name, p.Status.Phase, p.Status.Reason, p.Status.Message, strings.Join(cs, ", "), csum(p.Status.InitContainerStatuses), csum(p.Status.ContainerStatuses))
}

func show(t *testing.T, c *orchestra.Cluster, label string) {
	fmt.Printf("--- %s @%v\n", label, c.Now().Sub(t0))
	for _, p := range pods(t, c, "") {
		fmt.Println(psum(p))
	}
}

func TestZZProbeInit(t *testing.T) {
	c := newClusterB(t, []fake.Behavior{
		{Match: fake.Match{Image: "failing"}, ExitCode: 1, RunFor: workload.Ptr(2 * time.Second)},
	}, "n1")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  restartPolicy: OnFailure
  initContainers:
  - name: i1
    image: busybox
  - name: i2
    image: failing
  containers:
  - name: a
    image: nginx
`)
	for i := 0; i < 6; i++ {
		advance(t, c, 1*time.Second)
		show(t, c, "t")
	}
	advance(t, c, 30*time.Second)
	show(t, c, "t")
}

func TestZZProbeMulti(t *testing.T) {
	c := newClusterB(t, []fake.Behavior{
		{Match: fake.Match{Container: "a"}, ExitCode: 1, RunFor: workload.Ptr(2 * time.Second)},
		{Match: fake.Match{Container: "b"}},
	}, "n1")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  restartPolicy: Never
  containers:
  - name: a
    image: nginx
  - name: b
    image: nginx
`)
	advance(t, c, 1*time.Second)
	show(t, c, "t")
	advance(t, c, 2*time.Second)
	show(t, c, "t")
	if err := c.Fake().KillContainer("default", "p", "b", 137); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 1*time.Second)
	show(t, c, "t")
}

func showEvents(c *orchestra.Cluster) {
	for _, e := range c.Events() {
		fmt.Printf("EV %v %s %s %s/%s %q x%d\n", e.FirstTimestamp.Sub(t0), e.Type, e.Reason, e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Message, e.Count)
	}
}

func TestZZProbeEvents(t *testing.T) {
	c := newClusterB(t, []fake.Behavior{
		{Match: fake.Match{Container: "a"}, ExitCode: 1, RunFor: workload.Ptr(2 * time.Second)},
	}, "n1")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  initContainers:
  - name: i
    image: busybox
  containers:
  - name: a
    image: nginx
  - name: b
    image: nginx
`)
	advance(t, c, 40*time.Second)
	show(t, c, "t")
	if err := c.DeletePod("default", "p", nil); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 1*time.Second)
	show(t, c, "t")
	advance(t, c, 40*time.Second)
	show(t, c, "t")
	showEvents(c)
}

func TestZZProbeGhostNode(t *testing.T) {
	c := newCluster(t, "n1")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  nodeName: ghost
  containers:
  - name: a
    image: nginx
`)
	advance(t, c, 1*time.Second)
	show(t, c, "t")
	advance(t, c, 60*time.Second)
	show(t, c, "t")
	showEvents(c)
}

func TestZZProbeEventObj(t *testing.T) {
	c := newCluster(t, "n1")
	applyYAML(t, c, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: a
        image: nginx
`)
	advance(t, c, 1*time.Second)
	for _, e := range c.Events() {
		b, _ := json.Marshal(e)
		fmt.Println(string(b))
	}
}

func TestZZProbeForce(t *testing.T) {
	c := newCluster(t, "n1")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: a
    image: nginx
`)
	advance(t, c, 1*time.Second)
	if err := c.DeletePod("default", "p", workload.Ptr(int64(0))); err != nil {
		t.Fatal(err)
	}
	o, err := c.Get("Pod", "default", "p")
	fmt.Println("after delete:", err)
	if err == nil {
		p := o.(*workload.Pod)
		fmt.Println(p.DeletionTimestamp, p.Finalizers, p.DeletionGracePeriodSeconds)
	}
	advance(t, c, 1*time.Millisecond)
	_, err = c.Get("Pod", "default", "p")
	fmt.Println("after 1ms:", err)
	showEvents(c)
	rp, err := c.Fake().GetPod("default", "p")
	fmt.Println("runtime:", rp != nil, err)
}

func TestZZProbeAPI(t *testing.T) {
	c := newCluster(t, "n1")
	_, err := c.Get("pod", "default", "p")
	fmt.Println("1", err)
	_, err = c.Get("Pods", "default", "p")
	fmt.Println("2", err)
	_, err = c.List("Pod", "", "app in (")
	fmt.Println("3", err)
	err = c.Delete("Pod", "default", "nope", "")
	fmt.Println("4", err)
	err = c.Delete("Pod", "default", "nope", "Sideways")
	fmt.Println("5", err)
	err = c.DeletePod("default", "nope", workload.Ptr(int64(-5)))
	fmt.Println("6", err)
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: a
    image: nginx
`)
	err = c.DeletePod("default", "p", workload.Ptr(int64(-5)))
	fmt.Println("7", err)
	err = c.Delete("Pod", "", "p", "Sideways")
	fmt.Println("8", err)
	os, err := c.List("Node", "", "")
	fmt.Println("9", len(os), err)
	os, err = c.List("Pod", "kube-system", "")
	fmt.Println("10", len(os), err)
}
