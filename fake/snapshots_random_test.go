package fake_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// TestReportedSnapshotsNeverChange: whatever happens to pods in lockstep
// (sharing their conditions lists, container states and status lists)
// and to one of them alone (a kill, a failing readiness probe, a
// deletion, a deadline, its node failing and coming back), no object the
// runtime reported changes afterwards: the sharing never writes into
// memory a snapshot holds, so no pod's change leaks into another's
// status.
func TestReportedSnapshotsNeverChange(t *testing.T) {
	ctx := context.Background()
	for seed := uint64(0); seed < 12; seed++ {
		rng := rand.New(rand.NewPCG(seed, 3))
		clk := vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		rt, err := fake.New(fake.Config{Clock: clk, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		nodes := []string{"n0", "n1", "n2"}
		for _, n := range nodes {
			if err := rt.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: n}}); err != nil {
				t.Fatal(err)
			}
		}
		w, err := rt.Watch(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		type seen struct {
			obj  workload.Object
			json string
		}
		var all []seen
		drain := func() {
			for {
				ev, ok := w.TryNext()
				if !ok {
					return
				}
				b, _ := json.Marshal(ev.Object)
				all = append(all, seen{ev.Object, string(b)})
			}
		}
		anns := []map[string]string{
			{fake.AnnotationCrashAfter: "30s"},
			{fake.AnnotationRunFor: "45s", fake.AnnotationExitCode: "1"},
			{fake.AnnotationReadyAfter: "10s"},
			{fake.AnnotationFailFirst: "2", fake.AnnotationRunFor: "20s"},
			{fake.AnnotationStopAfter: "5s", fake.AnnotationCrashAfter: "40s"},
			{},
		}
		policies := []string{"Always", "OnFailure", "Never"}
		var names []string
		next := 0
		for step := 0; step < 120; step++ {
			switch k := rng.IntN(13); {
			case k < 3: // a group of pods in lockstep
				a := anns[rng.IntN(len(anns))]
				pol := policies[rng.IntN(3)]
				ninit := rng.IntN(2)
				for range 1 + rng.IntN(4) {
					name := fmt.Sprintf("p%d", next)
					next++
					p := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default", Annotations: a},
						Spec: workload.PodSpec{NodeName: nodes[rng.IntN(3)], RestartPolicy: pol,
							Containers: []workload.Container{{Name: "a", Image: "x"}, {Name: "b", Image: "x"}}}}
					if ninit > 0 {
						p.Spec.InitContainers = []workload.Container{{Name: "i", Image: "x"}}
					}
					if rng.IntN(5) == 0 {
						ads := int64(1 + rng.IntN(90))
						p.Spec.ActiveDeadlineSeconds = &ads
					}
					if err := rt.CreatePod(ctx, p); err == nil {
						names = append(names, name)
					}
				}
			case k < 4 && len(names) > 0:
				n := names[rng.IntN(len(names))]
				_ = rt.SetContainerReady("default", n, []string{"a", "b"}[rng.IntN(2)], rng.IntN(2) == 0)
			case k < 5 && len(names) > 0:
				n := names[rng.IntN(len(names))]
				_ = rt.KillContainer("default", n, []string{"a", "b", "i"}[rng.IntN(3)], int32(rng.IntN(2)))
			case k < 6 && len(names) > 0:
				n := names[rng.IntN(len(names))]
				_ = rt.DeletePod(ctx, "default", n, time.Duration(rng.IntN(20))*time.Second)
			case k < 7:
				_ = rt.FailNode(nodes[rng.IntN(3)])
			case k < 8:
				_ = rt.SetNodeReady(nodes[rng.IntN(3)], rng.IntN(3) > 0)
			default:
				clk.Advance(time.Duration(rng.IntN(40)) * time.Second)
			}
			drain()
		}
		clk.Advance(10 * time.Minute)
		drain()
		for i, s := range all {
			b, _ := json.Marshal(s.obj)
			if string(b) != s.json {
				t.Fatalf("seed %d: reported object %d changed after it was reported:\nwas %s\nnow %s", seed, i, s.json, b)
			}
		}
	}
}
