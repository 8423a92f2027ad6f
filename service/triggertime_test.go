package service_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/workload"
)

// The Endpoints and EndpointSlice controllers annotate what they write
// with endpoints.kubernetes.io/last-change-trigger-time, as Kubernetes'
// TriggerTimeTracker: the Service's creationTimestamp at its first sync,
// then the earliest pod Ready transition (or Service creation) that moved
// since the last sync; a write with no such change (the Service's labels
// changed) removes it. kube-proxy reads it to measure programming latency
// and, since kubernetes/kubernetes#135334, to order duplicate endpoints.
func TestLastChangeTriggerTime(t *testing.T) {
	c := newCluster(t, "node-a")
	apply(t, c, newService("web", "web"))
	advance(t, c, time.Second)
	so, err := c.Get("Service", "default", "web")
	if err != nil {
		t.Fatal(err)
	}
	created := so.GetObjectMeta().CreationTimestamp.UTC().Format(time.RFC3339Nano)
	annotations := func() (slices []string, ep string) {
		t.Helper()
		objs, err := c.List("EndpointSlice", "default", workload.LabelServiceName+"=web")
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			v, ok := o.GetObjectMeta().Annotations[service.AnnotationLastChangeTriggerTime]
			if !ok {
				v = "<none>"
			}
			slices = append(slices, v)
		}
		o, err := c.Get("Endpoints", "default", "web")
		if err != nil {
			t.Fatal(err)
		}
		ep, ok := o.GetObjectMeta().Annotations[service.AnnotationLastChangeTriggerTime]
		if !ok {
			ep = "<none>"
		}
		return slices, ep
	}
	check := func(step, want string) {
		t.Helper()
		sl, ep := annotations()
		if len(sl) != 1 || sl[0] != want || ep != want {
			t.Fatalf("%s: EndpointSlices %v, Endpoints %q; want %q on each", step, sl, ep, want)
		}
	}
	check("Service created", created)

	apply(t, c, newPod("web-0", "web", onNode("node-a"), annotate(fake.AnnotationReadyAfter, "5s")))
	advance(t, c, 10*time.Second)
	po, err := c.Get("Pod", "default", "web-0")
	if err != nil {
		t.Fatal(err)
	}
	var readyAt time.Time
	for _, cond := range po.(*workload.Pod).Status.Conditions {
		if cond.Type == workload.PodReady && cond.Status == workload.ConditionTrue {
			readyAt = cond.LastTransitionTime.Time
		}
	}
	if readyAt.IsZero() {
		t.Fatal("web-0 is not ready")
	}
	check("pod ready", readyAt.UTC().Format(time.RFC3339Nano))

	// A change of the Service's labels rewrites both, with no trigger.
	svc := so.(*workload.Service)
	svc.Labels = map[string]string{"team": "x"}
	svc.ResourceVersion = ""
	apply(t, c, svc)
	advance(t, c, time.Second)
	check("Service relabelled", "<none>")

	// A restarted control plane knows nothing of the past: its first sync
	// writes the creationTimestamp (here on the slice, which it writes
	// because a pod became ready while it was down).
	c.StopControlPlane()
	if err := c.Fake().SetContainerReady("default", "web-0", "main", false); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	if err := c.StartControlPlane(); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	check("first sync after a restart", created)
}
