package scenario

import (
	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// timeline turns store changes of pods and Jobs into SCENARIO.md's
// timeline entries, at the virtual time they happen.
type timeline struct {
	c       *orchestra.Cluster
	pods    map[string]podState
	jobs    map[string]jobState
	changes []Change
}

type podState struct {
	uid      string
	node     string
	phase    string
	ready    bool
	restarts int32
}

type jobState struct {
	uid                         string
	complete, failed, suspended bool
}

func newTimeline(c *orchestra.Cluster) *timeline {
	return &timeline{c: c, pods: map[string]podState{}, jobs: map[string]jobState{}}
}

func (t *timeline) add(obj workload.Object, node, change string) {
	t.changes = append(t.changes, Change{Time: t.c.Now().UTC(), Object: workload.Ref(obj), Node: node, Change: change})
}

func (t *timeline) observe(ev store.Event) {
	switch o := ev.Object.(type) {
	case *workload.Pod:
		t.pod(ev.Type, o)
	case *workload.Job:
		t.job(ev.Type, o)
	}
}

func podReady(p *workload.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == workload.PodReady {
			return c.Status == workload.ConditionTrue
		}
	}
	return false
}

func restarts(p *workload.Pod) int32 {
	var n int32
	for _, c := range p.Status.ContainerStatuses {
		n += c.RestartCount
	}
	return n
}

func (t *timeline) pod(typ string, p *workload.Pod) {
	key := workload.Key(p)
	old, known := t.pods[key]
	if known && old.uid != p.UID {
		known = false
	}
	if typ == store.Deleted {
		t.add(p, p.Spec.NodeName, "deleted")
		delete(t.pods, key)
		return
	}
	cur := podState{uid: p.UID, node: p.Spec.NodeName, phase: p.Status.Phase, ready: podReady(p), restarts: restarts(p)}
	node := p.Spec.NodeName
	if !known {
		t.add(p, node, "created")
		old = podState{uid: p.UID}
	}
	if old.node == "" && cur.node != "" {
		t.add(p, node, "scheduled")
	}
	if cur.phase != old.phase {
		switch cur.phase {
		case workload.PodRunning:
			t.add(p, node, "running")
		case workload.PodSucceeded:
			t.add(p, node, "succeeded")
		case workload.PodFailed:
			t.add(p, node, "failed")
		}
	}
	if cur.restarts > old.restarts {
		t.add(p, node, "restarted")
	}
	if cur.ready != old.ready {
		if cur.ready {
			t.add(p, node, "ready")
		} else if known {
			t.add(p, node, "unready")
		}
	}
	t.pods[key] = cur
}

func jobCond(j *workload.Job, typ string) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == typ {
			return c.Status == workload.ConditionTrue
		}
	}
	return false
}

func (t *timeline) job(typ string, j *workload.Job) {
	key := workload.Key(j)
	old, known := t.jobs[key]
	if known && old.uid != j.UID {
		known = false
	}
	if typ == store.Deleted {
		t.add(j, "", "deleted")
		delete(t.jobs, key)
		return
	}
	if !known {
		t.add(j, "", "created")
		old = jobState{uid: j.UID}
	}
	cur := jobState{uid: j.UID, complete: jobCond(j, workload.JobComplete), failed: jobCond(j, workload.JobFailed),
		suspended: jobCond(j, workload.JobSuspended)}
	if cur.complete && !old.complete {
		t.add(j, "", "complete")
	}
	if cur.failed && !old.failed {
		t.add(j, "", "failed")
	}
	if cur.suspended && !old.suspended {
		t.add(j, "", "suspended")
	}
	if !cur.suspended && old.suspended {
		t.add(j, "", "resumed")
	}
	t.jobs[key] = cur
}
