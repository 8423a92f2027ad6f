package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "logagents:", err)
		os.Exit(1)
	}
}

// step is what the DaemonSet looked like after one step of the story.
type step struct {
	title  string
	nodes  []string            // the cluster's nodes, sorted
	agents map[string]sighting // node -> its agent and what it saw
}

// sighting is what one agent saw from inside its pod.
type sighting struct {
	pod, node, podIP string
}

// agents collects what the running agents report. The agent functions run
// on the runtime's goroutines; the narrative reads from main's.
type agents struct {
	mu      sync.Mutex
	seen    map[string]sighting // pod -> what it saw
	stopped map[string]bool     // pods whose agent returned
	changed chan struct{}       // capacity one: something was reported
}

func (a *agents) report(f func()) {
	a.mu.Lock()
	f()
	a.mu.Unlock()
	select {
	case a.changed <- struct{}{}:
	default:
	}
}

// logAgent is the DaemonSet's program. A real one would tail the logs of
// the pods on its node; this one says where it runs and waits to be
// stopped.
func (a *agents) logAgent(ctx context.Context, ct *inproc.Container) error {
	s := sighting{pod: ct.Getenv("POD_NAME"), node: ct.Getenv("NODE_NAME"), podIP: ct.Getenv("POD_IP")}
	fmt.Fprintf(ct.Stdout(), "log agent on %s at %s\n", s.node, s.podIP)
	a.report(func() { a.seen[s.pod] = s })
	ct.Ready() // registered WaitForReady: ready once it has looked around
	<-ctx.Done()
	a.report(func() { a.stopped[s.pod] = true })
	return nil
}

// daemonSet is the log agents' DaemonSet, as a program would build it.
func daemonSet() *workload.DaemonSet {
	labels := map[string]string{"app": "log-agent"}
	return &workload.DaemonSet{
		ObjectMeta: workload.ObjectMeta{Name: "log-agent", Namespace: "default"},
		Spec: workload.DaemonSetSpec{
			Selector: &workload.LabelSelector{MatchLabels: labels},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: labels},
				Spec: workload.PodSpec{
					TerminationGracePeriodSeconds: workload.Ptr[int64](5),
					Containers:                    []workload.Container{{Name: "agent", Image: inproc.Image("log-agent")}},
				},
			},
		},
	}
}

// run tells the story on out and returns the DaemonSet after each step.
// It returns once everything it started has stopped.
func run(ctx context.Context, out io.Writer) (steps []step, err error) {
	say := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	ag := &agents{seen: map[string]sighting{}, stopped: map[string]bool{}, changed: make(chan struct{}, 1)}

	rt, err := inproc.New(inproc.Config{Nodes: []string{"node-1", "node-2"}})
	if err != nil {
		return nil, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if serr := rt.Shutdown(sctx); serr != nil && err == nil {
			err = serr
		}
	}()
	if err := rt.Register("log-agent", ag.logAgent, inproc.WaitForReady()); err != nil {
		return nil, err
	}
	c, err := orchestra.New(orchestra.Config{Runtime: rt, Seed: 1})
	if err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	defer func() {
		stop()
		<-done
		c.Close()
	}()

	// wait waits until cond holds, re-checking on every change of the
	// cluster and every agent report.
	wait := func(what string, cond func() bool) error {
		w, err := c.Store().Watch("", c.Store().ResourceVersion())
		if err != nil {
			return err
		}
		defer w.Stop()
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		for !cond() {
			select {
			case <-w.Ready():
				for {
					if _, ok := w.TryNext(); !ok {
						break
					}
				}
				if err := w.Err(); errors.Is(err, store.ErrWatchOverflow) {
					return fmt.Errorf("waiting for %s: %w", what, err)
				}
			case <-ag.changed:
			case <-wctx.Done():
				return fmt.Errorf("waiting for %s: %w", what, wctx.Err())
			}
		}
		return nil
	}
	// settled reports whether the cluster has exactly these nodes, each
	// running one ready agent that has reported, with no agent elsewhere,
	// and the DaemonSet's status says so.
	settled := func(nodes ...string) bool {
		if !slices.Equal(nodeNames(c), nodes) {
			return false
		}
		o, err := c.Get("DaemonSet", "default", "log-agent")
		if err != nil {
			return false
		}
		ds := o.(*workload.DaemonSet)
		n, st := int32(len(nodes)), ds.Status
		if st.ObservedGeneration != ds.Generation || st.DesiredNumberScheduled != n ||
			st.CurrentNumberScheduled != n || st.NumberReady != n || st.NumberMisscheduled != 0 {
			return false
		}
		pods, _ := c.Pods("default", "app=log-agent")
		ag.mu.Lock()
		defer ag.mu.Unlock()
		onNode := map[string]int{}
		for _, p := range pods {
			if _, ok := ag.seen[p.Name]; !ok || p.Status.Phase != workload.PodRunning || p.DeletionTimestamp != nil {
				return false
			}
			onNode[p.Spec.NodeName]++
		}
		for _, node := range nodes {
			if onNode[node] != 1 {
				return false
			}
		}
		return len(pods) == len(nodes)
	}
	// show prints each node's agent and what it saw (new agents marked),
	// and records the step.
	show := func(title string) {
		s := step{title: title, nodes: nodeNames(c), agents: map[string]sighting{}}
		pods, _ := c.Pods("default", "app=log-agent")
		ag.mu.Lock()
		for _, p := range pods {
			s.agents[p.Spec.NodeName] = ag.seen[p.Name]
		}
		ag.mu.Unlock()
		var before map[string]sighting
		if len(steps) > 0 {
			before = steps[len(steps)-1].agents
		}
		for _, node := range s.nodes {
			seen := s.agents[node]
			mark := ""
			if before != nil && before[node] != seen {
				mark = "   <- new"
			}
			say("  %s: %s sees NODE_NAME=%s POD_IP=%s%s", node, seen.pod, seen.node, seen.podIP, mark)
		}
		o, _ := c.Get("DaemonSet", "default", "log-agent")
		st := o.(*workload.DaemonSet).Status
		say("  DaemonSet log-agent: %d desired, %d ready", st.DesiredNumberScheduled, st.NumberReady)
		steps = append(steps, s)
	}

	say("== nodes %s; applying the DaemonSet log-agent", strings.Join(nodeNames(c), ", "))
	if _, err := c.Apply(daemonSet()); err != nil {
		return nil, err
	}
	if err := wait("one agent per node", func() bool { return settled("node-1", "node-2") }); err != nil {
		return nil, err
	}
	show("two nodes")

	say("\n== node-3 joins")
	if err := rt.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-3"}}); err != nil {
		return nil, err
	}
	if err := wait("an agent on node-3", func() bool { return settled("node-1", "node-2", "node-3") }); err != nil {
		return nil, err
	}
	show("node-3 joined")

	gone := steps[len(steps)-1].agents["node-1"].pod
	say("\n== node-1 leaves")
	if err := rt.RemoveNode("node-1"); err != nil {
		return nil, err
	}
	err = wait("node-1's agent to go", func() bool {
		ag.mu.Lock()
		stopped := ag.stopped[gone]
		ag.mu.Unlock()
		_, gerr := c.Get("Pod", "default", gone)
		return stopped && errors.Is(gerr, store.ErrNotFound) && settled("node-2", "node-3")
	})
	if err != nil {
		return nil, err
	}
	say("  node-1: %s stopped with its node", gone)
	show("node-1 left")
	return steps, nil
}

// nodeNames returns the cluster's nodes, sorted.
func nodeNames(c *orchestra.Cluster) []string {
	objs, _ := c.List("Node", "", "")
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.GetObjectMeta().Name)
	}
	sort.Strings(out)
	return out
}
