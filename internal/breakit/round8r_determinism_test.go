package breakit_test

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

func r8rDump(c *orchestra.Cluster) string {
	var b strings.Builder
	ps, _ := c.Pods("", "")
	var lines []string
	for _, p := range ps {
		ready := false
		for _, cd := range p.Status.Conditions {
			if cd.Type == workload.PodReady && cd.Status == workload.ConditionTrue {
				ready = true
			}
		}
		rc := int32(0)
		for _, cs := range p.Status.ContainerStatuses {
			rc += cs.RestartCount
		}
		owner := ""
		if r := workload.ControllerOf(p); r != nil {
			owner = r.Name
		}
		lines = append(lines, fmt.Sprintf("pod %s/%s node=%s phase=%s ready=%v rc=%d del=%v owner=%s app=%s", p.Namespace, p.Name, p.Spec.NodeName, p.Status.Phase, ready, rc, p.DeletionTimestamp != nil, owner, p.Labels["app"]))
	}
	for _, kind := range []string{"ReplicaSet", "Deployment"} {
		objs, _ := c.List(kind, "", "")
		for _, o := range objs {
			switch x := o.(type) {
			case *workload.ReplicaSet:
				lines = append(lines, fmt.Sprintf("rs %s r=%d ready=%d avail=%d full=%d", x.Name, x.Status.Replicas, x.Status.ReadyReplicas, x.Status.AvailableReplicas, x.Status.FullyLabeledReplicas))
			case *workload.Deployment:
				lines = append(lines, fmt.Sprintf("dep %s r=%d ready=%d avail=%d upd=%d unavail=%d", x.Name, x.Status.Replicas, x.Status.ReadyReplicas, x.Status.AvailableReplicas, x.Status.UpdatedReplicas, x.Status.UnavailableReplicas))
			}
		}
	}
	eps, _ := c.List("EndpointSlice", "", "")
	for _, o := range eps {
		x := o.(*workload.EndpointSlice)
		var names []string
		for _, e := range x.Endpoints {
			r := e.Conditions.Ready == nil || *e.Conditions.Ready
			n := ""
			if e.TargetRef != nil {
				n = e.TargetRef.Name
			}
			names = append(names, fmt.Sprintf("%s:%v:%s", n, r, strings.Join(e.Addresses, ",")))
		}
		sort.Strings(names)
		lines = append(lines, fmt.Sprintf("eps %s svc=%s %v", x.Name[:0], x.Labels[workload.LabelServiceName], names))
	}
	sort.Strings(lines)
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	return b.String()
}

// TestR8rRandomClusterIsDeterministic plays seeded random operations on a
// cluster (Deployments with crash loops, readiness delays and minReadySeconds,
// rollouts, kills, deletions, node failures, removals and cordons,
// orphaned and relabelled pods, Services whose selectors come and go, a
// DaemonSet, Jobs, control-plane restarts) twice and checks that the pods,
// ReplicaSets, Deployments, EndpointSlices and events are the same, step
// by step: no map order or shared memory makes two plays differ.
func TestR8rRandomClusterIsDeterministic(t *testing.T) {
	for seed := uint64(0); seed < 6; seed++ {
		a, b := r8rPlay(t, seed), r8rPlay(t, seed)
		if a != b {
			al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
			for i := range min(len(al), len(bl)) {
				if al[i] != bl[i] {
					t.Fatalf("seed %d: two plays differ at line %d:\n%s\n%s", seed, i, al[i], bl[i])
				}
			}
			t.Fatalf("seed %d: two plays differ in length", seed)
		}
	}
}

func r8rPlay(t *testing.T, seed uint64) string {
	var out strings.Builder
	{
		rng := rand.New(rand.NewPCG(seed, 11))
		c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(t0), Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		nodes := []string{"n0", "n1", "n2", "n3"}
		for _, n := range nodes {
			if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: n}}); err != nil {
				t.Fatal(err)
			}
		}
		anns := []string{"{}", `{sim.orchestra.dev/crash-after: "40s"}`, `{sim.orchestra.dev/ready-after: "15s"}`, `{sim.orchestra.dev/fail-first: "1", sim.orchestra.dev/run-for: "5s"}`}
		dep := func(name string, replicas int, image string, ann string, mrs int) string {
			return fmt.Sprintf(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: %s, namespace: default}
spec:
  replicas: %d
  minReadySeconds: %d
  selector: {matchLabels: {app: %s}}
  template:
    metadata: {labels: {app: %s}, annotations: %s}
    spec:
      containers: [{name: main, image: %s}]
`, name, replicas, mrs, name, name, ann, image)
		}
		for step := 0; step < 40; step++ {
			k := rng.IntN(10)
			fmt.Fprintf(&out, "op k=%d cp=%v\n", k, c.ControlPlaneRunning())
			switch {
			case k < 3:
				name := []string{"web", "api"}[rng.IntN(2)]
				applyYAML(t, c, dep(name, rng.IntN(6), []string{"a:1", "a:2"}[rng.IntN(2)], anns[rng.IntN(len(anns))], []int{0, 0, 20}[rng.IntN(3)]))
			case k < 4:
				ps, _ := c.Pods("default", "")
				if len(ps) > 0 {
					p := ps[rng.IntN(len(ps))]
					_ = c.Fake().KillContainer("default", p.Name, "main", int32(rng.IntN(2)))
				}
			case k < 5:
				ps, _ := c.Pods("default", "")
				if len(ps) > 0 {
					p := ps[rng.IntN(len(ps))]
					g := int64(rng.IntN(10))
					_ = c.DeletePod("default", p.Name, &g)
				}
			case k < 6:
				n := nodes[rng.IntN(len(nodes))]
				fmt.Fprintf(&out, "failready %s\n", n)
				if rng.IntN(2) == 0 {
					_ = c.Fake().FailNode(n)
				} else {
					_ = c.Fake().SetNodeReady(n, true)
				}
			case k == 7 && rng.IntN(2) == 0:
				name := []string{"web", "api"}[rng.IntN(2)]
				_ = c.Delete("Deployment", "default", name, []string{"", "Background", "Foreground", "Orphan"}[rng.IntN(4)])
			case k == 7:
				n := nodes[rng.IntN(len(nodes))]
				op := rng.IntN(4)
				fmt.Fprintf(&out, "nodeop %s %d\n", n, op)
				switch op {
				case 0:
					_ = c.Fake().RemoveNode(n)
				case 1:
					_ = c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: n}})
				case 2:
					_ = c.Fake().Cordon(n)
				default:
					_ = c.Fake().Uncordon(n)
				}
			case k == 8 && rng.IntN(3) == 0:
				applyYAML(t, c, fmt.Sprintf(`
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: default}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}, annotations: %s}
    spec:
      containers: [{name: main, image: %s}]
`, anns[rng.IntN(len(anns))], []string{"a:1", "a:2"}[rng.IntN(2)]))
			case k == 8 && rng.IntN(2) == 0:
				applyYAML(t, c, fmt.Sprintf(`
apiVersion: batch/v1
kind: Job
metadata: {name: job%d, namespace: default}
spec:
  completions: 3
  parallelism: 2
  backoffLimit: 4
  template:
    metadata: {labels: {app: job}, annotations: {sim.orchestra.dev/run-for: "20s", sim.orchestra.dev/exit-code: "%d"}}
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox}]
`, step, rng.IntN(2)))
			case k < 7 && rng.IntN(3) == 0:
				svc := []string{"web", "api"}[rng.IntN(2)]
				sel := []string{"{app: web}", "{app: api}", "{app: other}", "null"}[rng.IntN(4)]
				applyYAML(t, c, fmt.Sprintf(`
apiVersion: v1
kind: Service
metadata: {name: %s, namespace: default}
spec: {selector: %s, ports: [{name: http, port: 80}]}`, svc, sel))
			case k < 7 && rng.IntN(2) == 0:
				if c.ControlPlaneRunning() {
					c.StopControlPlane()
				} else {
					_ = c.StartControlPlane()
				}
			case k < 7:
				ps, _ := c.Pods("default", "")
				if len(ps) > 0 {
					p := ps[rng.IntN(len(ps))].DeepCopy()
					if rng.IntN(2) == 0 {
						p.OwnerReferences = nil
					} else {
						p.Labels = map[string]string{"app": "other"}
					}
					_, _ = c.Store().Update(p)
				}
			}
			if err := c.Advance(time.Duration(rng.IntN(60)) * time.Second); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&out, "seed %d step %d\n%s", seed, step, r8rDump(c))
		}
		for _, e := range c.Events() {
			fmt.Fprintf(&out, "ev %s %s %s %q %d %s %s\n", e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, e.Message, e.Count, e.FirstTimestamp.Format(time.TimeOnly), e.LastTimestamp.Format(time.TimeOnly))
		}
		c.Close()
	}
	return out.String()
}
