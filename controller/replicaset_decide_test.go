package controller

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/orchestra-go/orchestra/workload"
)

var rsNow = time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)

// rsPod builds a pod for the ReplicaSet decision tests. readyAgo < 0
// means not ready.
type rsPodSpec struct {
	name, node, phase string
	readyAgo          time.Duration
	createdAgo        time.Duration
	restarts          int32
	sidecarRestarts   int32 // restarts of a native sidecar (init container, restartPolicy Always)
	deleting          bool
	cost              string
	uid               string
	labels            map[string]string
}

func rsPod(s rsPodSpec) *workload.Pod {
	p := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: s.name, Namespace: "default", UID: s.uid,
		CreationTimestamp: workload.NewTime(rsNow.Add(-s.createdAgo)), Labels: s.labels}}
	if p.Labels == nil {
		p.Labels = map[string]string{"app": "fe"}
	}
	p.Spec.NodeName = s.node
	p.Status.Phase = s.phase
	if p.Status.Phase == "" {
		p.Status.Phase = workload.PodRunning
	}
	st := workload.ConditionFalse
	if s.readyAgo >= 0 {
		st = workload.ConditionTrue
	}
	p.Status.Conditions = []workload.PodCondition{{Type: workload.PodReady, Status: st, LastTransitionTime: workload.NewTime(rsNow.Add(-s.readyAgo))}}
	p.Status.ContainerStatuses = []workload.ContainerStatus{{Name: "main", RestartCount: s.restarts}}
	if s.sidecarRestarts > 0 {
		p.Spec.InitContainers = []workload.Container{{Name: "proxy", Image: "proxy", RestartPolicy: workload.Ptr(workload.ContainerRestartPolicyAlways)},
			{Name: "setup", Image: "setup"}}
		p.Status.InitContainerStatuses = []workload.ContainerStatus{{Name: "proxy", RestartCount: s.sidecarRestarts},
			{Name: "setup", RestartCount: 100}} // a plain init container's restarts do not count
	}
	if s.deleting {
		p.DeletionTimestamp = workload.NewTimePtr(rsNow)
	}
	if s.cost != "" {
		p.Annotations = map[string]string{PodDeletionCostAnnotation: s.cost}
	}
	return p
}

func testRS(replicas int32, minReady int32) *workload.ReplicaSet {
	return &workload.ReplicaSet{
		ObjectMeta: workload.ObjectMeta{Name: "fe", Namespace: "default", Generation: 4},
		Spec: workload.ReplicaSetSpec{
			Replicas: &replicas, MinReadySeconds: minReady,
			Selector: &workload.LabelSelector{MatchLabels: map[string]string{"app": "fe"}},
			Template: workload.PodTemplateSpec{ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": "fe", "tier": "web"}}},
		},
	}
}

func TestSlowStartBatches(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want []int
	}{
		{0, nil},
		{1, []int{1}},
		{3, []int{1, 2}},
		{10, []int{1, 2, 4, 3}},
		{500, []int{1, 2, 4, 8, 16, 32, 64, 128, 245}},
	} {
		if got := slowStartBatches(tc.n); !slices.Equal(got, tc.want) {
			t.Errorf("slowStartBatches(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
}

func TestPodsToDeleteOrder(t *testing.T) {
	for _, tc := range []struct {
		name string
		pods []rsPodSpec
		want []string // the full deletion order
	}{
		{"unscheduled before scheduled", []rsPodSpec{
			{name: "a", node: "n1", phase: workload.PodPending, readyAgo: -1},
			{name: "b", phase: workload.PodPending, readyAgo: -1},
		}, []string{"b", "a"}},
		{"pending before unknown before running", []rsPodSpec{
			{name: "run", node: "n1", readyAgo: -1},
			{name: "unk", node: "n2", phase: workload.PodUnknown, readyAgo: -1},
			{name: "pend", node: "n3", phase: workload.PodPending, readyAgo: -1},
		}, []string{"pend", "unk", "run"}},
		{"not ready before ready", []rsPodSpec{
			{name: "ready", node: "n1", readyAgo: time.Minute},
			{name: "unready", node: "n2", readyAgo: -1},
		}, []string{"unready", "ready"}},
		{"lower deletion cost first", []rsPodSpec{
			{name: "dear", node: "n1", readyAgo: time.Minute, cost: "100"},
			{name: "cheap", node: "n2", readyAgo: time.Minute, cost: "-5"},
			{name: "plain", node: "n3", readyAgo: time.Minute},
		}, []string{"cheap", "plain", "dear"}},
		{"more colocated first", []rsPodSpec{
			{name: "alone", node: "n1", readyAgo: time.Second},
			{name: "pair-1", node: "n2", readyAgo: time.Hour},
			{name: "pair-2", node: "n2", readyAgo: 2 * time.Hour},
		}, []string{"pair-1", "pair-2", "alone"}},
		{"more recently ready first", []rsPodSpec{
			{name: "old", node: "n1", readyAgo: time.Hour},
			{name: "new", node: "n2", readyAgo: time.Minute},
		}, []string{"new", "old"}},
		{"more restarts first", []rsPodSpec{
			{name: "calm", node: "n1", readyAgo: time.Minute},
			{name: "flappy", node: "n2", readyAgo: time.Minute, restarts: 3},
		}, []string{"flappy", "calm"}},
		{"equal container restarts: more sidecar restarts first", []rsPodSpec{
			{name: "calm", node: "n1", readyAgo: time.Minute, restarts: 2},
			{name: "sidecar", node: "n2", readyAgo: time.Minute, restarts: 2, sidecarRestarts: 4},
			{name: "main", node: "n3", readyAgo: time.Minute, restarts: 3},
		}, []string{"main", "sidecar", "calm"}},
		{"ready times in one log2 bucket: by UID, restarts aside", []rsPodSpec{
			{name: "newer", node: "n1", readyAgo: 90 * time.Second, uid: "b"},
			{name: "flappy", node: "n2", readyAgo: 100 * time.Second, uid: "c", restarts: 5},
			{name: "older", node: "n3", readyAgo: 110 * time.Second, uid: "a"},
		}, []string{"older", "newer", "flappy"}},
		{"creation times in one log2 bucket: by UID", []rsPodSpec{
			{name: "newer", node: "n1", readyAgo: -1, createdAgo: 70 * time.Second, uid: "b"},
			{name: "older", node: "n2", readyAgo: -1, createdAgo: 130 * time.Second, uid: "a"},
			{name: "oldest", node: "n3", readyAgo: -1, createdAgo: 140 * time.Second, uid: "0"},
		}, []string{"older", "newer", "oldest"}},
		{"newer first, then by name", []rsPodSpec{
			{name: "b", node: "n1", readyAgo: -1, createdAgo: time.Hour},
			{name: "c", node: "n2", readyAgo: -1, createdAgo: time.Minute},
			{name: "a", node: "n3", readyAgo: -1, createdAgo: time.Hour},
		}, []string{"c", "a", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pods []*workload.Pod
			for _, s := range tc.pods {
				pods = append(pods, rsPod(s))
			}
			got := podNamesOf(podsToDelete(pods, pods, len(pods), rsNow))
			if !slices.Equal(got, tc.want) {
				t.Errorf("order = %v, want %v", got, tc.want)
			}
		})
	}
}

func podNamesOf(pods []*workload.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

func TestDecideReplicaSet(t *testing.T) {
	many := func(n int) []rsPodSpec {
		var out []rsPodSpec
		for i := range n {
			out = append(out, rsPodSpec{name: "p" + string(rune('a'+i%26)) + string(rune('a'+i/26)), node: "n", readyAgo: time.Minute})
		}
		return out
	}
	zero := workload.Ptr[int32](0)
	for _, tc := range []struct {
		name     string
		replicas int32
		minReady int32
		deleting bool
		pods     []rsPodSpec
		create   int
		delete   []string
		status   workload.ReplicaSetStatus
		requeue  time.Duration
	}{
		{name: "creates the missing pods", replicas: 3, pods: []rsPodSpec{{name: "a", node: "n", readyAgo: time.Minute, labels: map[string]string{"app": "fe", "tier": "web"}}},
			create: 2, status: workload.ReplicaSetStatus{TerminatingReplicas: zero, Replicas: 1, FullyLabeledReplicas: 1, ReadyReplicas: 1, AvailableReplicas: 1, ObservedGeneration: 4}},
		{name: "at most 500 per sync", replicas: 1000, create: 500, status: workload.ReplicaSetStatus{TerminatingReplicas: zero, ObservedGeneration: 4}},
		{name: "terminating and finished pods do not count", replicas: 2, pods: []rsPodSpec{
			{name: "a", node: "n", readyAgo: time.Minute, deleting: true},
			{name: "b", node: "n", phase: workload.PodFailed, readyAgo: -1},
			{name: "c", node: "n", phase: workload.PodSucceeded, readyAgo: -1},
			{name: "d", node: "n", readyAgo: -1},
		}, create: 1, status: workload.ReplicaSetStatus{TerminatingReplicas: workload.Ptr[int32](1), Replicas: 1, ObservedGeneration: 4}},
		{name: "deletes the extra pods in order", replicas: 1, pods: []rsPodSpec{
			{name: "a", node: "n1", readyAgo: time.Hour},
			{name: "b", node: "n2", readyAgo: -1},
			{name: "c", node: "n3", readyAgo: time.Minute},
		}, delete: []string{"b", "c"}, status: workload.ReplicaSetStatus{TerminatingReplicas: zero, Replicas: 3, ReadyReplicas: 2, AvailableReplicas: 2, ObservedGeneration: 4}},
		{name: "minReadySeconds holds availability and requeues at the instant", replicas: 2, minReady: 30, pods: []rsPodSpec{
			{name: "a", node: "n", readyAgo: time.Minute},
			{name: "b", node: "n", readyAgo: 20 * time.Second},
			{name: "c", node: "n", readyAgo: 10 * time.Second},
		}, delete: []string{"c"}, status: workload.ReplicaSetStatus{TerminatingReplicas: zero, Replicas: 3, ReadyReplicas: 3, AvailableReplicas: 1, ObservedGeneration: 4},
			requeue: 10 * time.Second},
		{name: "a ReplicaSet being deleted only reports", replicas: 0, deleting: true, pods: []rsPodSpec{{name: "a", node: "n", readyAgo: -1}},
			status: workload.ReplicaSetStatus{TerminatingReplicas: zero, Replicas: 1, ObservedGeneration: 4}},
		{name: "nothing to do", replicas: 30, pods: many(30),
			status: workload.ReplicaSetStatus{TerminatingReplicas: zero, Replicas: 30, ReadyReplicas: 30, AvailableReplicas: 30, ObservedGeneration: 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := testRS(tc.replicas, tc.minReady)
			if tc.deleting {
				rs.DeletionTimestamp = workload.NewTimePtr(rsNow)
			}
			var pods []*workload.Pod
			for _, s := range tc.pods {
				pods = append(pods, rsPod(s))
			}
			d := decideReplicaSet(rs, pods, nil, rsNow)
			if d.Create != tc.create {
				t.Errorf("create = %d, want %d", d.Create, tc.create)
			}
			if got := podNamesOf(d.Delete); !slices.Equal(got, tc.delete) {
				t.Errorf("delete = %v, want %v", got, tc.delete)
			}
			if diff := cmp.Diff(tc.status, d.Status); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
			if d.RequeueAfter != tc.requeue {
				t.Errorf("requeue = %v, want %v", d.RequeueAfter, tc.requeue)
			}
		})
	}
}

func TestClaimPods(t *testing.T) {
	sel := labels.SelectorFromSet(labels.Set{"app": "fe"})
	owned := []*workload.Pod{
		rsPod(rsPodSpec{name: "keep"}),
		rsPod(rsPodSpec{name: "relabelled", labels: map[string]string{"app": "debug"}}),
		// Finished: not released (FilterActivePods comes first).
		rsPod(rsPodSpec{name: "done-relabelled", phase: workload.PodSucceeded, labels: map[string]string{"app": "debug"}}),
	}
	orphans := []*workload.Pod{
		rsPod(rsPodSpec{name: "match"}),
		rsPod(rsPodSpec{name: "other", labels: map[string]string{"app": "be"}}),
		rsPod(rsPodSpec{name: "going", deleting: true}),
		rsPod(rsPodSpec{name: "succeeded", phase: workload.PodSucceeded}),
		rsPod(rsPodSpec{name: "failed", phase: workload.PodFailed}),
	}
	adopt, release := claimPods(sel, owned, orphans)
	if got := podNamesOf(adopt); !slices.Equal(got, []string{"match"}) {
		t.Errorf("adopt = %v, want [match]", got)
	}
	if got := podNamesOf(release); !slices.Equal(got, []string{"relabelled"}) {
		t.Errorf("release = %v, want [relabelled]", got)
	}
}
