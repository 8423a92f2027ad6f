package orchestra

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/internal/podstatus"
	"github.com/orchestra-go/orchestra/scheduler"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// runtimeMirror copies what the runtime reports (nodes, pod status, pods
// gone) into the store, as kubelets do through the API server. It runs on
// the loop goroutine and never stops with the control plane.
type runtimeMirror struct {
	c *Cluster
	w workload.Watcher // nil after a failed relist, until the retry
	// retry is the pending relist after a failed one.
	retry vtime.Timer
	due   bool // the retry's time has come
	// merge is mergeReported bound once; events are the kubelet events
	// it found, recorded once the store is unlocked.
	merge    func(stored, in workload.Object) (workload.Object, error)
	mergeOwn func(stored, in workload.Object) (workload.Object, error) // mergeOwnReport bound once
	events   []containerEvent
	// key is mirrorStatus's buffer for a pod's "namespace/name", to look
	// it up without making a string.
	key []byte
	// batch is step's buffer for a BatchWatcher's changes, empty between
	// calls.
	batch []workload.WatchEvent
	// backOffIn holds, by pod uid, the end of the BackOff message of the
	// pods that back off (" in pod <pod>_<namespace>(<uid>)"), made once
	// rather than on every back-off of a crash loop; at most
	// maxBackOffIn, emptied when full.
	backOffIn map[string]string
	// reported holds, by name, the last report of each node the runtime
	// reports (read-only snapshots). A Node in the store that is not among
	// them was applied (a Node object without a kubelet): the mirror never
	// deletes it, and the kubelet bridge starts nothing on it. What the
	// runtime reported is its own (as a kubelet's labels, registration
	// taints and status are); the rest of a stored node's labels, taints
	// and spec.unschedulable was set through the API and is kept. The
	// loop goroutine writes it under nodesMu and reads it without;
	// other goroutines read it under nodesMu (reportedNode).
	reported map[string]*workload.Node
	nodesMu  sync.Mutex
}

// reportedNode returns the runtime's last report of a node, or nil; it
// may be called from any goroutine.
func (m *runtimeMirror) reportedNode(name string) *workload.Node {
	m.nodesMu.Lock()
	defer m.nodesMu.Unlock()
	return m.reported[name]
}

// maxBackOffIn bounds runtimeMirror.backOffIn.
const maxBackOffIn = 1 << 14

// containerEvent is a kubelet event about one container of a pod.
type containerEvent struct {
	pod       *workload.Pod
	container string
	kind      uint8  // evStarted, evBackOff, ...
	image     string // evPullFailed, evPullBackOff: the container's image
	msg       string // evPullFailed, evCreateFailed: the waiting message
}

const (
	evStarted = iota
	evBackOff
	evDeadline     // the pod passed its activeDeadlineSeconds
	evPullFailed   // waiting ErrImagePull
	evPullBackOff  // waiting ImagePullBackOff
	evCreateFailed // waiting for another reason the container could not be made
	evKilling      // a container stopped: a sidecar once the app containers are done, or past the pod's deadline
)

// Waiting reasons of a container the runtime could not create, and the
// events the kubelet records for them.
const (
	reasonErrImagePull     = "ErrImagePull"
	reasonImagePullBackOff = "ImagePullBackOff"
)

// createFailed lists the waiting reasons of a container the kubelet could
// not create or start, whose message it records in a Failed event.
var createFailed = map[string]bool{
	"CreateContainerConfigError": true, "CreateContainerError": true, "RunContainerError": true,
	"InvalidImageName": true,
}

// reasonDeadlineExceeded is the reason of a pod the kubelet failed for
// passing its activeDeadlineSeconds (every runtime reports the kubelet's).
const reasonDeadlineExceeded = "DeadlineExceeded"

// reasonCrashLoopBackOff is the waiting reason of a container in back-off
// (every runtime reports the kubelet's).
const reasonCrashLoopBackOff = "CrashLoopBackOff"

// relistBackoff is how long the mirror waits to list the runtime again
// after a failed list.
const relistBackoff = time.Second

func newRuntimeMirror(c *Cluster) *runtimeMirror {
	m := &runtimeMirror{c: c, reported: map[string]*workload.Node{}}
	m.merge, m.mergeOwn = m.mergeReported, m.mergeOwnReport
	return m
}

// controlPlaneTaints are the taint keys the control plane (node lifecycle)
// puts on nodes; the mirror keeps them when it copies a node's spec.
var controlPlaneTaints = map[string]bool{
	workload.TaintNodeNotReady:      true,
	workload.TaintNodeUnreachable:   true,
	workload.TaintNodeUnschedulable: true,
}

// start lists the runtime into the store and watches it from there.
func (m *runtimeMirror) start(ctx context.Context) error {
	nodes, pods, version, err := m.c.rt.List(ctx)
	if err != nil {
		return err
	}
	seen := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		seen[n.Name] = true
		m.upsertNode(n)
	}
	// The runtime's nodes that went while the mirror was not watching go;
	// applied Nodes (never reported) stay, as Node objects without a
	// kubelet stay in Kubernetes.
	for name := range m.reported {
		if !seen[name] {
			m.deleteNode(name)
		}
	}
	running := map[string]bool{}
	for _, p := range pods {
		running[p.Namespace+"/"+p.Name] = true
		m.podChanged(ctx, p)
	}
	for _, o := range m.c.store.List("Pod", "", nil) {
		p := o.(*workload.Pod)
		if slices.Contains(p.Finalizers, controller.RuntimeFinalizer) && !running[p.Namespace+"/"+p.Name] {
			m.podGone(p)
		}
	}
	w, err := m.c.rt.Watch(ctx, version)
	if err != nil {
		return err
	}
	m.w = w
	return nil
}

func (m *runtimeMirror) stop() {
	if m.w != nil {
		m.w.Stop()
	}
	if m.retry != nil {
		m.retry.Stop()
	}
}

// relist lists and watches the runtime again; when that fails it retries
// after relistBackoff (and reports no progress meanwhile, so that a
// runtime that is down does not spin the loop).
func (m *runtimeMirror) relist(ctx context.Context) bool {
	m.due = false
	if err := m.start(ctx); err != nil {
		m.c.logger.Error("listing the runtime failed; retrying", "err", err, "in", relistBackoff)
		m.retry = m.c.clock.AfterFunc(relistBackoff, func() {
			m.c.pendMu.Lock()
			m.due = true
			m.c.pendMu.Unlock()
			m.c.wake()
		})
		return false
	}
	return true
}

func (m *runtimeMirror) wait() []<-chan struct{} {
	if m.w == nil {
		return nil
	}
	return []<-chan struct{}{m.w.Ready()}
}

// step copies every ready runtime change into the store.
func (m *runtimeMirror) step(ctx context.Context) bool {
	if m.w == nil {
		m.c.pendMu.Lock()
		due := m.due
		m.c.pendMu.Unlock()
		if !due || ctx.Err() != nil {
			return false
		}
		return m.relist(ctx)
	}
	progress := false
	if bw, ok := m.w.(workload.BatchWatcher); ok {
		if m.batch == nil {
			m.batch = make([]workload.WatchEvent, 0, mirrorBatch)
		}
		next := bw.TryNextBatch
		if sw, ok := bw.(workload.StatusWatcher); ok {
			next = sw.TryNextReports
		}
		used := 0
		for {
			evs := next(m.batch)
			if len(evs) == 0 {
				clear(m.batch[:used]) // keep no object alive past this call
				break
			}
			progress = true
			for k := range evs {
				m.apply(ctx, &evs[k])
			}
			used = max(used, len(evs))
		}
	} else {
		for {
			ev, ok := m.w.TryNext()
			if !ok {
				break
			}
			progress = true
			m.apply(ctx, &ev)
		}
	}
	if err := m.w.Err(); err != nil {
		m.w.Stop()
		m.w = nil
		if ctx.Err() != nil {
			return progress // the loop is ending; no relist
		}
		m.c.logger.Warn("runtime watch ended; listing again", "err", err)
		progress = m.relist(ctx) || progress
	}
	return progress
}

// mirrorBatch is how many runtime changes step takes from a BatchWatcher
// at a time.
const mirrorBatch = 256

// apply copies one runtime change into the store.
func (m *runtimeMirror) apply(ctx context.Context, ev *workload.WatchEvent) {
	if ev.Report != nil {
		m.statusReported(ctx, ev.Report)
		return
	}
	switch o := ev.Object.(type) {
	case *workload.Node:
		if ev.Type == workload.Deleted {
			m.deleteNode(o.Name)
		} else {
			m.upsertNode(o)
		}
	case *workload.Pod:
		if ev.Type == workload.Deleted {
			if sp := m.storePod(o); sp != nil {
				m.podGone(sp.DeepCopy())
			}
		} else {
			m.podChanged(ctx, o)
		}
	}
}

// deleteNode deletes a node the runtime no longer reports.
func (m *runtimeMirror) deleteNode(name string) {
	m.nodesMu.Lock()
	delete(m.reported, name)
	m.nodesMu.Unlock()
	_, _ = m.c.store.Delete("Node", "", name, store.DeleteOptions{NoResult: true})
}

// upsertNode copies a node the runtime reports into the store.
func (m *runtimeMirror) upsertNode(n *workload.Node) {
	m.nodesMu.Lock()
	prev := m.reported[n.Name]
	m.reported[n.Name] = n
	m.nodesMu.Unlock()
	s := m.c.store
	report := n
	// The merge is written at the version it read: an Apply of the node
	// from another goroutine between the read and the write makes it
	// conflict, and it merges again with what the Apply stored rather
	// than overwriting it with the labels and taints it read before.
	for {
		n = report.DeepCopy()
		n.ResourceVersion = ""
		old, err := s.Get("Node", "", n.Name)
		if errors.Is(err, store.ErrNotFound) {
			if _, err := s.Create(n); errors.Is(err, store.ErrAlreadyExists) {
				continue
			} else if err != nil {
				m.c.logger.Warn("mirroring node failed", "node", n.Name, "err", err)
			}
			return
		}
		if err != nil {
			return
		}
		on := old.(*workload.Node)
		mergeAPINodeFields(n, on, prev)
		n.UID, n.CreationTimestamp = on.UID, on.CreationTimestamp
		n.ResourceVersion = on.ResourceVersion
		n.Annotations = mergeMaps(on.Annotations, n.Annotations)
		if _, ok := report.Annotations[workload.KubeletSilentSinceAnnotation]; !ok {
			// The runtime's own: gone once its kubelet posts again.
			delete(n.Annotations, workload.KubeletSilentSinceAnnotation)
		}
		if _, err := s.Update(n, store.NoResult); errors.Is(err, store.ErrConflict) {
			continue
		} else if err != nil {
			m.c.logger.Warn("mirroring node failed", "node", n.Name, "err", err)
		}
		break
	}
	if _, silent := report.Annotations[workload.KubeletSilentSinceAnnotation]; silent {
		// A silent kubelet posts no status: the stored one (what it last
		// posted, or the node lifecycle controller's Unknown) stays.
		return
	}
	n.ResourceVersion = ""
	if _, err := s.UpdateStatus(n, store.NoResult); err != nil {
		m.c.logger.Warn("mirroring node status failed", "node", n.Name, "err", err)
	}
}

// mergeAPINodeFields keeps in n, the runtime's new report of a node, what
// was set through the API on the stored node on: labels and taints the
// runtime did not report (a label the runtime reported before, prev, and
// no longer does is gone; the runtime's own values win, as a kubelet
// reconciles its labels), and spec.unschedulable unless the runtime
// changed its own (a cordon through the runtime). prev is nil for a node
// not reported before (a kubelet registering against a Node object).
func mergeAPINodeFields(n, on, prev *workload.Node) {
	var prevLabels map[string]string
	var prevTaints []workload.Taint
	if prev != nil {
		prevLabels, prevTaints = prev.Labels, prev.Spec.Taints
		if n.Spec.Unschedulable == prev.Spec.Unschedulable {
			n.Spec.Unschedulable = on.Spec.Unschedulable
		}
	} else {
		n.Spec.Unschedulable = n.Spec.Unschedulable || on.Spec.Unschedulable
	}
	for k, v := range on.Labels {
		if _, ok := n.Labels[k]; ok {
			continue
		}
		if _, was := prevLabels[k]; was {
			continue // the runtime removed it
		}
		if n.Labels == nil {
			n.Labels = map[string]string{}
		}
		n.Labels[k] = v
	}
	for _, t := range on.Spec.Taints {
		if hasTaint(n.Spec.Taints, t.Key, t.Effect) {
			continue
		}
		if !controlPlaneTaints[t.Key] && hasTaint(prevTaints, t.Key, t.Effect) {
			continue // the runtime removed it
		}
		n.Spec.Taints = append(n.Spec.Taints, t)
	}
}

func hasTaint(ts []workload.Taint, key, effect string) bool {
	for _, t := range ts {
		if t.Key == key && t.Effect == effect {
			return true
		}
	}
	return false
}

func mergeMaps(a, b map[string]string) map[string]string {
	if len(a) == 0 {
		return b
	}
	out := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// storePod returns the store's pod for a runtime pod (same uid), or nil.
// It is the stored object itself: read-only.
func (m *runtimeMirror) storePod(rp *workload.Pod) *workload.Pod {
	o, err := m.c.store.Peek("Pod", rp.Namespace, rp.Name)
	if err != nil {
		return nil
	}
	p := o.(*workload.Pod)
	if rp.UID != "" && p.UID != rp.UID {
		return nil
	}
	return p
}

// podChanged copies a runtime pod's status into the store. A pod the store
// does not know is an orphan and is stopped, as a kubelet stops pods the
// API server no longer has.
func (m *runtimeMirror) podChanged(ctx context.Context, rp *workload.Pod) {
	m.mirrorStatus(ctx, rp, m.merge)
}

// statusReported copies a runtime's status report into the store, as
// podChanged does a pod: the pod it merges is the mirror's own, made here
// from the report, so the store adopts it as it is (mergeOwnReport).
func (m *runtimeMirror) statusReported(ctx context.Context, rep *workload.PodStatusReport) {
	np := &workload.Pod{Status: rep.Status}
	np.Namespace, np.Name, np.UID = rep.Namespace, rep.Name, rep.UID
	np.APIVersion, np.TypeMeta.Kind = "v1", "Pod"
	m.mirrorStatus(ctx, np, m.mergeOwn)
}

// mirrorStatus merges the status of rp, a pod the runtime reported (or
// one made from its report), into the store with merge.
func (m *runtimeMirror) mirrorStatus(ctx context.Context, rp *workload.Pod, merge func(stored, in workload.Object) (workload.Object, error)) {
	m.events = m.events[:0]
	// A pod the kubelet bridge just started gets the runtime finalizer
	// with its first reported status, in one write.
	fin := ""
	if b := m.c.bridge; b != nil && len(b.unconfirmed) > 0 && rp.UID != "" {
		m.key = m.key[:0] // workload.Key(rp)
		if rp.Namespace != "" {
			m.key = append(append(m.key, rp.Namespace...), '/')
		}
		m.key = append(m.key, rp.Name...)
		if b.unconfirmed[string(m.key)] == rp.UID {
			fin = controller.RuntimeFinalizer
		}
	}
	err := m.c.store.MergeStatusFinalizer(rp, fin, merge)
	m.recordEvents()
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, errOrphan) {
		if err := m.c.rt.DeletePod(ctx, rp.Namespace, rp.Name, 0); err != nil && !errors.Is(err, workload.ErrPodNotFound) {
			m.c.logger.Warn("stopping orphan pod failed", "pod", rp.Namespace+"/"+rp.Name, "err", err)
		}
		return
	}
	if err != nil {
		m.c.logger.Warn("mirroring pod status failed", "pod", rp.Namespace+"/"+rp.Name, "err", err)
	}
}

// errOrphan: the store's pod of that name is another pod (another uid)
// than the runtime's.
var errOrphan = errors.New("orchestra: the runtime's pod is not the store's")

// mergeReported is the store.MergeStatus merge of a pod status the
// runtime reported (in) into the stored pod: the runtime's status, with
// the conditions the kubelet does not own (PodScheduled, DisruptionTarget,
// a readiness gate's) kept from the stored pod, and, for a pod with
// readiness gates, its Ready condition held False until they are True. The store adopts the result: it keeps the
// stored metadata and spec, and the runtime's status memory as it is (the
// runtime never modifies a pod it reported, nor does anyone else). Only a
// merged condition list is new.
//
// It also notes the kubelet's container events the change shows (see
// recordEvents).
func (m *runtimeMirror) mergeReported(stored, in workload.Object) (workload.Object, error) {
	p, rp := stored.(*workload.Pod), in.(*workload.Pod)
	if rp.UID != "" && p.UID != rp.UID {
		return nil, errOrphan
	}
	np := &workload.Pod{Status: rp.Status}
	m.mergeInto(p, np)
	return np, nil
}

// mergeOwnReport is mergeReported for a pod the mirror made from a
// status report (statusReported): nobody else has it, so it is merged in
// place and adopted.
func (m *runtimeMirror) mergeOwnReport(stored, in workload.Object) (workload.Object, error) {
	p, np := stored.(*workload.Pod), in.(*workload.Pod)
	if np.UID != "" && p.UID != np.UID {
		return nil, errOrphan
	}
	m.mergeInto(p, np)
	return np, nil
}

// mergeInto notes the container events of the change from the stored pod
// p to the reported status in np, gives np's status p's conditions that
// the kubelet does not own (podstatus.KubeletOwned), and applies p's
// readiness gates to its Ready condition (gatedReady).
func (m *runtimeMirror) mergeInto(p, np *workload.Pod) {
	m.noteContainerEvents(p, p.Status.InitContainerStatuses, np.Status.InitContainerStatuses)
	m.noteContainerEvents(p, p.Status.ContainerStatuses, np.Status.ContainerStatuses)
	if len(np.Status.InitContainerStatuses) > 0 && p.DeletionTimestamp == nil && workload.HasSidecar(p.Spec.InitContainers) &&
		appsDone(&np.Status) && !appsDone(&p.Status) {
		// The kubelet kills the pod (computePodActions' KillPod): its
		// running sidecars are stopped, each with a Killing event.
		for i := range np.Status.InitContainerStatuses {
			if cs := &np.Status.InitContainerStatuses[i]; cs.State.Running != nil && i < len(p.Spec.InitContainers) && workload.IsSidecar(&p.Spec.InitContainers[i]) {
				m.events = append(m.events, containerEvent{pod: p, container: cs.Name, kind: evKilling})
			}
		}
	}
	if np.Status.QOSClass == "" {
		np.Status.QOSClass = p.Status.QOSClass // the API server's
	}
	if np.Status.Reason != p.Status.Reason && np.Status.Reason == reasonDeadlineExceeded {
		m.events = append(m.events, containerEvent{pod: p, kind: evDeadline})
		// The kubelet then kills the pod (SyncTerminatingPod's killPod):
		// a Killing event for each container that runs, as killContainer
		// records one before it stops a container.
		for _, sts := range [2][]workload.ContainerStatus{np.Status.ContainerStatuses, np.Status.InitContainerStatuses} {
			for i := range sts {
				if cs := &sts[i]; cs.State.Running != nil {
					m.events = append(m.events, containerEvent{pod: p, container: cs.Name, kind: evKilling})
				}
			}
		}
	}
	cloned := false
	for i := range p.Status.Conditions {
		c := &p.Status.Conditions[i]
		if podstatus.KubeletOwned(c.Type) {
			continue
		}
		if rc := controller.FindPodCondition(np.Status.Conditions, c.Type); rc != nil && *rc == *c {
			continue
		}
		if !cloned {
			np.Status.Conditions = slices.Clone(np.Status.Conditions)
			cloned = true
		}
		np.Status.Conditions = setPodCondition(np.Status.Conditions, *c)
	}
	if len(p.Spec.ReadinessGates) > 0 {
		if c, change := gatedReady(p, np.Status.Conditions, m.c.clock.Now()); change {
			if !cloned {
				np.Status.Conditions = slices.Clone(np.Status.Conditions)
			}
			np.Status.Conditions = setPodCondition(np.Status.Conditions, c)
		}
	}
}

// gateChange is gatedReady for the kubelet bridge, when a stored pod with
// readiness gates changed through the API: it makes the pod not Ready for
// a gate, or Ready again when it was not Ready only for its gates
// (reason ReadinessGatesNotReady). A Ready condition set False by someone
// else (the node lifecycle marks the pods of a node that is not ready) is
// left to the runtime's next report, else the two would undo each other
// for ever.
func gateChange(p *workload.Pod, now time.Time) (workload.PodCondition, bool) {
	c, change := gatedReady(p, p.Status.Conditions, now)
	if !change || c.Status != workload.ConditionTrue {
		return c, change
	}
	cur := controller.FindPodCondition(p.Status.Conditions, workload.PodReady)
	return c, cur != nil && cur.Reason == podstatus.ReasonReadinessGatesNotReady
}

// gatedReady returns the Ready condition that conds, the conditions of
// pod p (whose stored status is p's), call for when p has readiness gates,
// and whether conds' Ready differs from it: as the kubelet's
// GeneratePodReadyCondition, a pod whose containers are ready is Ready
// only when every gate's condition is True, else not, with reason
// ReadinessGatesNotReady; a pod whose containers are not ready has the
// runtime's Ready (that of ContainersReady), unchanged. The transition
// time is the stored condition's when its status stays.
func gatedReady(p *workload.Pod, conds []workload.PodCondition, now time.Time) (workload.PodCondition, bool) {
	if cr := controller.FindPodCondition(conds, workload.ContainersReady); cr == nil || cr.Status != workload.ConditionTrue {
		return workload.PodCondition{}, false
	}
	want := workload.PodCondition{Type: workload.PodReady, Status: workload.ConditionTrue}
	if ok, msg := podstatus.GatesReady(p.Spec.ReadinessGates, conds); !ok {
		want.Status, want.Reason, want.Message = workload.ConditionFalse, podstatus.ReasonReadinessGatesNotReady, msg
	}
	want.LastTransitionTime = workload.NewTime(now)
	if old := controller.FindPodCondition(p.Status.Conditions, workload.PodReady); old != nil && old.Status == want.Status {
		want.LastTransitionTime = old.LastTransitionTime
	}
	if cur := controller.FindPodCondition(conds, workload.PodReady); cur != nil && *cur == want {
		return want, false
	}
	return want, true
}

// appsDone reports whether no app container of a pod runs or will: the
// pod failed (an init container under restartPolicy Never), or every app
// container has terminated for good (one that will restart waits).
func appsDone(st *workload.PodStatus) bool {
	if st.Phase == workload.PodFailed {
		return true
	}
	for i := range st.ContainerStatuses {
		if st.ContainerStatuses[i].State.Terminated == nil {
			return false
		}
	}
	return len(st.ContainerStatuses) > 0
}

// noteContainerEvents notes the kubelet events of the change from the
// container statuses old (stored) to now (reported): a container that
// started (a new run) was created and started; one that entered
// CrashLoopBackOff waits out a back-off.
func (m *runtimeMirror) noteContainerEvents(p *workload.Pod, old, now []workload.ContainerStatus) {
	for i := range now {
		n := &now[i]
		var o *workload.ContainerStatus
		if i < len(old) && old[i].Name == n.Name {
			o = &old[i]
		}
		switch {
		case n.State.Running != nil:
			if o == nil || o.State.Running == nil || !o.State.Running.StartedAt.Time.Equal(n.State.Running.StartedAt.Time) {
				m.events = append(m.events, containerEvent{pod: p, container: n.Name, kind: evStarted})
			}
		case n.State.Waiting != nil && n.State.Waiting.Reason == reasonCrashLoopBackOff:
			if o == nil || o.State.Waiting == nil || o.State.Waiting.Reason != reasonCrashLoopBackOff || o.RestartCount != n.RestartCount {
				m.events = append(m.events, containerEvent{pod: p, container: n.Name, kind: evBackOff})
			}
		case n.State.Waiting != nil:
			w := n.State.Waiting
			if o != nil && o.State.Waiting != nil && *o.State.Waiting == *w {
				break
			}
			switch {
			case w.Reason == reasonErrImagePull:
				m.events = append(m.events, containerEvent{pod: p, container: n.Name, kind: evPullFailed, image: n.Image, msg: w.Message})
			case w.Reason == reasonImagePullBackOff:
				m.events = append(m.events, containerEvent{pod: p, container: n.Name, kind: evPullBackOff, image: n.Image})
			case createFailed[w.Reason]:
				m.events = append(m.events, containerEvent{pod: p, container: n.Name, kind: evCreateFailed, msg: w.Message})
			}
		}
	}
}

// recordEvents records the container events noted by the last merge, as
// the kubelet does (pkg/kubelet/kuberuntime, pkg/kubelet/events), and the
// Normal DeadlineExceeded event of a pod past its active deadline (and
// Killing "Stopping container <name>" for each container it stops): Created
// "Created container: <name>" and Started "Started container <name>" for
// every run, BackOff "Back-off restarting failed container <name> in pod
// <pod>_<namespace>(<uid>)" (a warning) for every back-off; for a container
// that cannot be created, the image manager's and startContainer's: a
// failed pull is Failed "Failed to pull image ..." and Failed "Error:
// ErrImagePull", one in back-off BackOff "Back-off pulling image ..." and
// Failed "Error: ImagePullBackOff", another reason Failed "Error: <message>".
// Successful pulls are not modelled, so there is no Pulling or Pulled event.
func (m *runtimeMirror) recordEvents() {
	rec := m.c.rec
	for i, e := range m.events {
		switch e.kind {
		case evStarted:
			rec.EventJoin(e.pod, workload.EventTypeNormal, "Created", "Created container: ", e.container, "")
			rec.EventJoin(e.pod, workload.EventTypeNormal, "Started", "Started container ", e.container, "")
		case evBackOff:
			rec.EventJoin(e.pod, workload.EventTypeWarning, "BackOff", "Back-off restarting failed container ", e.container,
				m.backOffSuffix(e.pod))
		case evPullFailed:
			// The image manager's EnsureImageExists, then startContainer.
			rec.EventJoin(e.pod, workload.EventTypeWarning, "Failed", "Failed to pull image ", strconv.Quote(e.image), ": ", e.msg)
			rec.Event(e.pod, workload.EventTypeWarning, "Failed", "Error: "+reasonErrImagePull)
		case evPullBackOff:
			rec.EventJoin(e.pod, workload.EventTypeNormal, "BackOff", "Back-off pulling image ", strconv.Quote(e.image))
			rec.Event(e.pod, workload.EventTypeWarning, "Failed", "Error: "+reasonImagePullBackOff)
		case evCreateFailed:
			rec.EventJoin(e.pod, workload.EventTypeWarning, "Failed", "Error: ", e.msg)
		case evKilling:
			rec.EventJoin(e.pod, workload.EventTypeNormal, "Killing", "Stopping container ", e.container, "")
		case evDeadline:
			// The kubelet's activeDeadlineHandler (ShouldEvict).
			rec.Event(e.pod, workload.EventTypeNormal, reasonDeadlineExceeded, "Pod was active on the node longer than the specified deadline")
		}
		m.events[i] = containerEvent{}
	}
	m.events = m.events[:0]
}

// backOffSuffix returns " in pod <pod>_<namespace>(<uid>)" for p, the end
// of its BackOff events' message.
func (m *runtimeMirror) backOffSuffix(p *workload.Pod) string {
	if s, ok := m.backOffIn[p.UID]; ok && p.UID != "" {
		return s
	}
	s := " in pod " + p.Name + "_" + p.Namespace + "(" + p.UID + ")"
	if p.UID == "" {
		return s
	}
	if m.backOffIn == nil || len(m.backOffIn) >= maxBackOffIn {
		m.backOffIn = map[string]string{}
	}
	m.backOffIn[p.UID] = s
	return s
}

func setPodCondition(conds []workload.PodCondition, c workload.PodCondition) []workload.PodCondition {
	for i := range conds {
		if conds[i].Type == c.Type {
			conds[i] = c
			return conds
		}
	}
	return append(conds, c)
}

// podGone handles a pod the runtime no longer has. A pod being deleted
// loses the runtime finalizer and goes. A pod that vanished (its node was
// removed) is marked Failed with a DisruptionTarget condition, then
// deleted, as Kubernetes' pod garbage collector does with the pods of a
// node that is gone (gc_controller.go gcOrphaned and
// markFailedAndDeletePodWithCondition: it applies the phase and the
// condition alone; the rest of the status, the reason and the Ready
// condition, stays as the kubelet last wrote it).
func (m *runtimeMirror) podGone(p *workload.Pod) {
	delete(m.backOffIn, p.UID)
	s := m.c.store
	now := workload.NewTime(m.c.clock.Now())
	if p.DeletionTimestamp == nil && !controller.IsPodTerminal(p) {
		p.Status.Phase = workload.PodFailed
		p.Status.Conditions = setPodCondition(p.Status.Conditions, workload.PodCondition{
			Type: workload.DisruptionTarget, Status: workload.ConditionTrue, LastTransitionTime: now,
			Reason: "DeletionByPodGC", Message: "PodGC: node no longer exists",
		})
		p.ResourceVersion = ""
		if out, err := s.UpdateStatus(p); err == nil {
			p = out.(*workload.Pod)
		}
	}
	if slices.Contains(p.Finalizers, controller.RuntimeFinalizer) {
		if err := s.RemoveFinalizer("Pod", p.Namespace, p.Name, p.UID, controller.RuntimeFinalizer); err != nil {
			m.c.logger.Warn("releasing pod failed", "pod", p.Namespace+"/"+p.Name, "err", err)
			return
		}
		if p.DeletionTimestamp != nil {
			return
		}
	}
	if p.DeletionTimestamp == nil {
		_, _ = s.Delete("Pod", p.Namespace, p.Name, store.DeleteOptions{Preconditions: store.Preconditions{UID: p.UID}, NoResult: true})
	}
}

// kubelet starts bound pods on the runtime and stops deleted ones, with
// their grace period. It runs in the node-side manager, which the control
// plane's stop does not stop.
type kubelet struct {
	c         *Cluster
	requested map[string]int64 // pod key -> grace asked of the runtime
	// unconfirmed holds, by key, the uid of the pods started on the
	// runtime in this step whose runtime finalizer is not written yet;
	// started lists their keys in the order they started. The drain
	// mirrors the runtime's reports right after the bridge's step, so
	// that a started pod's first status and its finalizer are one write,
	// and then writes the finalizer of those not reported (confirm),
	// before any controller runs.
	unconfirmed map[string]string
	started     []string
	// promised: the store holds finalizers promised to pods about to
	// start (store.PromiseFinalizer), forgotten by confirm.
	promised bool
	// orphans holds, by key, when each pod bound to a node that does not
	// exist was first seen: it is quarantined for orphanQuarantine (its
	// node may yet join) before it goes, as the pod GC's gcOrphaned. A
	// pod bound to a Node object that no runtime reports waits here with
	// a zero time, for as long as the Node object exists.
	orphans map[string]time.Time
	// specGen holds, by key, the metadata.generation of the spec the
	// runtime last got for the started pods whose spec changed after
	// their creation (generation above 1): a pod whose generation differs
	// gets UpdatePod (updateSpec).
	specGen map[string]int64
}

// orphanQuarantine is how long a pod bound to a node that does not exist
// waits for the node before it is deleted: Kubernetes' pod GC quarantine
// (quarantineTime, 40 s; it then deletes on its next 20 s pass, here at
// once).
const orphanQuarantine = 40 * time.Second

func newKubelet(c *Cluster) *kubelet {
	return &kubelet{c: c, requested: map[string]int64{}, unconfirmed: map[string]string{}, orphans: map[string]time.Time{},
		specGen: map[string]int64{}}
}

// confirm puts the runtime finalizer on the pods started in the last step
// that do not have it yet (the runtime has not reported them), as one
// update each that shares the rest with the stored pod.
func (k *kubelet) confirm() {
	for _, key := range k.started {
		uid, ok := k.unconfirmed[key]
		if !ok {
			continue
		}
		delete(k.unconfirmed, key)
		ns, name, _ := strings.Cut(key, "/")
		o, err := k.c.store.Peek("Pod", ns, name)
		if err != nil {
			continue
		}
		p := o.(*workload.Pod)
		if p.UID != uid || slices.Contains(p.Finalizers, controller.RuntimeFinalizer) {
			continue
		}
		if err := k.markStarted(p); err != nil {
			k.c.logger.Warn("marking pod started failed", "pod", key, "err", err)
		}
	}
	clear(k.unconfirmed)
	clear(k.started)
	k.started = k.started[:0]
	if k.promised {
		k.c.store.ForgetPromisedFinalizers()
		k.promised = false
	}
}

func (k *kubelet) Name() string { return "kubelet" }

func (k *kubelet) Start(enqueue func(string)) {
	for _, o := range k.c.store.List("Pod", "", nil) {
		if o.(*workload.Pod).Spec.NodeName != "" {
			enqueue(workload.Key(o))
		}
	}
}

func (k *kubelet) Handle(ev store.Event, enqueue func(string)) {
	if n, ok := ev.Object.(*workload.Node); ok {
		if len(k.orphans) > 0 {
			// A quarantined pod's node joined: it starts there now; a
			// waiting pod's Node object was reported by the runtime (it
			// starts) or deleted (it is an orphan now).
			keys := make([]string, 0, len(k.orphans))
			for key := range k.orphans {
				keys = append(keys, key)
			}
			slices.Sort(keys)
			for _, key := range keys {
				ns, name, _ := strings.Cut(key, "/")
				if o, err := k.c.store.Peek("Pod", ns, name); err == nil && o.(*workload.Pod).Spec.NodeName == n.Name {
					enqueue(key)
				}
			}
		}
		return
	}
	p, ok := ev.Object.(*workload.Pod)
	if !ok {
		return
	}
	if ev.Type == store.Deleted {
		delete(k.requested, ev.ObjectKey())
		delete(k.orphans, ev.ObjectKey())
		delete(k.specGen, ev.ObjectKey())
		return
	}
	// Only a bound pod that is not started yet, or a started one being
	// deleted, needs the kubelet; status updates of running pods do not,
	// unless they change a readiness gate's condition.
	started := slices.Contains(p.Finalizers, controller.RuntimeFinalizer)
	if p.Spec.NodeName != "" && (started == (p.DeletionTimestamp != nil)) {
		enqueue(ev.ObjectKey())
	} else if started && k.specChanged(ev.ObjectKey(), p) {
		enqueue(ev.ObjectKey())
	} else if started && len(p.Spec.ReadinessGates) > 0 {
		if _, change := gateChange(p, k.c.clock.Now()); change {
			enqueue(ev.ObjectKey())
		}
	}
}

func (k *kubelet) Reconcile(ctx context.Context, key string) (controller.Result, error) {
	ns, name, _ := strings.Cut(key, "/")
	o, err := k.c.store.Peek("Pod", ns, name) // read-only: the stored pod itself
	if errors.Is(err, store.ErrNotFound) {
		delete(k.requested, key)
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	p := o.(*workload.Pod)
	started := slices.Contains(p.Finalizers, controller.RuntimeFinalizer)
	if p.DeletionTimestamp != nil {
		if !started {
			return controller.Result{}, nil
		}
		grace := int64(30)
		if p.Spec.TerminationGracePeriodSeconds != nil {
			grace = *p.Spec.TerminationGracePeriodSeconds
		}
		if p.DeletionGracePeriodSeconds != nil {
			grace = *p.DeletionGracePeriodSeconds
		}
		if last, ok := k.requested[key]; ok && last <= grace {
			return controller.Result{}, nil
		}
		if _, again := k.requested[key]; !again {
			// As the kubelet's killContainer: one event a running
			// container, sidecars (running init containers) included.
			for _, sts := range [2][]workload.ContainerStatus{p.Status.ContainerStatuses, p.Status.InitContainerStatuses} {
				for i := range sts {
					if cs := &sts[i]; cs.State.Running != nil {
						k.c.rec.EventJoin(p, workload.EventTypeNormal, "Killing", "Stopping container ", cs.Name, "")
					}
				}
			}
		}
		err := k.c.rt.DeletePod(ctx, ns, name, secondsToDuration(grace))
		if errors.Is(err, workload.ErrPodNotFound) {
			k.c.mirror.podGone(p.DeepCopy())
			return controller.Result{}, nil
		}
		if err != nil {
			return controller.Result{}, err
		}
		k.requested[key] = grace
		if grace <= 0 {
			// A force deletion (grace 0) removes the pod from the API at
			// once, without waiting for the kubelet to confirm, as
			// `kubectl delete --force --grace-period=0` does: the only
			// way to free the name of a pod on an unreachable node.
			if err := k.c.store.RemoveFinalizer("Pod", ns, name, p.UID, controller.RuntimeFinalizer); err != nil && !errors.Is(err, store.ErrNotFound) {
				return controller.Result{}, err
			}
		}
		return controller.Result{}, nil
	}
	if started && k.specChanged(key, p) {
		if err := k.updateSpec(ctx, key, p); err != nil {
			return controller.Result{}, err
		}
	}
	if started && len(p.Spec.ReadinessGates) > 0 {
		// A readiness gate's condition changed (set through the API):
		// the kubelet updates the pod's Ready condition.
		if c, change := gateChange(p, k.c.clock.Now()); change {
			np := *p // a shallow copy: only the status below is new
			np.Status = *p.Status.DeepCopy()
			np.Status.Conditions = setPodCondition(np.Status.Conditions, c)
			if err := k.c.store.SetStatus(&np); err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) {
				return controller.Result{}, err
			}
		}
		return controller.Result{}, nil
	}
	if started || p.Spec.NodeName == "" || controller.IsPodTerminal(p) {
		return controller.Result{}, nil
	}
	if k.c.mirror.reported[p.Spec.NodeName] == nil {
		if _, err := k.c.store.Peek("Node", "", p.Spec.NodeName); err == nil {
			// A Node object that no runtime reports (applied): no kubelet
			// admits or runs the pod. It stays Pending, as in Kubernetes,
			// until the runtime reports the node or the Node object is
			// deleted (then it is an orphan).
			k.orphans[key] = time.Time{}
			return controller.Result{}, nil
		}
	}
	if reason, msg := k.admit(p); reason != "" {
		// The kubelet learns of a pod through its watch and reports a
		// rejection through its status manager: not in the instant the
		// pod was bound. A second stands for that round trip, so that a
		// controller that replaces rejected pods (a ReplicaSet, a
		// StatefulSet, as in Kubernetes) makes about one a second rather
		// than looping at one virtual instant.
		if wait := p.CreationTimestamp.Add(admitRejectLatency).Sub(k.c.clock.Now()); wait > 0 {
			return controller.Result{RequeueAfter: wait}, nil
		}
		np := *p // a shallow copy: only the status below is new
		np.Status = *p.Status.DeepCopy()
		np.Status.Phase, np.Status.Reason, np.Status.Message = workload.PodFailed, reason, "Pod was rejected: "+msg
		np.ResourceVersion = ""
		k.c.rec.Eventf(p, workload.EventTypeWarning, reason, "%s", msg)
		if err := k.c.store.SetStatus(&np); err != nil && !errors.Is(err, store.ErrNotFound) {
			return controller.Result{}, err
		}
		return controller.Result{}, nil
	}
	if p.UID != "" {
		// Its finalizer is written after the start (with the first
		// report, or by confirm); a Delete in between is graceful all
		// the same.
		k.c.store.PromiseFinalizer(p.UID, controller.RuntimeFinalizer)
		k.promised = true
	}
	// The stored pod itself: a runtime never changes it and may keep it
	// (workload.Runtime), and stored pods are never changed: no copy.
	err = k.c.rt.CreatePod(ctx, p)
	switch {
	case err == nil, errors.Is(err, workload.ErrPodExists):
		if len(k.orphans) > 0 {
			delete(k.orphans, key)
		}
	case errors.Is(err, workload.ErrNodeNotFound):
		// Bound to a node that does not exist: the pod cannot start. As
		// Kubernetes' pod GC of orphaned pods (gcOrphaned), it waits
		// orphanQuarantine for the node to join, then is marked Failed
		// (DisruptionTarget DeletionByPodGC) and deleted; its controller
		// makes another.
		now := k.c.clock.Now()
		since, seen := k.orphans[key]
		if !seen || since.IsZero() {
			// No kubelet has the pod: nothing records an event for it
			// (as in Kubernetes, where it only stays Pending).
			since = now
			k.orphans[key] = now
		}
		if wait := since.Add(orphanQuarantine).Sub(now); wait > 0 {
			return controller.Result{RequeueAfter: wait}, nil
		}
		delete(k.orphans, key)
		k.c.mirror.podGone(p.DeepCopy())
		return controller.Result{}, nil
	default:
		k.c.rec.Eventf(p, workload.EventTypeWarning, "FailedCreatePodSandBox", "starting the pod failed: %v", err)
		return controller.Result{}, err
	}
	if p.Generation > 1 {
		k.specGen[key] = p.Generation // started with the spec as updated
	}
	if p.UID != "" {
		// The finalizer comes with the runtime's first report, or from
		// confirm: both before any controller runs.
		if _, ok := k.unconfirmed[key]; !ok {
			k.unconfirmed[key] = p.UID
			k.started = append(k.started, key)
		}
		return controller.Result{}, nil
	}
	return controller.Result{}, k.markStarted(p)
}

// specChanged reports whether the spec of p, a started pod not being
// deleted, changed since the runtime got it (an update: its
// metadata.generation moved past the one the runtime has).
func (k *kubelet) specChanged(key string, p *workload.Pod) bool {
	return p.DeletionTimestamp == nil && p.Generation > 1 && k.specGen[key] != p.Generation
}

// updateSpec gives the runtime the updated spec of started pod p, as a
// kubelet syncs a pod whose spec changed (workload.PodUpdater: a running
// container whose image changed is stopped and started again with it),
// and records the Killing event "Container <name> definition changed,
// will be restarted" for each running app container or sidecar whose
// image differs from the one it runs, as the kubelet's killContainer
// records one before it stops a container (computePodActions). A runtime
// that does not implement PodUpdater keeps running the pod as created.
func (k *kubelet) updateSpec(ctx context.Context, key string, p *workload.Pod) error {
	u, ok := k.c.rt.(workload.PodUpdater)
	if !ok {
		k.specGen[key] = p.Generation
		return nil
	}
	if err := u.UpdatePod(ctx, p); err != nil && !errors.Is(err, workload.ErrPodNotFound) {
		return err
	}
	k.specGen[key] = p.Generation
	changed := func(specs []workload.Container, sts []workload.ContainerStatus, init bool) {
		for i := range specs {
			if init && !workload.IsSidecar(&specs[i]) {
				continue
			}
			for j := range sts {
				if cs := &sts[j]; cs.Name == specs[i].Name && cs.State.Running != nil && cs.Image != specs[i].Image {
					k.c.rec.EventJoin(p, workload.EventTypeNormal, "Killing", "Container ", cs.Name, " definition changed, will be restarted")
				}
			}
		}
	}
	changed(p.Spec.InitContainers, p.Status.InitContainerStatuses, true)
	changed(p.Spec.Containers, p.Status.ContainerStatuses, false)
	return nil
}

// markStarted puts the runtime finalizer on the stored pod p, in an update
// of a shallow copy with a new finalizer list that the store adopts: it
// shares the rest with the stored pod, which nobody changes. A pod gone
// meanwhile is not an error.
func (k *kubelet) markStarted(p *workload.Pod) error {
	np := *p
	np.Finalizers = append(slices.Clip(p.Finalizers), controller.RuntimeFinalizer)
	np.ResourceVersion = ""
	if _, err := k.c.store.Update(&np, store.NoResult, store.Adopt); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// isStarted reports whether the bridge started q on the runtime: q has the
// runtime finalizer, or is about to get it (unconfirmed).
func (k *kubelet) isStarted(q *workload.Pod) bool {
	if slices.Contains(q.Finalizers, controller.RuntimeFinalizer) {
		return true
	}
	return len(k.unconfirmed) > 0 && q.UID != "" && k.unconfirmed[workload.Key(q)] == q.UID
}

// systemCriticalPriority is Kubernetes' scheduling.SystemCriticalPriority:
// a pod of this priority or more is critical (kubelettypes.IsCriticalPod).
const systemCriticalPriority = 2000000000

// pressureAdmit is the eviction manager's admission (eviction_manager.go
// Admit), which the kubelet runs before its other checks on every pod:
// while the node has a True MemoryPressure, DiskPressure or PIDPressure
// condition, a pod that is not critical is rejected, reason Evicted,
// "The node had condition: [MemoryPressure]. ", except under memory
// pressure alone a pod that is not BestEffort or that tolerates
// node.kubernetes.io/memory-pressure:NoSchedule.
func pressureAdmit(p *workload.Pod, node *workload.Node) (reason, message string) {
	var conds []string
	for _, typ := range []string{workload.NodeMemoryPressure, workload.NodeDiskPressure, workload.NodePIDPressure} {
		for _, c := range node.Status.Conditions {
			if c.Type == typ && c.Status == workload.ConditionTrue {
				conds = append(conds, typ)
				break
			}
		}
	}
	if len(conds) == 0 || p.Spec.Priority != nil && *p.Spec.Priority >= systemCriticalPriority {
		return "", ""
	}
	if len(conds) == 1 && conds[0] == workload.NodeMemoryPressure {
		if workload.PodQOSClass(p) != workload.PodQOSBestEffort {
			return "", ""
		}
		t := workload.Taint{Key: workload.TaintNodeMemoryPressure, Effect: workload.TaintEffectNoSchedule}
		if slices.ContainsFunc(p.Spec.Tolerations, func(tol workload.Toleration) bool { return scheduler.ToleratesTaint(&tol, &t) }) {
			return "", ""
		}
	}
	return "Evicted", "The node had condition: [" + strings.Join(conds, " ") + "]. "
}

// nodeHasResource reports whether the node lists a resource in its
// capacity or allocatable.
func nodeHasResource(n *workload.Node, name string) bool {
	_, inAlloc := n.Status.Allocatable[name]
	_, inCap := n.Status.Capacity[name]
	return inAlloc || inCap
}

// admitRejectLatency is how long after its creation a pod the kubelet
// rejects is rejected (see kubelet.Reconcile).
const admitRejectLatency = time.Second

// admit is the kubelet's admission of a pod bound to its node
// (pkg/kubelet/lifecycle/predicate.go): the node's pods limit and
// resources against the pods it has admitted (an extended resource the
// node does not list at all is not checked), nodeSelector and required
// node affinity, host ports, and NoExecute taints, in that order
// (generalFilter: scheduler.AdmissionCheck, then the taints), the first
// that fails giving the reason. It returns the reason
// and message of a rejection ("OutOfcpu", "Node didn't have enough
// resource: cpu, requested: 8000, used: 0, capacity: 1000"), or "". Pods
// the scheduler placed were checked against the same node already and
// are admitted as they are, but for the node's pressure conditions
// (pressureAdmit), which the eviction manager checks first for every pod.
func (k *kubelet) admit(p *workload.Pod) (reason, message string) {
	o, err := k.c.store.Peek("Node", "", p.Spec.NodeName)
	if err != nil {
		return "", "" // no such node: the runtime says so
	}
	node := o.(*workload.Node)
	if reason, msg := pressureAdmit(p, node); reason != "" {
		return reason, msg
	}
	if c := controller.PodCondition(p, workload.PodScheduled); c != nil && c.Status == workload.ConditionTrue {
		return "", ""
	}
	var admitted []*workload.Pod
	for _, q := range k.c.store.ListPodsOnNode(node.Name) {
		if q.UID != p.UID && k.isStarted(q) && !controller.IsPodTerminal(q) {
			admitted = append(admitted, q)
		}
	}
	snap, err := scheduler.NewSnapshot([]*workload.Node{node}, admitted)
	if err != nil {
		return "", ""
	}
	ni := snap.Node(node.Name)
	pi, err := scheduler.NewPodInfo(p)
	if err != nil {
		return "UnexpectedAdmissionError", err.Error()
	}
	// The first resource short, in the order Kubernetes checks them.
	alloc, pods := ni.Allocatable()
	used := ni.Requested()
	short := func(name string, requested, used, capacity int64) (string, string) {
		return "OutOf" + name, fmt.Sprintf("Node didn't have enough resource: %s, requested: %d, used: %d, capacity: %d", name, requested, used, capacity)
	}
	if n := int64(len(ni.Pods)); n+1 > pods {
		return short(workload.ResourcePods, 1, n, pods)
	}
	if r := pi.Requests.MilliCPU; r > 0 && r > alloc.MilliCPU-used.MilliCPU {
		return short(workload.ResourceCPU, r, used.MilliCPU, alloc.MilliCPU)
	}
	if r := pi.Requests.Memory; r > 0 && r > alloc.Memory-used.Memory {
		return short(workload.ResourceMemory, r, used.Memory, alloc.Memory)
	}
	for _, name := range slices.Sorted(maps.Keys(pi.ScalarRequests)) {
		if !strings.HasPrefix(name, "hugepages-") && !nodeHasResource(node, name) {
			// An extended resource the node does not have at all is
			// left out (predicate.go removeMissingExtendedResources: it
			// may be a cluster-level resource): the scheduler's concern.
			continue
		}
		a, u := ni.Scalar(name)
		if r := pi.ScalarRequests[name]; r > 0 && r > a-u {
			return short(name, r, u, a)
		}
	}
	for _, f := range []scheduler.Filter{scheduler.NodeSelectorFilter{}, scheduler.NodeAffinityFilter{}} {
		if ok, _ := f.Filter(pi, ni); !ok {
			return "NodeAffinity", "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector"
		}
	}
	if ok, _ := (scheduler.HostPortsFilter{}).Filter(pi, ni); !ok {
		return "NodePorts", "Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports"
	}
	for i := range node.Spec.Taints {
		t := &node.Spec.Taints[i]
		if t.Effect != workload.TaintEffectNoExecute {
			continue
		}
		if !slices.ContainsFunc(p.Spec.Tolerations, func(tol workload.Toleration) bool { return scheduler.ToleratesTaint(&tol, t) }) {
			return "TaintToleration", "Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate"
		}
	}
	return "", ""
}
