package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/workload"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "backup:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	if err := retriedJob(w); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return scheduledDay(w)
}

// retriedJob plays the backup Job: the fake runtime makes the first two
// runs of the backup image fail, so the Job controller replaces the pod
// twice, after its back-off of 10 s, then 20 s.
func retriedJob(w io.Writer) error {
	c, err := newCluster(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), fake.Behavior{
		Match:     fake.Match{Image: "backup*"},
		RunFor:    workload.Ptr(30 * time.Second),
		ExitCodes: []int32{1, 1, 0}, // counted across pods: each retry is a new pod
	})
	if err != nil {
		return err
	}
	defer c.Close()
	h, err := recordHistory(c)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "== a backup Job whose first two runs fail")
	if _, err := c.Apply(backupJob()); err != nil {
		return err
	}
	ok, err := c.RunUntil(func() bool { return jobComplete(c, "backup") }, time.Hour)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("the backup Job did not complete within an hour")
	}
	pods := h.pods()
	for i, r := range pods {
		line := h.line(r)
		if i > 0 && r.What == "started" {
			line += fmt.Sprintf(" (a new pod, after a back-off of %s)", r.At-pods[i-1].At)
		}
		fmt.Fprintln(w, line)
	}
	o, err := c.Get("Job", "default", "backup")
	if err != nil {
		return err
	}
	j := o.(*workload.Job)
	fmt.Fprintf(w, "Job backup complete at %s after %d retries\n", j.Status.CompletionTime.Format("15:04:05"), j.Status.Failed)
	return nil
}

// scheduledDay plays the CronJob for a day, from 23:59 the day before, and
// shows its first and last runs and the Jobs its history limits keep.
func scheduledDay(w io.Writer) error {
	start := time.Date(2025, 12, 31, 23, 59, 0, 0, time.UTC)
	c, err := newCluster(start, fake.Behavior{Match: fake.Match{Image: "backup*"}, RunFor: workload.Ptr(30 * time.Second)})
	if err != nil {
		return err
	}
	defer c.Close()
	h, err := recordHistory(c)
	if err != nil {
		return err
	}
	cj := scheduledBackup()
	fmt.Fprintf(w, "== a CronJob %q played for a day, keeping %d successful Jobs\n", cj.Spec.Schedule, *cj.Spec.SuccessfulJobsHistoryLimit)
	if _, err := c.Apply(cj); err != nil {
		return err
	}
	if err := c.Advance(24 * time.Hour); err != nil {
		return err
	}
	jobs := h.filter("Job", "")
	for i, r := range jobs {
		switch {
		case i < 4 || i >= len(jobs)-3:
			fmt.Fprintln(w, h.line(r))
		case i == 4:
			fmt.Fprintln(w, "...")
		}
	}
	kept, err := c.List("Job", "default", "")
	if err != nil {
		return err
	}
	var names []string
	for _, o := range kept {
		names = append(names, o.GetObjectMeta().Name)
	}
	fmt.Fprintf(w, "%d runs, %d complete, %d deleted by the history limit; kept: %s\n",
		len(h.filter("Job", "created")), len(h.filter("Job", "complete")), len(h.filter("Job", "deleted")), strings.Join(names, ", "))
	return nil
}
