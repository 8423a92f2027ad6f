package scheduler

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orchestra-go/orchestra/workload"
)

// Zone labels of randomNode's nodes.
const (
	allZoned  = iota // every node has a zone label
	someZoned        // most do; a few lack the hostname label
	noZones          // none has: scanPick spreads
)

// randomNode returns a node with a random mix of what the filters and
// scorers look at: size, zone (as zoning says) and disk labels, taints of
// every effect, cordon, readiness, a scalar resource.
func randomNode(rng *rand.Rand, name string, zoning int) *workload.Node {
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	opts := []nodeOpt{
		alloc(pick("1", "2", "4", "500m"), pick("1Gi", "4Gi", "16Gi"), pick("3", "10", "110", "")),
		labels("disk", pick("ssd", "hdd"), "rank", fmt.Sprint(rng.IntN(10))),
	}
	if zoning == allZoned || zoning == someZoned && rng.IntN(3) != 0 {
		opts = append(opts, labels(workload.LabelZone, pick("z0", "z1", "z2")))
	}
	if zoning == someZoned && rng.IntN(20) == 0 {
		opts = append(opts, func(n *workload.Node) { delete(n.Labels, workload.LabelHostname) })
	}
	if rng.IntN(8) == 0 {
		opts = append(opts, taint(pick("dedicated", "gpu"), pick("", "db", "ml"), pick(noSch, noExe)))
	}
	if rng.IntN(5) == 0 {
		opts = append(opts, taint(pick("spot", "old"), pick("", "yes"), prefer))
	}
	if rng.IntN(15) == 0 {
		opts = append(opts, cordoned)
	}
	if rng.IntN(15) == 0 {
		opts = append(opts, readyStatus(pick(workload.ConditionFalse, workload.ConditionUnknown, "")))
	}
	if rng.IntN(6) == 0 {
		opts = append(opts, scalar("example.com/gpu", int64(rng.IntN(4))))
	}
	return mkNode(name, opts...)
}

// randomPod returns a pod with a random mix of requests, controllers,
// tolerations, selectors, node affinity, host ports and scalar requests.
func randomPod(rng *rand.Rand, name string, nodes []string) *workload.Pod {
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	opts := []podOpt{requests(pick("", "100m", "250m", "1"), pick("", "128Mi", "1Gi"))}
	switch r := rng.IntN(12); {
	case r < 9:
		opts = append(opts, ownedBy(fmt.Sprintf("rs%d", rng.IntN(40))))
	case r < 11: // not spread by default
		opts = append(opts, jobOwned(fmt.Sprintf("job%d", rng.IntN(10))))
	}
	if rng.IntN(5) == 0 {
		opts = append(opts, tol(pick("", "dedicated", "spot", workload.TaintNodeUnschedulable, workload.TaintNodeNotReady),
			pick(exists, equal), pick("", "db", "yes"), pick("", noSch, noExe, prefer)))
	}
	if rng.IntN(10) == 0 {
		opts = append(opts, selector("disk", pick("ssd", "hdd")))
	}
	if rng.IntN(10) == 0 {
		opts = append(opts, required(term(expr("rank", pick("Gt", "Lt"), fmt.Sprint(rng.IntN(10)))), term(expr(workload.LabelZone, "In", pick("z0", "z1")))))
	}
	if rng.IntN(6) == 0 {
		opts = append(opts, preferred(int32(1+rng.IntN(100)), term(expr(workload.LabelZone, pick("In", "NotIn"), pick("z0", "z2")))))
	}
	if rng.IntN(8) == 0 {
		opts = append(opts, hostPort(int32(8080+rng.IntN(3)), "", ""))
	}
	if rng.IntN(12) == 0 {
		opts = append(opts, scalarRequest("example.com/gpu", int64(rng.IntN(3))))
	}
	if rng.IntN(40) == 0 {
		opts = append(opts, onNode(nodes[rng.IntN(len(nodes))]))
	}
	app := pick("web", "db", "cache", "batch")
	opts = append(opts, podLabels("app", app))
	if rng.IntN(20) == 0 {
		opts = append(opts, requiredAnti(affTerm(pick(workload.LabelHostname, workload.LabelZone), "app", pick(app, "db"))))
	}
	if rng.IntN(40) == 0 {
		opts = append(opts, requiredAffinity(affTerm(workload.LabelZone, "app", pick(app, "cache"))))
	}
	if rng.IntN(15) == 0 {
		opts = append(opts, preferredAffinity(int32(1+rng.IntN(100)), affTerm(pick(workload.LabelHostname, workload.LabelZone), "app", pick("web", "db"))))
	}
	if rng.IntN(15) == 0 {
		opts = append(opts, preferredAnti(int32(1+rng.IntN(100)), affTerm(pick(workload.LabelHostname, workload.LabelZone), "app", app)))
	}
	if rng.IntN(15) == 0 {
		var o []spreadOpt
		if rng.IntN(3) == 0 {
			o = append(o, minDomains(int32(1+rng.IntN(4))))
		}
		if rng.IntN(3) == 0 {
			o = append(o, taintsPolicy(workload.NodeInclusionPolicyHonor))
		}
		when := pick(workload.DoNotSchedule, workload.ScheduleAnyway)
		if when == workload.ScheduleAnyway {
			o = nil
		}
		opts = append(opts, spread(int32(1+rng.IntN(3)), pick(workload.LabelHostname, workload.LabelZone), when, pick(app, "web"), o...))
	}
	return mkPod(name, opts...)
}

// TestFusedMatchesGeneric schedules thousands of random pods on a random
// cluster of 300 nodes (every one, some or none with a zone label),
// binding each where it goes and changing nodes and pods on the way, with
// the fused default Scheduler and with schedulers given DefaultFilters()
// and DefaultScorers() explicitly (the generic path, fully or in part),
// with and without RecordScores, and checks that every result, score and
// failure reason is the same.
func TestFusedMatchesGeneric(t *testing.T) {
	for _, tc := range []struct{ pct, zoning int }{{0, allZoned}, {30, allZoned}, {100, allZoned}, {0, someZoned}, {100, someZoned}, {0, noZones}, {30, noZones}} {
		pct, zoning := tc.pct, tc.zoning
		t.Run(fmt.Sprintf("pct%d/zoning%d", pct, zoning), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(pct), 7+uint64(zoning)))
			names := make([]string, 300)
			var nodes []*workload.Node
			for i := range names {
				names[i] = fmt.Sprintf("node-%03d", i)
				if i%10 != 9 { // a tenth come later
					nodes = append(nodes, randomNode(rng, names[i], zoning))
				}
			}
			snap := snapshot(t, nodes)
			cfg := Config{Seed: 5, PercentageOfNodesToScore: pct, RecordScores: true}
			fused := New(cfg)
			unrecorded := New(Config{Seed: cfg.Seed, PercentageOfNodesToScore: pct})
			if !fused.fused || !fused.fusedScores || !unrecorded.fused || !unrecorded.fusedScores {
				t.Fatal("the default Config does not take the fused path")
			}
			generic := []*Scheduler{
				New(Config{Seed: cfg.Seed, PercentageOfNodesToScore: pct, RecordScores: true, Filters: DefaultFilters(), Scorers: DefaultScorers()}),
				New(Config{Seed: cfg.Seed, PercentageOfNodesToScore: pct, RecordScores: true, Filters: DefaultFilters()}),
				New(Config{Seed: cfg.Seed, PercentageOfNodesToScore: pct, RecordScores: true, Scorers: DefaultScorers()}),
			}
			if generic[0].fused || generic[0].fusedScores || generic[1].fused || generic[2].fusedScores {
				t.Fatal("explicit filters or scorers took the fused path")
			}
			var bound []*workload.Pod
			placed, failed := 0, 0
			for i := range 3000 {
				p := randomPod(rng, fmt.Sprintf("p%d", i), names)
				want, wantErr := fused.Schedule(p, snap)
				// Without RecordScores, pickFused scores in one pass.
				got, gotErr := unrecorded.Schedule(p, snap)
				bare := Result{Node: want.Node, Score: want.Score, Evaluated: want.Evaluated, Feasible: want.Feasible}
				if bare.Feasible == 1 {
					bare.Score = 0 // a lone feasible node is scored only to record it
				}
				if !reflect.DeepEqual(got, bare) ||
					!reflect.DeepEqual(fitErrorOf(wantErr), fitErrorOf(gotErr)) || (wantErr == nil) != (gotErr == nil) {
					t.Fatalf("pod %d: without RecordScores (%+v, %v), with (%+v, %v)", i, got, gotErr, bare, wantErr)
				}
				for k, g := range generic {
					got, gotErr := g.Schedule(p, snap)
					if !reflect.DeepEqual(want, got) {
						t.Fatalf("pod %d: generic scheduler %d differs (-fused +generic):\n%s", i, k, cmp.Diff(want, got))
					}
					if (wantErr == nil) != (gotErr == nil) {
						t.Fatalf("pod %d: generic scheduler %d error %v, fused %v", i, k, gotErr, wantErr)
					}
					if fe, ge := fitErrorOf(wantErr), fitErrorOf(gotErr); !reflect.DeepEqual(fe, ge) {
						t.Fatalf("pod %d: generic scheduler %d FitError differs (-fused +generic):\n%s", i, k, cmp.Diff(fe, ge))
					}
				}
				if wantErr != nil {
					failed++
				} else {
					placed++
					p.Spec.NodeName = want.Node
					if rng.IntN(20) == 0 {
						p.DeletionTimestamp = &workload.Time{}
					}
					if err := snap.AddPod(p); err != nil {
						t.Fatal(err)
					}
					bound = append(bound, p)
				}
				switch r := rng.IntN(100); {
				case r < 40 && len(bound) > 0: // a pod leaves
					k := rng.IntN(len(bound))
					snap.RemovePod(bound[k])
					bound[k] = bound[len(bound)-1]
					bound = bound[:len(bound)-1]
				case r < 42: // a node comes, changes or goes
					name := names[rng.IntN(len(names))]
					if rng.IntN(3) == 0 {
						snap.RemoveNode(name)
					} else if err := snap.AddNode(randomNode(rng, name, zoning)); err != nil {
						t.Fatal(err)
					}
				case r < 44 && len(bound) > 0: // a status update
					k := rng.IntN(len(bound))
					q := bound[k].DeepCopy()
					q.Status.Phase = workload.PodRunning
					if snap.RefreshPod(q) {
						bound[k] = q
					}
				}
			}
			if err := checkIndexes(snap); err != nil {
				t.Fatal(err)
			}
			t.Logf("%d pods placed, %d failed, %d bound at the end", placed, failed, len(bound))
			// The mix must exercise both outcomes.
			if placed < 1000 || failed < 50 {
				t.Fatalf("%d pods placed, %d failed: the random cluster does not exercise both", placed, failed)
			}
		})
	}
}

func fitErrorOf(err error) *FitError {
	fe, _ := err.(*FitError)
	return fe
}

// TestScanPickSpreadMinimum checks scanPick against pick where every
// feasible node holds pods of the controller, so that the lowest count,
// which the spreading score is normalized by, is not 0.
func TestScanPickSpreadMinimum(t *testing.T) {
	for _, counts := range [][]int{{3, 1, 1}, {1, 2, 2}, {5, 2, 4, 2}, {7, 7, 1, 3, 1}} {
		var nodes []*workload.Node
		var pods []*workload.Pod
		for i, c := range counts {
			name := fmt.Sprintf("n%d", i)
			nodes = append(nodes, mkNode(name))
			for k := range c {
				pods = append(pods, mkPod(fmt.Sprintf("x%d-%d", i, k), onNode(name), ownedBy("rs1"), requests("10m", "")))
			}
		}
		snap := snapshot(t, nodes, pods...)
		p := mkPod("p", ownedBy("rs1"))
		want, err := New(Config{Seed: 3, RecordScores: true}).Schedule(p, snap)
		if err != nil {
			t.Fatal(err)
		}
		got, err := New(Config{Seed: 3}).Schedule(p, snap)
		if err != nil {
			t.Fatal(err)
		}
		if got.Node != want.Node || got.Score != want.Score {
			t.Errorf("counts %v: fused chose %s with %d, generic %s with %d", counts, got.Node, got.Score, want.Node, want.Score)
		}
	}
}
