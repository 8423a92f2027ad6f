package workload

import (
	"math"
	"slices"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Default values Kubernetes fills in (core/v1, apps/v1 and batch/v1
// defaulting, plus the DefaultTolerationSeconds admission plugin).
const (
	// DefaultNamespace is the namespace of a namespaced object that names
	// none.
	DefaultNamespace = "default"
	// DefaultSchedulerName is the scheduler a pod names when it names none.
	DefaultSchedulerName = "default-scheduler"
	// DefaultTerminationGracePeriodSeconds is a pod's grace period when it
	// sets none.
	DefaultTerminationGracePeriodSeconds int64 = 30
	// DefaultTolerationSeconds is how long a pod stays on a not-ready or
	// unreachable node before it is evicted, as Kubernetes'
	// DefaultTolerationSeconds admission plugin sets it.
	DefaultTolerationSeconds int64 = 300
	// DefaultRevisionHistoryLimit is the revision history a DaemonSet,
	// Deployment or StatefulSet keeps when it says nothing.
	DefaultRevisionHistoryLimit int32 = 10
	// DefaultProgressDeadlineSeconds is a Deployment's progress deadline
	// when it sets none.
	DefaultProgressDeadlineSeconds int32 = 600
	// DefaultBackoffLimit is a Job's backoffLimit when it sets none (and no
	// backoffLimitPerIndex).
	DefaultBackoffLimit int32 = 6
)

// Default fills in, in place, every field Kubernetes defaults when an
// object of obj's kind is created: the namespace "default" for namespaced
// kinds, and the per-kind defaults documented on DefaultPod,
// DefaultDaemonSet, DefaultDeployment, DefaultReplicaSet,
// DefaultStatefulSet, DefaultJob, DefaultCronJob, DefaultService and
// DefaultPersistentVolumeClaim. Default is idempotent; fields already set
// are left alone. A nil obj (or a nil pointer of a known kind) is ignored.
//
// Decode does not call Default: callers decide when objects are defaulted
// (the cluster does it on Apply, before Validate).
func Default(obj Object) {
	if IsNil(obj) {
		return
	}
	m := obj.GetObjectMeta()
	if !IsClusterScoped(obj.Kind()) && m.Namespace == "" {
		m.Namespace = DefaultNamespace
	}
	switch o := obj.(type) {
	case *Pod:
		DefaultPod(o)
	case *Node:
		DefaultNode(o)
	case *Service:
		DefaultService(o)
	case *PersistentVolumeClaim:
		DefaultPersistentVolumeClaim(o)
	case *DaemonSet:
		DefaultDaemonSet(o)
	case *Deployment:
		DefaultDeployment(o)
	case *ReplicaSet:
		DefaultReplicaSet(o)
	case *StatefulSet:
		DefaultStatefulSet(o)
	case *Job:
		DefaultJob(o)
	case *CronJob:
		DefaultCronJob(o)
	case *Endpoints:
		DefaultEndpoints(o)
	}
}

// DefaultEndpoints sets the protocol of each subset port to TCP when it
// is empty, as core/v1 SetDefaults_EndpointPort.
func DefaultEndpoints(e *Endpoints) {
	for i := range e.Subsets {
		for j := range e.Subsets[i].Ports {
			if p := &e.Subsets[i].Ports[j]; p.Protocol == "" {
				p.Protocol = ProtocolTCP
			}
		}
	}
}

// IsNil reports whether obj is nil or a nil pointer of a known kind (such
// as (*Pod)(nil)), which an Object interface does not compare equal to nil.
func IsNil(obj Object) bool {
	switch o := obj.(type) {
	case nil:
		return true
	case *Namespace:
		return o == nil
	case *Node:
		return o == nil
	case *Pod:
		return o == nil
	case *Service:
		return o == nil
	case *PersistentVolumeClaim:
		return o == nil
	case *Event:
		return o == nil
	case *DaemonSet:
		return o == nil
	case *Deployment:
		return o == nil
	case *ReplicaSet:
		return o == nil
	case *StatefulSet:
		return o == nil
	case *ControllerRevision:
		return o == nil
	case *Job:
		return o == nil
	case *CronJob:
		return o == nil
	case *EndpointSlice:
		return o == nil
	case *Endpoints:
		return o == nil
	}
	return false
}

// DefaultPod applies the pod spec defaults of DefaultPodSpec, requests
// copied from limits where a container sets a limit but no request (as
// core/v1 SetDefaults_Pod does), and the two NoExecute tolerations of
// Kubernetes' DefaultTolerationSeconds admission plugin:
// node.kubernetes.io/not-ready and node.kubernetes.io/unreachable, operator
// Exists, tolerationSeconds 300, each added only when no toleration of the
// pod already covers that taint. The tolerations are added to Pods only,
// never to the templates of controllers (as in Kubernetes, where admission
// sees only pods). A negative terminationGracePeriodSeconds becomes 1, as
// Kubernetes converts it in a Pod (a template keeps it).
func DefaultPod(p *Pod) {
	if p == nil {
		return
	}
	DefaultPodSpec(&p.Spec)
	if g := p.Spec.TerminationGracePeriodSeconds; g != nil && *g < 0 {
		// As Kubernetes' conversion of a Pod (kubernetes/kubernetes#115606):
		// a negative grace period is 1 s.
		p.Spec.TerminationGracePeriodSeconds = Ptr(int64(1))
	}
	for _, cs := range [][]Container{p.Spec.InitContainers, p.Spec.Containers} {
		for i := range cs {
			defaultRequestsFromLimits(&cs[i].Resources)
		}
	}
	mergeLabelKeys(p)
	for _, key := range []string{TaintNodeNotReady, TaintNodeUnreachable} {
		if !toleratesNoExecuteKey(p.Spec.Tolerations, key) {
			p.Spec.Tolerations = append(p.Spec.Tolerations, Toleration{
				Key:               key,
				Operator:          TolerationOpExists,
				Effect:            TaintEffectNoExecute,
				TolerationSeconds: Ptr(DefaultTolerationSeconds),
			})
		}
	}
}

// toleratesNoExecuteKey reports whether one of ts already tolerates a
// NoExecute taint with key, by the rule of the DefaultTolerationSeconds
// admission plugin: same key or an empty key, and the NoExecute effect or
// an empty effect.
func toleratesNoExecuteKey(ts []Toleration, key string) bool {
	for _, t := range ts {
		if (t.Key == key || t.Key == "") && (t.Effect == TaintEffectNoExecute || t.Effect == "") {
			return true
		}
	}
	return false
}

func defaultRequestsFromLimits(r *ResourceRequirements) {
	for name, q := range r.Limits {
		if _, ok := r.Requests[name]; ok {
			continue
		}
		if r.Requests == nil {
			r.Requests = ResourceList{}
		}
		r.Requests[name] = q.DeepCopy()
	}
}

// DefaultPodTemplate applies DefaultPodSpec to a controller's pod template.
func DefaultPodTemplate(t *PodTemplateSpec) {
	if t == nil {
		return
	}
	DefaultPodSpec(&t.Spec)
}

// DefaultPodSpec applies core/v1 pod spec defaults: restartPolicy Always,
// terminationGracePeriodSeconds 30, schedulerName default-scheduler; for
// every container (init containers too) port protocol TCP (and hostPort =
// containerPort under hostNetwork), probe timeout 1, period 10, success
// threshold 1, failure threshold 3, httpGet path "/" and scheme HTTP. A
// toleration without an operator keeps none: Kubernetes does not default
// it (it means Equal: ValidateTolerations and ToleratesTaint read "" so).
func DefaultPodSpec(s *PodSpec) {
	if s == nil {
		return
	}
	if s.RestartPolicy == "" {
		s.RestartPolicy = RestartPolicyAlways
	}
	if s.TerminationGracePeriodSeconds == nil {
		s.TerminationGracePeriodSeconds = Ptr(DefaultTerminationGracePeriodSeconds)
	}
	if s.SchedulerName == "" {
		s.SchedulerName = DefaultSchedulerName
	}
	for _, cs := range [][]Container{s.InitContainers, s.Containers} {
		for i := range cs {
			defaultContainer(&cs[i], s.HostNetwork)
		}
	}
}

func defaultContainer(c *Container, hostNetwork bool) {
	for i := range c.Ports {
		p := &c.Ports[i]
		if p.Protocol == "" {
			p.Protocol = ProtocolTCP
		}
		if hostNetwork && p.HostPort == 0 {
			p.HostPort = p.ContainerPort
		}
	}
	defaultProbe(c.LivenessProbe)
	defaultProbe(c.ReadinessProbe)
	defaultProbe(c.StartupProbe)
}

func defaultProbe(p *Probe) {
	if p == nil {
		return
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = 1
	}
	if p.PeriodSeconds == 0 {
		p.PeriodSeconds = 10
	}
	if p.SuccessThreshold == 0 {
		p.SuccessThreshold = 1
	}
	if p.FailureThreshold == 0 {
		p.FailureThreshold = 3
	}
	if h := p.HTTPGet; h != nil {
		if h.Path == "" {
			h.Path = "/"
		}
		if h.Scheme == "" {
			h.Scheme = "HTTP"
		}
	}
}

// DefaultNode sets status.allocatable to status.capacity when a Node
// reports a capacity but no allocatable, as core/v1 does.
func DefaultNode(n *Node) {
	if n == nil {
		return
	}
	if len(n.Status.Allocatable) == 0 && len(n.Status.Capacity) > 0 {
		n.Status.Allocatable = make(ResourceList, len(n.Status.Capacity))
		for k, v := range n.Status.Capacity {
			n.Status.Allocatable[k] = v.DeepCopy()
		}
	}
}

// DefaultService applies core/v1 Service defaults: type ClusterIP,
// sessionAffinity None (and a ClientIP timeout of 10800 s under ClientIP),
// port protocol TCP, targetPort = port when unset, internalTrafficPolicy
// Cluster (except for ExternalName), externalTrafficPolicy Cluster for
// NodePort and LoadBalancer, allocateLoadBalancerNodePorts true for
// LoadBalancer, and clusterIPs = [clusterIP] when only
// clusterIP is given (as the API server does).
func DefaultService(s *Service) {
	if s == nil {
		return
	}
	sp := &s.Spec
	if sp.Type == "" {
		sp.Type = ServiceTypeClusterIP
	}
	if sp.SessionAffinity == "" {
		sp.SessionAffinity = SessionAffinityNone
	}
	if sp.SessionAffinity == SessionAffinityClientIP {
		if sp.SessionAffinityConfig == nil {
			sp.SessionAffinityConfig = &SessionAffinityConfig{}
		}
		if sp.SessionAffinityConfig.ClientIP == nil {
			sp.SessionAffinityConfig.ClientIP = &ClientIPConfig{}
		}
		if sp.SessionAffinityConfig.ClientIP.TimeoutSeconds == nil {
			sp.SessionAffinityConfig.ClientIP.TimeoutSeconds = Ptr(DefaultClientIPServiceAffinitySeconds)
		}
	}
	for i := range sp.Ports {
		p := &sp.Ports[i]
		if p.Protocol == "" {
			p.Protocol = ProtocolTCP
		}
		if p.TargetPort == intstr.FromInt32(0) || p.TargetPort == intstr.FromString("") {
			p.TargetPort = intstr.FromInt32(p.Port)
		}
	}
	if sp.Type != ServiceTypeExternalName && sp.InternalTrafficPolicy == nil {
		sp.InternalTrafficPolicy = Ptr(TrafficPolicyCluster)
	}
	if (sp.Type == ServiceTypeNodePort || sp.Type == ServiceTypeLoadBalancer) && sp.ExternalTrafficPolicy == "" {
		sp.ExternalTrafficPolicy = TrafficPolicyCluster
	}
	if sp.Type == ServiceTypeLoadBalancer && sp.AllocateLoadBalancerNodePorts == nil {
		sp.AllocateLoadBalancerNodePorts = Ptr(true)
	}
	if sp.ClusterIP != "" && len(sp.ClusterIPs) == 0 {
		sp.ClusterIPs = []string{sp.ClusterIP}
	}
}

// Volume modes and claim phases.
const (
	PersistentVolumeFilesystem = "Filesystem"
	ClaimPending               = "Pending"
)

// DefaultPersistentVolumeClaim sets volumeMode Filesystem and phase
// Pending, as core/v1 does.
func DefaultPersistentVolumeClaim(c *PersistentVolumeClaim) {
	if c == nil {
		return
	}
	if c.Spec.VolumeMode == nil {
		c.Spec.VolumeMode = Ptr(PersistentVolumeFilesystem)
	}
	if c.Status.Phase == "" {
		c.Status.Phase = ClaimPending
	}
}

// DefaultDaemonSet applies apps/v1 DaemonSet defaults: updateStrategy
// RollingUpdate with maxUnavailable 1 and maxSurge 0, revisionHistoryLimit
// 10, and the pod template defaults.
func DefaultDaemonSet(d *DaemonSet) {
	if d == nil {
		return
	}
	us := &d.Spec.UpdateStrategy
	if us.Type == "" {
		us.Type = RollingUpdateStrategy
	}
	if us.Type == RollingUpdateStrategy {
		if us.RollingUpdate == nil {
			us.RollingUpdate = &RollingUpdateDaemonSet{}
		}
		if us.RollingUpdate.MaxUnavailable == nil {
			us.RollingUpdate.MaxUnavailable = Ptr(intstr.FromInt32(1))
		}
		if us.RollingUpdate.MaxSurge == nil {
			us.RollingUpdate.MaxSurge = Ptr(intstr.FromInt32(0))
		}
	}
	if d.Spec.RevisionHistoryLimit == nil {
		d.Spec.RevisionHistoryLimit = Ptr(DefaultRevisionHistoryLimit)
	}
	DefaultPodTemplate(&d.Spec.Template)
}

// DefaultDeployment applies apps/v1 Deployment defaults: replicas 1,
// strategy RollingUpdate with maxUnavailable 25% and maxSurge 25%,
// revisionHistoryLimit 10, progressDeadlineSeconds 600, and the pod
// template defaults.
func DefaultDeployment(d *Deployment) {
	if d == nil {
		return
	}
	if d.Spec.Replicas == nil {
		d.Spec.Replicas = Ptr[int32](1)
	}
	st := &d.Spec.Strategy
	if st.Type == "" {
		st.Type = RollingUpdateStrategy
	}
	if st.Type == RollingUpdateStrategy {
		if st.RollingUpdate == nil {
			st.RollingUpdate = &RollingUpdateDeployment{}
		}
		if st.RollingUpdate.MaxUnavailable == nil {
			st.RollingUpdate.MaxUnavailable = Ptr(intstr.FromString("25%"))
		}
		if st.RollingUpdate.MaxSurge == nil {
			st.RollingUpdate.MaxSurge = Ptr(intstr.FromString("25%"))
		}
	}
	if d.Spec.RevisionHistoryLimit == nil {
		d.Spec.RevisionHistoryLimit = Ptr(DefaultRevisionHistoryLimit)
	}
	if d.Spec.ProgressDeadlineSeconds == nil {
		d.Spec.ProgressDeadlineSeconds = Ptr(DefaultProgressDeadlineSeconds)
	}
	DefaultPodTemplate(&d.Spec.Template)
}

// DefaultReplicaSet applies apps/v1 ReplicaSet defaults: replicas 1 and
// the pod template defaults.
func DefaultReplicaSet(r *ReplicaSet) {
	if r == nil {
		return
	}
	if r.Spec.Replicas == nil {
		r.Spec.Replicas = Ptr[int32](1)
	}
	DefaultPodTemplate(&r.Spec.Template)
}

// DefaultStatefulSet applies apps/v1 StatefulSet defaults: replicas 1,
// podManagementPolicy OrderedReady, updateStrategy RollingUpdate (with
// partition 0 when the type was unset or rollingUpdate is given;
// maxUnavailable stays unset, meaning 1, as in Kubernetes without the
// MaxUnavailableStatefulSet feature), revisionHistoryLimit 10,
// persistentVolumeClaimRetentionPolicy Retain/Retain, the pod template
// defaults and the claim defaults of every volumeClaimTemplate.
func DefaultStatefulSet(s *StatefulSet) {
	if s == nil {
		return
	}
	sp := &s.Spec
	if sp.Replicas == nil {
		sp.Replicas = Ptr[int32](1)
	}
	if sp.PodManagementPolicy == "" {
		sp.PodManagementPolicy = OrderedReadyPodManagement
	}
	us := &sp.UpdateStrategy
	if us.Type == "" {
		us.Type = RollingUpdateStrategy
		if us.RollingUpdate == nil {
			us.RollingUpdate = &RollingUpdateStatefulSetStrategy{}
		}
	}
	if us.Type == RollingUpdateStrategy && us.RollingUpdate != nil && us.RollingUpdate.Partition == nil {
		us.RollingUpdate.Partition = Ptr[int32](0)
	}
	if sp.RevisionHistoryLimit == nil {
		sp.RevisionHistoryLimit = Ptr(DefaultRevisionHistoryLimit)
	}
	if sp.PersistentVolumeClaimRetentionPolicy == nil {
		sp.PersistentVolumeClaimRetentionPolicy = &StatefulSetPersistentVolumeClaimRetentionPolicy{}
	}
	rp := sp.PersistentVolumeClaimRetentionPolicy
	if rp.WhenDeleted == "" {
		rp.WhenDeleted = RetainPersistentVolumeClaimRetentionPolicyType
	}
	if rp.WhenScaled == "" {
		rp.WhenScaled = RetainPersistentVolumeClaimRetentionPolicyType
	}
	DefaultPodTemplate(&sp.Template)
	for i := range sp.VolumeClaimTemplates {
		DefaultPersistentVolumeClaim(&sp.VolumeClaimTemplates[i])
	}
}

// DefaultJob applies batch/v1 Job defaults: DefaultJobSpec, and the
// template's labels copied to the Job when the Job has none (as
// SetDefaults_Job does). The selector and the controller-uid and job-name
// labels are the Job controller's business, not defaulting's.
func DefaultJob(j *Job) {
	if j == nil {
		return
	}
	DefaultJobSpec(&j.Spec)
	JobLabelsFromTemplate(j)
}

// GenerateJobSelector does what Kubernetes' API server does to a new Job
// without spec.manualSelector (the Job strategy's generateSelector), from
// its uid: its selector becomes batch.kubernetes.io/controller-uid=<uid>,
// or gets that added when it is one of the Job's own (which must match the
// generated labels), and its pod template gets the labels
// batch.kubernetes.io/controller-uid, batch.kubernetes.io/job-name,
// controller-uid and job-name; then a Job without labels gets its
// template's (JobLabelsFromTemplate). It reports whether it changed j. A
// Job with manualSelector, without a uid, or whose selector already has
// controller-uid is left alone.
func GenerateJobSelector(j *Job) bool {
	if j.UID == "" || (j.Spec.ManualSelector != nil && *j.Spec.ManualSelector) {
		return false
	}
	if j.Spec.Selector != nil && j.Spec.Selector.MatchLabels[ControllerUIDLabel] != "" {
		return false
	}
	if j.Spec.Selector == nil {
		j.Spec.Selector = &LabelSelector{MatchLabels: map[string]string{ControllerUIDLabel: j.UID}}
	} else {
		// A selector of the Job's own must match the generated labels
		// (validateGeneratedSelector); one that does not is left for
		// the Job controller to report.
		if !JobSelectorMatchesGenerated(j) {
			return false
		}
		own := j.Spec.Selector.DeepCopy()
		if own.MatchLabels == nil {
			own.MatchLabels = map[string]string{}
		}
		own.MatchLabels[ControllerUIDLabel] = j.UID
		j.Spec.Selector = own
	}
	l := copyMap(j.Spec.Template.Labels)
	if l == nil {
		l = map[string]string{}
	}
	l[ControllerUIDLabel] = j.UID
	l[JobNameLabel] = j.Name
	l[LegacyControllerUIDLabel] = j.UID
	l[LegacyJobNameLabel] = j.Name
	j.Spec.Template.Labels = l
	JobLabelsFromTemplate(j)
	return true
}

// JobSelectorMatchesGenerated reports whether the selector of a Job
// without manualSelector matches the labels generated for it (job-name and
// controller-uid, in both spellings), as Kubernetes'
// validateGeneratedSelector asks. A nil selector does not.
func JobSelectorMatchesGenerated(j *Job) bool {
	s := j.Spec.Selector
	if s == nil {
		return false
	}
	if len(s.MatchExpressions) == 0 && len(s.MatchLabels) == 1 && j.UID != "" && s.MatchLabels[ControllerUIDLabel] == j.UID {
		return true // the generated selector itself
	}
	sel, err := s.AsSelector()
	return err == nil && sel.Matches(labels.Set(jobGeneratedLabels(j)))
}

// JobLabelsFromTemplate gives a Job without labels a copy of its pod
// template's, as SetDefaults_Job does. Kubernetes' API server defaults an
// object whenever it decodes one, from storage too, so a Job created without
// labels shows its template's labels as they are after the selector was
// generated (job-name and controller-uid among them); the Job controller
// calls this once it has generated them, and a CronJob's Jobs get their pod
// template's labels this way.
func JobLabelsFromTemplate(j *Job) {
	if len(j.Labels) == 0 && len(j.Spec.Template.Labels) > 0 {
		j.Labels = copyMap(j.Spec.Template.Labels)
	}
}

// DefaultJobSpec applies batch/v1 JobSpec defaults: completions and
// parallelism 1 when both are unset (parallelism alone set leaves
// completions unset: a work-queue Job), parallelism 1, backoffLimit 6
// (MaxInt32 when backoffLimitPerIndex is set), completionMode NonIndexed,
// suspend false, podReplacementPolicy TerminatingOrFailed (Failed when a
// podFailurePolicy is set), onPodConditions status True, and the pod
// template defaults. manualSelector stays unset, as in Kubernetes.
func DefaultJobSpec(s *JobSpec) {
	if s == nil {
		return
	}
	if s.Completions == nil && s.Parallelism == nil {
		s.Completions = Ptr[int32](1)
		s.Parallelism = Ptr[int32](1)
	}
	if s.Parallelism == nil {
		s.Parallelism = Ptr[int32](1)
	}
	if s.BackoffLimit == nil {
		if s.BackoffLimitPerIndex != nil {
			s.BackoffLimit = Ptr[int32](math.MaxInt32)
		} else {
			s.BackoffLimit = Ptr(DefaultBackoffLimit)
		}
	}
	if s.CompletionMode == nil {
		s.CompletionMode = Ptr(NonIndexedCompletion)
	}
	if s.Suspend == nil {
		s.Suspend = Ptr(false)
	}
	if s.PodFailurePolicy != nil {
		for i := range s.PodFailurePolicy.Rules {
			pcs := s.PodFailurePolicy.Rules[i].OnPodConditions
			for j := range pcs {
				if pcs[j].Status == "" {
					pcs[j].Status = ConditionTrue
				}
			}
		}
	}
	if s.PodReplacementPolicy == nil {
		if s.PodFailurePolicy != nil {
			s.PodReplacementPolicy = Ptr(Failed)
		} else {
			s.PodReplacementPolicy = Ptr(TerminatingOrFailed)
		}
	}
	DefaultPodTemplate(&s.Template)
}

// DefaultCronJob applies batch/v1 CronJob defaults: concurrencyPolicy
// Allow, suspend false, successfulJobsHistoryLimit 3,
// failedJobsHistoryLimit 1, and DefaultJobSpec on the jobTemplate.
//
// Kubernetes defaults only the jobTemplate's pod template and leaves the
// Job-level fields (completions, backoffLimit, ...) to the defaulting of
// each Job the controller creates; orchestra defaults them on the template
// as well, so that a stored CronJob shows what its Jobs will get. The Jobs
// come out the same either way.
func DefaultCronJob(c *CronJob) {
	if c == nil {
		return
	}
	if c.Spec.ConcurrencyPolicy == "" {
		c.Spec.ConcurrencyPolicy = AllowConcurrent
	}
	if c.Spec.Suspend == nil {
		c.Spec.Suspend = Ptr(false)
	}
	if c.Spec.SuccessfulJobsHistoryLimit == nil {
		c.Spec.SuccessfulJobsHistoryLimit = Ptr[int32](3)
	}
	if c.Spec.FailedJobsHistoryLimit == nil {
		c.Spec.FailedJobsHistoryLimit = Ptr[int32](1)
	}
	DefaultJobSpec(&c.Spec.JobTemplate.Spec)
}

// mergeLabelKeys merges the matchLabelKeys (and mismatchLabelKeys) of the
// pod's inter-pod affinity terms and topology spread constraints into
// their label selectors, as the API server does when it creates a pod
// (registry/core/pod/strategy.go, applyMatchLabelKeysAndMismatchLabelKeys
// and the MatchLabelKeysInPodTopologySpreadSelectorMerge merge): for each
// key the pod has a label of, a matchExpressions requirement key In
// (value), or NotIn for mismatchLabelKeys. A term without labelSelector
// is left alone (it matches nothing). Unlike the API server, which merges
// once at creation, it leaves out a requirement already there, so that
// defaulting a pod again adds nothing.
func mergeLabelKeys(p *Pod) {
	if a := p.Spec.Affinity; a != nil {
		var terms []*PodAffinityTerm
		if pa := a.PodAffinity; pa != nil {
			for i := range pa.RequiredDuringSchedulingIgnoredDuringExecution {
				terms = append(terms, &pa.RequiredDuringSchedulingIgnoredDuringExecution[i])
			}
			for i := range pa.PreferredDuringSchedulingIgnoredDuringExecution {
				terms = append(terms, &pa.PreferredDuringSchedulingIgnoredDuringExecution[i].PodAffinityTerm)
			}
		}
		if pa := a.PodAntiAffinity; pa != nil {
			for i := range pa.RequiredDuringSchedulingIgnoredDuringExecution {
				terms = append(terms, &pa.RequiredDuringSchedulingIgnoredDuringExecution[i])
			}
			for i := range pa.PreferredDuringSchedulingIgnoredDuringExecution {
				terms = append(terms, &pa.PreferredDuringSchedulingIgnoredDuringExecution[i].PodAffinityTerm)
			}
		}
		for _, t := range terms {
			if t.LabelSelector == nil {
				continue
			}
			mergeKeys(t.LabelSelector, t.MatchLabelKeys, LabelSelectorOpIn, p.Labels)
			mergeKeys(t.LabelSelector, t.MismatchLabelKeys, LabelSelectorOpNotIn, p.Labels)
		}
	}
	for i := range p.Spec.TopologySpreadConstraints {
		c := &p.Spec.TopologySpreadConstraints[i]
		if c.LabelSelector != nil {
			mergeKeys(c.LabelSelector, c.MatchLabelKeys, LabelSelectorOpIn, p.Labels)
		}
	}
}

func mergeKeys(sel *LabelSelector, keys []string, op string, labels map[string]string) {
	for _, k := range keys {
		v, ok := labels[k]
		if !ok {
			continue
		}
		r := LabelSelectorRequirement{Key: k, Operator: op, Values: []string{v}}
		if !slices.ContainsFunc(sel.MatchExpressions, func(e LabelSelectorRequirement) bool {
			return e.Key == r.Key && e.Operator == r.Operator && slices.Equal(e.Values, r.Values)
		}) {
			sel.MatchExpressions = append(sel.MatchExpressions, r)
		}
	}
}
