package orchestra_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

// A Deployment may have any DNS-subdomain name (253 characters), but its
// ReplicaSet is "<name>-<pod-template-hash>" (Kubernetes'
// pkg/controller/deployment/sync.go getNewReplicaSet), which the API
// server refuses when that is longer than 253 (apimachinery's
// NameIsDNSSubdomain): no ReplicaSet is stored and the Deployment reports
// Progressing False ReplicaSetCreateError with a Warning event.
func TestLongDeploymentNameReplicaSetRefused(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	d := cuDeployment(1)
	d.Name = strings.Repeat("a", 250)
	if _, err := c.Apply(d); err != nil {
		t.Fatalf("Apply of a 250-character Deployment name: %v", err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	rss, err := c.List("ReplicaSet", "default", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range rss {
		t.Errorf("ReplicaSet stored with a %d-character name", len(rs.GetObjectMeta().Name))
	}
	got, _ := orchestra.GetAs[*workload.Deployment](c, "default", d.Name)
	var pr *workload.Condition
	for i := range got.Status.Conditions {
		if got.Status.Conditions[i].Type == workload.DeploymentProgressing {
			pr = &got.Status.Conditions[i]
		}
	}
	if pr == nil || pr.Status != workload.ConditionFalse || pr.Reason != workload.ReasonReplicaSetCreateError ||
		!strings.Contains(pr.Message, "metadata.name") {
		t.Errorf("Progressing = %+v, want False ReplicaSetCreateError naming metadata.name", pr)
	}
	warned := false
	for _, e := range c.Events() {
		warned = warned || (e.Reason == workload.ReasonReplicaSetCreateError && e.Type == workload.EventTypeWarning)
	}
	if !warned {
		t.Error("no Warning ReplicaSetCreateError event")
	}
	// A 251-character name is refused at Apply, with the field.
	d2 := cuDeployment(1)
	d2.Name = strings.Repeat("b", 254)
	if _, err := c.Apply(d2); err == nil || !strings.Contains(err.Error(), "metadata.name") {
		t.Errorf("Apply of a 254-character Deployment name: %v, want an error on metadata.name", err)
	}
}

// A StatefulSet's name is a DNS label (63 characters), but its pods carry
// statefulset.kubernetes.io/pod-name=<name>-<ordinal> and
// controller-revision-hash=<name>-<hash>, label values of at most 63
// characters: with a 60-character name the API server refuses each pod
// (kubernetes/kubernetes#64023, pkg/controller/history ControllerRevisionName
// keeps 223 characters of the name) and the StatefulSet controller
// records FailedCreate. No pod is stored.
func TestLongStatefulSetNamePodsRefused(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	labels := map[string]string{"app": "db"}
	s := &workload.StatefulSet{
		ObjectMeta: workload.ObjectMeta{Name: strings.Repeat("s", 60)},
		Spec: workload.StatefulSetSpec{
			Replicas: workload.Ptr[int32](1),
			Selector: &workload.LabelSelector{MatchLabels: labels},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: labels},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "db", Image: "db:1"}}},
			},
		},
	}
	if _, err := c.Apply(s); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	pods, _ := c.List("Pod", "default", "")
	for _, p := range pods {
		t.Errorf("pod %s stored", p.GetObjectMeta().Name)
	}
	failed := false
	for _, e := range c.Events() {
		if e.Reason == "FailedCreate" && e.Type == workload.EventTypeWarning && strings.Contains(e.Message, "metadata.labels") {
			failed = true
		}
	}
	if !failed {
		t.Error("no Warning FailedCreate event naming metadata.labels")
	}
}

// A StatefulSet adopts an orphan pod "<set>-<ordinal>" and sets its
// statefulset.kubernetes.io/pod-name label to the pod's name (Kubernetes'
// updateIdentity, pkg/controller/statefulset/stateful_set_utils.go). With a
// 63-character set name the pod's name is 65 characters, which the API
// server refuses as a label value on the pod's update
// (ValidateObjectMetaUpdate): the StatefulSet records FailedUpdate and the
// pod is stored as it was, never with an invalid label.
func TestLongStatefulSetNameRelabelRefused(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	labels := map[string]string{"app": "db"}
	name := strings.Repeat("s", 63)
	pod := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: name + "-0", Labels: labels},
		Spec: workload.PodSpec{Containers: []workload.Container{{Name: "db", Image: "db:1"}}}}
	if _, err := c.Apply(pod); err != nil {
		t.Fatal(err)
	}
	s := &workload.StatefulSet{
		ObjectMeta: workload.ObjectMeta{Name: name},
		Spec: workload.StatefulSetSpec{
			Replicas: workload.Ptr[int32](1),
			Selector: &workload.LabelSelector{MatchLabels: labels},
			Template: workload.PodTemplateSpec{ObjectMeta: workload.ObjectMeta{Labels: labels}, Spec: pod.Spec},
		},
	}
	if _, err := c.Apply(s); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	// Each write is checked as it happens: a watch sees every version.
	w, err := c.Watch("Pod")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	for ev, ok := w.TryNext(); ok; ev, ok = w.TryNext() {
		if err := workload.ValidateObjectMeta(ev.Object); err != nil {
			t.Errorf("%s stored: %v", ev.Type, err)
		}
	}
	failed := false
	for _, e := range c.Events() {
		failed = failed || (e.Reason == "FailedUpdate" && e.Type == workload.EventTypeWarning && strings.Contains(e.Message, "metadata.labels"))
	}
	if !failed {
		t.Error("no Warning FailedUpdate event naming metadata.labels")
	}
}

// The API server generates a name before it validates (BeforeCreate), so
// an Indexed Job from generateName is checked with the name it gets:
// Kubernetes' ValidateJob (pkg/apis/batch/validation) refuses it when
// "<name>-<completions-1>", its last pod's hostname, is not a DNS label.
// A prefix of 60 characters gives a name of 58+5 = 63 (SimpleNameGenerator)
// and a hostname of 65: refused at Apply, naming metadata.generateName;
// nothing is stored.
func TestIndexedJobLongGenerateNameRefused(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	j := &workload.Job{
		ObjectMeta: workload.ObjectMeta{GenerateName: strings.Repeat("j", 60)},
		Spec: workload.JobSpec{
			Completions:    workload.Ptr[int32](2),
			CompletionMode: workload.Ptr(workload.IndexedCompletion),
			Template: workload.PodTemplateSpec{Spec: workload.PodSpec{RestartPolicy: workload.RestartPolicyNever,
				Containers: []workload.Container{{Name: "c", Image: "i"}}}},
		},
	}
	if _, err := c.Apply(j); err == nil || !strings.Contains(err.Error(), "metadata.generateName") {
		t.Errorf("Apply: %v, want an error on metadata.generateName", err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"Job", "Pod"} {
		objs, _ := c.List(kind, "default", "")
		for _, o := range objs {
			t.Errorf("%s %s stored", kind, o.GetObjectMeta().Name)
		}
	}
	// A shorter prefix fits: 50+5 characters and "-1".
	j.GenerateName = strings.Repeat("j", 50)
	if _, err := c.Apply(j); err != nil {
		t.Errorf("Apply with a 50-character generateName: %v", err)
	}
}

// A CronJob's name is at most 52 characters (Kubernetes'
// ValidateCronJobCreate: 63-11, room for "-<minutes>" in its Jobs' names),
// checked after the API server generates it: a generateName of 50
// characters makes 55 and is refused at Apply; nothing is stored.
func TestCronJobLongGenerateNameRefused(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	cj := &workload.CronJob{
		ObjectMeta: workload.ObjectMeta{GenerateName: strings.Repeat("c", 50)},
		Spec: workload.CronJobSpec{Schedule: "* * * * *", JobTemplate: workload.JobTemplateSpec{Spec: workload.JobSpec{
			Template: workload.PodTemplateSpec{Spec: workload.PodSpec{RestartPolicy: workload.RestartPolicyNever,
				Containers: []workload.Container{{Name: "c", Image: "i"}}}}}}},
	}
	if _, err := c.Apply(cj); err == nil || !strings.Contains(err.Error(), "metadata.generateName") {
		t.Errorf("Apply: %v, want an error on metadata.generateName", err)
	}
	if err := c.Advance(3 * time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"CronJob", "Job", "Pod"} {
		objs, _ := c.List(kind, "default", "")
		for _, o := range objs {
			t.Errorf("%s %s stored", kind, o.GetObjectMeta().Name)
		}
	}
	cj.GenerateName = strings.Repeat("c", 47) // 52 with the suffix
	if _, err := c.Apply(cj); err != nil {
		t.Errorf("Apply with a 47-character generateName: %v", err)
	}
}
