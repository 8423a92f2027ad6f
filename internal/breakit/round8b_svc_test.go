package breakit_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

func r8bsvc(t *testing.T, c *orchestra.Cluster, name string) *workload.Service {
	t.Helper()
	return r3get(t, c, "Service", "default", name).(*workload.Service)
}

// A Service read back, given another type and applied (kubectl edit, or
// a client's update) is accepted: the API server clears the fields the old
// type needed and the update left as they were (the node ports and
// externalTrafficPolicy when the type becomes ClusterIP, the clusterIP when
// it becomes ExternalName), and releases what they held. A node port the
// update adds is still refused. Kubernetes:
// pkg/registry/core/service/strategy.go dropTypeDependentFields (since
// 1.20; before it, kubernetes/kubernetes#33766 "nodePort: Forbidden: may
// not be used when `type` is 'ClusterIP'").
func TestR8bSvcTypeChangeOfReadBackService(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {type: NodePort, externalTrafficPolicy: Local, selector: {app: web}, ports: [{port: 80, nodePort: 30086}]}`)
	s := r8bsvc(t, c, "web")
	ip := s.Spec.ClusterIP

	// A ClusterIP Service may not ask for a node port it did not have.
	bad := s.DeepCopy()
	bad.Spec.Type = workload.ServiceTypeClusterIP
	bad.Spec.Ports[0].NodePort = 30087
	if _, err := c.Apply(bad); err == nil || !strings.Contains(err.Error(), "spec.ports[0].nodePort") {
		t.Fatalf("type ClusterIP with a new nodePort: err %v, want one naming spec.ports[0].nodePort", err)
	}
	if got := r8bsvc(t, c, "web"); got.Spec.Type != workload.ServiceTypeNodePort || got.Spec.Ports[0].NodePort != 30086 {
		t.Fatalf("the refused update changed the Service: type %s nodePort %d", got.Spec.Type, got.Spec.Ports[0].NodePort)
	}

	s.Spec.Type = workload.ServiceTypeClusterIP
	if _, err := c.Apply(s); err != nil {
		t.Fatalf("NodePort -> ClusterIP of the read-back Service: %v", err)
	}
	s = r8bsvc(t, c, "web")
	if s.Spec.Ports[0].NodePort != 0 || s.Spec.ExternalTrafficPolicy != "" || s.Spec.ClusterIP != ip {
		t.Errorf("after NodePort -> ClusterIP: nodePort %d, externalTrafficPolicy %q, clusterIP %s (want 0, empty, %s)",
			s.Spec.Ports[0].NodePort, s.Spec.ExternalTrafficPolicy, s.Spec.ClusterIP, ip)
	}
	if _, port := c.Services().Allocated("", 30086); port {
		t.Errorf("node port 30086 still allocated after the type change to ClusterIP")
	}

	s.Spec.Type = workload.ServiceTypeExternalName
	s.Spec.ExternalName = "db.example.com"
	if _, err := c.Apply(s); err != nil {
		t.Fatalf("ClusterIP -> ExternalName of the read-back Service: %v", err)
	}
	s = r8bsvc(t, c, "web")
	if s.Spec.ClusterIP != "" || len(s.Spec.ClusterIPs) != 0 {
		t.Errorf("ExternalName Service keeps clusterIP %q, clusterIPs %q", s.Spec.ClusterIP, s.Spec.ClusterIPs)
	}
	if taken, _ := c.Services().Allocated(ip, 0); taken {
		t.Errorf("ClusterIP %s still allocated after the type change to ExternalName", ip)
	}
	if addrs, err := c.Resolver().LookupHost("default", "web"); err != nil || len(addrs) != 1 || addrs[0] != "db.example.com" {
		t.Errorf("web resolves to %v, %v; want its externalName", addrs, err)
	}
}

// spec.clusterIPs follows spec.clusterIP: a create or update whose
// clusterIPs disagree with its clusterIP, hold a bad address, hold more
// than two, or a second one on this single-stack cluster, is refused
// naming spec.clusterIPs, and changes nothing (an update used to store
// clusterIP 10.96.0.30 with clusterIPs [10.96.0.31]). Kubernetes:
// pkg/apis/core/validation/validation.go
// ValidateServiceClusterIPsRelatedFields ("first value must match
// `clusterIP`", "must be empty when `clusterIP` is not specified", "may
// only hold up to 2 values"); pkg/registry/core/service/storage/alloc.go
// ("this cluster is not configured for dual-stack services").
func TestR8bSvcClusterIPsFollowClusterIP(t *testing.T) {
	c := newCluster(t, "a")
	for name, y := range map[string]string{
		"mismatch":    `{apiVersion: v1, kind: Service, metadata: {name: two}, spec: {clusterIP: 10.96.0.10, clusterIPs: [10.96.0.20], ports: [{port: 80}]}}`,
		"plural only": `{apiVersion: v1, kind: Service, metadata: {name: two}, spec: {clusterIPs: [10.96.0.21], ports: [{port: 80}]}}`,
		"three":       `{apiVersion: v1, kind: Service, metadata: {name: two}, spec: {clusterIP: 10.96.0.22, clusterIPs: [10.96.0.22, "fd00::1", "fd00::2"], ports: [{port: 80}]}}`,
		"bad ip":      `{apiVersion: v1, kind: Service, metadata: {name: two}, spec: {clusterIP: 10.96.0.25, clusterIPs: [10.96.0.25, banana], ports: [{port: 80}]}}`,
		"dual stack":  `{apiVersion: v1, kind: Service, metadata: {name: two}, spec: {clusterIP: 10.96.0.26, clusterIPs: [10.96.0.26, "fd00::1"], ports: [{port: 80}]}}`,
		"None plural": `{apiVersion: v1, kind: Service, metadata: {name: two}, spec: {clusterIPs: [None], ports: [{port: 80}]}}`,
	} {
		objs, _, err := workload.Decode([]byte(y), name+".yaml")
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Apply(objs[0])
		if err == nil || !strings.Contains(err.Error(), "spec.clusterIPs") || !strings.Contains(err.Error(), "two") {
			t.Errorf("%s: err %v, want one naming Service two and spec.clusterIPs", name, err)
		}
		if r3get(t, c, "Service", "default", "two") != nil {
			t.Fatalf("%s: the refused Apply left Service two behind", name)
		}
		for _, ip := range []string{"10.96.0.10", "10.96.0.20", "10.96.0.21", "10.96.0.22", "10.96.0.25", "10.96.0.26"} {
			if taken, _ := c.Services().Allocated(ip, 0); taken {
				t.Fatalf("%s: the refused Apply left %s allocated", name, ip)
			}
		}
	}
	applyYAML(t, c, `{apiVersion: v1, kind: Service, metadata: {name: one}, spec: {clusterIP: 10.96.0.30, ports: [{port: 80}]}}`)
	s := r8bsvc(t, c, "one")
	s.Spec.ClusterIPs = []string{"10.96.0.31"}
	if _, err := c.Apply(s); err == nil || !strings.Contains(err.Error(), "spec.clusterIPs") {
		t.Errorf("update of clusterIPs alone: err %v, want one naming spec.clusterIPs", err)
	}
	if s := r8bsvc(t, c, "one"); s.Spec.ClusterIP != "10.96.0.30" || len(s.Spec.ClusterIPs) != 1 || s.Spec.ClusterIPs[0] != "10.96.0.30" {
		t.Errorf("after the refused update: clusterIP %s, clusterIPs %q", s.Spec.ClusterIP, s.Spec.ClusterIPs)
	}
}

// A Service port's appProtocol is a qualified name ("http",
// "kubernetes.io/h2c"); anything else is refused naming
// spec.ports[i].appProtocol. Kubernetes: pkg/apis/core/validation
// validateServicePort (ValidateQualifiedName of appProtocol).
func TestR8bSvcAppProtocolValidated(t *testing.T) {
	c := newCluster(t, "a")
	objs, _, err := workload.Decode([]byte(`
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {ports: [{name: a, port: 80, appProtocol: kubernetes.io/h2c}, {name: b, port: 81, appProtocol: "not valid!"}]}`), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Apply(objs[0])
	if err == nil || !strings.Contains(err.Error(), "spec.ports[1].appProtocol") || strings.Contains(err.Error(), "spec.ports[0]") {
		t.Fatalf("err %v, want one naming spec.ports[1].appProtocol only", err)
	}
	if r3get(t, c, "Service", "default", "web") != nil {
		t.Fatal("the refused Apply left Service web behind")
	}
}

// A hand-written EndpointSlice of a Service without a selector whose
// endpoint says ready: false, terminating: true and leaves serving unset
// is a draining endpoint that still serves: with nothing ready, the
// picker falls back to it. EndpointConditions: "serving ... A nil value
// should be interpreted as 'true'" (k8s.io/api discovery/v1 types.go);
// kube-proxy reads it so (pkg/proxy/endpointslicecache.go: serving :=
// Conditions.Serving == nil || *Conditions.Serving).
func TestR8bSvcManualSliceServingUnsetMeansTrue(t *testing.T) {
	c := newCluster(t, "a")
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
- addresses: ["10.1.2.3"]
  conditions: {ready: false, terminating: true}`)
	advance(t, c, time.Second)
	pk, err := c.Services().Picker("default", "ext", "http")
	if err != nil {
		t.Fatal(err)
	}
	if ep, err := pk.Pick(); err != nil || ep.Address != "10.1.2.3" {
		t.Errorf("Pick = %v, %v; want the terminating endpoint whose serving is unset (nil means true)", ep, err)
	}
}

// For a Service without a selector, kube-proxy takes a port's endpoints
// from the slice port of the same name and protocol, and ignores FQDN
// slices: a slice port "dns" of protocol TCP does not feed the Service's
// UDP port "dns", and an FQDN slice gives no endpoint (its addresses are
// names, nothing to dial). Kubernetes: pkg/proxy/endpointschangetracker.go
// (EndpointSliceUpdate: "EndpointSlice address type not supported by
// kube-proxy"), pkg/proxy/endpointslicecache.go (ServicePortName keyed by
// port name and protocol).
func TestR8bSvcManualSliceProtocolAndFQDN(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: ext}
spec: {ports: [{name: dns, port: 53, protocol: UDP}, {name: web, port: 80}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ext-1, labels: {kubernetes.io/service-name: ext}}
addressType: IPv4
ports: [{name: dns, port: 5353, protocol: TCP}]
endpoints: [{addresses: ["10.1.2.3"]}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ext-2, labels: {kubernetes.io/service-name: ext}}
addressType: FQDN
ports: [{name: web, port: 8080}]
endpoints: [{addresses: ["db.example.com"]}]`)
	advance(t, c, time.Second)
	for _, port := range []string{"dns", "web"} {
		pk, err := c.Services().Picker("default", "ext", port)
		if err != nil {
			t.Fatal(err)
		}
		if ep, err := pk.Pick(); err == nil {
			t.Errorf("port %s picked %s:%d, want ErrNoEndpoints", port, ep.Address, ep.Port)
		}
	}
}

// The EndpointSlices of a Service carry the Service's labels (tools
// select a Service's slices by its app labels) and, for a headless
// Service, service.kubernetes.io/headless; a change of the Service's
// labels reaches its slices. The reserved keys stay the controller's.
// Kubernetes: pkg/controller/endpointslice (staging
// endpointslice/utils.go setEndpointSliceLabels: "Slices labels must be
// equivalent to the Service labels except for the reserved
// IsHeadlessService, LabelServiceName and LabelManagedBy labels").
func TestR8bSvcSliceLabelsFollowService(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: db-0, labels: {app: db}}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Service
metadata: {name: db, labels: {app: db, tier: data, kubernetes.io/service-name: evil}}
spec: {clusterIP: None, selector: {app: db}, ports: [{port: 3306}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, labels: {app: web}}
spec: {selector: {app: db}, ports: [{port: 80}]}`)
	advance(t, c, time.Minute)
	check := func(svc string, want map[string]string) {
		t.Helper()
		ss := slices(t, c, svc)
		if len(ss) != 1 {
			t.Fatalf("%s: %d slices, want 1", svc, len(ss))
		}
		for k, v := range want {
			if got, ok := ss[0].Labels[k]; !ok || got != v {
				t.Errorf("%s: slice label %s = %q (set %v), want %q", svc, k, got, ok, v)
			}
		}
		if _, ok := want["service.kubernetes.io/headless"]; !ok {
			if _, ok := ss[0].Labels["service.kubernetes.io/headless"]; ok {
				t.Errorf("%s: a ClusterIP Service's slice is labelled headless", svc)
			}
		}
	}
	check("db", map[string]string{"app": "db", "tier": "data", "kubernetes.io/service-name": "db", "service.kubernetes.io/headless": ""})
	check("web", map[string]string{"app": "web", "kubernetes.io/service-name": "web"})
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: web, labels: {app: web, version: v2}}
spec: {selector: {app: db}, ports: [{port: 80}]}`)
	advance(t, c, time.Second)
	check("web", map[string]string{"app": "web", "version": "v2"})
}

// A hand-written EndpointSlice is validated as the API server does: its
// addresses are of its addressType (an IPv6 address in an IPv4 slice is
// refused; an FQDN slice holds fully qualified names), an endpoint's
// hostname is a DNS label and its nodeName a node name, a port's
// appProtocol is a qualified name. Each refusal names
// the field and stores nothing. Kubernetes:
// pkg/apis/discovery/validation/validation.go validateEndpoints
// (IsValidIPv4Address / IsValidIPv6Address / IsFullyQualifiedDomainName per
// addressType, ValidateNodeName, ValidateDNS1123Label of hostname) and
// validateEndpointPorts (ValidateQualifiedName of appProtocol).
func TestR8bSvcEndpointSliceValidated(t *testing.T) {
	c := newCluster(t, "a")
	for name, tc := range map[string]struct{ y, field string }{
		"v6 in v4":    {`{apiVersion: discovery.k8s.io/v1, kind: EndpointSlice, metadata: {name: s}, addressType: IPv4, endpoints: [{addresses: ["10.0.0.1", "fd00::1"]}]}`, "endpoints[0].addresses[1]"},
		"v4 in v6":    {`{apiVersion: discovery.k8s.io/v1, kind: EndpointSlice, metadata: {name: s}, addressType: IPv6, endpoints: [{addresses: ["10.0.0.1"]}]}`, "endpoints[0].addresses[0]"},
		"fqdn":        {`{apiVersion: discovery.k8s.io/v1, kind: EndpointSlice, metadata: {name: s}, addressType: FQDN, endpoints: [{addresses: ["not a name!"]}]}`, "endpoints[0].addresses[0]"},
		"hostname":    {`{apiVersion: discovery.k8s.io/v1, kind: EndpointSlice, metadata: {name: s}, addressType: IPv4, endpoints: [{addresses: ["10.0.0.1"], hostname: "Bad_Host"}]}`, "endpoints[0].hostname"},
		"node name":   {`{apiVersion: discovery.k8s.io/v1, kind: EndpointSlice, metadata: {name: s}, addressType: IPv4, endpoints: [{addresses: ["10.0.0.1"], nodeName: "Bad_Node"}]}`, "endpoints[0].nodeName"},
		"appProtocol": {`{apiVersion: discovery.k8s.io/v1, kind: EndpointSlice, metadata: {name: s}, addressType: IPv4, ports: [{name: http, port: 80, appProtocol: "not valid!"}], endpoints: [{addresses: ["10.0.0.1"]}]}`, "ports[0].appProtocol"},
	} {
		objs, _, err := workload.Decode([]byte(tc.y), name+".yaml")
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Apply(objs[0])
		if err == nil || !strings.Contains(err.Error(), tc.field) || !strings.Contains(err.Error(), "EndpointSlice/default/s") {
			t.Errorf("%s: err %v, want one naming EndpointSlice/default/s and %s", name, err, tc.field)
		}
		if r3get(t, c, "EndpointSlice", "default", "s") != nil {
			t.Fatalf("%s: the refused Apply stored the slice", name)
		}
	}
	applyYAML(t, c, `{apiVersion: discovery.k8s.io/v1, kind: EndpointSlice, metadata: {name: ok}, addressType: FQDN, endpoints: [{addresses: ["db.example.com"], hostname: db-0, nodeName: a}]}`)
}

// A cluster without Config.Services.Proxy has no proxy: asking it for a
// Service's address is an error wrapping service.ErrNotListening that
// says why, never a nil-pointer panic (c.Services().Proxy() is nil).
func TestR8bSvcNoProxyNoPanic(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {type: NodePort, ports: [{port: 80}]}}`)
	p := c.Services().Proxy()
	for name, f := range map[string]func() error{
		"Addr":         func() error { _, err := p.Addr("default", "web", ""); return err },
		"NodePortAddr": func() error { _, err := p.NodePortAddr("default", "web", ""); return err },
		"Listeners": func() error {
			if l := p.Listeners(); len(l) != 0 {
				return fmt.Errorf("listeners %v", l)
			}
			return service.ErrNotListening
		},
		"Close": func() error { p.Close(); return service.ErrNotListening },
	} {
		err := r3safe(f)
		if !errors.Is(err, service.ErrNotListening) {
			t.Errorf("%s on the nil proxy: %v, want an error wrapping ErrNotListening", name, err)
		}
	}
}

// An update that gives clusterIPs and leaves clusterIP empty keeps the
// allocated clusterIP, as the API server fills in the allocated values an
// update leaves unset before it validates (patchAllocatedValues); a
// clusterIPs that then disagrees with the kept clusterIP is refused.
// Kubernetes: pkg/registry/core/service/storage/storage.go
// patchAllocatedValues, then ValidateServiceClusterIPsRelatedFields.
func TestR8bSvcUpdateWithClusterIPsOnly(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {clusterIP: 10.96.0.40, ports: [{port: 80}]}}`)
	applyYAML(t, c, `{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {clusterIPs: [10.96.0.40], ports: [{port: 81}]}}`)
	if s := r8bsvc(t, c, "web"); s.Spec.ClusterIP != "10.96.0.40" || s.Spec.Ports[0].Port != 81 {
		t.Errorf("after the update: clusterIP %s, port %d", s.Spec.ClusterIP, s.Spec.Ports[0].Port)
	}
	objs, _, err := workload.Decode([]byte(`{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {clusterIPs: [10.96.0.41], ports: [{port: 82}]}}`), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(objs[0]); err == nil || !strings.Contains(err.Error(), "spec.clusterIPs") {
		t.Errorf("clusterIPs [10.96.0.41] over clusterIP 10.96.0.40: err %v, want one naming spec.clusterIPs", err)
	}
	if s := r8bsvc(t, c, "web"); s.Spec.ClusterIP != "10.96.0.40" || len(s.Spec.ClusterIPs) != 1 || s.Spec.ClusterIPs[0] != "10.96.0.40" || s.Spec.Ports[0].Port != 81 {
		t.Errorf("after the refused update: clusterIP %s, clusterIPs %q, port %d", s.Spec.ClusterIP, s.Spec.ClusterIPs, s.Spec.Ports[0].Port)
	}
}

// A headless Service's manifest applied again without clusterIP (the
// line dropped) keeps the Service headless, as the API server fills the
// unset clusterIP from the stored one, "None" included; asking for an
// address is refused (clusterIP is immutable). Kubernetes:
// pkg/registry/core/service/storage/storage.go patchAllocatedValues
// (needsClusterIP is "type is not ExternalName", so "None" is patched
// in), validateUpgradeDowngradeClusterIPs.
func TestR8bSvcHeadlessManifestWithoutClusterIP(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `{apiVersion: v1, kind: Service, metadata: {name: db}, spec: {clusterIP: None, selector: {app: db}, ports: [{port: 3306}]}}`)
	applyYAML(t, c, `{apiVersion: v1, kind: Service, metadata: {name: db}, spec: {selector: {app: db}, ports: [{port: 3307}]}}`)
	if s := r8bsvc(t, c, "db"); s.Spec.ClusterIP != workload.ClusterIPNone || s.Spec.Ports[0].Port != 3307 {
		t.Errorf("after the update: clusterIP %q, port %d; want None, 3307", s.Spec.ClusterIP, s.Spec.Ports[0].Port)
	}
	objs, _, err := workload.Decode([]byte(`{apiVersion: v1, kind: Service, metadata: {name: db}, spec: {clusterIP: 10.96.0.60, selector: {app: db}, ports: [{port: 3307}]}}`), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(objs[0]); err == nil || !strings.Contains(err.Error(), "spec.clusterIP") {
		t.Errorf("headless -> clusterIP 10.96.0.60: err %v, want one naming spec.clusterIP", err)
	}
	if taken, _ := c.Services().Allocated("10.96.0.60", 0); taken {
		t.Error("the refused update left 10.96.0.60 allocated")
	}
}

// A ProxyConfig with a negative DialTimeout or MaxDialAttempts is refused
// at New, naming the field, as the runtimes refuse negative durations in
// their Config (inproc, process: "Config.BackoffBase: negative
// duration"); it used to be replaced by the default silently.
func TestR8bSvcProxyConfigNegative(t *testing.T) {
	for name, pc := range map[string]*service.ProxyConfig{
		"DialTimeout":     {DialTimeout: -time.Second},
		"MaxDialAttempts": {MaxDialAttempts: -1},
	} {
		rt, err := inproc.New(inproc.Config{FirstPodCIDR: testPodCIDR})
		if err != nil {
			t.Fatal(err)
		}
		c, err := orchestra.New(orchestra.Config{Runtime: rt, Services: service.Config{Proxy: pc}})
		if err == nil {
			c.Close()
			t.Errorf("ProxyConfig.%s negative: accepted", name)
		} else if !strings.Contains(err.Error(), name) || !errors.Is(err, workload.ErrInvalid) {
			t.Errorf("ProxyConfig.%s negative: %v, want an error naming it, wrapping workload.ErrInvalid", name, err)
		}
		rt.Close()
	}
}

// Deleting a Service frees its ClusterIP and node ports at once: with a
// one-port range, a Service created right after the delete (before the
// cluster is driven, or while the control plane is stopped) gets the port
// instead of "range is full"; so does one created after a Service was
// removed from the store behind the cluster's back. Kubernetes releases
// them in the delete call itself: pkg/registry/core/service/storage/
// storage.go afterDelete -> alloc.releaseAllocatedResources.
func TestR8bSvcDeleteReleasesAtOnce(t *testing.T) {
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(t0), Seed: 1, Services: service.Config{NodePortRange: "30000-30000", ServiceCIDR: "10.0.0.0/30"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	svc := func(n string) *workload.Service {
		return &workload.Service{ObjectMeta: workload.ObjectMeta{Name: n}, Spec: workload.ServiceSpec{Type: "NodePort", Ports: []workload.ServicePort{{Port: 80}}}}
	}
	if _, err := c.Apply(svc("a")); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("Service", "default", "a", ""); err != nil {
		t.Fatal(err)
	}
	if ip, port := c.Services().Allocated("10.0.0.1", 30000); ip || port {
		t.Errorf("right after Delete: ClusterIP allocated %v, node port allocated %v; want both free", ip, port)
	}
	if _, err := c.Apply(svc("b")); err != nil {
		t.Errorf("a Service right after the delete: %v", err)
	}
	c.StopControlPlane()
	if err := c.Delete("Service", "default", "b", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(svc("c")); err != nil {
		t.Errorf("a Service after a delete with the control plane stopped: %v", err)
	}
	if _, err := c.Store().Delete("Service", "default", "c", store.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(svc("d")); err != nil {
		t.Errorf("a Service after one was removed from the store directly: %v", err)
	}
	d := r8bsvc(t, c, "d")
	if d.Spec.Ports[0].NodePort != 30000 {
		t.Errorf("d: nodePort %d, want 30000", d.Spec.Ports[0].NodePort)
	}
	if err := c.StartControlPlane(); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	if ip, port := c.Services().Allocated(d.Spec.ClusterIP, 30000); !ip || !port {
		t.Errorf("d's ClusterIP and node port not allocated after the control plane restarts: %v %v", ip, port)
	}
}

// Every bad service configuration is refused at New with an error that
// names the field and wraps workload.ErrInvalid, as the proxy's and the
// runtimes' configurations are (errors.Is(err, workload.ErrInvalid) is how
// a caller tells bad input from a failure).
func TestR8bSvcConfigErrorsAreInvalid(t *testing.T) {
	for field, cfg := range map[string]service.Config{
		"ServiceCIDR":   {ServiceCIDR: "banana"},
		"NodePortRange": {NodePortRange: "5-1"},
		"ClusterDomain": {ClusterDomain: "bad domain!"},
	} {
		_, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(t0), Services: cfg})
		if err == nil || !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), field) {
			t.Errorf("Config.Services.%s bad: %v, want an error naming it and wrapping workload.ErrInvalid", field, err)
		}
	}
}

// A hand-written EndpointSlice relabelled from Service a to Service b
// (kubernetes.io/service-name changed) moves its endpoints: a's picker
// loses them in the same step b's gains them. kube-proxy's
// EndpointSliceCache (pkg/proxy/endpointslicecache.go) keys slices by
// their service-name label and, on an update that changes it, removes the
// slice from the old Service (EndpointSliceUpdate on the old object's
// Service in pkg/proxy/config: OnEndpointSliceUpdate(old, new)).
func TestR8bSvcManualSliceRelabelled(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: a}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: b}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ext, labels: {kubernetes.io/service-name: a}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: ["10.1.2.3"]}]`)
	advance(t, c, time.Second)
	pick := func(svc string) error {
		pk, err := c.Services().Picker("default", svc, "http")
		if err != nil {
			t.Fatal(err)
		}
		_, err = pk.Pick()
		return err
	}
	if err := pick("a"); err != nil {
		t.Fatalf("a before the relabel: %v", err)
	}
	// The controller restarts in between: it learns the slice from the
	// store, not from having seen it created.
	c.StopControlPlane()
	if err := c.StartControlPlane(); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	applyYAML(t, c, `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ext, labels: {kubernetes.io/service-name: b}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: ["10.1.2.3"]}]`)
	advance(t, c, time.Second)
	if err := pick("a"); err == nil {
		t.Error("a still picks the endpoint of the slice relabelled to b")
	}
	if err := pick("b"); err != nil {
		t.Errorf("b after the relabel: %v", err)
	}
}

// Re-applying a NodePort Service whose TCP and UDP ports of one number
// share a node port (53/TCP and 53/UDP, as Kubernetes gives them on
// create) keeps that node port on both: an unchanged manifest changes
// nothing. Kubernetes: pkg/registry/core/service/storage/storage.go
// patchAllocatedValues (the node ports "used" are fixed before the loop,
// so both ports get the old value back).
func TestR8bSvcReapplySharedNodePort(t *testing.T) {
	c := newCluster(t, "a")
	y := `{apiVersion: v1, kind: Service, metadata: {name: dns}, spec: {type: NodePort, ports: [{name: dns-tcp, port: 53, protocol: TCP}, {name: dns-udp, port: 53, protocol: UDP}]}}`
	applyYAML(t, c, y)
	s := r8bsvc(t, c, "dns")
	np := s.Spec.Ports[0].NodePort
	if np == 0 || s.Spec.Ports[1].NodePort != np {
		t.Fatalf("created with node ports %d and %d; want one shared", np, s.Spec.Ports[1].NodePort)
	}
	applyYAML(t, c, y)
	s = r8bsvc(t, c, "dns")
	if s.Spec.Ports[0].NodePort != np || s.Spec.Ports[1].NodePort != np {
		t.Errorf("re-applied: node ports %d and %d; want both %d", s.Spec.Ports[0].NodePort, s.Spec.Ports[1].NodePort, np)
	}
}

// The service layer's exported calls take nil without panicking: Create
// and Update of a nil Service fail naming it, KeepAllocated and
// DropTypeDependentFields with a nil side do nothing.
func TestR8bSvcLayerNilNoPanic(t *testing.T) {
	c := newCluster(t, "a")
	l := c.Services()
	write := func() (workload.Object, error) { return nil, errors.New("not called") }
	s := &workload.Service{ObjectMeta: workload.ObjectMeta{Name: "x", Namespace: "default"}}
	for name, f := range map[string]func() error{
		"Create(nil)":    func() error { _, err := l.Create(nil, write); return err },
		"Update(nil, s)": func() error { _, err := l.Update(nil, s, write); return err },
		"KeepAllocated": func() error {
			service.KeepAllocated(nil, s)
			service.KeepAllocated(s, nil)
			return errors.New("ok")
		},
		"DropTypeDependentFields": func() error {
			service.DropTypeDependentFields(nil, s)
			service.DropTypeDependentFields(s, nil)
			return errors.New("ok")
		},
	} {
		if err := r3safe(f); err == nil || strings.HasPrefix(err.Error(), "PANIC") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A LoadBalancer Service whose load balancer got an address (a cloud
// controller wrote status.loadBalancer.ingress) that changes to another
// type loses that status: no load balancer serves it any more. Kubernetes:
// pkg/registry/core/service/strategy.go dropTypeDependentFields ("Clear
// the load-balancer status if it is no longer appropriate").
func TestR8bSvcTypeChangeClearsLoadBalancerStatus(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {type: LoadBalancer, ports: [{port: 80}]}}`)
	s := r8bsvc(t, c, "web")
	s.Status.LoadBalancer.Ingress = []workload.LoadBalancerIngress{{IP: "203.0.113.7"}}
	if _, err := c.Store().UpdateStatus(s); err != nil {
		t.Fatal(err)
	}
	applyYAML(t, c, `{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {type: NodePort, ports: [{port: 80}]}}`)
	if s := r8bsvc(t, c, "web"); len(s.Status.LoadBalancer.Ingress) != 0 {
		t.Errorf("NodePort Service keeps status.loadBalancer.ingress %v", s.Status.LoadBalancer.Ingress)
	}
}
