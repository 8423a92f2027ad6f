package controller

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/orchestra-go/orchestra/workload"
)

func TestResolveFenceposts(t *testing.T) {
	is := func(s string) *intstr.IntOrString { v := intstr.Parse(s); return &v }
	for _, tc := range []struct {
		surge, unavailable string
		desired            int32
		wantS, wantU       int32
	}{
		{"25%", "25%", 10, 3, 2}, // surge rounds up, unavailable down
		{"25%", "25%", 4, 1, 1},
		{"25%", "25%", 1, 1, 0},
		{"0", "0", 5, 0, 1}, // both 0: unavailable 1
		{"0%", "10%", 5, 0, 1},
		{"2", "3", 10, 2, 3},
		{"100%", "0", 3, 3, 0},
	} {
		s, u, err := resolveFenceposts(is(tc.surge), is(tc.unavailable), tc.desired)
		if err != nil || s != tc.wantS || u != tc.wantU {
			t.Errorf("resolveFenceposts(%s, %s, %d) = %d, %d, %v; want %d, %d", tc.surge, tc.unavailable, tc.desired, s, u, err, tc.wantS, tc.wantU)
		}
	}
	if _, _, err := resolveFenceposts(is("x%"), is("1"), 3); err == nil {
		t.Error("a bad percentage resolved")
	}
}

// testDeploy is a RollingUpdate Deployment of app=web with image v.
func testDeploy(replicas int32, surge, unavailable, image string) *workload.Deployment {
	d := &workload.Deployment{
		ObjectMeta: workload.ObjectMeta{Name: "web", Namespace: "default", UID: "d-uid", Generation: 1},
		Spec: workload.DeploymentSpec{
			Replicas: &replicas,
			Selector: &workload.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: image}}},
			},
		},
	}
	if surge == "" {
		d.Spec.Strategy.Type = workload.RecreateStrategy
	} else {
		s, u := intstr.Parse(surge), intstr.Parse(unavailable)
		d.Spec.Strategy = workload.DeploymentStrategy{Type: workload.RollingUpdateStrategy,
			RollingUpdate: &workload.RollingUpdateDeployment{MaxSurge: &s, MaxUnavailable: &u}}
	}
	d.Spec.RevisionHistoryLimit = workload.Ptr[int32](10)
	d.Spec.ProgressDeadlineSeconds = workload.Ptr[int32](600)
	return d
}

// testRSFor is a ReplicaSet of d's template with image, spec replicas,
// available (= ready = status) replicas, revision, created age ago.
func testRSFor(d *workload.Deployment, image string, replicas, available int32, revision int, age time.Duration) *workload.ReplicaSet {
	tmpl := d.Spec.Template.DeepCopy()
	tmpl.Spec.Containers[0].Image = image
	hash := TemplateHash(tmpl, nil)
	tmpl.Labels = map[string]string{"app": "web", workload.PodTemplateHashLabel: hash}
	return &workload.ReplicaSet{
		ObjectMeta: workload.ObjectMeta{
			Name: "web-" + hash, Namespace: "default", UID: "rs-" + image, Generation: 1,
			CreationTimestamp: workload.NewTime(rsNow.Add(-age)),
			Annotations: map[string]string{workload.RevisionAnnotation: strconv.Itoa(revision),
				DesiredReplicasAnnotation: strconv.Itoa(int(*d.Spec.Replicas))},
			OwnerReferences: []workload.OwnerReference{workload.NewControllerRef(d)},
		},
		Spec: workload.ReplicaSetSpec{Replicas: &replicas, Template: *tmpl},
		Status: workload.ReplicaSetStatus{Replicas: replicas, ReadyReplicas: available, AvailableReplicas: available,
			ObservedGeneration: 1},
	}
}

// sizes summarizes a plan's ReplicaSet writes as "image=replicas".
func sizes(p deployPlan) []string {
	var out []string
	if p.Create != nil {
		out = append(out, fmt.Sprintf("+%s=%d", p.Create.Spec.Template.Spec.Containers[0].Image, *p.Create.Spec.Replicas))
	}
	for _, rs := range p.Update {
		out = append(out, fmt.Sprintf("%s=%d", rs.Spec.Template.Spec.Containers[0].Image, *rs.Spec.Replicas))
	}
	for _, rs := range p.Delete {
		out = append(out, "-"+rs.Spec.Template.Spec.Containers[0].Image)
	}
	return out
}

func TestPlanDeploymentRollouts(t *testing.T) {
	type rsIn struct {
		image                string
		replicas, available  int32
		revision             int
		ageMinutes           int
		noDesiredAnnotations bool
	}
	for _, tc := range []struct {
		name          string
		deploy        *workload.Deployment
		rss           []rsIn
		oldPods       map[string]int
		want          []string
		revision      string
		progressingRe string
	}{
		{name: "first rollout creates the ReplicaSet at full size",
			deploy: testDeploy(3, "25%", "25%", "v1"),
			want:   []string{"+v1=3"}, revision: "1", progressingRe: workload.ReasonNewReplicaSetCreated},
		{name: "update: new ReplicaSet up to the surge, old down to the floor in the same sync",
			deploy: func() *workload.Deployment {
				d := testDeploy(10, "25%", "25%", "v2")
				d.Status = workload.DeploymentStatus{Replicas: 10, ReadyReplicas: 10, AvailableReplicas: 10}
				return d
			}(),
			rss: []rsIn{{image: "v1", replicas: 10, available: 10, revision: 1, ageMinutes: 10}},
			// 13 pods asked for, 3 of them unavailable: 13 - 8 - 3 = 2 old go.
			want: []string{"+v2=3", "v1=8"}, revision: "2", progressingRe: workload.ReasonNewReplicaSetCreated},
		{name: "update: old ReplicaSet down to the availability floor",
			deploy: testDeploy(10, "25%", "25%", "v2"),
			rss: []rsIn{{image: "v1", replicas: 10, available: 10, revision: 1, ageMinutes: 10},
				{image: "v2", replicas: 3, available: 0, revision: 2, ageMinutes: 1}},
			want: []string{"v1=8"}, revision: "2"},
		{name: "update: unhealthy old pods go first, beyond the floor",
			deploy: testDeploy(10, "25%", "25%", "v2"),
			rss: []rsIn{{image: "v1", replicas: 10, available: 6, revision: 1, ageMinutes: 10},
				{image: "v2", replicas: 3, available: 3, revision: 2, ageMinutes: 1}},
			// 13 - 8 - 0 = 5 may go: the 4 unavailable old ones, then
			// available - floor = 9 - 8 = 1 more.
			want: []string{"v1=5"}, revision: "2"},
		{name: "update: new grows as old shrank",
			deploy: testDeploy(10, "25%", "25%", "v2"),
			rss: []rsIn{{image: "v1", replicas: 8, available: 8, revision: 1, ageMinutes: 10},
				{image: "v2", replicas: 3, available: 0, revision: 2, ageMinutes: 1}},
			want: []string{"v2=5"}, revision: "2"},
		{name: "update: no room, nothing happens",
			deploy: testDeploy(10, "25%", "25%", "v2"),
			rss: []rsIn{{image: "v1", replicas: 8, available: 8, revision: 1, ageMinutes: 10},
				{image: "v2", replicas: 5, available: 0, revision: 2, ageMinutes: 1}},
			want: nil, revision: "2"},
		{name: "rollback: the old ReplicaSet is the new one, with a new revision",
			deploy: testDeploy(4, "1", "0", "v1"),
			rss: []rsIn{{image: "v1", replicas: 0, available: 0, revision: 1, ageMinutes: 10},
				{image: "v2", replicas: 4, available: 4, revision: 2, ageMinutes: 5}},
			want: []string{"v1=1"}, revision: "3"},
		{name: "complete rollout deletes history beyond the limit, lowest revision first",
			deploy: func() *workload.Deployment {
				d := testDeploy(2, "25%", "25%", "v4")
				d.Spec.RevisionHistoryLimit = workload.Ptr[int32](1)
				d.Status = workload.DeploymentStatus{ObservedGeneration: 1, Replicas: 2, UpdatedReplicas: 2, AvailableReplicas: 2, ReadyReplicas: 2}
				return d
			}(),
			rss: []rsIn{{image: "v1", revision: 1, ageMinutes: 30}, {image: "v2", revision: 2, ageMinutes: 20},
				{image: "v3", revision: 3, ageMinutes: 10}, {image: "v4", replicas: 2, available: 2, revision: 4, ageMinutes: 5}},
			want: []string{"-v1", "-v2"}, revision: "4", progressingRe: workload.ReasonNewRSAvailable},
		{name: "recreate: old ReplicaSets to zero first",
			deploy: testDeploy(3, "", "", "v2"),
			rss:    []rsIn{{image: "v1", replicas: 3, available: 3, revision: 1, ageMinutes: 10}},
			want:   []string{"v1=0"}},
		{name: "recreate: waits while old pods are left",
			deploy: testDeploy(3, "", "", "v2"),
			rss:    []rsIn{{image: "v1", replicas: 0, revision: 1, ageMinutes: 10}},
			// one terminating old pod
			oldPods: map[string]int{"rs-v1": 1},
			want:    nil},
		{name: "recreate: then the new ReplicaSet at full size",
			deploy: testDeploy(3, "", "", "v2"),
			rss:    []rsIn{{image: "v1", replicas: 0, revision: 1, ageMinutes: 10}},
			want:   []string{"+v2=3"}, revision: "2", progressingRe: workload.ReasonNewReplicaSetCreated},
		{name: "paused: no new ReplicaSet",
			deploy: func() *workload.Deployment { d := testDeploy(3, "25%", "25%", "v2"); d.Spec.Paused = true; return d }(),
			rss:    []rsIn{{image: "v1", replicas: 3, available: 3, revision: 1, ageMinutes: 10}},
			want:   nil, progressingRe: workload.ReasonDeploymentPaused},
		{name: "paused: scaling still applies",
			deploy: func() *workload.Deployment { d := testDeploy(5, "25%", "25%", "v2"); d.Spec.Paused = true; return d }(),
			rss:    []rsIn{{image: "v1", replicas: 3, available: 3, revision: 1, ageMinutes: 10, noDesiredAnnotations: true}},
			want:   []string{"v1=5"}, progressingRe: workload.ReasonDeploymentPaused},
		{name: "not a scaling event: the new ReplicaSet grows within the surge",
			deploy: func() *workload.Deployment {
				d := testDeploy(20, "0", "1", "v2")
				d.Status.Replicas = 10
				return d
			}(),
			rss: []rsIn{{image: "v1", replicas: 6, available: 6, revision: 1, ageMinutes: 10},
				{image: "v2", replicas: 4, available: 4, revision: 2, ageMinutes: 1}},
			// desired-replicas says 20 already (testRSFor): a rollout step,
			// 20 - 10 = 10 more for the new ReplicaSet.
			want: []string{"v2=14"}, revision: "2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rss []*workload.ReplicaSet
			for _, r := range tc.rss {
				rs := testRSFor(tc.deploy, r.image, r.replicas, r.available, r.revision, time.Duration(r.ageMinutes)*time.Minute)
				if r.noDesiredAnnotations {
					delete(rs.Annotations, DesiredReplicasAnnotation)
				}
				rss = append(rss, rs)
			}
			p := planDeployment(tc.deploy, deployObserved{ReplicaSets: rss, OldPods: tc.oldPods}, rsNow)
			if got := sizes(p); !slices.Equal(got, tc.want) {
				t.Errorf("writes = %v, want %v", got, tc.want)
			}
			if p.Revision != tc.revision {
				t.Errorf("revision = %q, want %q", p.Revision, tc.revision)
			}
			if tc.progressingRe != "" {
				if c := FindCondition(p.Status.Conditions, workload.DeploymentProgressing); c == nil || c.Reason != tc.progressingRe {
					t.Errorf("Progressing = %+v, want reason %s", c, tc.progressingRe)
				}
			}
		})
	}
}

func TestPlanDeploymentProportionalScaling(t *testing.T) {
	d := testDeploy(20, "3", "1", "v2")
	rss := []*workload.ReplicaSet{
		testRSFor(d, "v1", 6, 6, 1, time.Hour),
		testRSFor(d, "v2", 7, 0, 2, time.Minute),
	}
	for _, rs := range rss {
		rs.Annotations[DesiredReplicasAnnotation] = "10"
		rs.Annotations[MaxReplicasAnnotation] = "13"
	}
	// allowed 20+3 = 23, have 13: 10 to add, 6/13 and 7/13 of 23.
	p := planDeployment(d, deployObserved{ReplicaSets: rss}, rsNow)
	got := sizes(p)
	slices.Sort(got)
	if want := []string{"v1=11", "v2=12"}; !slices.Equal(got, want) {
		t.Errorf("writes = %v, want %v", got, want)
	}
	for _, rs := range p.Update {
		if rs.Annotations[DesiredReplicasAnnotation] != "20" || rs.Annotations[MaxReplicasAnnotation] != "23" {
			t.Errorf("%s annotations = %v", rs.Name, rs.Annotations)
		}
	}
}

func TestPlanDeploymentProgress(t *testing.T) {
	deadline := 600 * time.Second
	updated := workload.Condition{Type: workload.DeploymentProgressing, Status: workload.ConditionTrue,
		Reason: workload.ReasonReplicaSetUpdated, LastUpdateTime: workload.NewTime(rsNow.Add(-5 * time.Minute)),
		LastTransitionTime: workload.NewTime(rsNow.Add(-time.Hour))}
	for _, tc := range []struct {
		name        string
		now         time.Time
		available   int32 // of the new ReplicaSet (3 of 3 updated)
		oldStatus   workload.DeploymentStatus
		wantStatus  string
		wantReason  string
		wantUpdate  time.Time
		wantRequeue time.Duration
	}{
		// requeueStuckDeployment requeues a second past the deadline.
		{name: "no progress, before the deadline: requeue a second past it",
			now: rsNow, available: 1,
			oldStatus:  workload.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 1, AvailableReplicas: 1},
			wantStatus: workload.ConditionTrue, wantReason: workload.ReasonReplicaSetUpdated,
			wantUpdate: rsNow.Add(-5 * time.Minute), wantRequeue: deadline - 5*time.Minute + time.Second},
		{name: "progress moves lastUpdateTime, not lastTransitionTime",
			now: rsNow, available: 2,
			oldStatus:  workload.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 1, AvailableReplicas: 1},
			wantStatus: workload.ConditionTrue, wantReason: workload.ReasonReplicaSetUpdated,
			wantUpdate: rsNow, wantRequeue: deadline + time.Second},
		// DeploymentTimedOut: from.Add(delta).Before(now), strictly.
		{name: "no progress at the deadline: not yet, requeue just past it",
			now: rsNow.Add(5 * time.Minute), available: 1,
			oldStatus:  workload.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 1, AvailableReplicas: 1},
			wantStatus: workload.ConditionTrue, wantReason: workload.ReasonReplicaSetUpdated,
			wantUpdate: rsNow.Add(-5 * time.Minute), wantRequeue: 5 * time.Millisecond},
		{name: "no progress past the deadline: exceeded",
			now: rsNow.Add(5*time.Minute + time.Second), available: 1,
			oldStatus:  workload.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 1, AvailableReplicas: 1},
			wantStatus: workload.ConditionFalse, wantReason: workload.ReasonProgressDeadlineExceeded,
			wantUpdate: rsNow.Add(5*time.Minute + time.Second)},
		{name: "complete",
			now: rsNow, available: 3,
			oldStatus:  workload.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 3, ObservedGeneration: 1},
			wantStatus: workload.ConditionTrue, wantReason: workload.ReasonNewRSAvailable, wantUpdate: rsNow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := testDeploy(3, "25%", "25%", "v1")
			d.Status = tc.oldStatus
			d.Status.Conditions = []workload.Condition{updated}
			rs := testRSFor(d, "v1", 3, tc.available, 1, time.Hour)
			p := planDeployment(d, deployObserved{ReplicaSets: []*workload.ReplicaSet{rs}}, tc.now)
			c := FindCondition(p.Status.Conditions, workload.DeploymentProgressing)
			if c == nil || c.Status != tc.wantStatus || c.Reason != tc.wantReason || !c.LastUpdateTime.Equal(tc.wantUpdate) {
				t.Fatalf("Progressing = %+v, want %s %s updated at %v", c, tc.wantStatus, tc.wantReason, tc.wantUpdate)
			}
			if tc.wantStatus == workload.ConditionTrue && !c.LastTransitionTime.Equal(updated.LastTransitionTime.Time) {
				t.Errorf("lastTransitionTime moved to %v", c.LastTransitionTime)
			}
			if p.RequeueAfter != tc.wantRequeue {
				t.Errorf("requeue = %v, want %v", p.RequeueAfter, tc.wantRequeue)
			}
			av := FindCondition(p.Status.Conditions, workload.DeploymentAvailable)
			wantAv := workload.ConditionTrue
			if tc.available < 3-deploymentMaxUnavailable(d) {
				wantAv = workload.ConditionFalse
			}
			if av == nil || av.Status != wantAv {
				t.Errorf("Available = %+v, want %s", av, wantAv)
			}
			if p.Status.UnavailableReplicas != 3-tc.available || p.Status.AvailableReplicas != tc.available {
				t.Errorf("status = %+v", p.Status)
			}
		})
	}
}

func TestNewRSNewReplicas(t *testing.T) {
	for _, tc := range []struct {
		replicas           int32
		surge, unavailable string
		old, cur           int32
		want               int32
	}{
		{10, "25%", "25%", 10, 0, 3},
		{10, "25%", "25%", 8, 3, 5},
		{10, "25%", "25%", 10, 3, 3}, // at the surge: no growth
		{10, "25%", "25%", 0, 8, 10}, // never beyond replicas
		{10, "", "", 10, 0, 10},      // Recreate: replicas
		{1, "0", "0", 1, 0, 0},       // surge 0
	} {
		d := testDeploy(tc.replicas, tc.surge, tc.unavailable, "v2")
		old := testRSFor(d, "v1", tc.old, tc.old, 1, time.Hour)
		cur := testRSFor(d, "v2", tc.cur, 0, 2, time.Minute)
		if got := newRSNewReplicas(d, []*workload.ReplicaSet{old, cur}, cur); got != tc.want {
			t.Errorf("%+v: got %d", tc, got)
		}
	}
}

func TestEqualIgnoreHash(t *testing.T) {
	d := testDeploy(1, "1", "1", "v1")
	rs := testRSFor(d, "v1", 1, 1, 1, 0)
	if !EqualIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
		t.Error("a template with only the hash label added differs")
	}
	rs.Spec.Template.Annotations = map[string]string{}
	if !EqualIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
		t.Error("empty and nil annotations differ")
	}
	rs.Spec.Template.Spec.Containers[0].Image = "v2"
	if EqualIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
		t.Error("different images are equal")
	}
	rs.Spec.Template.Spec.Containers[0].Image = "v1"
	d.Spec.Template.Labels[workload.PodTemplateHashLabel] = "mine"
	if !EqualIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
		t.Error("a hash label on both sides makes them differ")
	}
}

// Revision reads the revision annotation as Kubernetes'
// deploymentutil.Revision: none is 0, a bad one an error naming it.
func TestRevision(t *testing.T) {
	for _, tc := range []struct {
		ann     map[string]string
		want    int64
		wantErr bool
	}{
		{nil, 0, false},
		{map[string]string{workload.RevisionAnnotation: "7"}, 7, false},
		{map[string]string{workload.RevisionAnnotation: ""}, 0, true},
		{map[string]string{workload.RevisionAnnotation: "x"}, 0, true},
	} {
		rs := &workload.ReplicaSet{ObjectMeta: workload.ObjectMeta{Name: "rs", Namespace: "ns", Annotations: tc.ann}}
		got, err := Revision(rs)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("%v: got %d, %v", tc.ann, got, err)
		}
		if err != nil && (!errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), workload.RevisionAnnotation)) {
			t.Errorf("%v: error %v does not name the annotation", tc.ann, err)
		}
	}
}

// TestAddRevisionHistory: a rollback appends the ReplicaSet's former
// revision, oldest first, and drops the oldest past 2000 characters
// (Kubernetes' SetNewReplicaSetAnnotations).
func TestAddRevisionHistory(t *testing.T) {
	long := strings.Repeat("1234,", 399) + "1234" // 1999 characters
	for _, tc := range []struct{ hist, old, want string }{
		{"", "1", "1"},
		{"1", "3", "1,3"},
		{"1,3", "5", "1,3,5"},
		{long, "7", long[5:] + ",7"},
	} {
		m := &workload.ObjectMeta{}
		if tc.hist != "" {
			m.Annotations = map[string]string{workload.RevisionHistoryAnnotation: tc.hist}
		}
		addRevisionHistory(m, tc.old)
		got := m.Annotations[workload.RevisionHistoryAnnotation]
		if got != tc.want {
			t.Errorf("history %.20q + %s = %.40q (%d chars), want %.40q", tc.hist, tc.old, got, len(got), tc.want)
		}
		if len(got) > maxRevisionHistoryChars {
			t.Errorf("history of %d characters", len(got))
		}
	}
}

// TestTerminatingReplicas: the Deployment's sum of its ReplicaSets'
// terminatingReplicas is unknown (nil) when a synced ReplicaSet does not
// report it; a ReplicaSet never synced adds nothing.
func TestTerminatingReplicas(t *testing.T) {
	rs := func(gen int64, term *int32) *workload.ReplicaSet {
		return &workload.ReplicaSet{Status: workload.ReplicaSetStatus{ObservedGeneration: gen, TerminatingReplicas: term}}
	}
	for _, tc := range []struct {
		name string
		rss  []*workload.ReplicaSet
		want *int32
	}{
		{"none", nil, workload.Ptr[int32](0)},
		{"sum", []*workload.ReplicaSet{rs(1, workload.Ptr[int32](2)), rs(3, workload.Ptr[int32](1))}, workload.Ptr[int32](3)},
		{"never synced adds nothing", []*workload.ReplicaSet{rs(1, workload.Ptr[int32](2)), rs(0, nil)}, workload.Ptr[int32](2)},
		{"synced without a count", []*workload.ReplicaSet{rs(1, workload.Ptr[int32](2)), rs(2, nil)}, nil},
	} {
		got := terminatingReplicas(tc.rss)
		if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// The new ReplicaSet's revision is brought up to max(old)+1 as Kubernetes'
// SetNewReplicaSetAnnotations does (util/deployment_util.go): none counts
// as 0 and starts no history; a revision that is not an integer is left
// as it is, out of the history, and so are the Deployment annotations that
// sync would have copied (SetNewReplicaSetAnnotations reports no change).
func TestPlanDeploymentNewRSRevision(t *testing.T) {
	for _, tc := range []struct {
		name, rev              string
		noRev                  bool
		wantRev, wantHist, dep string
		wantCause              string
	}{
		{name: "lower", rev: "1", wantRev: "3", wantHist: "1", dep: "3", wantCause: "rollback"},
		{name: "missing", noRev: true, wantRev: "3", dep: "3", wantCause: "rollback"},
		{name: "not a number", rev: "x", wantRev: "x", dep: "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := testDeploy(2, "1", "0", "v1")
			d.Annotations = map[string]string{"kubernetes.io/change-cause": "rollback"}
			cur := testRSFor(d, "v1", 2, 2, 1, time.Hour)
			if tc.noRev {
				delete(cur.Annotations, workload.RevisionAnnotation)
			} else {
				cur.Annotations[workload.RevisionAnnotation] = tc.rev
			}
			old := testRSFor(d, "v2", 0, 0, 2, time.Minute)
			p := planDeployment(d, deployObserved{ReplicaSets: []*workload.ReplicaSet{cur, old}}, rsNow)
			got := cur
			for _, rs := range p.Update {
				if rs.UID == cur.UID {
					got = rs
				}
			}
			if r := got.Annotations[workload.RevisionAnnotation]; r != tc.wantRev {
				t.Errorf("revision %q, want %q", r, tc.wantRev)
			}
			if h := got.Annotations[workload.RevisionHistoryAnnotation]; h != tc.wantHist {
				t.Errorf("revision-history %q, want %q", h, tc.wantHist)
			}
			if c := got.Annotations["kubernetes.io/change-cause"]; c != tc.wantCause {
				t.Errorf("change-cause %q, want %q", c, tc.wantCause)
			}
			if p.Revision != tc.dep {
				t.Errorf("Deployment revision %q, want %q", p.Revision, tc.dep)
			}
		})
	}
}

// History cleanup deletes the old ReplicaSets first in Kubernetes'
// ReplicaSetsByRevision order (util/deployment_util.go): by revision, but
// by creation (then name) when the two revisions are equal or either is
// not an integer.
func TestPlanDeploymentCleanupOrder(t *testing.T) {
	d := testDeploy(2, "1", "0", "v3")
	d.Spec.RevisionHistoryLimit = workload.Ptr[int32](1)
	d.Status = workload.DeploymentStatus{ObservedGeneration: 1, Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2}
	cur := testRSFor(d, "v3", 2, 2, 6, time.Minute)
	bad := testRSFor(d, "bad", 0, 0, 0, 2*time.Minute)
	bad.Annotations[workload.RevisionAnnotation] = "x"
	older := testRSFor(d, "older", 0, 0, 5, 2*time.Hour)
	p := planDeployment(d, deployObserved{ReplicaSets: []*workload.ReplicaSet{cur, bad, older}}, rsNow)
	if got := sizes(p); !slices.Equal(got, []string{"-older"}) {
		t.Errorf("plan %v, want the older ReplicaSet deleted (before the one without a numeric revision)", got)
	}
}
