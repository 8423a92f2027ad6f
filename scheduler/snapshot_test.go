package scheduler

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orchestra-go/orchestra/workload"
)

// nodeSummary is what a test compares of a NodeInfo.
type nodeSummary struct {
	Name        string
	Listed      bool
	Ready       bool
	Allocatable Resources
	AllocPods   int64
	Requested   Resources
	NonZero     Resources
	Pods        []string
	Ports       []string
	Owners      map[string]int32
	HardTaints  int
	SoftTaints  int
}

func summarize(s *Snapshot) []nodeSummary {
	var out []nodeSummary
	for name, n := range s.byName {
		sum := nodeSummary{
			Name: name, Listed: n.Node != nil, Ready: n.ready, Allocatable: n.allocatable, AllocPods: n.allocPods,
			Requested: n.requested, NonZero: n.nonZero, Owners: map[string]int32{},
			HardTaints: len(n.hardTaints), SoftTaints: len(n.softTaints),
		}
		var bloom uint64
		for _, o := range n.owners {
			if o.n <= 0 {
				panic("bad owner count")
			}
			bloom |= 1 << (o.hash >> 58)
			sum.Owners[fmt.Sprint(o.hash)] = int32(o.n)
		}
		if bloom != n.ownerBloom {
			panic("owner bloom out of step")
		}
		if len(sum.Owners) == 0 {
			sum.Owners = nil
		}
		for i, p := range n.Pods {
			if n.entries[i].idx != i || n.entries[i].pod != p {
				panic("entries out of step with Pods")
			}
			sum.Pods = append(sum.Pods, p.Namespace+"/"+p.Name)
		}
		for _, hp := range n.ports {
			sum.Ports = append(sum.Ports, fmt.Sprint(hp))
		}
		slices.Sort(sum.Pods)
		slices.Sort(sum.Ports)
		out = append(out, sum)
	}
	slices.SortFunc(out, func(a, b nodeSummary) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// checkIndexes checks what a Snapshot keeps beside its NodeInfos for the
// fused Schedule against the NodeInfos: the hotNodes, the slots, and the
// per-controller node counts.
func checkIndexes(s *Snapshot) error {
	if len(s.hot) != len(s.list) || len(s.slotAt) != len(s.list) {
		return fmt.Errorf("%d hot records, %d slotAt entries for %d listed nodes", len(s.hot), len(s.slotAt), len(s.list))
	}
	used := 0
	for _, n := range s.slots {
		if n != nil {
			used++
		}
	}
	if used != len(s.list) || len(s.freeSlots) != len(s.slots)-used || len(s.posOf) != len(s.slots) {
		return fmt.Errorf("%d slots (%d free, %d positions) in use by %d listed nodes", used, len(s.freeSlots), len(s.posOf), len(s.list))
	}
	for _, f := range s.freeSlots {
		if s.slots[f] != nil {
			return fmt.Errorf("free slot %d holds node %s", f, s.slots[f].name)
		}
	}
	for i, n := range s.list {
		if got, want := s.hot[i], n.hot(); got != want {
			return fmt.Errorf("node %s: hot record %+v, want %+v", n.name, got, want)
		}
		if s.slotAt[i] != n.slot || s.slots[n.slot] != n || s.posOf[n.slot] != int32(i) {
			return fmt.Errorf("node %s at %d: slot %d, slotAt %d, slots[slot] %p (want %p), posOf %d", n.name, i, n.slot, s.slotAt[i], s.slots[n.slot], n, s.posOf[n.slot])
		}
	}
	if len(s.zoneOf) != len(s.list) {
		return fmt.Errorf("%d zone ids for %d listed nodes", len(s.zoneOf), len(s.list))
	}
	refs := map[uint32]int32{}
	for i, n := range s.list {
		v := n.Node.Labels[workload.LabelZone]
		if s.zoneOf[i] != n.zone || (v == "") != (n.zone == 0) || v != "" && s.zones.names[n.zone] != v {
			return fmt.Errorf("node %s: zone id %d (listed %d) for zone %q", n.name, n.zone, s.zoneOf[i], v)
		}
		if n.zone != 0 {
			refs[n.zone]++
		}
	}
	for id, r := range refs {
		if s.zones.refs[id] != r {
			return fmt.Errorf("zone %q: %d references counted, %d nodes", s.zones.names[id], s.zones.refs[id], r)
		}
	}
	if len(s.zones.ids) != len(refs) {
		return fmt.Errorf("%d zone values interned, %d in use", len(s.zones.ids), len(refs))
	}
	zoned, unnamed := 0, 0
	for _, h := range s.hot {
		if h.flags&hotZone != 0 {
			zoned++
		}
		if h.flags&hotHostname == 0 {
			unnamed++
		}
	}
	if zoned != s.zoned || unnamed != s.unnamed {
		return fmt.Errorf("%d nodes with a zone label and %d without a hostname label, counted %d and %d", zoned, unnamed, s.zoned, s.unnamed)
	}
	withAff := 0
	for id, e := range s.pods {
		if e.aff == nil {
			continue
		}
		withAff++
		if e.affIdx >= len(s.withAffinity) || s.withAffinity[e.affIdx] != e {
			return fmt.Errorf("pod %v with inter-pod affinity not at %d of withAffinity", id, e.affIdx)
		}
	}
	if withAff != len(s.withAffinity) {
		return fmt.Errorf("withAffinity holds %d pods, %d have inter-pod affinity", len(s.withAffinity), withAff)
	}
	entries := map[uint64]int{}
	pods := map[uint64]int{}
	for name, n := range s.byName {
		for _, o := range n.owners {
			pods[o.hash] += int(o.n)
			if n.Node == nil {
				if o.at != -1 {
					return fmt.Errorf("placeholder %s: owner entry at %d, want -1", name, o.at)
				}
				continue
			}
			entries[o.hash]++
			set := s.owners[o.hash]
			if set == nil || o.at < 0 || int(o.at) >= len(set.nodes) || set.nodes[o.at] != (ownerNode{slot: n.slot, n: o.n}) {
				return fmt.Errorf("node %s: owner %x count %d at %d not in its ownerSet %+v", name, o.hash, o.n, o.at, set)
			}
		}
	}
	for h, set := range s.owners {
		if set.pods != pods[h] || len(set.nodes) != entries[h] {
			return fmt.Errorf("owner %x: ownerSet counts %d pods on %d nodes, the nodes say %d on %d", h, set.pods, len(set.nodes), pods[h], entries[h])
		}
	}
	if len(s.owners) != len(pods) {
		return fmt.Errorf("%d ownerSets for %d owners", len(s.owners), len(pods))
	}
	return nil
}

// TestSnapshotIncrementalMatchesRebuild applies random updates to one
// snapshot and checks after each that it equals a snapshot built from
// scratch from the same objects, that its node list stays sorted, and that
// the records the fused Schedule reads stay in step (checkIndexes).
func TestSnapshotIncrementalMatchesRebuild(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0))
		nodes := map[string]*workload.Node{}
		pods := map[string]*workload.Pod{}
		snap, err := NewSnapshot(nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		names := []string{"n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7"}
		for step := 0; step < 300; step++ {
			switch op := rng.IntN(11); {
			case op < 2: // add or update a node
				name := names[rng.IntN(len(names))]
				opts := []nodeOpt{alloc(fmt.Sprint(1+rng.IntN(8)), fmt.Sprintf("%dGi", 1+rng.IntN(8)), fmt.Sprint(rng.IntN(20)))}
				if rng.IntN(3) == 0 {
					opts = append(opts, taint("k", "v", noSch), taint("s", "", prefer))
				}
				if rng.IntN(4) == 0 {
					opts = append(opts, readyStatus(workload.ConditionFalse))
				}
				if rng.IntN(4) == 0 {
					opts = append(opts, cordoned)
				}
				if rng.IntN(4) == 0 {
					opts = append(opts, scalar("example.com/gpu", int64(rng.IntN(3))))
				}
				n := mkNode(name, opts...)
				nodes[name] = n
				if err := snap.UpdateNode(n); err != nil {
					t.Fatal(err)
				}
			case op < 3: // remove a node; its pods stay
				name := names[rng.IntN(len(names))]
				delete(nodes, name)
				snap.RemoveNode(name)
			case op < 8: // add or replace a pod
				name := fmt.Sprintf("p%d", rng.IntN(30))
				opts := []podOpt{
					onNode(names[rng.IntN(len(names))]),
					requests(fmt.Sprintf("%dm", rng.IntN(500)), fmt.Sprintf("%dMi", rng.IntN(500))),
					ownedBy(fmt.Sprintf("rs%d", rng.IntN(3))),
				}
				switch rng.IntN(8) {
				case 0:
					opts = append(opts, terminating)
				case 1:
					opts = append(opts, phase(workload.PodSucceeded))
				case 2:
					opts = append(opts, onNode(""))
				case 3, 4:
					opts = append(opts, hostPort(int32(80+rng.IntN(3)), "TCP", ""))
				case 5:
					opts = append(opts, scalarRequest("example.com/gpu", 1))
				}
				p := mkPod(name, opts...)
				pods[name] = p
				if err := snap.AddPod(p); err != nil {
					t.Fatal(err)
				}
			case op < 10: // remove a pod
				name := fmt.Sprintf("p%d", rng.IntN(30))
				if p := pods[name]; p != nil {
					delete(pods, name)
					snap.RemovePod(p)
				}
			default: // a status update of a pod
				name := fmt.Sprintf("p%d", rng.IntN(30))
				if p := pods[name]; p != nil {
					q := p.DeepCopy()
					q.Status.Phase = workload.PodRunning
					if snap.RefreshPod(q) {
						pods[name] = q
					}
				}
			}
			if err := checkIndexes(snap); err != nil {
				t.Fatalf("seed %d step %d: %v", seed, step, err)
			}
			var nl []*workload.Node
			for _, n := range nodes {
				nl = append(nl, n)
			}
			var pl []*workload.Pod
			for _, p := range pods {
				pl = append(pl, p)
			}
			fresh, err := NewSnapshot(nl, pl)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkIndexes(fresh); err != nil {
				t.Fatalf("seed %d step %d: rebuilt snapshot: %v", seed, step, err)
			}
			if want, got := summarize(fresh), summarize(snap); !reflect.DeepEqual(want, got) {
				t.Fatalf("seed %d step %d: incremental snapshot differs from rebuild (-rebuild +incremental):\n%s", seed, step, cmp.Diff(want, got))
			}
			if !slices.IsSortedFunc(snap.Nodes(), func(a, b *NodeInfo) int { return strings.Compare(a.name, b.name) }) {
				t.Fatalf("seed %d step %d: node list not sorted", seed, step)
			}
			if len(snap.Nodes()) != len(nodes) {
				t.Fatalf("seed %d step %d: %d nodes listed, want %d", seed, step, len(snap.Nodes()), len(nodes))
			}
		}
	}
}

func TestSnapshotPodOnUnknownNode(t *testing.T) {
	snap, err := NewSnapshot(nil, []*workload.Pod{mkPod("p", onNode("a"), requests("1", "1Gi"))})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Node("a") != nil || len(snap.Nodes()) != 0 {
		t.Fatal("a pod alone made a schedulable node")
	}
	if err := snap.AddNode(mkNode("a")); err != nil {
		t.Fatal(err)
	}
	if got, want := snap.Node("a").Requested(), (Resources{MilliCPU: 1000, Memory: 1 << 30}); got != want {
		t.Errorf("after AddNode: requested %+v, want %+v", got, want)
	}
	snap.RemoveNode("a")
	if snap.Node("a") != nil {
		t.Error("removed node still listed")
	}
	if err := snap.AddNode(mkNode("a")); err != nil {
		t.Fatal(err)
	}
	if got := len(snap.Node("a").Pods); got != 1 {
		t.Errorf("a node that came back holds %d pods, want 1", got)
	}
	snap.RemovePod(mkPod("p"))
	snap.RemoveNode("a")
	if len(snap.byName) != 0 || snap.NumPods() != 0 {
		t.Errorf("snapshot not empty after removing everything: %d nodes, %d pods", len(snap.byName), snap.NumPods())
	}
}

func TestSnapshotInvalidInput(t *testing.T) {
	snap := &Snapshot{} // the zero value works
	cases := []struct {
		name string
		err  error
		want error
		text string
	}{
		{"nil node", snap.AddNode(nil), ErrInvalidNode, "nil node"},
		{"nameless node", snap.AddNode(&workload.Node{}), ErrInvalidNode, "metadata.name"},
		{"nil pod", snap.AddPod(nil), ErrInvalidPod, "nil pod"},
		{"nameless pod", snap.AddPod(&workload.Pod{ObjectMeta: workload.ObjectMeta{Namespace: "ns"}}), ErrInvalidPod, `namespace "ns": metadata.name`},
	}
	for _, tc := range cases {
		if !errors.Is(tc.err, tc.want) || !strings.Contains(fmt.Sprint(tc.err), tc.text) {
			t.Errorf("%s: error %v, want %v mentioning %q", tc.name, tc.err, tc.want, tc.text)
		}
	}
	if _, err := NewNodeInfo(nil); !errors.Is(err, ErrInvalidNode) {
		t.Errorf("NewNodeInfo(nil) error %v, want ErrInvalidNode", err)
	}
	if _, err := NewSnapshot([]*workload.Node{nil}, nil); !errors.Is(err, ErrInvalidNode) {
		t.Errorf("NewSnapshot with a nil node: error %v, want ErrInvalidNode", err)
	}
	snap.RemovePod(nil) // no panic
	snap.RemoveNode("missing")
}

func TestNodeInfoAccessors(t *testing.T) {
	n := nodeWith(t, mkNode("a", readyStatus(workload.ConditionFalse)),
		mkPod("x", requests("250m", "1Mi"), ownedBy("rs")), mkPod("y", ownedBy("rs")), mkPod("z", ownedBy("rs"), terminating))
	got := struct {
		Name      string
		Ready     bool
		Alloc     Resources
		Pods      int64
		Requested Resources
		Owner     int
	}{n.Name(), n.Ready(), Resources{}, 0, n.Requested(), n.OwnerCount("rs")}
	got.Alloc, got.Pods = n.Allocatable()
	want := struct {
		Name      string
		Ready     bool
		Alloc     Resources
		Pods      int64
		Requested Resources
		Owner     int
	}{"a", false, Resources{4000, 8 << 30}, 110, Resources{250, 1 << 20}, 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("accessors (-want +got):\n%s", diff)
	}
}

// TestSnapshotRefreshPod: RefreshPod swaps in a newer version of a pod
// (a status update) without accounting it again, and refuses a pod it
// does not hold on that node.
func TestSnapshotRefreshPod(t *testing.T) {
	v1 := mkPod("p", onNode("a"), requests("1", "1Gi"), ownedBy("rs"))
	snap, err := NewSnapshot([]*workload.Node{mkNode("a"), mkNode("b")}, []*workload.Pod{v1})
	if err != nil {
		t.Fatal(err)
	}
	before := summarize(snap)
	v2 := v1.DeepCopy()
	v2.Status.Phase = workload.PodRunning
	if !snap.RefreshPod(v2) {
		t.Fatal("RefreshPod of a recorded pod reported false")
	}
	if got := snap.Node("a").Pods; len(got) != 1 || got[0] != v2 {
		t.Fatalf("node a holds %v, want the new version only", got)
	}
	if diff := cmp.Diff(before, summarize(snap)); diff != "" {
		t.Errorf("RefreshPod changed the accounting (-before +after):\n%s", diff)
	}
	moved := v2.DeepCopy()
	moved.Spec.NodeName = "b"
	unknown := mkPod("q", onNode("a"))
	for _, p := range []*workload.Pod{nil, moved, unknown} {
		if snap.RefreshPod(p) {
			t.Errorf("RefreshPod(%v) = true, want false", p)
		}
	}
	if got := snap.Node("a").Pods; len(got) != 1 || got[0] != v2 || len(snap.Node("b").Pods) != 0 {
		t.Error("a refused RefreshPod changed the snapshot")
	}
}

// TestSnapshotRefreshStatus: RefreshStatus swaps in a status update of a
// recorded pod without accounting it again, and refuses (changing
// nothing) a version whose node, uid, spec version, deletion state or
// controller differ, or a pod it does not hold.
func TestSnapshotRefreshStatus(t *testing.T) {
	v1 := mkPod("p", onNode("a"), requests("1", "1Gi"), ownedBy("rs"))
	v1.UID, v1.Generation = "u1", 1
	snap, err := NewSnapshot([]*workload.Node{mkNode("a"), mkNode("b")}, []*workload.Pod{v1})
	if err != nil {
		t.Fatal(err)
	}
	before := summarize(snap)
	v2 := v1.DeepCopy()
	v2.Status.Phase = workload.PodRunning
	if !snap.RefreshStatus(v2) {
		t.Fatal("RefreshStatus of a status update reported false")
	}
	if got := snap.Node("a").Pods; len(got) != 1 || got[0] != v2 {
		t.Fatalf("node a holds %v, want the new version only", got)
	}
	if diff := cmp.Diff(before, summarize(snap)); diff != "" {
		t.Errorf("RefreshStatus changed the accounting (-before +after):\n%s", diff)
	}
	now := workload.NewTime(time.Unix(0, 0))
	for name, change := range map[string]func(p *workload.Pod){
		"node":       func(p *workload.Pod) { p.Spec.NodeName = "b" },
		"uid":        func(p *workload.Pod) { p.UID = "u2" },
		"generation": func(p *workload.Pod) { p.Generation = 2 },
		"deletion":   func(p *workload.Pod) { p.DeletionTimestamp = &now },
		"controller": func(p *workload.Pod) { p.OwnerReferences[0].UID = "other" },
		"orphaned":   func(p *workload.Pod) { p.OwnerReferences = nil },
	} {
		p := v2.DeepCopy()
		change(p)
		if snap.RefreshStatus(p) {
			t.Errorf("RefreshStatus with another %s = true, want false", name)
		}
	}
	for _, p := range []*workload.Pod{nil, mkPod("q", onNode("a"))} {
		if snap.RefreshStatus(p) {
			t.Errorf("RefreshStatus(%v) = true, want false", p)
		}
	}
	if got := snap.Node("a").Pods; len(got) != 1 || got[0] != v2 || len(snap.Node("b").Pods) != 0 {
		t.Error("a refused RefreshStatus changed the snapshot")
	}
	if !snap.HasPod("default", "p") || snap.HasPod("default", "q") {
		t.Error("HasPod disagrees with the pods recorded")
	}
}

// TestNewSnapshotOrder: NewSnapshot lists nodes by name whatever their
// order, and of two nodes with one name the later replaces the earlier,
// as AddNode would.
func TestNewSnapshotOrder(t *testing.T) {
	snap := snapshot(t, []*workload.Node{mkNode("c"), mkNode("a", alloc("1", "1Gi", "10")), mkNode("b"), mkNode("a", alloc("2", "1Gi", "10"))},
		mkPod("p", onNode("a"), ownedBy("rs")))
	var names []string
	for _, n := range snap.Nodes() {
		names = append(names, n.Name())
	}
	if want := []string{"a", "b", "c"}; !slices.Equal(names, want) {
		t.Errorf("nodes listed %v, want %v", names, want)
	}
	if r, _ := snap.Node("a").Allocatable(); r.MilliCPU != 2000 {
		t.Errorf("node a has %dm cpu, want the later node's 2000m", r.MilliCPU)
	}
	if err := checkIndexes(snap); err != nil {
		t.Error(err)
	}
	if _, err := NewSnapshot([]*workload.Node{mkNode("a"), nil}, nil); !errors.Is(err, ErrInvalidNode) {
		t.Errorf("a nil node among others: error %v, want ErrInvalidNode", err)
	}
}
