package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// TestBackupJobRetries is a template for testing orchestration code: a
// cluster on the fake runtime in virtual time, containers that behave as
// the test says, time played forward until the Job completes, and exact
// assertions on what happened when. It never sleeps.
func TestBackupJobRetries(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := vtime.NewVirtual(start)
	f, err := fake.New(fake.Config{
		Clock: clock,
		// Each run of the backup container lasts 30 s; the first two exit 1,
		// the third 0. ExitCodes counts runs across pods (a Job retries with
		// a new pod); FailFirst would count per pod.
		Behaviors: []fake.Behavior{{
			Match:     fake.Match{Image: "backup*"},
			RunFor:    workload.Ptr(30 * time.Second),
			ExitCodes: []int32{1, 1, 0},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := orchestra.New(orchestra.Config{Runtime: f, Clock: clock, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		t.Fatal(err)
	}
	h, err := recordHistory(c) // what happens to pods and Jobs, at virtual times
	if err != nil {
		t.Fatal(err)
	}

	if _, err := c.Apply(backupJob()); err != nil { // your *workload.Job
		t.Fatal(err)
	}
	ok, err := c.RunUntil(func() bool { return jobComplete(c, "backup") }, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatal("the backup Job did not complete within an hour of virtual time")
	}

	// The Job controller creates a new pod 10 s x 2^(k-1) after the k-th
	// failure ended.
	want := []record{
		{At: 0, What: "started"},
		{At: 30 * time.Second, What: "failed (exit 1)"},
		{At: 40 * time.Second, What: "started"}, // back-off 10 s
		{At: 70 * time.Second, What: "failed (exit 1)"},
		{At: 90 * time.Second, What: "started"}, // back-off 20 s
		{At: 120 * time.Second, What: "succeeded"},
	}
	got := h.pods()
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(record{}, "Kind", "Name")); diff != "" {
		t.Fatalf("pod history (-want +got):\n%s", diff)
	}
	if got[0].Name == got[2].Name || got[2].Name == got[4].Name || got[0].Name == got[4].Name {
		t.Errorf("pods %s, %s, %s: want a new pod for each retry", got[0].Name, got[2].Name, got[4].Name)
	}
	o, err := c.Get("Job", "default", "backup")
	if err != nil {
		t.Fatal(err)
	}
	j := o.(*workload.Job)
	if j.Status.Failed != 2 || j.Status.Succeeded != 1 {
		t.Errorf("Job status: %d failed, %d succeeded; want 2 and 1", j.Status.Failed, j.Status.Succeeded)
	}
	if got := j.Status.CompletionTime.Sub(start); got != 2*time.Minute {
		t.Errorf("Job complete after %s, want 2m0s", got)
	}
}

// TestBackupJobGivesUp: with every run failing, the Job fails once its
// backoffLimit of 3 retries is used up: four pods, the last failing at
// 30 s + 10 s + 30 s + 20 s + 30 s + 40 s + 30 s.
func TestBackupJobGivesUp(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := newCluster(start, fake.Behavior{Match: fake.Match{Image: "backup*"}, RunFor: workload.Ptr(30 * time.Second), ExitCode: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h, err := recordHistory(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(backupJob()); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	if n := len(h.filter("Pod", "failed (exit 1)")); n != 4 {
		t.Errorf("%d failed runs, want 4 (the first and 3 retries)", n)
	}
	want := []record{{At: 190 * time.Second, Kind: "Job", Name: "backup", What: "failed"}}
	if diff := cmp.Diff(want, h.filter("Job", "failed")); diff != "" {
		t.Errorf("Job failure (-want +got):\n%s", diff)
	}
	if jobComplete(c, "backup") {
		t.Error("the Job completed")
	}
}

// TestScheduledBackupDay plays the CronJob for a day: a run every 15
// minutes, on the minute, each complete 30 s later; the history limit
// keeps the last three.
func TestScheduledBackupDay(t *testing.T) {
	start := time.Date(2025, 12, 31, 23, 59, 0, 0, time.UTC)
	c, err := newCluster(start, fake.Behavior{Match: fake.Match{Image: "backup*"}, RunFor: workload.Ptr(30 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h, err := recordHistory(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(scheduledBackup()); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(24 * time.Hour); err != nil {
		t.Fatal(err)
	}

	created, complete := h.filter("Job", "created"), h.filter("Job", "complete")
	if len(created) != 96 || len(complete) != 96 {
		t.Fatalf("%d runs created, %d complete; want 96 of each", len(created), len(complete))
	}
	for i, r := range created {
		if want := time.Minute + time.Duration(i)*15*time.Minute; r.At != want {
			t.Errorf("run %d created at %s, want %s", i, r.At, want)
		}
		if want := r.At + 30*time.Second; complete[i].Name != r.Name || complete[i].At != want {
			t.Errorf("run %s: %v, want complete at %s", r.Name, complete[i], want)
		}
	}
	if n := len(h.filter("Pod", "failed (exit 1)")); n != 0 {
		t.Errorf("%d failed runs, want none", n)
	}
	jobs, err := c.List("Job", "default", "")
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, o := range jobs {
		kept = append(kept, o.GetObjectMeta().Name)
	}
	var last []string
	for _, r := range created[len(created)-3:] {
		last = append(last, r.Name)
	}
	if diff := cmp.Diff(last, kept); diff != "" {
		t.Errorf("Jobs kept (-want the last three runs +got):\n%s", diff)
	}
	pods, err := c.Pods("default", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(pods) != 3 {
		t.Errorf("%d pods left, want the 3 of the kept Jobs (the others deleted with their Jobs)", len(pods))
	}
	o, err := c.Get("CronJob", "default", "scheduled-backup")
	if err != nil {
		t.Fatal(err)
	}
	st := o.(*workload.CronJob).Status
	if st.LastSuccessfulTime == nil || st.LastSuccessfulTime.Sub(start) != 23*time.Hour+46*time.Minute+30*time.Second {
		t.Errorf("lastSuccessfulTime %v, want 23:45:30", st.LastSuccessfulTime)
	}
	if len(st.Active) != 0 {
		t.Errorf("active %v, want none", st.Active)
	}
}

// The program's output: the same on every run, as virtual time is
// deterministic.
func Example() {
	if err := run(os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// == a backup Job whose first two runs fail
	// 00:00:00 backup-7gww7 started
	// 00:00:30 backup-7gww7 failed (exit 1)
	// 00:00:40 backup-vxgx6 started (a new pod, after a back-off of 10s)
	// 00:01:10 backup-vxgx6 failed (exit 1)
	// 00:01:30 backup-r295v started (a new pod, after a back-off of 20s)
	// 00:02:00 backup-r295v succeeded
	// Job backup complete at 00:02:00 after 2 retries
	//
	// == a CronJob "*/15 * * * *" played for a day, keeping 3 successful Jobs
	// 00:00:00 scheduled-backup-29453760 created
	// 00:00:30 scheduled-backup-29453760 complete
	// 00:15:00 scheduled-backup-29453775 created
	// 00:15:30 scheduled-backup-29453775 complete
	// ...
	// 23:45:00 scheduled-backup-29455185 created
	// 23:45:30 scheduled-backup-29455185 complete
	// 23:45:30 scheduled-backup-29455140 deleted
	// 96 runs, 96 complete, 93 deleted by the history limit; kept: scheduled-backup-29455155, scheduled-backup-29455170, scheduled-backup-29455185
}

// TestREADMEExcerpt checks that the README's test under "Test your own
// orchestration code" is TestBackupJobRetries as it is here, up to the
// "// ..." that ends the excerpt.
func TestREADMEExcerpt(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## Test your own orchestration code")
	if !ok {
		t.Fatal("README has no section \"Test your own orchestration code\"")
	}
	_, block, ok := strings.Cut(section, "```go\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("the README section has no go code block")
	}
	excerpt, ok := strings.CutSuffix(block, "\t// ...\n}\n")
	if !ok {
		t.Fatalf("the README's code block does not end with an elided tail:\n%s", block)
	}
	src, err := os.ReadFile("backup_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, fn, _ := strings.Cut(string(src), "\nfunc TestBackupJobRetries")
	if !strings.HasPrefix("func TestBackupJobRetries"+fn, excerpt) {
		t.Errorf("the README's test is not the beginning of TestBackupJobRetries in backup_test.go; README:\n%s", excerpt)
	}
}
