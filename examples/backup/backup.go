package main

import (
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// newCluster returns a cluster on a fake runtime with one node, in
// virtual time from start, whose containers behave as the rules say.
// Close it when done.
func newCluster(start time.Time, behaviors ...fake.Behavior) (*orchestra.Cluster, error) {
	clock := vtime.NewVirtual(start)
	f, err := fake.New(fake.Config{Clock: clock, Behaviors: behaviors})
	if err != nil {
		return nil, err
	}
	c, err := orchestra.New(orchestra.Config{Runtime: f, Clock: clock, Seed: 1})
	if err != nil {
		return nil, err
	}
	if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// backupJob is the one-off backup: a pod that dumps the database, retried
// (a new pod each time, after the Job controller's back-off) up to three
// times.
func backupJob() *workload.Job {
	return &workload.Job{
		ObjectMeta: workload.ObjectMeta{Name: "backup", Namespace: "default"},
		Spec: workload.JobSpec{
			BackoffLimit: workload.Ptr[int32](3),
			Template: workload.PodTemplateSpec{Spec: workload.PodSpec{
				RestartPolicy: workload.RestartPolicyNever,
				Containers:    []workload.Container{{Name: "dump", Image: "backup:1.0"}},
			}},
		},
	}
}

// scheduledBackup runs the backup every 15 minutes, keeping the last three
// successful Jobs and the last failed one.
func scheduledBackup() *workload.CronJob {
	return &workload.CronJob{
		ObjectMeta: workload.ObjectMeta{Name: "scheduled-backup", Namespace: "default"},
		Spec: workload.CronJobSpec{
			Schedule:                   "*/15 * * * *",
			ConcurrencyPolicy:          workload.ForbidConcurrent,
			SuccessfulJobsHistoryLimit: workload.Ptr[int32](3),
			FailedJobsHistoryLimit:     workload.Ptr[int32](1),
			JobTemplate: workload.JobTemplateSpec{Spec: workload.JobSpec{
				Template: workload.PodTemplateSpec{Spec: workload.PodSpec{
					RestartPolicy: workload.RestartPolicyNever,
					Containers:    []workload.Container{{Name: "dump", Image: "backup:1.0"}},
				}},
			}},
		},
	}
}

// jobComplete reports whether the Job exists and has its Complete
// condition.
func jobComplete(c *orchestra.Cluster, name string) bool {
	o, err := c.Get("Job", "default", name)
	if err != nil {
		return false
	}
	return hasCondition(o.(*workload.Job), workload.JobComplete)
}

func hasCondition(j *workload.Job, typ string) bool {
	for _, cond := range j.Status.Conditions {
		if cond.Type == typ && cond.Status == workload.ConditionTrue {
			return true
		}
	}
	return false
}

// A record is one thing that happened to a pod or a Job.
type record struct {
	At   time.Duration // virtual time since the history started
	Kind string        // "Pod" or "Job"
	Name string
	What string // pod: "started", "failed (exit 1)", "succeeded"; Job: "created", "complete", "failed", "deleted"
}

// history is what happened to the cluster's pods and Jobs, at the virtual
// times it happened.
type history struct {
	start   time.Time
	records []record
	phase   map[string]string // pod -> last phase seen
	done    map[string]bool   // Job -> finished
}

// recordHistory starts recording the cluster's history. Call it before
// driving the cluster (it registers an OnChange observer).
func recordHistory(c *orchestra.Cluster) (*history, error) {
	h := &history{start: c.Now(), phase: map[string]string{}, done: map[string]bool{}}
	err := c.OnChange(func(ev store.Event) {
		add := func(kind, name, what string) {
			h.records = append(h.records, record{At: c.Now().Sub(h.start), Kind: kind, Name: name, What: what})
		}
		switch o := ev.Object.(type) {
		case *workload.Pod:
			if ev.Type == store.Deleted {
				delete(h.phase, o.Name)
				return
			}
			if o.Status.Phase == h.phase[o.Name] {
				return
			}
			h.phase[o.Name] = o.Status.Phase
			switch o.Status.Phase {
			case workload.PodRunning:
				add("Pod", o.Name, "started")
			case workload.PodSucceeded:
				add("Pod", o.Name, "succeeded")
			case workload.PodFailed:
				add("Pod", o.Name, fmt.Sprintf("failed (exit %d)", exitCode(o)))
			}
		case *workload.Job:
			switch {
			case ev.Type == store.Added:
				add("Job", o.Name, "created")
			case ev.Type == store.Deleted:
				delete(h.done, o.Name)
				add("Job", o.Name, "deleted")
			case h.done[o.Name]:
			case hasCondition(o, workload.JobComplete):
				h.done[o.Name] = true
				add("Job", o.Name, "complete")
			case hasCondition(o, workload.JobFailed):
				h.done[o.Name] = true
				add("Job", o.Name, "failed")
			}
		}
	})
	return h, err
}

// exitCode is the exit code of the pod's first container's last run.
func exitCode(p *workload.Pod) int32 {
	for _, cs := range p.Status.ContainerStatuses {
		if t := cs.State.Terminated; t != nil {
			return t.ExitCode
		}
	}
	return -1
}

// line prints r with the virtual clock's time of day.
func (h *history) line(r record) string {
	return fmt.Sprintf("%s %s %s", h.start.Add(r.At).Format("15:04:05"), r.Name, r.What)
}

// pods returns the records of pods, in order.
func (h *history) pods() []record { return h.filter("Pod", "") }

// filter returns the records of kind, and of what when not "".
func (h *history) filter(kind, what string) []record {
	var out []record
	for _, r := range h.records {
		if r.Kind == kind && (what == "" || r.What == what) {
			out = append(out, r)
		}
	}
	return out
}
