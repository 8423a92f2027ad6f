package scheduler

import (
	"math"

	"github.com/orchestra-go/orchestra/workload"
)

// kube-scheduler's system default spreading (podtopologyspread plugin.go
// systemDefaultConstraints, applied by buildDefaultConstraints in
// common.go to a pod without constraints of its own): two ScheduleAnyway
// constraints, kubernetes.io/hostname with maxSkew 3 and
// topology.kubernetes.io/zone with maxSkew 5, both over the pods that
// helper.DefaultSelector matches, scored as scoring.go scores any
// ScheduleAnyway constraint but with requireAllTopologies false: a node
// lacking a key is still scored, on the keys it has.
const (
	defaultHostnameSkew = 3
	defaultZoneSkew     = 5
)

// defaultSpreadOwner reports whether a pod whose controller is ref gets
// the system default constraints. helper.DefaultSelector builds their
// selector from the pod's Services and from its controller when that is
// a ReplicationController (v1), a ReplicaSet or a StatefulSet (apps/v1);
// with an empty selector the plugin skips the pod. The scheduler sees no
// Services: it stands in the controller's own pods (matched by uid) for
// the pods its selector matches, which are the same pods unless another
// object's pods carry the same labels, and spreads no pod of another
// controller (Job, DaemonSet) or of none.
func defaultSpreadOwner(ref *workload.OwnerReference) bool {
	switch ref.Kind {
	case "ReplicaSet", "StatefulSet":
		return ref.APIVersion == "apps/v1"
	case "ReplicationController":
		return ref.APIVersion == "v1"
	}
	return false
}

// defaultSpreadState is what Schedule computes for SpreadScorer over the
// feasible nodes (the plugin's PreScore): the normalizing weights
// log(size+2) of the hostname constraint (size: the feasible nodes) and
// of the zone constraint (size: the zone values among the feasible
// nodes, a node without the label counting as the value ""), and, by
// zone id (Snapshot.zones), the controller's pods in each zone of a
// feasible node, on the nodes that match the pod's node selector and
// required node affinity (nodeAffinityPolicy Honor), or -1 for a zone of
// no feasible node.
type defaultSpreadState struct {
	hostW, zoneW float64
	zoned        bool // some node has a zone label: zones is filled
	zones        []int64
}

// prepareDefaultSpread fills s.defSt for p, which gets the default
// constraints, from the nf feasible nodes. They are s.feasible but when
// no node has a zone label (scanPick keeps no list; only nf matters).
func (s *Scheduler) prepareDefaultSpread(p *PodInfo, snap *Snapshot, nf int) {
	st := &s.defSt
	st.hostW = math.Log(float64(nf + 2))
	st.zoned = snap.zoned > 0
	if !st.zoned {
		return // no node scores the zone constraint
	}
	if k := snap.zones.size(); cap(st.zones) < k {
		st.zones = make([]int64, k, k+k/4)
	} else {
		st.zones = st.zones[:k]
	}
	zs := st.zones
	for i := range zs {
		zs[i] = -1
	}
	size := 0
	for _, pos := range s.feasible {
		if z := snap.zoneOf[pos]; zs[z] < 0 {
			zs[z] = 0
			size++
		}
	}
	st.zoneW = math.Log(float64(size + 2))
	set := snap.owners[p.ownerHash]
	if set == nil || p.OwnerUID == "" {
		return
	}
	affinity := len(p.Pod.Spec.NodeSelector) > 0 || p.hasRequired
	for _, o := range set.nodes {
		pos := snap.posOf[o.slot]
		z := snap.zoneOf[pos]
		if zs[z] < 0 || affinity && !matchesNodeAffinity(p, snap.list[pos]) {
			continue
		}
		zs[z] += int64(o.n)
	}
}

// matchesNodeAffinity reports whether n passes p's node selector and
// required node affinity (nodeaffinity.GetRequiredNodeAffinity).
func matchesNodeAffinity(p *PodInfo, n *NodeInfo) bool {
	if ok, _ := (NodeSelectorFilter{}).Filter(p, n); !ok {
		return false
	}
	return !p.hasRequired || p.required.matches(n)
}

// raw is the raw default spreading score of a feasible node with flags f
// and zone id zone, holding c pods of the pod's controller: per
// constraint whose key the node has, count*weight + maxSkew-1, summed and
// rounded.
func (st *defaultSpreadState) raw(c int64, f hotFlags, zone uint32) int64 {
	var score float64
	if f&hotHostname != 0 {
		score += float64(c)*st.hostW + (defaultHostnameSkew - 1)
	}
	if f&hotZone != 0 && st.zoned {
		score += float64(st.zones[zone])*st.zoneW + (defaultZoneSkew - 1)
	}
	return int64(math.Round(score))
}

// normalizeSpread maps a raw spreading score s to 0..MaxNodeScore given
// the lowest and highest raw scores lo and hi of the scored nodes, as the
// plugin's NormalizeScore: MaxNodeScore*(hi+lo-s)/hi, or MaxNodeScore
// everywhere when hi is 0.
func normalizeSpread(s, lo, hi int64) int64 {
	if hi == 0 {
		return MaxNodeScore
	}
	return MaxNodeScore * (hi + lo - s) / hi
}

// SpreadScorer is kube-scheduler's PodTopologySpread score with its system
// default constraints, for a pod without topology spread constraints of
// its own whose controller is a ReplicaSet, StatefulSet or
// ReplicationController (the pod's Services, which kube-scheduler also
// reads, are not seen here). Two ScheduleAnyway constraints count the
// controller's pods that are not terminating: kubernetes.io/hostname,
// maxSkew 3, on the node itself; topology.kubernetes.io/zone, maxSkew 5,
// in the node's zone, over the nodes passing the pod's node selector and
// required node affinity. A node scores, per constraint whose key it has,
// count*log(size+2) + maxSkew-1, where size is the number of feasible
// nodes (hostname) or of zone values among them (a node without the label
// making one more, ""); the rounded sum s is normalized as
// MaxNodeScore*(max+min-s)/max over the scored nodes (MaxNodeScore when
// max is 0). A node lacking both keys scores raw 0, so it is favoured:
// kube-scheduler requires no key of the default constraints. Every other
// pod scores 0 everywhere (the plugin skips it, or TopologySpreadScorer
// scores its own constraints).
//
// It reads what Schedule computed for the pod; called outside Schedule
// (on a PodInfo from NewPodInfo) every node scores 0.
type SpreadScorer struct{}

// Score implements Scorer: the raw, rounded sum.
func (SpreadScorer) Score(p *PodInfo, n *NodeInfo) int64 {
	if !p.defSpread || p.defSt == nil {
		return 0
	}
	return p.defSt.raw(n.ownerCount(p.ownerHash), spreadKeyFlags(n.Node.Labels), n.zone)
}

// skip: a pod without the default constraints scores 0 everywhere.
func (SpreadScorer) skip(p *PodInfo) (int64, bool) { return 0, !p.defSpread || p.defSt == nil }

// Normalize implements Normalizer.
func (SpreadScorer) Normalize(p *PodInfo, scores []int64) {
	if !p.defSpread || p.defSt == nil {
		clear(scores)
		return
	}
	lo, hi := int64(math.MaxInt64), int64(0)
	for _, s := range scores {
		lo, hi = min(lo, s), max(hi, s)
	}
	for i, s := range scores {
		scores[i] = normalizeSpread(s, lo, hi)
	}
}
