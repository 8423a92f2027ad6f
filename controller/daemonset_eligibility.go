package controller

import (
	"fmt"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/orchestra-go/orchestra/scheduler"
	"github.com/orchestra-go/orchestra/workload"
)

// DaemonSet defaults, applied by the controller when the stored object
// lacks them (workload.Default normally fills them).
const (
	defaultDaemonSetRevisionHistoryLimit = 10
	// daemonPodBackoffBase and daemonPodBackoffMax bound the per-node
	// back-off between deletions of Failed daemon pods, as Kubernetes'
	// failedPodsBackoff (flowcontrol.NewBackOff(1s, 15min)).
	daemonPodBackoffBase = time.Second
	daemonPodBackoffMax  = 15 * time.Minute
)

// daemonTolerations are the tolerations Kubernetes adds to every daemon
// pod (AddOrUpdateDaemonPodTolerations), with operator Exists and no
// tolerationSeconds, so node problems and cordons do not evict it.
var daemonTolerations = []workload.Toleration{
	{Key: workload.TaintNodeNotReady, Operator: workload.TolerationOpExists, Effect: workload.TaintEffectNoExecute},
	{Key: workload.TaintNodeUnreachable, Operator: workload.TolerationOpExists, Effect: workload.TaintEffectNoExecute},
	{Key: workload.TaintNodeDiskPressure, Operator: workload.TolerationOpExists, Effect: workload.TaintEffectNoSchedule},
	{Key: workload.TaintNodeMemoryPressure, Operator: workload.TolerationOpExists, Effect: workload.TaintEffectNoSchedule},
	{Key: workload.TaintNodePIDPressure, Operator: workload.TolerationOpExists, Effect: workload.TaintEffectNoSchedule},
	{Key: workload.TaintNodeUnschedulable, Operator: workload.TolerationOpExists, Effect: workload.TaintEffectNoSchedule},
}

// networkUnavailableToleration is added only to hostNetwork daemon pods.
var networkUnavailableToleration = workload.Toleration{
	Key: workload.TaintNodeNetworkUnavailable, Operator: workload.TolerationOpExists, Effect: workload.TaintEffectNoSchedule,
}

// addDaemonTolerations returns tols with the automatic daemon tolerations
// added; one the template already has with the same key, operator, value
// and effect is replaced (so a user's not-ready toleration with
// tolerationSeconds becomes unbounded), as AddOrUpdateTolerationInPodSpec.
func addDaemonTolerations(tols []workload.Toleration, hostNetwork bool) []workload.Toleration {
	out := append([]workload.Toleration(nil), tols...)
	add := func(t workload.Toleration) {
		for i := range out {
			o := &out[i]
			if o.Key == t.Key && o.Effect == t.Effect && o.Operator == t.Operator && o.Value == t.Value {
				*o = t
				return
			}
		}
		out = append(out, t)
	}
	for _, t := range daemonTolerations {
		add(t)
	}
	if hostNetwork {
		add(networkUnavailableToleration)
	}
	return out
}

// dsPlan is what the controller derives from one generation of a
// DaemonSet spec: everything the per-node decisions need, computed once.
type dsPlan struct {
	uid, namespace, name string
	key                  string // "namespace/name"
	generation           int64
	selector             labels.Selector
	hash                 string
	// pod is the pod every daemon pod starts from: the template with the
	// controller-revision-hash label, the daemon tolerations, the owner
	// reference and generateName; nodeAffinity is set per node.
	pod *workload.Pod
	// info is the scheduling view of the template with the daemon
	// tolerations and the user's own nodeSelector and required affinity
	// (not the per-node one): the eligibility filters run on it.
	info            *scheduler.PodInfo
	nodeName        string
	onDelete        bool
	surge           bool // RollingUpdate with a maxSurge that resolves above 0
	maxSurge        *intstr.IntOrString
	maxUnavailable  *intstr.IntOrString
	minReadySeconds int32
	historyLimit    int
}

// compileDaemonSet checks ds and derives its plan. An error names the
// DaemonSet and the field; it is not worth retrying (ErrPermanent).
func compileDaemonSet(ds *workload.DaemonSet) (*dsPlan, error) {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: DaemonSet %s/%s: %s: %s", ErrPermanent, ds.Namespace, ds.Name, field, fmt.Sprintf(format, args...))
	}
	if ds.Spec.Selector == nil {
		return nil, bad("spec.selector", "required")
	}
	sel, err := ds.Spec.Selector.AsSelector()
	if err != nil {
		return nil, bad("spec.selector", "%v", err)
	}
	if sel.Empty() {
		return nil, bad("spec.selector", "empty selector is invalid for a DaemonSet")
	}
	if !sel.Matches(labels.Set(ds.Spec.Template.Labels)) {
		return nil, bad("spec.template.metadata.labels", "%v does not match spec.selector %q", ds.Spec.Template.Labels, sel.String())
	}
	p := &dsPlan{
		uid: ds.UID, namespace: ds.Namespace, name: ds.Name, key: ds.Namespace + "/" + ds.Name,
		generation:      ds.Generation,
		selector:        sel,
		hash:            TemplateHash(&ds.Spec.Template, ds.Status.CollisionCount),
		nodeName:        ds.Spec.Template.Spec.NodeName,
		minReadySeconds: ds.Spec.MinReadySeconds,
		historyLimit:    defaultDaemonSetRevisionHistoryLimit,
	}
	if ds.Spec.RevisionHistoryLimit != nil {
		p.historyLimit = max(0, int(*ds.Spec.RevisionHistoryLimit))
	}
	switch ds.Spec.UpdateStrategy.Type {
	case workload.OnDeleteStrategy:
		p.onDelete = true
	case "", workload.RollingUpdateStrategy:
		p.maxUnavailable = workload.Ptr(intstr.FromInt32(1))
		if ru := ds.Spec.UpdateStrategy.RollingUpdate; ru != nil {
			if ru.MaxUnavailable != nil {
				p.maxUnavailable = ru.MaxUnavailable
			}
			p.maxSurge = ru.MaxSurge
		}
		if _, err := intstr.GetScaledValueFromIntOrPercent(p.maxUnavailable, 1, true); err != nil {
			return nil, bad("spec.updateStrategy.rollingUpdate.maxUnavailable", "%v", err)
		}
		if p.maxSurge != nil {
			n, err := intstr.GetScaledValueFromIntOrPercent(p.maxSurge, 1, true)
			if err != nil {
				return nil, bad("spec.updateStrategy.rollingUpdate.maxSurge", "%v", err)
			}
			p.surge = n > 0 // util.AllowsSurge: resolved against one node
		}
	default:
		return nil, bad("spec.updateStrategy.type", "unsupported value %q: supported values: \"OnDelete\", \"RollingUpdate\"", ds.Spec.UpdateStrategy.Type)
	}

	t := ds.Spec.Template.DeepCopy()
	if t.Labels == nil {
		t.Labels = map[string]string{}
	}
	t.Labels[workload.ControllerRevisionHashLabel] = p.hash
	// Kubernetes' CreatePodTemplate: the template generation the API
	// server keeps in the annotation, when it has one.
	if g, err := strconv.ParseInt(ds.Annotations[workload.DeprecatedTemplateGeneration], 10, 64); err == nil {
		t.Labels[workload.DaemonSetTemplateGenerationLabel] = strconv.FormatInt(g, 10)
	}
	t.Spec.Tolerations = addDaemonTolerations(t.Spec.Tolerations, t.Spec.HostNetwork)
	p.pod = NewPodFromTemplate(t, ds, "", GenerateNamePrefix(ds.Name))
	// Admit (default) the pod once here: the store's admission then finds
	// nothing to change in the memory the daemon pods share with it.
	workload.DefaultPod(p.pod)

	// The eligibility view: the user's nodeSelector and required affinity,
	// no nodeName (checked apart), the daemon tolerations.
	view := &workload.Pod{ObjectMeta: workload.ObjectMeta{Namespace: ds.Namespace, Name: ds.Name}, Spec: t.Spec}
	view.Spec.NodeName = ""
	p.info, err = scheduler.NewPodInfo(view)
	if err != nil {
		return nil, bad("spec.template.spec.affinity", "%v", err)
	}
	return p, nil
}

// dsRollingParams resolves maxSurge and maxUnavailable against desired, the
// number of nodes that should run the pod, as Kubernetes'
// updatedDesiredNodeCounts: both percentages round up; when both resolve
// to 0 on a non-empty DaemonSet, maxUnavailable is 1.
func dsRollingParams(maxSurge, maxUnavailable *intstr.IntOrString, desired int) (surge, unavailable int) {
	if maxUnavailable != nil {
		unavailable, _ = intstr.GetScaledValueFromIntOrPercent(maxUnavailable, desired, true)
	}
	if maxSurge != nil {
		surge, _ = intstr.GetScaledValueFromIntOrPercent(maxSurge, desired, true)
	}
	if desired > 0 && surge == 0 && unavailable == 0 {
		unavailable = 1
	}
	return surge, unavailable
}

// eligibility is the answer of nodeShouldRunDaemonPod.
type eligibility struct {
	shouldRun, shouldContinueRunning bool
}

// nodeShouldRunDaemonPod reports whether ds should place a pod on node
// and whether a pod already there should keep running, as Kubernetes'
// NodeShouldRunDaemonPod: the template's nodeName, nodeSelector and
// required node affinity must match (else false, false); an untolerated
// NoExecute taint gives (false, false), an untolerated NoSchedule taint
// (false, true). The daemon tolerations count; resources do not.
func nodeShouldRunDaemonPod(node *workload.Node, ds *workload.DaemonSet) (shouldRun, shouldContinueRunning bool) {
	p, err := compileDaemonSet(ds)
	if err != nil {
		return false, false
	}
	e := p.eligible(node)
	return e.shouldRun, e.shouldContinueRunning
}

// eligible is nodeShouldRunDaemonPod for a compiled plan. A nil node (gone
// from the store) runs nothing.
func (p *dsPlan) eligible(node *workload.Node) eligibility {
	if node == nil {
		return eligibility{}
	}
	if p.nodeName != "" && p.nodeName != node.Name {
		return eligibility{}
	}
	ni, err := scheduler.NewNodeInfo(node)
	if err != nil {
		return eligibility{}
	}
	if ok, _ := (scheduler.NodeSelectorFilter{}).Filter(p.info, ni); !ok {
		return eligibility{}
	}
	if ok, _ := (scheduler.NodeAffinityFilter{}).Filter(p.info, ni); !ok {
		return eligibility{}
	}
	noSchedule := false
	for i := range node.Spec.Taints {
		t := &node.Spec.Taints[i]
		if t.Effect != workload.TaintEffectNoSchedule && t.Effect != workload.TaintEffectNoExecute {
			continue
		}
		if tolerated(p.info.Pod.Spec.Tolerations, t) {
			continue
		}
		if t.Effect == workload.TaintEffectNoExecute {
			return eligibility{}
		}
		noSchedule = true
	}
	if noSchedule {
		return eligibility{shouldContinueRunning: true}
	}
	return eligibility{shouldRun: true, shouldContinueRunning: true}
}

func tolerated(tols []workload.Toleration, t *workload.Taint) bool {
	for i := range tols {
		if scheduler.ToleratesTaint(&tols[i], t) {
			return true
		}
	}
	return false
}

// newDaemonPod returns the pod for node: the plan's pod with the required
// node affinity replaced by the single term matchFields metadata.name In
// [node] (Kubernetes 1.12+, ReplaceDaemonSetPodNodeNameNodeAffinity); the
// preferred terms stay. spec.nodeName stays empty: the scheduler binds it.
//
// The result shares all but its affinity with the plan's pod: neither may
// be changed. It is for Store.Create with store.Adopt (stored objects are
// never changed); copy it to modify it.
func (p *dsPlan) newDaemonPod(node string) *workload.Pod {
	return new(daemonPod).fill(p, node)
}

// daemonPod holds a daemon pod and its per-node affinity in one value, so
// a creation allocates it at once.
type daemonPod struct {
	pod  workload.Pod
	aff  workload.Affinity
	na   workload.NodeAffinity
	sel  workload.NodeSelector
	term [1]workload.NodeSelectorTerm
	req  [1]workload.NodeSelectorRequirement
	val  [1]string
}

// fill makes x p's pod for node (see newDaemonPod) and returns it. What
// it returned before is overwritten.
func (x *daemonPod) fill(p *dsPlan, node string) *workload.Pod {
	*x = daemonPod{pod: *p.pod}
	if a := x.pod.Spec.Affinity; a != nil {
		x.aff = *a
		if a.NodeAffinity != nil {
			x.na = *a.NodeAffinity
		}
	}
	x.val[0] = node
	x.req[0] = workload.NodeSelectorRequirement{Key: metadataNameField, Operator: workload.NodeSelectorOpIn, Values: x.val[:]}
	x.term[0] = workload.NodeSelectorTerm{MatchFields: x.req[:]}
	x.sel.NodeSelectorTerms = x.term[:]
	x.na.RequiredDuringSchedulingIgnoredDuringExecution = &x.sel
	x.aff.NodeAffinity = &x.na
	x.pod.Spec.Affinity = &x.aff
	return &x.pod
}

const metadataNameField = "metadata.name"

// targetNodeName returns the node a daemon pod is for: spec.nodeName once
// bound, else the metadata.name its required node affinity pins it to
// (util.GetTargetNodeName). "" when neither says.
func targetNodeName(pod *workload.Pod) string {
	if pod.Spec.NodeName != "" {
		return pod.Spec.NodeName
	}
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return ""
	}
	for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, r := range term.MatchFields {
			if r.Key == metadataNameField && r.Operator == workload.NodeSelectorOpIn && len(r.Values) == 1 {
				return r.Values[0]
			}
		}
	}
	return ""
}
