package controller_test

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	orchestra "github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/scenario"
	"github.com/orchestra-go/orchestra/workload"
)

// Scenario tests of the CronJob controller through the whole cluster
// (store, scheduler, fake runtime, Job controller, garbage collector), on
// the virtual clock.

// cronControllers is the default set plus the Job and CronJob controllers
// (added only if the default set does not have them yet).
func cronControllers() []func(controller.Deps) controller.Controller {
	ctrls := orchestra.DefaultControllers()
	for _, want := range []func(controller.Deps) controller.Controller{controller.NewJob, controller.NewCronJob} {
		found := slices.ContainsFunc(ctrls, func(f func(controller.Deps) controller.Controller) bool {
			return reflect.ValueOf(f).Pointer() == reflect.ValueOf(want).Pointer()
		})
		if !found {
			ctrls = append(ctrls, want)
		}
	}
	return ctrls
}

func playCron(t *testing.T, yaml string, run time.Duration) *scenario.Player {
	t.Helper()
	s, err := scenario.Parse([]byte(yaml), "cronjob_scenario_test.go")
	if err != nil {
		t.Fatal(err)
	}
	p, err := scenario.NewPlayer(s, scenario.Options{Controllers: cronControllers()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	if err := p.PlayTo(run); err != nil {
		t.Fatal(err)
	}
	return p
}

// createdJobs returns the names in the CronJob's SuccessfulCreate events
// (from the 10th within 10 minutes on, they are combined into one event
// that names the latest Job).
func createdJobs(c *orchestra.Cluster) []string {
	var out []string
	for _, e := range c.Events() {
		if e.InvolvedObject.Kind == "CronJob" && e.Reason == "SuccessfulCreate" {
			out = append(out, strings.TrimPrefix(strings.TrimPrefix(e.Message, "(combined from similar events): "), "Created job "))
		}
	}
	return out
}

// TestCronJobScenarioHelloManifests plays the hello CronJob manifests
// (batch/v1 and batch/v1beta1) for ten minutes: one Job per minute, each
// running its pod to success, history kept to 3, and the pods of deleted
// Jobs collected.
func TestCronJobScenarioHelloManifests(t *testing.T) {
	for _, manifest := range []string{"k8s-hello-cronjob-v1.yaml", "k8s-hello-cronjob-v1beta1.yaml"} {
		t.Run(manifest, func(t *testing.T) {
			p := playCron(t, `
nodes: [{name: node-a}]
manifests: [../examples/manifests/`+manifest+`]
behaviors:
  - match: {image: "busybox*"}
    startDelay: 1s
    runFor: 4s
`, 10*time.Minute+30*time.Second)
			c := p.Cluster()
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			var want []string
			for i := 1; i <= 10; i++ {
				want = append(want, "hello-"+itoa(start.Add(time.Duration(i)*time.Minute).Unix()/60))
			}
			if got := createdJobs(c); !slices.Equal(got, want) {
				t.Errorf("created Jobs %v, want %v", got, want)
			}
			jobs, err := c.List("Job", "default", "")
			if err != nil {
				t.Fatal(err)
			}
			var kept []string
			for _, o := range jobs {
				j := o.(*workload.Job)
				kept = append(kept, j.Name)
				if j.Status.Succeeded != 1 {
					t.Errorf("Job %s: succeeded %d, want 1", j.Name, j.Status.Succeeded)
				}
			}
			if !slices.Equal(kept, want[7:]) {
				t.Errorf("kept Jobs %v, want the last 3 %v", kept, want[7:])
			}
			pods, err := c.Pods("default", "")
			if err != nil {
				t.Fatal(err)
			}
			if len(pods) != 3 {
				t.Errorf("%d pods, want 3 (those of the kept Jobs)", len(pods))
			}
			o, err := c.Get("CronJob", "default", "hello")
			if err != nil {
				t.Fatal(err)
			}
			st := o.(*workload.CronJob).Status
			if st.LastScheduleTime == nil || !st.LastScheduleTime.Equal(start.Add(10*time.Minute)) || len(st.Active) != 0 {
				t.Errorf("status %+v", st)
			}
			if st.LastSuccessfulTime == nil || st.LastSuccessfulTime.Before(start.Add(10*time.Minute)) {
				t.Errorf("lastSuccessfulTime %v", st.LastSuccessfulTime)
			}
		})
	}
}

// TestCronJobScenarioControlPlaneDown: the control plane is down for two
// hours; when it comes back, exactly one Job starts, for the latest slot.
func TestCronJobScenarioControlPlaneDown(t *testing.T) {
	p := playCron(t, `
nodes: [{name: node-a}]
manifests: [../examples/manifests/k8s-hello-cronjob-v1.yaml]
behaviors:
  - match: {image: "busybox*"}
    runFor: 4s
steps:
  - at: 5m30s
    stopControlPlane: true
  - at: 2h5m30s
    startControlPlane: true
`, 2*time.Hour+5*time.Minute+40*time.Second)
	c := p.Cluster()
	got := createdJobs(c)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if len(got) != 6 || got[5] != "hello-"+itoa(start.Add(2*time.Hour+5*time.Minute).Unix()/60) {
		t.Errorf("created %v, want 5 Jobs before and one, for 02:05, after", got)
	}
	n := 0
	for _, e := range c.Events() {
		if e.Reason == "TooManyMissedTimes" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d TooManyMissedTimes events, want 1", n)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
