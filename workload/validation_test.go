package workload

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Valid objects of every kind; each bad case changes one of them.

func vPodSpec(restart string) PodSpec {
	return PodSpec{
		RestartPolicy: restart,
		Containers: []Container{{
			Name:  "main",
			Image: "busybox",
			Ports: []ContainerPort{{Name: "http", ContainerPort: 8080}},
		}},
	}
}

func vTemplate(restart string) PodTemplateSpec {
	return PodTemplateSpec{
		ObjectMeta: ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec:       vPodSpec(restart),
	}
}

func vSelector() *LabelSelector {
	return &LabelSelector{MatchLabels: map[string]string{"app": "web"}}
}

func vMeta(name string) ObjectMeta { return ObjectMeta{Name: name, Namespace: "default"} }

func vPod() *Pod { return &Pod{ObjectMeta: vMeta("web-1"), Spec: vPodSpec("")} }

func vNode() *Node {
	return &Node{ObjectMeta: ObjectMeta{Name: "node-1"}, Spec: NodeSpec{
		Taints: []Taint{{Key: TaintControlPlane, Effect: TaintEffectNoSchedule}},
	}}
}

func vDaemonSet() *DaemonSet {
	return &DaemonSet{ObjectMeta: vMeta("agent"), Spec: DaemonSetSpec{
		Selector: vSelector(), Template: vTemplate(""),
	}}
}

func vDeployment() *Deployment {
	return &Deployment{ObjectMeta: vMeta("web"), Spec: DeploymentSpec{
		Replicas: Ptr[int32](3), Selector: vSelector(), Template: vTemplate(""),
	}}
}

func vReplicaSet() *ReplicaSet {
	return &ReplicaSet{ObjectMeta: vMeta("web-abc"), Spec: ReplicaSetSpec{
		Replicas: Ptr[int32](3), Selector: vSelector(), Template: vTemplate(""),
	}}
}

func vClaim(name string) PersistentVolumeClaim {
	return PersistentVolumeClaim{ObjectMeta: ObjectMeta{Name: name}, Spec: PersistentVolumeClaimSpec{
		AccessModes: []string{"ReadWriteOnce"},
		Resources:   ResourceRequirements{Requests: ResourceList{ResourceStorage: resource.MustParse("1Gi")}},
	}}
}

func vStatefulSet() *StatefulSet {
	return &StatefulSet{ObjectMeta: vMeta("db"), Spec: StatefulSetSpec{
		Replicas: Ptr[int32](3), Selector: vSelector(), Template: vTemplate(""),
		ServiceName: "db", VolumeClaimTemplates: []PersistentVolumeClaim{vClaim("data")},
	}}
}

func vJob() *Job {
	return &Job{ObjectMeta: vMeta("backup"), Spec: JobSpec{Template: vTemplate(RestartPolicyNever)}}
}

func vIndexedJob() *Job {
	j := vJob()
	j.Spec.CompletionMode = Ptr(IndexedCompletion)
	j.Spec.Completions = Ptr[int32](5)
	j.Spec.Parallelism = Ptr[int32](2)
	return j
}

func vCronJob() *CronJob {
	return &CronJob{ObjectMeta: vMeta("hello"), Spec: CronJobSpec{
		Schedule:    "*/5 * * * *",
		JobTemplate: JobTemplateSpec{Spec: JobSpec{Template: vTemplate(RestartPolicyOnFailure)}},
	}}
}

func vService() *Service {
	return &Service{ObjectMeta: vMeta("web"), Spec: ServiceSpec{
		Selector: map[string]string{"app": "web"},
		Ports:    []ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
	}}
}

func vPVC() *PersistentVolumeClaim {
	c := vClaim("data-db-0")
	c.Namespace = "default"
	return &c
}

func vEndpointSlice() *EndpointSlice {
	return &EndpointSlice{ObjectMeta: vMeta("web-abc"), AddressType: AddressTypeIPv4,
		Endpoints: []Endpoint{{Addresses: []string{"10.0.0.1"}}},
		Ports:     []EndpointPort{{Name: Ptr("http"), Port: Ptr[int32](80), Protocol: Ptr(ProtocolTCP)}},
	}
}

func validObjects() []Object {
	return []Object{
		vPod(), vNode(), vDaemonSet(), vDeployment(), vReplicaSet(), vStatefulSet(), vJob(),
		vIndexedJob(), vCronJob(), vService(), vPVC(), vEndpointSlice(),
		&Namespace{ObjectMeta: ObjectMeta{Name: "team-a"}},
		&Event{ObjectMeta: vMeta("web.17f")},
		&ControllerRevision{ObjectMeta: vMeta("web-5d8"), Revision: 1},
		vPodWithInterPodAffinity(),
		vPodWithSpread(),
	}
}

// vPodWithSpread uses every field of topology spread constraints.
func vPodWithSpread() *Pod {
	p := vPod()
	p.Name = "web-3"
	p.Spec.TopologySpreadConstraints = []TopologySpreadConstraint{
		{MaxSkew: 1, TopologyKey: LabelZone, WhenUnsatisfiable: DoNotSchedule, MinDomains: Ptr[int32](3),
			LabelSelector: &LabelSelector{MatchLabels: map[string]string{"app": "web"}}, MatchLabelKeys: []string{"pod-template-hash"},
			NodeAffinityPolicy: Ptr(NodeInclusionPolicyIgnore), NodeTaintsPolicy: Ptr(NodeInclusionPolicyHonor)},
		{MaxSkew: 2, TopologyKey: LabelZone, WhenUnsatisfiable: ScheduleAnyway},
	}
	return p
}

// vPodWithInterPodAffinity uses every field of inter-pod affinity.
func vPodWithInterPodAffinity() *Pod {
	p := vPod()
	p.Name = "web-2"
	term := PodAffinityTerm{
		LabelSelector:     &LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		Namespaces:        []string{"default", "other"},
		NamespaceSelector: &LabelSelector{MatchLabels: map[string]string{"team": "a"}},
		TopologyKey:       LabelZone,
		MatchLabelKeys:    []string{"pod-template-hash"},
		MismatchLabelKeys: []string{"tenant"},
	}
	p.Spec.Affinity = &Affinity{
		PodAffinity: &PodAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution:  []PodAffinityTerm{term},
			PreferredDuringSchedulingIgnoredDuringExecution: []WeightedPodAffinityTerm{{Weight: 100, PodAffinityTerm: term}},
		},
		PodAntiAffinity: &PodAntiAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution:  []PodAffinityTerm{{TopologyKey: LabelHostname}},
			PreferredDuringSchedulingIgnoredDuringExecution: []WeightedPodAffinityTerm{{Weight: 1, PodAffinityTerm: term}},
		},
	}
	return p
}

func TestValidateAcceptsValidObjects(t *testing.T) {
	for _, o := range validObjects() {
		if err := Validate(o); err != nil {
			t.Errorf("Validate(%s) = %v, want nil", Ref(o), err)
		}
		d := o.DeepCopyObject()
		Default(d)
		if err := Validate(d); err != nil {
			t.Errorf("Validate(Default(%s)) = %v, want nil", Ref(o), err)
		}
	}
}

// A Gt or Lt value that is not an integer passes, as the API server's
// ValidateNodeSelectorRequirement checks only that there is one value
// (the scheduler's term then matches no node).
func TestValidateAcceptsGtLtValueThatIsNotAnInteger(t *testing.T) {
	p := vPod()
	p.Spec.Affinity = reqAffinity(NodeSelectorRequirement{Key: "cores", Operator: NodeSelectorOpLt, Values: []string{"150.1"}})
	if err := Validate(p); err != nil {
		t.Errorf("Validate = %v, want nil", err)
	}
}

func TestValidateDoesNotChangeTheObject(t *testing.T) {
	for _, o := range validObjects() {
		before := o.DeepCopyObject()
		_ = Validate(o)
		if diff := cmp.Diff(before, o, cmpOpts...); diff != "" {
			t.Errorf("Validate changed %s (-before +after):\n%s", Ref(o), diff)
		}
	}
}

type badCase struct {
	name  string
	obj   Object
	paths []string
}

func with[T Object](o T, f func(T)) T { f(o); return o }

func badObjects() []badCase {
	long := strings.Repeat("a", 53)
	return []badCase{
		// metadata
		{"no name", with(vPod(), func(p *Pod) { p.Name = "" }), []string{"metadata.name"}},
		{"name not DNS-1123", with(vDeployment(), func(d *Deployment) { d.Name = "Web_1" }), []string{"metadata.name"}},
		{"generateName invalid", with(vPod(), func(p *Pod) { p.Name, p.GenerateName = "", "Web-" }), []string{"metadata.generateName"}},
		{"service name must be a DNS-1035 label", with(vService(), func(s *Service) { s.Name = "1web" }), []string{"metadata.name"}},
		{"service name with a dot", with(vService(), func(s *Service) { s.Name = "web.a" }), []string{"metadata.name"}},
		{"cronjob name over 52", with(vCronJob(), func(c *CronJob) { c.Name = long }), []string{"metadata.name"}},
		{"statefulset name with a dot", with(vStatefulSet(), func(s *StatefulSet) { s.Name = "db.v1" }), []string{"metadata.name"}},
		{"job managedBy without a domain", with(vJob(), func(j *Job) { j.Spec.ManagedBy = Ptr("kueue") }), []string{"spec.managedBy"}},
		{"job name over 63 (job-name label)", with(vJob(), func(j *Job) { j.Name = strings.Repeat("j", 64) }), []string{"spec.template.labels"}},
		{"namespace invalid", with(vPod(), func(p *Pod) { p.Namespace = "Team.A" }), []string{"metadata.namespace"}},
		{"namespace on a node", with(vNode(), func(n *Node) { n.Namespace = "default" }), []string{"metadata.namespace"}},
		{"label key invalid", with(vPod(), func(p *Pod) { p.Labels = map[string]string{"a b": "x"} }), []string{"metadata.labels"}},
		{"label value invalid", with(vPod(), func(p *Pod) { p.Labels = map[string]string{"app": "-web-"} }), []string{"metadata.labels[app]"}},
		{"annotation key invalid", with(vPod(), func(p *Pod) { p.Annotations = map[string]string{"/x": "y"} }), []string{"metadata.annotations"}},
		{"annotations too large", with(vPod(), func(p *Pod) {
			p.Annotations = map[string]string{"big": strings.Repeat("x", TotalAnnotationSizeLimit)}
		}), []string{"metadata.annotations"}},
		{"owner reference incomplete", with(vPod(), func(p *Pod) {
			p.OwnerReferences = []OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web"}}
		}), []string{"metadata.ownerReferences[0].uid"}},
		{"orphan and foregroundDeletion finalizers", with(vPod(), func(p *Pod) {
			p.Finalizers = []string{"orphan", "example.com/x", "foregroundDeletion"}
		}), []string{"metadata.finalizers"}},
		{"two controllers", with(vPod(), func(p *Pod) {
			t := true
			p.OwnerReferences = []OwnerReference{
				{APIVersion: "v1", Kind: "A", Name: "a", UID: "1", Controller: &t},
				{APIVersion: "v1", Kind: "B", Name: "b", UID: "2", Controller: &t},
			}
		}), []string{"metadata.ownerReferences"}},

		// selectors and templates
		{"deployment without selector", with(vDeployment(), func(d *Deployment) { d.Spec.Selector = nil }), []string{"spec.selector"}},
		{"daemonset without selector", with(vDaemonSet(), func(d *DaemonSet) { d.Spec.Selector = nil }), []string{"spec.selector"}},
		{"replicaset without selector", with(vReplicaSet(), func(r *ReplicaSet) { r.Spec.Selector = nil }), []string{"spec.selector"}},
		{"statefulset without selector", with(vStatefulSet(), func(s *StatefulSet) { s.Spec.Selector = nil }), []string{"spec.selector"}},
		{"empty selector", with(vDeployment(), func(d *Deployment) { d.Spec.Selector = &LabelSelector{} }), []string{"spec.selector"}},
		{"selector does not match template", with(vDaemonSet(), func(d *DaemonSet) {
			d.Spec.Template.Labels = map[string]string{"app": "other"}
		}), []string{"spec.template.metadata.labels"}},
		{"selector expression In without values", with(vDeployment(), func(d *Deployment) {
			d.Spec.Selector.MatchExpressions = []LabelSelectorRequirement{{Key: "tier", Operator: LabelSelectorOpIn}}
		}), []string{"spec.selector.matchExpressions[0].values"}},
		{"selector expression bad operator", with(vDeployment(), func(d *Deployment) {
			d.Spec.Selector.MatchExpressions = []LabelSelectorRequirement{{Key: "tier", Operator: "Has"}}
		}), []string{"spec.selector.matchExpressions[0].operator"}},
		{"manual job selector missing", with(vJob(), func(j *Job) { j.Spec.ManualSelector = Ptr(true) }), []string{"spec.selector"}},
		{"job selector without manualSelector", with(vJob(), func(j *Job) {
			j.Spec.Selector = &LabelSelector{MatchLabels: map[string]string{"app": "web"}}
		}), []string{"spec.selector"}},
		{"job generated selector of another uid", with(vJob(), func(j *Job) {
			j.UID = "u1"
			j.Spec.Selector = &LabelSelector{MatchLabels: map[string]string{ControllerUIDLabel: "u2"}}
			j.Spec.Template.Labels = map[string]string{"app": "web", ControllerUIDLabel: "u2"}
		}), []string{"spec.selector", "spec.template.metadata.labels[batch.kubernetes.io/controller-uid]"}},
		{"job-name label of another Job", with(vJob(), func(j *Job) {
			j.Spec.Template.Labels = map[string]string{"app": "web", LegacyJobNameLabel: "other"}
		}), []string{"spec.template.metadata.labels[job-name]"}},
		{"template label value invalid", with(vReplicaSet(), func(r *ReplicaSet) {
			r.Spec.Template.Labels["x"] = "not valid!"
		}), []string{"spec.template.metadata.labels[x]"}},

		// restart policies
		{"deployment restartPolicy Never", with(vDeployment(), func(d *Deployment) {
			d.Spec.Template.Spec.RestartPolicy = RestartPolicyNever
		}), []string{"spec.template.spec.restartPolicy"}},
		{"statefulset restartPolicy OnFailure", with(vStatefulSet(), func(s *StatefulSet) {
			s.Spec.Template.Spec.RestartPolicy = RestartPolicyOnFailure
		}), []string{"spec.template.spec.restartPolicy"}},
		{"job restartPolicy unset means Always", with(vJob(), func(j *Job) { j.Spec.Template.Spec.RestartPolicy = "" }), []string{"spec.template.spec.restartPolicy"}},
		{"cronjob restartPolicy Always", with(vCronJob(), func(c *CronJob) {
			c.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy = RestartPolicyAlways
		}), []string{"spec.jobTemplate.spec.template.spec.restartPolicy"}},
		{"pod restartPolicy unknown", with(vPod(), func(p *Pod) { p.Spec.RestartPolicy = "Sometimes" }), []string{"spec.restartPolicy"}},
		{"activeDeadlineSeconds in a deployment template", with(vDeployment(), func(d *Deployment) {
			d.Spec.Template.Spec.ActiveDeadlineSeconds = Ptr[int64](10)
		}), []string{"spec.template.spec.activeDeadlineSeconds"}},

		// sidecars (validateInitContainers, validateContainers)
		{"restartPolicy on an app container", with(vPod(), func(p *Pod) {
			p.Spec.Containers[0].RestartPolicy = Ptr(ContainerRestartPolicyAlways)
		}), []string{"spec.containers[0].restartPolicy"}},
		{"init container restartPolicy Never", with(vDeployment(), func(d *Deployment) {
			d.Spec.Template.Spec.InitContainers = []Container{{Name: "proxy", Image: "x", RestartPolicy: Ptr(RestartPolicyNever)}}
		}), []string{"spec.template.spec.initContainers[0].restartPolicy"}},
		{"probes and lifecycle on a plain init container", with(vPod(), func(p *Pod) {
			p.Spec.InitContainers = []Container{{Name: "setup", Image: "x",
				LivenessProbe:  &Probe{ProbeHandler: ProbeHandler{Exec: &ExecAction{Command: []string{"ok"}}}},
				ReadinessProbe: &Probe{ProbeHandler: ProbeHandler{Exec: &ExecAction{Command: []string{"ok"}}}},
				StartupProbe:   &Probe{ProbeHandler: ProbeHandler{Exec: &ExecAction{Command: []string{"ok"}}}},
				Lifecycle:      &Lifecycle{PreStop: &LifecycleHandler{Sleep: &SleepAction{Seconds: 1}}}}}
		}), []string{"spec.initContainers[0].lifecycle", "spec.initContainers[0].livenessProbe",
			"spec.initContainers[0].readinessProbe", "spec.initContainers[0].startupProbe"}},
		{"a sidecar's probes are validated", with(vPod(), func(p *Pod) {
			p.Spec.InitContainers = []Container{{Name: "proxy", Image: "x", RestartPolicy: Ptr(ContainerRestartPolicyAlways),
				StartupProbe: &Probe{ProbeHandler: ProbeHandler{Exec: &ExecAction{Command: []string{"ok"}}}, SuccessThreshold: 2}}}
		}), []string{"spec.initContainers[0].startupProbe.successThreshold"}},

		// containers
		{"no containers", with(vPod(), func(p *Pod) { p.Spec.Containers = nil }), []string{"spec.containers"}},
		{"image missing", with(vDeployment(), func(d *Deployment) { d.Spec.Template.Spec.Containers[0].Image = "" }), []string{"spec.template.spec.containers[0].image"}},
		{"container name missing", with(vPod(), func(p *Pod) { p.Spec.Containers[0].Name = "" }), []string{"spec.containers[0].name"}},
		{"duplicate container names across init and main", with(vPod(), func(p *Pod) {
			p.Spec.InitContainers = []Container{{Name: "main", Image: "x"}}
		}), []string{"spec.initContainers[0].name"}}, // ValidatePodSpec: containers first, then init containers
		{"container name not a label", with(vPod(), func(p *Pod) { p.Spec.Containers[0].Name = "Main" }), []string{"spec.containers[0].name"}},
		{"container port zero", with(vPod(), func(p *Pod) { p.Spec.Containers[0].Ports[0].ContainerPort = 0 }), []string{"spec.containers[0].ports[0].containerPort"}},
		{"container port out of range", with(vPod(), func(p *Pod) { p.Spec.Containers[0].Ports[0].ContainerPort = 70000 }), []string{"spec.containers[0].ports[0].containerPort"}},
		{"duplicate port names", with(vPod(), func(p *Pod) {
			p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, ContainerPort{Name: "http", ContainerPort: 9090})
		}), []string{"spec.containers[0].ports[1].name"}},
		{"port name too long", with(vPod(), func(p *Pod) { p.Spec.Containers[0].Ports[0].Name = "a-very-long-port-name" }), []string{"spec.containers[0].ports[0].name"}},
		{"port protocol", with(vPod(), func(p *Pod) { p.Spec.Containers[0].Ports[0].Protocol = "tcp" }), []string{"spec.containers[0].ports[0].protocol"}},
		{"env name missing", with(vPod(), func(p *Pod) { p.Spec.Containers[0].Env = []EnvVar{{Value: "x"}} }), []string{"spec.containers[0].env[0].name"}},
		{"request above limit", with(vPod(), func(p *Pod) {
			p.Spec.Containers[0].Resources = ResourceRequirements{
				Limits:   ResourceList{ResourceCPU: resource.MustParse("100m")},
				Requests: ResourceList{ResourceCPU: resource.MustParse("200m")},
			}
		}), []string{"spec.containers[0].resources.requests"}},
		{"negative request", with(vPod(), func(p *Pod) {
			p.Spec.Containers[0].Resources.Requests = ResourceList{ResourceMemory: resource.MustParse("-1Mi")}
		}), []string{"spec.containers[0].resources.requests[memory]"}},
		{"probe without handler", with(vPod(), func(p *Pod) { p.Spec.Containers[0].ReadinessProbe = &Probe{} }), []string{"spec.containers[0].readinessProbe"}},
		{"probe with two handlers", with(vPod(), func(p *Pod) {
			p.Spec.Containers[0].LivenessProbe = &Probe{ProbeHandler: ProbeHandler{
				Exec: &ExecAction{Command: []string{"true"}}, TCPSocket: &TCPSocketAction{Port: intstr.FromInt32(80)},
			}}
		}), []string{"spec.containers[0].livenessProbe"}},
		{"liveness success threshold", with(vPod(), func(p *Pod) {
			p.Spec.Containers[0].LivenessProbe = &Probe{ProbeHandler: ProbeHandler{Exec: &ExecAction{Command: []string{"true"}}}, SuccessThreshold: 2}
		}), []string{"spec.containers[0].livenessProbe.successThreshold"}},
		{"probe port name invalid", with(vPod(), func(p *Pod) {
			p.Spec.Containers[0].ReadinessProbe = &Probe{ProbeHandler: ProbeHandler{HTTPGet: &HTTPGetAction{Port: intstr.FromString("Http")}}}
		}), []string{"spec.containers[0].readinessProbe.httpGet.port"}},
		{"pod activeDeadlineSeconds zero", with(vPod(), func(p *Pod) { p.Spec.ActiveDeadlineSeconds = Ptr[int64](0) }), []string{"spec.activeDeadlineSeconds"}},
		{"nodeSelector value invalid", with(vPod(), func(p *Pod) { p.Spec.NodeSelector = map[string]string{"ssd": "yes please"} }), []string{"spec.nodeSelector[ssd]"}},

		// tolerations and taints
		{"toleration Exists with value", with(vPod(), func(p *Pod) {
			p.Spec.Tolerations = []Toleration{{Key: "k", Operator: TolerationOpExists, Value: "v"}}
		}), []string{"spec.tolerations[0].operator"}},
		{"toleration empty key needs Exists", with(vPod(), func(p *Pod) {
			p.Spec.Tolerations = []Toleration{{Operator: TolerationOpEqual, Value: "v"}}
		}), []string{"spec.tolerations[0].operator"}},
		{"toleration seconds without NoExecute", with(vPod(), func(p *Pod) {
			p.Spec.Tolerations = []Toleration{{Key: "k", Effect: TaintEffectNoSchedule, TolerationSeconds: Ptr[int64](5)}}
		}), []string{"spec.tolerations[0].effect"}},
		{"toleration effect unknown", with(vPod(), func(p *Pod) {
			p.Spec.Tolerations = []Toleration{{Key: "k", Operator: TolerationOpExists, Effect: "NoRun"}}
		}), []string{"spec.tolerations[0].effect"}},
		{"toleration operator unknown", with(vPod(), func(p *Pod) {
			p.Spec.Tolerations = []Toleration{{Key: "k", Operator: "Gt"}}
		}), []string{"spec.tolerations[0].operator"}},
		{"taint without effect", with(vNode(), func(n *Node) { n.Spec.Taints[0].Effect = "" }), []string{"spec.taints[0].effect"}},
		{"taint duplicate", with(vNode(), func(n *Node) { n.Spec.Taints = append(n.Spec.Taints, n.Spec.Taints[0]) }), []string{"spec.taints[1]"}},
		{"taint key invalid", with(vNode(), func(n *Node) { n.Spec.Taints[0].Key = "bad key" }), []string{"spec.taints[0].key"}},

		// node affinity
		{"affinity Gt with two values", with(vPod(), func(p *Pod) {
			p.Spec.Affinity = reqAffinity(NodeSelectorRequirement{Key: "cores", Operator: NodeSelectorOpGt, Values: []string{"1", "2"}})
		}), []string{"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values"}},
		{"affinity Exists with values", with(vPod(), func(p *Pod) {
			p.Spec.Affinity = reqAffinity(NodeSelectorRequirement{Key: "ssd", Operator: NodeSelectorOpExists, Values: []string{"x"}})
		}), []string{"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values"}},
		{"affinity In without values", with(vPod(), func(p *Pod) {
			p.Spec.Affinity = reqAffinity(NodeSelectorRequirement{Key: "ssd", Operator: NodeSelectorOpIn})
		}), []string{"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values"}},
		{"affinity matchFields other than metadata.name", with(vPod(), func(p *Pod) {
			p.Spec.Affinity = &Affinity{NodeAffinity: &NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &NodeSelector{
				NodeSelectorTerms: []NodeSelectorTerm{{MatchFields: []NodeSelectorRequirement{{Key: "metadata.uid", Operator: NodeSelectorOpIn, Values: []string{"n"}}}}},
			}}}
		}), []string{"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].key"}},
		{"affinity no terms", with(vPod(), func(p *Pod) {
			p.Spec.Affinity = &Affinity{NodeAffinity: &NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &NodeSelector{}}}
		}), []string{"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"}},
		{"preferred weight", with(vPod(), func(p *Pod) {
			p.Spec.Affinity = &Affinity{NodeAffinity: &NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []PreferredSchedulingTerm{{Weight: 0}}}}
		}), []string{"spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight"}},

		// inter-pod affinity
		{"pod affinity without topologyKey", with(vPod(), func(p *Pod) {
			p.Spec.Affinity = &Affinity{PodAffinity: &PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []PodAffinityTerm{{
				LabelSelector: &LabelSelector{MatchLabels: map[string]string{"app": "db"}}}}}}
		}), []string{"spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey", "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey"}},
		{"pod anti-affinity weight 0 and a bad selector", with(vPod(), func(p *Pod) {
			p.Spec.Affinity = &Affinity{PodAntiAffinity: &PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []WeightedPodAffinityTerm{{
				Weight: 101, PodAffinityTerm: PodAffinityTerm{TopologyKey: LabelHostname,
					LabelSelector: &LabelSelector{MatchExpressions: []LabelSelectorRequirement{{Key: "app", Operator: LabelSelectorOpIn}}}}}}}}
		}), []string{"spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight",
			"spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchExpressions[0].values"}},
		{"pod affinity bad namespace and topologyKey", with(vPod(), func(p *Pod) {
			p.Spec.Affinity = &Affinity{PodAffinity: &PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []PodAffinityTerm{{
				Namespaces: []string{"Not_A_Namespace"}, TopologyKey: "bad key"}}}}
		}), []string{"spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].namespace",
			"spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey"}},
		{"pod affinity matchLabelKeys without labelSelector", with(vPod(), func(p *Pod) {
			p.Spec.Affinity = &Affinity{PodAntiAffinity: &PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []PodAffinityTerm{{
				TopologyKey: LabelHostname, MatchLabelKeys: []string{"version"}}}}}
		}), []string{"spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].matchLabelKeys"}},
		{"pod affinity matchLabelKeys in the (merged) selector and in mismatchLabelKeys", with(vPod(), func(p *Pod) {
			p.Spec.Affinity = &Affinity{PodAntiAffinity: &PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []PodAffinityTerm{{
				TopologyKey: LabelHostname, LabelSelector: &LabelSelector{MatchLabels: map[string]string{"app": "web"},
					MatchExpressions: []LabelSelectorRequirement{{Key: "app", Operator: LabelSelectorOpIn, Values: []string{"web"}}}},
				MatchLabelKeys: []string{"app", "version"}, MismatchLabelKeys: []string{"version"}}}}}
		}), []string{"spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].matchLabelKeys[0]",
			"spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].matchLabelKeys[1]"}},
		{"deployment template pod anti-affinity without topologyKey", with(vDeployment(), func(d *Deployment) {
			d.Spec.Template.Spec.Affinity = &Affinity{PodAntiAffinity: &PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []PodAffinityTerm{{
				LabelSelector: &LabelSelector{MatchLabels: map[string]string{"app": "web"}}, TopologyKey: ""}}}}
		}), []string{"spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey",
			"spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey"}},

		// topology spread constraints
		{"spread maxSkew 0, no topologyKey, bad whenUnsatisfiable", with(vPod(), func(p *Pod) {
			p.Spec.TopologySpreadConstraints = []TopologySpreadConstraint{{WhenUnsatisfiable: "Maybe"}}
		}), []string{"spec.topologySpreadConstraints[0].maxSkew", "spec.topologySpreadConstraints[0].topologyKey", "spec.topologySpreadConstraints[0].whenUnsatisfiable"}},
		{"spread duplicate {topologyKey, whenUnsatisfiable}", with(vPod(), func(p *Pod) {
			c := TopologySpreadConstraint{MaxSkew: 1, TopologyKey: LabelZone, WhenUnsatisfiable: DoNotSchedule}
			d := c
			d.WhenUnsatisfiable = ScheduleAnyway
			p.Spec.TopologySpreadConstraints = []TopologySpreadConstraint{c, d, c}
		}), []string{"spec.topologySpreadConstraints[0].{topologyKey, whenUnsatisfiable}"}},
		{"spread minDomains with ScheduleAnyway, and 0", with(vPod(), func(p *Pod) {
			p.Spec.TopologySpreadConstraints = []TopologySpreadConstraint{
				{MaxSkew: 1, TopologyKey: LabelZone, WhenUnsatisfiable: ScheduleAnyway, MinDomains: Ptr[int32](2)},
				{MaxSkew: 1, TopologyKey: LabelHostname, WhenUnsatisfiable: DoNotSchedule, MinDomains: Ptr[int32](0)},
			}
		}), []string{"spec.topologySpreadConstraints[0].minDomains", "spec.topologySpreadConstraints[1].minDomains"}},
		{"spread policies and matchLabelKeys", with(vDeployment(), func(d *Deployment) {
			d.Spec.Template.Spec.TopologySpreadConstraints = []TopologySpreadConstraint{
				{MaxSkew: 1, TopologyKey: LabelZone, WhenUnsatisfiable: DoNotSchedule, NodeAffinityPolicy: Ptr("Always"), NodeTaintsPolicy: Ptr("honor"),
					MatchLabelKeys: []string{"pod-template-hash"}},
				{MaxSkew: 1, TopologyKey: LabelHostname, WhenUnsatisfiable: DoNotSchedule,
					LabelSelector: &LabelSelector{MatchExpressions: []LabelSelectorRequirement{
						{Key: "app", Operator: LabelSelectorOpExists}, {Key: "app", Operator: LabelSelectorOpIn, Values: []string{"web"}}}},
					MatchLabelKeys: []string{"app"}},
			}
		}), []string{"spec.template.spec.topologySpreadConstraints[0].nodeAffinityPolicy", "spec.template.spec.topologySpreadConstraints[0].nodeTaintsPolicy",
			"spec.template.spec.topologySpreadConstraints[0].matchLabelKeys", "spec.template.spec.topologySpreadConstraints[1].matchLabelKeys[0]"}},

		// rolling updates
		{"daemonset both zero", with(vDaemonSet(), func(d *DaemonSet) {
			d.Spec.UpdateStrategy.RollingUpdate = &RollingUpdateDaemonSet{MaxUnavailable: Ptr(intstr.FromInt32(0)), MaxSurge: Ptr(intstr.FromString("0%"))}
		}), []string{"spec.updateStrategy.rollingUpdate.maxUnavailable"}},
		{"daemonset maxUnavailable 0 with default surge", with(vDaemonSet(), func(d *DaemonSet) {
			d.Spec.UpdateStrategy.RollingUpdate = &RollingUpdateDaemonSet{MaxUnavailable: Ptr(intstr.FromInt32(0))}
		}), []string{"spec.updateStrategy.rollingUpdate.maxUnavailable"}},
		{"daemonset maxSurge with the default maxUnavailable", with(vDaemonSet(), func(d *DaemonSet) {
			d.Spec.UpdateStrategy.RollingUpdate = &RollingUpdateDaemonSet{MaxSurge: Ptr(intstr.FromInt32(1))}
		}), []string{"spec.updateStrategy.rollingUpdate.maxSurge"}},
		{"daemonset maxSurge over 100%", with(vDaemonSet(), func(d *DaemonSet) {
			d.Spec.UpdateStrategy.RollingUpdate = &RollingUpdateDaemonSet{MaxSurge: Ptr(intstr.FromString("101%")), MaxUnavailable: Ptr(intstr.FromInt32(0))}
		}), []string{"spec.updateStrategy.rollingUpdate.maxSurge"}},
		{"deployment maxUnavailable over 100%", with(vDeployment(), func(d *Deployment) {
			d.Spec.Strategy.RollingUpdate = &RollingUpdateDeployment{MaxUnavailable: Ptr(intstr.FromString("120%"))}
		}), []string{"spec.strategy.rollingUpdate.maxUnavailable"}},
		{"deployment maxSurge not a percent", with(vDeployment(), func(d *Deployment) {
			d.Spec.Strategy.RollingUpdate = &RollingUpdateDeployment{MaxSurge: Ptr(intstr.FromString("ten"))}
		}), []string{"spec.strategy.rollingUpdate.maxSurge"}},
		{"deployment negative maxSurge", with(vDeployment(), func(d *Deployment) {
			d.Spec.Strategy.RollingUpdate = &RollingUpdateDeployment{MaxSurge: Ptr(intstr.FromInt32(-1))}
		}), []string{"spec.strategy.rollingUpdate.maxSurge"}},
		{"deployment Recreate with rollingUpdate", with(vDeployment(), func(d *Deployment) {
			d.Spec.Strategy = DeploymentStrategy{Type: RecreateStrategy, RollingUpdate: &RollingUpdateDeployment{}}
		}), []string{"spec.strategy.rollingUpdate"}},
		{"deployment strategy unknown", with(vDeployment(), func(d *Deployment) { d.Spec.Strategy.Type = "BlueGreen" }), []string{"spec.strategy.type"}},
		{"deployment negative replicas", with(vDeployment(), func(d *Deployment) { d.Spec.Replicas = Ptr[int32](-1) }), []string{"spec.replicas"}},
		{"deployment progress deadline not above minReady", with(vDeployment(), func(d *Deployment) {
			d.Spec.MinReadySeconds = 30
			d.Spec.ProgressDeadlineSeconds = Ptr[int32](30)
		}), []string{"spec.progressDeadlineSeconds"}},
		{"deployment negative revisionHistoryLimit", with(vDeployment(), func(d *Deployment) { d.Spec.RevisionHistoryLimit = Ptr[int32](-2) }), []string{"spec.revisionHistoryLimit"}},
		{"replicaset negative minReadySeconds", with(vReplicaSet(), func(r *ReplicaSet) { r.Spec.MinReadySeconds = -1 }), []string{"spec.minReadySeconds"}},
		{"daemonset strategy unknown", with(vDaemonSet(), func(d *DaemonSet) { d.Spec.UpdateStrategy.Type = "Recreate" }), []string{"spec.updateStrategy.type"}},

		// statefulsets
		{"statefulset podManagementPolicy", with(vStatefulSet(), func(s *StatefulSet) { s.Spec.PodManagementPolicy = "Random" }), []string{"spec.podManagementPolicy"}},
		{"statefulset negative partition", with(vStatefulSet(), func(s *StatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate = &RollingUpdateStatefulSetStrategy{Partition: Ptr[int32](-1)}
		}), []string{"spec.updateStrategy.rollingUpdate.partition"}},
		{"statefulset OnDelete with rollingUpdate", with(vStatefulSet(), func(s *StatefulSet) {
			s.Spec.UpdateStrategy = StatefulSetUpdateStrategy{Type: OnDeleteStrategy, RollingUpdate: &RollingUpdateStatefulSetStrategy{}}
		}), []string{"spec.updateStrategy.rollingUpdate"}},
		{"statefulset maxUnavailable 0", with(vStatefulSet(), func(s *StatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate = &RollingUpdateStatefulSetStrategy{MaxUnavailable: Ptr(intstr.FromInt32(0))}
		}), []string{"spec.updateStrategy.rollingUpdate.maxUnavailable"}},
		{"statefulset negative ordinals start", with(vStatefulSet(), func(s *StatefulSet) { s.Spec.Ordinals = &StatefulSetOrdinals{Start: -1} }), []string{"spec.ordinals.start"}},
		{"statefulset retention policy", with(vStatefulSet(), func(s *StatefulSet) {
			s.Spec.PersistentVolumeClaimRetentionPolicy = &StatefulSetPersistentVolumeClaimRetentionPolicy{WhenDeleted: "Keep"}
		}), []string{"spec.persistentVolumeClaimRetentionPolicy.whenDeleted"}},
		{"statefulset serviceName not a label", with(vStatefulSet(), func(s *StatefulSet) { s.Spec.ServiceName = "db.svc" }), []string{"spec.serviceName"}},
		{"statefulset claim without access mode", with(vStatefulSet(), func(s *StatefulSet) { s.Spec.VolumeClaimTemplates[0].Spec.AccessModes = nil }), []string{"spec.volumeClaimTemplates[0].spec.accessModes"}},
		{"statefulset duplicate claim names", with(vStatefulSet(), func(s *StatefulSet) {
			s.Spec.VolumeClaimTemplates = append(s.Spec.VolumeClaimTemplates, vClaim("data"))
		}), []string{"spec.volumeClaimTemplates[1].metadata.name"}},
		{"pvc without storage request", with(vPVC(), func(c *PersistentVolumeClaim) { c.Spec.Resources.Requests = nil }), []string{"spec.resources.requests[storage]"}},

		// jobs
		{"job negative completions", with(vJob(), func(j *Job) { j.Spec.Completions = Ptr[int32](-1) }), []string{"spec.completions"}},
		{"job negative parallelism", with(vJob(), func(j *Job) { j.Spec.Parallelism = Ptr[int32](-1) }), []string{"spec.parallelism"}},
		{"job negative backoffLimit", with(vJob(), func(j *Job) { j.Spec.BackoffLimit = Ptr[int32](-1) }), []string{"spec.backoffLimit"}},
		{"job activeDeadlineSeconds negative", with(vJob(), func(j *Job) { j.Spec.ActiveDeadlineSeconds = Ptr[int64](-1) }), []string{"spec.activeDeadlineSeconds"}},
		{"job negative ttl", with(vJob(), func(j *Job) { j.Spec.TTLSecondsAfterFinished = Ptr[int32](-1) }), []string{"spec.ttlSecondsAfterFinished"}},
		{"job completionMode unknown", with(vJob(), func(j *Job) { j.Spec.CompletionMode = Ptr("Ordered") }), []string{"spec.completionMode"}},
		{"indexed job without completions", with(vIndexedJob(), func(j *Job) { j.Spec.Completions = nil }), []string{"spec.completions"}},
		{"indexed job parallelism too high", with(vIndexedJob(), func(j *Job) { j.Spec.Parallelism = Ptr[int32](100001) }), []string{"spec.parallelism"}},
		{"indexed job name too long for hostnames", with(vIndexedJob(), func(j *Job) { j.Name = strings.Repeat("j", 62) }), []string{"metadata.name"}},
		{"backoffLimitPerIndex needs Indexed", with(vJob(), func(j *Job) { j.Spec.BackoffLimitPerIndex = Ptr[int32](1) }), []string{"spec.backoffLimitPerIndex"}},
		{"maxFailedIndexes needs backoffLimitPerIndex", with(vIndexedJob(), func(j *Job) { j.Spec.MaxFailedIndexes = Ptr[int32](1) }), []string{"spec.backoffLimitPerIndex"}},
		{"maxFailedIndexes above completions", with(vIndexedJob(), func(j *Job) {
			j.Spec.BackoffLimitPerIndex = Ptr[int32](1)
			j.Spec.MaxFailedIndexes = Ptr[int32](6)
		}), []string{"spec.maxFailedIndexes"}},
		{"podFailurePolicy needs Never", with(vJob(), func(j *Job) {
			j.Spec.Template.Spec.RestartPolicy = RestartPolicyOnFailure
			j.Spec.PodFailurePolicy = &PodFailurePolicy{Rules: []PodFailurePolicyRule{exitRule(PodFailurePolicyActionFailJob, "In", 42)}}
		}), []string{"spec.template.spec.restartPolicy"}},
		{"podFailurePolicy action unknown", with(vJob(), func(j *Job) {
			j.Spec.PodFailurePolicy = &PodFailurePolicy{Rules: []PodFailurePolicyRule{exitRule("Retry", "In", 42)}}
		}), []string{"spec.podFailurePolicy.rules[0].action"}},
		{"podFailurePolicy FailIndex needs backoffLimitPerIndex", with(vIndexedJob(), func(j *Job) {
			j.Spec.Template.Spec.RestartPolicy = RestartPolicyNever
			j.Spec.PodFailurePolicy = &PodFailurePolicy{Rules: []PodFailurePolicyRule{exitRule(PodFailurePolicyActionFailIndex, "In", 42)}}
		}), []string{"spec.podFailurePolicy.rules[0].action"}},
		{"podFailurePolicy rule with neither requirement", with(vJob(), func(j *Job) {
			j.Spec.PodFailurePolicy = &PodFailurePolicy{Rules: []PodFailurePolicyRule{{Action: PodFailurePolicyActionIgnore}}}
		}), []string{"spec.podFailurePolicy.rules[0]"}},
		{"podFailurePolicy rule with both requirements", with(vJob(), func(j *Job) {
			r := exitRule(PodFailurePolicyActionIgnore, "In", 1)
			r.OnPodConditions = []PodFailurePolicyOnPodConditionsPattern{{Type: DisruptionTarget}}
			j.Spec.PodFailurePolicy = &PodFailurePolicy{Rules: []PodFailurePolicyRule{r}}
		}), []string{"spec.podFailurePolicy.rules[0]"}},
		{"podFailurePolicy In with 0", with(vJob(), func(j *Job) {
			j.Spec.PodFailurePolicy = &PodFailurePolicy{Rules: []PodFailurePolicyRule{exitRule(PodFailurePolicyActionCount, "In", 0, 1)}}
		}), []string{"spec.podFailurePolicy.rules[0].onExitCodes.values[0]"}},
		{"podFailurePolicy values unordered and duplicate", with(vJob(), func(j *Job) {
			j.Spec.PodFailurePolicy = &PodFailurePolicy{Rules: []PodFailurePolicyRule{exitRule(PodFailurePolicyActionCount, "NotIn", 3, 2, 3)}}
		}), []string{"spec.podFailurePolicy.rules[0].onExitCodes.values[1]", "spec.podFailurePolicy.rules[0].onExitCodes.values[2]"}},
		{"podFailurePolicy operator unknown", with(vJob(), func(j *Job) {
			j.Spec.PodFailurePolicy = &PodFailurePolicy{Rules: []PodFailurePolicyRule{exitRule(PodFailurePolicyActionCount, "Gt", 3)}}
		}), []string{"spec.podFailurePolicy.rules[0].onExitCodes.operator"}},
		{"podFailurePolicy unknown container", with(vJob(), func(j *Job) {
			r := exitRule(PodFailurePolicyActionFailJob, "In", 42)
			r.OnExitCodes.ContainerName = Ptr("sidecar")
			j.Spec.PodFailurePolicy = &PodFailurePolicy{Rules: []PodFailurePolicyRule{r}}
		}), []string{"spec.podFailurePolicy.rules[0].onExitCodes.containerName"}},
		{"podFailurePolicy condition status", with(vJob(), func(j *Job) {
			j.Spec.PodFailurePolicy = &PodFailurePolicy{Rules: []PodFailurePolicyRule{{
				Action: PodFailurePolicyActionIgnore, OnPodConditions: []PodFailurePolicyOnPodConditionsPattern{{Type: DisruptionTarget, Status: "Yes"}},
			}}}
		}), []string{"spec.podFailurePolicy.rules[0].onPodConditions[0].status"}},
		{"podFailurePolicy too many rules", with(vJob(), func(j *Job) {
			rules := make([]PodFailurePolicyRule, 21)
			for i := range rules {
				rules[i] = exitRule(PodFailurePolicyActionCount, "In", int32(i+1))
			}
			j.Spec.PodFailurePolicy = &PodFailurePolicy{Rules: rules}
		}), []string{"spec.podFailurePolicy.rules"}},
		{"podReplacementPolicy TerminatingOrFailed with podFailurePolicy", with(vJob(), func(j *Job) {
			j.Spec.PodFailurePolicy = &PodFailurePolicy{Rules: []PodFailurePolicyRule{exitRule(PodFailurePolicyActionFailJob, "In", 42)}}
			j.Spec.PodReplacementPolicy = Ptr(TerminatingOrFailed)
		}), []string{"spec.podReplacementPolicy"}},
		{"successPolicy needs Indexed", with(vJob(), func(j *Job) {
			j.Spec.SuccessPolicy = &SuccessPolicy{Rules: []SuccessPolicyRule{{SucceededCount: Ptr[int32](1)}}}
		}), []string{"spec.successPolicy"}},
		{"successPolicy empty rule", with(vIndexedJob(), func(j *Job) {
			j.Spec.SuccessPolicy = &SuccessPolicy{Rules: []SuccessPolicyRule{{}}}
		}), []string{"spec.successPolicy.rules[0]"}},
		{"successPolicy indexes overlap", with(vIndexedJob(), func(j *Job) {
			j.Spec.SuccessPolicy = &SuccessPolicy{Rules: []SuccessPolicyRule{{SucceededIndexes: Ptr("0-2,2")}}}
		}), []string{"spec.successPolicy.rules[0].succeededIndexes"}},
		{"successPolicy index beyond completions", with(vIndexedJob(), func(j *Job) {
			j.Spec.SuccessPolicy = &SuccessPolicy{Rules: []SuccessPolicyRule{{SucceededIndexes: Ptr("1,5")}}}
		}), []string{"spec.successPolicy.rules[0].succeededIndexes"}},
		{"successPolicy count above index set", with(vIndexedJob(), func(j *Job) {
			j.Spec.SuccessPolicy = &SuccessPolicy{Rules: []SuccessPolicyRule{{SucceededIndexes: Ptr("0,2-3"), SucceededCount: Ptr[int32](4)}}}
		}), []string{"spec.successPolicy.rules[0].succeededCount"}},
		{"successPolicy count above completions", with(vIndexedJob(), func(j *Job) {
			j.Spec.SuccessPolicy = &SuccessPolicy{Rules: []SuccessPolicyRule{{SucceededCount: Ptr[int32](6)}}}
		}), []string{"spec.successPolicy.rules[0].succeededCount"}},

		// cronjobs
		{"cronjob schedule missing", with(vCronJob(), func(c *CronJob) { c.Spec.Schedule = "" }), []string{"spec.schedule"}},
		{"cronjob jobTemplate selector", with(vCronJob(), func(c *CronJob) {
			c.Spec.JobTemplate.Spec.Selector = &LabelSelector{MatchLabels: map[string]string{"app": "web"}}
		}), []string{"spec.jobTemplate.spec.selector"}},
		{"cronjob schedule six fields", with(vCronJob(), func(c *CronJob) { c.Spec.Schedule = "0 */5 * * * *" }), []string{"spec.schedule"}},
		{"cronjob schedule garbage", with(vCronJob(), func(c *CronJob) { c.Spec.Schedule = "every minute" }), []string{"spec.schedule"}},
		{"cronjob schedule minute 60", with(vCronJob(), func(c *CronJob) { c.Spec.Schedule = "60 * * * *" }), []string{"spec.schedule"}},
		{"cronjob unknown macro", with(vCronJob(), func(c *CronJob) { c.Spec.Schedule = "@fortnightly" }), []string{"spec.schedule"}},
		{"cronjob TZ in schedule", with(vCronJob(), func(c *CronJob) { c.Spec.Schedule = "TZ=Europe/Berlin 0 * * * *" }), []string{"spec.schedule"}},
		{"cronjob CRON_TZ in schedule", with(vCronJob(), func(c *CronJob) { c.Spec.Schedule = "CRON_TZ=UTC 0 * * * *" }), []string{"spec.schedule"}},
		{"cronjob unknown time zone", with(vCronJob(), func(c *CronJob) { c.Spec.TimeZone = Ptr("Mars/Olympus") }), []string{"spec.timeZone"}},
		{"cronjob Local time zone", with(vCronJob(), func(c *CronJob) { c.Spec.TimeZone = Ptr("Local") }), []string{"spec.timeZone"}},
		{"cronjob empty time zone", with(vCronJob(), func(c *CronJob) { c.Spec.TimeZone = Ptr("") }), []string{"spec.timeZone"}},
		{"cronjob concurrencyPolicy", with(vCronJob(), func(c *CronJob) { c.Spec.ConcurrencyPolicy = "Queue" }), []string{"spec.concurrencyPolicy"}},
		{"cronjob negative deadline and history", with(vCronJob(), func(c *CronJob) {
			c.Spec.StartingDeadlineSeconds = Ptr[int64](-1)
			c.Spec.SuccessfulJobsHistoryLimit = Ptr[int32](-1)
			c.Spec.FailedJobsHistoryLimit = Ptr[int32](-1)
		}), []string{"spec.startingDeadlineSeconds", "spec.successfulJobsHistoryLimit", "spec.failedJobsHistoryLimit"}},
		{"cronjob job template image", with(vCronJob(), func(c *CronJob) { c.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Image = " " }), []string{"spec.jobTemplate.spec.template.spec.containers[0].image"}},

		// services
		{"service without ports", with(vService(), func(s *Service) { s.Spec.Ports = nil }), []string{"spec.ports"}},
		{"service port zero", with(vService(), func(s *Service) { s.Spec.Ports[0].Port = 0 }), []string{"spec.ports[0].port"}},
		{"service port names required with two ports", with(vService(), func(s *Service) {
			s.Spec.Ports = []ServicePort{{Port: 80}, {Name: "b", Port: 81}}
		}), []string{"spec.ports[0].name"}},
		{"service duplicate port names", with(vService(), func(s *Service) {
			s.Spec.Ports = append(s.Spec.Ports, ServicePort{Name: "http", Port: 81})
		}), []string{"spec.ports[1].name"}},
		{"service named targetPort invalid", with(vService(), func(s *Service) { s.Spec.Ports[0].TargetPort = intstr.FromString("web_port") }), []string{"spec.ports[0].targetPort"}},
		{"service targetPort out of range", with(vService(), func(s *Service) { s.Spec.Ports[0].TargetPort = intstr.FromInt32(65536) }), []string{"spec.ports[0].targetPort"}},
		{"service nodePort on ClusterIP", with(vService(), func(s *Service) { s.Spec.Ports[0].NodePort = 30080 }), []string{"spec.ports[0].nodePort"}},
		{"service headless NodePort", with(vService(), func(s *Service) {
			s.Spec.Type = ServiceTypeNodePort
			s.Spec.ClusterIP = ClusterIPNone
		}), []string{"spec.clusterIPs[0]"}},
		{"service clusterIP not an IP", with(vService(), func(s *Service) { s.Spec.ClusterIP = "10.0.0.300" }), []string{"spec.clusterIP"}},
		{"service type unknown", with(vService(), func(s *Service) { s.Spec.Type = "Internal" }), []string{"spec.type"}},
		{"service affinity timeout", with(vService(), func(s *Service) {
			s.Spec.SessionAffinity = SessionAffinityClientIP
			s.Spec.SessionAffinityConfig = &SessionAffinityConfig{ClientIP: &ClientIPConfig{TimeoutSeconds: Ptr[int32](86401)}}
		}), []string{"spec.sessionAffinityConfig.clientIP.timeoutSeconds"}},
		{"service affinity unknown", with(vService(), func(s *Service) { s.Spec.SessionAffinity = "Cookie" }), []string{"spec.sessionAffinity"}},
		{"service externalTrafficPolicy on ClusterIP", with(vService(), func(s *Service) { s.Spec.ExternalTrafficPolicy = TrafficPolicyLocal }), []string{"spec.externalTrafficPolicy"}},
		{"service ExternalName without name", with(vService(), func(s *Service) { s.Spec.Type = ServiceTypeExternalName }), []string{"spec.externalName"}},
		{"service port protocol", with(vService(), func(s *Service) { s.Spec.Ports[0].Protocol = "HTTP" }), []string{"spec.ports[0].protocol"}},

		// endpoint slices and revisions
		{"endpointslice address type", with(vEndpointSlice(), func(e *EndpointSlice) { e.AddressType = "IPv5" }), []string{"addressType"}},
		{"endpointslice bad address", with(vEndpointSlice(), func(e *EndpointSlice) { e.Endpoints[0].Addresses = []string{"nope"} }), []string{"endpoints[0].addresses[0]"}},
		{"controllerrevision negative revision", &ControllerRevision{ObjectMeta: vMeta("r"), Revision: -1}, []string{"revision"}},

		// several errors at once, in field order
		{"all errors at once", with(vDeployment(), func(d *Deployment) {
			d.Name = ""
			d.Spec.Replicas = Ptr[int32](-1)
			d.Spec.Template.Spec.Containers[0].Image = ""
			d.Spec.Template.Spec.Containers[0].Ports[0].ContainerPort = 0
		}), []string{"metadata.name", "spec.replicas", "spec.template.spec.containers[0].image", "spec.template.spec.containers[0].ports[0].containerPort"}},
	}
}

func reqAffinity(r NodeSelectorRequirement) *Affinity {
	return &Affinity{NodeAffinity: &NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &NodeSelector{
		NodeSelectorTerms: []NodeSelectorTerm{{MatchExpressions: []NodeSelectorRequirement{r}}},
	}}}
}

func exitRule(action, op string, values ...int32) PodFailurePolicyRule {
	return PodFailurePolicyRule{Action: action, OnExitCodes: &PodFailurePolicyOnExitCodesRequirement{Operator: op, Values: values}}
}

func TestValidateRejectsBadObjects(t *testing.T) {
	cases := badObjects()
	if len(cases) < 60 {
		t.Fatalf("only %d bad objects", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.obj)
			if err == nil {
				t.Fatalf("Validate = nil, want errors at %q", tc.paths)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(err, ErrInvalid) = false for %v", err)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err is %T, want *ValidationError", err)
			}
			if diff := cmp.Diff(tc.paths, ve.Errors.Paths()); diff != "" {
				t.Errorf("paths (-want +got):\n%s\nerror: %v", diff, err)
			}
			if ve.Kind != tc.obj.Kind() {
				t.Errorf("Kind = %q, want %q", ve.Kind, tc.obj.Kind())
			}
			if !strings.HasPrefix(err.Error(), "workload: invalid object "+tc.obj.Kind()+"/") {
				t.Errorf("message %q does not name the object", err.Error())
			}
			for _, p := range tc.paths {
				if !strings.Contains(err.Error(), p+": ") {
					t.Errorf("message %q does not name %s", err.Error(), p)
				}
			}
		})
	}
}

func TestValidateScheduleForms(t *testing.T) {
	for _, s := range []string{"* * * * *", "*/1 * * * *", "0 0 * * 0", "0 0 * * SUN", "0 9-17 * * MON-FRI", "? * * * *",
		"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly", "@every 90s"} {
		c := vCronJob()
		c.Spec.Schedule = s
		if err := Validate(c); err != nil {
			t.Errorf("schedule %q: %v", s, err)
		}
	}
	for _, tz := range []string{"UTC", "Europe/Berlin", "America/Los_Angeles", "Etc/GMT+5"} {
		c := vCronJob()
		c.Spec.TimeZone = Ptr(tz)
		if err := Validate(c); err != nil {
			t.Errorf("timeZone %q: %v", tz, err)
		}
	}
}

func TestParseIndexSet(t *testing.T) {
	for _, tc := range []struct {
		in    string
		n     int64
		valid bool
	}{
		{"0", 1, true}, {"0,2-3", 3, true}, {"1-4", 4, true}, {"0,1,2,3,4", 5, true},
		{"", 0, false}, {"3,1", 0, false}, {"0-2,2", 0, false}, {"2-1", 0, false}, {"2-2", 0, false}, {"0,3-3", 0, false},
		{"a", 0, false}, {"-1", 0, false}, {"5", 0, false}, {"0,,1", 0, false}, {"1-", 0, false},
	} {
		n, err := ParseIndexSet(tc.in, 5)
		if (err == nil) != tc.valid || n != tc.n {
			t.Errorf("ParseIndexSet(%q, 5) = %d, %v; want %d, valid %v", tc.in, n, err, tc.n, tc.valid)
		}
	}
}

func TestValidateNil(t *testing.T) {
	for _, o := range []Object{nil, (*Pod)(nil), (*Job)(nil)} {
		if err := Validate(o); !errors.Is(err, ErrInvalid) {
			t.Errorf("Validate(%#v) = %v, want ErrInvalid", o, err)
		}
		if err := ValidateUpdate(o, o); !errors.Is(err, ErrInvalid) {
			t.Errorf("ValidateUpdate(%#v) = %v, want ErrInvalid", o, err)
		}
	}
	if err := ValidateUpdate(vPod(), nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("ValidateUpdate(pod, nil) = %v, want ErrInvalid", err)
	}
}

type updateCase struct {
	name     string
	old, new Object
	paths    []string // nil: the update is allowed
}

func update[T Object](o T, f func(T)) (Object, Object) {
	n := o.DeepCopyObject().(T)
	f(n)
	return o, n
}

func updateCases() []updateCase {
	c := func(name string, paths []string, o, n Object) updateCase {
		return updateCase{name: name, old: o, new: n, paths: paths}
	}
	var cs []updateCase
	add := func(uc updateCase) { cs = append(cs, uc) }

	o, n := update(vPod(), func(p *Pod) { p.Name = "web-2" })
	add(c("pod rename", []string{"metadata.name"}, o, n))
	o, n = update(vPod(), func(p *Pod) { p.Namespace = "other" })
	add(c("pod namespace", []string{"metadata.namespace"}, o, n))
	op, np := update(withUID(vPod()), func(p *Pod) { p.UID = "other" })
	add(c("uid", []string{"metadata.uid"}, op, np))
	op, np = update(withUID(vPod()), func(p *Pod) { p.Labels = map[string]string{"x": "y"} })
	add(c("pod labels may change", nil, op, np))
	o, n = update(vPod(), func(p *Pod) { p.Spec.Containers[0].Image = "busybox:2" })
	add(c("pod image may change", nil, o, n))
	o, n = update(vPod(), func(p *Pod) { p.Spec.Containers[0].Command = []string{"sh"} })
	add(c("pod command may not change", []string{"spec"}, o, n))
	o, n = update(vPod(), func(p *Pod) { p.Spec.ActiveDeadlineSeconds = Ptr[int64](30) })
	add(c("pod activeDeadlineSeconds may be set", nil, o, n))
	o, n = update(with(vPod(), func(p *Pod) { p.Spec.ActiveDeadlineSeconds = Ptr[int64](30) }), func(p *Pod) { p.Spec.ActiveDeadlineSeconds = Ptr[int64](60) })
	add(c("pod activeDeadlineSeconds may not grow", []string{"spec.activeDeadlineSeconds"}, o, n))
	o, n = update(vPod(), func(p *Pod) {
		p.Spec.Tolerations = append(p.Spec.Tolerations, Toleration{Key: "k", Operator: TolerationOpExists})
	})
	add(c("pod toleration may be added", nil, o, n))
	o, n = update(with(vPod(), func(p *Pod) { p.Spec.Tolerations = []Toleration{{Key: "k", Operator: TolerationOpExists}} }), func(p *Pod) { p.Spec.Tolerations = nil })
	add(c("pod toleration may not be removed", []string{"spec.tolerations"}, o, n))
	o, n = update(vPod(), func(p *Pod) { p.Spec.NodeName = "node-1" })
	add(c("pod may be bound", nil, o, n))
	o, n = update(with(vPod(), func(p *Pod) { p.Spec.NodeName = "node-1" }), func(p *Pod) { p.Spec.NodeName = "node-2" })
	add(c("pod may not move", []string{"spec"}, o, n))

	o, n = update(vDeployment(), func(d *Deployment) { d.Spec.Selector.MatchLabels["tier"] = "a"; d.Spec.Template.Labels["tier"] = "a" })
	add(c("deployment selector", []string{"spec.selector"}, o, n))
	o, n = update(vDeployment(), func(d *Deployment) { d.Spec.Replicas = Ptr[int32](5); d.Spec.Template.Spec.Containers[0].Image = "v2" })
	add(c("deployment scale and new image", nil, o, n))
	o, n = update(vDaemonSet(), func(d *DaemonSet) {
		d.Spec.Selector = &LabelSelector{MatchLabels: map[string]string{"app": "web", "x": "y"}}
	})
	add(c("daemonset selector", []string{"spec.template.metadata.labels", "spec.selector"}, o, n))
	o, n = update(vReplicaSet(), func(r *ReplicaSet) {
		r.Spec.Selector.MatchExpressions = []LabelSelectorRequirement{{Key: "app", Operator: LabelSelectorOpExists}}
	})
	add(c("replicaset selector", []string{"spec.selector"}, o, n))

	o, n = update(vStatefulSet(), func(s *StatefulSet) { s.Spec.ServiceName = "db2" })
	add(c("statefulset serviceName", []string{"spec.serviceName"}, o, n))
	o, n = update(vStatefulSet(), func(s *StatefulSet) { s.Spec.VolumeClaimTemplates[0].Spec.AccessModes = []string{"ReadWriteMany"} })
	add(c("statefulset volumeClaimTemplates", []string{"spec.volumeClaimTemplates"}, o, n))
	o, n = update(vStatefulSet(), func(s *StatefulSet) { s.Spec.PodManagementPolicy = ParallelPodManagement })
	add(c("statefulset podManagementPolicy", []string{"spec.podManagementPolicy"}, o, n))
	o, n = update(vStatefulSet(), func(s *StatefulSet) { s.Spec.Selector.MatchLabels["x"] = "y"; s.Spec.Template.Labels["x"] = "y" })
	add(c("statefulset selector", []string{"spec.selector"}, o, n))
	o, n = update(vStatefulSet(), func(s *StatefulSet) {
		s.Spec.Replicas = Ptr[int32](5)
		s.Spec.Ordinals = &StatefulSetOrdinals{Start: 1}
		s.Spec.Template.Spec.Containers[0].Image = "v2"
		s.Spec.UpdateStrategy = StatefulSetUpdateStrategy{Type: OnDeleteStrategy}
		s.Spec.MinReadySeconds = 5
		s.Spec.RevisionHistoryLimit = Ptr[int32](2)
		s.Spec.PersistentVolumeClaimRetentionPolicy = &StatefulSetPersistentVolumeClaimRetentionPolicy{WhenDeleted: "Delete"}
	})
	add(c("statefulset mutable fields", nil, o, n))

	o, n = update(vJob(), func(j *Job) { j.Spec.Template.Spec.Containers[0].Image = "v2" })
	add(c("job template", []string{"spec.template"}, o, n))
	o, n = update(with(vJob(), func(j *Job) { j.Spec.Suspend = Ptr(true) }), func(j *Job) {
		j.Spec.Template.Spec.NodeSelector = map[string]string{"zone": "a"}
	})
	add(c("suspended job never started may move", nil, o, n))
	o, n = update(with(vJob(), func(j *Job) { j.Spec.Suspend = Ptr(true) }), func(j *Job) {
		j.Spec.Template.Spec.Affinity = &Affinity{NodeAffinity: &NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &NodeSelector{
			NodeSelectorTerms: []NodeSelectorTerm{{MatchExpressions: []NodeSelectorRequirement{{Key: "zone", Operator: NodeSelectorOpIn, Values: []string{"a"}}}}}}}}
	})
	add(c("suspended job never started may change node affinity", nil, o, n))
	// Kubernetes' validatePodTemplateUpdate lets only nodeAffinity of the
	// affinity change (AllowMutableSchedulingDirectives).
	o, n = update(with(vJob(), func(j *Job) { j.Spec.Suspend = Ptr(true) }), func(j *Job) {
		j.Spec.Template.Spec.Affinity = &Affinity{PodAntiAffinity: &PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []PodAffinityTerm{{
			LabelSelector: &LabelSelector{MatchLabels: map[string]string{"app": "web"}}, TopologyKey: "kubernetes.io/hostname"}}}}
	})
	add(c("suspended job never started may not change pod anti-affinity", []string{"spec.template"}, o, n))
	o, n = update(with(vJob(), func(j *Job) { j.Spec.Suspend = Ptr(true) }), func(j *Job) { j.Spec.Template.Spec.Containers[0].Image = "v2" })
	add(c("suspended job may not change image", []string{"spec.template"}, o, n))
	o, n = update(vJob(), func(j *Job) {
		j.Spec.Suspend = Ptr(true)
		j.Spec.Parallelism = Ptr[int32](4)
		j.Spec.BackoffLimit = Ptr[int32](1)
	})
	add(c("job suspend, parallelism, backoffLimit", nil, o, n))
	o, n = update(vJob(), func(j *Job) { j.Spec.CompletionMode = Ptr(IndexedCompletion); j.Spec.Completions = Ptr[int32](3) })
	add(c("job completionMode and completions", []string{"spec.completionMode", "spec.completions"}, o, n))
	o, n = update(vIndexedJob(), func(j *Job) { j.Spec.Completions = Ptr[int32](3) })
	add(c("indexed job completions alone", []string{"spec.completions"}, o, n))
	oj, nj := update(with(vIndexedJob(), func(j *Job) { j.Spec.Parallelism = Ptr[int32](5) }), func(j *Job) {
		j.Spec.Completions = Ptr[int32](8)
		j.Spec.Parallelism = Ptr[int32](8)
	})
	add(c("elastic indexed job", nil, oj, nj))
	// Kubernetes' validateCompletions looks at the new spec only: a Job
	// created with completions 5 and parallelism 2 may become 3 and 3.
	o, n = update(vIndexedJob(), func(j *Job) {
		j.Spec.Completions = Ptr[int32](3)
		j.Spec.Parallelism = Ptr[int32](3)
	})
	add(c("indexed job made elastic", nil, o, n))
	o, n = update(with(vIndexedJob(), func(j *Job) { j.Spec.Parallelism = Ptr[int32](5) }), func(j *Job) {
		j.Spec.Completions = Ptr[int32](4)
	})
	add(c("elastic indexed job completions alone", []string{"spec.completions"}, o, n))
	o, n = update(with(vIndexedJob(), func(j *Job) { j.Spec.BackoffLimitPerIndex = Ptr[int32](1) }), func(j *Job) { j.Spec.BackoffLimitPerIndex = Ptr[int32](2) })
	add(c("job backoffLimitPerIndex", []string{"spec.backoffLimitPerIndex"}, o, n))
	o, n = update(vJob(), func(j *Job) {
		j.Spec.PodFailurePolicy = &PodFailurePolicy{Rules: []PodFailurePolicyRule{exitRule(PodFailurePolicyActionFailJob, "In", 42)}}
	})
	add(c("job podFailurePolicy", []string{"spec.podFailurePolicy"}, o, n))
	o, n = update(with(vJob(), func(j *Job) { j.Spec.ManualSelector = Ptr(true); j.Spec.Selector = vSelector() }), func(j *Job) {
		j.Spec.Selector = &LabelSelector{MatchExpressions: []LabelSelectorRequirement{{Key: "app", Operator: LabelSelectorOpExists}}}
	})
	add(c("job selector", []string{"spec.selector"}, o, n))

	storedJob := func() *Job { return with(vJob(), func(j *Job) { j.UID = "u1" }) }
	o, n = update(storedJob(), func(j *Job) {
		j.Spec.Selector = &LabelSelector{MatchLabels: map[string]string{ControllerUIDLabel: "u1"}}
		j.Spec.Template.Labels = map[string]string{"app": "web", ControllerUIDLabel: "u1", JobNameLabel: "backup"}
	})
	add(c("job controller generates its selector", nil, o, n))
	o, n = update(storedJob(), func(j *Job) {
		j.Spec.Selector = &LabelSelector{MatchLabels: map[string]string{ControllerUIDLabel: "u1"}}
		j.Spec.Template.Labels = map[string]string{"app": "api", ControllerUIDLabel: "u1"}
	})
	add(c("generated selector may not change template labels", []string{"spec.template.metadata.labels[app]"}, o, n))
	o, n = update(with(vService(), func(s *Service) { s.Spec.ClusterIP = "10.96.0.10" }), func(s *Service) { s.Spec.ClusterIP = "10.96.0.11" })
	add(c("service clusterIP", []string{"spec.clusterIPs[0]"}, o, n))
	o, n = update(vService(), func(s *Service) { s.Spec.ClusterIP = "10.96.0.11" })
	add(c("service clusterIP allocated", nil, o, n))
	o, n = update(with(vService(), func(s *Service) { s.Spec.ClusterIP = "10.96.0.10" }), func(s *Service) {
		s.Spec.ClusterIP = ""
		s.Spec.Type = ServiceTypeExternalName
		s.Spec.ExternalName = "db.example.com"
	})
	add(c("service to ExternalName", nil, o, n))

	o, n = update(vPVC(), func(p *PersistentVolumeClaim) { p.Spec.Resources.Requests[ResourceStorage] = resource.MustParse("2Gi") })
	add(c("pvc may grow", nil, o, n))
	o, n = update(vPVC(), func(p *PersistentVolumeClaim) { p.Spec.AccessModes = []string{"ReadWriteMany"} })
	add(c("pvc access modes", []string{"spec"}, o, n))
	o, n = update(vEndpointSlice(), func(e *EndpointSlice) { e.AddressType = "IPv6"; e.Endpoints = nil })
	add(c("endpointslice addressType", []string{"addressType"}, o, n))
	o, n = update(&ControllerRevision{ObjectMeta: vMeta("r"), Revision: 1, Data: []byte(`{"a":1}`)}, func(r *ControllerRevision) { r.Data = []byte(`{"a":2}`) })
	add(c("controllerrevision data", []string{"data"}, o, n))
	add(c("kind change", []string{"kind"}, vPod(), vDeployment()))
	o, n = update(vDeployment(), func(d *Deployment) { d.CreationTimestamp = NewTime(d.CreationTimestamp.Add(1)) })
	add(c("creationTimestamp set later is fine", nil, o, n))
	return cs
}

func withUID(p *Pod) *Pod { p.UID = "uid-1"; return p }

func TestValidateUpdate(t *testing.T) {
	for _, tc := range updateCases() {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateUpdate(tc.new, tc.old)
			if tc.paths == nil {
				if err != nil {
					t.Fatalf("ValidateUpdate = %v, want nil", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("ValidateUpdate = %v, want a *ValidationError", err)
			}
			if diff := cmp.Diff(tc.paths, ve.Errors.Paths()); diff != "" {
				t.Errorf("paths (-want +got):\n%s\nerror: %v", diff, err)
			}
		})
	}
}
