package breakit_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// TestR10lRandomBatchInvariants plays seeded random faults (pods killed,
// deleted or orphaned, nodes failed, removed and re-added, the control
// plane stopped and started, CronJobs suspended and resumed) on Jobs
// (NonIndexed and Indexed, with failing first runs) and CronJobs (Allow,
// Forbid, Replace) and checks what Kubernetes' controllers guarantee at
// every instant: a Job never counts more successes than its completions,
// its counts never go down, an Indexed Job never runs two live pods for one
// index, a finished Job stays finished and starts no pod; a CronJob never
// creates a Job twice for one scheduled time, under Forbid never has two
// running at once. After the faults stop and two hours pass, every Job is
// finished, a complete one with all its completions, and every CronJob
// keeps no more finished Jobs than its history limits.
func TestR10lRandomBatchInvariants(t *testing.T) {
	seeds := uint64(10) // 400 passed; each plays three virtual hours
	if testing.Short() {
		seeds = 3
	}
	for seed := uint64(0); seed < seeds; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { r10bPlay(t, seed) })
	}
}

type r10bJobSeen struct {
	succeeded, failed int32
	finished          string          // "Complete" or "Failed" once seen
	atFinish          map[string]bool // the Job's pods when it finished
}

type r10bWorld struct {
	r10lWorld
	jobs    map[string]*r10bJobSeen
	created map[string]int // Job name -> times created (ADDED)
	forbid  map[string]bool
}

func r10bPlay(t *testing.T, seed uint64) {
	w := &r10bWorld{
		r10lWorld: *newR10lWorld(t, seed, 20, "n0", "n1", "n2"),
		jobs:      map[string]*r10bJobSeen{}, created: map[string]int{}, forbid: map[string]bool{},
	}
	c := w.c
	if err := c.OnChange(func(ev store.Event) {
		if j, ok := ev.Object.(*workload.Job); ok && ev.Type == store.Added {
			w.created[j.Name]++
		}
	}); err != nil {
		t.Fatal(err)
	}

	for i := range 3 {
		w.job(fmt.Sprintf("job%d", i))
	}
	for i, policy := range []string{"Allow", "Forbid", "Replace"} {
		name := fmt.Sprintf("cron%d", i)
		w.forbid[name] = policy == "Forbid"
		runFor := []string{"30s", "4m", "7m"}[w.rng.IntN(3)]
		w.note("cronjob %s policy=%s runFor=%s", name, policy, runFor)
		w.apply(fmt.Sprintf(`
apiVersion: batch/v1
kind: CronJob
metadata: {name: %s, namespace: default}
spec:
  schedule: "*/%d * * * *"
  concurrencyPolicy: %s
  successfulJobsHistoryLimit: %d
  failedJobsHistoryLimit: %d
  startingDeadlineSeconds: %d
  jobTemplate:
    spec:
      backoffLimit: 1
      template:
        metadata: {annotations: {sim.orchestra.dev/run-for: "%s", sim.orchestra.dev/exit-code: "%d"}}
        spec:
          restartPolicy: Never
          containers: [{name: main, image: busybox}]
`, name, 2+w.rng.IntN(4), policy, w.rng.IntN(4), w.rng.IntN(3), 60+w.rng.IntN(600), runFor, []int{0, 0, 1}[w.rng.IntN(3)]))
	}

	for step := 0; step < 60; step++ {
		switch k := w.rng.IntN(12); k {
		case 0:
			w.job(fmt.Sprintf("job%d", 3+step))
		case 1, 2:
			w.killRandomPod(int32(w.rng.IntN(2)))
		case 3:
			w.deleteRandomPod(20)
		case 4:
			w.setRandomNodeReady()
		case 5:
			w.removeOrAddRandomNode()
		case 6, 7:
			w.toggleControlPlane()
		case 8:
			name := fmt.Sprintf("cron%d", w.rng.IntN(3))
			cj := w.get("CronJob", name).(*workload.CronJob).DeepCopy()
			s := !(cj.Spec.Suspend != nil && *cj.Spec.Suspend)
			cj.Spec.Suspend = &s
			w.note("cronjob %s suspend=%v", name, s)
			if _, err := c.Apply(cj); err != nil {
				w.fatalf("suspend %s: %v", name, err)
			}
		case 9:
			if ps := w.livePods(""); len(ps) > 0 {
				p := ps[w.rng.IntN(len(ps))].DeepCopy()
				w.note("orphan %s", p.Name)
				p.OwnerReferences = nil
				if _, err := c.Store().Update(p); err != nil {
					w.note("update failed: %v", err)
				}
			}
		}
		for range w.rng.IntN(4) + 1 {
			if err := c.Advance(time.Duration(w.rng.IntN(90)) * time.Second); err != nil {
				t.Fatal(err)
			}
			w.check()
		}
	}

	w.heal()
	for i := range 3 {
		cj := w.get("CronJob", fmt.Sprintf("cron%d", i)).(*workload.CronJob).DeepCopy()
		cj.Spec.Suspend = workload.Ptr(true)
		if _, err := c.Apply(cj); err != nil {
			t.Fatal(err)
		}
	}
	for range 120 {
		if err := c.Advance(time.Minute); err != nil {
			t.Fatal(err)
		}
		w.check()
	}
	w.checkSettled()
}

func (w *r10bWorld) job(name string) {
	indexed := w.rng.IntN(2) == 0
	completions := 1 + w.rng.IntN(5)
	parallelism := 1 + w.rng.IntN(3)
	mode := "NonIndexed"
	if indexed {
		mode = "Indexed"
	}
	failFirst := 0 // per pod: with restartPolicy Never, every pod fails
	if w.rng.IntN(4) == 0 {
		failFirst = 1
	}
	backoff := 2 + w.rng.IntN(5)
	w.note("job %s %s completions=%d parallelism=%d failFirst=%d backoffLimit=%d", name, mode, completions, parallelism, failFirst, backoff)
	w.apply(fmt.Sprintf(`
apiVersion: batch/v1
kind: Job
metadata: {name: %s, namespace: default}
spec:
  completions: %d
  parallelism: %d
  completionMode: %s
  backoffLimit: %d
  template:
    metadata: {labels: {job: %s}, annotations: {sim.orchestra.dev/run-for: "%ds", sim.orchestra.dev/fail-first: "%d"}}
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: %d
      containers: [{name: main, image: busybox}]
`, name, completions, parallelism, mode, backoff, name, 5+w.rng.IntN(60), failFirst, w.rng.IntN(15)))
	w.jobs[name] = &r10bJobSeen{}
}

func r10bFinished(j *workload.Job) string {
	for _, cd := range j.Status.Conditions {
		if (cd.Type == "Complete" || cd.Type == "Failed") && cd.Status == workload.ConditionTrue {
			return cd.Type
		}
	}
	return ""
}

func (w *r10bWorld) check() {
	w.t.Helper()
	objs, err := w.c.List("Job", "default", "")
	if err != nil {
		w.t.Fatal(err)
	}
	for name, n := range w.created {
		if n > 1 {
			w.fatalf("Job %s was created %d times", name, n)
		}
	}
	byCron := map[string]int{}
	for _, o := range objs {
		j := o.(*workload.Job)
		if ref := workload.ControllerOf(j); ref != nil && ref.Kind == "CronJob" {
			if r10bFinished(j) == "" && j.DeletionTimestamp == nil {
				byCron[ref.Name]++
			}
			continue
		}
		seen := w.jobs[j.Name]
		if seen == nil {
			continue
		}
		st := j.Status
		completions := int32(1)
		if j.Spec.Completions != nil {
			completions = *j.Spec.Completions
		}
		if st.Succeeded > completions {
			w.fatalf("Job %s: succeeded %d > completions %d", j.Name, st.Succeeded, completions)
		}
		if st.Succeeded < seen.succeeded || st.Failed < seen.failed {
			w.fatalf("Job %s: counts went down: succeeded %d -> %d, failed %d -> %d", j.Name, seen.succeeded, st.Succeeded, seen.failed, st.Failed)
		}
		seen.succeeded, seen.failed = st.Succeeded, st.Failed
		fin := r10bFinished(j)
		if seen.finished != "" && fin != seen.finished {
			w.fatalf("Job %s was %s, now %q", j.Name, seen.finished, fin)
		}
		ps := w.livePods("job=" + j.Name)
		all, _ := w.c.Pods("default", "job="+j.Name)
		if fin != "" && seen.finished == "" {
			seen.atFinish = map[string]bool{}
			for _, p := range all {
				seen.atFinish[p.Name] = true
			}
		}
		if seen.atFinish != nil {
			for _, p := range all {
				if !seen.atFinish[p.Name] && ref(p) == j.Name {
					w.fatalf("Job %s is %s but started pod %s", j.Name, fin, p.Name)
				}
			}
		}
		seen.finished = fin
		if j.Spec.CompletionMode != nil && *j.Spec.CompletionMode == "Indexed" {
			idx := map[string]string{}
			for _, p := range ps {
				if ref(p) != j.Name {
					continue
				}
				i := p.Annotations["batch.kubernetes.io/job-completion-index"]
				if other, ok := idx[i]; ok {
					w.fatalf("Indexed Job %s runs two live pods for index %s: %s and %s", j.Name, i, other, p.Name)
				}
				idx[i] = p.Name
			}
		}
	}
	for name, n := range byCron {
		if w.forbid[name] && n > 1 {
			w.fatalf("CronJob %s (Forbid) has %d Jobs running at once", name, n)
		}
	}
}

// ref returns the name of the pod's controller.
func ref(p *workload.Pod) string {
	if r := workload.ControllerOf(p); r != nil {
		return r.Name
	}
	return ""
}

func (w *r10bWorld) checkSettled() {
	w.t.Helper()
	objs, _ := w.c.List("Job", "default", "")
	finished := map[string][2]int{} // cron -> succeeded, failed Jobs kept
	for _, o := range objs {
		j := o.(*workload.Job)
		fin := r10bFinished(j)
		if r := workload.ControllerOf(j); r != nil && r.Kind == "CronJob" {
			if fin == "" {
				w.fatalf("CronJob %s's Job %s is not finished two hours after the CronJob was suspended", r.Name, j.Name)
			}
			f := finished[r.Name]
			if fin == "Complete" {
				f[0]++
			} else {
				f[1]++
			}
			finished[r.Name] = f
			continue
		}
		if w.jobs[j.Name] == nil {
			continue
		}
		if fin == "" {
			w.fatalf("Job %s not finished two hours after the faults stopped: %+v", j.Name, j.Status)
		}
		completions := int32(1)
		if j.Spec.Completions != nil {
			completions = *j.Spec.Completions
		}
		if fin == "Complete" && (j.Status.Succeeded != completions || j.Status.Active != 0) {
			w.fatalf("Job %s complete with %+v", j.Name, j.Status)
		}
		if fin == "Complete" && j.Spec.CompletionMode != nil && *j.Spec.CompletionMode == "Indexed" {
			want := "0"
			if completions > 1 {
				want = fmt.Sprintf("0-%d", completions-1)
			}
			if completions == 2 {
				want = "0,1"
			}
			if j.Status.CompletedIndexes != want {
				w.fatalf("Indexed Job %s complete with completedIndexes %q, want %q", j.Name, j.Status.CompletedIndexes, want)
			}
		}
	}
	for i := range 3 {
		name := fmt.Sprintf("cron%d", i)
		cj := w.get("CronJob", name).(*workload.CronJob)
		f := finished[name]
		if int32(f[0]) > *cj.Spec.SuccessfulJobsHistoryLimit || int32(f[1]) > *cj.Spec.FailedJobsHistoryLimit {
			w.fatalf("CronJob %s keeps %d succeeded and %d failed Jobs; limits %d and %d", name, f[0], f[1], *cj.Spec.SuccessfulJobsHistoryLimit, *cj.Spec.FailedJobsHistoryLimit)
		}
		if len(cj.Status.Active) != 0 {
			w.fatalf("CronJob %s lists active Jobs %v after they all finished", name, cj.Status.Active)
		}
	}
}
