package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	sigsyaml "sigs.k8s.io/yaml"
	yaml "sigs.k8s.io/yaml/goyaml.v3"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

func yamlToJSON(n *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	return sigsyaml.YAMLToJSON(buf.Bytes())
}

func jsonUnmarshalStrict(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

func checkSelector(s string) error {
	_, err := labels.Parse(s)
	return err
}

// Options tune a play.
type Options struct {
	// Logger receives the cluster's structured logs. Nil: silent.
	Logger *slog.Logger
	// Progress, when set, is called after each step and at the end with
	// the virtual time reached.
	Progress func(now time.Time)
	// Controllers replaces the default controllers (see orchestra.Config).
	Controllers []func(controller.Deps) controller.Controller
}

// Player plays a scenario step by step; Play does it all at once.
type Player struct {
	s        *Scenario
	c        *orchestra.Cluster
	fake     *fake.Runtime
	timeline *timeline
	opts     Options
}

// NewPlayer builds the cluster of a scenario at its start: nodes added,
// objects applied, nothing played yet. A Scenario built or changed in Go
// that no file could give (a negative Run, a nil node or object, steps out
// of time order, a step with no action or more than one) is an error
// wrapping ErrInvalid that names the field, such as Steps[2].At.
func NewPlayer(s *Scenario, opts Options) (*Player, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil scenario (use Parse, Load or LoadManifests, or build one)", ErrInvalid)
	}
	// The player consumes its own copy of the steps: s can be played again.
	sc := *s
	if sc.Start.IsZero() {
		sc.Start = DefaultStart // a Scenario built in Go, as a file without start
	}
	if sc.Source == "" {
		sc.Source = "scenario built in Go"
	}
	s = &sc
	if err := checkPlayable(s); err != nil {
		return nil, fmt.Errorf("scenario: %s: %w", s.Source, err)
	}
	clock := vtime.NewVirtual(s.Start)
	f, err := fake.New(fake.Config{Clock: clock, Seed: s.Seed, Behaviors: s.Behaviors, Logger: opts.Logger, WatchBuffer: 1 << 21})
	if err != nil {
		return nil, fmt.Errorf("scenario: %s: behaviors: %w", s.Source, err)
	}
	cfg := orchestra.Config{Runtime: f, Clock: clock, Seed: s.Seed, Logger: opts.Logger}
	if opts.Controllers != nil {
		cfg.Controllers = opts.Controllers
	}
	c, err := orchestra.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("scenario: %s: %w", s.Source, err)
	}
	sc.Warnings = append(slices.Clip(s.Warnings), probeWarnings(s)...)
	p := &Player{s: &sc, c: c, fake: f, opts: opts, timeline: newTimeline(c)}
	if err := c.OnChange(p.timeline.observe); err != nil {
		c.Close()
		return nil, err
	}
	for _, n := range s.Nodes {
		if err := f.AddNode(n.DeepCopy()); err != nil {
			c.Close()
			return nil, fmt.Errorf("scenario: %s: nodes: %w", s.Source, err)
		}
	}
	for _, o := range s.Objects {
		if _, err := c.Apply(o); err != nil {
			c.Close()
			return nil, fmt.Errorf("scenario: %s: %w", s.Source, err)
		}
	}
	return p, nil
}

// checkPlayable refuses what a Scenario built or changed in Go can hold and
// a parsed one cannot: a negative Run, a nil node or object, steps out of
// time order, and a step with no action or more than one.
func checkPlayable(s *Scenario) error {
	if s.Run < 0 {
		return fmt.Errorf("%w: Run: %v is negative", ErrInvalid, s.Run)
	}
	for i, n := range s.Nodes {
		if n == nil {
			return fmt.Errorf("%w: Nodes[%d]: nil node", ErrInvalid, i)
		}
	}
	for i, o := range s.Objects {
		if workload.IsNil(o) {
			return fmt.Errorf("%w: Objects[%d]: nil object", ErrInvalid, i)
		}
	}
	var last time.Duration
	for i, st := range s.Steps {
		if st.At < 0 {
			return fmt.Errorf("%w: Steps[%d].At: %v is negative", ErrInvalid, i, st.At)
		}
		if st.At < last {
			return fmt.Errorf("%w: Steps[%d].At: %v is before the previous step's %v (steps are in time order)", ErrInvalid, i, st.At, last)
		}
		last = st.At
		if acts := st.actions(); len(acts) != 1 {
			return fmt.Errorf("%w: Steps[%d]: want exactly one action, got %d %v", ErrInvalid, i, len(acts), acts)
		}
		for j, o := range st.Apply {
			if workload.IsNil(o) {
				return fmt.Errorf("%w: Steps[%d].Apply[%d]: nil object", ErrInvalid, i, j)
			}
		}
	}
	return nil
}

// actions names the step's action fields that are set, as do reads them.
func (st *Step) actions() []string {
	var a []string
	add := func(set bool, name string) {
		if set {
			a = append(a, name)
		}
	}
	add(st.AddNode != nil, "AddNode")
	add(st.RemoveNode != "", "RemoveNode")
	add(st.SetNodeLabels != nil, "SetNodeLabels")
	add(st.SetNodeTaints != nil, "SetNodeTaints")
	add(st.SetNodeReady != nil, "SetNodeReady")
	add(st.FailNode != "", "FailNode")
	add(st.Cordon != "", "Cordon")
	add(st.Uncordon != "", "Uncordon")
	add(st.DeletePods != nil, "DeletePods")
	add(st.FailPods != nil, "FailPods")
	add(st.Apply != nil, "Apply")
	add(st.Delete != nil, "Delete")
	add(st.StopControlPlane, "StopControlPlane")
	add(st.StartControlPlane, "StartControlPlane")
	return a
}

// Cluster returns the cluster being played.
func (p *Player) Cluster() *orchestra.Cluster { return p.c }

// Close releases the cluster.
func (p *Player) Close() { p.c.Close() }

// Play plays the scenario from its start to start + Run and returns the
// report.
func Play(s *Scenario, opts Options) (*Result, error) {
	p, err := NewPlayer(s, opts)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	if err := p.PlayTo(s.Run); err != nil {
		return nil, err
	}
	return p.Result(), nil
}

// PlayTo plays the steps due up to offset (from the start) and advances
// the cluster to start + offset. Offsets only go forward: one before the
// offset already reached is an error wrapping workload.ErrInvalid that
// changes nothing. An offset past the scenario's Run plays on, as far as
// asked (Play stops at Run).
func (p *Player) PlayTo(offset time.Duration) error {
	end := p.s.Start.Add(offset)
	for len(p.s.Steps) > 0 && p.s.Steps[0].At <= offset {
		st := p.s.Steps[0]
		if err := p.c.AdvanceTo(p.s.Start.Add(st.At)); err != nil {
			return err
		}
		if err := p.do(st); err != nil {
			if st.key != "" {
				return fmt.Errorf("scenario: %s:%d: %s: %w", p.s.Source, st.keyLine, st.key, err)
			}
			return fmt.Errorf("scenario: %s:%d: %w", p.s.Source, st.Line, err)
		}
		p.s.Steps = p.s.Steps[1:]
		if p.opts.Progress != nil {
			p.opts.Progress(p.c.Now())
		}
	}
	if err := p.c.AdvanceTo(end); err != nil {
		return err
	}
	if p.opts.Progress != nil {
		p.opts.Progress(p.c.Now())
	}
	return nil
}

func (p *Player) do(st Step) error {
	f, c := p.fake, p.c
	switch {
	case st.AddNode != nil:
		return f.AddNode(st.AddNode.DeepCopy())
	case st.RemoveNode != "":
		return f.RemoveNode(st.RemoveNode)
	case st.SetNodeLabels != nil:
		return f.SetNodeLabels(st.SetNodeLabels.Name, st.SetNodeLabels.Labels)
	case st.SetNodeTaints != nil:
		return f.SetNodeTaints(st.SetNodeTaints.Name, st.SetNodeTaints.Taints)
	case st.SetNodeReady != nil:
		return f.SetNodeReady(st.SetNodeReady.Name, st.SetNodeReady.Ready)
	case st.FailNode != "":
		return f.FailNode(st.FailNode)
	case st.Cordon != "":
		return f.Cordon(st.Cordon)
	case st.Uncordon != "":
		return f.Uncordon(st.Uncordon)
	case st.DeletePods != nil:
		pods, err := p.oldestPods(st.DeletePods.Selector, st.DeletePods.Count)
		if err != nil {
			return err
		}
		if len(pods) == 0 {
			p.warnf(st, "deletePods: selector %q matches no running pod", st.DeletePods.Selector)
		}
		for _, pod := range pods {
			var grace *int64
			if st.DeletePods.GracePeriod != nil {
				g := int64(*st.DeletePods.GracePeriod / time.Second)
				grace = &g
			}
			if err := c.DeletePod(pod.Namespace, pod.Name, grace); err != nil {
				return err
			}
		}
	case st.FailPods != nil:
		pods, err := p.oldestPods(st.FailPods.Selector, st.FailPods.Count)
		if err != nil {
			return err
		}
		if len(pods) == 0 {
			p.warnf(st, "failPods: selector %q matches no running pod", st.FailPods.Selector)
		}
		for _, pod := range pods {
			if pod.Spec.NodeName == "" || len(pod.Spec.Containers) == 0 {
				continue
			}
			// Only a running container can die; a pod still starting or
			// waiting out a crash-loop back-off is left alone.
			if !containerRunning(pod, pod.Spec.Containers[0].Name) {
				continue
			}
			if err := f.KillContainer(pod.Namespace, pod.Name, pod.Spec.Containers[0].Name, st.FailPods.ExitCode); err != nil {
				return err
			}
		}
	case st.Apply != nil:
		for _, o := range st.Apply {
			if _, err := c.Apply(o); err != nil {
				return err
			}
		}
	case st.Delete != nil:
		return c.Delete(st.Delete.Kind, st.Delete.Namespace, st.Delete.Name, st.Delete.Propagation)
	case st.StopControlPlane:
		c.StopControlPlane()
	case st.StartControlPlane:
		return c.StartControlPlane()
	}
	return nil
}

func containerRunning(p *workload.Pod, name string) bool {
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Name == name {
			return cs.State.Running != nil
		}
	}
	return false
}

// warnf adds a warning about a step to the report.
func (p *Player) warnf(st Step, format string, args ...any) {
	p.s.Warnings = append(p.s.Warnings, fmt.Sprintf("%s:%d: at %v: ", p.s.Source, st.Line, st.At)+fmt.Sprintf(format, args...))
}

// oldestPods returns the running (not terminating, not finished) pods
// matching selector, oldest first, at most count.
func (p *Player) oldestPods(selector string, count *int) ([]*workload.Pod, error) {
	pods, err := p.c.Pods("", selector)
	if err != nil {
		return nil, err
	}
	var live []*workload.Pod
	for _, pod := range pods {
		if pod.DeletionTimestamp == nil && pod.Status.Phase != workload.PodSucceeded && pod.Status.Phase != workload.PodFailed {
			live = append(live, pod)
		}
	}
	sort.SliceStable(live, func(i, j int) bool {
		a, b := live[i], live[j]
		if !a.CreationTimestamp.Equal(b.CreationTimestamp.Time) {
			return a.CreationTimestamp.Before(b.CreationTimestamp.Time)
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	if count != nil && *count < len(live) {
		live = live[:*count]
	}
	return live, nil
}

// Result is what a play reports: SCENARIO.md's JSON document.
type Result struct {
	Start    time.Time         `json:"start"`
	End      time.Time         `json:"end"`
	Warnings []string          `json:"warnings"`
	Nodes    []*workload.Node  `json:"nodes"`
	Objects  []workload.Object `json:"objects"`
	Pods     []*workload.Pod   `json:"pods"`
	Events   []EventRecord     `json:"events"`
	Timeline []Change          `json:"timeline"`
}

// EventRecord is one event in the report.
type EventRecord struct {
	Time     time.Time `json:"time"`
	LastTime time.Time `json:"lastTime"`
	Type     string    `json:"type"`
	Reason   string    `json:"reason"`
	Object   string    `json:"object"`
	Message  string    `json:"message"`
	Count    int32     `json:"count"`
}

// Change is one entry of the timeline.
type Change struct {
	Time   time.Time `json:"time"`
	Object string    `json:"object"`
	Node   string    `json:"node,omitempty"`
	Change string    `json:"change"`
}

// Result reports the cluster as it is now.
func (p *Player) Result() *Result {
	s := p.c.Store()
	r := &Result{Start: p.s.Start, End: p.c.Now().UTC(), Warnings: append([]string{}, p.s.Warnings...)}
	r.Warnings = append(r.Warnings, p.unmatchedWarnings()...)
	for _, o := range s.List("Node", "", nil) {
		r.Nodes = append(r.Nodes, o.(*workload.Node))
	}
	for _, kind := range workload.Kinds {
		switch kind {
		case "Node", "Pod", "Event":
			continue
		}
		for _, o := range s.List(kind, "", nil) {
			tm := o.GetTypeMeta()
			tm.Kind, tm.APIVersion = o.Kind(), workload.APIVersionOf(o.Kind())
			r.Objects = append(r.Objects, o)
		}
	}
	for _, o := range s.List("Pod", "", nil) {
		r.Pods = append(r.Pods, o.(*workload.Pod))
	}
	for _, e := range p.c.Events() {
		obj := e.InvolvedObject.Kind + "/"
		if e.InvolvedObject.Namespace != "" {
			obj += e.InvolvedObject.Namespace + "/"
		}
		obj += e.InvolvedObject.Name
		r.Events = append(r.Events, EventRecord{
			Time: e.FirstTimestamp.UTC(), LastTime: e.LastTimestamp.UTC(), Type: e.Type, Reason: e.Reason,
			Object: obj, Message: e.Message, Count: e.Count,
		})
	}
	r.Timeline = append([]Change{}, p.timeline.changes...)
	if r.Nodes == nil {
		r.Nodes = []*workload.Node{}
	}
	if r.Objects == nil {
		r.Objects = []workload.Object{}
	}
	if r.Pods == nil {
		r.Pods = []*workload.Pod{}
	}
	if r.Events == nil {
		r.Events = []EventRecord{}
	}
	return r
}

// WriteJSON writes the report as one indented JSON document.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// probeWarnings reports, once per object and field, the probes, commands
// and args of the scenario's pods and pod templates: the fake runtime does
// not run them (a container is ready as its behaviour says: readyAfter,
// neverReady; and runs and exits as it says: runFor, exitCode, ...).
func probeWarnings(s *Scenario) []string {
	objs := slices.Clone(s.Objects)
	for _, st := range s.Steps {
		objs = append(objs, st.Apply...)
	}
	var out []string
	seen := map[string]bool{}
	for _, o := range objs {
		spec, path := podSpecOf(o)
		if spec == nil {
			continue
		}
		ref := workload.Ref(o)
		if m := o.GetObjectMeta(); m.Namespace == "" && !workload.IsClusterScoped(o.Kind()) {
			ref = o.Kind() + "/" + workload.DefaultNamespace + "/" + m.Name // as Apply defaults it
		}
		for _, cs := range []struct {
			field string
			list  []workload.Container
		}{{"initContainers", spec.InitContainers}, {"containers", spec.Containers}} {
			for _, c := range cs.list {
				for _, pr := range []struct {
					name string
					set  bool
				}{{"livenessProbe", c.LivenessProbe != nil}, {"readinessProbe", c.ReadinessProbe != nil}, {"startupProbe", c.StartupProbe != nil}} {
					f := path + "." + cs.field + "[]." + pr.name
					if k := ref + " " + f; pr.set && !seen[k] {
						seen[k] = true
						out = append(out, fmt.Sprintf("%s: %s is not run by the simulator's fake runtime: "+
							"a container is ready as its behaviour says (readyAfter, neverReady)", ref, f))
					}
				}
				for _, cmd := range []struct {
					name string
					set  bool
				}{{"command", len(c.Command) > 0}, {"args", len(c.Args) > 0}} {
					f := path + "." + cs.field + "[]." + cmd.name
					if k := ref + " " + f; cmd.set && !seen[k] {
						seen[k] = true
						out = append(out, fmt.Sprintf("%s: %s is not run by the simulator's fake runtime: "+
							"a container runs and exits as its behaviour says (runFor, exitCode, exitCodes, failFirst)", ref, f))
					}
				}
			}
		}
	}
	return out
}

// podSpecOf returns the pod spec of a pod or of a workload's pod template,
// with its field path.
func podSpecOf(o workload.Object) (*workload.PodSpec, string) {
	switch o := o.(type) {
	case *workload.Pod:
		return &o.Spec, "spec"
	case *workload.Deployment:
		return &o.Spec.Template.Spec, "spec.template.spec"
	case *workload.ReplicaSet:
		return &o.Spec.Template.Spec, "spec.template.spec"
	case *workload.StatefulSet:
		return &o.Spec.Template.Spec, "spec.template.spec"
	case *workload.DaemonSet:
		return &o.Spec.Template.Spec, "spec.template.spec"
	case *workload.Job:
		return &o.Spec.Template.Spec, "spec.template.spec"
	case *workload.CronJob:
		return &o.Spec.JobTemplate.Spec.Template.Spec, "spec.jobTemplate.spec.template.spec"
	}
	return nil, ""
}

// unmatchedWarnings reports the behaviour rules that no container has
// matched so far: a typo in a selector or glob is otherwise silent.
func (p *Player) unmatchedWarnings() []string {
	var out []string
	for _, i := range p.fake.UnmatchedBehaviors() {
		m := p.s.Behaviors[i].Match
		var what []string
		for _, f := range []struct{ key, val string }{
			{"image", m.Image}, {"labels", m.Labels}, {"podName", m.PodName}, {"container", m.Container},
		} {
			if f.val != "" {
				what = append(what, fmt.Sprintf("%s %q", f.key, f.val))
			}
		}
		if len(what) == 0 {
			what = append(what, "any container")
		}
		out = append(out, fmt.Sprintf("%s: behaviors[%d] (match %s) has matched no container", p.s.Source, i, strings.Join(what, ", ")))
	}
	return out
}
