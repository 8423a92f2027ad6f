package service_test

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// newCluster returns a virtual-time cluster on the fake runtime with nodes
// "name" or "name@zone".
func newCluster(t testing.TB, nodes ...string) *orchestra.Cluster {
	t.Helper()
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(t0), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	for _, n := range nodes {
		name, zone, _ := strings.Cut(n, "@")
		node := &workload.Node{ObjectMeta: workload.ObjectMeta{Name: name}}
		if zone != "" {
			node.Labels = map[string]string{workload.LabelZone: zone}
		}
		if err := c.Fake().AddNode(node); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

type podOpt func(*workload.Pod)

func onNode(n string) podOpt { return func(p *workload.Pod) { p.Spec.NodeName = n } }
func annotate(k, v string) podOpt {
	return func(p *workload.Pod) {
		if p.Annotations == nil {
			p.Annotations = map[string]string{}
		}
		p.Annotations[k] = v
	}
}
func port(name string, n int32) podOpt {
	return func(p *workload.Pod) {
		p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, workload.ContainerPort{Name: name, ContainerPort: n})
	}
}
func lbl(k, v string) podOpt { return func(p *workload.Pod) { p.Labels[k] = v } }

func apply(t testing.TB, c *orchestra.Cluster, o workload.Object) {
	t.Helper()
	if _, err := c.Apply(o); err != nil {
		t.Fatal(err)
	}
}

func newPod(name, app string, opts ...podOpt) *workload.Pod {
	p := &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": app}},
		Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "nginx"}}},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func newService(name, app string, ports ...workload.ServicePort) *workload.Service {
	if len(ports) == 0 {
		ports = []workload.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}
	}
	return &workload.Service{
		ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       workload.ServiceSpec{Selector: map[string]string{"app": app}, Ports: ports},
	}
}

func advance(t testing.TB, c *orchestra.Cluster, d time.Duration) {
	t.Helper()
	if err := c.Advance(d); err != nil {
		t.Fatal(err)
	}
}

// endpoints summarises a Service's slices, one line per endpoint, sorted:
// "pod ip ports r/s/t node zone [hostname]", with R, S, T for true
// conditions and - for false.
func endpoints(t testing.TB, c *orchestra.Cluster, svc string) []string {
	t.Helper()
	objs, err := c.List("EndpointSlice", "default", workload.LabelServiceName+"="+svc)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range objs {
		es := o.(*workload.EndpointSlice)
		if es.Labels[workload.LabelManagedBy] != service.ManagedBy || len(es.OwnerReferences) != 1 || es.OwnerReferences[0].Name != svc {
			t.Errorf("slice %s: labels %v owners %v", es.Name, es.Labels, es.OwnerReferences)
		}
		if len(es.Endpoints) > workload.EndpointSliceMaxLen {
			t.Errorf("slice %s has %d endpoints", es.Name, len(es.Endpoints))
		}
		var ports []string
		for _, p := range es.Ports {
			ports = append(ports, fmt.Sprintf("%s=%d", *p.Name, *p.Port))
		}
		for _, ep := range es.Endpoints {
			cond := func(b *bool, c string) string {
				if b != nil && *b {
					return c
				}
				return "-"
			}
			s := fmt.Sprintf("%s %s [%s] %s%s%s %s %s", ep.TargetRef.Name, ep.Addresses[0], strings.Join(ports, ","),
				cond(ep.Conditions.Ready, "R"), cond(ep.Conditions.Serving, "S"), cond(ep.Conditions.Terminating, "T"),
				deref(ep.NodeName), deref(ep.Zone))
			if ep.Hostname != nil {
				s += " host=" + *ep.Hostname
			}
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// picks returns the pod names of n picks.
func picks(t testing.TB, p *service.PortPicker, n int) []string {
	t.Helper()
	var out []string
	for range n {
		ep, err := p.Pick()
		if err != nil {
			out = append(out, err.Error())
			continue
		}
		out = append(out, ep.PodName)
	}
	return out
}

func distinct(names []string) []string {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	var out []string
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func TestEndpointsFollowReadiness(t *testing.T) {
	c := newCluster(t, "node-a@zone-a", "node-b@zone-b")
	apply(t, c, newService("web", "web"))
	for i, n := range []string{"node-a", "node-b", "node-a"} {
		apply(t, c, newPod(fmt.Sprintf("web-%d", i), "web", onNode(n), annotate(fake.AnnotationReadyAfter, "5s")))
	}
	apply(t, c, newPod("other", "db", onNode("node-a")))
	advance(t, c, time.Second)
	p, err := c.Services().Picker("default", "web", "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"web-0 10.244.0.2 [=8080] --- node-a zone-a",
		"web-1 10.244.1.2 [=8080] --- node-b zone-b",
		"web-2 10.244.0.3 [=8080] --- node-a zone-a",
	}
	if diff := cmp.Diff(want, endpoints(t, c, "web")); diff != "" {
		t.Fatalf("running, not ready (-want +got):\n%s", diff)
	}
	if _, err := p.Pick(); !errors.Is(err, service.ErrNoEndpoints) {
		t.Fatalf("pick with nothing ready: %v, want ErrNoEndpoints", err)
	}

	advance(t, c, 5*time.Second)
	for i := range want {
		want[i] = strings.Replace(want[i], "---", "RS-", 1)
	}
	if diff := cmp.Diff(want, endpoints(t, c, "web")); diff != "" {
		t.Fatalf("ready (-want +got):\n%s", diff)
	}
	if got := distinct(picks(t, p, 3)); !cmp.Equal(got, []string{"web-0", "web-1", "web-2"}) {
		t.Fatalf("3 picks over 3 ready pods: %v", got)
	}

	// web-1's container crashes: not ready until it restarts (10 s
	// back-off) and is ready again (5 s).
	// Killed twice: the kubelet restarts a container at once after
	// its first crash, and backs off (not ready) after the second.
	for range 2 {
		if err := c.Fake().KillContainer("default", "web-1", "main", 1); err != nil {
			t.Fatal(err)
		}
	}
	advance(t, c, 0)
	if got := endpoints(t, c, "web")[1]; got != "web-1 10.244.1.2 [=8080] --- node-b zone-b" {
		t.Fatalf("after the crash: %s", got)
	}
	if got := distinct(picks(t, p, 10)); !cmp.Equal(got, []string{"web-0", "web-2"}) {
		t.Fatalf("picks while web-1 is not ready: %v", got)
	}
	advance(t, c, 15*time.Second)
	if got := distinct(picks(t, p, 3)); !cmp.Equal(got, []string{"web-0", "web-1", "web-2"}) {
		t.Fatalf("picks after web-1 is ready again: %v", got)
	}
}

func TestEndpointsTerminatingPods(t *testing.T) {
	c := newCluster(t, "node-a")
	apply(t, c, newService("web", "web"))
	apply(t, c, newPod("web-0", "web", onNode("node-a")))
	apply(t, c, newPod("web-1", "web", onNode("node-a")))
	advance(t, c, time.Second)
	p, err := c.Services().Picker("default", "web", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeletePod("default", "web-0", workload.Ptr[int64](30)); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	want := []string{
		"web-0 10.244.0.2 [=8080] -ST node-a <nil>", // terminating: serving, not ready
		"web-1 10.244.0.3 [=8080] RS- node-a <nil>",
	}
	if diff := cmp.Diff(want, endpoints(t, c, "web")); diff != "" {
		t.Fatalf("web-0 terminating (-want +got):\n%s", diff)
	}
	if got := distinct(picks(t, p, 6)); !cmp.Equal(got, []string{"web-1"}) {
		t.Fatalf("picks with web-0 terminating: %v", got)
	}
	// Every pod terminating: the picker falls back to the serving ones.
	if err := c.DeletePod("default", "web-1", workload.Ptr[int64](30)); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	if got := distinct(picks(t, p, 6)); !cmp.Equal(got, []string{"web-0", "web-1"}) {
		t.Fatalf("picks with every pod terminating: %v", got)
	}
	advance(t, c, time.Minute)
	if got := endpoints(t, c, "web"); len(got) != 0 {
		t.Fatalf("after the grace period: %v", got)
	}
	if _, err := p.Pick(); !errors.Is(err, service.ErrNoEndpoints) {
		t.Fatalf("pick with no pod: %v", err)
	}
}

func TestEndpointsNamedTargetPorts(t *testing.T) {
	c := newCluster(t, "node-a")
	apply(t, c, newService("web", "web",
		workload.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("http")},
		workload.ServicePort{Name: "metrics", Port: 9100, TargetPort: intstr.FromInt32(9100)},
	))
	apply(t, c, newPod("web-0", "web", onNode("node-a"), port("http", 8080)))
	apply(t, c, newPod("web-1", "web", onNode("node-a"), port("http", 9090)))
	apply(t, c, newPod("web-2", "web", onNode("node-a"), port("admin", 8081)))
	advance(t, c, time.Second)
	want := []string{
		"web-0 10.244.0.2 [http=8080,metrics=9100] RS- node-a <nil>",
		"web-1 10.244.0.3 [http=9090,metrics=9100] RS- node-a <nil>",
		"web-2 10.244.0.4 [metrics=9100] RS- node-a <nil>", // no port named http
	}
	if diff := cmp.Diff(want, endpoints(t, c, "web")); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	objs, _ := c.List("EndpointSlice", "default", "")
	if len(objs) != 3 {
		t.Fatalf("%d slices, want 3 (one per resolved port set)", len(objs))
	}
	http, err := c.Services().Picker("default", "web", "http")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int32{}
	for range 4 {
		ep, err := http.Pick()
		if err != nil {
			t.Fatal(err)
		}
		got[ep.PodName] = ep.Port
	}
	if diff := cmp.Diff(map[string]int32{"web-0": 8080, "web-1": 9090}, got); diff != "" {
		t.Fatalf("http picks (-want +got):\n%s", diff)
	}
	metrics, _ := c.Services().Picker("default", "web", "metrics")
	if got := distinct(picks(t, metrics, 3)); len(got) != 3 {
		t.Fatalf("metrics picks: %v", got)
	}
	if _, err := c.Services().Picker("default", "web", "grpc"); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("unknown port: %v", err)
	}
	if _, err := c.Services().Picker("default", "web", ""); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("empty port name on a two-port Service: %v", err)
	}
}

func TestEndpointsPublishNotReadyAndTerminalPods(t *testing.T) {
	c := newCluster(t, "node-a")
	svc := newService("db", "db")
	svc.Spec.ClusterIP = workload.ClusterIPNone
	svc.Spec.PublishNotReadyAddresses = true
	apply(t, c, svc)
	apply(t, c, newPod("db-0", "db", onNode("node-a"), annotate(fake.AnnotationNeverReady, "true")))
	job := newPod("db-init", "db", onNode("node-a"), annotate(fake.AnnotationRunFor, "5s"))
	job.Spec.RestartPolicy = workload.RestartPolicyNever
	apply(t, c, job)
	pending := newPod("db-pending", "db") // no node fits its selector: no IP
	pending.Spec.NodeSelector = map[string]string{"disk": "ssd"}
	apply(t, c, pending)
	advance(t, c, time.Second)
	want := []string{
		"db-0 10.244.0.2 [=8080] R-- node-a <nil>",    // not serving, published ready
		"db-init 10.244.0.3 [=8080] RS- node-a <nil>", // running and ready
	}
	if diff := cmp.Diff(want, endpoints(t, c, "db")); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	advance(t, c, 10*time.Second) // db-init has Succeeded: gone
	if diff := cmp.Diff(want[:1], endpoints(t, c, "db")); diff != "" {
		t.Fatalf("after db-init finished (-want +got):\n%s", diff)
	}
	p, _ := c.Services().Picker("default", "db", "")
	if ep, err := p.Pick(); err != nil || ep.PodName != "db-0" {
		t.Fatalf("pick: %v %v, want db-0 (published not ready)", ep, err)
	}
	if ip := svc.Spec.ClusterIP; ip != workload.ClusterIPNone {
		t.Fatal(ip)
	}
	got, _ := c.Get("Service", "default", "db")
	if ip := got.(*workload.Service).Spec.ClusterIP; ip != workload.ClusterIPNone {
		t.Fatalf("headless Service got ClusterIP %q", ip)
	}
}

func TestEndpointsLabelAndSelectorChanges(t *testing.T) {
	c := newCluster(t, "node-a")
	apply(t, c, newService("web", "web"))
	apply(t, c, newService("canary", "canary"))
	apply(t, c, newPod("p0", "web", onNode("node-a")))
	apply(t, c, newPod("p1", "web", onNode("node-a")))
	advance(t, c, time.Second)
	// Relabel p1: it moves from web to canary.
	p1, _ := c.Get("Pod", "default", "p1")
	pod := p1.(*workload.Pod)
	pod.Labels["app"] = "canary"
	apply(t, c, pod)
	advance(t, c, 0)
	if got := endpoints(t, c, "web"); len(got) != 1 || !strings.HasPrefix(got[0], "p0 ") {
		t.Fatalf("web after relabel: %v", got)
	}
	if got := endpoints(t, c, "canary"); len(got) != 1 || !strings.HasPrefix(got[0], "p1 ") {
		t.Fatalf("canary after relabel: %v", got)
	}
	// Widen web's selector to a label both pods get.
	for _, n := range []string{"p0", "p1"} {
		o, _ := c.Get("Pod", "default", n)
		pod := o.(*workload.Pod)
		pod.Labels["tier"] = "front"
		apply(t, c, pod)
	}
	svc := newService("web", "web")
	svc.Spec.Selector = map[string]string{"tier": "front"}
	apply(t, c, svc)
	advance(t, c, 0)
	if got := endpoints(t, c, "web"); len(got) != 2 {
		t.Fatalf("web after the selector change: %v", got)
	}
	// Delete the Service: its slices and picker endpoints go.
	p, _ := c.Services().Picker("default", "web", "")
	if err := c.Delete("Service", "default", "web", ""); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 0)
	if got := endpoints(t, c, "web"); len(got) != 0 {
		t.Fatalf("slices after the Service is deleted: %v", got)
	}
	if _, err := p.Pick(); !errors.Is(err, service.ErrNoEndpoints) {
		t.Fatalf("pick after the Service is deleted: %v", err)
	}
	// The same name again: the picker handed out earlier works again.
	apply(t, c, newService("web", "web"))
	advance(t, c, 0)
	if ep, err := p.Pick(); err != nil || ep.PodName != "p0" {
		t.Fatalf("pick after the Service is back: %v %v", ep, err)
	}
}

func TestEndpointSlicesHoldAtMost100(t *testing.T) {
	c := newCluster(t, "node-a", "node-b")
	apply(t, c, newService("web", "web"))
	for i := range 150 {
		apply(t, c, newPod(fmt.Sprintf("web-%03d", i), "web", onNode([]string{"node-a", "node-b"}[i%2])))
	}
	advance(t, c, time.Second)
	objs, _ := c.List("EndpointSlice", "default", "")
	sizes := []int{}
	for _, o := range objs {
		sizes = append(sizes, len(o.(*workload.EndpointSlice).Endpoints))
	}
	sort.Ints(sizes)
	if !cmp.Equal(sizes, []int{50, 100}) {
		t.Fatalf("slice sizes %v, want [50 100]", sizes)
	}
	// One readiness change rewrites one slice.
	before := map[string]string{}
	for _, o := range objs {
		before[o.GetObjectMeta().Name] = o.GetObjectMeta().ResourceVersion
	}
	// Killed twice: the kubelet restarts a container at once after
	// its first crash, and backs off (not ready) after the second.
	for range 2 {
		if err := c.Fake().KillContainer("default", "web-007", "main", 1); err != nil {
			t.Fatal(err)
		}
	}
	advance(t, c, 0)
	objs, _ = c.List("EndpointSlice", "default", "")
	changed := 0
	for _, o := range objs {
		if before[o.GetObjectMeta().Name] != o.GetObjectMeta().ResourceVersion {
			changed++
		}
	}
	if changed != 1 {
		t.Fatalf("%d slices rewritten for one readiness change, want 1", changed)
	}
}

// TestEndpointsServiceAfterPods: a Service made after its pods, in a
// namespace where no Service selected pods before, gets them, and follows
// their readiness from then on.
func TestEndpointsServiceAfterPods(t *testing.T) {
	c := newCluster(t, "node-a@zone-a", "node-b@zone-b")
	for i, n := range []string{"node-a", "node-b"} {
		apply(t, c, newPod(fmt.Sprintf("web-%d", i), "web", onNode(n)))
	}
	apply(t, c, newPod("other", "db", onNode("node-a")))
	advance(t, c, time.Second)
	apply(t, c, newService("web", "web"))
	advance(t, c, 0)
	want := []string{
		"web-0 10.244.0.2 [=8080] RS- node-a zone-a",
		"web-1 10.244.1.2 [=8080] RS- node-b zone-b",
	}
	if diff := cmp.Diff(want, endpoints(t, c, "web")); diff != "" {
		t.Fatalf("a Service after its pods (-want +got):\n%s", diff)
	}
	// Killed twice: back-off, not ready.
	for range 2 {
		if err := c.Fake().KillContainer("default", "web-1", "main", 1); err != nil {
			t.Fatal(err)
		}
	}
	advance(t, c, 0)
	want[1] = "web-1 10.244.1.2 [=8080] --- node-b zone-b"
	if diff := cmp.Diff(want, endpoints(t, c, "web")); diff != "" {
		t.Fatalf("after web-1 crashed (-want +got):\n%s", diff)
	}
	// A pod made later joins too.
	apply(t, c, newPod("web-2", "web", onNode("node-b")))
	advance(t, c, time.Second)
	if got := len(endpoints(t, c, "web")); got != 3 {
		t.Fatalf("%d endpoints after web-2, want 3", got)
	}
}
