package controller

import (
	"context"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// BenchmarkJobIndexed100k runs an Indexed Job of 100,000 completions at
// parallelism 1,000 to Complete in virtual time: the controller with a
// store, the benchmark playing the kubelet (each round, every active pod
// runs one virtual second and succeeds). One iteration is the whole Job.
func BenchmarkJobIndexed100k(b *testing.B) {
	const completions, parallelism = 100_000, 1_000
	b.ReportAllocs()
	for b.Loop() {
		runIndexedJobBench(b, completions, parallelism)
	}
}

// BenchmarkJobIndexed10k is the same at a tenth of the size, for quick
// comparisons.
func BenchmarkJobIndexed10k(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		runIndexedJobBench(b, 10_000, 1_000)
	}
}

func runIndexedJobBench(b *testing.B, completions, parallelism int32) {
	ctx := context.Background()
	clk := vtime.NewVirtual(harnessStart)
	s := store.New(store.Config{Clock: clk, Seed: 1})
	deps := Deps{Store: s, Clock: clk, Events: NewRecorder(s, clk, nil), Seed: 1}
	m := NewManager(deps, NewJob(deps))
	if err := m.Start(); err != nil {
		b.Fatal(err)
	}
	defer m.Stop()
	j := newTestJob("big", func(j *workload.Job) {
		j.Spec.Completions = workload.Ptr(completions)
		j.Spec.Parallelism = workload.Ptr(parallelism)
		j.Spec.CompletionMode = workload.Ptr(workload.IndexedCompletion)
	})
	workload.Default(j)
	if _, err := s.Create(j); err != nil {
		b.Fatal(err)
	}
	// The kubelet learns of new pods from a watch, as a real one does,
	// rather than listing the Job's (ever more) pods.
	w, err := s.Watch("Pod", s.ResourceVersion())
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	var running []*workload.Pod
	for round := 0; ; round++ {
		for m.Step(ctx) {
		}
		o, err := s.Get("Job", "default", "big")
		if err != nil {
			b.Fatal(err)
		}
		job := o.(*workload.Job)
		if jobFinished(job) != nil {
			if job.Status.Succeeded != completions || job.Status.CompletedIndexes != "0-"+jobItoa(int(completions)-1) {
				b.Fatalf("finished with succeeded %d completedIndexes %q", job.Status.Succeeded, job.Status.CompletedIndexes)
			}
			break
		}
		if round > int(completions/parallelism)*3+10 {
			b.Fatalf("no progress: round %d status %+v", round, job.Status)
		}
		for {
			ev, ok := w.TryNext()
			if !ok {
				break
			}
			if ev.Type == store.Added {
				running = append(running, ev.Object.(*workload.Pod))
			}
		}
		clk.AdvanceTo(clk.Now().Add(time.Second))
		now := workload.NewTime(clk.Now())
		for _, shared := range running {
			// As the runtime mirror reports a status: only the status
			// is written (the shared pod's other fields are only read),
			// and nothing is copied back.
			p := *shared
			p.ResourceVersion = ""
			p.Status = workload.PodStatus{Phase: workload.PodSucceeded,
				ContainerStatuses: []workload.ContainerStatus{{Name: "main",
					State: workload.ContainerState{Terminated: &workload.ContainerStateTerminated{FinishedAt: now}}}}}
			if err := s.SetStatus(&p); err != nil {
				b.Fatal(err)
			}
		}
		running = running[:0]
	}
}

func jobItoa(i int) string {
	if i == 0 {
		return "0"
	}
	var buf [20]byte
	n := len(buf)
	for ; i > 0; i /= 10 {
		n--
		buf[n] = byte('0' + i%10)
	}
	return string(buf[n:])
}

// BenchmarkJobIndexed20k doubles BenchmarkJobIndexed10k: the ratio shows
// the cost is linear in completions.
func BenchmarkJobIndexed20k(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		runIndexedJobBench(b, 20_000, 1_000)
	}
}

// BenchmarkJobStoreFloor10k is the floor under BenchmarkJobIndexed10k: the
// store writes a completion needs at the least (create the pod, record
// its SuccessfulCreate event, the kubelet's status update, the finalizer
// removal), 10,000 times, with one watcher, and no controller. The ratio
// of the two is the controller's overhead, a figure that holds on a busy
// machine where absolute times do not.
func BenchmarkJobStoreFloor10k(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		clk := vtime.NewVirtual(harnessStart)
		s := store.New(store.Config{Clock: clk, Seed: 1})
		rec := NewRecorder(s, clk, nil)
		w, err := s.Watch("", s.ResourceVersion())
		if err != nil {
			b.Fatal(err)
		}
		j := newTestJob("big", func(j *workload.Job) {
			j.Spec.Completions = workload.Ptr[int32](10_000)
			j.Spec.CompletionMode = workload.Ptr(workload.IndexedCompletion)
		})
		workload.Default(j)
		o, err := s.Create(j)
		if err != nil {
			b.Fatal(err)
		}
		j = o.(*workload.Job)
		for i := range 10_000 {
			o, err := s.Create(newJobPod(j, podCreate{Index: i}))
			if err != nil {
				b.Fatal(err)
			}
			p := o.(*workload.Pod)
			rec.Eventf(j, workload.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", p.Name)
			p.Status.Phase = workload.PodSucceeded
			o, err = s.UpdateStatus(p)
			if err != nil {
				b.Fatal(err)
			}
			p = o.(*workload.Pod)
			p.Finalizers = nil
			if _, err := s.Update(p); err != nil {
				b.Fatal(err)
			}
			for {
				if _, ok := w.TryNext(); !ok {
					break
				}
			}
		}
		w.Stop()
	}
}
