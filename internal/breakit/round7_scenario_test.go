package breakit_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra/scenario"
)

// The table report is "what kubectl get would show at the end": the PODS
// rows follow kubectl's printPod. While an init container has not
// succeeded STATUS is "Init:0/1", "Init:CrashLoopBackOff" or "Init:Error"
// (not PodInitializing) and RESTARTS counts the init container's restarts;
// RESTARTS reads "5 (2m ago)" with the time of the last restart; a pod
// past its activeDeadlineSeconds whose container was killed reads Error
// (the container's reason wins over the pod's).
// Source: SCENARIO.md ("-o table: what kubectl get would show");
// kubernetes pkg/printers/internalversion/printers.go printPod.
func TestR7ScenarioTablePodColumns(t *testing.T) {
	s, err := scenario.Parse([]byte(`
nodes: [{name: a}]
objects:
  - {apiVersion: v1, kind: Pod, metadata: {name: init-running}, spec: {initContainers: [{name: i, image: slow-init}], containers: [{name: c, image: app}]}}
  - {apiVersion: v1, kind: Pod, metadata: {name: init-crash}, spec: {initContainers: [{name: i, image: bad-init}], containers: [{name: c, image: app}]}}
  - {apiVersion: v1, kind: Pod, metadata: {name: init-error}, spec: {restartPolicy: Never, initContainers: [{name: i, image: bad-init}], containers: [{name: c, image: app}]}}
  - {apiVersion: v1, kind: Pod, metadata: {name: crash, annotations: {sim.orchestra.dev/run-for: 5s, sim.orchestra.dev/exit-code: "1"}}, spec: {containers: [{name: c, image: app}]}}
  - {apiVersion: v1, kind: Pod, metadata: {name: deadline}, spec: {activeDeadlineSeconds: 60, containers: [{name: c, image: app}]}}
behaviors:
  - {match: {image: slow-init}, runFor: 1h}
  - {match: {image: bad-init}, runFor: 1s, exitCode: 2}
run: 5m
`), "table.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := res.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	in := false
	for _, line := range strings.Split(buf.String(), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 0 && f[0] == "PODS":
			in = true
		case len(f) == 0:
			in = false
		case in && f[0] == "default":
			rows[f[1]] = f
		}
	}
	for name, want := range map[string]string{
		"init-running": "0/1 Init:0/1 0",
		"init-crash":   "0/1 Init:CrashLoopBackOff 5 (2m24s ago)",
		"init-error":   "0/1 Init:Error 0",
		"crash":        "0/1 CrashLoopBackOff 5 (2m ago)",
		"deadline":     "0/1 Error 0",
	} {
		r := rows[name]
		if len(r) < 5 {
			t.Errorf("%s: no row in\n%s", name, buf.String())
			continue
		}
		got := strings.Join(r[2:len(r)-3], " ")
		if got != want {
			t.Errorf("%s: READY STATUS RESTARTS %q, want %q", name, got, want)
		}
	}
}

// JOBS and CRONJOBS rows as kubectl's printJob and printCronJob: STATUS
// takes the first of Complete, Failed, Terminating, Suspended,
// FailureTarget, SuccessCriteriaMet that holds (else Running): a Job past
// its backoff limit whose other pod still terminates reads FailureTarget;
// a work-queue Job of parallelism 1 completes "1/1" (not "1/1 of 1");
// SUSPEND reads True/False.
func TestR7ScenarioTableJobColumns(t *testing.T) {
	s, err := scenario.Parse([]byte(`
nodes: [{name: a}]
objects:
  - {apiVersion: batch/v1, kind: Job, metadata: {name: wq}, spec: {parallelism: 1, template: {spec: {restartPolicy: Never, containers: [{name: c, image: app}]}}}}
  - apiVersion: batch/v1
    kind: Job
    metadata: {name: failing}
    spec:
      backoffLimit: 0
      parallelism: 2
      completions: 2
      template:
        metadata: {annotations: {sim.orchestra.dev/run-for: "1h"}}
        spec: {restartPolicy: Never, terminationGracePeriodSeconds: 600, containers: [{name: c, image: app}]}
  - {apiVersion: batch/v1, kind: CronJob, metadata: {name: cj}, spec: {schedule: "0 0 1 1 *", jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: app}]}}}}}}
steps:
  - {at: 4m, failPods: {selector: "job-name=failing", count: 1, exitCode: 1}}
run: 5m
`), "jobs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := res.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(buf.String(), "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == "default" {
			rows[f[1]] = strings.Join(f[2:], " ")
		}
	}
	for name, want := range map[string]string{
		"wq":      "Complete 1/1 10s ",
		"failing": "FailureTarget 0/2 ",
		"cj":      "0 0 1 1 * <none> False ",
	} {
		if !strings.HasPrefix(rows[name], want) {
			t.Errorf("%s: row %q, want it to start %q", name, rows[name], want)
		}
	}
}
