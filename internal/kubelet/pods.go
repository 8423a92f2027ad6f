package kubelet

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orchestra-go/orchestra/internal/podstatus"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/api/resource"
)

// podState is the kubelet's view of one pod.
type podState struct {
	key, ns, name string
	node          *nodeState
	ip            uint32 // 0 for hostNetwork pods and shared addressing
	restartPolicy string
	grace         time.Duration // terminationGracePeriodSeconds, for probe kills
	snap          *workload.Pod // as last reported; never modified
	status        workload.PodStatus
	init, ctrs    []*container
	all           []*container // init then ctrs
	terminating   bool
	deleteAt      time.Time
	deleteTimer   vtime.Timer
	done          bool // Succeeded or Failed: nothing runs any more
	// deadlineTimer fires at startTime + activeDeadlineSeconds, and
	// killTimer at the end of the grace period that follows; once
	// pastDeadline the pod is Failed (DeadlineExceeded) and nothing
	// restarts.
	deadlineTimer, killTimer vtime.Timer
	pastDeadline             bool
	// lingering are runs that ended by a kill but may still run on
	// (Lingerer): the pod's address is kept until they are gone.
	lingering []Lingerer
	// sidecars: an init container is a sidecar (restartPolicy Always).
	// appsBegun: the app containers were told to start. sideStop: the
	// sidecars are being stopped (no app container runs or will), last
	// first, and none restarts; sideKill kills the one whose turn it is
	// when its grace period ends.
	sidecars, appsBegun, sideStop bool
	sideKill                      vtime.Timer
	// sideGrace: the grace period of the pod's termination ended
	// (graceEnd) with sidecars still running within their own deadlines;
	// the next end kills what still runs.
	sideGrace bool
	// termStart and termGrace are when the pod's termination began
	// (deletion, the active deadline, or its sidecars stopping once the
	// app containers are done) and its grace period, from which a
	// sidecar whose turn to stop comes later gets what is left
	// (stopNextSidecar).
	termStart time.Time
	termGrace time.Duration
}

// linger notes h if it is a run that may outlive its end. Caller holds mu.
func (p *podState) linger(h Handle) {
	l, ok := h.(Lingerer)
	if !ok {
		return
	}
	p.lingering = slices.DeleteFunc(p.lingering, lingerGone)
	if !lingerGone(l) {
		p.lingering = append(p.lingering, l)
	}
}

func lingerGone(l Lingerer) bool {
	select {
	case <-l.Gone():
		return true
	default:
		return false
	}
}

// The status reason and message of a pod past its activeDeadlineSeconds,
// as the kubelet's active deadline handler words them.
const (
	ReasonDeadlineExceeded  = "DeadlineExceeded"
	MessageDeadlineExceeded = "Pod was active on the node longer than the specified deadline"
)

// stopPodTimers stops the pod's own timers (deletion, deadline, kill).
func (p *podState) stopPodTimers() {
	for _, t := range []*vtime.Timer{&p.deleteTimer, &p.deadlineTimer, &p.killTimer, &p.sideKill} {
		if *t != nil {
			(*t).Stop()
			*t = nil
		}
	}
}

// container is one (init or app) container of a pod.
type container struct {
	p         *podState
	init      bool
	spec      *workload.Container // within p.snap.Spec; read-only
	st        *workload.ContainerStatus
	running   bool
	stopped   bool // will not run again
	runs      int  // runs started
	backoff   time.Duration
	startedAt time.Time
	timer     vtime.Timer // the next start (creation delay or back-off)
	killTimer vtime.Timer // the end of the run's grace period once asked to stop (killLater)
	killAt    time.Time   // when killTimer kills the run
	h         Handle      // of the current run, while running
	run       *Run        // the current run, while running
	cur, prev *ring       // logs of the last run and the one before
	probes    []*prober
	started   bool // the startup probe passed (or there is none)
	probeOK   bool // the readiness probe's verdict
	killing   bool // a probe asked the run to stop
	// redefining: the run is being stopped because its definition (image)
	// changed (UpdatePod); next is the spec its next run runs, when an
	// update came while it runs.
	redefining bool
	next       *workload.Container
	// preStopped: the run's preStop hook was started (it runs once a run);
	// hookDone: it has ended.
	preStopped, hookDone bool
	// side: a sidecar (an init container with restartPolicy Always).
	// begun: told to start (its turn came). everStarted: a run of the
	// sidecar has started (its startup probe passed), so the next init
	// container may start. held: a stopping sidecar's run whose turn has
	// not come: its preStop hook runs, its SIGTERM waits. asked: its turn
	// came.
	side, begun, everStarted, held, asked bool
}

// stopTimers cancels c's timers and probes.
func (c *container) stopTimers() {
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	if c.killTimer != nil {
		c.killTimer.Stop()
		c.killTimer = nil
	}
	c.killAt = time.Time{}
	for _, pr := range c.probes {
		pr.stop()
	}
	c.probes = nil
}

var (
	trueVal  = true
	falseVal = false
)

// CreatePod starts pod on the node spec.nodeName names; see
// workload.Runtime. The pod gets its address at once (Added event, phase
// Pending); its containers start on the kubelet's clock right after, init
// containers first, one at a time.
func (k *Kubelet) CreatePod(ctx context.Context, in *workload.Pod) error {
	if in == nil {
		return fmt.Errorf("%s: %w: CreatePod: pod is nil", k.name, ErrInvalid)
	}
	ns := normNS(in.Namespace)
	ref := podRef(ns, in.Name)
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.begin(ctx); err != nil {
		return err
	}
	if in.Name == "" {
		return fmt.Errorf("%s: %w: %s: metadata.name: required", k.name, ErrInvalid, ref)
	}
	if len(in.Spec.Containers) == 0 {
		return fmt.Errorf("%s: %w: %s: spec.containers: required", k.name, ErrInvalid, ref)
	}
	node := k.nodes[in.Spec.NodeName]
	if node == nil {
		return fmt.Errorf("%s: %s: spec.nodeName %q: %w", k.name, ref, in.Spec.NodeName, workload.ErrNodeNotFound)
	}
	key := ns + "/" + in.Name
	if k.pods[key] != nil {
		return fmt.Errorf("%s: %s: %w", k.name, ref, workload.ErrPodExists)
	}
	p := &podState{key: key, ns: ns, name: in.Name, node: node, restartPolicy: in.Spec.RestartPolicy,
		grace: time.Duration(workload.DefaultTerminationGracePeriodSeconds) * time.Second}
	if p.restartPolicy == "" {
		p.restartPolicy = workload.RestartPolicyAlways
	}
	if g := in.Spec.TerminationGracePeriodSeconds; g != nil {
		p.grace = time.Duration(*g) * time.Second
	}
	podIP := node.hostIP
	if !in.Spec.HostNetwork && !k.shared {
		ip, ok := node.allocIP()
		if !ok {
			return fmt.Errorf("%s: %s: node %s: %w", k.name, ref, node.name, ErrNoPodIP)
		}
		p.ip = ip
		podIP = ip4String(ip)
	}
	now := k.clock.Now()
	obj := in.DeepCopy()
	obj.APIVersion, obj.TypeMeta.Kind = "v1", "Pod"
	obj.Namespace = ns
	if obj.UID == "" {
		obj.UID = newUID()
	}
	if obj.CreationTimestamp.IsZero() {
		obj.CreationTimestamp = workload.NewTime(now)
	}
	st := &p.status
	st.HostIP, st.HostIPs = node.hostIP, node.hostIPs
	st.PodIP = podIP
	st.PodIPs = []workload.PodIP{{IP: podIP}}
	st.StartTime = workload.NewTimePtr(now)
	// The sandbox (its network: the pod's address) is ready at once.
	st.Conditions = append(st.Conditions, workload.PodCondition{Type: workload.PodReadyToStartCtrs, Status: workload.ConditionTrue, LastTransitionTime: workload.NewTime(now)})
	for _, t := range []string{workload.PodInitialized, workload.PodReady, workload.ContainersReady} {
		st.Conditions = append(st.Conditions, workload.PodCondition{Type: t, Status: workload.ConditionFalse, LastTransitionTime: workload.NewTime(now)})
	}
	st.Conditions = append(st.Conditions, workload.PodCondition{Type: workload.PodScheduled, Status: workload.ConditionTrue, LastTransitionTime: workload.NewTime(now)})
	if n := len(obj.Spec.InitContainers); n > 0 {
		st.InitContainerStatuses = make([]workload.ContainerStatus, n)
	}
	st.ContainerStatuses = make([]workload.ContainerStatus, len(obj.Spec.Containers))
	firstWait := ReasonContainerCreating
	if len(obj.Spec.InitContainers) > 0 {
		firstWait = ReasonPodInitializing
	}
	add := func(specs []workload.Container, sts []workload.ContainerStatus, init bool) []*container {
		cs := make([]*container, len(specs))
		for i := range specs {
			reason := firstWait
			if init && i == 0 {
				reason = ReasonContainerCreating
			} else if init {
				reason = ReasonPodInitializing
			}
			sts[i] = workload.ContainerStatus{
				Name: specs[i].Name, Image: specs[i].Image, Started: &falseVal,
				State: workload.ContainerState{Waiting: &workload.ContainerStateWaiting{Reason: reason}},
			}
			cs[i] = &container{p: p, init: init, side: init && workload.IsSidecar(&specs[i]), spec: &specs[i], st: &sts[i]}
		}
		return cs
	}
	p.init = add(obj.Spec.InitContainers, st.InitContainerStatuses, true)
	p.ctrs = add(obj.Spec.Containers, st.ContainerStatuses, false)
	p.all = append(append([]*container(nil), p.init...), p.ctrs...)
	st.Phase = podstatus.Phase(p.restartPolicy, obj.Spec.InitContainers, st.InitContainerStatuses, st.ContainerStatuses)
	podstatus.Conditions(st, obj.Spec.InitContainers, now)
	obj.Status = *st.DeepCopy()
	k.events.Emit(workload.Added, obj)
	p.snap = obj
	k.pods[key] = p
	node.pods[p] = struct{}{}
	k.logInfo("pod created", "pod", key, "node", node.name, "podIP", podIP)
	if ads := obj.Spec.ActiveDeadlineSeconds; ads != nil && *ads > 0 {
		p.deadlineTimer = k.after(time.Duration(*ads)*time.Second, func() { k.deadlinePassed(p) })
	}
	if len(p.init) > 0 {
		p.sidecars = workload.HasSidecar(obj.Spec.InitContainers)
		p.init[0].begun = true
		k.scheduleStart(p.init[0], 0)
	} else {
		p.appsBegun = true
		for _, c := range p.ctrs {
			k.scheduleStart(c, 0)
		}
	}
	return nil
}

// scheduleStart starts c after d on the clock.
func (k *Kubelet) scheduleStart(c *container, d time.Duration) {
	if c.timer != nil {
		c.timer.Stop()
	}
	var t vtime.Timer
	t = k.after(d, func() {
		if c.timer == t {
			c.timer = nil
			k.start(c)
		}
	})
	c.timer = t
}

// env is the container's environment, or why it cannot be made. A
// variable's valueFrom is resolved here, its value written with each $ as
// $$ so that the starters' $(VAR) expansion leaves it as it is (the
// kubelet expands only literal values); one whose source is not modelled
// is not set.
func (k *Kubelet) env(c *container) ([]string, string) {
	p := c.p
	env := []string{"HOSTNAME=" + hostname(p), "POD_NAME=" + p.name, "POD_NAMESPACE=" + p.ns, "POD_IP=" + p.status.PodIP, "NODE_NAME=" + p.node.name}
	for i := range c.spec.Env {
		e := &c.spec.Env[i]
		v := e.Value
		if src := e.ValueFrom; src != nil {
			var err string
			switch {
			case src.FieldRef != nil:
				v, err = k.fieldRef(p, src.FieldRef.FieldPath)
			case src.ResourceFieldRef != nil:
				v, err = k.resourceFieldRef(c, src.ResourceFieldRef)
			default:
				continue // configMapKeyRef, secretKeyRef: not modelled
			}
			if err != "" {
				return nil, "env " + e.Name + ": " + err
			}
			v = strings.ReplaceAll(v, "$", "$$")
		}
		env = append(env, e.Name+"="+v)
	}
	return env, ""
}

// hostname is the pod's hostname, which the container runtime puts in
// HOSTNAME: its node's for a hostNetwork pod, else spec.hostname or the
// pod's name, cut to 63 characters without a trailing - or . (the
// kubelet's GeneratePodHostNameAndDomain, truncatePodHostnameIfNeeded).
func hostname(p *podState) string {
	if p.snap.Spec.HostNetwork {
		return p.node.name
	}
	h := p.snap.Spec.Hostname
	if h == "" {
		h = p.name
	}
	if len(h) > 63 {
		h = strings.TrimRight(h[:63], "-.")
	}
	return h
}

// fieldRef returns a pod field for the downward API, as the kubelet's
// podFieldSelectorRuntimeValue.
func (k *Kubelet) fieldRef(p *podState, fieldPath string) (string, string) {
	if path, sub, ok := workload.SplitFieldPath(fieldPath); ok {
		switch path {
		case "metadata.labels":
			return p.snap.Labels[sub], ""
		case "metadata.annotations":
			return p.snap.Annotations[sub], ""
		}
		return "", "fieldRef " + fieldPath + ": unsupported field path"
	}
	switch fieldPath {
	case "metadata.name":
		return p.name, ""
	case "metadata.namespace":
		return p.ns, ""
	case "metadata.uid":
		return string(p.snap.UID), ""
	case "spec.nodeName":
		return p.node.name, ""
	case "spec.serviceAccountName":
		return "default", "" // service accounts are not modelled: every pod has the default one
	case "status.hostIP", "status.hostIPs":
		return p.status.HostIP, ""
	case "status.podIP":
		return p.status.PodIP, ""
	case "status.podIPs":
		ips := make([]string, len(p.status.PodIPs))
		for i, ip := range p.status.PodIPs {
			ips[i] = ip.IP
		}
		return strings.Join(ips, ","), ""
	}
	return "", "fieldRef " + fieldPath + ": unsupported field path"
}

// resourceFieldRef returns a container's resource for the downward API,
// as the kubelet's containerResourceRuntimeValue: a limit the container
// does not set is the node's allocatable amount; the value is divided by
// the divisor (default 1) and rounded up, CPU in cores (or millicores
// with the divisor 1m).
func (k *Kubelet) resourceFieldRef(c *container, fs *workload.ResourceFieldSelector) (string, string) {
	name := fs.ContainerName
	if name == "" {
		name = c.spec.Name
	}
	spec := &c.p.snap.Spec
	var ctr *workload.Container
	for _, list := range [][]workload.Container{spec.Containers, spec.InitContainers} {
		for i := range list {
			if list[i].Name == name {
				ctr = &list[i]
			}
		}
	}
	if ctr == nil {
		return "", "resourceFieldRef: container " + strconv.Quote(name) + " not found in the pod"
	}
	kind, res, _ := strings.Cut(fs.Resource, ".")
	var q resource.Quantity
	var ok bool
	switch kind {
	case "limits":
		if q, ok = ctr.Resources.Limits[res]; !ok {
			q = c.p.node.snap.Status.Allocatable[res]
		}
	case "requests":
		q = ctr.Resources.Requests[res]
	default:
		return "", "resourceFieldRef: unsupported resource " + strconv.Quote(fs.Resource)
	}
	div := fs.Divisor
	if div.IsZero() {
		div = resource.MustParse("1")
	}
	var n float64
	if res == workload.ResourceCPU {
		n = math.Ceil(float64(q.MilliValue()) / float64(div.MilliValue()))
	} else {
		n = math.Ceil(float64(q.Value()) / float64(div.Value()))
	}
	return strconv.FormatInt(int64(n), 10), ""
}

// configError says why c cannot start whatever the starter does.
func (k *Kubelet) configError(c *container) string {
	if k.execOK {
		return ""
	}
	for _, pr := range []*workload.Probe{c.spec.StartupProbe, c.spec.ReadinessProbe, c.spec.LivenessProbe} {
		if pr != nil && pr.Exec != nil {
			return "exec probes are not supported by the " + k.name + " runtime"
		}
	}
	return ""
}

// wait sets c's Waiting state and reports it when it changed.
func (k *Kubelet) wait(c *container, reason, msg string) {
	if w := c.st.State.Waiting; w != nil && w.Reason == reason && w.Message == msg {
		return
	}
	c.st.State = workload.ContainerState{Waiting: &workload.ContainerStateWaiting{Reason: reason, Message: msg}}
	k.update(c.p)
}

// start starts a run of c. Caller holds mu.
func (k *Kubelet) start(c *container) {
	p := c.p
	if p.terminating || p.done || c.stopped || c.running {
		return
	}
	env, msg := k.env(c)
	if msg == "" {
		msg = k.configError(c)
	}
	if msg != "" {
		k.logWarn("container cannot start", "pod", p.key, "container", c.spec.Name, "err", msg)
		k.wait(c, ReasonCreateContainerConfigError, msg)
		return
	}
	logs := newRing(k.logMax)
	run := &Run{
		Pod: p.snap, Container: c.spec, Init: c.init, RestartCount: int32(c.runs),
		PodIP: p.status.PodIP, NodeName: p.node.name, Env: env, Log: logs, k: k, c: c,
	}
	h, err := k.starter.Start(run)
	if err != nil {
		reason, msg := "RunContainerError", err.Error()
		if se, ok := err.(*StartError); ok && se.Reason != "" {
			reason = se.Reason
		}
		if w := c.st.State.Waiting; reason == ReasonErrImagePull && w != nil && (w.Reason == ReasonErrImagePull || w.Reason == ReasonImagePullBackOff) {
			// A pull that failed again: the image manager reports the
			// back-off it waits in until the next attempt.
			reason, msg = ReasonImagePullBackOff, "Back-off pulling image "+strconv.Quote(c.spec.Image)
		}
		c.backoff = k.nextBackoff(c.backoff)
		k.logWarn("container start failed", "pod", p.key, "container", c.spec.Name, "reason", reason, "err", err, "retry", c.backoff)
		k.scheduleStart(c, c.backoff)
		k.wait(c, reason, msg)
		return
	}
	now := k.clock.Now()
	c.runs++
	if c.runs > 1 {
		c.st.RestartCount++
	}
	if c.cur != nil {
		c.prev = c.cur
	}
	c.cur = logs
	c.running, c.h, c.run, c.killing, c.preStopped = true, h, run, false, false
	c.hookDone, c.held, c.asked = false, false, false
	c.startedAt = now
	c.st.State = workload.ContainerState{Running: &workload.ContainerStateRunning{StartedAt: workload.NewTime(now)}}
	c.started = c.init && !c.side || c.spec.StartupProbe == nil
	c.probeOK = false
	c.st.Started = &falseVal
	if c.started {
		c.st.Started = &trueVal
	}
	c.st.Ready = k.ready(c)
	k.startProbes(c)
	k.logDebug("container started", "pod", p.key, "container", c.spec.Name, "restartCount", c.st.RestartCount)
	k.goLocked(func() {
		<-h.Done()
		k.exited(c, run, h.Exit())
	})
	if c.side && c.started {
		k.sidecarStarted(c)
	}
	k.update(p)
}

// sidecarStarted notes that a run of sidecar c has started (its startup
// probe, if any, passed): the next init container may start. Caller
// holds mu.
func (k *Kubelet) sidecarStarted(c *container) {
	c.everStarted = true
	if !c.p.appsBegun {
		k.startNextInit(c.p)
	}
}

// ready computes an app container's readiness. Caller holds mu.
func (k *Kubelet) ready(c *container) bool {
	switch {
	case c.init && !c.side || !c.running || !c.started:
		return false
	case c.spec.ReadinessProbe != nil:
		return c.probeOK
	case c.run.WaitReady:
		return c.run.ready.Load()
	}
	return true
}

// setReady recomputes c's readiness and reports a change.
func (k *Kubelet) setReady(c *container) {
	if r := k.ready(c); r != c.st.Ready {
		c.st.Ready = r
		k.update(c.p)
	}
}

// runReady is Run.Ready's report.
func (k *Kubelet) runReady(run *Run) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed || run.c.run != run {
		return // not registered yet: start reads the flag
	}
	k.setReady(run.c)
}

// nextBackoff returns the back-off after prev (0 before the first).
func (k *Kubelet) nextBackoff(prev time.Duration) time.Duration {
	if prev <= 0 {
		return k.base
	}
	return min(2*prev, k.maxBack)
}

// MaxTerminationMessage bounds a run's termination message: its last
// bytes are kept, as the kubelet reads the end of the termination message
// file, at most MaxContainerTerminationMessageLength (4096) bytes.
const MaxTerminationMessage = 4096

// exited ends run of c as exit says, then applies the restart policy.
func (k *Kubelet) exited(c *container, run *Run, exit Exit) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed || c.run != run || !c.running {
		return
	}
	p := c.p
	now := k.clock.Now()
	c.stopTimers()
	p.linger(c.h)
	c.running, c.h, c.run = false, nil, nil
	reason := exit.Reason
	if reason == "" {
		reason = ReasonError
		if exit.ExitCode == 0 {
			reason = ReasonCompleted
		}
	}
	msg := exit.Message
	if len(msg) > MaxTerminationMessage {
		msg = msg[len(msg)-MaxTerminationMessage:]
	}
	term := &workload.ContainerStateTerminated{
		ExitCode: exit.ExitCode, Signal: exit.Signal, Reason: reason, Message: msg,
		StartedAt: workload.NewTime(c.startedAt), FinishedAt: workload.NewTime(now),
	}
	c.st.Started = &falseVal
	c.st.Ready = c.init && !c.side && exit.ExitCode == 0
	k.logDebug("container exited", "pod", p.key, "container", c.spec.Name, "exitCode", exit.ExitCode, "signal", exit.Signal)
	restart := false
	redef := c.redefined()
	if !p.terminating && !p.pastDeadline {
		switch {
		case redef && !(c.side && p.sideStop):
			// Stopped because its definition changed (UpdatePod): it
			// starts again with the new one, whatever the restart
			// policy (computePodActions: "definition changed").
			restart = true
		case c.side:
			// A sidecar restarts whatever the pod's restartPolicy, until
			// the sidecars stop.
			restart = !p.sideStop
		case c.init:
			restart = exit.ExitCode != 0 && p.restartPolicy != workload.RestartPolicyNever
		case p.restartPolicy == workload.RestartPolicyAlways:
			restart = true
		case p.restartPolicy == workload.RestartPolicyOnFailure:
			// A run killed for failing its liveness or startup probe
			// restarts whatever its exit code, as computePodActions
			// restarts it unless the policy is Never.
			restart = exit.ExitCode != 0 || c.killing
		}
	}
	if restart {
		// The kubelet's doBackOff: the first restart, and the first after
		// a run longer than the reset, is immediate; each further one
		// waits the base, doubling up to the maximum.
		if now.Sub(c.startedAt) > k.reset {
			c.backoff = 0
		}
		delay := c.backoff
		c.backoff = k.nextBackoff(c.backoff)
		if redef {
			// A new definition: a first start, its back-off to come.
			delay, c.backoff = 0, 0
		}
		if delay == 0 {
			if !redef && (exit.ExitCode != 0 || c.side || p.restartPolicy == workload.RestartPolicyAlways) {
				// The kubelet reports the exit (the container not
				// ready) before it starts the container again: SyncPod
				// writes the pod's status, then starts what
				// computePodActions says. (Not for a run killed by its
				// probe that exited 0 under OnFailure, nor one stopped
				// for a new definition under OnFailure or Never: that
				// status would read Succeeded or Failed.)
				// That report shows the exit as the state and, as
				// lastState, the run before it (none before the first
				// restart): convertToAPIContainerStatuses takes
				// lastState from the previous container instance.
				c.st.State = workload.ContainerState{Terminated: term}
				k.update(p)
			}
			c.st.LastTerminationState = workload.ContainerState{Terminated: term}
			k.start(c) // reports the pod
			return
		}
		c.st.LastTerminationState = workload.ContainerState{Terminated: term}
		c.st.State = workload.ContainerState{Waiting: &workload.ContainerStateWaiting{
			Reason:  ReasonCrashLoopBackOff,
			Message: "back-off " + delay.String() + " restarting failed container=" + c.spec.Name + " pod=" + p.name + "_" + p.ns + "(" + p.snap.UID + ")",
		}}
		k.scheduleStart(c, delay)
	} else {
		c.st.State = workload.ContainerState{Terminated: term}
		c.stopped = true
		if c.init && !c.side && exit.ExitCode == 0 && !p.terminating && !p.pastDeadline {
			k.startNextInit(p)
		}
		if p.sidecars && !p.sideStop && !p.terminating && !p.pastDeadline && !c.side &&
			(c.init && exit.ExitCode != 0 || !c.init && p.appsFinished()) {
			// No app container runs or will: an init container failed
			// under restartPolicy Never, or every app container has
			// exited for good. The kubelet kills the pod, which stops
			// the sidecars (computePodActions: KillPod, no init container
			// restarted).
			k.stopSidecars(p)
		}
	}
	if p.sideStop {
		k.stopNextSidecar(p)
	}
	k.update(p)
}

// appsFinished reports whether every app container has exited for good.
func (p *podState) appsFinished() bool {
	for _, c := range p.ctrs {
		if !c.stopped {
			return false
		}
	}
	return true
}

// minimumGrace is the least time the kubelet gives a container between
// SIGTERM and SIGKILL (podstatus.MinimumGrace).
const minimumGrace = podstatus.MinimumGrace

// killAfter is when a run asked to stop with grace is killed: grace, but
// not before minimumGrace. (A preStop hook stays bounded by grace itself.)
func killAfter(grace time.Duration) time.Duration { return max(grace, minimumGrace) }

// stopSidecars begins to stop the sidecars of a pod none of whose app
// containers runs or will, as the kubelet's killContainersWithSyncResult
// with its terminationOrdering: those waiting to restart never will; the
// running ones run their preStop hooks now, and are sent SIGTERM one at
// a time, the last declared first, each once the later ones have exited,
// and killed when what was left of the pod's
// terminationGracePeriodSeconds at its turn (less the whole seconds it
// waited) has passed, never less than minimumGrace after its turn came;
// when the grace period ends, those whose turn has not come are sent
// SIGTERM with minimumGrace (graceEnd). Caller holds mu.
func (k *Kubelet) stopSidecars(p *podState) {
	p.sideStop = true
	for _, c := range p.init {
		switch {
		case c.side && c.running:
			c.held = true
			k.stopRun(c, p.grace)
		case c.side:
			c.stopTimers()
			c.stopped = true
		}
	}
	if p.anyRunning() {
		p.beginTermination(k.clock.Now(), p.grace)
		p.sideKill = k.after(killAfter(p.grace), func() { k.killSidecars(p) })
	}
	k.logInfo("app containers done; stopping sidecars", "pod", p.key)
}

// killSidecars ends the grace period of the sidecars stopping once the
// app containers are done (graceEnd), and kills what still runs at the
// last deadline that leaves. Caller holds mu.
func (k *Kubelet) killSidecars(p *podState) {
	p.sideKill = nil
	if k.pods[p.key] != p || p.done {
		return
	}
	if last := k.graceEnd(p); !last.IsZero() {
		p.sideKill = k.after(last.Sub(k.clock.Now()), func() { k.killSidecars(p) })
		return
	}
	k.killAll(p)
}

// stopNextSidecar sends SIGTERM to the last declared sidecar that still
// runs, once no app container runs and every sidecar declared after it
// has exited (its preStop hook, started with the others, done first).
// Caller holds mu.
func (k *Kubelet) stopNextSidecar(p *podState) {
	for _, c := range p.ctrs {
		if c.running {
			return
		}
	}
	for i := len(p.init) - 1; i >= 0; i-- {
		c := p.init[i]
		if !c.side || !c.running {
			continue
		}
		if c.asked {
			return
		}
		c.asked, c.held = true, false
		switch {
		case !c.preStopped:
			k.stopRun(c, p.grace)
		case c.hookDone:
			c.h.Stop()
		} // else the hook's end sends it
		k.killLater(c, podstatus.TurnGrace(p.termStart, p.termGrace, k.clock.Now()))
		return
	}
}

// startNextInit starts the first init container that has not succeeded
// (or, a sidecar, started) unless it was told to already, or the app
// containers when every init container has.
func (k *Kubelet) startNextInit(p *podState) {
	for _, c := range p.init {
		if c.side {
			if c.everStarted {
				continue
			}
		} else if t := c.st.State.Terminated; t != nil && t.ExitCode == 0 {
			continue
		}
		if c.begun {
			return
		}
		c.begun = true
		c.st.State = workload.ContainerState{Waiting: &workload.ContainerStateWaiting{Reason: ReasonContainerCreating}}
		k.scheduleStart(c, 0)
		return
	}
	if p.appsBegun {
		return
	}
	p.appsBegun = true
	for _, c := range p.ctrs {
		c.st.State = workload.ContainerState{Waiting: &workload.ContainerStateWaiting{Reason: ReasonContainerCreating}}
		k.scheduleStart(c, 0)
	}
}

// update recomputes the pod's phase and conditions, reports the status,
// and finishes a terminating pod whose containers have all stopped.
// Caller holds mu.
func (k *Kubelet) update(p *podState) {
	if k.pods[p.key] != p {
		return
	}
	now := k.clock.Now()
	st := &p.status
	st.Phase = podstatus.Phase(p.restartPolicy, p.snap.Spec.InitContainers, st.InitContainerStatuses, st.ContainerStatuses)
	if p.pastDeadline {
		st.Phase = workload.PodFailed
	}
	if p.terminating && !p.done && !p.anyRunning() {
		terminalBeforeDelete(p)
	}
	if !p.done && (st.Phase == workload.PodSucceeded || st.Phase == workload.PodFailed) && !((p.pastDeadline || p.sideStop) && p.anyRunning()) {
		p.done = true
		for _, c := range p.all {
			c.stopTimers()
			c.stopped = true
		}
		for _, t := range []*vtime.Timer{&p.deadlineTimer, &p.sideKill} {
			if *t != nil {
				(*t).Stop()
				*t = nil
			}
		}
		k.logInfo("pod finished", "pod", p.key, "phase", st.Phase)
	}
	podstatus.Conditions(st, p.snap.Spec.InitContainers, now)
	n := new(workload.Pod)
	n.TypeMeta, n.ObjectMeta, n.Spec = p.snap.TypeMeta, p.snap.ObjectMeta, p.snap.Spec
	n.Status = *st.DeepCopy()
	k.events.Emit(workload.Modified, n)
	p.snap = n
	if p.terminating && !p.anyRunning() {
		k.removePod(p)
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

// removePod makes the pod gone now: runs still going are killed, its
// address is released and watchers see a Deleted event. Caller holds mu.
func (k *Kubelet) removePod(p *podState) {
	for _, c := range p.all {
		c.stopTimers()
		if c.h != nil {
			c.h.Kill()
			p.linger(c.h)
		}
		c.running, c.h, c.run, c.stopped = false, nil, nil, true
	}
	p.stopPodTimers()
	if p.ip != 0 {
		ip, node := p.ip, p.node
		p.ip = 0
		if ls := slices.DeleteFunc(p.lingering, lingerGone); len(ls) > 0 {
			// A killed run that still runs (an abandoned function) may
			// hold the address: it is given to no other pod until every
			// such run is gone.
			k.goLocked(func() {
				for _, l := range ls {
					select {
					case <-l.Gone():
					case <-k.ctx.Done():
						return
					}
				}
				k.mu.Lock()
				node.releaseIP(ip)
				k.mu.Unlock()
			})
		} else {
			node.releaseIP(ip)
		}
		p.lingering = nil
	}
	delete(k.pods, p.key)
	delete(p.node.pods, p)
	k.dropPorts(p.key)
	last := *p.snap
	k.events.Emit(workload.Deleted, &last)
	k.logInfo("pod deleted", "pod", p.key)
}

// DeletePod stops a pod. A finished pod (Succeeded or Failed), or one none
// of whose containers runs, goes at once. Otherwise the pod terminates:
// containers waiting to start never will, running ones are asked to stop
// (Handle.Stop) and are killed when grace has passed, at least 2 s
// (minimumGrace; at once for a grace of 0 or less); their exits are reported, the last report in a terminal
// phase (Failed unless every container exited 0, as the kubelet's
// TerminatePod), then the pod is gone (Deleted event, address released). A second DeletePod with a shorter grace
// shortens it; a longer one changes nothing.
func (k *Kubelet) DeletePod(ctx context.Context, namespace, name string, grace time.Duration) error {
	ns := normNS(namespace)
	ref := podRef(ns, name)
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.begin(ctx); err != nil {
		return err
	}
	p := k.pods[ns+"/"+name]
	if p == nil {
		return fmt.Errorf("%s: %s: %w", k.name, ref, workload.ErrPodNotFound)
	}
	now := k.clock.Now()
	if p.done {
		k.removePod(p)
		return nil
	}
	kill := grace // when what still runs is killed
	if grace > 0 {
		kill = killAfter(grace)
	}
	if !p.terminating {
		p.terminating = true
		p.beginTermination(now, grace)
		k.askStop(p, grace)
		if !p.anyRunning() {
			k.update(p) // reports it terminal, then removes it
			return nil
		}
		k.logInfo("pod terminating", "pod", p.key, "grace", grace)
	} else if !now.Add(kill).Before(p.deleteAt) {
		return nil
	}
	if p.deleteTimer != nil {
		p.deleteTimer.Stop()
		p.deleteTimer = nil
	}
	if grace <= 0 {
		k.killAll(p)
		return nil
	}
	p.deleteAt = now.Add(kill)
	k.armDelete(p, kill)
	return nil
}

// armDelete makes the grace period of deleted pod p end d from now
// (graceOver). Caller holds mu.
func (k *Kubelet) armDelete(p *podState, d time.Duration) {
	var t vtime.Timer
	t = k.after(d, func() {
		if p.deleteTimer == t && k.pods[p.key] == p {
			p.deleteTimer = nil
			k.graceOver(p)
		}
	})
	p.deleteTimer = t
}

// graceOver ends the grace period of deleted pod p (graceEnd), and kills
// what still runs at the last deadline that leaves. Caller holds mu.
func (k *Kubelet) graceOver(p *podState) {
	last := k.graceEnd(p)
	if last.IsZero() {
		k.killAll(p)
		return
	}
	p.deleteAt = last
	k.armDelete(p, last.Sub(k.clock.Now()))
}

// beginTermination notes when p's termination began and its grace
// period, unless it began already. Caller holds mu.
func (p *podState) beginTermination(now time.Time, grace time.Duration) {
	if p.termStart.IsZero() {
		p.termStart, p.termGrace = now, grace
	}
}

// killLater kills c's run d from now, unless a kill is due sooner. Caller
// holds mu.
func (k *Kubelet) killLater(c *container, d time.Duration) {
	at := k.clock.Now().Add(d)
	if c.killTimer != nil && !c.killAt.IsZero() && !c.killAt.After(at) {
		return
	}
	if c.killTimer != nil {
		c.killTimer.Stop()
	}
	run, h := c.run, c.h
	c.killAt = at
	c.killTimer = k.after(d, func() {
		if c.run == run {
			h.Kill()
		}
	})
}

// graceEnd ends the grace period of a pod's termination (its deletion,
// its active deadline, or its sidecars stopping once the app containers
// are done) as the kubelet's killContainer calls, each with the
// termination ordering, end theirs: the app containers (and plain init
// containers) still running are killed; a sidecar whose turn came keeps
// its own deadline (stopNextSidecar), and is killed now if that has come;
// the sidecars whose turn had not come stop waiting for it (waitForTurn
// waits no longer than the grace period), which leaves them less than
// the minimum: they get SIGTERM now and are killed minimumGrace later. It
// returns the last deadline of the sidecars still running, the first time
// only (zero for a pod without sidecars, whose containers all stop at
// once, or the second time): the caller then kills what still runs.
// Caller holds mu.
func (k *Kubelet) graceEnd(p *podState) time.Time {
	if p.sideGrace || !p.sidecars {
		return time.Time{}
	}
	p.sideGrace = true
	now := k.clock.Now()
	for _, c := range p.all {
		if c.running && (!c.side || c.asked && !c.killAt.After(now)) {
			c.h.Kill()
		}
	}
	var last time.Time
	for _, c := range p.init {
		if !c.side || !c.running {
			continue
		}
		if !c.asked {
			c.asked, c.held = true, false
			if !c.preStopped || c.hookDone {
				c.h.Stop()
			} // else the hook, cut short by the grace period's end, sends it
			k.killLater(c, minimumGrace)
		}
		if c.killAt.After(last) {
			last = c.killAt
		}
	}
	if !last.After(now) {
		return time.Time{}
	}
	return last
}

// Reason and message of a container status the kubelet makes up for a
// container it could not observe when the pod was terminated.
const (
	ReasonContainerStatusUnknown  = "ContainerStatusUnknown"
	MessageContainerStatusUnknown = "The container could not be located when the pod was terminated"
)

// terminalBeforeDelete gives a deleted pod whose runs have all ended its
// terminal status, as the kubelet's status manager TerminatePod does
// before the pod goes (a deleted pod ends in a terminal phase since
// Kubernetes 1.27): a container waiting to restart (a crash-loop
// back-off) shows its last run (podstatus.LastRunIsState); once the pod has
// initialized, app containers without a terminated state are
// ContainerStatusUnknown (exit code 137); the phase
// is Succeeded if every app container exited 0, else Failed. Caller holds
// mu.
func terminalBeforeDelete(p *podState) {
	initialized := true
	for _, c := range p.init {
		podstatus.LastRunIsState(c.st)
		if c.side {
			initialized = initialized && c.everStarted // a sidecar is done once started
		} else if t := c.st.State.Terminated; t == nil || t.ExitCode != 0 {
			initialized = false
		}
	}
	succeeded := initialized
	for _, c := range p.ctrs {
		if !podstatus.LastRunIsState(c.st) && c.st.State.Terminated == nil && (initialized || c.runs > 0) {
			c.st.State = workload.ContainerState{Terminated: &workload.ContainerStateTerminated{
				ExitCode: 137, Reason: ReasonContainerStatusUnknown, Message: MessageContainerStatusUnknown}}
		}
		if t := c.st.State.Terminated; t == nil || t.ExitCode != 0 {
			succeeded = false
		}
	}
	p.status.Phase = workload.PodFailed
	if succeeded {
		p.status.Phase = workload.PodSucceeded
	}
}

// askStop asks the running containers of p to stop (their preStop hooks,
// then SIGTERM) and makes those waiting to start or restart never run
// again. Sidecars run their hooks at once but get SIGTERM once no app
// container runs, one at a time, the last declared first (the kubelet's
// terminationOrdering). Caller holds mu.
func (k *Kubelet) askStop(p *podState, grace time.Duration) {
	for _, c := range p.all {
		if c.running {
			c.held = c.side
			k.stopRun(c, grace)
		} else {
			c.stopTimers()
			c.stopped = true
		}
	}
	if p.sidecars {
		p.sideStop = true
		k.stopNextSidecar(p)
	}
}

// deadlinePassed fails a pod that has been active for its
// activeDeadlineSeconds, as the kubelet's active deadline handler: phase
// Failed with reason DeadlineExceeded; containers waiting to start or
// restart never will, running ones are asked to stop and killed when the
// pod's grace period has passed. The pod stays. Caller holds mu.
func (k *Kubelet) deadlinePassed(p *podState) {
	p.deadlineTimer = nil
	if k.pods[p.key] != p || p.done || p.terminating {
		return
	}
	p.pastDeadline = true
	p.status.Reason, p.status.Message = ReasonDeadlineExceeded, MessageDeadlineExceeded
	p.beginTermination(k.clock.Now(), p.grace)
	k.askStop(p, p.grace)
	k.logInfo("pod past its active deadline", "pod", p.key)
	if p.anyRunning() {
		p.killTimer = k.after(killAfter(p.grace), func() { k.deadlineKill(p) })
	}
	k.update(p)
}

// deadlineKill ends the grace period of a pod past its deadline as
// graceOver ends a deletion's (the kubelet kills such a pod as it kills a
// deleted one, with the same termination ordering): what still runs is
// killed, except the sidecars whose turn to stop had not come, which get
// minimumGrace more. Caller holds mu.
func (k *Kubelet) deadlineKill(p *podState) {
	p.killTimer = nil
	if k.pods[p.key] != p {
		return
	}
	if last := k.graceEnd(p); !last.IsZero() {
		p.killTimer = k.after(last.Sub(k.clock.Now()), func() { k.deadlineKill(p) })
		return
	}
	k.killAll(p)
}

// killAll kills every running container of p; their exits finish it.
func (k *Kubelet) killAll(p *podState) {
	for _, c := range p.all {
		if c.running {
			c.h.Kill()
		}
	}
}

// probeKill stops c's run because a liveness or startup probe failed: it
// is asked to stop and killed after the probe's grace period, or the
// pod's; its exit then goes through the restart policy.
func (k *Kubelet) probeKill(c *container, why string, probeGrace *int64) {
	p := c.p
	if c.killing || p.terminating || !c.running {
		return
	}
	grace := p.grace
	if probeGrace != nil {
		// The probe's own terminationGracePeriodSeconds wins (the
		// kubelet's setTerminationGracePeriod).
		grace = time.Duration(*probeGrace) * time.Second
	}
	c.killing = true
	k.logInfo("container failed its probe; restarting", "pod", p.key, "container", c.spec.Name, "probe", why)
	// As computePodActions words the kill (killContainer records it).
	k.event(c, workload.EventTypeNormal, "Killing", podstatus.ProbeKillMessage(c.spec.Name, why, c.side, p.restartPolicy))
	c.held = false
	k.stopRun(c, grace)
	k.killLater(c, killAfter(grace))
}

// stopRun asks c's run to stop: it runs the container's preStop hook
// first, bounded by grace, then sends Stop (SIGTERM), as the kubelet's
// killContainer does (executePreStopHook, then StopContainer); a hook that
// fails or cannot run is logged and the stop goes on. The kill at the end
// of the grace period is the caller's: the hook's time counts in it. A
// held run (a sidecar whose turn to stop has not come) runs its hook but
// is not sent Stop: stopNextSidecar does that in its turn. Caller holds
// mu.
func (k *Kubelet) stopRun(c *container, grace time.Duration) {
	h, run := c.h, c.run
	var hook *workload.LifecycleHandler
	if lc := c.spec.Lifecycle; lc != nil && (!c.init || c.side) {
		hook = lc.PreStop
	}
	if hook == nil || grace <= 0 || c.preStopped {
		if !c.held {
			h.Stop()
		}
		return
	}
	c.preStopped = true
	target := ""
	if g := hook.HTTPGet; g != nil {
		port, err := resolvePort(g.Port, c.spec)
		if err == nil {
			host := c.p.status.PodIP
			if g.Host != "" {
				host = g.Host
			}
			target = net.JoinHostPort(host, strconv.Itoa(int(k.realPort(c.p.key, port))))
		}
	}
	// The hook's timers start now, on the clock, not when its goroutine
	// runs.
	ctx, cancel := context.WithCancelCause(k.ctx)
	timer := k.clock.AfterFunc(grace, func() { cancel(errors.New("the grace period ended")) })
	var slept chan struct{}
	var sleep vtime.Timer
	if hook.Sleep != nil {
		slept = make(chan struct{})
		sleep = k.clock.AfterFunc(time.Duration(hook.Sleep.Seconds)*time.Second, func() { close(slept) })
	}
	k.goLocked(func() {
		defer cancel(nil)
		defer timer.Stop()
		if sleep != nil {
			defer sleep.Stop()
		}
		if err := k.runPreStop(ctx, h, hook, target, slept); err != nil {
			k.logWarn("preStop hook failed", "pod", c.p.key, "container", c.spec.Name, "err", err)
		}
		k.mu.Lock()
		defer k.mu.Unlock()
		if c.run == run && c.running {
			c.hookDone = true
			if !c.held {
				h.Stop()
			}
		}
	})
}

// runPreStop runs a preStop hook, without the lock, until ctx ends (the
// grace period); slept is closed when a sleep hook's time has passed.
func (k *Kubelet) runPreStop(ctx context.Context, h Handle, hook *workload.LifecycleHandler, target string, slept <-chan struct{}) error {
	switch {
	case hook.Sleep != nil:
		select {
		case <-slept:
		case <-ctx.Done():
		}
		return nil
	case hook.Exec != nil:
		ex, ok := h.(Execer)
		if !ok {
			return errors.New("exec hooks are not supported by the " + k.name + " runtime")
		}
		code, err := ex.Exec(ctx, hook.Exec.Command)
		if err != nil {
			return err
		}
		if code != 0 {
			return fmt.Errorf("command %q exited with %d", strings.Join(hook.Exec.Command, " "), code)
		}
		return nil
	case hook.HTTPGet != nil:
		if target == "" {
			return fmt.Errorf("httpGet hook: port %s: no container port of that name", hook.HTTPGet.Port.String())
		}
		scheme := "http"
		if strings.EqualFold(hook.HTTPGet.Scheme, "HTTPS") {
			scheme = "https"
		}
		path := hook.HTTPGet.Path
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := probeRequest(ctx, scheme+"://"+target+path, hook.HTTPGet.HTTPHeaders)
		if err != nil {
			return err
		}
		resp, err := probeClient.Do(req)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode >= 400 {
			return fmt.Errorf("HTTP lifecycle hook (%s) failed with statuscode: %d", path, resp.StatusCode)
		}
		return nil
	}
	return nil
}
