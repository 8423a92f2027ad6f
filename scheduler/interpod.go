package scheduler

import (
	"fmt"

	"github.com/orchestra-go/orchestra/workload"
	klabels "k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// Inter-pod affinity and anti-affinity, as kube-scheduler's
// InterPodAffinity plugin (pkg/scheduler/framework/plugins/interpodaffinity:
// filtering.go, scoring.go).
//
// Before the nodes are filtered, Schedule counts, per topology domain (a
// node label key and value), the existing pods that match the incoming
// pod's required affinity terms (a pod counts only if it matches all of
// them), those that match each of its required anti-affinity terms, and
// the existing pods whose required anti-affinity terms match the incoming
// pod. With preferred terms, or existing pods that have any inter-pod
// affinity, it also sums the weights the scorer reads. A snapshot with no
// pod that has inter-pod affinity, and a pod with none, skips all of it.

// topologyPair is one topology domain: a node label key and its value.
type topologyPair struct{ key, value string }

// affinityTerm is a compiled PodAffinityTerm.
type affinityTerm struct {
	// selector is the term's labelSelector with matchLabelKeys and
	// mismatchLabelKeys merged in; nil (no labelSelector) matches no pod.
	selector klabels.Selector
	// namespaces the term names; with neither namespaces nor a
	// namespaceSelector, the namespace of the pod the term belongs to.
	namespaces []string
	// nsSelector is the namespaceSelector, nil when there is none; an
	// empty one selects every namespace.
	nsSelector  klabels.Selector
	topologyKey string
}

type weightedTerm struct {
	affinityTerm
	weight int64
}

// podAffinity is the compiled inter-pod affinity of one pod.
type podAffinity struct {
	affinity, antiAffinity                   []affinityTerm // required
	preferredAffinity, preferredAntiAffinity []weightedTerm
}

// hasInterPodAffinity reports whether pod has any inter-pod affinity or
// anti-affinity term.
func hasInterPodAffinity(pod *workload.Pod) bool {
	a := pod.Spec.Affinity
	if a == nil {
		return false
	}
	if pa := a.PodAffinity; pa != nil && (len(pa.RequiredDuringSchedulingIgnoredDuringExecution) > 0 || len(pa.PreferredDuringSchedulingIgnoredDuringExecution) > 0) {
		return true
	}
	if pa := a.PodAntiAffinity; pa != nil && (len(pa.RequiredDuringSchedulingIgnoredDuringExecution) > 0 || len(pa.PreferredDuringSchedulingIgnoredDuringExecution) > 0) {
		return true
	}
	return false
}

// compilePodAffinity compiles pod's inter-pod affinity, or returns nil
// when it has none. A term that cannot be evaluated (a broken selector, a
// weight outside 1-100) is an error naming its field.
func compilePodAffinity(pod *workload.Pod) (*podAffinity, *fieldError) {
	if !hasInterPodAffinity(pod) {
		return nil, nil
	}
	a := &podAffinity{}
	var err *fieldError
	if pa := pod.Spec.Affinity.PodAffinity; pa != nil {
		if a.affinity, err = compileTerms(pod, pa.RequiredDuringSchedulingIgnoredDuringExecution); err != nil {
			return nil, err.in("spec.affinity.podAffinity")
		}
		if a.preferredAffinity, err = compileWeighted(pod, pa.PreferredDuringSchedulingIgnoredDuringExecution); err != nil {
			return nil, err.in("spec.affinity.podAffinity")
		}
	}
	if pa := pod.Spec.Affinity.PodAntiAffinity; pa != nil {
		if a.antiAffinity, err = compileTerms(pod, pa.RequiredDuringSchedulingIgnoredDuringExecution); err != nil {
			return nil, err.in("spec.affinity.podAntiAffinity")
		}
		if a.preferredAntiAffinity, err = compileWeighted(pod, pa.PreferredDuringSchedulingIgnoredDuringExecution); err != nil {
			return nil, err.in("spec.affinity.podAntiAffinity")
		}
	}
	return a, nil
}

func compileTerms(pod *workload.Pod, terms []workload.PodAffinityTerm) ([]affinityTerm, *fieldError) {
	var out []affinityTerm
	for i := range terms {
		t, err := compileAffinityTerm(pod, &terms[i])
		if err != nil {
			return nil, err.in(fmt.Sprintf("[%d]", i)).in("requiredDuringSchedulingIgnoredDuringExecution")
		}
		out = append(out, t)
	}
	return out, nil
}

func compileWeighted(pod *workload.Pod, terms []workload.WeightedPodAffinityTerm) ([]weightedTerm, *fieldError) {
	var out []weightedTerm
	for i := range terms {
		wt := &terms[i]
		at := fmt.Sprintf("preferredDuringSchedulingIgnoredDuringExecution[%d]", i)
		if wt.Weight < 1 || wt.Weight > 100 {
			return nil, (&fieldError{path: "weight", msg: fmt.Sprintf("%d is not in the range 1-100", wt.Weight)}).in(at)
		}
		t, err := compileAffinityTerm(pod, &wt.PodAffinityTerm)
		if err != nil {
			return nil, err.in("podAffinityTerm").in(at)
		}
		out = append(out, weightedTerm{affinityTerm: t, weight: int64(wt.Weight)})
	}
	return out, nil
}

// compileAffinityTerm compiles one term of pod: the label selector with
// key In (value) for each matchLabelKeys key and key NotIn (value) for each
// mismatchLabelKeys key the pod has a label of (what the API server merges
// into the selector when it creates the pod; not twice when it is there),
// the namespaces, and the namespace selector.
func compileAffinityTerm(pod *workload.Pod, t *workload.PodAffinityTerm) (affinityTerm, *fieldError) {
	at := affinityTerm{topologyKey: t.TopologyKey, namespaces: t.Namespaces}
	if t.LabelSelector != nil {
		sel, err := t.LabelSelector.AsSelector()
		if err != nil {
			return at, &fieldError{path: "labelSelector", msg: err.Error()}
		}
		sel, ferr := withLabelKeys(sel, t.LabelSelector, pod, t.MatchLabelKeys, selection.In, "matchLabelKeys")
		if ferr != nil {
			return at, ferr
		}
		sel, ferr = withLabelKeys(sel, t.LabelSelector, pod, t.MismatchLabelKeys, selection.NotIn, "mismatchLabelKeys")
		if ferr != nil {
			return at, ferr
		}
		at.selector = sel
	}
	if t.NamespaceSelector != nil {
		sel, err := t.NamespaceSelector.AsSelector()
		if err != nil {
			return at, &fieldError{path: "namespaceSelector", msg: err.Error()}
		}
		at.nsSelector = sel
	}
	if len(t.Namespaces) == 0 && t.NamespaceSelector == nil {
		at.namespaces = []string{pod.Namespace}
	}
	return at, nil
}

// withLabelKeys adds to sel, the compiled form of ls, the requirement key
// op (value) for each of keys (the field named field) that pod has a label
// of, unless ls already holds it.
func withLabelKeys(sel klabels.Selector, ls *workload.LabelSelector, pod *workload.Pod, keys []string, op selection.Operator, field string) (klabels.Selector, *fieldError) {
	for i, k := range keys {
		v, ok := pod.Labels[k]
		if !ok || merged(ls, k, op) {
			continue
		}
		r, err := klabels.NewRequirement(k, op, []string{v})
		if err != nil {
			return nil, &fieldError{path: fmt.Sprintf("%s[%d]", field, i), msg: err.Error()}
		}
		sel = sel.Add(*r)
	}
	return sel, nil
}

// merged reports whether sel already holds the requirement key op
// (value) that the API server merges in for a matchLabelKeys (In) or
// mismatchLabelKeys (NotIn) key when it creates a pod
// (workload.DefaultPod does the same): a requirement on key with that
// operator, whatever its value, since the merge happens once, with the
// labels the pod had then (a pod relabelled since keeps it), and
// validation refuses a selector that names such a key itself.
func merged(sel *workload.LabelSelector, key string, op selection.Operator) bool {
	want := workload.LabelSelectorOpIn
	if op == selection.NotIn {
		want = workload.LabelSelectorOpNotIn
	}
	for _, e := range sel.MatchExpressions {
		if e.Key == key && e.Operator == want {
			return true
		}
	}
	return false
}

// matches reports whether pod is one of the pods the term selects: in one
// of its namespaces, or in a namespace its namespace selector selects (by
// the labels snap knows of the namespace), with labels its selector
// matches.
func (t *affinityTerm) matches(pod *workload.Pod, snap *Snapshot) bool {
	if t.selector == nil || !t.inNamespace(pod.Namespace, snap) {
		return false
	}
	return t.selector.Matches(klabels.Set(pod.Labels))
}

func (t *affinityTerm) inNamespace(ns string, snap *Snapshot) bool {
	for _, n := range t.namespaces {
		if n == ns {
			return true
		}
	}
	if t.nsSelector == nil {
		return false
	}
	if t.nsSelector.Empty() {
		return true
	}
	return t.nsSelector.Matches(snap.namespaceLabels(ns))
}

// matchesAll reports whether pod matches every term (false for no terms).
func matchesAll(terms []affinityTerm, pod *workload.Pod, snap *Snapshot) bool {
	if len(terms) == 0 {
		return false
	}
	for i := range terms {
		if !terms[i].matches(pod, snap) {
			return false
		}
	}
	return true
}

// hardPodAffinityWeight is what an existing pod's required affinity term
// that matches the incoming pod adds to the score of the nodes in its
// domain: kube-scheduler's InterPodAffinityArgs.HardPodAffinityWeight
// default.
const hardPodAffinityWeight = 1

// interPodState is what Schedule computes for one pod before filtering
// (kube-scheduler's PreFilter and PreScore states), read by
// InterPodAffinityFilter and InterPodAffinityScorer through PodInfo.
type interPodState struct {
	// affinity counts, per domain, the existing pods that match all of
	// the pod's required affinity terms; anti the pods that match each
	// required anti-affinity term; existing the existing pods' required
	// anti-affinity terms that match the pod.
	affinity, anti, existing map[topologyPair]int64
	// selfMatch: the pod matches all its own required affinity terms (the
	// first pod of a group may go anywhere the topology keys exist).
	selfMatch bool
	filter    bool // the filter has something to check
	// score sums the preferred weights per domain; scoreKeys lists the
	// topology keys it holds.
	score     map[topologyPair]int64
	scoreKeys []string
}

func (st *interPodState) reset() {
	if st.affinity == nil {
		st.affinity = map[topologyPair]int64{}
		st.anti = map[topologyPair]int64{}
		st.existing = map[topologyPair]int64{}
		st.score = map[topologyPair]int64{}
	}
	clear(st.affinity)
	clear(st.anti)
	clear(st.existing)
	clear(st.score)
	st.scoreKeys = st.scoreKeys[:0]
	st.selfMatch, st.filter = false, false
}

func (st *interPodState) addScore(key string, labels map[string]string, w int64) {
	v, ok := labels[key]
	if !ok {
		return
	}
	st.score[topologyPair{key, v}] += w
	for _, k := range st.scoreKeys {
		if k == key {
			return
		}
	}
	st.scoreKeys = append(st.scoreKeys, key)
}

// prepareInterPod fills s.inter for p and points p.inter at it when the
// filter or the scorer has work; it does nothing at all when neither the
// pod nor any pod in snap has inter-pod affinity terms.
func (s *Scheduler) prepareInterPod(p *PodInfo, snap *Snapshot) {
	p.inter = nil
	a := p.aff
	if a == nil && len(snap.withAffinity) == 0 {
		return
	}
	st := &s.inter
	st.reset()
	pod := p.Pod
	required := a != nil && (len(a.affinity) > 0 || len(a.antiAffinity) > 0)
	if required {
		for _, n := range snap.list {
			labels := n.Node.Labels
			for _, q := range n.Pods {
				if matchesAll(a.affinity, q, snap) {
					for i := range a.affinity {
						if v, ok := labels[a.affinity[i].topologyKey]; ok {
							st.affinity[topologyPair{a.affinity[i].topologyKey, v}]++
						}
					}
				}
				for i := range a.antiAffinity {
					t := &a.antiAffinity[i]
					if t.matches(q, snap) {
						if v, ok := labels[t.topologyKey]; ok {
							st.anti[topologyPair{t.topologyKey, v}]++
						}
					}
				}
			}
		}
		st.selfMatch = matchesAll(a.affinity, pod, snap)
	}
	for _, e := range snap.withAffinity {
		if e.node.Node == nil {
			continue // on a node the snapshot has no object of
		}
		labels := e.node.Node.Labels
		for i := range e.aff.antiAffinity {
			t := &e.aff.antiAffinity[i]
			if t.matches(pod, snap) {
				if v, ok := labels[t.topologyKey]; ok {
					st.existing[topologyPair{t.topologyKey, v}]++
				}
			}
		}
	}
	st.filter = required || len(st.existing) > 0
	// Scores: with preferred terms of its own, the pod looks at every
	// pod; otherwise only the pods with inter-pod affinity can score.
	if a != nil && (len(a.preferredAffinity) > 0 || len(a.preferredAntiAffinity) > 0) {
		for _, n := range snap.list {
			for _, e := range n.entries {
				s.scoreExisting(p, e, snap)
			}
		}
	} else {
		for _, e := range snap.withAffinity {
			if e.node.Node != nil {
				s.scoreExisting(p, e, snap)
			}
		}
	}
	if st.filter || len(st.scoreKeys) > 0 {
		p.inter = st
	}
}

// scoreExisting adds what existing pod e contributes to the incoming
// pod's scores (kube-scheduler's processExistingPod).
func (s *Scheduler) scoreExisting(p *PodInfo, e *podEntry, snap *Snapshot) {
	st := &s.inter
	labels := e.node.Node.Labels
	if len(labels) == 0 {
		return
	}
	if a := p.aff; a != nil {
		for i := range a.preferredAffinity {
			if t := &a.preferredAffinity[i]; t.matches(e.pod, snap) {
				st.addScore(t.topologyKey, labels, t.weight)
			}
		}
		for i := range a.preferredAntiAffinity {
			if t := &a.preferredAntiAffinity[i]; t.matches(e.pod, snap) {
				st.addScore(t.topologyKey, labels, -t.weight)
			}
		}
	}
	ea := e.aff
	if ea == nil {
		return
	}
	pod := p.Pod
	for i := range ea.affinity {
		if t := &ea.affinity[i]; t.matches(pod, snap) {
			st.addScore(t.topologyKey, labels, hardPodAffinityWeight)
		}
	}
	for i := range ea.preferredAffinity {
		if t := &ea.preferredAffinity[i]; t.matches(pod, snap) {
			st.addScore(t.topologyKey, labels, t.weight)
		}
	}
	for i := range ea.preferredAntiAffinity {
		if t := &ea.preferredAntiAffinity[i]; t.matches(pod, snap) {
			st.addScore(t.topologyKey, labels, -t.weight)
		}
	}
}

// InterPodAffinityFilter is kube-scheduler's InterPodAffinity filter: the
// node must be in a domain (of each required affinity term's topology key,
// which the node must have) holding a pod that matches all the pod's
// required affinity terms, unless no such pod exists anywhere and the pod
// matches its own terms (the first pod of a group); in no domain of a
// required anti-affinity term holding a matching pod; and in no domain
// where an existing pod's required anti-affinity term matches the pod.
// Terminating pods count, as in kube-scheduler's cache; finished ones are
// not in the snapshot. Namespace selectors read the labels the snapshot
// has of each namespace (Snapshot.SetNamespace).
//
// It reads what Schedule computed for the pod; called outside Schedule
// (on a PodInfo from NewPodInfo) it lets every node pass.
type InterPodAffinityFilter struct{}

// Filter implements Filter.
func (InterPodAffinityFilter) Filter(p *PodInfo, n *NodeInfo) (bool, string) {
	st := p.inter
	if st == nil || !st.filter {
		return true, ""
	}
	labels := n.Node.Labels
	if a := p.aff; a != nil {
		if len(a.affinity) > 0 {
			exist := true
			for i := range a.affinity {
				key := a.affinity[i].topologyKey
				v, ok := labels[key]
				if !ok {
					return false, ReasonAffinityRulesNotMatch
				}
				if st.affinity[topologyPair{key, v}] <= 0 {
					exist = false
				}
			}
			if !exist && !(len(st.affinity) == 0 && st.selfMatch) {
				return false, ReasonAffinityRulesNotMatch
			}
		}
		if len(st.anti) > 0 {
			for i := range a.antiAffinity {
				key := a.antiAffinity[i].topologyKey
				if v, ok := labels[key]; ok && st.anti[topologyPair{key, v}] > 0 {
					return false, ReasonAntiAffinityRulesNotMatch
				}
			}
		}
	}
	for tp := range st.existing {
		if v, ok := labels[tp.key]; ok && v == tp.value {
			return false, ReasonExistingAntiAffinityRulesNotMatch
		}
	}
	return true, ""
}

// InterPodAffinityScorer is kube-scheduler's InterPodAffinity score: a
// node gets the weights of the pod's preferred affinity terms matched by
// pods in its domains, minus those of its preferred anti-affinity terms,
// plus hardPodAffinityWeight (1) for each existing pod in its domains
// whose required affinity term matches the pod, plus (minus) the weights
// of existing pods' preferred affinity (anti-affinity) terms that match
// the pod. Normalized from the lowest (0) to the highest (MaxNodeScore)
// among the scored nodes; every node scores 0 when there is nothing to
// sum.
type InterPodAffinityScorer struct{}

// Score implements Scorer: the raw sum.
func (InterPodAffinityScorer) Score(p *PodInfo, n *NodeInfo) int64 {
	st := p.inter
	if st == nil || len(st.scoreKeys) == 0 {
		return 0
	}
	var s int64
	for _, k := range st.scoreKeys {
		if v, ok := n.Node.Labels[k]; ok {
			s += st.score[topologyPair{k, v}]
		}
	}
	return s
}

// skip: with nothing summed every node scores 0.
func (InterPodAffinityScorer) skip(p *PodInfo) (int64, bool) {
	return 0, p.inter == nil || len(p.inter.scoreKeys) == 0
}

// Normalize implements Normalizer: MaxNodeScore*(s-min)/(max-min),
// truncated, as kube-scheduler computes it in floating point.
func (InterPodAffinityScorer) Normalize(p *PodInfo, scores []int64) {
	if len(scores) == 0 {
		return
	}
	lo, hi := scores[0], scores[0]
	for _, s := range scores {
		lo, hi = min(lo, s), max(hi, s)
	}
	diff := hi - lo
	for i, s := range scores {
		f := float64(0)
		if diff > 0 {
			f = float64(MaxNodeScore) * (float64(s-lo) / float64(diff))
		}
		scores[i] = int64(f)
	}
}

// BoundPodMayHelp reports whether a change of a bound pod may make p
// schedulable again, p having been refused for inter-pod affinity,
// anti-affinity or a topology spread constraint: kube-scheduler's
// queueing hints for pod events (interpodaffinity and podtopologyspread
// isSchedulableAfterPodChange). cur was bound (old nil), or relabelled
// from old. For inter-pod affinity: a bound pod that matches all of p's
// required affinity terms, or that now matches them and did not; a
// relabelled pod that matched all of p's required anti-affinity terms and
// no longer does. For spread: a pod of p's namespace bound whose labels
// one of p's constraints selects, or relabelled so that a constraint
// selects it and did not, or the other way round. Namespace selectors
// read snap's namespace labels. An unbound pod never helps.
func BoundPodMayHelp(p *PodInfo, old, cur *workload.Pod, snap *Snapshot) bool {
	if p == nil || cur == nil || cur.Spec.NodeName == "" {
		return false
	}
	if a := p.aff; a != nil {
		if old == nil {
			if matchesAll(a.affinity, cur, snap) {
				return true
			}
		} else {
			if !matchesAll(a.affinity, old, snap) && matchesAll(a.affinity, cur, snap) {
				return true
			}
			if matchesAll(a.antiAffinity, old, snap) && !matchesAll(a.antiAffinity, cur, snap) {
				return true
			}
		}
	}
	if len(p.spread) > 0 && cur.Namespace == p.Pod.Namespace {
		for i := range p.spread {
			sel := p.spread[i].selector
			now := sel.Matches(klabels.Set(cur.Labels))
			if old == nil && now {
				return true
			}
			if old != nil && now != sel.Matches(klabels.Set(old.Labels)) {
				return true
			}
		}
	}
	return false
}
