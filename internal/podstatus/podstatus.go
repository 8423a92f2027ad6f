package podstatus

import (
	"strconv"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// Phase computes a pod's phase from its container statuses the way the
// kubelet does (getPhase in pkg/kubelet/kubelet_pods.go): a pod is Pending
// while an init container has not succeeded or a container has never run;
// Running while a container runs or will be restarted; Succeeded when every
// container has exited 0 and none will restart; Failed when, with nothing
// left to restart, a container exited non-zero (or an init container failed
// under restartPolicy Never). inits are the pod's init containers (the
// spec of init, in order): a sidecar among them (restartPolicy Always) is
// pending until it has started, keeps the pod Running while it runs, and
// counts for nothing once it has exited, so that a pod whose app
// containers have all exited 0 and whose sidecars have been stopped has
// Succeeded.
func Phase(restartPolicy string, inits []workload.Container, init, ctrs []workload.ContainerStatus) string {
	pendingInit, failedInit := 0, 0
	running, waiting, stopped, succeeded := 0, 0, 0, 0
	for i := range init {
		s := &init[i]
		if i < len(inits) && workload.IsSidecar(&inits[i]) {
			switch {
			case s.State.Running != nil:
				if s.Started == nil || !*s.Started {
					pendingInit++
				}
				running++
			case s.State.Terminated != nil, s.LastTerminationState.Terminated != nil:
				// An exited sidecar does not count.
			default: // waiting for its first run
				pendingInit++
				waiting++
			}
			continue
		}
		switch {
		case s.State.Running != nil:
			pendingInit++
		case s.State.Terminated != nil:
			if s.State.Terminated.ExitCode != 0 {
				failedInit++
			}
		default: // waiting
			if t := s.LastTerminationState.Terminated; t != nil && t.ExitCode != 0 {
				failedInit++
			} else {
				pendingInit++
			}
		}
	}
	if pendingInit > 0 && anyStarted(ctrs) {
		// A sidecar restarting once the app containers have run does not
		// take the pod back to Pending.
		pendingInit = 0
	}
	for i := range ctrs {
		s := &ctrs[i]
		switch {
		case s.State.Running != nil:
			running++
		case s.State.Terminated != nil:
			stopped++
			if s.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		default:
			if s.LastTerminationState.Terminated != nil {
				stopped++
			} else {
				waiting++
			}
		}
	}
	if failedInit > 0 && restartPolicy == workload.RestartPolicyNever {
		return workload.PodFailed
	}
	switch {
	case pendingInit > 0 || failedInit > 0:
		return workload.PodPending
	case waiting > 0:
		return workload.PodPending
	case running > 0:
		return workload.PodRunning
	case stopped > 0:
		switch {
		case restartPolicy == workload.RestartPolicyAlways || restartPolicy == "":
			return workload.PodRunning
		case stopped == succeeded:
			return workload.PodSucceeded
		case restartPolicy == workload.RestartPolicyNever:
			return workload.PodFailed
		default: // OnFailure: the failed ones restart
			return workload.PodRunning
		}
	}
	return workload.PodPending
}

// anyStarted reports whether an app container runs or has run to its end
// (the kubelet's HasAnyRegularContainerStarted).
func anyStarted(ctrs []workload.ContainerStatus) bool {
	for i := range ctrs {
		if ctrs[i].State.Running != nil || ctrs[i].State.Terminated != nil {
			return true
		}
	}
	return false
}

// Condition reasons, as the kubelet writes them.
const (
	ReasonContainersNotInitialized = "ContainersNotInitialized"
	ReasonContainersNotReady       = "ContainersNotReady"
	ReasonPodCompleted             = "PodCompleted"
	ReasonPodFailed                = "PodFailed"
)

// Conditions updates the Initialized, ContainersReady and Ready
// conditions of st from its container statuses, and
// PodReadyToStartContainers (when the runtime set it at creation, True
// then) from its phase: a pod that has finished has its sandbox torn
// down, False. PodScheduled is set at creation and never changes. A
// condition's lastTransitionTime moves only when its status does. inits
// are the pod's init containers (the spec of st's init container
// statuses): a sidecar among them is done initializing once it has
// started, and its readiness counts towards ContainersReady and Ready.
func Conditions(st *workload.PodStatus, inits []workload.Container, now time.Time) {
	want, n := wanted(st, inits, nil)
	for _, w := range want[:n] {
		setCondition(st, w.typ, w.ok, w.reason, w.msg, now)
	}
}

// UpdatedConditions returns the conditions Conditions would leave in st,
// in a new list, or nil when Conditions would change nothing. It does not
// modify st: for runtimes whose conditions list is shared with the
// snapshots they reported.
func UpdatedConditions(st *workload.PodStatus, inits []workload.Container, now time.Time) []workload.PodCondition {
	all, n := wanted(st, inits, nil)
	return updatedConditions(st, now, all, n)
}

func updatedConditions(st *workload.PodStatus, now time.Time, all [4]condition, n int) []workload.PodCondition {
	want := all[:n]
	same, missing := true, 0
	for _, w := range want {
		found, set := lookup(st.Conditions, w)
		same = same && set
		if !found {
			missing++
		}
	}
	if same {
		return nil
	}
	next := workload.PodStatus{Conditions: make([]workload.PodCondition, len(st.Conditions), len(st.Conditions)+missing)}
	copy(next.Conditions, st.Conditions)
	for _, w := range want {
		setCondition(&next, w.typ, w.ok, w.reason, w.msg, now)
	}
	return next.Conditions
}

// A Memo remembers the last list its UpdatedConditions made, so that pods
// updated at one instant from the same conditions list to the same
// wanted conditions share the new list rather than each making its own.
// Pods created together run in lockstep in virtual time (a Deployment's
// replicas start, crash and restart at the same instants), and condition
// lists are never changed in place, so sharing them is safe. The zero
// value is ready; a Memo is not safe for concurrent use.
type Memo struct {
	from *workload.PodCondition // the old list's first element
	n    int                    // and length
	at   time.Time
	want [4]condition
	nw   int
	out  []workload.PodCondition
	// The last messages made, kept so that pods alike share them.
	unready, incomplete msgCache
}

// UpdatedConditions is the package's UpdatedConditions, sharing its result
// with the last call's when that call had the same conditions list (the
// same memory), the same wanted conditions and the same now.
func (m *Memo) UpdatedConditions(st *workload.PodStatus, inits []workload.Container, now time.Time) []workload.PodCondition {
	want, nw := wanted(st, inits, m)
	if len(st.Conditions) > 0 && m.out != nil && &st.Conditions[0] == m.from && len(st.Conditions) == m.n &&
		nw == m.nw && want == m.want && now == m.at {
		return m.out
	}
	out := updatedConditions(st, now, want, nw)
	if out != nil && len(st.Conditions) > 0 {
		m.from, m.n, m.at, m.want, m.nw, m.out = &st.Conditions[0], len(st.Conditions), now, want, nw, out
	}
	return out
}

// condition is a condition's wanted status, reason and message.
type condition struct {
	typ    string
	ok     bool
	reason string
	msg    string
}

// The kubelet's condition messages (pkg/kubelet/status/generate.go), each
// followed by the container names in brackets, space-separated.
const (
	msgUnready    = "containers with unready status: "
	msgIncomplete = "containers with incomplete status: "
)

// msgCache is the last message made for a list of container names.
type msgCache struct {
	names []string
	msg   string
}

// bad reports whether the message of kind init (init containers not
// done: not terminated with exit code 0, or for a sidecar not started)
// or not (containers not ready) names s; sidecar says whether s is a
// sidecar's.
func bad(s *workload.ContainerStatus, init, sidecar bool) bool {
	switch {
	case init && sidecar:
		return s.Started == nil || !*s.Started
	case init:
		t := s.State.Terminated
		return t == nil || t.ExitCode != 0
	}
	return !s.Ready
}

// statusList is the statuses a message is about: for the message of
// kind init, the init containers' (of which inits are the specs); else
// the sidecars' (when inits has one) then the app containers'.
type statusList struct {
	init     bool
	inits    []workload.Container
	initSts  []workload.ContainerStatus
	ctrSts   []workload.ContainerStatus
	sidecars bool // inits has a sidecar
}

// each calls f with the name of every status of l that bad picks, in
// order, until f returns false.
func (l *statusList) each(f func(name string) bool) {
	if l.init || l.sidecars {
		for k := range l.initSts {
			side := k < len(l.inits) && workload.IsSidecar(&l.inits[k])
			if !l.init && !side {
				continue
			}
			if bad(&l.initSts[k], l.init, side) && !f(l.initSts[k].Name) {
				return
			}
		}
	}
	if l.init {
		return
	}
	for k := range l.ctrSts {
		if bad(&l.ctrSts[k], false, false) && !f(l.ctrSts[k].Name) {
			return
		}
	}
}

// message returns prefix followed by the names of the statuses of l that
// bad picks, "[a b]", as the kubelet's fmt.Sprintf("%s", names); the same
// string as c's last one when the names are the same, so that pods alike
// make it once. c may be nil.
func message(c *msgCache, prefix string, l *statusList) string {
	if c != nil && c.msg != "" {
		i, same := 0, true
		l.each(func(name string) bool {
			if i >= len(c.names) || c.names[i] != name {
				same = false
				return false
			}
			i++
			return true
		})
		if same && i == len(c.names) {
			return c.msg
		}
	}
	var names []string
	n := len(prefix) + 2
	l.each(func(name string) bool {
		names = append(names, name)
		n += len(name) + 1
		return true
	})
	b := make([]byte, 0, n)
	b = append(b, prefix...)
	b = append(b, '[')
	for i, name := range names {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, name...)
	}
	b = append(b, ']')
	msg := string(b)
	if c != nil {
		c.names, c.msg = names, msg
	}
	return msg
}

// wanted returns the Initialized, ContainersReady and Ready conditions st's
// container statuses call for, then, when st has it,
// PodReadyToStartContainers (the sandbox goes once the pod has finished:
// the kubelet's GeneratePodReadyToStartContainersCondition); n says how
// many of them apply.
func wanted(st *workload.PodStatus, inits []workload.Container, m *Memo) (want [4]condition, n int) {
	sidecars := workload.HasSidecar(inits)
	initialized := true
	ready := len(st.ContainerStatuses) > 0
	for i := range st.InitContainerStatuses {
		s := &st.InitContainerStatuses[i]
		side := sidecars && i < len(inits) && workload.IsSidecar(&inits[i])
		if bad(s, true, side) {
			initialized = false
		}
		if side && !s.Ready {
			ready = false // the kubelet's GenerateContainersReadyCondition
		}
	}
	if !initialized && sidecars && anyStarted(st.ContainerStatuses) {
		// An app container has run: the pod initialized, whatever its
		// sidecars do since (GeneratePodInitializedCondition).
		initialized = true
	}
	for i := range st.ContainerStatuses {
		if !st.ContainerStatuses[i].Ready {
			ready = false
			break
		}
	}
	// The kubelet's generate.go: a terminal pod is not ready, with reason
	// PodCompleted (Succeeded) or PodFailed; a Succeeded pod is
	// initialized, with reason PodCompleted.
	notReady := ReasonContainersNotReady
	initReason := ReasonContainersNotInitialized
	switch st.Phase {
	case workload.PodSucceeded:
		notReady, ready = ReasonPodCompleted, false
		initialized, initReason = true, ReasonPodCompleted
	case workload.PodFailed:
		notReady, ready = ReasonPodFailed, false
	}
	if initialized && st.Phase != workload.PodSucceeded {
		initReason = ""
	}
	if ready {
		notReady = "" // SetCondition's rule: no reason when true
	}
	// The kubelet's messages: the unready app containers while the pod
	// runs (none once it has finished), the init containers that have not
	// succeeded unless the pod has.
	var readyMsg, initMsg string
	var unreadyC, incompleteC *msgCache
	if m != nil {
		unreadyC, incompleteC = &m.unready, &m.incomplete
	}
	if !ready && notReady == ReasonContainersNotReady && len(st.ContainerStatuses) > 0 {
		l := statusList{inits: inits, initSts: st.InitContainerStatuses, ctrSts: st.ContainerStatuses, sidecars: sidecars}
		readyMsg = message(unreadyC, msgUnready, &l)
	}
	if !initialized {
		l := statusList{init: true, inits: inits, initSts: st.InitContainerStatuses}
		initMsg = message(incompleteC, msgIncomplete, &l)
	}
	want = [4]condition{
		{workload.PodInitialized, initialized, initReason, initMsg},
		{workload.ContainersReady, ready, notReady, readyMsg},
		{workload.PodReady, ready, notReady, readyMsg},
		{workload.PodReadyToStartCtrs, st.Phase != workload.PodSucceeded && st.Phase != workload.PodFailed, "", ""},
	}
	n = 3
	for i := range st.Conditions {
		if st.Conditions[i].Type == workload.PodReadyToStartCtrs {
			n = 4
			break
		}
	}
	return want, n
}

// lookup reports whether conds hold a condition of w's type, and whether
// it is as w wants it (setCondition would change nothing).
func lookup(conds []workload.PodCondition, w condition) (found, set bool) {
	status := workload.ConditionFalse
	if w.ok {
		status = workload.ConditionTrue
	}
	for i := range conds {
		if conds[i].Type == w.typ {
			return true, conds[i].Status == status && conds[i].Reason == w.reason && conds[i].Message == w.msg
		}
	}
	return false, false
}

// SetCondition sets condition typ of st to status ok (with reason when
// false), moving lastTransitionTime only when the status changes.
func SetCondition(st *workload.PodStatus, typ string, ok bool, reason string, now time.Time) {
	if ok {
		reason = ""
	}
	setCondition(st, typ, ok, reason, "", now)
}

// setCondition is SetCondition keeping the reason also when ok, with a
// message.
func setCondition(st *workload.PodStatus, typ string, ok bool, reason, msg string, now time.Time) {
	status := workload.ConditionFalse
	if ok {
		status = workload.ConditionTrue
	}
	for i := range st.Conditions {
		c := &st.Conditions[i]
		if c.Type != typ {
			continue
		}
		if c.Status != status {
			c.Status = status
			c.LastTransitionTime = workload.NewTime(now)
		}
		c.Reason, c.Message = reason, msg
		return
	}
	st.Conditions = append(st.Conditions, workload.PodCondition{
		Type: typ, Status: status, Reason: reason, Message: msg, LastTransitionTime: workload.NewTime(now),
	})
}

// ReasonReadinessGatesNotReady is the reason of a pod's Ready condition
// when its containers are ready but one of its readiness gates is not.
const ReasonReadinessGatesNotReady = "ReadinessGatesNotReady"

// GatesReady reports whether every readiness gate's condition is True in
// conds, and otherwise the message of the pod's Ready condition, as the
// kubelet's GeneratePodReadyCondition words it: for each gate not
// satisfied, `corresponding condition of pod readiness gate "x" does not
// exist.` or `the status of pod readiness gate "x" is not "True", but
// False`, joined with ", ".
func GatesReady(gates []workload.PodReadinessGate, conds []workload.PodCondition) (bool, string) {
	var msg []byte
	for _, g := range gates {
		status := ""
		for i := range conds {
			if conds[i].Type == g.ConditionType {
				status = conds[i].Status
				break
			}
		}
		if status == workload.ConditionTrue {
			continue
		}
		if len(msg) > 0 {
			msg = append(msg, ", "...)
		}
		if status == "" {
			msg = append(msg, "corresponding condition of pod readiness gate "...)
			msg = strconv.AppendQuote(msg, g.ConditionType)
			msg = append(msg, " does not exist."...)
		} else {
			msg = append(msg, "the status of pod readiness gate "...)
			msg = strconv.AppendQuote(msg, g.ConditionType)
			msg = append(msg, ` is not "True", but `...)
			msg = append(msg, status...)
		}
	}
	return msg == nil, string(msg)
}

// KubeletOwned reports whether the kubelet owns a pod condition type: it
// sets Initialized, ContainersReady, Ready and PodReadyToStartContainers
// from the pod's containers; every other condition (PodScheduled,
// DisruptionTarget, a readiness gate's) is someone else's, and its status
// updates keep it (pkg/kubelet/types PodConditionByKubelet, and
// generateAPIPodStatus, which keeps the conditions it does not own).
func KubeletOwned(typ string) bool {
	switch typ {
	case workload.PodInitialized, workload.ContainersReady, workload.PodReady, workload.PodReadyToStartCtrs:
		return true
	}
	return false
}

// LastRunIsState makes the last run of a container waiting to restart
// its state, and reports whether it did: the kubelet shows a container
// of a deleted pod as its newest dead container (kubelet_pods.go
// convertToAPIContainerStatuses puts the back-off's Waiting state only
// on a container ShouldContainerBeRestarted, never one of a deleted pod),
// the older ones garbage collected (one dead container is kept per
// container), so lastState is empty.
func LastRunIsState(st *workload.ContainerStatus) bool {
	last := st.LastTerminationState.Terminated
	if st.State.Terminated != nil || st.State.Running != nil || last == nil {
		return false
	}
	st.State = workload.ContainerState{Terminated: last}
	st.LastTerminationState = workload.ContainerState{}
	return true
}
