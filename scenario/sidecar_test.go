package scenario_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/scenario"
	"github.com/orchestra-go/orchestra/workload"
)

// playSrc parses and plays a scenario given inline.
func playSrc(t *testing.T, src string) *scenario.Result {
	t.Helper()
	s, err := scenario.Parse([]byte(src), "sidecar.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// changeAt returns when object first had change, from the start; -1 if
// never.
func changeAt(res *scenario.Result, object, change string) time.Duration {
	for _, c := range res.Timeline {
		if c.Object == object && c.Change == change {
			return c.Time.Sub(res.Start)
		}
	}
	return -1
}

func sidecarPods(res *scenario.Result, app string) []*workload.Pod {
	var out []*workload.Pod
	for _, p := range res.Pods {
		if p.Labels["app"] == app {
			out = append(out, p)
		}
	}
	return out
}

func statusOf(sts []workload.ContainerStatus, name string) workload.ContainerStatus {
	for _, s := range sts {
		if s.Name == name {
			return s
		}
	}
	return workload.ContainerStatus{}
}

// A Job whose pod has a native sidecar completes: once its container has
// exited 0 the kubelet stops the sidecar, and the pod is Succeeded from
// its app container alone, the sidecar killed or not (Kubernetes 1.29+:
// before native sidecars such a Job never completed). One sidecar handles
// SIGTERM (stopAfter 1s), the other ignores it and is killed when the
// grace period (30 s) ends.
func TestScenarioJobWithSidecarCompletes(t *testing.T) {
	res := playSrc(t, `
run: 10m
nodes: [{name: a}]
behaviors:
  - match: {container: proxy, podName: "quick-*"}
    stopAfter: 1s
objects:
  - apiVersion: batch/v1
    kind: Job
    metadata: {name: quick}
    spec:
      template:
        metadata: {labels: {app: quick}}
        spec:
          restartPolicy: Never
          initContainers: [{name: proxy, image: envoy, restartPolicy: Always}]
          containers: [{name: main, image: busybox}]
  - apiVersion: batch/v1
    kind: Job
    metadata: {name: stubborn}
    spec:
      template:
        metadata: {labels: {app: stubborn}}
        spec:
          restartPolicy: OnFailure
          initContainers: [{name: proxy, image: envoy, restartPolicy: Always}]
          containers: [{name: main, image: busybox}]
`)
	if len(res.Warnings) > 0 {
		t.Errorf("warnings: %q", res.Warnings)
	}
	for _, tc := range []struct {
		job      string
		complete time.Duration
		exit     int32
	}{
		{"quick", 11 * time.Second, 0},      // main runs 10 s, the sidecar stops 1 s later
		{"stubborn", 40 * time.Second, 137}, // killed 30 s after main exited
	} {
		if got := changeAt(res, "Job/default/"+tc.job, "complete"); got != tc.complete {
			t.Errorf("Job %s complete at %v, want %v", tc.job, got, tc.complete)
		}
		pods := sidecarPods(res, tc.job)
		if len(pods) != 1 {
			t.Fatalf("Job %s: %d pods, want 1", tc.job, len(pods))
		}
		p := pods[0]
		side := statusOf(p.Status.InitContainerStatuses, "proxy")
		if p.Status.Phase != workload.PodSucceeded || side.State.Terminated == nil || side.State.Terminated.ExitCode != tc.exit || side.RestartCount != 0 {
			t.Errorf("Job %s pod: phase %s, sidecar %+v: want Succeeded, sidecar exited %d once", tc.job, p.Status.Phase, side, tc.exit)
		}
	}
	for _, o := range res.Objects {
		if j, ok := o.(*workload.Job); ok && (j.Status.Succeeded != 1 || j.Status.Failed != 0) {
			t.Errorf("Job %s: succeeded %d, failed %d", j.Name, j.Status.Succeeded, j.Status.Failed)
		}
	}
}

// A Deployment's pod: its sidecar starts in its turn, the next init
// container only once the sidecar runs, the app container once that init
// container has succeeded; the pod is Ready once both the sidecar and the
// app container are.
func TestScenarioSidecarStartsBeforeNextInitAndMain(t *testing.T) {
	res := playSrc(t, `
run: 1h
nodes: [{name: a}]
behaviors:
  - match: {container: proxy}
    startDelay: 5s
    readyAfter: 10s
  - match: {container: migrate}
    runFor: 3s
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          initContainers:
          - {name: proxy, image: envoy, restartPolicy: Always}
          - {name: migrate, image: migrate}
          containers: [{name: web, image: nginx}]
`)
	pods := sidecarPods(res, "web")
	if len(pods) != 1 {
		t.Fatalf("%d pods", len(pods))
	}
	p := pods[0]
	start := p.CreationTimestamp.Time
	proxy := statusOf(p.Status.InitContainerStatuses, "proxy")
	migrate := statusOf(p.Status.InitContainerStatuses, "migrate")
	web := statusOf(p.Status.ContainerStatuses, "web")
	if proxy.State.Running == nil || !proxy.Ready || proxy.Started == nil || !*proxy.Started {
		t.Fatalf("proxy %+v: want running, started and ready", proxy)
	}
	if got := proxy.State.Running.StartedAt.Sub(start); got != 5*time.Second {
		t.Errorf("proxy started at %v, want 5s", got)
	}
	if migrate.State.Terminated == nil || migrate.State.Terminated.StartedAt.Sub(start) != 5*time.Second {
		t.Errorf("migrate %+v: want started at 5s, once proxy ran", migrate.State)
	}
	if web.State.Running == nil || web.State.Running.StartedAt.Sub(start) != 8*time.Second {
		t.Errorf("web %+v: want started at 8s, after migrate", web.State)
	}
	if got := changeAt(res, "Pod/default/"+p.Name, "ready") - start.Sub(res.Start); got != 15*time.Second {
		t.Errorf("pod ready at %v, want 15s (the sidecar's readyAfter)", got)
	}
	if p.Status.Phase != workload.PodRunning {
		t.Errorf("phase %s", p.Status.Phase)
	}
	for _, o := range res.Objects {
		if d, ok := o.(*workload.Deployment); ok && d.Status.ReadyReplicas != 1 {
			t.Errorf("Deployment readyReplicas %d", d.Status.ReadyReplicas)
		}
	}
}

// A sidecar that crashes is restarted while the app container runs on,
// and a sidecar that is never ready keeps its pod not Ready (so out of
// its Deployment's ready replicas).
func TestScenarioSidecarCrashesAndReadiness(t *testing.T) {
	res := playSrc(t, `
run: 30m
nodes: [{name: a}]
behaviors:
  - match: {container: proxy, labels: "app=crashy"}
    crashAfter: 5m
  - match: {container: proxy, labels: "app=unready"}
    neverReady: true
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: crashy}
    spec:
      selector: {matchLabels: {app: crashy}}
      template:
        metadata: {labels: {app: crashy}}
        spec:
          initContainers: [{name: proxy, image: envoy, restartPolicy: Always}]
          containers: [{name: web, image: nginx}]
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: unready}
    spec:
      selector: {matchLabels: {app: unready}}
      template:
        metadata: {labels: {app: unready}}
        spec:
          initContainers: [{name: proxy, image: envoy, restartPolicy: Always}]
          containers: [{name: web, image: nginx}]
`)
	crashy := sidecarPods(res, "crashy")
	if len(crashy) != 1 {
		t.Fatalf("crashy: %d pods", len(crashy))
	}
	proxy := statusOf(crashy[0].Status.InitContainerStatuses, "proxy")
	web := statusOf(crashy[0].Status.ContainerStatuses, "web")
	if proxy.RestartCount < 2 || proxy.LastTerminationState.Terminated == nil || proxy.LastTerminationState.Terminated.ExitCode != 137 {
		t.Errorf("crashy proxy %+v: want restarted after its crashes", proxy)
	}
	if web.RestartCount != 0 || web.State.Running == nil || crashy[0].Status.Phase != workload.PodRunning {
		t.Errorf("crashy web %+v, phase %s: the app container runs on", web, crashy[0].Status.Phase)
	}
	unready := sidecarPods(res, "unready")
	if len(unready) != 1 {
		t.Fatalf("unready: %d pods", len(unready))
	}
	p := unready[0]
	for _, c := range p.Status.Conditions {
		if (c.Type == workload.PodReady || c.Type == workload.ContainersReady) && (c.Status != workload.ConditionFalse || c.Message != "containers with unready status: [proxy]") {
			t.Errorf("unready pod %s: %s %q", c.Type, c.Status, c.Message)
		}
		if c.Type == workload.PodInitialized && c.Status != workload.ConditionTrue {
			t.Errorf("unready pod Initialized %s: a started sidecar has initialized", c.Status)
		}
	}
	for _, o := range res.Objects {
		if d, ok := o.(*workload.Deployment); ok && d.Name == "unready" && d.Status.ReadyReplicas != 0 {
			t.Errorf("Deployment unready: readyReplicas %d", d.Status.ReadyReplicas)
		}
	}
}

// The scheduler counts sidecars in a pod's request: on a node of 1 cpu a
// pod of 600m with a 500m sidecar (1100m) does not fit, one with a 300m
// sidecar does; an init container of 800m after a 300m sidecar does not
// (1100m while it runs), one before it does.
func TestScenarioSidecarResources(t *testing.T) {
	pod := func(name, inits string) string {
		return `
  - apiVersion: v1
    kind: Pod
    metadata: {name: ` + name + `, labels: {app: ` + name + `}}
    spec:
      initContainers: ` + inits + `
      containers: [{name: web, image: nginx, resources: {requests: {cpu: 100m}}}]`
	}
	side := func(cpu string) string {
		return `{name: proxy, image: envoy, restartPolicy: Always, resources: {requests: {cpu: ` + cpu + `}}}`
	}
	plain := `{name: setup, image: setup, resources: {requests: {cpu: 800m}}}`
	for _, tc := range []struct {
		name, inits string
		fits        bool
	}{
		{"fits", "[" + side("300m") + "]", true},
		{"summed", "[" + side("950m") + "]", false},
		{"init-after-sidecar", "[" + side("300m") + ", " + plain + "]", false},
		{"init-before-sidecar", "[" + plain + ", " + side("300m") + "]", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := playSrc(t, "run: 5m\nnodes: [{name: a, capacity: {cpu: \"1\"}}]\nobjects:"+pod(tc.name, tc.inits)+"\n")
			p := sidecarPods(res, tc.name)[0]
			if fits := p.Spec.NodeName != ""; fits != tc.fits {
				t.Fatalf("scheduled on %q, phase %s; want fits=%v", p.Spec.NodeName, p.Status.Phase, tc.fits)
			}
		})
	}
}

// The table counts a sidecar as kubectl's printPod does: READY over the
// containers and sidecars, a started sidecar does not hold STATUS at
// Init:, and RESTARTS adds the sidecar's once the pod has initialized.
func TestScenarioSidecarTable(t *testing.T) {
	res := playSrc(t, `
run: 30m
nodes: [{name: a}]
behaviors:
  - match: {container: proxy}
    crashAfter: 20m
objects:
  - apiVersion: v1
    kind: Pod
    metadata: {name: web}
    spec:
      initContainers:
      - {name: setup, image: setup}
      - {name: proxy, image: envoy, restartPolicy: Always}
      containers: [{name: web, image: nginx}]
`)
	var buf bytes.Buffer
	if err := res.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(buf.String(), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "default" && f[1] == "web" {
			line = l
		}
	}
	f := strings.Fields(line)
	if len(f) < 5 || f[2] != "2/2" || f[3] != "Running" || f[4] != "1" {
		t.Fatalf("pod line %q, want READY 2/2, STATUS Running, RESTARTS 1", line)
	}
}
