package breakit_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/workload"
)

// A StatefulSet update may change replicas, ordinals, template,
// updateStrategy, revisionHistoryLimit, persistentVolumeClaimRetentionPolicy
// and minReadySeconds, and nothing else. The refusal uses the API server's
// words, as kubectl prints them:
//
//	spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden
//
// and a refused update changes nothing.
// Source: pkg/apis/apps/validation/validation.go ValidateStatefulSetUpdate.
func TestR8StatefulSetUpdateMutableFields(t *testing.T) {
	const detail = "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
	for _, tc := range []struct {
		field string // "" when the update is allowed
		edit  func(*workload.StatefulSet)
	}{
		{"", func(s *workload.StatefulSet) { s.Spec.RevisionHistoryLimit = workload.Ptr[int32](3) }},
		{"", func(s *workload.StatefulSet) { s.Spec.MinReadySeconds = 5 }},
		{"spec.serviceName", func(s *workload.StatefulSet) { s.Spec.ServiceName = "db2" }},
		{"spec.podManagementPolicy", func(s *workload.StatefulSet) { s.Spec.PodManagementPolicy = workload.ParallelPodManagement }},
	} {
		c := newCluster(t, "a")
		applyYAML(t, c, `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template: {metadata: {labels: {app: db}}, spec: {containers: [{name: c, image: mysql}]}}`)
		o, err := c.Get("StatefulSet", "default", "db")
		if err != nil {
			t.Fatal(err)
		}
		before := o.(*workload.StatefulSet)
		s := before.DeepCopy()
		tc.edit(s)
		_, err = c.Apply(s)
		if tc.field == "" {
			if err != nil {
				t.Errorf("an allowed update was refused: %v", err)
			}
			continue
		}
		if err == nil || !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "StatefulSet/default/db: "+tc.field+": "+detail) {
			t.Errorf("changing %s: %v, want %q", tc.field, err, tc.field+": "+detail)
		}
		after, _ := c.Get("StatefulSet", "default", "db")
		if after.GetObjectMeta().ResourceVersion != before.ResourceVersion {
			t.Errorf("changing %s: the refused update changed the stored StatefulSet", tc.field)
		}
	}
}

// A write to a closed cluster fails with ErrClosed and names the object it
// was about, once: "apply Pod/default/q: orchestra: the cluster is closed",
// not "orchestra: apply: orchestra: the cluster is closed".
func TestR8ClosedClusterErrorsNameTheObject(t *testing.T) {
	c := newCluster(t, "a")
	c.Close()
	_, applyErr := c.Apply(r3pod("q"))
	for _, tc := range []struct {
		err  error
		want string
	}{
		{applyErr, "apply Pod/default/q: orchestra: the cluster is closed"},
		{c.Delete("Deployment", "shop", "web", ""), "delete Deployment/shop/web: orchestra: the cluster is closed"},
		{c.Delete("Node", "", "a", ""), "delete Node/a: orchestra: the cluster is closed"},
		{c.DeletePod("default", "p", nil), "delete Pod/default/p: orchestra: the cluster is closed"},
	} {
		if !errors.Is(tc.err, orchestra.ErrClosed) || tc.err.Error() != tc.want {
			t.Errorf("got %v, want %q wrapping ErrClosed", tc.err, tc.want)
		}
	}
}

// A readiness probe that fails (fake SetContainerReady) takes the pod out
// of its Service's picker without a restart, as the kubelet's prober and
// the EndpointSlice controller do; when it succeeds again, the pod is back.
func TestR8FailingReadinessProbeLeavesThePicker(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}`)
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	pk, err := c.Services().Picker("default", "web", "http")
	if err != nil {
		t.Fatal(err)
	}
	picked := func() map[string]int {
		seen := map[string]int{}
		for i := 0; i < 4; i++ {
			ep, err := pk.Pick()
			if err != nil {
				t.Fatal(err)
			}
			seen[ep.PodName]++
		}
		return seen
	}
	pods, err := c.Pods("default", "app=web")
	if err != nil || len(pods) != 2 {
		t.Fatalf("pods %v, %v", pods, err)
	}
	if seen := picked(); len(seen) != 2 {
		t.Fatalf("picked %v, want both pods", seen)
	}
	bad := pods[0].Name
	if err := c.Fake().SetContainerReady("default", bad, "c", false); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(0); err != nil {
		t.Fatal(err)
	}
	if seen := picked(); seen[bad] != 0 || len(seen) != 1 {
		t.Errorf("picked %v after %s's probe failed, want only the other pod", seen, bad)
	}
	p, err := c.Get("Pod", "default", bad)
	if err != nil {
		t.Fatal(err)
	}
	if cs := p.(*workload.Pod).Status.ContainerStatuses[0]; cs.RestartCount != 0 || cs.State.Running == nil {
		t.Errorf("%s: restarts %d, running %v: a failing readiness probe restarts nothing", bad, cs.RestartCount, cs.State.Running != nil)
	}
	if err := c.Fake().SetContainerReady("default", bad, "c", true); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(0); err != nil {
		t.Fatal(err)
	}
	if seen := picked(); len(seen) != 2 {
		t.Errorf("picked %v after the probe succeeded again, want both pods", seen)
	}
}

// A pod deleted after the kubelet bridge started it on the runtime but
// before its runtime finalizer was written (a Delete from another
// goroutine landing in that step) is deleted gracefully all the same: it
// is Terminating in the API, and the runtime is asked to stop it with its
// grace period, as for any bound pod (the API server's graceful pod
// deletion, then the kubelet's kill with the pod's grace), not at once as
// an orphan.
func TestR8PodDeletedWhileStartingGetsItsGrace(t *testing.T) {
	c := newCluster(t, "a")
	fired := false
	var graces []time.Duration
	c.Fake().SetHooks(fake.Hooks{
		FailCreate: func(p *workload.Pod) error {
			if p.Name == "p" && !fired {
				fired = true
				// Deleted in the store while the runtime starts it.
				if err := c.DeletePod("default", "p", nil); err != nil {
					t.Error(err)
				}
			}
			return nil
		},
		FailDelete: func(ns, name string, grace time.Duration) error {
			graces = append(graces, grace)
			return nil
		},
	})
	if _, err := c.Apply(&workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "p"},
		Spec: workload.PodSpec{TerminationGracePeriodSeconds: workload.Ptr[int64](20),
			Containers: []workload.Container{{Name: "c", Image: "nginx"}}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RunUntil(func() bool { return fired }, time.Minute); err != nil {
		t.Fatal(err)
	}
	if !fired {
		t.Fatal("the pod was never started")
	}
	if len(graces) == 0 || graces[0] != 20*time.Second {
		t.Errorf("the runtime was asked to stop the pod with grace %v, want 20s first", graces)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get("Pod", "default", "p"); err == nil {
		t.Error("the pod is still in the store a minute later")
	}
	if _, err := c.Fake().GetPod("default", "p"); err == nil {
		t.Error("the runtime's pod is still there a minute later")
	}
}
