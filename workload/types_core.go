package workload

import (
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// ResourceList maps a resource name ("cpu", "memory", "pods", "storage")
// to a quantity, as core/v1 ResourceList.
type ResourceList map[string]resource.Quantity

// Resource names orchestra schedules on.
const (
	ResourceCPU     = "cpu"
	ResourceMemory  = "memory"
	ResourcePods    = "pods"
	ResourceStorage = "storage"
)

// Namespace is a core/v1 Namespace. Namespaces that objects name exist
// without being declared (unlike Kubernetes, which refuses content in a
// namespace it does not have); a Namespace object is accepted and stored,
// Active, with the "kubernetes" finalizer. Deleting it deletes everything in
// its namespace, as Kubernetes' namespace controller does: the Namespace is
// Terminating, new content in it is refused, and it goes once its last
// object has (pods after their grace period).
type Namespace struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata,omitempty"`
	Spec       NamespaceSpec   `json:"spec,omitempty"`
	Status     NamespaceStatus `json:"status,omitempty"`
}

// Kind returns "Namespace".
func (*Namespace) Kind() string { return "Namespace" }

// NamespaceSpec is core/v1 NamespaceSpec.
type NamespaceSpec struct {
	// Finalizers must all be gone before a Namespace being deleted is
	// removed: FinalizerKubernetes, which every Namespace gets at creation,
	// is the namespace controller's, removed once the namespace is empty.
	// An update through Apply keeps the stored list, as the API server
	// does (only its finalize subresource changes it).
	Finalizers []string `json:"finalizers,omitempty"`
}

// NamespaceStatus is core/v1 NamespaceStatus.
type NamespaceStatus struct {
	// Phase is NamespaceActive, or NamespaceTerminating once its deletion
	// has started.
	Phase string `json:"phase,omitempty"`
	// Conditions are the namespace controller's report on a Namespace
	// being deleted (NamespaceDeletionDiscoveryFailure,
	// NamespaceDeletionGroupVersionParsingFailure,
	// NamespaceDeletionContentFailure, NamespaceContentRemaining,
	// NamespaceFinalizersRemaining), as Kubernetes writes them.
	Conditions []NamespaceCondition `json:"conditions,omitempty"`
}

// NamespaceCondition is core/v1 NamespaceCondition.
type NamespaceCondition struct {
	Type               string `json:"type"`
	Status             string `json:"status"`
	LastTransitionTime Time   `json:"lastTransitionTime,omitempty"`
	Reason             string `json:"reason,omitempty"`
	Message            string `json:"message,omitempty"`
}

// The namespace condition types the namespace controller maintains on a
// Namespace being deleted.
const (
	NamespaceDeletionDiscoveryFailure = "NamespaceDeletionDiscoveryFailure"
	NamespaceDeletionGVParsingFailure = "NamespaceDeletionGroupVersionParsingFailure"
	NamespaceDeletionContentFailure   = "NamespaceDeletionContentFailure"
	NamespaceContentRemaining         = "NamespaceContentRemaining"
	NamespaceFinalizersRemaining      = "NamespaceFinalizersRemaining"
)

// Namespace phases and the namespace controller's finalizer.
const (
	NamespaceActive      = "Active"
	NamespaceTerminating = "Terminating"
	FinalizerKubernetes  = "kubernetes"
)

// SpecFinalized is implemented by the kinds that keep finalizers in their
// spec besides metadata.finalizers (a Namespace's spec.finalizers): the
// store keeps such an object, marked deleted, until both lists are empty,
// and marks its status terminating when its deletion starts.
type SpecFinalized interface {
	SpecFinalizers() []string
	MarkTerminating()
}

// SpecFinalizers returns spec.finalizers (SpecFinalized).
func (n *Namespace) SpecFinalizers() []string { return n.Spec.Finalizers }

// MarkTerminating sets status.phase to Terminating (SpecFinalized).
func (n *Namespace) MarkTerminating() { n.Status.Phase = NamespaceTerminating }

// Node is a core/v1 Node: a machine that runs pods.
type Node struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata,omitempty"`
	Spec       NodeSpec   `json:"spec,omitempty"`
	Status     NodeStatus `json:"status,omitempty"`
}

// Kind returns "Node".
func (*Node) Kind() string { return "Node" }

// NodeSpec is core/v1 NodeSpec.
type NodeSpec struct {
	PodCIDR       string   `json:"podCIDR,omitempty"`
	PodCIDRs      []string `json:"podCIDRs,omitempty"`
	Unschedulable bool     `json:"unschedulable,omitempty"`
	Taints        []Taint  `json:"taints,omitempty"`
}

// Taint effects.
const (
	TaintEffectNoSchedule       = "NoSchedule"
	TaintEffectPreferNoSchedule = "PreferNoSchedule"
	TaintEffectNoExecute        = "NoExecute"
)

// Well-known taint keys that Kubernetes sets on nodes.
const (
	TaintNodeNotReady           = "node.kubernetes.io/not-ready"
	TaintNodeUnreachable        = "node.kubernetes.io/unreachable"
	TaintNodeUnschedulable      = "node.kubernetes.io/unschedulable"
	TaintNodeMemoryPressure     = "node.kubernetes.io/memory-pressure"
	TaintNodeDiskPressure       = "node.kubernetes.io/disk-pressure"
	TaintNodePIDPressure        = "node.kubernetes.io/pid-pressure"
	TaintNodeNetworkUnavailable = "node.kubernetes.io/network-unavailable"
	TaintControlPlane           = "node-role.kubernetes.io/control-plane"
	// TaintNodeOutOfService is the taint an administrator puts on a node
	// that is shut down for good (non-graceful node shutdown): its
	// terminating pods are force-deleted.
	TaintNodeOutOfService = "node.kubernetes.io/out-of-service"
)

// Well-known node labels.
const (
	LabelHostname = "kubernetes.io/hostname"
	LabelOS       = "kubernetes.io/os"
	LabelArch     = "kubernetes.io/arch"
	LabelZone     = "topology.kubernetes.io/zone"
)

// LabelMetadataName is the label the API server gives every Namespace:
// its name, so that a namespaceSelector can pick namespaces by name.
const LabelMetadataName = "kubernetes.io/metadata.name"

// Taint is core/v1 Taint.
type Taint struct {
	Key       string `json:"key"`
	Value     string `json:"value,omitempty"`
	Effect    string `json:"effect"`
	TimeAdded *Time  `json:"timeAdded,omitempty"`
}

// NodeStatus is core/v1 NodeStatus (the parts orchestra uses).
type NodeStatus struct {
	Capacity    ResourceList    `json:"capacity,omitempty"`
	Allocatable ResourceList    `json:"allocatable,omitempty"`
	Conditions  []NodeCondition `json:"conditions,omitempty"`
	Addresses   []NodeAddress   `json:"addresses,omitempty"`
}

// Node condition types. orchestra's runtimes report Ready (and the
// pressure conditions False); the node lifecycle controller sets the
// pressure conditions Unknown on a node whose kubelet never posted its
// status, and taints a node NoSchedule while a pressure condition or
// NetworkUnavailable is True, as Kubernetes does.
const (
	NodeReady          = "Ready"
	NodeMemoryPressure = "MemoryPressure"
	NodeDiskPressure   = "DiskPressure"
	NodePIDPressure    = "PIDPressure"
	// NodeNetworkUnavailable is True while the node's network is not
	// configured (set by a network plugin, not by the kubelet).
	NodeNetworkUnavailable = "NetworkUnavailable"
)

// Condition statuses.
const (
	ConditionTrue    = "True"
	ConditionFalse   = "False"
	ConditionUnknown = "Unknown"
)

// NodeCondition is core/v1 NodeCondition.
type NodeCondition struct {
	Type               string `json:"type"`
	Status             string `json:"status"`
	LastHeartbeatTime  Time   `json:"lastHeartbeatTime,omitempty"`
	LastTransitionTime Time   `json:"lastTransitionTime,omitempty"`
	Reason             string `json:"reason,omitempty"`
	Message            string `json:"message,omitempty"`
}

// NodeAddress is core/v1 NodeAddress.
type NodeAddress struct {
	Type    string `json:"type"`
	Address string `json:"address"`
}

// Pod is a core/v1 Pod.
type Pod struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata,omitempty"`
	Spec       PodSpec   `json:"spec,omitempty"`
	Status     PodStatus `json:"status,omitempty"`
}

// Kind returns "Pod".
func (*Pod) Kind() string { return "Pod" }

// PodTemplateSpec is core/v1 PodTemplateSpec: the pods a controller makes.
type PodTemplateSpec struct {
	ObjectMeta `json:"metadata,omitempty"`
	Spec       PodSpec `json:"spec,omitempty"`
}

// Restart policies.
const (
	RestartPolicyAlways    = "Always"
	RestartPolicyOnFailure = "OnFailure"
	RestartPolicyNever     = "Never"
)

// PodSpec is core/v1 PodSpec (the parts orchestra models; the loader warns
// about the others).
type PodSpec struct {
	InitContainers                []Container       `json:"initContainers,omitempty"`
	Containers                    []Container       `json:"containers"`
	RestartPolicy                 string            `json:"restartPolicy,omitempty"`
	TerminationGracePeriodSeconds *int64            `json:"terminationGracePeriodSeconds,omitempty"`
	ActiveDeadlineSeconds         *int64            `json:"activeDeadlineSeconds,omitempty"`
	NodeSelector                  map[string]string `json:"nodeSelector,omitempty"`
	NodeName                      string            `json:"nodeName,omitempty"`
	HostNetwork                   bool              `json:"hostNetwork,omitempty"`
	Hostname                      string            `json:"hostname,omitempty"`
	Subdomain                     string            `json:"subdomain,omitempty"`
	Affinity                      *Affinity         `json:"affinity,omitempty"`
	SchedulerName                 string            `json:"schedulerName,omitempty"`
	Tolerations                   []Toleration      `json:"tolerations,omitempty"`
	Priority                      *int32            `json:"priority,omitempty"`
	// TopologySpreadConstraints say how evenly the pods a selector picks
	// must (DoNotSchedule) or should (ScheduleAnyway) spread over the
	// topology domains of a node label.
	TopologySpreadConstraints []TopologySpreadConstraint `json:"topologySpreadConstraints,omitempty"`
	// ReadinessGates name pod conditions that must be True, besides its
	// containers being ready, for the pod to be Ready.
	ReadinessGates []PodReadinessGate `json:"readinessGates,omitempty"`
	// SchedulingGates hold a pod back from scheduling while any is left:
	// it stays Pending with PodScheduled False, reason SchedulingGated.
	// Gates may be set only at creation, and only removed afterwards.
	SchedulingGates []PodSchedulingGate `json:"schedulingGates,omitempty"`
}

// PodSchedulingGate is core/v1 PodSchedulingGate: one named reason the
// pod is not to be scheduled yet.
type PodSchedulingGate struct {
	Name string `json:"name"`
}

// Pod condition reason and message of a pod held back by scheduling gates
// (the API server's pod strategy, applySchedulingGatedCondition).
const (
	PodReasonSchedulingGated  = "SchedulingGated"
	PodMessageSchedulingGated = "Scheduling is blocked due to non-empty scheduling gates"
)

// TopologySpreadConstraint is core/v1 TopologySpreadConstraint: the pods
// labelSelector picks in the pod's namespace (with matchLabelKeys values
// taken from the pod's own labels) may differ by at most maxSkew between
// the domains of topologyKey (the nodes sharing a value of that label).
// whenUnsatisfiable DoNotSchedule makes it a filter, ScheduleAnyway a
// preference. Domains count when their nodes pass the pod's node affinity
// and nodeSelector (nodeAffinityPolicy, unset: Honor) and, with
// nodeTaintsPolicy Honor (unset: Ignore), tolerate their taints.
// minDomains (DoNotSchedule only; unset: 1): with fewer eligible domains
// the global minimum is taken as 0.
type TopologySpreadConstraint struct {
	MaxSkew            int32          `json:"maxSkew"`
	TopologyKey        string         `json:"topologyKey"`
	WhenUnsatisfiable  string         `json:"whenUnsatisfiable"`
	LabelSelector      *LabelSelector `json:"labelSelector,omitempty"`
	MinDomains         *int32         `json:"minDomains,omitempty"`
	NodeAffinityPolicy *string        `json:"nodeAffinityPolicy,omitempty"`
	NodeTaintsPolicy   *string        `json:"nodeTaintsPolicy,omitempty"`
	MatchLabelKeys     []string       `json:"matchLabelKeys,omitempty"`
}

// Values of TopologySpreadConstraint.WhenUnsatisfiable.
const (
	DoNotSchedule  = "DoNotSchedule"
	ScheduleAnyway = "ScheduleAnyway"
)

// Values of TopologySpreadConstraint.NodeAffinityPolicy and
// NodeTaintsPolicy.
const (
	NodeInclusionPolicyHonor  = "Honor"
	NodeInclusionPolicyIgnore = "Ignore"
)

// PodReadinessGate is core/v1 PodReadinessGate: a pod condition type that
// must be True for the pod to be Ready (set by someone else than the
// kubelet, through the status subresource).
type PodReadinessGate struct {
	ConditionType string `json:"conditionType"`
}

// Container is core/v1 Container (the parts orchestra models).
type Container struct {
	Name           string               `json:"name"`
	Image          string               `json:"image,omitempty"`
	Command        []string             `json:"command,omitempty"`
	Args           []string             `json:"args,omitempty"`
	WorkingDir     string               `json:"workingDir,omitempty"`
	Ports          []ContainerPort      `json:"ports,omitempty"`
	Env            []EnvVar             `json:"env,omitempty"`
	Resources      ResourceRequirements `json:"resources,omitempty"`
	LivenessProbe  *Probe               `json:"livenessProbe,omitempty"`
	ReadinessProbe *Probe               `json:"readinessProbe,omitempty"`
	StartupProbe   *Probe               `json:"startupProbe,omitempty"`
	Lifecycle      *Lifecycle           `json:"lifecycle,omitempty"`
	// RestartPolicy, on an init container, makes it a sidecar when
	// "Always" (ContainerRestartPolicyAlways), the only value allowed: it
	// starts in its turn among the init containers, the next one starting
	// once it has started (and its startupProbe passed), runs beside the
	// app containers, is restarted whenever it exits whatever the pod's
	// restartPolicy, counts towards the pod's readiness, and is stopped
	// after the app containers, in reverse order. Containers may not set
	// it (Kubernetes' validation).
	RestartPolicy *string `json:"restartPolicy,omitempty"`
}

// ContainerRestartPolicyAlways is the one value of an init container's
// restartPolicy: the container is a sidecar (core/v1
// ContainerRestartPolicyAlways).
const ContainerRestartPolicyAlways = "Always"

// IsSidecar reports whether c is a sidecar: an init container with
// restartPolicy Always (Kubernetes' IsRestartableInitContainer). It says
// nothing of app containers, which may not set restartPolicy.
func IsSidecar(c *Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == ContainerRestartPolicyAlways
}

// HasSidecar reports whether any of the init containers is a sidecar.
func HasSidecar(inits []Container) bool {
	for i := range inits {
		if IsSidecar(&inits[i]) {
			return true
		}
	}
	return false
}

// Lifecycle is core/v1 Lifecycle; of its hooks orchestra models preStop
// (postStart and stopSignal decode with a warning).
type Lifecycle struct {
	// PreStop runs when the container is to be stopped (pod deletion, a
	// failed liveness or startup probe, the active deadline), before it is
	// sent SIGTERM; its time counts in the grace period.
	PreStop *LifecycleHandler `json:"preStop,omitempty"`
}

// LifecycleHandler is core/v1 LifecycleHandler: exactly one of exec,
// httpGet and sleep (tcpSocket, which Kubernetes accepts and ignores,
// decodes with a warning).
type LifecycleHandler struct {
	Exec    *ExecAction    `json:"exec,omitempty"`
	HTTPGet *HTTPGetAction `json:"httpGet,omitempty"`
	Sleep   *SleepAction   `json:"sleep,omitempty"`
}

// SleepAction is core/v1 SleepAction: wait Seconds.
type SleepAction struct {
	Seconds int64 `json:"seconds"`
}

// Protocols.
const (
	ProtocolTCP  = "TCP"
	ProtocolUDP  = "UDP"
	ProtocolSCTP = "SCTP"
)

// ContainerPort is core/v1 ContainerPort.
type ContainerPort struct {
	Name          string `json:"name,omitempty"`
	HostPort      int32  `json:"hostPort,omitempty"`
	ContainerPort int32  `json:"containerPort"`
	Protocol      string `json:"protocol,omitempty"`
	HostIP        string `json:"hostIP,omitempty"`
}

// EnvVar is core/v1 EnvVar: a literal value, or one taken from the pod
// (valueFrom.fieldRef, the downward API) or its container's resources
// (valueFrom.resourceFieldRef).
type EnvVar struct {
	Name      string        `json:"name"`
	Value     string        `json:"value,omitempty"`
	ValueFrom *EnvVarSource `json:"valueFrom,omitempty"`
}

// EnvVarSource is core/v1 EnvVarSource. Of its sources orchestra models
// fieldRef and resourceFieldRef; configMapKeyRef, secretKeyRef and
// fileKeyRef (ConfigMaps and Secrets are not modelled) decode with a
// warning into an EnvVarSource with neither set, and the variable is then
// not set in the container.
type EnvVarSource struct {
	FieldRef         *ObjectFieldSelector   `json:"fieldRef,omitempty"`
	ResourceFieldRef *ResourceFieldSelector `json:"resourceFieldRef,omitempty"`
}

// ObjectFieldSelector is core/v1 ObjectFieldSelector: a field of the pod,
// as the downward API gives it to environment variables: metadata.name,
// metadata.namespace, metadata.uid, metadata.labels['KEY'],
// metadata.annotations['KEY'], spec.nodeName, spec.serviceAccountName,
// status.hostIP, status.hostIPs, status.podIP or status.podIPs.
type ObjectFieldSelector struct {
	// APIVersion is the version FieldPath is written in: "v1" (empty
	// means v1).
	APIVersion string `json:"apiVersion,omitempty"`
	FieldPath  string `json:"fieldPath"`
}

// ResourceFieldSelector is core/v1 ResourceFieldSelector: a container's
// limits.cpu, limits.memory, limits.ephemeral-storage, requests.cpu,
// requests.memory or requests.ephemeral-storage, divided by Divisor
// (default 1) and rounded up. A limit the container does not set is the
// node's allocatable amount, as the kubelet gives it.
type ResourceFieldSelector struct {
	// ContainerName is the container whose resources are read; empty
	// means the container the variable is in.
	ContainerName string            `json:"containerName,omitempty"`
	Resource      string            `json:"resource"`
	Divisor       resource.Quantity `json:"divisor,omitempty"`
}

// ResourceRequirements is core/v1 ResourceRequirements.
type ResourceRequirements struct {
	Limits   ResourceList `json:"limits,omitempty"`
	Requests ResourceList `json:"requests,omitempty"`
}

// Probe is core/v1 Probe.
type Probe struct {
	ProbeHandler        `json:",inline"`
	InitialDelaySeconds int32 `json:"initialDelaySeconds,omitempty"`
	TimeoutSeconds      int32 `json:"timeoutSeconds,omitempty"`
	PeriodSeconds       int32 `json:"periodSeconds,omitempty"`
	SuccessThreshold    int32 `json:"successThreshold,omitempty"`
	FailureThreshold    int32 `json:"failureThreshold,omitempty"`
	// TerminationGracePeriodSeconds, on a liveness or startup probe, is
	// the grace period of a kill for failing it, instead of the pod's.
	TerminationGracePeriodSeconds *int64 `json:"terminationGracePeriodSeconds,omitempty"`
}

// ProbeHandler is core/v1 ProbeHandler: exactly one of its fields is set.
type ProbeHandler struct {
	Exec      *ExecAction      `json:"exec,omitempty"`
	HTTPGet   *HTTPGetAction   `json:"httpGet,omitempty"`
	TCPSocket *TCPSocketAction `json:"tcpSocket,omitempty"`
}

// ExecAction is core/v1 ExecAction.
type ExecAction struct {
	Command []string `json:"command,omitempty"`
}

// HTTPGetAction is core/v1 HTTPGetAction.
type HTTPGetAction struct {
	Path        string             `json:"path,omitempty"`
	Port        intstr.IntOrString `json:"port"`
	Host        string             `json:"host,omitempty"`
	Scheme      string             `json:"scheme,omitempty"`
	HTTPHeaders []HTTPHeader       `json:"httpHeaders,omitempty"`
}

// HTTPHeader is core/v1 HTTPHeader.
type HTTPHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// TCPSocketAction is core/v1 TCPSocketAction.
type TCPSocketAction struct {
	Port intstr.IntOrString `json:"port"`
	Host string             `json:"host,omitempty"`
}

// Affinity is core/v1 Affinity: node affinity, and inter-pod affinity and
// anti-affinity.
type Affinity struct {
	NodeAffinity    *NodeAffinity    `json:"nodeAffinity,omitempty"`
	PodAffinity     *PodAffinity     `json:"podAffinity,omitempty"`
	PodAntiAffinity *PodAntiAffinity `json:"podAntiAffinity,omitempty"`
}

// PodAffinity is core/v1 PodAffinity: the pod wants to run in a topology
// domain (the nodes sharing one value of a label) where pods matching the
// terms run. The required terms are ANDed; the preferred ones add their
// weights to a node's score.
type PodAffinity struct {
	RequiredDuringSchedulingIgnoredDuringExecution  []PodAffinityTerm         `json:"requiredDuringSchedulingIgnoredDuringExecution,omitempty"`
	PreferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm `json:"preferredDuringSchedulingIgnoredDuringExecution,omitempty"`
}

// PodAntiAffinity is core/v1 PodAntiAffinity: the pod must not (required)
// or would rather not (preferred) run in a topology domain where pods
// matching the terms run.
type PodAntiAffinity struct {
	RequiredDuringSchedulingIgnoredDuringExecution  []PodAffinityTerm         `json:"requiredDuringSchedulingIgnoredDuringExecution,omitempty"`
	PreferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm `json:"preferredDuringSchedulingIgnoredDuringExecution,omitempty"`
}

// PodAffinityTerm is core/v1 PodAffinityTerm: the pods matching
// labelSelector (nil matches none, empty matches all) in the namespaces
// listed, or selected by namespaceSelector (empty: every namespace); with
// neither, the pod's own namespace. Two nodes are in one domain when their
// topologyKey labels have the same value. matchLabelKeys and
// mismatchLabelKeys take values from the pod's own labels: key In (value)
// and key NotIn (value) are added to labelSelector (a key the pod lacks is
// ignored).
type PodAffinityTerm struct {
	LabelSelector     *LabelSelector `json:"labelSelector,omitempty"`
	Namespaces        []string       `json:"namespaces,omitempty"`
	TopologyKey       string         `json:"topologyKey"`
	NamespaceSelector *LabelSelector `json:"namespaceSelector,omitempty"`
	MatchLabelKeys    []string       `json:"matchLabelKeys,omitempty"`
	MismatchLabelKeys []string       `json:"mismatchLabelKeys,omitempty"`
}

// WeightedPodAffinityTerm is core/v1 WeightedPodAffinityTerm: a preferred
// term and its weight, 1-100.
type WeightedPodAffinityTerm struct {
	Weight          int32           `json:"weight"`
	PodAffinityTerm PodAffinityTerm `json:"podAffinityTerm"`
}

// NodeAffinity is core/v1 NodeAffinity.
type NodeAffinity struct {
	RequiredDuringSchedulingIgnoredDuringExecution  *NodeSelector             `json:"requiredDuringSchedulingIgnoredDuringExecution,omitempty"`
	PreferredDuringSchedulingIgnoredDuringExecution []PreferredSchedulingTerm `json:"preferredDuringSchedulingIgnoredDuringExecution,omitempty"`
}

// NodeSelector is core/v1 NodeSelector: the terms are ORed.
type NodeSelector struct {
	NodeSelectorTerms []NodeSelectorTerm `json:"nodeSelectorTerms"`
}

// NodeSelectorTerm is core/v1 NodeSelectorTerm: the requirements are ANDed.
type NodeSelectorTerm struct {
	MatchExpressions []NodeSelectorRequirement `json:"matchExpressions,omitempty"`
	MatchFields      []NodeSelectorRequirement `json:"matchFields,omitempty"`
}

// Node selector operators.
const (
	NodeSelectorOpIn           = "In"
	NodeSelectorOpNotIn        = "NotIn"
	NodeSelectorOpExists       = "Exists"
	NodeSelectorOpDoesNotExist = "DoesNotExist"
	NodeSelectorOpGt           = "Gt"
	NodeSelectorOpLt           = "Lt"
)

// NodeSelectorRequirement is core/v1 NodeSelectorRequirement.
type NodeSelectorRequirement struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"`
	Values   []string `json:"values,omitempty"`
}

// PreferredSchedulingTerm is core/v1 PreferredSchedulingTerm.
type PreferredSchedulingTerm struct {
	Weight     int32            `json:"weight"`
	Preference NodeSelectorTerm `json:"preference"`
}

// Toleration operators.
const (
	TolerationOpExists = "Exists"
	TolerationOpEqual  = "Equal"
)

// Toleration is core/v1 Toleration.
type Toleration struct {
	Key               string `json:"key,omitempty"`
	Operator          string `json:"operator,omitempty"`
	Value             string `json:"value,omitempty"`
	Effect            string `json:"effect,omitempty"`
	TolerationSeconds *int64 `json:"tolerationSeconds,omitempty"`
}

// Pod phases.
const (
	PodPending   = "Pending"
	PodRunning   = "Running"
	PodSucceeded = "Succeeded"
	PodFailed    = "Failed"
	PodUnknown   = "Unknown"
)

// Pod condition types.
const (
	PodScheduled        = "PodScheduled"
	PodInitialized      = "Initialized"
	PodReadyToStartCtrs = "PodReadyToStartContainers"
	ContainersReady     = "ContainersReady"
	PodReady            = "Ready"
	DisruptionTarget    = "DisruptionTarget"
)

// PodStatus is core/v1 PodStatus.
type PodStatus struct {
	Phase      string         `json:"phase,omitempty"`
	Conditions []PodCondition `json:"conditions,omitempty"`
	Message    string         `json:"message,omitempty"`
	Reason     string         `json:"reason,omitempty"`
	HostIP     string         `json:"hostIP,omitempty"`
	// HostIPs are the addresses of the pod's node, HostIP first (one: the
	// cluster is single-stack), set with HostIP as the kubelet's
	// generateAPIPodStatus sets both (GA in Kubernetes 1.30).
	HostIPs               []HostIP          `json:"hostIPs,omitempty"`
	PodIP                 string            `json:"podIP,omitempty"`
	PodIPs                []PodIP           `json:"podIPs,omitempty"`
	StartTime             *Time             `json:"startTime,omitempty"`
	InitContainerStatuses []ContainerStatus `json:"initContainerStatuses,omitempty"`
	ContainerStatuses     []ContainerStatus `json:"containerStatuses,omitempty"`
	// QOSClass is the pod's quality of service class (PodQOSClass), set
	// when it is created.
	QOSClass string `json:"qosClass,omitempty"`
}

// PodIP is core/v1 PodIP.
type PodIP struct {
	IP string `json:"ip"`
}

// HostIP is core/v1 HostIP: an address of the pod's node.
type HostIP struct {
	IP string `json:"ip"`
}

// PodCondition is core/v1 PodCondition.
type PodCondition struct {
	Type               string `json:"type"`
	Status             string `json:"status"`
	LastProbeTime      Time   `json:"lastProbeTime,omitempty"`
	LastTransitionTime Time   `json:"lastTransitionTime,omitempty"`
	Reason             string `json:"reason,omitempty"`
	Message            string `json:"message,omitempty"`
}

// ContainerStatus is core/v1 ContainerStatus.
type ContainerStatus struct {
	Name                 string         `json:"name"`
	State                ContainerState `json:"state,omitempty"`
	LastTerminationState ContainerState `json:"lastState,omitempty"`
	Ready                bool           `json:"ready"`
	RestartCount         int32          `json:"restartCount"`
	Image                string         `json:"image"`
	ContainerID          string         `json:"containerID,omitempty"`
	Started              *bool          `json:"started,omitempty"`
}

// ContainerState is core/v1 ContainerState: at most one field is set.
type ContainerState struct {
	Waiting    *ContainerStateWaiting    `json:"waiting,omitempty"`
	Running    *ContainerStateRunning    `json:"running,omitempty"`
	Terminated *ContainerStateTerminated `json:"terminated,omitempty"`
}

// ContainerStateWaiting is core/v1 ContainerStateWaiting.
type ContainerStateWaiting struct {
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// ContainerStateRunning is core/v1 ContainerStateRunning.
type ContainerStateRunning struct {
	StartedAt Time `json:"startedAt,omitempty"`
}

// ContainerStateTerminated is core/v1 ContainerStateTerminated.
type ContainerStateTerminated struct {
	ExitCode    int32  `json:"exitCode"`
	Signal      int32  `json:"signal,omitempty"`
	Reason      string `json:"reason,omitempty"`
	Message     string `json:"message,omitempty"`
	StartedAt   Time   `json:"startedAt,omitempty"`
	FinishedAt  Time   `json:"finishedAt,omitempty"`
	ContainerID string `json:"containerID,omitempty"`
}

// Service types.
const (
	ServiceTypeClusterIP    = "ClusterIP"
	ServiceTypeNodePort     = "NodePort"
	ServiceTypeLoadBalancer = "LoadBalancer"
	ServiceTypeExternalName = "ExternalName"
)

// ClusterIPNone marks a headless Service.
const ClusterIPNone = "None"

// Session affinities and traffic policies.
const (
	SessionAffinityNone     = "None"
	SessionAffinityClientIP = "ClientIP"
	TrafficPolicyCluster    = "Cluster"
	TrafficPolicyLocal      = "Local"
)

// Values of ServiceSpec.TrafficDistribution.
const (
	TrafficDistributionPreferClose    = "PreferClose"
	TrafficDistributionPreferSameZone = "PreferSameZone"
	TrafficDistributionPreferSameNode = "PreferSameNode"
)

// DefaultClientIPServiceAffinitySeconds is the default ClientIP affinity
// timeout (3 hours).
const DefaultClientIPServiceAffinitySeconds int32 = 10800

// Service is a core/v1 Service.
type Service struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata,omitempty"`
	Spec       ServiceSpec   `json:"spec,omitempty"`
	Status     ServiceStatus `json:"status,omitempty"`
}

// Kind returns "Service".
func (*Service) Kind() string { return "Service" }

// ServiceSpec is core/v1 ServiceSpec (the parts orchestra models).
type ServiceSpec struct {
	Ports      []ServicePort     `json:"ports,omitempty"`
	Selector   map[string]string `json:"selector,omitempty"`
	ClusterIP  string            `json:"clusterIP,omitempty"`
	ClusterIPs []string          `json:"clusterIPs,omitempty"`
	// IPFamilies (IPv4, IPv6) and IPFamilyPolicy (SingleStack,
	// PreferDualStack, RequireDualStack): the cluster is single-stack, of
	// its service CIDR's family, and a Service gets them as the API
	// server's initIPFamilyFields gives them: SingleStack (RequireDualStack
	// for a headless Service without selector) and the cluster's family.
	IPFamilies            []string `json:"ipFamilies,omitempty"`
	IPFamilyPolicy        *string  `json:"ipFamilyPolicy,omitempty"`
	Type                  string   `json:"type,omitempty"`
	ExternalName          string   `json:"externalName,omitempty"`
	ExternalTrafficPolicy string   `json:"externalTrafficPolicy,omitempty"`
	// HealthCheckNodePort is the node port a LoadBalancer Service with
	// externalTrafficPolicy Local gets for its load balancer's health
	// checks (allocated from the node port range, or the one asked for).
	HealthCheckNodePort   int32   `json:"healthCheckNodePort,omitempty"`
	InternalTrafficPolicy *string `json:"internalTrafficPolicy,omitempty"`
	// AllocateLoadBalancerNodePorts (LoadBalancer only; defaults to true):
	// false gives node ports only to the ports that ask for a specific one.
	AllocateLoadBalancerNodePorts *bool `json:"allocateLoadBalancerNodePorts,omitempty"`
	// TrafficDistribution: PreferClose (PreferSameZone) or PreferSameNode
	// hint each ready endpoint for its zone (and node), and node-side
	// pickers keep to the endpoints hinted for them (see the service
	// package).
	TrafficDistribution      *string                `json:"trafficDistribution,omitempty"`
	SessionAffinity          string                 `json:"sessionAffinity,omitempty"`
	SessionAffinityConfig    *SessionAffinityConfig `json:"sessionAffinityConfig,omitempty"`
	PublishNotReadyAddresses bool                   `json:"publishNotReadyAddresses,omitempty"`
}

// Service IP families and IP family policies.
const (
	IPv4Protocol                   = "IPv4"
	IPv6Protocol                   = "IPv6"
	IPFamilyPolicySingleStack      = "SingleStack"
	IPFamilyPolicyPreferDualStack  = "PreferDualStack"
	IPFamilyPolicyRequireDualStack = "RequireDualStack"
)

// ServicePort is core/v1 ServicePort.
type ServicePort struct {
	Name        string             `json:"name,omitempty"`
	Protocol    string             `json:"protocol,omitempty"`
	AppProtocol *string            `json:"appProtocol,omitempty"`
	Port        int32              `json:"port"`
	TargetPort  intstr.IntOrString `json:"targetPort,omitempty"`
	NodePort    int32              `json:"nodePort,omitempty"`
}

// SessionAffinityConfig is core/v1 SessionAffinityConfig.
type SessionAffinityConfig struct {
	ClientIP *ClientIPConfig `json:"clientIP,omitempty"`
}

// ClientIPConfig is core/v1 ClientIPConfig.
type ClientIPConfig struct {
	TimeoutSeconds *int32 `json:"timeoutSeconds,omitempty"`
}

// ServiceStatus is core/v1 ServiceStatus.
type ServiceStatus struct {
	LoadBalancer LoadBalancerStatus `json:"loadBalancer,omitempty"`
}

// LoadBalancerStatus is core/v1 LoadBalancerStatus.
type LoadBalancerStatus struct {
	Ingress []LoadBalancerIngress `json:"ingress,omitempty"`
}

// LoadBalancerIngress is core/v1 LoadBalancerIngress.
type LoadBalancerIngress struct {
	IP       string `json:"ip,omitempty"`
	Hostname string `json:"hostname,omitempty"`
}

// PersistentVolumeClaim is a core/v1 PersistentVolumeClaim, kept as a record
// only: orchestra does not provision storage.
type PersistentVolumeClaim struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata,omitempty"`
	Spec       PersistentVolumeClaimSpec   `json:"spec,omitempty"`
	Status     PersistentVolumeClaimStatus `json:"status,omitempty"`
}

// Kind returns "PersistentVolumeClaim".
func (*PersistentVolumeClaim) Kind() string { return "PersistentVolumeClaim" }

// PersistentVolumeClaimSpec is core/v1 PersistentVolumeClaimSpec.
type PersistentVolumeClaimSpec struct {
	AccessModes      []string             `json:"accessModes,omitempty"`
	Resources        ResourceRequirements `json:"resources,omitempty"`
	StorageClassName *string              `json:"storageClassName,omitempty"`
	VolumeName       string               `json:"volumeName,omitempty"`
	VolumeMode       *string              `json:"volumeMode,omitempty"`
}

// PersistentVolumeClaimStatus is core/v1 PersistentVolumeClaimStatus.
type PersistentVolumeClaimStatus struct {
	Phase string `json:"phase,omitempty"`
}

// ObjectReference is core/v1 ObjectReference.
type ObjectReference struct {
	Kind            string `json:"kind,omitempty"`
	Namespace       string `json:"namespace,omitempty"`
	Name            string `json:"name,omitempty"`
	UID             string `json:"uid,omitempty"`
	APIVersion      string `json:"apiVersion,omitempty"`
	ResourceVersion string `json:"resourceVersion,omitempty"`
	FieldPath       string `json:"fieldPath,omitempty"`
}

// Event types.
const (
	EventTypeNormal  = "Normal"
	EventTypeWarning = "Warning"
)

// Event is a core/v1 Event.
type Event struct {
	TypeMeta       `json:",inline"`
	ObjectMeta     `json:"metadata,omitempty"`
	InvolvedObject ObjectReference `json:"involvedObject"`
	Reason         string          `json:"reason,omitempty"`
	Message        string          `json:"message,omitempty"`
	Source         EventSource     `json:"source,omitempty"`
	FirstTimestamp Time            `json:"firstTimestamp,omitempty"`
	LastTimestamp  Time            `json:"lastTimestamp,omitempty"`
	Count          int32           `json:"count,omitempty"`
	Type           string          `json:"type,omitempty"`
}

// Kind returns "Event".
func (*Event) Kind() string { return "Event" }

// EventSource is core/v1 EventSource.
type EventSource struct {
	Component string `json:"component,omitempty"`
	Host      string `json:"host,omitempty"`
}
