package fake

import (
	"context"
	"fmt"
	"github.com/orchestra-go/orchestra/internal/podstatus"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// Container waiting and terminated reasons, as the kubelet reports them.
const (
	ReasonContainerCreating = "ContainerCreating"
	ReasonPodInitializing   = "PodInitializing"
	ReasonCrashLoopBackOff  = "CrashLoopBackOff"
	ReasonCompleted         = "Completed"
	ReasonError             = "Error"
)

// CrashExitCode is the exit code of a container that Behavior.CrashAfter
// crashes (SIGKILL).
const CrashExitCode = 137

// The status reason and message of a pod past its activeDeadlineSeconds,
// as the kubelet's active deadline handler words them.
const (
	ReasonDeadlineExceeded  = "DeadlineExceeded"
	MessageDeadlineExceeded = "Pod was active on the node longer than the specified deadline"
)

// podState is the fake kubelet's view of one pod.
type podState struct {
	rt      *Runtime
	key     string // namespace/name; the snapshot has them apart
	node    *nodeState
	nodeIdx int32  // place in node.pods
	ip      uint32 // 0 for hostNetwork pods
	// snap is the pod as created (its metadata and spec, which never
	// change) and reported then, never modified; repVersion is the
	// version of its last status report, 0 before the first: see current.
	snap       *workload.Pod
	repVersion uint64
	// status is the truth (snap.Status lags while the node is failed).
	// It shares its memory with snap's: its Conditions list is never
	// changed in place (a change makes a new list), and its container
	// status lists are snap's own while shared is set, copied by own
	// before a change. So a pod holds its status once, not twice.
	status      workload.PodStatus
	shared      bool
	all         []*container // the init containers (inits), then the app containers (apps)
	terminating bool
	done        bool // Succeeded or Failed: nothing runs any more
	dirty       bool // status changed while the node was failed
	// once pastDeadline the pod is Failed (DeadlineExceeded) and nothing
	// restarts.
	pastDeadline bool
	// removeWhenBack: the pod was removed (its deletion finished) while
	// its node was failed; it goes when the kubelet reports again.
	removeWhenBack bool
	// sidecars: an init container is a sidecar (restartPolicy Always).
	// appsBegun: the app containers were told to start (every init
	// container had succeeded or, a sidecar, started). sideStop: the
	// sidecars are being stopped (no app container runs or will), last
	// first, and none restarts.
	sidecars, appsBegun, sideStop bool
	// nInit is how many of all are init containers. (Two slice views of
	// all would cost 48 bytes and take onePod past its size class.)
	nInit int32
	// timers are the pod's own timers, made for the few pods that have
	// one (a deadline, a graceful deletion), and the status frozen while
	// its node is failed: nil for the others.
	timers *podTimers
}

// frozen is the status last reported when the pod's node failed (status,
// while the node is failed, goes on without being reported), or nil.
func (p *podState) frozen() *workload.PodStatus {
	if p.timers == nil {
		return nil
	}
	return p.timers.frozen
}

// thaw forgets the frozen status: the node reports again.
func (p *podState) thaw() {
	if p.timers != nil {
		p.timers.frozen = nil
	}
}

// inits returns the pod's init containers, sidecars included, in spec
// order.
func (p *podState) inits() []*container { return p.all[:p.nInit:p.nInit] }

// apps returns the pod's app containers in spec order.
func (p *podState) apps() []*container { return p.all[p.nInit:] }

// restartPolicy is the pod's spec.restartPolicy, Always when unset. The
// spec is the snapshot's (it never changes): podState keeps no copy, so
// that onePod stays in its size class.
func (p *podState) restartPolicy() string { return restartPolicy(&p.snap.Spec) }

func restartPolicy(s *workload.PodSpec) string {
	if s.RestartPolicy == "" {
		return workload.RestartPolicyAlways
	}
	return s.RestartPolicy
}

// onePod is the memory of a pod with one container and no init
// containers (the common pod), made in one allocation: its state, its
// snapshot, its container and the lists its first status starts with.
// They live as long as one another (the snapshot and the state go with
// the pod; the lists are copied before a change, see own), so one block
// keeps nothing alive longer than its parts would.
type onePod struct {
	p    podState
	snap workload.Pod
	ptr  [1]*container
	c    [1]container
	cs   [1]workload.ContainerStatus
	ip   [1]workload.PodIP
}

// podTimers are a pod's deletion and deadline timers, and the rest of its
// rarely used state (kept apart so that the common pod's memory, onePod,
// stays in its size class).
type podTimers struct {
	// frozen is the status last reported when the pod's node failed.
	frozen      *workload.PodStatus
	deleteAt    time.Time
	deleteTimer vtime.Timer
	// deadlineTimer fires at startTime + activeDeadlineSeconds, and
	// killTimer at the end of the grace period that follows.
	deadlineTimer, killTimer vtime.Timer
	// sideKill ends the grace period of the sidecars stopping because
	// the app containers had all exited (killSidecars).
	sideKill vtime.Timer
	// sideGrace: the grace period of the pod's termination ended (graceEnd)
	// with containers still running within their own deadlines; the
	// next end kills what still runs.
	sideGrace bool
	// termStart and termGrace are when the pod's termination began
	// (deletion, the active deadline, or its sidecars stopping once the
	// app containers are done) and its grace period, from which a
	// sidecar whose turn to stop comes later gets what is left (askTurn).
	termStart time.Time
	termGrace time.Duration
	// probers are the failing probes of the pod's container runs
	// (SetContainerReady, SetContainerLive).
	probers []*prober
}

// podTimers returns the pod's timers, making them on first use.
func (p *podState) podTimers() *podTimers {
	if p.timers == nil {
		p.timers = new(podTimers)
	}
	return p.timers
}

// grace is terminationGracePeriodSeconds, at least minimumGrace, for the
// kill of a pod past its activeDeadlineSeconds and of the sidecars of a
// pod whose app containers are done.
func (p *podState) grace() time.Duration {
	if g := p.snap.Spec.TerminationGracePeriodSeconds; g != nil {
		return max(time.Duration(*g)*time.Second, minimumGrace)
	}
	return time.Duration(workload.DefaultTerminationGracePeriodSeconds) * time.Second
}

// container is one (init or app) container of a pod.
type container struct {
	p    *podState
	b    *Behavior                 // read-only: shared by the containers that behave alike
	rule *rule                     // the rule b came from, for ExitCodes; nil if none
	st   *workload.ContainerStatus // in p.status; read-only, write through status()
	init bool
	// flags: flagSide, flagBegun, ... (one byte: the common pod's
	// memory, onePod, stays in its size class).
	flags   ctrFlags
	running bool
	stopped bool // will not run again
	// armed: a main timer was armed once; timerKind is what the pending
	// one does (arm).
	armed     bool
	timerKind timerKind
	// shared: the main timer is armed and calls fire. unfired counts the
	// timers that call fire and have neither run it nor been stopped: one
	// that fired while another caller held mu is still to run it, and
	// until it has, new main timers get closures of their own (arm).
	shared     bool
	unfired    uint8
	runs       int // runs started
	backoff    time.Duration
	startedAt  time.Time
	exitCode   int32  // of the current run, when it ends by itself
	timerGen   uint32 // the low bits of gen when the main timer was armed (arm)
	exitReason string
	exitAt     time.Time // when the current run ends by itself; zero: never
	gen        uint64    // bumped on every start, exit and stop: stale timers do nothing
	timer      vtime.Timer
	readyTimer vtime.Timer
	fire       func() // the main timer's callback on the virtual clock (arm)
	// The Waiting state of the current back-off, reused (it is never
	// modified) while the delay stays the same.
	backoffWait    *workload.ContainerStateWaiting
	backoffWaitFor time.Duration
	// flags also hold flagReadyDue and flagProbeFails: the container
	// is Ready while it runs when the first is set and not the second
	// (bits, not bools, to keep onePod in its size class).
}

// ctrFlags are a container's sidecar flags.
type ctrFlags uint8

const (
	flagSide        ctrFlags = 1 << iota // a sidecar (an init container with restartPolicy Always)
	flagBegun                            // told to start: its turn came
	flagAsked                            // its current run was asked to stop, its turn among the sidecars stopping
	flagChanged                          // its definition (image) changed while it ran: it restarts once stopped (UpdatePod)
	flagLiveFails                        // its liveness probe fails (SetContainerLive)
	flagProbeKilled                      // its current run is being killed for failing its liveness probe
	flagReadyDue                         // the current run has passed its ReadyAfter
	flagProbeFails                       // SetContainerReady(false) made its readiness probe fail
)

func (c *container) readyDue() bool   { return c.flags&flagReadyDue != 0 }
func (c *container) probeFails() bool { return c.flags&flagProbeFails != 0 }

// setFlag sets (on) or clears flag f.
func (c *container) setFlag(f ctrFlags, on bool) {
	if on {
		c.flags |= f
	} else {
		c.flags &^= f
	}
}

func (c *container) side() bool  { return c.flags&flagSide != 0 }
func (c *container) begun() bool { return c.flags&flagBegun != 0 }
func (c *container) asked() bool { return c.flags&flagAsked != 0 }

// sideFlag is flagSide for an init container that is a sidecar.
func sideFlag(init bool, c *workload.Container) ctrFlags {
	if init && workload.IsSidecar(c) {
		return flagSide
	}
	return 0
}

// timerKind is what a container's main timer does.
type timerKind uint8

const (
	timerStart timerKind = iota // start a run
	timerExit                   // end the run as planned
)

func (k timerKind) fn() func(*Runtime, *container) {
	if k == timerExit {
		return (*Runtime).exitPlanned
	}
	return (*Runtime).start
}

var (
	trueVal  = true
	falseVal = false
	// The Waiting states of containers about to start, shared by every
	// status that has one: the runtime never modifies a value a status
	// points to.
	waitingCreating     = workload.ContainerStateWaiting{Reason: ReasonContainerCreating}
	waitingInitializing = workload.ContainerStateWaiting{Reason: ReasonPodInitializing}
)

// waitingFor returns the shared Waiting state of reason, which is
// ReasonContainerCreating or ReasonPodInitializing.
func waitingFor(reason string) *workload.ContainerStateWaiting {
	if reason == ReasonPodInitializing {
		return &waitingInitializing
	}
	return &waitingCreating
}

// CreatePod starts pod on the node spec.nodeName names. The pod's metadata
// is kept as given (resourceVersion aside, which is the runtime's); its
// status is the runtime's. As workload.Runtime allows, the runtime keeps
// the pod's metadata and spec without a copy (it shares their maps, lists
// and pointers, and never changes them): the caller must not change them
// afterwards. Watchers see an Added event with phase Pending,
// then the containers run as the behaviour rules and annotations say.
//
// It fails with an error wrapping workload.ErrNodeNotFound (no such node),
// workload.ErrPodExists, ErrNoPodIP, ErrInvalid (nil pod, no name, a bad
// sim.orchestra.dev/* annotation) or the FailCreate hook's error; a
// failed create changes nothing.
func (r *Runtime) CreatePod(ctx context.Context, pod *workload.Pod) error {
	if pod == nil {
		return r.recordUnlocked("CreatePod", "Pod/", fmt.Errorf("%w: CreatePod: pod is nil", ErrInvalid))
	}
	ns := normNS(pod.Namespace)
	ref := podRef(ns, pod.Name)
	if h := r.getHooks().FailCreate; h != nil {
		if err := h(pod.DeepCopy()); err != nil {
			return r.recordUnlocked("CreatePod", ref, fmt.Errorf("fake: %s: %w", ref, err))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin(ctx); err != nil {
		return r.record("CreatePod", ref, err)
	}
	return r.record("CreatePod", ref, r.createPod(pod, ns, ref))
}

func (r *Runtime) createPod(in *workload.Pod, ns, ref string) error {
	if in.Name == "" {
		return fmt.Errorf("%w: %s: metadata.name: required", ErrInvalid, ref)
	}
	o, err := parseAnnotations(in.Annotations)
	if err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	node := r.nodes[in.Spec.NodeName]
	if node == nil {
		return fmt.Errorf("fake: %s: spec.nodeName %q: %w", ref, in.Spec.NodeName, workload.ErrNodeNotFound)
	}
	key := ref[len("Pod/"):] // ns/name, sharing ref's memory (the call record keeps it)
	if r.pods[key] != nil {
		return fmt.Errorf("fake: %s: %w", ref, workload.ErrPodExists)
	}
	ni, nc := len(in.Spec.InitContainers), len(in.Spec.Containers)
	var one *onePod
	if ni == 0 && nc == 1 {
		one = new(onePod)
	}
	var p *podState
	if one != nil {
		p = &one.p
	} else {
		p = new(podState)
	}
	*p = podState{rt: r, key: key, node: node}
	podIP := node.hostIP
	if !in.Spec.HostNetwork {
		ip, ok := node.allocIP()
		if !ok {
			return fmt.Errorf("fake: %s: node %s: %w", ref, node.name, ErrNoPodIP)
		}
		p.ip = ip
		podIP = ip4String(ip)
	}
	now := r.clock.Now()
	st := &p.status
	st.HostIP, st.HostIPs = node.hostIP, node.hostIPs
	st.PodIP = podIP
	if one != nil {
		one.ip[0] = workload.PodIP{IP: podIP}
		st.PodIPs = one.ip[:]
		st.ContainerStatuses = one.cs[:]
	} else {
		st.PodIPs = []workload.PodIP{{IP: podIP}}
		st.InitContainerStatuses = make([]workload.ContainerStatus, ni)
		st.ContainerStatuses = make([]workload.ContainerStatus, nc)
		if ni == 0 {
			st.InitContainerStatuses = nil
		}
	}
	firstWait := ReasonContainerCreating
	if len(in.Spec.InitContainers) > 0 {
		firstWait = ReasonPodInitializing
	}
	// One list of pointers and one array of containers for the pod.
	var ctrs []container
	if one != nil {
		p.all, ctrs = one.ptr[:], one.c[:]
	} else {
		p.all, ctrs = make([]*container, ni+nc), make([]container, ni+nc)
	}
	p.nInit = int32(ni)
	add := func(specs []workload.Container, sts []workload.ContainerStatus, cs []*container, mem []container, init bool) {
		for i := range specs {
			b, from := r.behavior(&o, in, &specs[i], init)
			wait := waitingFor(firstWait)
			if init && i == 0 {
				wait = &waitingCreating
			} else if init {
				wait = &waitingInitializing
			}
			sts[i] = workload.ContainerStatus{
				Name: specs[i].Name, Image: specs[i].Image, Started: &falseVal,
				State: workload.ContainerState{Waiting: wait},
			}
			mem[i] = container{p: p, init: init, flags: sideFlag(init, &specs[i]), b: b, rule: from, st: &sts[i]}
			cs[i] = &mem[i]
		}
	}
	add(in.Spec.InitContainers, st.InitContainerStatuses, p.inits(), ctrs[:ni], true)
	add(in.Spec.Containers, st.ContainerStatuses, p.apps(), ctrs[ni:], false)
	st.Phase = podstatus.Phase(restartPolicy(&in.Spec), in.Spec.InitContainers, st.InitContainerStatuses, st.ContainerStatuses)
	r.firstConditions(st, now, &in.Spec)

	// The snapshot shares the caller's metadata and spec (their maps,
	// lists and pointers): workload.Runtime lets a runtime keep the pod
	// it is given, which nobody changes, and the fake never changes a
	// snapshot. Only the scalar fields set here are its own.
	var obj *workload.Pod
	if one != nil {
		obj = &one.snap
	} else {
		obj = new(workload.Pod)
	}
	obj.ObjectMeta, obj.Spec = in.ObjectMeta, in.Spec
	obj.APIVersion, obj.TypeMeta.Kind = "v1", "Pod"
	obj.Namespace = ns
	if obj.UID == "" {
		obj.UID = r.newUID()
	}
	if obj.CreationTimestamp.IsZero() {
		obj.CreationTimestamp = workload.NewTime(now)
	}
	obj.Status = *st // shared: see podState.status
	p.shared = true
	r.emit(workload.Added, obj)
	p.snap = obj
	r.pods[key] = p
	node.addPod(p)
	if r.log != nil {
		r.log.Info("pod created", "pod", key, "node", node.name, "podIP", podIP)
	}
	if ads := in.Spec.ActiveDeadlineSeconds; ads != nil && *ads > 0 {
		p.podTimers().deadlineTimer = r.clock.AfterFunc(time.Duration(*ads)*time.Second, func() { r.deadlinePassed(p) })
	}
	if len(p.inits()) > 0 {
		p.sidecars = workload.HasSidecar(in.Spec.InitContainers)
		p.inits()[0].flags |= flagBegun
		r.arm(p.inits()[0], p.inits()[0].b.StartDelay, timerStart)
	} else {
		p.appsBegun = true
		for _, c := range p.apps() {
			r.arm(c, c.b.StartDelay, timerStart)
		}
	}
	return nil
}

// firstStatus is the start time and conditions of the pods created at one
// instant, with or without init containers: they are the same for all of
// them, so they share them (the runtime never changes a condition list in
// place, nor the time a status points to). Pods are often created many at
// one virtual instant (150,000 in BenchmarkDeployments150kPods).
type firstStatus struct {
	at        time.Time
	startTime *workload.Time
	conds     []workload.PodCondition
	// The containers of the spec they were made for (the spec the fake
	// keeps): the conditions' messages name them ("containers with
	// unready status: [a b]"), so only pods whose containers have the
	// same names share them.
	inits, ctrs []workload.Container
}

// firstConditions sets the start time and conditions of st, the status of
// a pod being created at now (phase Pending, no container started).
// Caller holds mu.
func (r *Runtime) firstConditions(st *workload.PodStatus, now time.Time, spec *workload.PodSpec) {
	c := &r.first[0]
	if len(spec.InitContainers) > 0 {
		c = &r.first[1]
	}
	if c.conds != nil && c.at == now && st.Phase == workload.PodPending &&
		podstatus.SameContainers(c.ctrs, spec.Containers) && podstatus.SameContainers(c.inits, spec.InitContainers) {
		st.StartTime, st.Conditions = c.startTime, c.conds
		return
	}
	st.StartTime = workload.NewTimePtr(now)
	// The sandbox (its network: the pod's address) is ready at once. The
	// list is made at its final size: Conditions below only sets these.
	at := workload.NewTime(now)
	st.Conditions = []workload.PodCondition{
		{Type: workload.PodReadyToStartCtrs, Status: workload.ConditionTrue, LastTransitionTime: at},
		{Type: workload.PodInitialized, Status: workload.ConditionFalse, LastTransitionTime: at},
		{Type: workload.PodReady, Status: workload.ConditionFalse, LastTransitionTime: at},
		{Type: workload.ContainersReady, Status: workload.ConditionFalse, LastTransitionTime: at},
		{Type: workload.PodScheduled, Status: workload.ConditionTrue, LastTransitionTime: at},
	}
	podstatus.Conditions(st, spec.InitContainers, now)
	if st.Phase == workload.PodPending {
		*c = firstStatus{at: now, startTime: st.StartTime, conds: st.Conditions, inits: spec.InitContainers, ctrs: spec.Containers}
	}
}

// arm sets c's main timer (c.timer) to do k after d, unless c starts,
// exits or stops before. On the virtual clock, from its second main timer
// on, a container's main timers all call one callback (c.fire, made then,
// so that a container that starts once and runs on never makes it): a
// stopped virtual timer never fires and timers fire on the goroutine that
// advances the clock, so with the last main timer stopped first, the
// callback's kind and generation are those of the one timer pending. Such
// a container keeps its last main timer after it fired or stopped, and
// the clock reuses it once it fired (vtime.Virtual.Again): a crash loop
// arms its timers without allocating. On a real clock a stopped timer may
// be firing already, so each timer gets a closure of its own (after).
// Caller holds mu.
func (r *Runtime) arm(c *container, d time.Duration, k timerKind) {
	if r.vclock == nil || !c.armed {
		c.armed = true
		c.timer = r.after(c, d, k.fn())
		return
	}
	c.stopMain()
	if c.unfired > 0 {
		// A timer that fired while the caller held mu is still to run
		// fire: it must find its own kind and generation, not these.
		c.timer = r.after(c, d, k.fn())
		return
	}
	if c.fire == nil {
		c.fire = func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			c.unfired--
			c.shared = false
			if r.closed || uint32(c.gen) != c.timerGen {
				return
			}
			c.timerKind.fn()(r, c)
		}
	}
	c.timerKind, c.timerGen = k, uint32(c.gen)
	c.timer = r.vclock.Again(c.timer, d, c.fire)
	c.shared = true
	c.unfired++
}

// stopMain stops c's main timer, and keeps it for arm to reuse when it
// calls fire. Caller holds mu.
func (c *container) stopMain() {
	if c.timer == nil {
		return
	}
	if c.timer.Stop() && c.shared {
		c.unfired-- // it will never run fire
	}
	c.shared = false
	if c.fire == nil {
		c.timer = nil
	}
}

func (r *Runtime) after(c *container, d time.Duration, f func(*Runtime, *container)) vtime.Timer {
	g := c.gen
	return r.clock.AfterFunc(d, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.closed || c.gen != g {
			return
		}
		f(r, c)
	})
}

// stopTimers cancels c's timers and makes any already firing do nothing.
func (c *container) stopTimers() {
	c.gen++
	c.stopMain()
	if c.readyTimer != nil {
		c.readyTimer.Stop()
		c.readyTimer = nil
	}
}

// start starts a run of c. Caller holds mu.
func (r *Runtime) start(c *container) {
	p := c.p
	if p.terminating || p.done || c.stopped {
		return
	}
	now := r.clock.Now()
	c.stopTimers()
	st := c.status()
	c.runs++
	code := c.b.ExitCode
	if c.rule != nil {
		n := c.rule.count
		c.rule.count++
		if n < len(c.b.ExitCodes) {
			code = c.b.ExitCodes[n]
		}
	}
	run := time.Duration(-1) // forever
	switch {
	case c.runs <= c.b.FailFirst:
		code, run = c.b.FailExitCode, 0
		if c.b.RunFor != nil {
			run = *c.b.RunFor
		}
	case c.b.RunFor != nil:
		run = *c.b.RunFor
	case c.b.CrashAfter > 0:
		code, run = CrashExitCode, c.b.CrashAfter
	}
	c.exitCode, c.exitReason = code, exitReason(code)
	if c.runs > 1 {
		st.RestartCount++
	}
	c.running = true
	c.flags &^= flagAsked
	c.startedAt = now
	st.State = workload.ContainerState{Running: r.running(now)}
	st.Started = &trueVal
	st.Ready = false
	c.setFlag(flagReadyDue, false)
	if (!c.init || c.side()) && !c.b.NeverReady {
		if c.b.ReadyAfter == 0 {
			c.setFlag(flagReadyDue, true)
			st.Ready = !c.probeFails()
		} else {
			c.readyTimer = r.after(c, c.b.ReadyAfter, (*Runtime).becomeReady)
		}
	}
	c.exitAt = time.Time{}
	if run >= 0 {
		c.exitAt = now.Add(run)
		r.arm(c, run, timerExit)
	}
	if c.probeFails() || c.flags&flagLiveFails != 0 {
		r.startProbers(c)
	}
	r.ctrEvents++
	if r.debugOn() {
		r.log.Debug("container started", "pod", p.key, "container", c.st.Name, "restartCount", c.st.RestartCount)
	}
	if c.side() && !p.appsBegun {
		// A sidecar that has started lets the next init container start
		// (the fake runs no startup probe: started once running).
		r.startNextInit(p)
	}
	r.update(p)
}

func exitReason(code int32) string {
	if code == 0 {
		return ReasonCompleted
	}
	return ReasonError
}

// running returns a Running state started at now, the same one for every
// container that starts at that instant (pods in lockstep): the runtime
// never modifies a value a status points to. Caller holds mu.
func (r *Runtime) running(now time.Time) *workload.ContainerStateRunning {
	if s := r.lastRunning; s != nil && s.StartedAt.Time == now {
		return s
	}
	r.lastRunning = &workload.ContainerStateRunning{StartedAt: workload.NewTime(now)}
	return r.lastRunning
}

// terminated returns t as a Terminated state, the same one as the last
// call's when that was equal (containers of pods in lockstep exit alike).
// Caller holds mu.
func (r *Runtime) terminated(t workload.ContainerStateTerminated) *workload.ContainerStateTerminated {
	if l := r.lastTerminated; l != nil && *l == t {
		return l
	}
	n := new(workload.ContainerStateTerminated) // only here: t stays on the stack
	*n = t
	r.lastTerminated = n
	return n
}

// becomeReady marks a running container ready (readyAfter has passed).
func (r *Runtime) becomeReady(c *container) {
	c.readyTimer = nil
	if !c.running || c.p.done {
		return
	}
	c.setFlag(flagReadyDue, true)
	if c.probeFails() {
		return
	}
	c.status().Ready = true
	r.update(c.p)
}

// SetContainerReady sets the result of a container's readiness probe, as
// if it had one: false makes it fail from now on, so the running container
// is not ready (the pod leaves its Services' endpoints) but is not
// restarted, and stays not ready across restarts; true lets it succeed
// again, so the container is ready as its behaviour says (once ReadyAfter
// has passed in its current run; never under NeverReady). An empty
// containerName names the pod's default container, as for KillContainer.
// Init containers
// other than sidecars have no readiness probe: naming one is an error
// wrapping ErrInvalid, as is a pod or container that does not exist
// (workload.ErrPodNotFound, ErrContainerNotFound).
func (r *Runtime) SetContainerReady(namespace, pod, containerName string, ready bool) error {
	return r.containerOp("SetContainerReady", namespace, pod, containerName, func(c *container, ref string) error {
		if c.init && !c.side() {
			return fmt.Errorf("%w: fake: %s: container %q is an init container, which has no readiness probe", ErrInvalid, ref, c.st.Name)
		}
		return nil
	}, func(c *container) {
		was := c.probeFails()
		c.setFlag(flagProbeFails, !ready)
		if ready {
			r.stopProber(c, probeReadiness)
		}
		if !c.running || c.p.done {
			return
		}
		if !ready && !was {
			// Its probe fails now, and every period while it runs.
			r.probeFailed(r.newProber(c, probeReadiness))
		}
		if want := c.readyDue() && !c.probeFails(); c.st.Ready != want {
			c.status().Ready = want
			r.update(c.p)
		}
	})
}

// exitPlanned ends the current run as its behaviour planned.
func (r *Runtime) exitPlanned(c *container) {
	if c.fire == nil { // else kept for arm to reuse
		c.timer = nil
	}
	r.exit(c, c.exitCode, c.exitReason)
}

// exit ends c's current run with code, then applies the restart policy.
// Caller holds mu.
func (r *Runtime) exit(c *container, code int32, reason string) {
	p := c.p
	now := r.clock.Now()
	c.stopTimers()
	c.running = false
	st := c.status()
	term := r.terminated(workload.ContainerStateTerminated{
		ExitCode: code, Reason: reason,
		StartedAt: workload.NewTime(c.startedAt), FinishedAt: workload.NewTime(now),
	})
	st.Started = &falseVal
	st.Ready = c.init && !c.side() && code == 0
	r.ctrEvents++
	if r.debugOn() {
		r.log.Debug("container exited", "pod", p.key, "container", c.st.Name, "exitCode", code)
	}
	restart := false
	changed, probeKilled := c.flags&flagChanged != 0, c.flags&flagProbeKilled != 0
	c.flags &^= flagChanged | flagProbeKilled
	if p.timers != nil && len(p.timers.probers) > 0 {
		r.stopProber(c, "")
	}
	if !p.terminating && !p.pastDeadline {
		switch {
		case changed && !(c.side() && p.sideStop):
			// Stopped because its definition changed (UpdatePod): it
			// starts again with the new one, whatever the restart
			// policy (computePodActions: "definition changed").
			restart = true
			r.restartChanged(c)
		case c.side():
			// A sidecar restarts whatever the pod's restartPolicy, until
			// the sidecars stop.
			restart = !p.sideStop
		case c.init:
			restart = code != 0 && p.restartPolicy() != workload.RestartPolicyNever
		case p.restartPolicy() == workload.RestartPolicyAlways:
			restart = true
		case p.restartPolicy() == workload.RestartPolicyOnFailure:
			// A run killed for failing its liveness probe restarts
			// whatever its exit code, as computePodActions restarts it
			// unless the policy is Never.
			restart = code != 0 || probeKilled
		}
	}
	if restart {
		// The kubelet's doBackOff: the first restart, and the first after
		// a run longer than BackoffReset, is immediate; each further one
		// waits BackoffInitial, doubling up to BackoffMax.
		if now.Sub(c.startedAt) > BackoffReset {
			c.backoff = 0
		}
		delay := c.backoff
		c.backoff = backoffDelay(c.backoff)
		if changed {
			// A new definition: a first start, its back-off to come.
			delay, c.backoff = 0, 0
		}
		if delay == 0 {
			// The kubelet reports the exit (the container not ready)
			// before it starts the container again: SyncPod writes the
			// pod's status, then starts what computePodActions says.
			// (Not a run stopped for a new definition, or killed by
			// its liveness probe with exit 0, which the restart policy
			// alone would not restart: killContainer and the start are
			// one sync.)
			// That report shows the exit as the state and, as lastState,
			// the run before it (none before the first restart): the
			// kubelet's convertToAPIContainerStatuses takes lastState
			// from the previous container instance.
			st.State = workload.ContainerState{Terminated: term}
			if !changed && !(probeKilled && code == 0) {
				r.update(p)
				st = c.status() // the report shares the old one
			}
			st.LastTerminationState = workload.ContainerState{Terminated: term}
			r.start(c) // reports the pod
			return
		}
		if c.backoffWait == nil || c.backoffWaitFor != delay {
			c.backoffWaitFor = delay
			c.backoffWait = &workload.ContainerStateWaiting{
				Reason:  ReasonCrashLoopBackOff,
				Message: "back-off " + delay.String() + " restarting failed container=" + c.st.Name + " pod=" + p.snap.Name + "_" + p.snap.Namespace + "(" + p.snap.UID + ")",
			}
		}
		st.LastTerminationState = workload.ContainerState{Terminated: term}
		st.State = workload.ContainerState{Waiting: c.backoffWait}
		r.arm(c, delay, timerStart)
	} else {
		st.State = workload.ContainerState{Terminated: term}
		c.stopped = true
		if c.init && !c.side() && code == 0 && !p.terminating && !p.pastDeadline {
			r.startNextInit(p)
		}
		if p.sidecars && !p.sideStop && !p.terminating && !p.pastDeadline && !c.side() &&
			(c.init && code != 0 || !c.init && p.appsFinished()) {
			// No app container runs or will: an init container failed
			// under restartPolicy Never, or every app container has
			// exited for good. The kubelet kills the pod, which stops
			// the sidecars (computePodActions: KillPod, no init container
			// restarted).
			r.stopSidecars(p)
		}
	}
	if p.sideStop {
		r.stopNextSidecar(p)
	}
	r.update(p)
}

// appsFinished reports whether every app container has exited for good.
func (p *podState) appsFinished() bool {
	for _, c := range p.apps() {
		if !c.stopped {
			return false
		}
	}
	return true
}

// stopSidecars begins to stop the sidecars of a pod none of whose app
// containers runs or will: those waiting to restart never will, the
// running ones are asked to stop one at a time, the last declared first
// (the kubelet's termination ordering), and what still runs a grace
// period (terminationGracePeriodSeconds) later is killed (exit code 137).
// Caller holds mu.
func (r *Runtime) stopSidecars(p *podState) {
	p.sideStop = true
	for _, c := range p.inits() {
		if c.side() && !c.running {
			c.stopTimers()
			c.stopped = true
		}
	}
	if p.anyRunning() {
		p.beginTermination(r.clock.Now(), p.grace())
		p.podTimers().sideKill = r.clock.AfterFunc(p.grace(), func() { r.killSidecars(p) })
	}
	if r.log != nil {
		r.log.Info("app containers done; stopping sidecars", "pod", p.key)
	}
}

// minimumGrace is the least time the kubelet gives a container between
// SIGTERM and SIGKILL (podstatus.MinimumGrace).
const minimumGrace = podstatus.MinimumGrace

// killSidecars ends the grace period of the sidecars stopping once the
// app containers are done (graceEnd), and kills what still runs at the
// last deadline that leaves.
func (r *Runtime) killSidecars(p *podState) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := p.podTimers()
	t.sideKill = nil
	if r.closed || r.pods[p.key] != p || p.done {
		return
	}
	if last := r.graceEnd(p); !last.IsZero() {
		t.sideKill = r.clock.AfterFunc(last.Sub(r.clock.Now()), func() { r.killSidecars(p) })
		return
	}
	r.killRunning(p)
}

// killRunning kills what still runs of p: the app containers, then the
// init containers, the last declared first. Caller holds mu.
func (r *Runtime) killRunning(p *podState) {
	for _, c := range p.apps() {
		if c.running {
			r.exit(c, CrashExitCode, ReasonError)
		}
	}
	for i := len(p.inits()) - 1; i >= 0; i-- {
		if c := p.inits()[i]; c.running {
			r.exit(c, CrashExitCode, ReasonError)
		}
	}
}

// stopNextSidecar asks the last declared sidecar that still runs to stop,
// once no app container runs and every sidecar declared after it has
// exited (the kubelet's terminationOrdering). Caller holds mu.
func (r *Runtime) stopNextSidecar(p *podState) {
	for _, c := range p.apps() {
		if c.running {
			return
		}
	}
	for i := len(p.inits()) - 1; i >= 0; i-- {
		if c := p.inits()[i]; c.side() && c.running {
			if !c.asked() {
				r.askTurn(c, r.clock.Now())
			}
			return
		}
	}
}

// startNextInit starts the first init container that has not succeeded
// (or, a sidecar, started) unless it was told to already, or the app
// containers when every init container has.
func (r *Runtime) startNextInit(p *podState) {
	for _, c := range p.inits() {
		if c.side() {
			if c.runs > 0 {
				continue
			}
		} else if t := c.st.State.Terminated; t != nil && t.ExitCode == 0 {
			continue
		}
		if c.begun() {
			return
		}
		c.flags |= flagBegun
		c.status().State = workload.ContainerState{Waiting: &waitingCreating}
		r.arm(c, c.b.StartDelay, timerStart)
		return
	}
	if p.appsBegun {
		return
	}
	p.appsBegun = true
	for _, c := range p.apps() {
		c.status().State = workload.ContainerState{Waiting: &waitingCreating}
		r.arm(c, c.b.StartDelay, timerStart)
	}
}

// update recomputes the pod's phase and conditions after a container
// change, reports the status, and finishes a terminating pod whose
// containers have all stopped. Caller holds mu.
func (r *Runtime) update(p *podState) {
	now := r.clock.Now()
	st := &p.status
	st.Phase = podstatus.Phase(p.restartPolicy(), p.snap.Spec.InitContainers, st.InitContainerStatuses, st.ContainerStatuses)
	if p.pastDeadline {
		st.Phase = workload.PodFailed
	}
	if !p.done && (st.Phase == workload.PodSucceeded || st.Phase == workload.PodFailed) && !((p.pastDeadline || p.sideStop) && p.anyRunning()) {
		p.done = true
		for _, c := range p.all {
			c.stopTimers()
			c.stopped = true
		}
		if t := p.timers; t != nil {
			for _, tm := range []*vtime.Timer{&t.deadlineTimer, &t.sideKill} {
				if *tm != nil {
					(*tm).Stop()
					*tm = nil
				}
			}
		}
		if r.log != nil {
			r.log.Info("pod finished", "pod", p.key, "phase", st.Phase)
		}
	}
	// The conditions list is shared with the snapshots, and with the pods
	// in lockstep with this one (r.conds): replaced when it changes, never
	// changed in place.
	if conds := r.conds.UpdatedConditions(st, p.snap.Spec.InitContainers, now); conds != nil {
		st.Conditions = conds
	}
	r.publish(p)
	if p.terminating && !p.anyRunning() {
		r.removePod(p)
	}
}

func (p *podState) anyRunning() bool {
	for _, c := range p.all {
		if c.running {
			return true
		}
	}
	return false
}

// publish reports the pod's status (one Modified event), or, while its
// node is failed, remembers to. Caller holds mu.
//
// The new snapshot shares with the previous one its metadata and spec, and
// with the pod's status (podState.status) all of its memory: the lists
// that changed were copied when they changed (own, update). This is safe
// because snapshots are never modified and the runtime never modifies a
// value a status points to (a ContainerState's Waiting, Running or
// Terminated, StartTime, Started): it only replaces pointers. Only the pod
// is new.
func (r *Runtime) publish(p *podState) {
	if p.node.failed {
		p.dirty = true
		return
	}
	p.dirty = false
	if !p.shared {
		r.internStatuses(p)
	}
	rep := &workload.PodStatusReport{Namespace: p.snap.Namespace, Name: p.snap.Name, UID: p.snap.UID, Status: p.status}
	p.shared = true
	p.repVersion = r.events.EmitStatus(p.snap, rep)
}

// current returns the pod as last reported: the snapshot it was created
// with, with the status and version of its last status report. It is a
// new pod when there was a report since, else the snapshot itself:
// read-only either way. The pod's status is reported whenever it changes
// (publish), so outside mu it is the last report's, unless its node has
// failed (frozen). Caller holds mu.
func (p *podState) current() *workload.Pod {
	if p.repVersion == 0 {
		return p.snap
	}
	n := new(workload.Pod)
	n.TypeMeta, n.ObjectMeta, n.Spec = p.snap.TypeMeta, p.snap.ObjectMeta, p.snap.Spec
	n.ResourceVersion = strconv.FormatUint(p.repVersion, 10)
	n.Status = p.status
	if f := p.frozen(); f != nil {
		n.Status = *f
	}
	return n
}

// internStatuses makes the pod share its app container statuses, which
// changed since the last report, with the last list reported that holds
// the same (pods in lockstep change alike, and the states their statuses
// point to are shared: running, terminated); the pod's own list, never
// reported, is kept for the next copy (own). Caller holds mu.
func (r *Runtime) internStatuses(p *podState) {
	l, m := p.status.ContainerStatuses, r.lastStatuses
	if len(l) == 0 {
		return
	}
	if len(m) != len(l) || &m[0] == &l[0] || !slices.Equal(m, l) {
		r.lastStatuses = l
		return
	}
	r.spareStatuses = l
	p.status.ContainerStatuses = m
	for i, c := range p.apps() {
		c.st = &m[i]
	}
}

// status returns c's status for writing: the pod's container statuses
// are copied first when the last snapshot shares them.
func (c *container) status() *workload.ContainerStatus {
	c.p.own()
	return c.st
}

// own gives the pod container status lists of its own, copies of the
// last snapshot's, before a change. Caller holds mu.
func (p *podState) own() {
	if !p.shared {
		return
	}
	p.shared = false
	p.status.InitContainerStatuses = slices.Clone(p.status.InitContainerStatuses)
	if s := p.rt.spareStatuses; len(s) == len(p.status.ContainerStatuses) && len(s) > 0 {
		p.rt.spareStatuses = nil
		copy(s, p.status.ContainerStatuses)
		p.status.ContainerStatuses = s
	} else {
		p.status.ContainerStatuses = slices.Clone(p.status.ContainerStatuses)
	}
	for i, c := range p.inits() {
		c.st = &p.status.InitContainerStatuses[i]
	}
	for i, c := range p.apps() {
		c.st = &p.status.ContainerStatuses[i]
	}
}

// removePod makes the pod gone: its containers are killed, its IP is
// released and watchers see a Deleted event. On a failed node the kubelet
// reports nothing, so the pod is only stopped: it stays, as last
// reported, until SetNodeReady (or RemoveNode) removes it. Caller holds
// mu.
func (r *Runtime) removePod(p *podState) {
	if p.node.failed {
		for _, c := range p.all {
			c.stopTimers()
			c.running = false
			c.stopped = true
		}
		p.stopPodTimers()
		p.removeWhenBack = true
		// The name is free at once: a successor of a force-deleted
		// pod may start elsewhere.
		delete(r.pods, p.key)
		return
	}
	r.terminalBeforeDelete(p)
	r.dropPod(p)
}

// Reason and message of a container status the kubelet makes up for a
// container it could not observe when the pod was terminated.
const (
	ReasonContainerStatusUnknown  = "ContainerStatusUnknown"
	MessageContainerStatusUnknown = "The container could not be located when the pod was terminated"
)

// terminalBeforeDelete reports the last status of a deleted pod, as the
// kubelet does before the pod goes (status manager TerminatePod; a deleted
// pod ends in a terminal phase since Kubernetes 1.27): containers still
// running are killed (exit code 137); one waiting to restart (a crash-loop
// back-off) shows its last run (podstatus.LastRunIsState); once the pod has
// initialized, app containers without a terminated state are
// ContainerStatusUnknown (137); the phase is Succeeded if every app
// container exited 0, else Failed. Caller holds mu.
func (r *Runtime) terminalBeforeDelete(p *podState) {
	if p.done || !p.terminating {
		return
	}
	now := r.clock.Now()
	p.own()
	killed := func(c *container) *workload.ContainerStateTerminated {
		return &workload.ContainerStateTerminated{ExitCode: CrashExitCode, Reason: ReasonError,
			StartedAt: workload.NewTime(c.startedAt), FinishedAt: workload.NewTime(now)}
	}
	initialized := true
	for _, c := range p.inits() {
		if c.running {
			c.st.State = workload.ContainerState{Terminated: killed(c)}
			c.st.Started, c.st.Ready = &falseVal, false
		} else {
			podstatus.LastRunIsState(c.st)
		}
		if c.side() {
			initialized = initialized && c.runs > 0 // a sidecar is done once started
		} else if t := c.st.State.Terminated; t == nil || t.ExitCode != 0 {
			initialized = false
		}
	}
	succeeded := initialized
	for _, c := range p.apps() {
		st := c.st
		switch {
		case c.running:
			st.State = workload.ContainerState{Terminated: killed(c)}
		case podstatus.LastRunIsState(st):
		case st.State.Terminated == nil && (initialized || c.runs > 0):
			st.State = workload.ContainerState{Terminated: &workload.ContainerStateTerminated{
				ExitCode: CrashExitCode, Reason: ReasonContainerStatusUnknown, Message: MessageContainerStatusUnknown}}
		}
		st.Started, st.Ready = &falseVal, false
		if t := st.State.Terminated; t == nil || t.ExitCode != 0 {
			succeeded = false
		}
		c.running = false
	}
	p.done = true
	p.status.Phase = workload.PodFailed
	if succeeded {
		p.status.Phase = workload.PodSucceeded
	}
	if conds := r.conds.UpdatedConditions(&p.status, p.snap.Spec.InitContainers, now); conds != nil {
		p.status.Conditions = conds
	}
	r.publish(p)
}

// dropPod removes the pod whatever its node's state. Caller holds mu.
func (r *Runtime) dropPod(p *podState) {
	for _, c := range p.all {
		c.stopTimers()
		c.running = false
		c.stopped = true
	}
	p.stopPodTimers()
	if p.ip != 0 {
		p.node.releaseIP(p.ip)
		p.ip = 0
	}
	if r.pods[p.key] == p {
		delete(r.pods, p.key)
	}
	p.node.removePod(p)
	last := *p.current() // shares the immutable rest; only the version differs
	r.emit(workload.Deleted, &last)
	if r.log != nil {
		r.log.Info("pod deleted", "pod", p.key)
	}
}

// DeletePod stops a pod. A pod that has finished (Succeeded or Failed), a
// grace of 0 or less, or a pod none of whose containers is running goes at
// once. Otherwise the pod is terminating: containers waiting to start or
// restart never will, running ones are asked to stop and are killed when
// grace has passed, at least 2 s (the kubelet's minimum between SIGTERM
// and SIGKILL); the pod is gone when the last one has stopped (Deleted
// event, IP released).
//
// While it terminates the pod's reported status does not change (no
// event): its phase and conditions stay, Ready included, until a
// container exits. A container whose behaviour has a StopAfter exits 0
// that long after the request (it handled SIGTERM); one without ignores
// SIGTERM and, if it would run on, is killed at the end of the grace
// period (exit code 137). Before the Deleted event the pod is
// reported in a terminal phase, Failed unless every container exited 0,
// as the kubelet does (see terminalBeforeDelete). A second DeletePod with
// a shorter grace shortens it; a longer one changes nothing.
func (r *Runtime) DeletePod(ctx context.Context, namespace, name string, grace time.Duration) error {
	ns := normNS(namespace)
	ref := podRef(ns, name)
	if h := r.getHooks().FailDelete; h != nil {
		if err := h(namespace, name, grace); err != nil {
			return r.recordUnlocked("DeletePod", ref, fmt.Errorf("fake: %s: %w", ref, err))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin(ctx); err != nil {
		return r.record("DeletePod", ref, err)
	}
	p := r.pods[ns+"/"+name]
	if p == nil {
		return r.record("DeletePod", ref, fmt.Errorf("fake: %s: %w", ref, workload.ErrPodNotFound))
	}
	r.record("DeletePod", ref, nil)
	now := r.clock.Now()
	if p.done || grace <= 0 {
		r.removePod(p)
		return nil
	}
	grace = max(grace, minimumGrace)
	if p.terminating {
		if t := p.podTimers(); now.Add(grace).Before(t.deleteAt) {
			if t.deleteTimer != nil {
				t.deleteTimer.Stop()
			}
			t.deleteAt = now.Add(grace)
			t.deleteTimer = r.clock.AfterFunc(grace, func() { r.graceOver(p) })
		}
		return nil
	}
	p.terminating = true
	r.stopWaiting(p)
	if !p.anyRunning() {
		r.removePod(p)
		return nil
	}
	t := p.podTimers()
	t.deleteAt = now.Add(grace)
	t.deleteTimer = r.clock.AfterFunc(grace, func() { r.graceOver(p) })
	p.beginTermination(now, grace)
	r.askStop(p)
	if r.log != nil {
		r.log.Info("pod terminating", "pod", p.key, "grace", grace)
	}
	return nil
}

// stopWaiting makes the containers of p that wait to start or restart
// never run again: the pod is stopping.
func (r *Runtime) stopWaiting(p *podState) {
	for _, c := range p.all {
		if !c.running {
			c.stopTimers()
			c.stopped = true
		}
	}
}

// askStop asks the running containers of p to stop (SIGTERM): those with
// a StopAfter exit 0 that long after, unless their run ends earlier by
// itself; the others run on until they are killed. Sidecars are asked
// once no app container runs, one at a time, the last declared first (the
// kubelet's terminationOrdering), and none restarts.
func (r *Runtime) askStop(p *podState) {
	now := r.clock.Now()
	for _, c := range p.all {
		if c.running && !c.side() {
			r.askStopOne(c, now)
		}
	}
	if p.sidecars {
		p.sideStop = true
		r.stopNextSidecar(p)
	}
}

// askStopOne asks c's run to stop (see askStop). Caller holds mu.
func (r *Runtime) askStopOne(c *container, now time.Time) {
	if !c.running || c.b.StopAfter == nil {
		return
	}
	d := *c.b.StopAfter
	if !c.exitAt.IsZero() && !now.Add(d).Before(c.exitAt) {
		return
	}
	c.stopMain()
	c.exitCode, c.exitReason, c.exitAt = 0, ReasonCompleted, now.Add(d)
	r.arm(c, d, timerExit)
}

// stopPodTimers stops the pod's own timers (deletion, deadline, kill).
func (p *podState) stopPodTimers() {
	pt := p.timers
	if pt == nil {
		return
	}
	for _, t := range []*vtime.Timer{&pt.deleteTimer, &pt.deadlineTimer, &pt.killTimer, &pt.sideKill} {
		if *t != nil {
			(*t).Stop()
			*t = nil
		}
	}
	for _, pr := range pt.probers {
		if pr.timer != nil {
			pr.timer.Stop()
		}
	}
	pt.probers = nil
}

// deadlinePassed fails a pod that has been active for its
// activeDeadlineSeconds, as the kubelet's active deadline handler: phase
// Failed with reason DeadlineExceeded; containers waiting to start or
// restart never will, running ones are asked to stop and (the fake's
// containers ignoring SIGTERM) killed with exit code 137 when the grace
// period has passed, unless they exit by themselves first. The pod stays.
func (r *Runtime) deadlinePassed(p *podState) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p.podTimers().deadlineTimer = nil
	if r.closed || r.pods[p.key] != p || p.done || p.terminating {
		return
	}
	p.pastDeadline = true
	p.status.Reason, p.status.Message = ReasonDeadlineExceeded, MessageDeadlineExceeded
	r.stopWaiting(p)
	r.logInfo("pod past its active deadline", "pod", p.key)
	if p.anyRunning() {
		p.beginTermination(r.clock.Now(), p.grace())
		p.podTimers().killTimer = r.clock.AfterFunc(p.grace(), func() { r.killPastDeadline(p) })
		r.askStop(p)
	}
	r.update(p)
}

// killPastDeadline ends the grace period of a pod past its deadline as a
// deletion's ends (the kubelet kills such a pod as it kills a deleted
// one: killPodWithSyncResult with the termination ordering; graceEnd),
// and kills what still runs at the last deadline that leaves.
func (r *Runtime) killPastDeadline(p *podState) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := p.podTimers()
	t.killTimer = nil
	if r.closed || r.pods[p.key] != p {
		return
	}
	if last := r.graceEnd(p); !last.IsZero() {
		t.killTimer = r.clock.AfterFunc(last.Sub(r.clock.Now()), func() { r.killPastDeadline(p) })
		return
	}
	r.killRunning(p)
}

// graceOver ends the grace period of a terminating pod (graceEnd), and
// kills what still runs at the last deadline that leaves: the pod goes.
func (r *Runtime) graceOver(p *podState) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.pods[p.key] != p || r.clock.Now().Before(p.podTimers().deleteAt) {
		return
	}
	if !p.node.failed {
		if last := r.graceEnd(p); !last.IsZero() {
			t := p.podTimers()
			t.deleteAt = last
			t.deleteTimer = r.clock.AfterFunc(last.Sub(r.clock.Now()), func() { r.graceOver(p) })
			return
		}
	}
	if r.pods[p.key] == p {
		r.removePod(p)
	}
}

// beginTermination notes when p's termination began and its grace
// period, unless it began already. Caller holds mu.
func (p *podState) beginTermination(now time.Time, grace time.Duration) {
	if t := p.podTimers(); t.termStart.IsZero() {
		t.termStart, t.termGrace = now, grace
	}
}

// askTurn asks sidecar c to stop, its turn come while its pod terminates,
// as the kubelet's killContainer does once waitForTurn returns: it gets
// what is left of the grace period (less the whole seconds it waited for
// its turn), at least minimumGrace, and is killed then (137) unless it
// exits first (its behaviour's StopAfter). Caller holds mu.
func (r *Runtime) askTurn(c *container, now time.Time) {
	c.flags |= flagAsked
	t := c.p.podTimers()
	r.stopRun(c, now, podstatus.TurnGrace(t.termStart, t.termGrace, now))
}

// graceEnd ends the grace period of a pod's termination (its deletion,
// its active deadline, or its sidecars stopping once the app containers
// are done) as the kubelet's killContainer calls, each with the
// termination ordering, end theirs: the app containers (and plain init
// containers) still running are killed; a sidecar whose turn came keeps
// its own deadline (askTurn), and is killed now if that has come; the
// sidecars whose turn had not come stop waiting for it (waitForTurn waits
// no longer than the grace period), which leaves them less than the
// minimum: they are asked to stop now and killed minimumGrace later. It
// returns the last deadline of what still runs, the first time only (zero
// if nothing runs, the second time, or for a pod without sidecars, whose
// containers all stop at once): the caller then kills what still runs.
// Caller holds mu.
func (r *Runtime) graceEnd(p *podState) time.Time {
	t := p.podTimers()
	if t.sideGrace || !p.sidecars {
		return time.Time{}
	}
	t.sideGrace = true
	now := r.clock.Now()
	var kill []*container
	for _, c := range p.all {
		if c.running && !c.side() {
			kill = append(kill, c)
		}
	}
	for i := len(p.inits()) - 1; i >= 0; i-- {
		if c := p.inits()[i]; c.running && c.side() && c.asked() && !c.exitAt.After(now) {
			kill = append(kill, c)
		}
	}
	for _, c := range kill {
		if c.running && r.pods[p.key] == p {
			r.exit(c, CrashExitCode, ReasonError)
		}
	}
	if r.pods[p.key] != p {
		return time.Time{}
	}
	for i := len(p.inits()) - 1; i >= 0; i-- {
		if c := p.inits()[i]; c.side() && c.running && !c.asked() {
			c.flags |= flagAsked
			r.stopRun(c, now, minimumGrace)
		}
	}
	var last time.Time
	for _, c := range p.all {
		if c.running && c.exitAt.After(last) {
			last = c.exitAt
		}
	}
	return last
}

// defaultContainerAnnotation names a pod's default container for kubectl
// (and for KillContainer and SetContainerReady given no container name).
const defaultContainerAnnotation = "kubectl.kubernetes.io/default-container"

// KillContainer makes the named (init or app) container of the pod exit
// now with exitCode (reason "Completed" for 0, else "Error"), as if it had
// crashed or been killed; the restart policy applies. An empty
// containerName names the pod's default container, as kubectl's: the one
// its kubectl.kubernetes.io/default-container annotation names, else its
// first app container. It fails with an
// error wrapping workload.ErrPodNotFound, ErrContainerNotFound or
// ErrContainerNotRunning.
func (r *Runtime) KillContainer(namespace, pod, containerName string, exitCode int32) error {
	return r.containerOp("KillContainer", namespace, pod, containerName, func(c *container, ref string) error {
		if !c.running {
			return fmt.Errorf("fake: %s: container %q: %w", ref, c.st.Name, ErrContainerNotRunning)
		}
		return nil
	}, func(c *container) { r.exit(c, exitCode, exitReason(exitCode)) })
}

// containerOp is a call on one container of a pod: it finds the
// container, refuses the call if check says so, else records it and acts.
// Every refusal is recorded, and changes nothing.
func (r *Runtime) containerOp(method, namespace, pod, name string, check func(c *container, ref string) error, act func(c *container)) error {
	ns := normNS(namespace)
	ref := podRef(ns, pod)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin(nil); err != nil {
		return r.record(method, ref, err)
	}
	c, err := r.container(ns, pod, name)
	if err == nil {
		err = check(c, ref)
	}
	if err != nil {
		return r.record(method, ref, err)
	}
	r.record(method, ref, nil)
	act(c)
	return nil
}

// container finds a container of a pod. Caller holds mu. The errors say
// what a caller most likely missed: that a pod reaches the runtime only
// once the cluster has scheduled it, and which containers the pod has.
func (r *Runtime) container(ns, pod, name string) (*container, error) {
	p := r.pods[ns+"/"+pod]
	if p == nil {
		return nil, fmt.Errorf("fake: %s: %w (the runtime has the pods bound to its nodes: "+
			"a pod just applied or created by a controller is here once the cluster, driven by "+
			"Advance, RunUntil or Run, has scheduled it)", podRef(ns, pod), workload.ErrPodNotFound)
	}
	if name == "" {
		// The pod's default container, as kubectl picks it: the one
		// its kubectl.kubernetes.io/default-container annotation
		// names, else the first app container.
		name = p.snap.Spec.Containers[0].Name
		if d := p.snap.Annotations[defaultContainerAnnotation]; d != "" {
			for _, c := range p.all {
				if c.st.Name == d {
					name = d
					break
				}
			}
		}
	}
	for _, c := range p.all {
		if c.st.Name == name {
			return c, nil
		}
	}
	names := make([]string, 0, len(p.all))
	for _, c := range p.all {
		names = append(names, strconv.Quote(c.st.Name))
	}
	return nil, fmt.Errorf("fake: %s: container %q (its containers: %s): %w", podRef(ns, pod), name, strings.Join(names, ", "), ErrContainerNotFound)
}
