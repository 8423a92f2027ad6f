package breakit_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// newClusterB is newCluster with fake behaviour rules.
func newClusterB(t *testing.T, bs []fake.Behavior, nodes ...string) *orchestra.Cluster {
	t.Helper()
	clock := vtime.NewVirtual(t0)
	f, err := fake.New(fake.Config{Clock: clock, Behaviors: bs})
	if err != nil {
		t.Fatal(err)
	}
	c, err := orchestra.New(orchestra.Config{Runtime: f, Clock: clock, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	for _, n := range nodes {
		if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: n}}); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func getJob(t *testing.T, c *orchestra.Cluster, name string) *workload.Job {
	t.Helper()
	o, err := c.Get("Job", "default", name)
	if err != nil {
		t.Fatal(err)
	}
	return o.(*workload.Job)
}

func jobCond(j *workload.Job, typ string) *workload.Condition {
	for i := range j.Status.Conditions {
		if j.Status.Conditions[i].Type == typ {
			return &j.Status.Conditions[i]
		}
	}
	return nil
}

func condSummary(cs []workload.Condition) string {
	var b []string
	for _, c := range cs {
		b = append(b, fmt.Sprintf("%s=%s(%s)@%v", c.Type, c.Status, c.Reason, c.LastTransitionTime.Sub(t0)))
	}
	return strings.Join(b, ", ")
}

// runUntil advances until cond holds, failing the test after limit.
func runUntil(t *testing.T, c *orchestra.Cluster, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	ok, err := c.RunUntil(cond, limit)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatalf("%s: not within %v", what, limit)
	}
}

func since(tm *workload.Time) string {
	if tm == nil {
		return "<nil>"
	}
	return tm.Sub(t0).String()
}

func eventsFor(c *orchestra.Cluster, name string) []string {
	var out []string
	for _, e := range c.Events() {
		if e.InvolvedObject.Name == name {
			out = append(out, e.Reason+": "+e.Message)
		}
	}
	return out
}
