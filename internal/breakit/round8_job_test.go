package breakit_test

import (
	"errors"
	"maps"
	stdslices "slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// A Job with no labels of its own carries its pod template's labels, as
// batch/v1 SetDefaults_Job sets them ("if len(obj.Labels) == 0 { obj.Labels
// = obj.Spec.Template.Labels }"). The API server defaults every object it
// decodes, from a request and from storage, so the labels it shows are the
// template's as they are after the selector was generated: a Job with no
// labels anywhere shows job-name and controller-uid (`kubectl get job pi -o
// yaml`), and a CronJob's Job, which the controller creates with the
// jobTemplate's labels only, gets the labels of its pod template (`kubectl
// get jobs -l app=backup` lists them). A Job's own labels are left alone.
// Source: pkg/apis/batch/v1/defaults.go SetDefaults_Job;
// pkg/controller/cronjob/utils.go getJobFromTemplate2 (Labels: the
// jobTemplate's).
func TestR8JobLabelsDefaultFromTemplate(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, jobYAML("plain", "", neverPod, ""))
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata: {name: own, labels: {team: a}}
spec:
  template:
    metadata: {labels: {app: own}}
    spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}`)
	applyYAML(t, c, `
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: backup}}
        spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}`)
	advance(t, c, 61*time.Second)

	plain := getJob(t, c, "plain")
	want := map[string]string{
		workload.ControllerUIDLabel: plain.UID, workload.JobNameLabel: "plain",
		workload.LegacyControllerUIDLabel: plain.UID, workload.LegacyJobNameLabel: "plain",
	}
	if !maps.Equal(plain.Labels, want) {
		t.Errorf("Job plain labels %v, want its template's %v", plain.Labels, want)
	}
	if own := getJob(t, c, "own"); !maps.Equal(own.Labels, map[string]string{"team": "a"}) {
		t.Errorf("Job own labels %v, want its own {team: a}", own.Labels)
	}
	jobs, err := c.List("Job", "default", "app=backup")
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 {
		var all []string
		objs, _ := c.List("Job", "default", "")
		for _, o := range objs {
			all = append(all, o.GetObjectMeta().Name+":"+labelString(o.GetObjectMeta().Labels))
		}
		t.Errorf("Jobs labelled app=backup: %d, want the CronJob's one; Jobs %v", len(jobs), all)
	}

	// Applying the manifest again keeps the labels.
	applyYAML(t, c, jobYAML("plain", "", neverPod, ""))
	if got := getJob(t, c, "plain").Labels; !maps.Equal(got, want) {
		t.Errorf("after re-apply: Job plain labels %v, want %v", got, want)
	}
}

func labelString(m map[string]string) string {
	return labels.Set(m).String()
}

// The TTL-after-finished controller deletes an expired Job with Foreground
// propagation: the Job stays, with a deletionTimestamp and the
// foregroundDeletion finalizer, until the garbage collector has deleted its
// pods, so no pod of it is ever left without its Job. (Background would
// delete the Job first and leave the pods to follow.)
// Source: pkg/controller/ttlafterfinished/ttlafterfinished_controller.go
// processJob ("Cascade deletes the Jobs if TTL truly expires", policy
// DeletePropagationForeground).
func TestR8JobTTLDeletesForeground(t *testing.T) {
	c := newCluster(t, "a")
	var order []string
	var sawForeground bool
	if err := c.OnChange(func(ev store.Event) {
		m := ev.Object.GetObjectMeta()
		if ev.Object.Kind() == "Job" && m.DeletionTimestamp != nil && stdslices.Contains(m.Finalizers, store.FinalizerForeground) {
			sawForeground = true
		}
		if ev.Type == store.Deleted {
			order = append(order, ev.Object.Kind())
		}
	}); err != nil {
		t.Fatal(err)
	}
	applyYAML(t, c, jobYAML("j", "  completions: 2\n  parallelism: 2\n  ttlSecondsAfterFinished: 30", neverPod, ""))
	advance(t, c, 2*time.Minute)
	if _, err := c.Get("Job", "default", "j"); err == nil {
		t.Fatalf("Job still there 2m after finishing with ttlSecondsAfterFinished 30")
	}
	if !sawForeground {
		t.Errorf("the Job was never marked for deletion with the %s finalizer (Foreground propagation)", store.FinalizerForeground)
	}
	if want := []string{"Pod", "Pod", "Job"}; !stdslices.Equal(order, want) {
		t.Errorf("deleted in the order %v, want %v (the pods before their Job)", order, want)
	}
}

// A Job whose selector is generated gets the labels job-name=<its name> on
// its pod template, and a label value is at most 63 characters: Kubernetes
// refuses a longer name ("Job.batch \"...\" is invalid: spec.template.labels:
// Invalid value: \"...\": must be no more than 63 ...", a common report from
// operators that derive Job names). Nothing is stored and no pod runs. With
// manualSelector the name is only a subdomain.
// Source: pkg/registry/batch/job/strategy.go generateSelector, then
// ValidatePodTemplateSpec's label check; users' reports such as
// aquasecurity/starboard#518, stashed/stash#1012.
func TestR8JobNameLongerThanALabelValue(t *testing.T) {
	c := newCluster(t, "a")
	name := strings.Repeat("j", 64)
	objs, _, err := workload.Decode([]byte(jobYAML(name, "", neverPod, "")), "job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Apply(objs[0])
	if err == nil || !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "Job/default/"+name+": spec.template.labels: Invalid value: \""+name+"\": must be no more than 63") {
		t.Errorf("Apply: %v, want spec.template.labels: Invalid value ... must be no more than 63", err)
	}
	advance(t, c, time.Minute)
	if _, err := c.Get("Job", "default", name); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get: %v, want not found", err)
	}
	if ps := pods(t, c, ""); len(ps) != 0 {
		t.Errorf("%d pods made", len(ps))
	}
	// 63 characters, and a longer name with manualSelector, are fine.
	applyYAML(t, c, jobYAML(strings.Repeat("k", 63), "", neverPod, ""))
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata: {name: `+strings.Repeat("m", 70)+`}
spec:
  manualSelector: true
  selector: {matchLabels: {app: m}}
  template:
    metadata: {labels: {app: m}}
    spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}`)
}

// spec.managedBy must be a domain-prefixed path ("acme.io/foo"), at most
// 63 characters: a Job naming some other controller loosely ("kueue") is
// refused rather than stored and left alone by every controller.
// Source: pkg/apis/batch/validation/validation.go validateJobSpec
// (IsDomainPrefixedPath, maxManagedByLength 63).
func TestR8JobManagedByDomainPrefixedPath(t *testing.T) {
	for _, tc := range []struct{ value, want string }{
		{"kueue", `spec.managedBy: Invalid value: "kueue": must be a domain-prefixed path (such as "acme.io/foo")`},
		{"/foo", `spec.managedBy: Invalid value: "/foo": must be a domain-prefixed path (such as "acme.io/foo")`},
		{"Acme.io/foo", `spec.managedBy: Invalid value: "Acme.io"`},
		{"acme.io/" + strings.Repeat("x", 60), "spec.managedBy: Too long"},
		{"kueue.x-k8s.io/multikueue", ""},
		{"kubernetes.io/job-controller", ""},
	} {
		c := newCluster(t, "a")
		objs, _, err := workload.Decode([]byte(jobYAML("j", "  managedBy: "+tc.value, neverPod, "")), "job.yaml")
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Apply(objs[0])
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("managedBy %q: %v, want it accepted", tc.value, err)
		case tc.want != "" && (err == nil || !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "Job/default/j: "+tc.want)):
			t.Errorf("managedBy %q: %v, want %q", tc.value, err, tc.want)
		}
	}
}

// spec.activeDeadlineSeconds may be 0 (the API checks it is not negative):
// such a Job is past its deadline at its first sync, so it fails at once
// with DeadlineExceeded and starts no pod. A negative value is refused.
// Source: pkg/apis/batch/validation/validation.go validateJobSpec
// (ValidateNonnegativeField); pkg/controller/job/job_controller.go
// pastActiveDeadline (duration >= allowed).
func TestR8JobActiveDeadlineZero(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, jobYAML("j", "  activeDeadlineSeconds: 0", neverPod, ""))
	advance(t, c, time.Minute)
	j := getJob(t, c, "j")
	if f := jobCond(j, workload.JobFailed); f == nil || f.Reason != "DeadlineExceeded" || f.LastTransitionTime.Sub(t0) != 0 {
		t.Errorf("conditions %s, want Failed DeadlineExceeded at 0s", condSummary(j.Status.Conditions))
	}
	if ps := pods(t, c, ""); len(ps) != 0 || j.Status.Failed != 0 {
		t.Errorf("%d pods made, status.failed %d; want none", len(ps), j.Status.Failed)
	}
	objs, _, err := workload.Decode([]byte(jobYAML("k", "  activeDeadlineSeconds: -1", neverPod, "")), "job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(objs[0]); err == nil || !strings.Contains(err.Error(), "spec.activeDeadlineSeconds") {
		t.Errorf("activeDeadlineSeconds -1: %v, want an error naming spec.activeDeadlineSeconds", err)
	}
}

// A Job (or a CronJob's jobTemplate) whose pod template leaves
// restartPolicy out, or says Always, is refused with Kubernetes' words,
// which every user who forgets the field has seen: `The Job "pi" is
// invalid: spec.template.spec.restartPolicy: Required value: valid values:
// "OnFailure", "Never"`. Another unknown value is "Unsupported value".
// Source: pkg/apis/batch/validation/validation.go validateJobSpec.
func TestR8JobRestartPolicyMessage(t *testing.T) {
	for _, tc := range []struct{ manifest, want string }{
		{jobYAML("pi", "", "      containers: [{name: c, image: perl}]", ""),
			`Job/default/pi: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`},
		{jobYAML("pi", "", "      restartPolicy: Always\n      containers: [{name: c, image: perl}]", ""),
			`Job/default/pi: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`},
		{jobYAML("pi", "", "      restartPolicy: Sometimes\n      containers: [{name: c, image: perl}]", ""),
			`Job/default/pi: spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "OnFailure", "Never"`},
		{"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: cj}\nspec:\n  schedule: '* * * * *'\n  jobTemplate: {spec: {template: {spec: {containers: [{name: c, image: x}]}}}}\n",
			`CronJob/default/cj: spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`},
	} {
		c := newCluster(t, "a")
		objs, _, err := workload.Decode([]byte(tc.manifest), "job.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Apply(objs[0]); err == nil || !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Apply: %v, want %q", err, tc.want)
		}
	}
}

// An Indexed Job with backoffLimitPerIndex and more than 100000
// completions must set maxFailedIndexes, and at most 10000 of them (the
// failed-indexes list has to fit in the status); parallelism is capped at
// 10000 too.
// Source: pkg/apis/batch/validation/validation.go validateJobSpec
// (completionsSoftLimit, maxFailedIndexesLimitForHighCompletions,
// parallelismLimitForHighCompletions).
func TestR8JobHighCompletionsNeedMaxFailedIndexes(t *testing.T) {
	const base = "  completionMode: Indexed\n  completions: 100001\n  parallelism: 10\n  backoffLimitPerIndex: 1\n"
	for _, tc := range []struct{ extra, want string }{
		{"", "spec.maxFailedIndexes: Required value: must be specified when completions is above 100000"},
		{"  maxFailedIndexes: 10001\n", "spec.maxFailedIndexes: Invalid value: 10001: must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index"},
		{"  maxFailedIndexes: 10000\n", ""},
	} {
		c := newCluster(t, "a")
		objs, _, err := workload.Decode([]byte(jobYAML("j", base+strings.TrimSuffix(tc.extra, "\n"), neverPod, "")), "job.yaml")
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Apply(objs[0])
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v, want it accepted", tc.extra, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), "Job/default/j: "+tc.want)):
			t.Errorf("%q: %v, want %q", tc.extra, err, tc.want)
		}
	}
}
