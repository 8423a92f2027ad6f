package controller_test

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	orchestra "github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/scenario"
	"github.com/orchestra-go/orchestra/workload"
)

// appsControllers is the default set plus the ReplicaSet, Deployment and
// StatefulSet controllers (added only if the default set lacks them).
func appsControllers() []func(controller.Deps) controller.Controller {
	ctrls := orchestra.DefaultControllers()
	for _, want := range []func(controller.Deps) controller.Controller{controller.NewReplicaSet, controller.NewDeployment, controller.NewStatefulSet} {
		found := slices.ContainsFunc(ctrls, func(f func(controller.Deps) controller.Controller) bool {
			return reflect.ValueOf(f).Pointer() == reflect.ValueOf(want).Pointer()
		})
		if !found {
			ctrls = append(ctrls, want)
		}
	}
	return ctrls
}

// playApps plays a scenario to run and returns the open player.
func playApps(t *testing.T, yaml string, run time.Duration) *scenario.Player {
	t.Helper()
	s, err := scenario.Parse([]byte(yaml), strings.ReplaceAll(t.Name(), "/", "_"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := scenario.NewPlayer(s, scenario.Options{Controllers: appsControllers()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	if err := p.PlayTo(run); err != nil {
		t.Fatal(err)
	}
	return p
}

func podsOf(t *testing.T, c *orchestra.Cluster, sel string) []*workload.Pod {
	t.Helper()
	pods, err := c.Pods("default", sel)
	if err != nil {
		t.Fatal(err)
	}
	return pods
}

// Scenario tests of the ReplicaSet, Deployment and StatefulSet
// controllers through the whole cluster (store, scheduler, fake runtime,
// garbage collector), on the virtual clock.

func getObj[T workload.Object](t *testing.T, c *orchestra.Cluster, kind, name string) T {
	t.Helper()
	o, err := c.Get(kind, "default", name)
	if err != nil {
		t.Fatal(err)
	}
	return o.(T)
}

func podNames(pods []*workload.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

// livePods are the pods not being deleted.
func livePods(pods []*workload.Pod) []*workload.Pod {
	var out []*workload.Pod
	for _, p := range pods {
		if p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out
}

func cond(conds []workload.Condition, typ string) workload.Condition {
	for _, c := range conds {
		if c.Type == typ {
			return c
		}
	}
	return workload.Condition{}
}

// instant is the pod state at the end of one instant of a timeline.
type instant struct {
	at           time.Time
	pods, ready  int
	readyByGroup map[string]int // by the pod name prefix up to the last '-'
}

// instants replays a timeline and returns the state at the end of every
// instant at which something changed (pods whose name has prefix only).
func instants(tl []scenario.Change, prefix string) []instant {
	exists, ready := map[string]bool{}, map[string]bool{}
	var out []instant
	for i, ch := range tl {
		name := strings.TrimPrefix(ch.Object, "Pod/default/")
		if name != ch.Object && strings.HasPrefix(name, prefix) {
			switch ch.Change {
			case "created":
				exists[name] = true
			case "ready":
				ready[name] = true
			case "unready", "failed", "succeeded":
				delete(ready, name)
			case "deleted":
				delete(exists, name)
				delete(ready, name)
			}
		}
		if i+1 < len(tl) && tl[i+1].Time.Equal(ch.Time) {
			continue
		}
		in := instant{at: ch.Time, pods: len(exists), ready: len(ready), readyByGroup: map[string]int{}}
		for n := range ready {
			in.readyByGroup[n[:strings.LastIndex(n, "-")]]++
		}
		out = append(out, in)
	}
	return out
}

const webDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: %d
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}, annotations: {%s}}
    spec:
      terminationGracePeriodSeconds: 0
      containers: [{name: main, image: "%s"}]
`

func webYAML(replicas int, image, annotations string) string {
	return fmt.Sprintf(webDeployment, replicas, annotations, image)
}

// indent indents a YAML document to sit under "apply:" in a step.
// item indents a YAML document to sit as an item under "objects:".
func item(doc string) string {
	return strings.ReplaceAll(strings.TrimSpace(doc), "\n", "\n    ")
}

// applied indents a YAML document to sit under a step's "apply:".
func applied(doc string) string {
	return strings.ReplaceAll(strings.TrimSpace(doc), "\n", "\n      ")
}

func TestDeploymentKilledPodIsReplaced(t *testing.T) {
	p := playApps(t, `
nodes: [{count: 3, prefix: node-}]
manifests: [../examples/manifests/k8s-nginx-deployment.yaml]
steps:
  - at: 1m
    failPods: {selector: "app.kubernetes.io/name=nginx", count: 1, exitCode: 137}
  - at: 2m
    deletePods: {selector: "app.kubernetes.io/name=nginx", count: 1, gracePeriod: 5s}
run: 5m
`, 5*time.Minute)
	c := p.Cluster()
	pods := livePods(podsOf(t, c, "app.kubernetes.io/name=nginx"))
	if len(pods) != 3 {
		t.Fatalf("pods = %v, want 3", podNames(pods))
	}
	var created, deleted int
	for _, ch := range p.Result().Timeline {
		if strings.HasPrefix(ch.Object, "Pod/") {
			switch ch.Change {
			case "created":
				created++
			case "deleted":
				deleted++
			}
		}
	}
	// The failed pod restarts in place (restartPolicy Always); the deleted
	// one is replaced by a new pod.
	if created != 4 || deleted != 1 {
		t.Errorf("created %d, deleted %d pods; want 4 and 1", created, deleted)
	}
	d := getObj[*workload.Deployment](t, c, "Deployment", "nginx-deployment")
	if d.Status.AvailableReplicas != 3 || d.Status.ReadyReplicas != 3 || d.Status.UpdatedReplicas != 3 {
		t.Errorf("status = %+v", d.Status)
	}
}

func TestNginxManifestsPlayToTheirPods(t *testing.T) {
	for _, tc := range []struct {
		manifest, deployment, selector string
	}{
		{"k8s-nginx-deployment.yaml", "nginx-deployment", "app.kubernetes.io/name=nginx"},
		{"k8s-nginx-app-svc-deploy-flowstyle.yaml", "my-nginx", "app=nginx"},
	} {
		t.Run(tc.manifest, func(t *testing.T) {
			p := playApps(t, "nodes: [{count: 3, prefix: node-}]\nmanifests: [../examples/manifests/"+tc.manifest+"]\nrun: 1m\n", time.Minute)
			c := p.Cluster()
			pods := podsOf(t, c, tc.selector)
			if len(pods) != 3 {
				t.Fatalf("pods = %v, want 3", podNames(pods))
			}
			rss, _ := c.List("ReplicaSet", "default", "")
			if len(rss) != 1 {
				t.Fatalf("%d ReplicaSets, want 1", len(rss))
			}
			rs := rss[0].(*workload.ReplicaSet)
			hash := rs.Labels[workload.PodTemplateHashLabel]
			if rs.Name != tc.deployment+"-"+hash || rs.Annotations[workload.RevisionAnnotation] != "1" {
				t.Errorf("ReplicaSet %s, annotations %v", rs.Name, rs.Annotations)
			}
			for _, pod := range pods {
				if !strings.HasPrefix(pod.Name, rs.Name+"-") || pod.Labels[workload.PodTemplateHashLabel] != hash ||
					pod.Status.Phase != workload.PodRunning || !controller.IsPodReady(pod) || !controller.IsControlledBy(pod, rs.UID) {
					t.Errorf("pod %s: labels %v, phase %s", pod.Name, pod.Labels, pod.Status.Phase)
				}
			}
			d := getObj[*workload.Deployment](t, c, "Deployment", tc.deployment)
			if av, pr := cond(d.Status.Conditions, "Available"), cond(d.Status.Conditions, "Progressing"); av.Reason != "MinimumReplicasAvailable" ||
				pr.Reason != "NewReplicaSetAvailable" || d.Status.Replicas != 3 || d.Annotations[workload.RevisionAnnotation] != "1" {
				t.Errorf("status = %+v", d.Status)
			}
			want := "Scaled up replica set " + rs.Name + " from 0 to 3"
			if !slices.ContainsFunc(p.Result().Events, func(e scenario.EventRecord) bool { return e.Message == want }) {
				t.Errorf("no event %q", want)
			}
		})
	}
}

func TestReplicaSetScaleUpAndDown(t *testing.T) {
	// Scale 6 -> 9 -> 3 on 3 nodes: pods created later are ready later.
	p := playApps(t, `
nodes: [{count: 3, prefix: node-}]
objects:
  - apiVersion: apps/v1
    kind: ReplicaSet
    metadata: {name: fe}
    spec:
      replicas: 6
      selector: {matchLabels: {app: fe}}
      template:
        metadata: {labels: {app: fe}}
        spec: {terminationGracePeriodSeconds: 0, containers: [{name: main, image: nginx}]}
steps:
  - at: 1m
    apply:
      apiVersion: apps/v1
      kind: ReplicaSet
      metadata: {name: fe}
      spec:
        replicas: 9
        selector: {matchLabels: {app: fe}}
        template:
          metadata: {labels: {app: fe}}
          spec: {terminationGracePeriodSeconds: 0, containers: [{name: main, image: nginx}]}
  - at: 2m
    apply:
      apiVersion: apps/v1
      kind: ReplicaSet
      metadata: {name: fe}
      spec:
        replicas: 3
        selector: {matchLabels: {app: fe}}
        template:
          metadata: {labels: {app: fe}}
          spec: {terminationGracePeriodSeconds: 0, containers: [{name: main, image: nginx}]}
run: 3m
`, 3*time.Minute)
	c := p.Cluster()
	pods := podsOf(t, c, "app=fe")
	if len(pods) != 3 {
		t.Fatalf("pods = %v, want 3", podNames(pods))
	}
	// Kubernetes' order among pods Running and Ready of a ReplicaSet
	// without a controller (no colocation rank: it has no related pods):
	// the more recently ready first; then by name here.
	type info struct {
		node    string
		ready   time.Time
		deleted bool
	}
	r := p.Result()
	scaleDown := r.Start.Add(2 * time.Minute)
	all := map[string]*info{}
	for _, ch := range r.Timeline {
		name, ok := strings.CutPrefix(ch.Object, "Pod/default/")
		if !ok {
			continue
		}
		if all[name] == nil {
			all[name] = &info{}
		}
		switch ch.Change {
		case "scheduled":
			all[name].node = ch.Node
		case "ready":
			all[name].ready = ch.Time
		case "deleted":
			all[name].deleted = !ch.Time.Before(scaleDown)
		}
	}
	before := func(a, b string) bool { // a goes before b
		ia, ib := all[a], all[b]
		if !ia.ready.Equal(ib.ready) {
			return ia.ready.After(ib.ready)
		}
		return a < b
	}
	var gone, kept []string
	for name, in := range all {
		if in.deleted {
			gone = append(gone, name)
		} else {
			kept = append(kept, name)
		}
	}
	if len(gone) != 6 || len(kept) != 3 {
		t.Fatalf("deleted %v, kept %v", gone, kept)
	}
	for _, g := range gone {
		for _, k := range kept {
			if !before(g, k) {
				t.Errorf("%s (ready %v) deleted before %s (ready %v)", g, all[g].ready.Sub(r.Start), k, all[k].ready.Sub(r.Start))
			}
		}
	}
	rs := getObj[*workload.ReplicaSet](t, c, "ReplicaSet", "fe")
	want := workload.ReplicaSetStatus{Replicas: 3, FullyLabeledReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 3, TerminatingReplicas: workload.Ptr[int32](0), ObservedGeneration: 3}
	rs.Status.Conditions = nil
	if !reflect.DeepEqual(rs.Status, want) {
		t.Errorf("status = %+v, want %+v", rs.Status, want)
	}
	var deletes []string
	for _, e := range p.Result().Events {
		if e.Reason == "SuccessfulDelete" {
			deletes = append(deletes, e.Message)
		}
	}
	if len(deletes) != 6 {
		t.Errorf("delete events %v, want 6", deletes)
	}
}

// TestRollingUpdateBounds rolls 10 replicas from v1 to v2 with maxSurge
// and maxUnavailable 25% (3 and 2): at the end of every instant of the
// timeline there are at most 13 pods and at least 8 ready ones.
func TestRollingUpdateBounds(t *testing.T) {
	p := playApps(t, `
nodes: [{count: 4, prefix: node-}]
objects:
  - `+item(webYAML(10, "web:v1", ""))+`
behaviors:
  - match: {image: "web:*"}
    startDelay: 2s
    readyAfter: 5s
steps:
  - at: 1m
    apply:
      `+applied((webYAML(10, "web:v2", "")))+`
run: 5m
`, 5*time.Minute)
	c := p.Cluster()
	ins := instants(p.Result().Timeline, "web-")
	sawSurge := false
	for _, in := range ins {
		if in.at.Before(p.Result().Start.Add(time.Minute)) {
			continue
		}
		if in.pods > 13 {
			t.Errorf("%v: %d pods, more than 10 + maxSurge 3", in.at, in.pods)
		}
		if in.ready < 8 {
			t.Errorf("%v: %d ready pods, fewer than 10 - maxUnavailable 2", in.at, in.ready)
		}
		sawSurge = sawSurge || in.pods == 13
	}
	if !sawSurge {
		t.Error("the rollout never used its surge")
	}
	d := getObj[*workload.Deployment](t, c, "Deployment", "web")
	if d.Status.UpdatedReplicas != 10 || d.Status.AvailableReplicas != 10 || d.Status.Replicas != 10 ||
		cond(d.Status.Conditions, "Progressing").Reason != "NewReplicaSetAvailable" || d.Annotations[workload.RevisionAnnotation] != "2" {
		t.Errorf("status = %+v, annotations %v", d.Status, d.Annotations)
	}
	for _, pod := range podsOf(t, c, "app=web") {
		if pod.Spec.Containers[0].Image != "web:v2" {
			t.Errorf("pod %s runs %s", pod.Name, pod.Spec.Containers[0].Image)
		}
	}
	rss, _ := c.List("ReplicaSet", "default", "app=web")
	if len(rss) != 2 {
		t.Fatalf("%d ReplicaSets, want 2", len(rss))
	}
	for _, o := range rss {
		rs := o.(*workload.ReplicaSet)
		want := int32(10)
		if rs.Spec.Template.Spec.Containers[0].Image == "web:v1" {
			want = 0
		}
		if *rs.Spec.Replicas != want {
			t.Errorf("%s: replicas %d, want %d", rs.Name, *rs.Spec.Replicas, want)
		}
	}
}

func TestStalledRolloutExceedsItsDeadline(t *testing.T) {
	v2 := strings.Replace(webYAML(4, "web:v2", `sim.orchestra.dev/never-ready: "true"`), "replicas: 4", "replicas: 4\n  progressDeadlineSeconds: 120", 1)
	p := playApps(t, `
nodes: [{count: 2, prefix: node-}]
objects:
  - `+item(webYAML(4, "web:v1", ""))+`
steps:
  - at: 1m
    apply:
      `+applied((v2))+`
run: 10m
`, 10*time.Minute)
	c := p.Cluster()
	d := getObj[*workload.Deployment](t, c, "Deployment", "web")
	pr := cond(d.Status.Conditions, "Progressing")
	if pr.Status != "False" || pr.Reason != "ProgressDeadlineExceeded" {
		t.Fatalf("Progressing = %+v", pr)
	}
	// The last progress is the new pods' creation at 1m; the deadline runs
	// out 120 s later, and the controller checks a second after that
	// (requeueStuckDeployment).
	if want := p.Result().Start.Add(3*time.Minute + time.Second); !pr.LastTransitionTime.Equal(want) {
		t.Errorf("deadline exceeded at %v, want %v", pr.LastTransitionTime, want)
	}
	// maxSurge 1 and maxUnavailable 1 (25% of 4): 2 new pods that never
	// become ready, 3 old ones still available; unavailable counts against
	// the ReplicaSets' 5 desired, surge included (Kubernetes'
	// calculateStatus).
	if d.Status.UpdatedReplicas != 2 || d.Status.AvailableReplicas != 3 || d.Status.UnavailableReplicas != 2 ||
		cond(d.Status.Conditions, "Available").Status != "True" {
		t.Errorf("status = %+v", d.Status)
	}
	for _, in := range instants(p.Result().Timeline, "web-") {
		if in.ready < 3 {
			t.Errorf("%v: %d ready, fewer than 3", in.at, in.ready)
		}
	}
}

func TestRecreateStopsOldPodsFirst(t *testing.T) {
	rec := func(image string) string {
		return strings.Replace(webYAML(3, image, ""), "replicas: 3", "replicas: 3\n  strategy: {type: Recreate}", 1)
	}
	p := playApps(t, `
nodes: [{count: 2, prefix: node-}]
objects:
  - `+item(rec("web:v1"))+`
steps:
  - at: 1m
    apply:
      `+applied((strings.Replace(rec("web:v2"), "terminationGracePeriodSeconds: 0", "terminationGracePeriodSeconds: 10", 1)))+`
run: 3m
`, 3*time.Minute)
	c := p.Cluster()
	// Old pods (grace 0) go at 1m; new pods start only then.
	var lastOldGone, firstNew time.Time
	rss, _ := c.List("ReplicaSet", "default", "app=web")
	var newHash string
	for _, o := range rss {
		rs := o.(*workload.ReplicaSet)
		if rs.Spec.Template.Spec.Containers[0].Image == "web:v2" {
			newHash = rs.Labels[workload.PodTemplateHashLabel]
		}
	}
	for _, ch := range p.Result().Timeline {
		isNew := strings.Contains(ch.Object, newHash)
		switch {
		case !isNew && ch.Change == "deleted":
			lastOldGone = ch.Time
		case isNew && ch.Change == "created" && firstNew.IsZero():
			firstNew = ch.Time
		}
	}
	if firstNew.IsZero() || firstNew.Before(lastOldGone) {
		t.Errorf("first new pod at %v, last old pod gone at %v", firstNew, lastOldGone)
	}
	for _, in := range instants(p.Result().Timeline, "web-") {
		if in.pods > 3 {
			t.Errorf("%v: %d pods, Recreate never runs more than 3", in.at, in.pods)
		}
	}
	d := getObj[*workload.Deployment](t, c, "Deployment", "web")
	if d.Status.UpdatedReplicas != 3 || d.Status.AvailableReplicas != 3 {
		t.Errorf("status = %+v", d.Status)
	}
}

func TestPauseAndResume(t *testing.T) {
	paused := strings.Replace(webYAML(3, "web:v2", ""), "replicas: 3", "replicas: 3\n  paused: true", 1)
	p := playApps(t, `
nodes: [{count: 2, prefix: node-}]
objects:
  - `+item(webYAML(3, "web:v1", ""))+`
steps:
  - at: 1m
    apply:
      `+applied((paused))+`
run: 2m
`, 2*time.Minute)
	c := p.Cluster()
	d := getObj[*workload.Deployment](t, c, "Deployment", "web")
	if pr := cond(d.Status.Conditions, "Progressing"); pr.Status != "Unknown" || pr.Reason != "DeploymentPaused" {
		t.Errorf("Progressing while paused = %+v", pr)
	}
	if rss, _ := c.List("ReplicaSet", "default", ""); len(rss) != 1 {
		t.Errorf("%d ReplicaSets while paused, want 1", len(rss))
	}
	for _, pod := range podsOf(t, c, "app=web") {
		if pod.Spec.Containers[0].Image != "web:v1" {
			t.Errorf("pod %s runs %s while paused", pod.Name, pod.Spec.Containers[0].Image)
		}
	}
	if _, err := c.Apply(mustDecode(t, webYAML(3, "web:v2", ""))); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(2 * time.Minute); err != nil {
		t.Fatal(err)
	}
	d = getObj[*workload.Deployment](t, c, "Deployment", "web")
	if d.Status.UpdatedReplicas != 3 || d.Status.AvailableReplicas != 3 || d.Status.Replicas != 3 ||
		cond(d.Status.Conditions, "Progressing").Reason != "NewReplicaSetAvailable" {
		t.Errorf("after resume: status = %+v", d.Status)
	}
}

func mustDecode(t *testing.T, doc string) workload.Object {
	t.Helper()
	objs, _, err := workload.Decode([]byte(doc), "test")
	if err != nil || len(objs) != 1 {
		t.Fatalf("decode: %v (%d objects)", err, len(objs))
	}
	return objs[0]
}

func TestRollbackReusesTheOldReplicaSet(t *testing.T) {
	p := playApps(t, `
nodes: [{count: 2, prefix: node-}]
objects:
  - `+item(webYAML(3, "web:v1", ""))+`
steps:
  - at: 1m
    apply:
      `+applied((webYAML(3, "web:v2", "")))+`
  - at: 2m
    apply:
      `+applied((webYAML(3, "web:v1", "")))+`
run: 3m
`, 3*time.Minute)
	c := p.Cluster()
	rss, _ := c.List("ReplicaSet", "default", "")
	if len(rss) != 2 {
		t.Fatalf("%d ReplicaSets, want 2 (the v1 one reused)", len(rss))
	}
	revs := map[string]string{}
	for _, o := range rss {
		rs := o.(*workload.ReplicaSet)
		revs[rs.Spec.Template.Spec.Containers[0].Image] = rs.Annotations[workload.RevisionAnnotation]
		if img := rs.Spec.Template.Spec.Containers[0].Image; (img == "web:v1") != (*rs.Spec.Replicas == 3) {
			t.Errorf("%s (%s): replicas %d", rs.Name, img, *rs.Spec.Replicas)
		}
	}
	if revs["web:v1"] != "3" || revs["web:v2"] != "2" {
		t.Errorf("revisions = %v, want v1 3 and v2 2", revs)
	}
	d := getObj[*workload.Deployment](t, c, "Deployment", "web")
	if d.Annotations[workload.RevisionAnnotation] != "3" || d.Status.UpdatedReplicas != 3 || d.Status.AvailableReplicas != 3 {
		t.Errorf("deployment annotations %v, status %+v", d.Annotations, d.Status)
	}
}

const webSTS = `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: %d
  podManagementPolicy: %s
  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: %d}}
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}, annotations: {sim.orchestra.dev/ready-after: 10s}}
    spec:
      terminationGracePeriodSeconds: 5
      containers: [{name: main, image: "%s"}]
`

func stsYAML(replicas int, policy string, partition int, image string) string {
	return fmt.Sprintf(webSTS, replicas, policy, partition, image)
}

// changesOf returns the timeline entries of one pod, as "offset change".
func changesOf(r *scenario.Result, pod string) []string {
	var out []string
	for _, ch := range r.Timeline {
		if ch.Object == "Pod/default/"+pod {
			out = append(out, ch.Time.Sub(r.Start).String()+" "+ch.Change)
		}
	}
	return out
}

func firstTime(t *testing.T, r *scenario.Result, pod, change string) time.Duration {
	t.Helper()
	for _, ch := range r.Timeline {
		if ch.Object == "Pod/default/"+pod && ch.Change == change {
			return ch.Time.Sub(r.Start)
		}
	}
	t.Fatalf("%s never %s", pod, change)
	return 0
}

func TestStatefulSetOrderedStartAndReverseScaleDown(t *testing.T) {
	p := playApps(t, `
nodes: [{count: 2, prefix: node-}]
objects:
  - `+item(stsYAML(3, "OrderedReady", 0, "db:v1"))+`
steps:
  - at: 2m
    apply:
      `+applied((stsYAML(1, "OrderedReady", 0, "db:v1")))+`
run: 4m
`, 4*time.Minute)
	r := p.Result()
	// db-1 is created only once db-0 is ready (10 s), db-2 once db-1 is.
	for i := 1; i < 3; i++ {
		prev, cur := fmt.Sprintf("db-%d", i-1), fmt.Sprintf("db-%d", i)
		if ready, created := firstTime(t, r, prev, "ready"), firstTime(t, r, cur, "created"); created < ready {
			t.Errorf("%s created at %v, before %s was ready at %v", cur, created, prev, ready)
		}
	}
	if got := firstTime(t, r, "db-2", "created"); got != 20*time.Second {
		t.Errorf("db-2 created at %v, want 20s", got)
	}
	// Scale-down: db-2 goes first (5 s grace), then db-1.
	if gone2, gone1 := firstTime(t, r, "db-2", "deleted"), firstTime(t, r, "db-1", "deleted"); gone1 < gone2+5*time.Second {
		t.Errorf("db-1 gone at %v, db-2 at %v: want db-1 deleted only after db-2 is gone", gone1, gone2)
	}
	pods := podsOf(t, p.Cluster(), "app=db")
	if got := podNames(pods); !slices.Equal(got, []string{"db-0"}) {
		t.Errorf("pods = %v", got)
	}
	set := getObj[*workload.StatefulSet](t, p.Cluster(), "StatefulSet", "db")
	if set.Status.Replicas != 1 || set.Status.ReadyReplicas != 1 || set.Status.CurrentReplicas != 1 || set.Status.UpdatedReplicas != 1 ||
		set.Status.CurrentRevision == "" || set.Status.CurrentRevision != set.Status.UpdateRevision {
		t.Errorf("status = %+v", set.Status)
	}
}

func TestStatefulSetParallelStartsAllAtOnce(t *testing.T) {
	p := playApps(t, `
nodes: [{count: 2, prefix: node-}]
objects:
  - `+item(stsYAML(3, "Parallel", 0, "db:v1"))+`
run: 1m
`, time.Minute)
	for i := range 3 {
		if got := firstTime(t, p.Result(), fmt.Sprintf("db-%d", i), "created"); got != 0 {
			t.Errorf("db-%d created at %v, want 0s", i, got)
		}
	}
}

func TestStatefulSetDeletedPodComesBackWithItsName(t *testing.T) {
	p := playApps(t, `
nodes: [{count: 2, prefix: node-}]
objects:
  - `+item(stsYAML(3, "OrderedReady", 0, "db:v1"))+`
steps:
  - at: 2m
    deletePods: {selector: "statefulset.kubernetes.io/pod-name=db-1"}
run: 4m
`, 4*time.Minute)
	got := changesOf(p.Result(), "db-1")
	// created, scheduled, running, ready at 10s; at 2m05s (grace) killed,
	// reported Failed (a deleted pod ends in a terminal phase) and
	// deleted; then the same name again.
	want := []string{"10s created", "10s scheduled", "10s running", "20s ready", "2m5s failed", "2m5s unready", "2m5s deleted",
		"2m5s created", "2m5s scheduled", "2m5s running", "2m15s ready"}
	if !slices.Equal(got, want) {
		t.Errorf("db-1 timeline = %q, want %q", got, want)
	}
	if pods := podNames(podsOf(t, p.Cluster(), "app=db")); !slices.Equal(pods, []string{"db-0", "db-1", "db-2"}) {
		t.Errorf("pods = %v", pods)
	}
}

func TestStatefulSetPartitionedUpdate(t *testing.T) {
	p := playApps(t, `
nodes: [{count: 2, prefix: node-}]
objects:
  - `+item(stsYAML(4, "OrderedReady", 0, "db:v1"))+`
steps:
  - at: 2m
    apply:
      `+applied((stsYAML(4, "OrderedReady", 2, "db:v2")))+`
run: 5m
`, 5*time.Minute)
	c := p.Cluster()
	images := map[string]string{}
	for _, pod := range podsOf(t, c, "app=db") {
		images[pod.Name] = pod.Spec.Containers[0].Image
	}
	want := map[string]string{"db-0": "db:v1", "db-1": "db:v1", "db-2": "db:v2", "db-3": "db:v2"}
	if !reflect.DeepEqual(images, want) {
		t.Errorf("images = %v, want %v", images, want)
	}
	r := p.Result()
	if d3, d2 := firstTime(t, r, "db-3", "deleted"), firstTime(t, r, "db-2", "deleted"); d2 <= d3 {
		t.Errorf("db-2 replaced at %v, db-3 at %v: want the highest ordinal first", d2, d3)
	}
	set := getObj[*workload.StatefulSet](t, c, "StatefulSet", "db")
	if set.Status.CurrentReplicas != 2 || set.Status.UpdatedReplicas != 2 || set.Status.CurrentRevision == set.Status.UpdateRevision {
		t.Errorf("status = %+v", set.Status)
	}
	revs, _ := c.List("ControllerRevision", "default", "")
	if len(revs) != 2 {
		t.Errorf("%d ControllerRevisions, want 2", len(revs))
	}
}

func TestStatefulSetManifestsPlayToTheirPods(t *testing.T) {
	for _, tc := range []struct {
		manifest, set, service, claim string
		replicas                      int
	}{
		{"k8s-web-statefulset-headless.yaml", "web", "nginx", "www", 2},
		{"k8s-mysql-statefulset.yaml", "mysql", "mysql", "data", 3},
	} {
		t.Run(tc.manifest, func(t *testing.T) {
			p := playApps(t, "nodes: [{count: 3, prefix: node-}]\nmanifests: [../examples/manifests/"+tc.manifest+"]\nrun: 5m\n", 5*time.Minute)
			c := p.Cluster()
			pods, _ := c.Pods("default", "")
			var want []string
			for i := range tc.replicas {
				want = append(want, fmt.Sprintf("%s-%d", tc.set, i))
			}
			if got := podNames(pods); !slices.Equal(got, want) {
				t.Fatalf("pods = %v, want %v", got, want)
			}
			for i, pod := range pods {
				if pod.Spec.Hostname != pod.Name || pod.Spec.Subdomain != tc.service || !controller.IsPodReady(pod) ||
					pod.Labels[workload.StatefulSetPodNameLabel] != pod.Name || pod.Labels[workload.PodIndexLabel] != fmt.Sprint(i) {
					t.Errorf("pod %s: hostname %q subdomain %q labels %v", pod.Name, pod.Spec.Hostname, pod.Spec.Subdomain, pod.Labels)
				}
			}
			claims, _ := c.List("PersistentVolumeClaim", "default", "")
			var names []string
			for _, o := range claims {
				cl := o.(*workload.PersistentVolumeClaim)
				names = append(names, cl.Name)
				if cl.Status.Phase != "Bound" || len(cl.OwnerReferences) != 0 {
					t.Errorf("claim %s: phase %s, owners %v", cl.Name, cl.Status.Phase, cl.OwnerReferences)
				}
			}
			sort.Strings(names)
			var wantClaims []string
			for _, n := range want {
				wantClaims = append(wantClaims, tc.claim+"-"+n)
			}
			if !slices.Equal(names, wantClaims) {
				t.Errorf("claims = %v, want %v", names, wantClaims)
			}
			set := getObj[*workload.StatefulSet](t, c, "StatefulSet", tc.set)
			if int(set.Status.ReadyReplicas) != tc.replicas || int(set.Status.AvailableReplicas) != tc.replicas {
				t.Errorf("status = %+v", set.Status)
			}
		})
	}
}

func TestStatefulSetClaimRetention(t *testing.T) {
	sts := func(replicas int) string {
		return fmt.Sprintf(`
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: kv}
spec:
  serviceName: kv
  replicas: %d
  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Delete}
  selector: {matchLabels: {app: kv}}
  template:
    metadata: {labels: {app: kv}}
    spec: {terminationGracePeriodSeconds: 0, containers: [{name: main, image: kv}]}
  volumeClaimTemplates:
    - metadata: {name: data, labels: {tier: disk}}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`, replicas)
	}
	p := playApps(t, `
nodes: [{count: 2, prefix: node-}]
objects:
  - `+item(sts(3))+`
steps:
  - at: 1m
    apply:
      `+applied((sts(1)))+`
  - at: 2m
    delete: {kind: StatefulSet, namespace: default, name: kv}
run: 3m
`, time.Minute+30*time.Second)
	c := p.Cluster()
	claims, _ := c.List("PersistentVolumeClaim", "default", "")
	if len(claims) != 1 {
		t.Fatalf("%d claims after scaling to 1, want 1 (whenScaled: Delete)", len(claims))
	}
	cl := claims[0].(*workload.PersistentVolumeClaim)
	if cl.Name != "data-kv-0" || cl.Labels["tier"] != "disk" || cl.Labels["app"] != "kv" ||
		len(cl.OwnerReferences) != 1 || cl.OwnerReferences[0].Kind != "StatefulSet" {
		t.Errorf("claim %s: labels %v owners %v", cl.Name, cl.Labels, cl.OwnerReferences)
	}
	if err := p.PlayTo(3 * time.Minute); err != nil {
		t.Fatal(err)
	}
	if claims, _ := c.List("PersistentVolumeClaim", "default", ""); len(claims) != 0 {
		t.Errorf("%d claims after deleting the set, want 0 (whenDeleted: Delete)", len(claims))
	}
}
