package workload

import (
	"context"
	"errors"
	"time"
)

// Watch event types, as in Kubernetes' watch API.
const (
	Added    = "ADDED"
	Modified = "MODIFIED"
	Deleted  = "DELETED"
)

// WatchEvent is one change seen by a watch: the object as it is after the
// change (for Deleted, as it was last), and the version the change made.
// The object is shared by every watcher of the change: treat it as
// read-only and DeepCopyObject it before modifying it.
type WatchEvent struct {
	Type    string
	Object  Object
	Version uint64
	// Key is Key(Object) when the source knows it without building it:
	// the store sets it on every event, one string per stored object
	// that every watcher shares, so that handlers keying caches and
	// queues by it allocate nothing. Runtimes may leave it empty; read it
	// with ObjectKey.
	Key string
	// Report is set, and Object nil, only in the events of
	// StatusWatcher.TryNextReports: a pod's new status as its runtime
	// reported it.
	Report *PodStatusReport
}

// PodStatusReport is a pod's status as its runtime reports it, the way a
// kubelet writes a pod's status subresource: which pod (namespace, name,
// uid) and its whole new status. Like an event's object, it is shared and
// read-only: the runtime never modifies it, nor anything it points to,
// once reported.
type PodStatusReport struct {
	Namespace, Name, UID string
	Status               PodStatus
}

// ObjectKey returns ev.Key, or Key(ev.Object) when the source left it
// empty.
func (ev *WatchEvent) ObjectKey() string {
	if ev.Key != "" {
		return ev.Key
	}
	return Key(ev.Object)
}

// Watcher is a stream of changes, delivered in version order with no gap
// and no duplicate. It is implemented by store.Watcher and by every
// Runtime's watch.
type Watcher interface {
	// TryNext returns the next change if one is ready, without blocking.
	TryNext() (WatchEvent, bool)
	// Next blocks until a change is ready, the watch ends (it then returns
	// the reason, see Err), or ctx is done.
	Next(ctx context.Context) (WatchEvent, error)
	// Ready returns a channel that receives a value when a change becomes
	// ready after a TryNext found none; for loops that select.
	Ready() <-chan struct{}
	// Stop ends the watch and releases its resources. It is idempotent.
	Stop()
	// Err returns why the watch ended, or nil while it runs.
	Err() error
}

// BatchWatcher is a Watcher that also hands over the changes that are ready
// several at a time, for loops that drain a watch: one call (one lock)
// where TryNext takes one per change. store.Watcher and the watches of
// orchestra's runtimes implement it; readers of a Watcher use it when it
// is there (a type assertion) and TryNext otherwise.
type BatchWatcher interface {
	Watcher
	// TryNextBatch fills buf[:0] with the changes that are ready, in
	// order, as many as fit in cap(buf), and returns it; it returns an
	// empty slice when none is ready or the watch has ended (see Err). It
	// never blocks. The caller owns buf and its contents.
	TryNextBatch(buf []WatchEvent) []WatchEvent
}

// StatusWatcher is a BatchWatcher that can hand over a pod's status
// change as a PodStatusReport instead of a whole pod: a runtime reports
// status changes that way (as a kubelet writes the status subresource),
// and a reader that needs only the status (the cluster's runtime mirror)
// saves building a pod per change. The fake runtime's watches implement
// it.
type StatusWatcher interface {
	BatchWatcher
	// TryNextReports is TryNextBatch, except that a Modified event of a
	// pod whose status alone changed may come with its Report set and its
	// Object nil. The pod's metadata and spec are those of its last event
	// with an Object; its resourceVersion is the event's Version.
	TryNextReports(buf []WatchEvent) []WatchEvent
}

// KubeletSilentSinceAnnotation marks a node a runtime reports whose
// kubelet has stopped posting its status (a crashed kubelet, a node cut
// off): its value is the time of the kubelet's last heartbeat, in RFC 3339
// with nanoseconds. A runtime reports a node whose kubelet is alive as
// heartbeating all the time, without a report per heartbeat (Kubernetes'
// kubelet renews its node Lease every 10 s); it adds this annotation,
// with the node's status as last posted, when the kubelet goes silent, and
// reports the node without it, with the kubelet's fresh status, when the
// kubelet posts again. The node lifecycle controller marks the node's
// conditions Unknown once the node monitor grace period has passed since
// that heartbeat, as Kubernetes' node lifecycle controller does when a
// node's Lease and status stop moving. It is the runtime's own: the cluster
// keeps it only while the runtime reports it.
const KubeletSilentSinceAnnotation = "orchestra.dev/kubelet-silent-since"

// Runtime is the seam between orchestra's control plane and whatever runs
// pods: the fake in-memory runtime (package fake), Go functions (package
// inproc), OS processes (package process), or, later, a Kubernetes cluster.
// The controllers never know which one they drive.
//
// A Runtime reports nodes and pods as Kubernetes' kubelets and node
// registry do: List gives the current state and the version it is at, and
// Watch streams the changes after a version. Pod status (phase, conditions,
// container states, restarts, exit codes, IP, times) changes only through
// these reports. Restart policy, crash-loop back-off and probes are the
// runtime's job, as they are the kubelet's.
//
// Every method is safe for concurrent use and may fail: callers retry with
// back-off. Nothing in the interface assumes the runtime lives in the same
// process.
type Runtime interface {
	// List returns the nodes and pods the runtime has now (each a copy the
	// caller owns), sorted by namespace and name, and the version of that
	// state, to pass to Watch.
	List(ctx context.Context) (nodes []*Node, pods []*Pod, version uint64, err error)
	// Watch streams every node and pod change after version: Added,
	// Modified and Deleted events whose Object is a *Node or a *Pod. An
	// event's object is a snapshot: the runtime never modifies it (nor
	// anything it points to) once reported, and receivers treat it as
	// read-only, so they may keep it, or parts of it, without a copy. When
	// the runtime can no longer serve changes from that version, Watch (or
	// the watch later) ends with an error wrapping ErrWatchExpired, and
	// the caller lists again.
	Watch(ctx context.Context, version uint64) (Watcher, error)
	// CreatePod starts pod on the node its spec.nodeName names. The pod's
	// metadata (name, namespace, uid, labels, owners) is kept as given. It
	// fails with an error wrapping ErrNodeNotFound when that node does not
	// exist and ErrPodExists when a pod of that namespace and name does.
	//
	// The runtime must not change pod, nor anything it points to, but it
	// may keep them (the fake shares the pod's metadata and spec with its
	// snapshots rather than copy them): the caller gives the pod up and
	// must not change it, nor anything it points to, once CreatePod is
	// called. The cluster passes its stored pod, which nobody changes.
	CreatePod(ctx context.Context, pod *Pod) error
	// DeletePod stops a pod: its containers are asked to stop, are killed
	// when grace has passed, and the pod is then gone (a Deleted event). A
	// grace of 0 kills at once. It fails with an error wrapping
	// ErrPodNotFound when there is no such pod.
	DeletePod(ctx context.Context, namespace, name string, grace time.Duration) error
}

// PodUpdater is implemented by runtimes that act on an update of a running
// pod's spec, as a kubelet syncs a pod whose spec changed. The fields an
// update may change (ValidateUpdate) are few; of them, the kubelet acts on
// these: a running app container or sidecar whose image changed (its
// definition changed: kuberuntime's containerChanged sees another spec
// hash) is stopped as a deleted pod's containers are (SIGTERM, killed
// when terminationGracePeriodSeconds have passed) and started again at
// once with the new image, whatever the restart policy, its restartCount
// one more; a container waiting to start or restart takes the new image
// when it starts (at once if it waited out a crash-loop back-off: the
// back-off is kept per container definition); an activeDeadlineSeconds
// lowered takes effect. The cluster calls it with the stored pod when a
// started pod's spec changes (its metadata.generation).
type PodUpdater interface {
	// UpdatePod gives the runtime the pod's new spec (and metadata). As
	// with CreatePod, the runtime may keep pod and the caller must not
	// change it afterwards. It fails with an error wrapping
	// ErrPodNotFound when the runtime has no such pod (another uid
	// included), and changes nothing when the update adds, removes or
	// renames a container.
	UpdatePod(ctx context.Context, pod *Pod) error
}

// KubeletEvent is an event a runtime's kubelet records about a pod that
// the pod's status does not show, as Kubernetes' kubelet records it to
// the API server: a probe that failed (Warning Unhealthy "Liveness probe
// failed: <output>"), a container killed because a probe failed (Normal
// Killing "Container <name> failed liveness probe, will be restarted").
type KubeletEvent struct {
	// Namespace, Name and UID name the pod.
	Namespace, Name, UID string
	// Container is the container concerned, or "".
	Container string
	// Type is EventTypeNormal or EventTypeWarning; Reason and Message
	// are the kubelet's.
	Type, Reason, Message string
}

// EventReporter is implemented by runtimes whose kubelets record events
// that their pods' status does not show (KubeletEvent). A cluster sets
// the sink when it is made and clears it (nil) when it is closed. The
// runtime calls the sink as the kubelet would record the event, possibly
// on goroutines of its own and with its locks held: the sink must be
// quick, safe for concurrent use and must not call the runtime.
type EventReporter interface {
	SetEventSink(sink func(KubeletEvent))
}

// LogReader is implemented by runtimes that keep container logs, like
// `kubectl logs`.
type LogReader interface {
	// Logs returns what the named container of the pod wrote (stdout and
	// stderr interleaved); previous asks for the run its lastState
	// describes (while it waits in CrashLoopBackOff, the run that just
	// ended), as kubectl logs --previous.
	Logs(ctx context.Context, namespace, pod, container string, previous bool) ([]byte, error)
}

// Errors a Runtime returns, wrapped with the object they concern.
var (
	// ErrNodeNotFound: CreatePod named a node the runtime does not have.
	ErrNodeNotFound = errors.New("workload: node not found")
	// ErrPodExists: CreatePod for a namespace/name the runtime already runs.
	ErrPodExists = errors.New("workload: pod already exists")
	// ErrPodNotFound: DeletePod for a pod the runtime does not have.
	ErrPodNotFound = errors.New("workload: pod not found")
	// ErrWatchExpired: the watch cannot continue from the version asked
	// for; list again and watch from the list's version.
	ErrWatchExpired = errors.New("workload: watch expired, list again")
)
