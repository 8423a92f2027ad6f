package workload

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// cmpOpts compares objects of this package: times by instant, quantities
// by value.
var cmpOpts = []cmp.Option{
	cmp.Comparer(func(a, b Time) bool { return a.Equal(b.Time) }),
	cmp.Comparer(func(a, b resource.Quantity) bool { return a.Cmp(b) == 0 }),
}

// dPodSpec is the defaulted form of a one-container spec with restart.
func dPodSpec(restart string) PodSpec {
	return PodSpec{
		Containers:                    []Container{{Name: "main", Image: "busybox"}},
		RestartPolicy:                 restart,
		TerminationGracePeriodSeconds: Ptr[int64](30),
		SchedulerName:                 DefaultSchedulerName,
	}
}

func bareSpec() PodSpec { return PodSpec{Containers: []Container{{Name: "main", Image: "busybox"}}} }

var defaultTolerations = []Toleration{
	{Key: TaintNodeNotReady, Operator: TolerationOpExists, Effect: TaintEffectNoExecute, TolerationSeconds: Ptr[int64](300)},
	{Key: TaintNodeUnreachable, Operator: TolerationOpExists, Effect: TaintEffectNoExecute, TolerationSeconds: Ptr[int64](300)},
}

func TestDefault(t *testing.T) {
	meta := ObjectMeta{Name: "x", Namespace: "default"}
	tmplIn := PodTemplateSpec{ObjectMeta: ObjectMeta{Labels: map[string]string{"app": "x"}}, Spec: bareSpec()}
	tmplOut := PodTemplateSpec{ObjectMeta: ObjectMeta{Labels: map[string]string{"app": "x"}}, Spec: dPodSpec(RestartPolicyAlways)}
	jobTmplIn := PodTemplateSpec{Spec: bareSpec()}
	jobTmplIn.Spec.RestartPolicy = RestartPolicyNever
	jobTmplOut := PodTemplateSpec{Spec: dPodSpec(RestartPolicyNever)}
	rollingDS := DaemonSetUpdateStrategy{Type: RollingUpdateStrategy, RollingUpdate: &RollingUpdateDaemonSet{
		MaxUnavailable: Ptr(intstr.FromInt32(1)), MaxSurge: Ptr(intstr.FromInt32(0)),
	}}
	defaultJobSpec := func(tmpl PodTemplateSpec) JobSpec {
		return JobSpec{
			Completions: Ptr[int32](1), Parallelism: Ptr[int32](1), BackoffLimit: Ptr[int32](6),
			CompletionMode: Ptr(NonIndexedCompletion), Suspend: Ptr(false),
			PodReplacementPolicy: Ptr(TerminatingOrFailed), Template: tmpl,
		}
	}

	cases := []struct {
		name     string
		in, want Object
	}{
		{"namespace only for namespaced kinds",
			&Namespace{ObjectMeta: ObjectMeta{Name: "ns"}},
			&Namespace{ObjectMeta: ObjectMeta{Name: "ns"}}},
		{"event namespace",
			&Event{ObjectMeta: ObjectMeta{Name: "e"}},
			&Event{ObjectMeta: ObjectMeta{Name: "e", Namespace: "default"}}},
		{"namespace kept",
			&ControllerRevision{ObjectMeta: ObjectMeta{Name: "r", Namespace: "kube-system"}},
			&ControllerRevision{ObjectMeta: ObjectMeta{Name: "r", Namespace: "kube-system"}}},
		{"node allocatable from capacity",
			&Node{ObjectMeta: ObjectMeta{Name: "n"}, Status: NodeStatus{Capacity: ResourceList{"cpu": resource.MustParse("4")}}},
			&Node{ObjectMeta: ObjectMeta{Name: "n"}, Status: NodeStatus{
				Capacity: ResourceList{"cpu": resource.MustParse("4")}, Allocatable: ResourceList{"cpu": resource.MustParse("4")},
			}}},
		{"pod",
			&Pod{ObjectMeta: ObjectMeta{Name: "x"}, Spec: PodSpec{
				Containers: []Container{{
					Name: "main", Image: "busybox",
					Ports:          []ContainerPort{{ContainerPort: 80}},
					ReadinessProbe: &Probe{ProbeHandler: ProbeHandler{HTTPGet: &HTTPGetAction{Port: intstr.FromInt32(80)}}},
					LivenessProbe:  &Probe{ProbeHandler: ProbeHandler{Exec: &ExecAction{Command: []string{"true"}}}, PeriodSeconds: 2},
					Resources:      ResourceRequirements{Limits: ResourceList{"memory": resource.MustParse("200Mi")}},
				}},
				Tolerations: []Toleration{{Key: "node-role.kubernetes.io/master", Effect: TaintEffectNoSchedule}},
			}},
			&Pod{ObjectMeta: meta, Spec: PodSpec{
				Containers: []Container{{
					Name: "main", Image: "busybox",
					Ports: []ContainerPort{{ContainerPort: 80, Protocol: ProtocolTCP}},
					ReadinessProbe: &Probe{ProbeHandler: ProbeHandler{HTTPGet: &HTTPGetAction{Port: intstr.FromInt32(80), Path: "/", Scheme: "HTTP"}},
						TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3},
					LivenessProbe: &Probe{ProbeHandler: ProbeHandler{Exec: &ExecAction{Command: []string{"true"}}},
						TimeoutSeconds: 1, PeriodSeconds: 2, SuccessThreshold: 1, FailureThreshold: 3},
					Resources: ResourceRequirements{
						Limits:   ResourceList{"memory": resource.MustParse("200Mi")},
						Requests: ResourceList{"memory": resource.MustParse("200Mi")},
					},
				}},
				RestartPolicy:                 RestartPolicyAlways,
				TerminationGracePeriodSeconds: Ptr[int64](30),
				SchedulerName:                 DefaultSchedulerName,
				Tolerations: append([]Toleration{{Key: "node-role.kubernetes.io/master", Effect: TaintEffectNoSchedule}},
					defaultTolerations...),
			}}},
		{"pod already tolerating not-ready keeps its own",
			&Pod{ObjectMeta: meta, Spec: PodSpec{Containers: bareSpec().Containers, Tolerations: []Toleration{
				{Key: TaintNodeNotReady, Operator: TolerationOpExists, Effect: TaintEffectNoExecute, TolerationSeconds: Ptr[int64](10)},
			}}},
			&Pod{ObjectMeta: meta, Spec: func() PodSpec {
				s := dPodSpec(RestartPolicyAlways)
				s.Tolerations = []Toleration{
					{Key: TaintNodeNotReady, Operator: TolerationOpExists, Effect: TaintEffectNoExecute, TolerationSeconds: Ptr[int64](10)},
					defaultTolerations[1],
				}
				return s
			}()}},
		{"pod tolerating everything gets nothing",
			&Pod{ObjectMeta: meta, Spec: PodSpec{Containers: bareSpec().Containers, Tolerations: []Toleration{{Operator: TolerationOpExists}}}},
			&Pod{ObjectMeta: meta, Spec: func() PodSpec {
				s := dPodSpec(RestartPolicyAlways)
				s.Tolerations = []Toleration{{Operator: TolerationOpExists}}
				return s
			}()}},
		{"pod hostNetwork host ports",
			&Pod{ObjectMeta: meta, Spec: PodSpec{HostNetwork: true, Containers: []Container{{Name: "main", Image: "busybox", Ports: []ContainerPort{{ContainerPort: 9100}}}}}},
			&Pod{ObjectMeta: meta, Spec: func() PodSpec {
				s := dPodSpec(RestartPolicyAlways)
				s.HostNetwork = true
				s.Containers[0].Ports = []ContainerPort{{ContainerPort: 9100, HostPort: 9100, Protocol: ProtocolTCP}}
				s.Tolerations = defaultTolerations
				return s
			}()}},
		{"daemonset",
			&DaemonSet{ObjectMeta: ObjectMeta{Name: "x"}, Spec: DaemonSetSpec{Template: tmplIn}},
			&DaemonSet{ObjectMeta: meta, Spec: DaemonSetSpec{Template: tmplOut, UpdateStrategy: rollingDS, RevisionHistoryLimit: Ptr[int32](10)}}},
		{"daemonset surge only",
			&DaemonSet{ObjectMeta: meta, Spec: DaemonSetSpec{Template: tmplIn, UpdateStrategy: DaemonSetUpdateStrategy{
				RollingUpdate: &RollingUpdateDaemonSet{MaxSurge: Ptr(intstr.FromString("10%"))},
			}}},
			&DaemonSet{ObjectMeta: meta, Spec: DaemonSetSpec{Template: tmplOut, RevisionHistoryLimit: Ptr[int32](10), UpdateStrategy: DaemonSetUpdateStrategy{
				Type: RollingUpdateStrategy, RollingUpdate: &RollingUpdateDaemonSet{MaxUnavailable: Ptr(intstr.FromInt32(1)), MaxSurge: Ptr(intstr.FromString("10%"))},
			}}}},
		{"daemonset OnDelete",
			&DaemonSet{ObjectMeta: meta, Spec: DaemonSetSpec{Template: tmplIn, UpdateStrategy: DaemonSetUpdateStrategy{Type: OnDeleteStrategy}}},
			&DaemonSet{ObjectMeta: meta, Spec: DaemonSetSpec{Template: tmplOut, UpdateStrategy: DaemonSetUpdateStrategy{Type: OnDeleteStrategy}, RevisionHistoryLimit: Ptr[int32](10)}}},
		{"deployment",
			&Deployment{ObjectMeta: ObjectMeta{Name: "x"}, Spec: DeploymentSpec{Template: tmplIn}},
			&Deployment{ObjectMeta: meta, Spec: DeploymentSpec{
				Replicas: Ptr[int32](1), Template: tmplOut,
				Strategy: DeploymentStrategy{Type: RollingUpdateStrategy, RollingUpdate: &RollingUpdateDeployment{
					MaxUnavailable: Ptr(intstr.FromString("25%")), MaxSurge: Ptr(intstr.FromString("25%")),
				}},
				RevisionHistoryLimit: Ptr[int32](10), ProgressDeadlineSeconds: Ptr[int32](600),
			}}},
		{"deployment Recreate keeps replicas",
			&Deployment{ObjectMeta: meta, Spec: DeploymentSpec{Replicas: Ptr[int32](0), Template: tmplIn, Strategy: DeploymentStrategy{Type: RecreateStrategy}}},
			&Deployment{ObjectMeta: meta, Spec: DeploymentSpec{
				Replicas: Ptr[int32](0), Template: tmplOut, Strategy: DeploymentStrategy{Type: RecreateStrategy},
				RevisionHistoryLimit: Ptr[int32](10), ProgressDeadlineSeconds: Ptr[int32](600),
			}}},
		{"replicaset",
			&ReplicaSet{ObjectMeta: ObjectMeta{Name: "x"}, Spec: ReplicaSetSpec{Template: tmplIn}},
			&ReplicaSet{ObjectMeta: meta, Spec: ReplicaSetSpec{Replicas: Ptr[int32](1), Template: tmplOut}}},
		{"statefulset",
			&StatefulSet{ObjectMeta: ObjectMeta{Name: "x"}, Spec: StatefulSetSpec{Template: tmplIn, VolumeClaimTemplates: []PersistentVolumeClaim{{ObjectMeta: ObjectMeta{Name: "data"}}}}},
			&StatefulSet{ObjectMeta: meta, Spec: StatefulSetSpec{
				Replicas: Ptr[int32](1), Template: tmplOut, PodManagementPolicy: OrderedReadyPodManagement,
				UpdateStrategy:       StatefulSetUpdateStrategy{Type: RollingUpdateStrategy, RollingUpdate: &RollingUpdateStatefulSetStrategy{Partition: Ptr[int32](0)}},
				RevisionHistoryLimit: Ptr[int32](10),
				PersistentVolumeClaimRetentionPolicy: &StatefulSetPersistentVolumeClaimRetentionPolicy{
					WhenDeleted: RetainPersistentVolumeClaimRetentionPolicyType, WhenScaled: RetainPersistentVolumeClaimRetentionPolicyType,
				},
				VolumeClaimTemplates: []PersistentVolumeClaim{{ObjectMeta: ObjectMeta{Name: "data"},
					Spec: PersistentVolumeClaimSpec{VolumeMode: Ptr(PersistentVolumeFilesystem)}, Status: PersistentVolumeClaimStatus{Phase: ClaimPending}}},
			}}},
		{"statefulset explicit RollingUpdate without rollingUpdate stays so",
			&StatefulSet{ObjectMeta: meta, Spec: StatefulSetSpec{Template: tmplIn, UpdateStrategy: StatefulSetUpdateStrategy{Type: RollingUpdateStrategy},
				PersistentVolumeClaimRetentionPolicy: &StatefulSetPersistentVolumeClaimRetentionPolicy{WhenScaled: "Delete"}}},
			&StatefulSet{ObjectMeta: meta, Spec: StatefulSetSpec{
				Replicas: Ptr[int32](1), Template: tmplOut, PodManagementPolicy: OrderedReadyPodManagement,
				UpdateStrategy:       StatefulSetUpdateStrategy{Type: RollingUpdateStrategy},
				RevisionHistoryLimit: Ptr[int32](10),
				PersistentVolumeClaimRetentionPolicy: &StatefulSetPersistentVolumeClaimRetentionPolicy{
					WhenDeleted: RetainPersistentVolumeClaimRetentionPolicyType, WhenScaled: "Delete",
				},
			}}},
		{"job",
			&Job{ObjectMeta: ObjectMeta{Name: "x"}, Spec: JobSpec{Template: jobTmplIn}},
			&Job{ObjectMeta: meta, Spec: defaultJobSpec(jobTmplOut)}},
		{"job labels from template",
			&Job{ObjectMeta: meta, Spec: JobSpec{Template: PodTemplateSpec{ObjectMeta: ObjectMeta{Labels: map[string]string{"app": "x"}}, Spec: jobTmplIn.Spec}}},
			&Job{ObjectMeta: ObjectMeta{Name: "x", Namespace: "default", Labels: map[string]string{"app": "x"}},
				Spec: defaultJobSpec(PodTemplateSpec{ObjectMeta: ObjectMeta{Labels: map[string]string{"app": "x"}}, Spec: jobTmplOut.Spec})}},
		{"job work queue: parallelism only",
			&Job{ObjectMeta: meta, Spec: JobSpec{Parallelism: Ptr[int32](4), Template: jobTmplIn}},
			&Job{ObjectMeta: meta, Spec: func() JobSpec {
				s := defaultJobSpec(jobTmplOut)
				s.Completions, s.Parallelism = nil, Ptr[int32](4)
				return s
			}()}},
		{"job completions only",
			&Job{ObjectMeta: meta, Spec: JobSpec{Completions: Ptr[int32](5), Template: jobTmplIn}},
			&Job{ObjectMeta: meta, Spec: func() JobSpec {
				s := defaultJobSpec(jobTmplOut)
				s.Completions = Ptr[int32](5)
				return s
			}()}},
		{"job backoffLimitPerIndex and podFailurePolicy",
			&Job{ObjectMeta: meta, Spec: JobSpec{Template: jobTmplIn, BackoffLimitPerIndex: Ptr[int32](1), PodFailurePolicy: &PodFailurePolicy{
				Rules: []PodFailurePolicyRule{{Action: PodFailurePolicyActionIgnore, OnPodConditions: []PodFailurePolicyOnPodConditionsPattern{{Type: DisruptionTarget}}}},
			}}},
			&Job{ObjectMeta: meta, Spec: func() JobSpec {
				s := defaultJobSpec(jobTmplOut)
				s.BackoffLimitPerIndex = Ptr[int32](1)
				s.BackoffLimit = Ptr[int32](math.MaxInt32)
				s.PodReplacementPolicy = Ptr(Failed)
				s.PodFailurePolicy = &PodFailurePolicy{Rules: []PodFailurePolicyRule{{Action: PodFailurePolicyActionIgnore,
					OnPodConditions: []PodFailurePolicyOnPodConditionsPattern{{Type: DisruptionTarget, Status: ConditionTrue}}}}}
				return s
			}()}},
		{"cronjob",
			&CronJob{ObjectMeta: ObjectMeta{Name: "x"}, Spec: CronJobSpec{Schedule: "@hourly", JobTemplate: JobTemplateSpec{Spec: JobSpec{Template: jobTmplIn}}}},
			&CronJob{ObjectMeta: meta, Spec: CronJobSpec{
				Schedule: "@hourly", ConcurrencyPolicy: AllowConcurrent, Suspend: Ptr(false),
				SuccessfulJobsHistoryLimit: Ptr[int32](3), FailedJobsHistoryLimit: Ptr[int32](1),
				JobTemplate: JobTemplateSpec{Spec: defaultJobSpec(jobTmplOut)},
			}}},
		{"service",
			&Service{ObjectMeta: ObjectMeta{Name: "x"}, Spec: ServiceSpec{Ports: []ServicePort{{Port: 80}, {Port: 443, TargetPort: intstr.FromString("https")}}}},
			&Service{ObjectMeta: meta, Spec: ServiceSpec{
				Type: ServiceTypeClusterIP, SessionAffinity: SessionAffinityNone, InternalTrafficPolicy: Ptr(TrafficPolicyCluster),
				Ports: []ServicePort{
					{Port: 80, Protocol: ProtocolTCP, TargetPort: intstr.FromInt32(80)},
					{Port: 443, Protocol: ProtocolTCP, TargetPort: intstr.FromString("https")},
				},
			}}},
		{"service LoadBalancer with ClientIP affinity",
			&Service{ObjectMeta: meta, Spec: ServiceSpec{Type: ServiceTypeLoadBalancer, SessionAffinity: SessionAffinityClientIP, Ports: []ServicePort{{Port: 80, TargetPort: intstr.FromString("")}}}},
			&Service{ObjectMeta: meta, Spec: ServiceSpec{
				Type: ServiceTypeLoadBalancer, SessionAffinity: SessionAffinityClientIP,
				SessionAffinityConfig: &SessionAffinityConfig{ClientIP: &ClientIPConfig{TimeoutSeconds: Ptr[int32](10800)}},
				InternalTrafficPolicy: Ptr(TrafficPolicyCluster), ExternalTrafficPolicy: TrafficPolicyCluster,
				AllocateLoadBalancerNodePorts: Ptr(true),
				Ports:                         []ServicePort{{Port: 80, Protocol: ProtocolTCP, TargetPort: intstr.FromInt32(80)}},
			}}},
		{"service headless",
			&Service{ObjectMeta: meta, Spec: ServiceSpec{ClusterIP: ClusterIPNone}},
			&Service{ObjectMeta: meta, Spec: ServiceSpec{
				Type: ServiceTypeClusterIP, ClusterIP: ClusterIPNone, ClusterIPs: []string{ClusterIPNone},
				SessionAffinity: SessionAffinityNone, InternalTrafficPolicy: Ptr(TrafficPolicyCluster),
			}}},
		{"service ExternalName has no traffic policy",
			&Service{ObjectMeta: meta, Spec: ServiceSpec{Type: ServiceTypeExternalName, ExternalName: "db.example.com"}},
			&Service{ObjectMeta: meta, Spec: ServiceSpec{Type: ServiceTypeExternalName, ExternalName: "db.example.com", SessionAffinity: SessionAffinityNone}}},
		{"persistentvolumeclaim",
			&PersistentVolumeClaim{ObjectMeta: ObjectMeta{Name: "x"}},
			&PersistentVolumeClaim{ObjectMeta: meta, Spec: PersistentVolumeClaimSpec{VolumeMode: Ptr(PersistentVolumeFilesystem)}, Status: PersistentVolumeClaimStatus{Phase: ClaimPending}}},
		{"endpointslice",
			&EndpointSlice{ObjectMeta: ObjectMeta{Name: "x"}, AddressType: AddressTypeIPv4},
			&EndpointSlice{ObjectMeta: meta, AddressType: AddressTypeIPv4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.in.DeepCopyObject()
			Default(got)
			if diff := cmp.Diff(tc.want, got, cmpOpts...); diff != "" {
				t.Errorf("Default (-want +got):\n%s", diff)
			}
			again := got.DeepCopyObject()
			Default(again)
			if diff := cmp.Diff(got, again, cmpOpts...); diff != "" {
				t.Errorf("Default is not idempotent (-once +twice):\n%s", diff)
			}
		})
	}
}

func TestDefaultDoesNotAddTolerationsToTemplates(t *testing.T) {
	d := &Deployment{ObjectMeta: ObjectMeta{Name: "x"}, Spec: DeploymentSpec{Template: PodTemplateSpec{Spec: bareSpec()}}}
	Default(d)
	if len(d.Spec.Template.Spec.Tolerations) != 0 {
		t.Errorf("template tolerations = %v, want none", d.Spec.Template.Spec.Tolerations)
	}
}

func TestDefaultJobLabelsAreCopied(t *testing.T) {
	j := &Job{ObjectMeta: ObjectMeta{Name: "x"}, Spec: JobSpec{Template: PodTemplateSpec{ObjectMeta: ObjectMeta{Labels: map[string]string{"app": "x"}}}}}
	Default(j)
	j.Labels["other"] = "y"
	if _, ok := j.Spec.Template.Labels["other"]; ok {
		t.Error("the Job's labels share the template's map")
	}
}

func TestDefaultNil(t *testing.T) {
	Default(nil)
	Default((*Pod)(nil))
	Default((*CronJob)(nil))
}

// A pod's matchLabelKeys and mismatchLabelKeys are merged into its
// selectors as the API server does at creation, once; a template's are
// not; and a key the user's selector names already is refused for a pod
// that carries the label, after the merge.
func TestDefaultMergesMatchLabelKeys(t *testing.T) {
	sel := func() *LabelSelector { return &LabelSelector{MatchLabels: map[string]string{"app": "web"}} }
	spec := func() PodSpec {
		s := PodSpec{Containers: []Container{{Name: "c", Image: "i"}}}
		s.Affinity = &Affinity{PodAntiAffinity: &PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []PodAffinityTerm{{
			LabelSelector: sel(), TopologyKey: LabelHostname, MatchLabelKeys: []string{"version", "absent"}, MismatchLabelKeys: []string{"tenant"}}}}}
		s.TopologySpreadConstraints = []TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: LabelZone, WhenUnsatisfiable: DoNotSchedule,
			LabelSelector: sel(), MatchLabelKeys: []string{"version"}}}
		return s
	}
	labels := map[string]string{"app": "web", "version": "v2", "tenant": "t1"}
	p := &Pod{ObjectMeta: ObjectMeta{Name: "p", Namespace: "default", Labels: labels}, Spec: spec()}
	Default(p)
	Default(p)
	wantAff := []LabelSelectorRequirement{{Key: "version", Operator: LabelSelectorOpIn, Values: []string{"v2"}}, {Key: "tenant", Operator: LabelSelectorOpNotIn, Values: []string{"t1"}}}
	if got := p.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution[0].LabelSelector.MatchExpressions; !cmp.Equal(got, wantAff) {
		t.Errorf("anti-affinity selector %v, want %v", got, wantAff)
	}
	wantSpread := wantAff[:1]
	if got := p.Spec.TopologySpreadConstraints[0].LabelSelector.MatchExpressions; !cmp.Equal(got, wantSpread) {
		t.Errorf("spread selector %v, want %v", got, wantSpread)
	}
	if err := Validate(p); err != nil {
		t.Errorf("Validate = %v", err)
	}

	d := &Deployment{ObjectMeta: ObjectMeta{Name: "d", Namespace: "default"}, Spec: DeploymentSpec{
		Selector: sel(), Template: PodTemplateSpec{ObjectMeta: ObjectMeta{Labels: labels}, Spec: spec()}}}
	d.Spec.Template.Spec.TopologySpreadConstraints[0].MatchLabelKeys = []string{"app"}
	Default(d)
	if got := d.Spec.Template.Spec.TopologySpreadConstraints[0].LabelSelector.MatchExpressions; got != nil {
		t.Errorf("template selector merged: %v", got)
	}
	if err := Validate(d); err != nil {
		t.Errorf("Validate(template naming the key twice before the merge) = %v, want nil", err)
	}
	p = &Pod{ObjectMeta: ObjectMeta{Name: "p", Namespace: "default", Labels: labels}, Spec: d.Spec.Template.Spec}
	Default(p)
	err := Validate(p)
	if err == nil || !strings.Contains(err.Error(), `spec.topologySpreadConstraints[0].matchLabelKeys[0]: Invalid value: "app": exists in both matchLabelKeys and labelSelector`) {
		t.Errorf("Validate(pod) = %v, want the key refused", err)
	}
}
