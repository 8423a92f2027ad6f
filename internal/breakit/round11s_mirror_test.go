package breakit_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// A Service without a selector whose addresses come from an Endpoints
// object (the way most manifests point a Service at something outside the
// cluster) gets them as EndpointSlices, labelled with the Service's name,
// managed by the mirroring controller and owned by the Endpoints: its
// picker and the resolver (which read slices, as kube-proxy and CoreDNS)
// reach them; notReadyAddresses are not ready. The slices follow the
// Endpoints object, and go when it goes, when it is labelled skip-mirror,
// or when the Service gets a selector. orchestra skipped Endpoints as an
// unmodelled kind, so such a Service had no endpoints at all. Kubernetes:
// pkg/controller/endpointslicemirroring (reconciler.go reconcile,
// utils.go newEndpointSlice and addressToEndpoint,
// endpointslicemirroring_controller.go syncEndpoints);
// https://kubernetes.io/docs/concepts/services-networking/service/#services-without-selectors
func TestR11sSvcEndpointsMirrored(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {ports: [{name: sql, port: 5432}]}
---
apiVersion: v1
kind: Service
metadata: {name: hl}
spec: {ports: [{name: sql, port: 5432}]}
---
apiVersion: v1
kind: Endpoints
metadata: {name: db, labels: {team: x}}
subsets:
- addresses: [{ip: 192.0.2.10}, {ip: 192.0.2.11}]
  notReadyAddresses: [{ip: 192.0.2.12}]
  ports: [{name: sql, port: 15432}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: hl}
subsets:
- addresses: [{ip: 192.0.2.20, hostname: db-a}]
  ports: [{name: sql, port: 5432}]`)
	advance(t, c, time.Second)
	ss := slices(t, c, "db")
	if len(ss) != 1 {
		t.Fatalf("db: %d slices, want 1 mirrored", len(ss))
	}
	s := ss[0]
	if s.Labels["endpointslice.kubernetes.io/managed-by"] != "endpointslicemirroring-controller.k8s.io" || s.Labels["team"] != "x" || s.AddressType != "IPv4" {
		t.Errorf("mirrored slice labels %v, addressType %q", s.Labels, s.AddressType)
	}
	if refs := s.OwnerReferences; len(refs) != 1 || refs[0].Kind != "Endpoints" || refs[0].Name != "db" {
		t.Errorf("mirrored slice owners %v, want the Endpoints db", refs)
	}
	var got []string
	for _, e := range s.Endpoints {
		got = append(got, e.Addresses[0]+"="+b(e.Conditions.Ready))
	}
	sort.Strings(got)
	if strings.Join(got, " ") != "192.0.2.10=true 192.0.2.11=true 192.0.2.12=false" {
		t.Errorf("mirrored endpoints %v", got)
	}
	pk, err := c.Services().Picker("default", "db", "sql")
	if err != nil {
		t.Fatal(err)
	}
	picked := map[string]bool{}
	for range 4 {
		e, err := pk.Pick()
		if err != nil {
			t.Fatal(err)
		}
		if e.Port != 15432 {
			t.Errorf("picked port %d, want 15432", e.Port)
		}
		picked[e.Address] = true
	}
	if len(picked) != 2 || picked["192.0.2.12"] {
		t.Errorf("picked %v, want the two ready addresses", picked)
	}
	if got, err := c.Resolver().LookupHost("default", "db-a.hl"); err != nil || strings.Join(got, ",") != "192.0.2.20" {
		t.Errorf("db-a.hl resolves to %v, %v; want 192.0.2.20", got, err)
	}

	// The Endpoints object changes; then it is labelled skip-mirror.
	o, err := c.Get("Endpoints", "default", "db")
	if err != nil {
		t.Fatal(err)
	}
	ep := o.(*workload.Endpoints)
	ep.Subsets[0].Addresses = ep.Subsets[0].Addresses[:1]
	if _, err := c.Apply(ep); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	if ss := slices(t, c, "db"); len(ss) != 1 || len(ss[0].Endpoints) != 2 {
		t.Errorf("after the Endpoints lost an address: %d slices", len(ss))
	}
	o, _ = c.Get("Endpoints", "default", "db")
	ep = o.(*workload.Endpoints)
	ep.Labels["endpointslice.kubernetes.io/skip-mirror"] = "true"
	if _, err := c.Apply(ep); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	if n := len(slices(t, c, "db")); n != 0 {
		t.Errorf("Endpoints labelled skip-mirror: %d slices left", n)
	}
	if _, err := pk.Pick(); err == nil {
		t.Errorf("db still picks once its Endpoints is no longer mirrored")
	}

	// Service hl gets a selector: its mirrored slice goes.
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: hl}
spec: {selector: {app: hl}, ports: [{name: sql, port: 5432}]}`)
	advance(t, c, time.Second)
	for _, s := range slices(t, c, "hl") {
		if s.Labels["endpointslice.kubernetes.io/managed-by"] != "endpointslice-controller.k8s.io" {
			t.Errorf("hl has a selector, and still a slice managed by %q", s.Labels["endpointslice.kubernetes.io/managed-by"])
		}
	}
}

// An Endpoints object is validated as the API server does: a subset needs
// an address, an address a valid IP, a port a protocol (defaulted to TCP)
// and, when the subset has several, a name. Kubernetes:
// pkg/apis/core/validation/validation.go validateEndpointSubsets,
// validateEndpointAddress, validateEndpointPort.
func TestR11sSvcEndpointsValidated(t *testing.T) {
	c := newCluster(t, "a")
	for _, tc := range []struct{ y, want string }{
		{`{apiVersion: v1, kind: Endpoints, metadata: {name: e1}, subsets: [{ports: [{port: 80}]}]}`, "subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`"},
		{`{apiVersion: v1, kind: Endpoints, metadata: {name: e2}, subsets: [{addresses: [{ip: nope}], ports: [{port: 80}]}]}`, "subsets[0].addresses[0].ip: Invalid value"},
		{`{apiVersion: v1, kind: Endpoints, metadata: {name: e3}, subsets: [{addresses: [{ip: 10.0.0.1}], ports: [{port: 80}, {port: 81}]}]}`, "subsets[0].ports[0].name: Required value"},
		{`{apiVersion: v1, kind: Endpoints, metadata: {name: e4}, subsets: [{addresses: [{ip: 10.0.0.1}], ports: [{port: 0}]}]}`, "subsets[0].ports[0].port: Invalid value"},
		{`{apiVersion: v1, kind: Endpoints, metadata: {name: e5}, subsets: [{notReadyAddresses: [{ip: 169.254.1.1}], ports: [{port: 80}]}]}`, "link-local"},
		{`{apiVersion: v1, kind: Endpoints, metadata: {name: e6}, subsets: [{addresses: [{ip: 10.0.0.1}], ports: [{port: 80}]}]}`, ""},
	} {
		objs, _, err := workload.Decode([]byte(tc.y), "e.yaml")
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.Apply(objs[0])
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.y, err)
		case tc.want == "":
			if p := out.(*workload.Endpoints).Subsets[0].Ports[0].Protocol; p != "TCP" {
				t.Errorf("port protocol defaulted to %q, want TCP", p)
			}
		case err == nil || !strings.Contains(err.Error(), tc.want):
			t.Errorf("%s: error %v, want one with %q", tc.y, err, tc.want)
		}
	}
}

// An address listed twice for a Service without a selector (in two
// EndpointSlices someone wrote, or in a slice and a mirrored Endpoints)
// is one endpoint, not two that take twice its share of the picks: the
// clients of EndpointSlices must deduplicate, and kube-proxy keeps one
// endpoint per address and port, the non-terminating one when they
// differ. Kubernetes: pkg/proxy/endpointslicecache.go addEndpoints
// (https://github.com/kubernetes/kubernetes/pull/135593);
// https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/#duplicate-endpoints
func TestR11sSvcManualDuplicateEndpoints(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: ext}
spec: {ports: [{port: 80}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ext-1, labels: {kubernetes.io/service-name: ext}}
addressType: IPv4
ports: [{port: 80}]
endpoints:
- addresses: [192.0.2.1]
- addresses: [192.0.2.2]
  conditions: {ready: false, serving: true, terminating: true}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ext-2, labels: {kubernetes.io/service-name: ext}}
addressType: IPv4
ports: [{port: 80}]
endpoints:
- addresses: [192.0.2.1]
- addresses: [192.0.2.2]`)
	advance(t, c, time.Second)
	pk, err := c.Services().Picker("default", "ext", "")
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for range 40 {
		e, err := pk.Pick()
		if err != nil {
			t.Fatal(err)
		}
		count[e.Address]++
	}
	if count["192.0.2.1"] != 20 || count["192.0.2.2"] != 20 {
		t.Errorf("40 picks over two addresses listed twice each: %v, want 20 each (192.0.2.2 ready in ext-2)", count)
	}
}

// A single-stack IPv4 Service without a selector takes the endpoints of
// its IPv4 slices only: an IPv6 slice labelled with its name (or mirrored
// from an IPv6 address of its Endpoints) is not among its endpoints, as
// kube-proxy runs one proxier per IP family and a Service's endpoints
// are those of its own families. Kubernetes: pkg/proxy/endpointslicecache.go
// (the cache of one ipFamily skips other families' endpoints),
// pkg/proxy/servicechangetracker.go (a Service is proxied per its
// ipFamilies).
func TestR11sSvcManualSliceOfAnotherFamily(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: ext}
spec: {ports: [{port: 80}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ext-v6, labels: {kubernetes.io/service-name: ext}}
addressType: IPv6
ports: [{port: 80}]
endpoints: [{addresses: ["2001:db8::1"]}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ext-v4, labels: {kubernetes.io/service-name: ext}}
addressType: IPv4
ports: [{port: 80}]
endpoints: [{addresses: [192.0.2.1]}]`)
	advance(t, c, time.Second)
	pk, err := c.Services().Picker("default", "ext", "")
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if e, err := pk.Pick(); err != nil || e.Address != "192.0.2.1" {
			t.Fatalf("ext picks %v, %v; want only its IPv4 endpoint 192.0.2.1", e, err)
		}
	}
}

// Two subsets of an Endpoints object with the same ports share one
// mirrored slice, which holds at most 1000 endpoints (the rest are not
// mirrored), rather than a slice the API refuses for having more than
// 1000. Kubernetes: pkg/controller/endpointslicemirroring/reconciler.go
// reconcileByPortMapping (len(newSlice.Endpoints) < maxEndpointsPerSubset).
func TestR11sSvcEndpointsMirroredAtMost1000(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: big}
spec: {ports: [{port: 80}]}`)
	ep := &workload.Endpoints{ObjectMeta: workload.ObjectMeta{Name: "big", Namespace: "default"}}
	for s := range 2 {
		var ss workload.EndpointSubset
		for i := range 600 {
			ss.Addresses = append(ss.Addresses, workload.EndpointAddress{IP: fmt.Sprintf("10.%d.%d.%d", 10+s, i/250, i%250+1)})
		}
		ss.Ports = []workload.CoreEndpointPort{{Port: 80}}
		ep.Subsets = append(ep.Subsets, ss)
	}
	if _, err := c.Apply(ep); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	ss := slices(t, c, "big")
	if len(ss) != 1 || len(ss[0].Endpoints) != 1000 {
		n := -1
		if len(ss) == 1 {
			n = len(ss[0].Endpoints)
		}
		t.Errorf("%d mirrored slices (the first with %d endpoints), want one of 1000", len(ss), n)
	}
}
