package fake

import (
	"fmt"
	"path"
	"strconv"
	"time"

	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/labels"
)

// Match says which containers a [Behavior] applies to. Every field that is
// set must match; the zero Match matches every container.
type Match struct {
	// Image is a glob (path.Match) on the container's image. Its * stops
	// at a "/": "nginx*" matches "nginx:1.27" but not
	// "docker.io/library/nginx:1.27", which "*/*/nginx*" matches.
	Image string
	// Labels is a label selector string on the pod's labels
	// ("app=web,tier!=db"), parsed with k8s.io/apimachinery/pkg/labels.
	Labels string
	// PodName is a glob (path.Match) on the pod's name.
	PodName string
	// Container is the container's name, exactly.
	Container string
}

// Behavior is one rule of SCENARIO.md's behaviors list: how the fake
// containers it matches behave. The first rule that matches a container
// wins; the pod's sim.orchestra.dev/* annotations win over the rule's
// fields, knob by knob.
//
// A container no rule matches: an init container succeeds at once (exit
// 0 after 0 s), unless it is a sidecar (restartPolicy Always), which runs
// until it is stopped and is ready at once; a container of a pod with restartPolicy Never or
// OnFailure runs 10 s and exits 0; any other container starts at once, is
// ready at once and runs until it is stopped. Probes are never run.
type Behavior struct {
	// Match selects the containers the rule applies to.
	Match Match
	// StartDelay is the time from creation to running (think: image
	// pull). It applies to a container's first run only: restarts start as
	// soon as their back-off ends.
	StartDelay time.Duration
	// RunFor is how long a run lasts before the container exits. Nil means
	// the container runs until it is stopped (or CrashAfter); use
	// workload.Ptr(45*time.Second) to set it.
	RunFor *time.Duration
	// ExitCode is the exit code of a run that ends (default 0).
	ExitCode int32
	// ExitCodes gives the exit code of the n-th run matched by this rule,
	// counted across all pods in the order the runs start; after the list,
	// ExitCode applies.
	ExitCodes []int32
	// FailFirst makes the first FailFirst runs of each container (per pod)
	// exit with FailExitCode. A failing run lasts RunFor, or ends at once
	// when RunFor is nil. It takes precedence over ExitCodes (the run
	// still counts towards ExitCodes' n).
	FailFirst int
	// FailExitCode is the exit code of the runs FailFirst fails; zero
	// means 1.
	FailExitCode int32
	// ReadyAfter is the time from running to ready (default 0).
	ReadyAfter time.Duration
	// CrashAfter makes a container that would run forever crash with exit
	// code 137 (reason "Error") after this long; zero means never.
	CrashAfter time.Duration
	// NeverReady makes the container run without ever becoming ready.
	NeverReady bool
	// StopAfter is how long a running container takes to exit once it is
	// asked to stop (SIGTERM: its pod is deleted or passes its active
	// deadline); it then exits with code 0, having handled the signal,
	// unless its run ends earlier by itself. Nil means it ignores SIGTERM
	// (as a PID 1 without a handler does) and is killed with exit code 137
	// when the grace period ends. Use workload.Ptr(2*time.Second) to set
	// it.
	StopAfter *time.Duration
}

// Annotations on a pod that set the behaviour of its (non-init) containers
// and win over the rules. Values are as in SCENARIO.md: Go durations,
// decimal integers and "true"/"false".
const (
	AnnotationStartDelay   = "sim.orchestra.dev/start-delay"
	AnnotationRunFor       = "sim.orchestra.dev/run-for"
	AnnotationExitCode     = "sim.orchestra.dev/exit-code"
	AnnotationFailFirst    = "sim.orchestra.dev/fail-first"
	AnnotationFailExitCode = "sim.orchestra.dev/fail-exit-code"
	AnnotationReadyAfter   = "sim.orchestra.dev/ready-after"
	AnnotationCrashAfter   = "sim.orchestra.dev/crash-after"
	AnnotationNeverReady   = "sim.orchestra.dev/never-ready"
	AnnotationStopAfter    = "sim.orchestra.dev/stop-after"
)

// defaultRunFor is how long a container of a Never or OnFailure pod runs
// when no rule or annotation says otherwise.
const defaultRunFor = 10 * time.Second

// rule is a compiled Behavior.
type rule struct {
	b     Behavior
	sel   labels.Selector // nil: any labels
	count int             // runs matched so far, for ExitCodes
	// matched: some container has matched the rule (UnmatchedBehaviors).
	matched bool
}

// compileRules checks and compiles the behaviours, naming the bad field.
func compileRules(bs []Behavior) ([]*rule, error) {
	rules := make([]*rule, len(bs))
	for i, b := range bs {
		field := func(f string) string { return fmt.Sprintf("Config.Behaviors[%d].%s", i, f) }
		r := &rule{b: b}
		r.b.ExitCodes = append([]int32(nil), b.ExitCodes...)
		if b.Match.Image != "" {
			if _, err := path.Match(b.Match.Image, ""); err != nil {
				return nil, fmt.Errorf("%w: %s: bad glob %q: %v", ErrInvalid, field("Match.Image"), b.Match.Image, err)
			}
		}
		if b.Match.PodName != "" {
			if _, err := path.Match(b.Match.PodName, ""); err != nil {
				return nil, fmt.Errorf("%w: %s: bad glob %q: %v", ErrInvalid, field("Match.PodName"), b.Match.PodName, err)
			}
		}
		if b.Match.Labels != "" {
			sel, err := labels.Parse(b.Match.Labels)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: bad selector %q: %v", ErrInvalid, field("Match.Labels"), b.Match.Labels, err)
			}
			r.sel = sel
		}
		for name, d := range map[string]time.Duration{
			"StartDelay": b.StartDelay, "ReadyAfter": b.ReadyAfter, "CrashAfter": b.CrashAfter,
		} {
			if d < 0 {
				return nil, fmt.Errorf("%w: %s: negative duration %v", ErrInvalid, field(name), d)
			}
		}
		if b.RunFor != nil && *b.RunFor < 0 {
			return nil, fmt.Errorf("%w: %s: negative duration %v", ErrInvalid, field("RunFor"), *b.RunFor)
		}
		if b.FailFirst < 0 {
			return nil, fmt.Errorf("%w: %s: negative count %d", ErrInvalid, field("FailFirst"), b.FailFirst)
		}
		rules[i] = r
	}
	return rules, nil
}

// matches reports whether r applies to container c of pod.
func (r *rule) matches(pod *workload.Pod, c *workload.Container) bool {
	m := &r.b.Match
	if m.Container != "" && m.Container != c.Name {
		return false
	}
	if m.Image != "" {
		if ok, _ := path.Match(m.Image, c.Image); !ok {
			return false
		}
	}
	if m.PodName != "" {
		if ok, _ := path.Match(m.PodName, pod.Name); !ok {
			return false
		}
	}
	if r.sel != nil && !r.sel.Matches(labels.Set(pod.Labels)) {
		return false
	}
	return true
}

// overrides are the behaviour knobs a pod's annotations set.
type overrides struct {
	startDelay, runFor, exitCode, failFirst, failExitCode bool
	readyAfter, crashAfter, neverReady, stopAfter         bool
	b                                                     Behavior
}

// ValidateAnnotations checks the values of the sim.orchestra.dev/*
// annotations of a pod (or pod template) and returns an error naming the
// first bad one. Other annotations, and sim.orchestra.dev/* keys the runtime
// does not know, are ignored. CreatePod fails with the same error.
// ValidateObject checks an object's annotations as SCENARIO.md defines
// them, unknown keys included.
func ValidateAnnotations(annotations map[string]string) error {
	_, err := parseAnnotations(annotations)
	return err
}

// parseAnnotations reads the behaviour annotations in a fixed order, so
// that the error for several bad ones is always the same.
func parseAnnotations(a map[string]string) (overrides, error) {
	var o overrides
	if len(a) == 0 {
		return o, nil
	}
	bad := func(key, v, want string) error {
		return fmt.Errorf("%w: metadata.annotations[%s]: %q is not %s", ErrInvalid, key, v, want)
	}
	dur := func(key string, set *bool, dst *time.Duration) error {
		v, ok := a[key]
		if !ok {
			return nil
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return bad(key, v, "a non-negative Go duration (like 45s)")
		}
		*set, *dst = true, d
		return nil
	}
	i32 := func(key string, set *bool, dst *int32) error {
		v, ok := a[key]
		if !ok {
			return nil
		}
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return bad(key, v, "an integer")
		}
		*set, *dst = true, int32(n)
		return nil
	}
	var runFor, stopAfter time.Duration
	var failFirst int32
	for _, err := range []error{
		dur(AnnotationStartDelay, &o.startDelay, &o.b.StartDelay),
		dur(AnnotationRunFor, &o.runFor, &runFor),
		i32(AnnotationExitCode, &o.exitCode, &o.b.ExitCode),
		i32(AnnotationFailFirst, &o.failFirst, &failFirst),
		i32(AnnotationFailExitCode, &o.failExitCode, &o.b.FailExitCode),
		dur(AnnotationReadyAfter, &o.readyAfter, &o.b.ReadyAfter),
		dur(AnnotationCrashAfter, &o.crashAfter, &o.b.CrashAfter),
		dur(AnnotationStopAfter, &o.stopAfter, &stopAfter),
	} {
		if err != nil {
			return o, err
		}
	}
	if failFirst < 0 {
		return o, bad(AnnotationFailFirst, a[AnnotationFailFirst], "a non-negative integer")
	}
	o.b.FailFirst = int(failFirst)
	if o.runFor {
		o.b.RunFor = &runFor
	}
	if o.stopAfter {
		o.b.StopAfter = &stopAfter
	}
	if v, ok := a[AnnotationNeverReady]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return o, bad(AnnotationNeverReady, v, "true or false")
		}
		o.neverReady, o.b.NeverReady = true, b
	}
	return o, nil
}

// apply lays the overrides over b.
func (o *overrides) apply(b *Behavior) {
	if o.startDelay {
		b.StartDelay = o.b.StartDelay
	}
	if o.runFor {
		b.RunFor = o.b.RunFor
	}
	if o.exitCode {
		b.ExitCode = o.b.ExitCode
		b.ExitCodes = nil // the annotation wins over the rule's list
	}
	if o.failFirst {
		b.FailFirst = o.b.FailFirst
	}
	if o.failExitCode {
		b.FailExitCode = o.b.FailExitCode
	}
	if o.readyAfter {
		b.ReadyAfter = o.b.ReadyAfter
	}
	if o.crashAfter {
		b.CrashAfter = o.b.CrashAfter
	}
	if o.neverReady {
		b.NeverReady = o.b.NeverReady
	}
	if o.stopAfter {
		b.StopAfter = o.b.StopAfter
	}
}

// resolve returns the behaviour of container c of pod, and the rule it
// came from (nil when none matched). Init containers with no matching
// rule succeed at once, sidecars (restartPolicy Always) run until they
// are stopped; other containers follow SCENARIO.md's defaults;
// annotations apply to non-init containers only.
func resolve(rules []*rule, o *overrides, pod *workload.Pod, c *workload.Container, init bool) (Behavior, *rule) {
	var b Behavior
	var from *rule
	for _, r := range rules {
		if r.matches(pod, c) {
			b, from = r.b, r
			break
		}
	}
	if from == nil {
		switch {
		case init && workload.IsSidecar(c):
		case init:
			b.RunFor = new(time.Duration)
		case pod.Spec.RestartPolicy == workload.RestartPolicyNever || pod.Spec.RestartPolicy == workload.RestartPolicyOnFailure:
			b.RunFor = workload.Ptr(defaultRunFor)
		}
	}
	if !init {
		o.apply(&b)
	}
	if b.FailExitCode == 0 {
		b.FailExitCode = 1
	}
	return b, from
}

// any reports whether the annotations set any knob.
func (o *overrides) any() bool {
	return o.startDelay || o.runFor || o.exitCode || o.failFirst || o.failExitCode ||
		o.readyAfter || o.crashAfter || o.neverReady || o.stopAfter
}

// behaviorKey says what a behaviour depends on when no annotation applies
// to it: the rule it came from and the kind of container.
type behaviorKey struct {
	rule *rule
	// init: an init container; sidecar: one with restartPolicy Always;
	// toCompletion: an app container of a Never or OnFailure pod that no
	// rule matched.
	init, sidecar, toCompletion bool
}

// behavior is resolve for a container about to run: it returns the
// behaviour (read-only), shared with every container that behaves alike
// unless the pod's annotations make it the container's own. Caller holds
// r.mu.
func (r *Runtime) behavior(o *overrides, pod *workload.Pod, c *workload.Container, init bool) (*Behavior, *rule) {
	b, from := resolve(r.rules, o, pod, c, init)
	if from != nil {
		from.matched = true
	}
	if !init && o.any() {
		own := new(Behavior)
		*own = b
		return own, from
	}
	rp := pod.Spec.RestartPolicy
	key := behaviorKey{rule: from, init: init, sidecar: init && workload.IsSidecar(c),
		toCompletion: from == nil && !init && (rp == workload.RestartPolicyNever || rp == workload.RestartPolicyOnFailure)}
	if shared := r.behaviors[key]; shared != nil {
		return shared, from // b stays on the stack
	}
	if r.behaviors == nil {
		r.behaviors = map[behaviorKey]*Behavior{}
	}
	shared := new(Behavior)
	*shared = b
	r.behaviors[key] = shared
	return shared, from
}

// UnmatchedBehaviors returns the indexes in Config.Behaviors of the rules
// that no container has matched so far, in order: a rule whose selector
// or glob has a typo is otherwise silent. A rule that only ever lost to an
// earlier one counts as unmatched.
func (r *Runtime) UnmatchedBehaviors() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	for i, rl := range r.rules {
		if !rl.matched {
			out = append(out, i)
		}
	}
	return out
}
