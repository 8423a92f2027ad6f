package orchestra_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

func podNames(t *testing.T, c *orchestra.Cluster, sel string) []string {
	t.Helper()
	pods, err := c.Pods("default", sel)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range pods {
		if p.DeletionTimestamp == nil {
			names = append(names, p.Name)
		}
	}
	slices.Sort(names)
	return names
}

// Scale sets spec.replicas alone, as kubectl scale, by any name kubectl
// takes for the kind; bad input is refused and changes nothing.
func TestScale(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	if _, err := c.Create(cuDeployment(3)); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": "db"}
	if _, err := c.Create(&workload.StatefulSet{
		ObjectMeta: workload.ObjectMeta{Name: "db"},
		Spec: workload.StatefulSetSpec{
			Replicas: workload.Ptr[int32](3),
			Selector: &workload.LabelSelector{MatchLabels: labels},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: labels},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "db", Image: "db:1"}}},
			},
		},
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := c.Scale("deploy", "", "web", 5); err != nil {
		t.Fatal(err)
	}
	if err := c.Scale("statefulsets", "default", "db", 1); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(2 * time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := podNames(t, c, "app=web"); len(got) != 5 {
		t.Errorf("web pods %v, want 5", got)
	}
	if got := podNames(t, c, "app=db"); !slices.Equal(got, []string{"db-0"}) {
		t.Errorf("db pods %v, want [db-0] (scaled down from the highest ordinal)", got)
	}
	d, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web")
	if d.Labels["tier"] != "front" || d.Spec.Template.Spec.Containers[0].Image != "web:1" {
		t.Errorf("Scale changed more than the replicas: labels %v, image %s", d.Labels, d.Spec.Template.Spec.Containers[0].Image)
	}

	rv := d.ResourceVersion
	for _, tc := range []struct {
		kind, name string
		replicas   int32
		want       error
		text       string
	}{
		{"Deployment", "web", -1, workload.ErrInvalid, "spec.replicas"},
		{"Job", "web", 1, store.ErrNotFound, "Job/default/web"},
		{"Deployment", "nope", 1, store.ErrNotFound, "Deployment/default/nope"},
		{"widgets", "web", 1, workload.ErrInvalid, "widgets"},
	} {
		err := c.Scale(tc.kind, "default", tc.name, tc.replicas)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("Scale(%s, %s, %d): %v, want %v naming %s", tc.kind, tc.name, tc.replicas, err, tc.want, tc.text)
		}
	}
	if d, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web"); d.ResourceVersion != rv {
		t.Errorf("a refused Scale wrote the Deployment")
	}
	job := &workload.Job{
		ObjectMeta: workload.ObjectMeta{Name: "once"},
		Spec: workload.JobSpec{Template: workload.PodTemplateSpec{Spec: workload.PodSpec{
			RestartPolicy: workload.RestartPolicyNever,
			Containers:    []workload.Container{{Name: "x", Image: "x"}},
		}}},
	}
	if _, err := c.Create(job); err != nil {
		t.Fatal(err)
	}
	if err := c.Scale("job", "", "once", 2); !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "no scale subresource") {
		t.Errorf("Scale of a Job: %v, want ErrInvalid (no scale subresource)", err)
	}
}

// RolloutRestart replaces every pod of a Deployment by a rollout of a
// template with the restartedAt annotation, as kubectl rollout restart;
// a paused Deployment is refused.
func TestRolloutRestart(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	if _, err := c.Create(cuDeployment(3)); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	before := podNames(t, c, "app=web")
	if err := c.RolloutRestart("deployment", "", "web"); err != nil {
		t.Fatal(err)
	}
	at := c.Now().Format(time.RFC3339)
	if err := c.Advance(5 * time.Minute); err != nil {
		t.Fatal(err)
	}
	after := podNames(t, c, "app=web")
	if len(after) != 3 {
		t.Fatalf("pods after the restart %v, want 3", after)
	}
	for _, n := range after {
		if slices.Contains(before, n) {
			t.Errorf("pod %s survived the restart (before %v, after %v)", n, before, after)
		}
	}
	d, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web")
	if got := d.Spec.Template.Annotations[orchestra.RestartedAtAnnotation]; got != at {
		t.Errorf("restartedAt %q, want %q", got, at)
	}
	if rss, _ := orchestra.ListAs[*workload.ReplicaSet](c, "default", "app=web"); len(rss) != 2 {
		t.Errorf("%d ReplicaSets, want 2 (the restart is a new revision)", len(rss))
	}

	d.Spec.Paused = true
	if _, err := c.Update(d); err != nil {
		t.Fatal(err)
	}
	rv, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web")
	if err := c.RolloutRestart("deployment", "", "web"); !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "paused") {
		t.Errorf("RolloutRestart of a paused Deployment: %v, want refused", err)
	}
	if now, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web"); now.ResourceVersion != rv.ResourceVersion {
		t.Errorf("a refused RolloutRestart wrote the Deployment")
	}
	if err := c.RolloutRestart("replicaset", "", "web"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RolloutRestart of a missing ReplicaSet: %v", err)
	}
}

// Scale and RolloutRestart on a closed cluster say so.
func TestVerbsClosed(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	c.Close()
	if err := c.Scale("deploy", "", "web", 1); !errors.Is(err, orchestra.ErrClosed) {
		t.Errorf("Scale: %v", err)
	}
	if err := c.RolloutRestart("deploy", "", "web"); !errors.Is(err, orchestra.ErrClosed) {
		t.Errorf("RolloutRestart: %v", err)
	}
	if err := c.RolloutUndo("", "web", 0); !errors.Is(err, orchestra.ErrClosed) {
		t.Errorf("RolloutUndo: %v", err)
	}
}

// RolloutUndo is kubectl rollout undo: back to the revision before the
// latest, or to a named one, as a new revision of the old template.
func TestRolloutUndo(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	if _, err := c.Create(cuDeployment(2)); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := c.RolloutUndo("", "web", 0); !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "no rollout history") {
		t.Errorf("undo with one revision: %v, want no rollout history", err)
	}
	v2 := cuDeployment(2)
	v2.Spec.Template.Spec.Containers[0].Image = "web:2"
	if _, err := c.Apply(v2); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(5 * time.Minute); err != nil {
		t.Fatal(err)
	}
	image := func() string {
		d, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web")
		return d.Spec.Template.Spec.Containers[0].Image
	}
	podImages := func() []string {
		pods, _ := c.Pods("default", "app=web")
		var out []string
		for _, p := range pods {
			if p.DeletionTimestamp == nil {
				out = append(out, p.Spec.Containers[0].Image)
			}
		}
		slices.Sort(out)
		return out
	}
	if err := c.RolloutUndo("default", "web", 0); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(5 * time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := image(); got != "web:1" {
		t.Errorf("image after undo %s, want web:1", got)
	}
	if got := podImages(); !slices.Equal(got, []string{"web:1", "web:1"}) {
		t.Errorf("pod images after undo %v", got)
	}
	d, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web")
	if _, ok := d.Spec.Template.Labels[workload.PodTemplateHashLabel]; ok {
		t.Errorf("the template kept the pod-template-hash label: %v", d.Spec.Template.Labels)
	}
	rss, _ := orchestra.ListAs[*workload.ReplicaSet](c, "default", "app=web")
	revs := map[string]string{}
	for _, rs := range rss {
		revs[rs.Spec.Template.Spec.Containers[0].Image] = rs.Annotations[workload.RevisionAnnotation]
	}
	if revs["web:1"] != "3" || revs["web:2"] != "2" || len(rss) != 2 {
		t.Errorf("revisions by image %v, want web:1 at 3 (the old ReplicaSet adopted), web:2 at 2", revs)
	}

	// To a named revision; the current one is a no-op.
	if err := c.RolloutUndo("default", "web", 2); err != nil {
		t.Fatal(err)
	}
	if got := image(); got != "web:2" {
		t.Errorf("image after undo to revision 2: %s", got)
	}
	if err := c.Advance(5 * time.Minute); err != nil {
		t.Fatal(err)
	}
	before, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web")
	if err := c.RolloutUndo("default", "web", 4); err != nil {
		t.Errorf("undo to the current revision: %v, want a skipped rollback", err)
	}
	if err := c.RolloutUndo("default", "web", 9); !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "unable to find specified revision 9") {
		t.Errorf("undo to revision 9: %v", err)
	}
	before.Spec.Paused = true
	if _, err := c.Update(before); err != nil {
		t.Fatal(err)
	}
	paused, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web")
	if err := c.RolloutUndo("default", "web", 0); !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "paused") {
		t.Errorf("undo of a paused Deployment: %v", err)
	}
	if now, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web"); now.ResourceVersion != paused.ResourceVersion {
		t.Errorf("a refused or skipped undo wrote the Deployment")
	}
}

// RolloutUndo compares templates as kubectl's equalIgnoreHash, without
// the pod-template-hash label on both sides: a Deployment whose own
// template carries that label and already matches the revision is a
// skipped rollback, not a write (k8s.io/kubectl
// pkg/polymorphichelpers/rollback.go).
func TestRolloutUndoIgnoresHashLabelOnBothSides(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	d := cuDeployment(1)
	d.Spec.Template.Labels = map[string]string{"app": "web", workload.PodTemplateHashLabel: "mine"}
	if _, err := c.Create(d); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	v2 := cuDeployment(1)
	v2.Spec.Template.Labels = map[string]string{"app": "web", workload.PodTemplateHashLabel: "mine"}
	v2.Spec.Template.Spec.Containers[0].Image = "web:2"
	if _, err := c.Apply(v2); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(5 * time.Minute); err != nil {
		t.Fatal(err)
	}
	before, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web")
	if err := c.RolloutUndo("default", "web", 2); err != nil {
		t.Fatalf("undo to the current revision: %v, want a skipped rollback", err)
	}
	after, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web")
	if after.ResourceVersion != before.ResourceVersion {
		t.Errorf("undo to the current revision wrote the Deployment: template labels %v, was %v",
			after.Spec.Template.Labels, before.Spec.Template.Labels)
	}
}

// RolloutUndo reads a ReplicaSet without the revision annotation as
// revision 0, as kubectl's deploymentutil.Revision, so that an adopted
// ReplicaSet that never had one is the revision before the latest; a
// ReplicaSet whose annotation is not a number is left out, as kubectl
// leaves it (k8s.io/kubectl pkg/util/deployment/deployment.go Revision,
// pkg/polymorphichelpers/rollback.go deploymentRevision).
func TestRolloutUndoRevisionAnnotationMissingOrBad(t *testing.T) {
	for _, tc := range []struct {
		name      string
		ann       map[string]string
		wantImage string
		wantErr   string
	}{
		{name: "missing", wantImage: "web:0"},
		{name: "bad", ann: map[string]string{workload.RevisionAnnotation: "x"}, wantImage: "web:1", wantErr: "no rollout history"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newVirtualCluster(t, "node-a")
			labels := map[string]string{"app": "web"}
			if _, err := c.Create(&workload.ReplicaSet{
				ObjectMeta: workload.ObjectMeta{Name: "web-old", Labels: labels, Annotations: tc.ann},
				Spec: workload.ReplicaSetSpec{
					Replicas: workload.Ptr[int32](0),
					Selector: &workload.LabelSelector{MatchLabels: labels},
					Template: workload.PodTemplateSpec{
						ObjectMeta: workload.ObjectMeta{Labels: labels},
						Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "web", Image: "web:0"}}},
					},
				},
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Create(cuDeployment(1)); err != nil {
				t.Fatal(err)
			}
			if err := c.Advance(time.Minute); err != nil {
				t.Fatal(err)
			}
			rs, _ := orchestra.GetAs[*workload.ReplicaSet](c, "default", "web-old")
			if ref := workload.ControllerOf(rs); ref == nil || ref.Name != "web" {
				t.Fatalf("web-old not adopted: %v", rs.OwnerReferences)
			}
			err := c.RolloutUndo("default", "web", 0)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatal(err)
			case tc.wantErr != "" && (!errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("undo: %v, want %s", err, tc.wantErr)
			}
			d, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web")
			if got := d.Spec.Template.Spec.Containers[0].Image; got != tc.wantImage {
				t.Errorf("image after undo %s, want %s", got, tc.wantImage)
			}
		})
	}
}

// RolloutUndo looks only at the ReplicaSets that the Deployment's
// selector matches and that it controls, as kubectl's listReplicaSets: a
// ReplicaSet relabelled out of the selector is no revision.
func TestRolloutUndoOnlySelectedReplicaSets(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	if _, err := c.Create(cuDeployment(1)); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	v2 := cuDeployment(1)
	v2.Spec.Template.Spec.Containers[0].Image = "web:2"
	if _, err := c.Apply(v2); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(5 * time.Minute); err != nil {
		t.Fatal(err)
	}
	rss, _ := orchestra.ListAs[*workload.ReplicaSet](c, "default", "app=web")
	for _, rs := range rss {
		if rs.Annotations[workload.RevisionAnnotation] == "1" {
			rs.Labels = map[string]string{"app": "gone"}
			if _, err := c.Update(rs); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := c.RolloutUndo("default", "web", 0); !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "no rollout history") {
		t.Errorf("undo with the old ReplicaSet relabelled away: %v, want no rollout history", err)
	}
}
