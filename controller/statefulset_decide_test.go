package controller

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/orchestra-go/orchestra/workload"
)

func TestStsOrdinal(t *testing.T) {
	for _, tc := range []struct {
		set, pod string
		want     int
	}{
		{"web", "web-0", 0},
		{"web", "web-12", 12},
		{"web", "web-x", -1},
		{"web", "web-", -1},
		{"web", "web-01", -1},
		{"web", "webby-1", -1},
		{"web-a", "web-a-3", 3},
		{"web", "web--1", -1},
	} {
		if got := stsOrdinal(tc.set, tc.pod); got != tc.want {
			t.Errorf("stsOrdinal(%q, %q) = %d, want %d", tc.set, tc.pod, got, tc.want)
		}
	}
}

func TestStsMaxUnavailable(t *testing.T) {
	for _, tc := range []struct {
		v    string
		n    int32
		want int
	}{
		{"", 5, 1},
		{"2", 5, 2},
		{"50%", 5, 2}, // rounds down
		{"10%", 5, 1}, // at least 1
	} {
		set := testSts(tc.n, "", 0)
		if tc.v != "" {
			v := intstr.Parse(tc.v)
			set.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = &v
		}
		if got := stsMaxUnavailable(set); got != tc.want {
			t.Errorf("maxUnavailable %q of %d = %d, want %d", tc.v, tc.n, got, tc.want)
		}
	}
}

func testSts(replicas int32, policy string, partition int32) *workload.StatefulSet {
	if policy == "" {
		policy = workload.OrderedReadyPodManagement
	}
	return &workload.StatefulSet{
		ObjectMeta: workload.ObjectMeta{Name: "db", Namespace: "default", UID: "sts-uid", Generation: 2},
		Spec: workload.StatefulSetSpec{
			Replicas:            &replicas,
			ServiceName:         "db",
			PodManagementPolicy: policy,
			Selector:            &workload.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
			Template:            workload.PodTemplateSpec{ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": "db"}}},
			UpdateStrategy: workload.StatefulSetUpdateStrategy{Type: workload.RollingUpdateStrategy,
				RollingUpdate: &workload.RollingUpdateStatefulSetStrategy{Partition: &partition}},
		},
	}
}

// stsPod is pod db-<ord> at revision rev; state is "ready", "running"
// (not ready), "pending", "failed" or "deleting".
func stsPod(ord int, rev, state string) *workload.Pod {
	p := rsPod(rsPodSpec{name: fmt.Sprintf("db-%d", ord), node: "n", readyAgo: time.Minute})
	p.Labels = map[string]string{"app": "db", workload.ControllerRevisionHashLabel: rev,
		workload.StatefulSetPodNameLabel: p.Name, workload.PodIndexLabel: fmt.Sprint(ord)}
	switch state {
	case "running":
		p.Status.Conditions[0].Status = workload.ConditionFalse
	case "pending":
		p.Status.Phase = workload.PodPending
		p.Status.Conditions[0].Status = workload.ConditionFalse
	case "failed":
		p.Status.Phase = workload.PodFailed
		p.Status.Conditions[0].Status = workload.ConditionFalse
	case "deleting":
		p.DeletionTimestamp = workload.NewTimePtr(rsNow)
	}
	return p
}

func TestDecideStatefulSet(t *testing.T) {
	type podIn struct {
		ord          int
		rev, state   string
		deleteLabels bool
	}
	for _, tc := range []struct {
		name           string
		set            *workload.StatefulSet
		pods           []podIn
		create, delete []string // "db-1@rev"
		relabel        []string
		current        int32
		updated        int32
		updating       bool // current revision r1, update r2 (else both r2)
	}{
		{name: "ordered: creates ordinal 0 only", set: testSts(3, "", 0),
			create: []string{"db-0@r2"}},
		{name: "ordered: the next ordinal once the previous is ready", set: testSts(3, "", 0),
			pods:   []podIn{{0, "r2", "ready", false}},
			create: []string{"db-1@r2"}, current: 1, updated: 1},
		{name: "ordered: waits for a pod that is not ready", set: testSts(3, "", 0),
			pods:    []podIn{{0, "r2", "running", false}},
			current: 1, updated: 1},
		{name: "parallel: creates every missing pod", set: testSts(3, workload.ParallelPodManagement, 0),
			pods:   []podIn{{1, "r2", "running", false}},
			create: []string{"db-0@r2", "db-2@r2"}, current: 1, updated: 1},
		{name: "a failed pod is deleted, to come back", set: testSts(2, "", 0),
			pods:   []podIn{{0, "r2", "failed", false}, {1, "r2", "ready", false}},
			delete: []string{"db-0"}, current: 2, updated: 2},
		{name: "ordered scale-down: the highest ordinal, one at a time", set: testSts(1, "", 0),
			pods:   []podIn{{0, "r2", "ready", false}, {1, "r2", "ready", false}, {2, "r2", "ready", false}},
			delete: []string{"db-2"}, current: 3, updated: 3},
		{name: "ordered scale-down waits for the previous deletion", set: testSts(1, "", 0),
			pods:    []podIn{{0, "r2", "ready", false}, {1, "r2", "ready", false}, {2, "r2", "deleting", false}},
			current: 2, updated: 2},
		{name: "parallel scale-down: all at once", set: testSts(1, workload.ParallelPodManagement, 0),
			pods:   []podIn{{0, "r2", "ready", false}, {1, "r2", "ready", false}, {2, "r2", "ready", false}},
			delete: []string{"db-2", "db-1"}, current: 3, updated: 3},
		{name: "rolling update from the highest ordinal", updating: true, set: testSts(3, "", 0),
			pods:   []podIn{{0, "r1", "ready", false}, {1, "r1", "ready", false}, {2, "r1", "ready", false}},
			delete: []string{"db-2"}, current: 2, updated: 0},
		{name: "rolling update waits for an unhealthy pod", updating: true, set: testSts(3, "", 0),
			pods:    []podIn{{0, "r1", "ready", false}, {1, "r1", "ready", false}, {2, "r2", "running", false}},
			current: 2, updated: 1},
		{name: "partition keeps lower ordinals", updating: true, set: testSts(3, "", 2),
			pods:    []podIn{{0, "r1", "ready", false}, {1, "r1", "ready", false}, {2, "r2", "ready", false}},
			current: 2, updated: 1},
		{name: "below the partition a pod is recreated at the current revision", updating: true, set: testSts(3, "", 2),
			pods:   []podIn{{1, "r1", "ready", false}, {2, "r2", "ready", false}},
			create: []string{"db-0@r1"}, current: 1, updated: 1},
		{name: "maxUnavailable 2 deletes two at once", updating: true, set: func() *workload.StatefulSet {
			s := testSts(4, workload.ParallelPodManagement, 0)
			v := intstr.FromInt32(2)
			s.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = &v
			return s
		}(),
			pods:   []podIn{{0, "r1", "ready", false}, {1, "r1", "ready", false}, {2, "r1", "ready", false}, {3, "r1", "ready", false}},
			delete: []string{"db-3", "db-2"}, current: 2},
		{name: "OnDelete updates nothing", updating: true, set: func() *workload.StatefulSet {
			s := testSts(2, "", 0)
			s.Spec.UpdateStrategy = workload.StatefulSetUpdateStrategy{Type: workload.OnDeleteStrategy}
			return s
		}(),
			pods:    []podIn{{0, "r1", "ready", false}, {1, "r1", "ready", false}},
			current: 2},
		{name: "identity labels are restored", set: testSts(1, "", 0),
			pods:    []podIn{{0, "r2", "ready", true}},
			relabel: []string{"db-0"}, current: 1, updated: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := stsInput{Set: tc.set, CurrentRevision: "r1", UpdateRevision: "r2",
				CurrentTemplate: &tc.set.Spec.Template, UpdateTemplate: &tc.set.Spec.Template}
			if !tc.updating {
				in.CurrentRevision = "r2"
			}
			for _, p := range tc.pods {
				pod := stsPod(p.ord, p.rev, p.state)
				if p.deleteLabels {
					delete(pod.Labels, workload.PodIndexLabel)
				}
				in.Pods = append(in.Pods, pod)
			}
			d := decideStatefulSet(in, rsNow)
			var create []string
			for _, p := range d.Create {
				create = append(create, p.Name+"@"+p.Labels[workload.ControllerRevisionHashLabel])
				if p.Spec.Hostname != p.Name || p.Spec.Subdomain != "db" || p.Labels[workload.StatefulSetPodNameLabel] != p.Name {
					t.Errorf("pod %s: hostname %q subdomain %q labels %v", p.Name, p.Spec.Hostname, p.Spec.Subdomain, p.Labels)
				}
			}
			if !slices.Equal(create, tc.create) {
				t.Errorf("create = %v, want %v", create, tc.create)
			}
			if got := podNamesOf(d.Delete); !slices.Equal(got, tc.delete) {
				t.Errorf("delete = %v, want %v", got, tc.delete)
			}
			if got := podNamesOf(d.Relabel); !slices.Equal(got, tc.relabel) {
				t.Errorf("relabel = %v, want %v", got, tc.relabel)
			}
			if d.Status.CurrentReplicas != tc.current || d.Status.UpdatedReplicas != tc.updated {
				t.Errorf("current %d updated %d, want %d and %d", d.Status.CurrentReplicas, d.Status.UpdatedReplicas, tc.current, tc.updated)
			}
		})
	}
}

func TestStsStatusCompletesTheRollingUpdate(t *testing.T) {
	set := testSts(2, "", 0)
	in := stsInput{Set: set, CurrentRevision: "r1", UpdateRevision: "r2",
		Pods: []*workload.Pod{stsPod(0, "r2", "ready"), stsPod(1, "r2", "ready")}}
	st, _ := stsStatus(in, rsNow)
	if st.CurrentRevision != "r2" || st.CurrentReplicas != 2 || st.UpdatedReplicas != 2 || st.ReadyReplicas != 2 || st.ObservedGeneration != 2 {
		t.Errorf("status = %+v", st)
	}
	in.Pods[1] = stsPod(1, "r2", "running")
	if st, _ := stsStatus(in, rsNow); st.CurrentRevision != "r1" || st.CurrentReplicas != 0 {
		t.Errorf("with a pod not ready: status = %+v", st)
	}
}

func TestClaimOwners(t *testing.T) {
	pod := stsPod(3, "r1", "ready")
	pod.UID = "pod-uid"
	other := workload.OwnerReference{Kind: "Thing", Name: "x", UID: "x"}
	for _, tc := range []struct {
		whenDeleted, whenScaled string
		inRange                 bool
		want                    []string
	}{
		{"Retain", "Retain", true, []string{"Thing"}},
		{"Retain", "Retain", false, []string{"Thing"}},
		{"Delete", "Retain", true, []string{"Thing", "StatefulSet"}},
		{"Delete", "Retain", false, []string{"Thing", "StatefulSet"}},
		{"Retain", "Delete", true, []string{"Thing"}},
		{"Retain", "Delete", false, []string{"Thing", "Pod"}},
		{"Delete", "Delete", true, []string{"Thing", "StatefulSet"}},
		{"Delete", "Delete", false, []string{"Thing", "Pod"}},
	} {
		set := testSts(1, "", 0)
		set.Spec.PersistentVolumeClaimRetentionPolicy = &workload.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenDeleted: tc.whenDeleted, WhenScaled: tc.whenScaled}
		stale := []workload.OwnerReference{other, workload.NewControllerRef(set), {Kind: "Pod", Name: "db-3", UID: "pod-uid"}}
		var got []string
		for _, r := range claimOwners(set, pod, tc.inRange, stale) {
			got = append(got, r.Kind)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s/%s inRange=%v: owners %v, want %v", tc.whenDeleted, tc.whenScaled, tc.inRange, got, tc.want)
		}
	}
}

// A claim that another controller owns, or that names an earlier
// incarnation of the set or of the pod, is left alone under a Delete
// policy: only the refs to this set and pod (by name) are scrubbed and none
// is added, as Kubernetes' hasUnexpectedController and
// updateClaimOwnerRefForSetAndPod (the stale refs go; the next sync adds
// the right ones). Refs to other pods stay.
func TestClaimOwnersUnexpectedController(t *testing.T) {
	pod := stsPod(3, "r1", "ready")
	pod.UID = "pod-uid"
	yes := true
	foreign := workload.OwnerReference{APIVersion: "example.com/v1", Kind: "Keeper", Name: "k", UID: "k", Controller: &yes}
	otherPod := workload.OwnerReference{APIVersion: "v1", Kind: "Pod", Name: "db-9", UID: "p9"}
	for _, tc := range []struct {
		name                    string
		whenDeleted, whenScaled string
		inRange                 bool
		refs                    []workload.OwnerReference
		want                    []string
	}{
		{"foreign controller, whenDeleted Delete", "Delete", "Retain", true, []workload.OwnerReference{foreign}, []string{"Keeper/k"}},
		{"foreign controller, whenScaled Delete", "Retain", "Delete", false, []workload.OwnerReference{foreign}, []string{"Keeper/k"}},
		{"foreign controller, Retain", "Retain", "Retain", true, []workload.OwnerReference{foreign}, []string{"Keeper/k"}},
		{"old set incarnation", "Delete", "Delete", true, []workload.OwnerReference{{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "db", UID: "old-set"}}, nil},
		{"old pod incarnation", "Retain", "Delete", false, []workload.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: "db-3", UID: "old-pod"}}, nil},
		{"another pod's ref stays", "Delete", "Retain", true, []workload.OwnerReference{otherPod}, []string{"Pod/db-9", "StatefulSet/db"}},
	} {
		set := testSts(1, "", 0)
		set.Spec.PersistentVolumeClaimRetentionPolicy = &workload.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenDeleted: tc.whenDeleted, WhenScaled: tc.whenScaled}
		var got []string
		for _, r := range claimOwners(set, pod, tc.inRange, tc.refs) {
			got = append(got, r.Kind+"/"+r.Name)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: owners %v, want %v", tc.name, got, tc.want)
		}
	}
}

// Kubernetes' completeRollingUpdate (stateful_set_utils.go) compares the
// updated and ready counts with status.replicas, the pods that exist, not
// with spec.replicas: a rollout is complete once every existing pod is
// updated and ready, while a scale-down still has condemned pods to remove
// or a scale-up has pods still to make.
func TestStsStatusCompletesAgainstExistingPods(t *testing.T) {
	for _, tc := range []struct {
		name     string
		replicas int32
		pods     []*workload.Pod
		current  int32
	}{
		{"scale-down pending", 1, []*workload.Pod{stsPod(0, "r2", "ready"), stsPod(1, "r2", "ready"), stsPod(2, "r2", "ready")}, 3},
		{"scale-up pending", 3, []*workload.Pod{stsPod(0, "r2", "ready")}, 1},
	} {
		in := stsInput{Set: testSts(tc.replicas, "", 0), CurrentRevision: "r1", UpdateRevision: "r2", Pods: tc.pods}
		st, _ := stsStatus(in, rsNow)
		if st.CurrentRevision != "r2" || st.CurrentReplicas != tc.current {
			t.Errorf("%s: currentRevision %q currentReplicas %d, want r2 and %d", tc.name, st.CurrentRevision, st.CurrentReplicas, tc.current)
		}
	}
}
