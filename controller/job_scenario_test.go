package controller_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	orchestra "github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/scenario"
	"github.com/orchestra-go/orchestra/workload"
)

// Scenario tests of the Job controller through the whole cluster (store,
// scheduler, fake runtime, garbage collector), on the virtual clock.

// jobControllers is the default set plus the Job and TTL controllers
// (added only if the default set does not have them yet).
func jobControllers() []func(controller.Deps) controller.Controller {
	ctrls := orchestra.DefaultControllers()
	for _, want := range []func(controller.Deps) controller.Controller{controller.NewJob, controller.NewTTLAfterFinished} {
		found := slices.ContainsFunc(ctrls, func(f func(controller.Deps) controller.Controller) bool {
			return reflect.ValueOf(f).Pointer() == reflect.ValueOf(want).Pointer()
		})
		if !found {
			ctrls = append(ctrls, want)
		}
	}
	return ctrls
}

// playJob plays a scenario (manifest paths relative to this directory) for
// run and returns the player, still open.
func playJob(t *testing.T, yaml string, run time.Duration) *scenario.Player {
	t.Helper()
	s, err := scenario.Parse([]byte(yaml), "job_scenario_test.go")
	if err != nil {
		t.Fatal(err)
	}
	p, err := scenario.NewPlayer(s, scenario.Options{Controllers: jobControllers()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	if err := p.PlayTo(run); err != nil {
		t.Fatal(err)
	}
	return p
}

func getJob(t *testing.T, c *orchestra.Cluster, name string) *workload.Job {
	t.Helper()
	o, err := c.Get("Job", "default", name)
	if err != nil {
		t.Fatal(err)
	}
	return o.(*workload.Job)
}

func jobConds(j *workload.Job) []string {
	var out []string
	for _, c := range j.Status.Conditions {
		out = append(out, c.Type+"="+c.Status+"/"+c.Reason)
	}
	return out
}

func TestJobScenarioPiManifest(t *testing.T) {
	p := playJob(t, `
nodes: [{name: node-a}]
manifests: [../examples/manifests/k8s-pi-job.yaml]
behaviors:
  - match: {image: "perl*"}
    startDelay: 3s
    runFor: 40s
`, time.Hour)
	j := getJob(t, p.Cluster(), "pi")
	if got := jobConds(j); !cmp.Equal(got, []string{"SuccessCriteriaMet=True/CompletionsReached", "Complete=True/CompletionsReached"}) {
		t.Fatalf("conditions = %v", got)
	}
	if j.Status.Succeeded != 1 || j.Status.Failed != 0 || j.Status.Active != 0 {
		t.Errorf("status succeeded %d failed %d active %d", j.Status.Succeeded, j.Status.Failed, j.Status.Active)
	}
	if d := j.Status.CompletionTime.Sub(j.Status.StartTime.Time); d != 43*time.Second {
		t.Errorf("ran %v, want 43 s (3 s start + 40 s run)", d)
	}
	pods, err := p.Cluster().Pods("default", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(pods) != 1 || pods[0].Status.Phase != workload.PodSucceeded || slices.Contains(pods[0].Finalizers, workload.JobTrackingFinalizer) {
		t.Errorf("pods = %+v", pods)
	}
}

func TestJobScenarioPodFailurePolicyManifest(t *testing.T) {
	p := playJob(t, `
nodes: [{name: node-a}]
manifests: [../examples/manifests/k8s-job-pod-failure-policy.yaml]
behaviors:
  - match: {image: "docker.io/library/bash*"}
    runFor: 5s
    exitCode: 42
`, time.Hour)
	j := getJob(t, p.Cluster(), "job-pod-failure-policy-example")
	if got := jobConds(j); !cmp.Equal(got, []string{"FailureTarget=True/PodFailurePolicy", "Failed=True/PodFailurePolicy"}) {
		t.Fatalf("conditions = %v", got)
	}
	if msg := j.Status.Conditions[1].Message; !strings.Contains(msg, "failed with exit code 42 matching FailJob rule at index 0") {
		t.Errorf("message = %q", msg)
	}
	// The three pods of the first wave fail together with 42: all are
	// counted, the Job fails at once (backoffLimit 6 never matters).
	if j.Status.Failed != 3 || j.Status.Succeeded != 0 || j.Status.Active != 0 {
		t.Errorf("status failed %d succeeded %d active %d", j.Status.Failed, j.Status.Succeeded, j.Status.Active)
	}
	if pods, _ := p.Cluster().Pods("default", ""); len(pods) != 3 {
		t.Errorf("pods = %d, want the first 3 only", len(pods))
	}
}

func TestJobScenarioIndexedManifest(t *testing.T) {
	p := playJob(t, `
nodes: [{name: node-a}]
manifests: [../examples/manifests/k8s-indexed-job-flowstyle.yaml]
`, time.Hour)
	j := getJob(t, p.Cluster(), "indexed-job")
	if got := jobConds(j); !cmp.Equal(got, []string{"SuccessCriteriaMet=True/CompletionsReached", "Complete=True/CompletionsReached"}) {
		t.Fatalf("conditions = %v", got)
	}
	if j.Status.CompletedIndexes != "0-4" || j.Status.Succeeded != 5 {
		t.Errorf("completedIndexes %q succeeded %d", j.Status.CompletedIndexes, j.Status.Succeeded)
	}
	pods, _ := p.Cluster().Pods("default", "")
	var got []string
	for _, pod := range pods {
		ix := pod.Annotations[workload.JobCompletionIndexAnnotation]
		env := pod.Spec.InitContainers[0].Env
		if !slices.Contains(env, workload.EnvVar{Name: workload.JobCompletionIndexEnv, Value: ix}) || pod.Spec.Hostname != "indexed-job-"+ix {
			t.Errorf("pod %s: env %v hostname %q", pod.Name, env, pod.Spec.Hostname)
		}
		got = append(got, ix)
	}
	slices.Sort(got)
	if !cmp.Equal(got, []string{"0", "1", "2", "3", "4"}) {
		t.Errorf("indexes = %v", got)
	}
	// Parallelism 3: the default 10 s run, so two waves.
	if d := j.Status.CompletionTime.Sub(j.Status.StartTime.Time); d != 20*time.Second {
		t.Errorf("ran %v, want 20 s", d)
	}
}

// TestJobScenarioBackoffLimit: limit 2 and outcomes fail, ok, fail, ok,
// fail fail the Job on the third failure, each replacement after 10 s.
func TestJobScenarioBackoffLimit(t *testing.T) {
	p := playJob(t, `
nodes: [{name: node-a}]
objects:
  - apiVersion: batch/v1
    kind: Job
    metadata: {name: flaky}
    spec:
      completions: 10
      backoffLimit: 2
      template: {spec: {restartPolicy: Never, containers: [{name: main, image: flaky}]}}
behaviors:
  - match: {image: flaky}
    runFor: 5s
    exitCodes: [1, 0, 1, 0, 1]
    exitCode: 0
`, time.Hour)
	j := getJob(t, p.Cluster(), "flaky")
	if got := jobConds(j); !cmp.Equal(got, []string{"FailureTarget=True/BackoffLimitExceeded", "Failed=True/BackoffLimitExceeded"}) {
		t.Fatalf("conditions = %v", got)
	}
	if j.Status.Failed != 3 || j.Status.Succeeded != 2 {
		t.Errorf("failed %d succeeded %d, want 3 and 2", j.Status.Failed, j.Status.Succeeded)
	}
	// 5 runs of 5 s, and 10 s of back-off after each of the first two
	// failures (a success resets k): 45 s.
	if got := jobFailedAt(j).Sub(j.Status.StartTime.Time); got != 45*time.Second {
		t.Errorf("failed after %v, want 45 s", got)
	}
}

func jobFailedAt(j *workload.Job) time.Time {
	for _, c := range j.Status.Conditions {
		if c.Type == workload.JobFailed {
			return c.LastTransitionTime.Time
		}
	}
	return time.Time{}
}

// TestJobScenarioRestartAndDeletedPods: pods finish and are deleted while
// the control plane is down; after it comes back every completion is
// counted once, no more and no fewer.
func TestJobScenarioRestartAndDeletedPods(t *testing.T) {
	p := playJob(t, `
nodes: [{name: node-a}, {name: node-b}]
objects:
  - apiVersion: batch/v1
    kind: Job
    metadata: {name: work}
    spec:
      completions: 8
      parallelism: 4
      template: {metadata: {labels: {app: work}}, spec: {restartPolicy: Never, containers: [{name: main, image: work}]}}
behaviors:
  - match: {image: work}
    runFor: 30s
steps:
  - at: 10s
    stopControlPlane: true
  - at: 40s
    deletePods: {selector: "app=work", count: 2}
  - at: 2m
    startControlPlane: true
`, time.Hour)
	j := getJob(t, p.Cluster(), "work")
	if got := jobConds(j); !cmp.Equal(got, []string{"SuccessCriteriaMet=True/CompletionsReached", "Complete=True/CompletionsReached"}) {
		t.Fatalf("conditions = %v", got)
	}
	if j.Status.Succeeded != 8 || j.Status.Failed != 0 {
		t.Errorf("succeeded %d failed %d, want exactly 8 and 0", j.Status.Succeeded, j.Status.Failed)
	}
	// 4 ran to success (2 deleted after they finished), 4 more after
	// the restart: 8 pods made, 6 left (the deleted ones are gone).
	created := 0
	for _, e := range p.Cluster().Events() {
		if e.InvolvedObject.Name == "work" && e.Reason == "SuccessfulCreate" {
			created += int(e.Count)
		}
	}
	if created != 8 {
		t.Errorf("pods created = %d, want 8", created)
	}
}

func TestJobScenarioTTLDeletesJobAndPods(t *testing.T) {
	p := playJob(t, `
nodes: [{name: node-a}]
objects:
  - apiVersion: batch/v1
    kind: Job
    metadata: {name: short}
    spec:
      ttlSecondsAfterFinished: 60
      template: {spec: {restartPolicy: Never, containers: [{name: main, image: x}]}}
`, 69*time.Second)
	c := p.Cluster()
	if _, err := c.Get("Job", "default", "short"); err != nil {
		t.Fatalf("job gone before its TTL: %v", err)
	}
	if err := c.Advance(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get("Job", "default", "short"); err == nil {
		t.Fatalf("job still there 61 s after finishing")
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if pods, _ := c.Pods("default", ""); len(pods) != 0 {
		t.Errorf("pods left after the TTL: %d", len(pods))
	}
}
