package scheduler

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/orchestra-go/orchestra/workload"
)

// ErrNoNodeFits is returned by Scheduler.Schedule, wrapped in a *FitError,
// when no node passes the filters. The pod stays Pending: record
// FitError.Condition on it, emit a FailedScheduling event with
// FitError.Message, and schedule it again when nodes or pods change.
var ErrNoNodeFits = errors.New("scheduler: no node fits")

// ErrInvalidPod is returned (wrapped, naming the pod and the field) by
// Schedule, NewPodInfo and Snapshot.AddPod when a pod cannot be evaluated:
// nil, nameless, or (Schedule, NewPodInfo) with a node affinity, inter-pod
// affinity or topology spread constraint Kubernetes' validation would have
// refused. Retrying does not help until the pod changes.
var ErrInvalidPod = errors.New("scheduler: invalid pod")

// ErrInvalidNode is returned (wrapped, naming the field) by
// Snapshot.AddNode and NewNodeInfo for a nil or nameless node.
var ErrInvalidNode = errors.New("scheduler: invalid node")

// Reasons a node does not fit, worded as kube-scheduler's plugins word
// them so that messages read the same.
const (
	ReasonNodeName      = "node(s) didn't match the requested node name"
	ReasonUnschedulable = "node(s) were unschedulable"
	ReasonNodeAffinity  = "node(s) didn't match Pod's node affinity/selector"
	// ReasonPreFilterNodeAffinity is the reason of the nodes a required
	// matchFields metadata.name In [x] term leaves out before filtering
	// (kube-scheduler's NodeAffinity PreFilter result: DaemonSet pods).
	ReasonPreFilterNodeAffinity = "node(s) didn't satisfy plugin(s) [NodeAffinity]"
	ReasonHostPorts             = "node(s) didn't have free ports for the requested pod ports"
	ReasonTooManyPods           = "Too many pods"
	ReasonInsufficientCPU       = "Insufficient cpu"
	ReasonInsufficientMemory    = "Insufficient memory"
	// ReasonTermsConflict is the PreFilterMsg of a pod whose required
	// terms each name two different nodes (matchFields metadata.name In),
	// as kube-scheduler's NodeAffinity PreFilter words it.
	ReasonTermsConflict = "pod affinity terms conflict"
	// Inter-pod affinity (kube-scheduler's InterPodAffinity filter): the
	// node is in no domain holding a pod the required affinity terms
	// match (or lacks a term's topology key); it is in a domain holding a
	// pod a required anti-affinity term matches; a pod in its domain has
	// a required anti-affinity term that matches the pod.
	ReasonAffinityRulesNotMatch             = "node(s) didn't match pod affinity rules"
	ReasonAntiAffinityRulesNotMatch         = "node(s) didn't match pod anti-affinity rules"
	ReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules"
	// Topology spread (kube-scheduler's PodTopologySpread filter): the
	// pod would skew its domain too far, or the node lacks a
	// DoNotSchedule constraint's topology key.
	ReasonSpreadConstraintsNotMatch = "node(s) didn't match pod topology spread constraints"
	ReasonSpreadMissingLabel        = ReasonSpreadConstraintsNotMatch + " (missing required label)"
)

// ReasonNotReady is the reason for a node whose Ready condition is False,
// and ReasonUnreachable for one whose Ready condition is Unknown or
// missing: the words Kubernetes uses for the not-ready and unreachable
// taints such a node carries.
const (
	ReasonNotReady    = "node(s) had untolerated taint {" + workload.TaintNodeNotReady + ": }"
	ReasonUnreachable = "node(s) had untolerated taint {" + workload.TaintNodeUnreachable + ": }"
)

func taintReason(key, value string) string {
	return "node(s) had untolerated taint {" + key + ": " + value + "}"
}

// Strings for the pod condition and events of a scheduling attempt.
const (
	// ConditionReasonUnschedulable is the reason of PodScheduled=False.
	ConditionReasonUnschedulable = "Unschedulable"
	// EventFailedScheduling is the reason of the Warning event for a pod
	// that fits nowhere; its message is FitError.Message.
	EventFailedScheduling = "FailedScheduling"
	// EventScheduled is the reason of the Normal event for a bound pod;
	// its message is ScheduledMessage.
	EventScheduled = "Scheduled"
)

// FitError says why a pod fits on no node. It wraps ErrNoNodeFits.
type FitError struct {
	// Pod is the pod's "namespace/name".
	Pod string
	// NumAllNodes is how many nodes the snapshot held.
	NumAllNodes int
	// Reasons maps each node that was evaluated to why it does not fit.
	// A reason naming several causes separates them with ", ".
	Reasons map[string]string
	// Unconsidered counts the nodes that were not evaluated one by one
	// because the pod is pinned to other nodes (spec.nodeName, or
	// required terms that each name a node with matchFields metadata.name
	// In [x]); UnconsideredReason is the reason that counts for each of
	// them.
	Unconsidered       int
	UnconsideredReason string
	// PreFilterMsg, when set, is why the pod fits no node before any node
	// is looked at (kube-scheduler's PreFilter): ReasonTermsConflict. The
	// message is then "0/3 nodes are available: " and it.
	PreFilterMsg string
	// Resolvable counts the evaluated nodes where evicting pods could make
	// room: those that failed only for resources (each request within the
	// node's allocatable) or host ports, where kube-scheduler's
	// DefaultPreemption looks for victims. On every other node (taints,
	// affinity, a cordon, a request larger than the whole node) preemption
	// is not helpful. Preemption itself is not modelled: no pod is evicted.
	Resolvable int
}

// Preemption's words for a node (kube-scheduler's DefaultPreemption
// PostFilter): no lower-priority pod to evict there, or nothing evicting
// could change.
const (
	PreemptionNoVictims  = "No preemption victims found for incoming pod"
	PreemptionNotHelpful = "Preemption is not helpful for scheduling"
)

// Error returns "scheduler: no node fits: pod ns/name: " and Message.
func (e *FitError) Error() string {
	return ErrNoNodeFits.Error() + ": pod " + e.Pod + ": " + e.Message()
}

// Unwrap returns ErrNoNodeFits.
func (e *FitError) Unwrap() error { return ErrNoNodeFits }

// Message is the summary kube-scheduler writes in the FailedScheduling
// event and the PodScheduled condition: "0/3 nodes are available: 1
// node(s) had untolerated taint {dedicated: db}, 2 Insufficient cpu.
// preemption: 0/3 nodes are available: 2 No preemption victims found for
// incoming pod, 1 Preemption is not helpful for scheduling.." Each reason
// is counted over the nodes it applies to, and the "count reason" strings
// are sorted as strings, as Kubernetes does (framework.FitError.Error);
// the preemption part is what DefaultPreemption's PostFilter adds when it
// finds no victims, with the double period Kubernetes prints. Pods of one
// priority never preempt each other, so it finds none. With no nodes at
// all it is "no nodes available to schedule pods".
func (e *FitError) Message() string {
	if e.NumAllNodes == 0 {
		return "no nodes available to schedule pods"
	}
	return e.filterMessage() + e.preemptionMessage()
}

// preemptionMessage is " preemption: 0/n nodes are available: ...." with
// the nodes where preemption might help (Resolvable) and those where it
// cannot.
func (e *FitError) preemptionMessage() string {
	resolvable := min(max(e.Resolvable, 0), e.NumAllNodes)
	parts := make([]string, 0, 2)
	if resolvable > 0 {
		parts = append(parts, strconv.Itoa(resolvable)+" "+PreemptionNoVictims)
	}
	if n := e.NumAllNodes - resolvable; n > 0 {
		parts = append(parts, strconv.Itoa(n)+" "+PreemptionNotHelpful)
	}
	sort.Strings(parts)
	return fmt.Sprintf(" preemption: 0/%d nodes are available: %s..", e.NumAllNodes, strings.Join(parts, ", "))
}

// filterMessage is the message's first sentence: the filters' reasons.
func (e *FitError) filterMessage() string {
	if e.PreFilterMsg != "" {
		return fmt.Sprintf("0/%d nodes are available: %s.", e.NumAllNodes, e.PreFilterMsg)
	}
	counts := make(map[string]int)
	for _, r := range e.Reasons {
		for part := range strings.SplitSeq(r, ", ") {
			counts[part]++
		}
	}
	if e.Unconsidered > 0 {
		counts[e.UnconsideredReason] += e.Unconsidered
	}
	parts := make([]string, 0, len(counts))
	for r, c := range counts {
		parts = append(parts, strconv.Itoa(c)+" "+r)
	}
	sort.Strings(parts)
	msg := fmt.Sprintf("0/%d nodes are available:", e.NumAllNodes)
	if len(parts) > 0 {
		msg += " " + strings.Join(parts, ", ") + "."
	}
	return msg
}

// Condition returns the PodScheduled=False condition Kubernetes sets on a
// pod that fits nowhere, with now as its transition time. The caller keeps
// the old transition time when the pod already had this condition.
func (e *FitError) Condition(now workload.Time) workload.PodCondition {
	return workload.PodCondition{
		Type:               workload.PodScheduled,
		Status:             workload.ConditionFalse,
		LastTransitionTime: now,
		Reason:             ConditionReasonUnschedulable,
		Message:            e.Message(),
	}
}

// ScheduledMessage is the message of the Scheduled event:
// "Successfully assigned ns/name to node".
func ScheduledMessage(pod *workload.Pod, node string) string {
	return "Successfully assigned " + podKey(pod) + " to " + node
}
