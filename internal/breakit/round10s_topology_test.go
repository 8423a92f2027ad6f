package breakit_test

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/workload"
)

// r10sZoned returns a cluster with nodes a (zone x), b and c (zone y) and
// d (zone z), and pods pa on a and pb on b serving Service web, whose spec
// gets extra.
func r10sZoned(t *testing.T, extra string) *orchestra.Cluster {
	t.Helper()
	c := newCluster(t)
	for n, z := range map[string]string{"a": "x", "b": "y", "c": "y", "d": "z"} {
		node := &workload.Node{ObjectMeta: workload.ObjectMeta{Name: n, Labels: map[string]string{workload.LabelZone: z}}}
		if err := c.Fake().AddNode(node); err != nil {
			t.Fatal(err)
		}
	}
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`+extra+`
---
apiVersion: v1
kind: Pod
metadata: {name: pa, labels: {app: web}}
spec: {nodeName: a, containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: pb, labels: {app: web}}
spec: {nodeName: b, containers: [{name: c, image: i}]}`)
	advance(t, c, time.Minute)
	return c
}

// r10sPicks returns the pods a picker chooses from, sorted.
func r10sPicks(t *testing.T, pk *service.PortPicker) string {
	t.Helper()
	seen := map[string]bool{}
	for range 8 {
		e, err := pk.Pick()
		if err != nil {
			return err.Error()
		}
		seen[e.PodName] = true
	}
	var out []string
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func r10sHints(t *testing.T, c *orchestra.Cluster, pod string) string {
	t.Helper()
	e, _ := endpointOf(t, c, "web", pod)
	if e == nil {
		t.Fatalf("no endpoint for %s", pod)
	}
	if e.Hints == nil {
		return "none"
	}
	var zs, ns []string
	for _, z := range e.Hints.ForZones {
		zs = append(zs, z.Name)
	}
	for _, n := range e.Hints.ForNodes {
		ns = append(ns, n.Name)
	}
	return "zones=" + strings.Join(zs, ",") + " nodes=" + strings.Join(ns, ",")
}

// spec.trafficDistribution PreferClose (or PreferSameZone): the
// EndpointSlice controller hints each ready endpoint for its own zone, and
// kube-proxy on a node keeps to the endpoints hinted for its zone when
// every ready endpoint has a hint and one names the zone; otherwise (no
// endpoint in the zone, a node without a zone) it ignores the hints. A
// pod's view (NodePicker) and a node port's view (ExternalPicker,
// externalTrafficPolicy Cluster) both follow them; the cluster-wide
// Picker, on no node, does not. orchestra did not model the field (a
// "not modelled" warning) and spread every node's traffic over all zones.
// Kubernetes: staging/src/k8s.io/endpointslice/trafficdist/trafficdist.go
// (preferCloseHeuristic); pkg/proxy/topology.go (CategorizeEndpoints,
// topologyModeFromHints); KEP-4444, KEP-3015.
func TestR10sSvcTrafficDistributionPreferClose(t *testing.T) {
	for _, td := range []string{"PreferClose", "PreferSameZone"} {
		t.Run(td, func(t *testing.T) {
			c := r10sZoned(t, "  trafficDistribution: "+td+"\n  type: NodePort")
			if h := r10sHints(t, c, "pa"); h != "zones=x nodes=" {
				t.Errorf("pa hints %s, want zones=x", h)
			}
			if h := r10sHints(t, c, "pb"); h != "zones=y nodes=" {
				t.Errorf("pb hints %s, want zones=y", h)
			}
			for node, want := range map[string]string{"a": "pa", "b": "pb", "c": "pb", "d": "pa,pb"} {
				pk, err := c.Services().NodePicker(node, "default", "web", "")
				if err != nil {
					t.Fatal(err)
				}
				if got := r10sPicks(t, pk); got != want {
					t.Errorf("from node %s: picks %s, want %s", node, got, want)
				}
				ext, err := c.Services().ExternalPicker(node, "default", "web", "")
				if err != nil {
					t.Fatal(err)
				}
				if got := r10sPicks(t, ext); got != want {
					t.Errorf("node port of node %s: picks %s, want %s", node, got, want)
				}
			}
			pk, _ := c.Services().Picker("default", "web", "")
			if got := r10sPicks(t, pk); got != "pa,pb" {
				t.Errorf("cluster-wide picker: %s, want pa,pb", got)
			}

			// pa stops being ready: it loses its hint; zone x has no
			// ready endpoint, so node a ignores the hints.
			if err := c.Fake().SetContainerReady("default", "pa", "c", false); err != nil {
				t.Fatal(err)
			}
			advance(t, c, time.Minute)
			if h := r10sHints(t, c, "pa"); h != "none" {
				t.Errorf("not-ready pa hints %s, want none", h)
			}
			pka, _ := c.Services().NodePicker("a", "default", "web", "")
			if got := r10sPicks(t, pka); got != "pb" {
				t.Errorf("from node a with pa not ready: picks %s, want pb", got)
			}
		})
	}
}

// PreferSameNode hints each ready endpoint for its node as well as its
// zone: a node with a ready endpoint of its own keeps to it, another falls
// back to its zone, then to all. Without trafficDistribution no hints are
// written and every node uses every endpoint. An unknown value is
// refused. Kubernetes: trafficdist.go (generateNodeHints); topology.go;
// pkg/apis/core/validation/validation.go validateServiceTrafficDistribution.
func TestR10sSvcTrafficDistributionPreferSameNode(t *testing.T) {
	c := r10sZoned(t, "  trafficDistribution: PreferSameNode")
	if h := r10sHints(t, c, "pb"); h != "zones=y nodes=b" {
		t.Errorf("pb hints %s, want zones=y nodes=b", h)
	}
	for node, want := range map[string]string{"a": "pa", "b": "pb", "c": "pb", "d": "pa,pb"} {
		pk, err := c.Services().NodePicker(node, "default", "web", "")
		if err != nil {
			t.Fatal(err)
		}
		if got := r10sPicks(t, pk); got != want {
			t.Errorf("from node %s: picks %s, want %s", node, got, want)
		}
	}

	// Dropping the field drops the hints and the preference.
	applyYAML(t, c, `{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {selector: {app: web}, ports: [{port: 80}]}}`)
	advance(t, c, time.Second)
	if h := r10sHints(t, c, "pb"); h != "none" {
		t.Errorf("without trafficDistribution: pb hints %s, want none", h)
	}
	pk, _ := c.Services().NodePicker("b", "default", "web", "")
	if got := r10sPicks(t, pk); got != "pa,pb" {
		t.Errorf("without trafficDistribution, from node b: picks %s, want pa,pb", got)
	}

	objs, _, err := workload.Decode([]byte(`{apiVersion: v1, kind: Service, metadata: {name: bad}, spec: {trafficDistribution: Nearest, ports: [{port: 80}]}}`), "bad.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(objs[0]); err == nil || !strings.Contains(err.Error(), "spec.trafficDistribution") {
		t.Errorf("trafficDistribution Nearest: err %v, want one naming spec.trafficDistribution", err)
	}
}

// kube-proxy follows the hints of any EndpointSlice, not only those the
// controller writes: a Service without a selector whose own slice hints
// its endpoints for zones is routed by zone from a node in one of them.
// Kubernetes: pkg/proxy/topology.go (hints read from every slice of the
// Service); pkg/proxy/endpointslicecache.go.
func TestR10sSvcManualSliceHints(t *testing.T) {
	c := newCluster(t)
	for n, z := range map[string]string{"a": "zx", "b": "zy"} {
		node := &workload.Node{ObjectMeta: workload.ObjectMeta{Name: n, Labels: map[string]string{workload.LabelZone: z}}}
		if err := c.Fake().AddNode(node); err != nil {
			t.Fatal(err)
		}
	}
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: ext}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ext-1, labels: {kubernetes.io/service-name: ext}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints:
- {addresses: [10.1.0.1], zone: zx, hints: {forZones: [{name: zx}]}, targetRef: {kind: Pod, name: e1}}
- {addresses: [10.1.0.2], zone: zy, hints: {forZones: [{name: zy}]}, targetRef: {kind: Pod, name: e2}}`)
	advance(t, c, time.Second)
	for node, want := range map[string]string{"a": "e1", "b": "e2"} {
		pk, err := c.Services().NodePicker(node, "default", "ext", "http")
		if err != nil {
			t.Fatal(err)
		}
		if got := r10sPicks(t, pk); got != want {
			t.Errorf("from node %s: picks %s, want %s", node, got, want)
		}
	}
	pk, _ := c.Services().Picker("default", "ext", "http")
	if got := r10sPicks(t, pk); got != "e1,e2" {
		t.Errorf("cluster-wide: picks %s, want e1,e2", got)
	}

	// Node a moves to zone zy: its view follows.
	zy := "zy"
	if err := c.Fake().SetNodeLabels("a", map[string]*string{workload.LabelZone: &zy}); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	pka, _ := c.Services().NodePicker("a", "default", "ext", "http")
	if got := r10sPicks(t, pka); got != "e2" {
		t.Errorf("from node a, now in zone zy: picks %s, want e2", got)
	}
}

// The endpoints controller stands for Kubernetes' EndpointSlice
// controller, so its slices carry that controller's
// endpointslice.kubernetes.io/managed-by value,
// endpointslice-controller.k8s.io, and the slices of a manifest dumped
// from a real cluster (kubectl get endpointslices -o yaml) are its own to
// replace: their stale addresses leave DNS and the pickers once the
// Service's pods are known. orchestra used a value of its own, so an
// imported slice stayed beside its slices and the resolver kept
// answering with the dead pod's address. Kubernetes:
// staging/src/k8s.io/endpointslice (ControllerName
// "endpointslice-controller.k8s.io"; the reconciler deletes the slices it
// manages that it no longer wants);
// https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/#management
func TestR10sSvcImportedControllerSlicesReplaced(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {clusterIP: None, selector: {app: db}, ports: [{port: 5432}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: db-x7k2p
  labels: {kubernetes.io/service-name: db, endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io}
addressType: IPv4
ports: [{name: "", port: 5432, protocol: TCP}]
endpoints:
- {addresses: [10.9.9.9], conditions: {ready: true}, targetRef: {kind: Pod, namespace: default, name: db-old}}
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, labels: {app: db}}
spec: {containers: [{name: c, image: i}]}`)
	advance(t, c, time.Minute)
	addrs, err := c.Resolver().LookupHost("default", "db")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if a == "10.9.9.9" {
			t.Errorf("db resolves to %v: the imported slice's dead address is still served", addrs)
		}
	}
	for _, s := range slices(t, c, "db") {
		if s.Name == "db-x7k2p" {
			t.Errorf("the imported controller slice db-x7k2p is still there")
		}
		if got := s.Labels["endpointslice.kubernetes.io/managed-by"]; got != "endpointslice-controller.k8s.io" {
			t.Errorf("slice %s managed-by %q, want endpointslice-controller.k8s.io", s.Name, got)
		}
	}
}
