package breakit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

func r3svcOf(name, typ, ip string, nodePort int32) *workload.Service {
	s := r3svc(name)
	s.Spec.Type = typ
	s.Spec.ClusterIP = ip
	s.Spec.Ports[0].NodePort = nodePort
	return s
}

func r3applyErr(c *orchestra.Cluster, o workload.Object) error {
	_, err := c.Apply(o)
	return err
}

// ClusterIP and NodePort allocation errors at create name the field and
// change nothing; deleting a Service releases its IP and node port at
// once; a Service's clusterIP is immutable.
// https://kubernetes.io/docs/concepts/services-networking/service/#choosing-your-own-ip-address ;
// https://kubernetes.io/docs/concepts/services-networking/service/#nodeport-custom-port ;
// pkg/apis/core/validation/validation.go ValidateServiceUpdate
// (spec.clusterIP "field is immutable").
func TestR3SvcAllocationErrors(t *testing.T) {
	c := newCluster(t, "a")
	r3apply(t, c, r3svcOf("one", "NodePort", "10.96.0.50", 30080))
	for name, tc := range map[string]struct {
		svc   *workload.Service
		field string
	}{
		"ip out of range":        {r3svcOf("two", "", "192.168.0.1", 0), "spec.clusterIP"},
		"ip taken":               {r3svcOf("two", "", "10.96.0.50", 0), "spec.clusterIP"},
		"ip not an ip":           {r3svcOf("two", "", "banana", 0), "spec.clusterIP"},
		"node port taken":        {r3svcOf("two", "NodePort", "", 30080), "spec.ports[0].nodePort"},
		"node port range":        {r3svcOf("two", "NodePort", "", 80), "spec.ports[0].nodePort"},
		"node port on ClusterIP": {r3svcOf("two", "ClusterIP", "", 30081), "spec.ports[0].nodePort"},
	} {
		err := r3applyErr(c, tc.svc)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if !strings.Contains(err.Error(), tc.field) || !strings.Contains(err.Error(), "two") {
			t.Errorf("%s: error %q does not name Service two and %s", name, err, tc.field)
		}
		if r3get(t, c, "Service", "default", "two") != nil {
			t.Fatalf("%s: the failed Apply left Service two behind", name)
		}
	}
	// Immutable clusterIP.
	if err := r3applyErr(c, r3svcOf("one", "NodePort", "10.96.0.51", 30080)); err == nil {
		s := r3get(t, c, "Service", "default", "one").(*workload.Service)
		t.Errorf("changing spec.clusterIP was accepted (now %s); it is immutable", s.Spec.ClusterIP)
	}
	// Delete releases.
	if err := c.Delete("Service", "default", "one", ""); err != nil {
		t.Fatal(err)
	}
	if err := r3applyErr(c, r3svcOf("three", "NodePort", "10.96.0.50", 30080)); err != nil {
		t.Errorf("the IP and node port of a deleted Service are not released: %v", err)
	}
}

// Changing a NodePort Service to ClusterIP releases its node ports (and
// clears spec.ports[].nodePort); another Service can then take the port.
// https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport ;
// pkg/registry/core/service/storage/storage.go (releases node ports when
// the type no longer needs them).
func TestR3SvcTypeChangeReleasesNodePort(t *testing.T) {
	c := newCluster(t, "a")
	s := r3apply(t, c, r3svcOf("one", "NodePort", "", 30090)).(*workload.Service)
	ip := s.Spec.ClusterIP
	s2 := r3svcOf("one", "ClusterIP", ip, 0)
	out := r3apply(t, c, s2).(*workload.Service)
	if out.Spec.Ports[0].NodePort != 0 {
		t.Errorf("ClusterIP Service keeps nodePort %d", out.Spec.Ports[0].NodePort)
	}
	if err := r3applyErr(c, r3svcOf("two", "NodePort", "", 30090)); err != nil {
		t.Errorf("node port 30090 not released by the type change: %v", err)
	}
}

// Changing a Service's selector moves its endpoints to the newly selected
// pods; changing its targetPort changes every endpoint slice's port.
// https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/
func TestR3SvcSelectorAndPortChange(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: blue, labels: {color: blue}}
spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: green, labels: {color: green}}
spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {color: blue}, ports: [{port: 80, targetPort: 8080}]}`)
	advance(t, c, time.Minute)
	ep := func() ([]string, []int32) {
		var names []string
		var ports []int32
		for _, s := range slices(t, c, "web") {
			for _, e := range s.Endpoints {
				if e.TargetRef != nil {
					names = append(names, e.TargetRef.Name)
				}
			}
			for _, p := range s.Ports {
				if p.Port != nil {
					ports = append(ports, *p.Port)
				}
			}
		}
		return names, ports
	}
	if n, _ := ep(); len(n) != 1 || n[0] != "blue" {
		t.Fatalf("endpoints %v, want blue", n)
	}
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {color: green}, ports: [{port: 80, targetPort: 9090}]}`)
	advance(t, c, time.Second)
	n, p := ep()
	if len(n) != 1 || n[0] != "green" {
		t.Errorf("endpoints %v after the selector change, want green", n)
	}
	for _, x := range p {
		if x != 9090 {
			t.Errorf("slice port %d after the targetPort change, want 9090", x)
		}
	}
	// Removing the selector: the controller stops managing slices (they
	// are deleted), as for a Service without a selector.
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {ports: [{port: 80, targetPort: 9090}]}`)
	advance(t, c, time.Second)
	if s := slices(t, c, "web"); len(s) != 0 {
		t.Errorf("%d EndpointSlices managed for a Service without selector", len(s))
	}
}

// A headless Service (clusterIP: None) cannot become a ClusterIP Service
// by update (clusterIP is immutable), and the error names the field.
func TestR3SvcHeadlessImmutable(t *testing.T) {
	c := newCluster(t, "a")
	r3apply(t, c, r3svcOf("h", "", "None", 0))
	err := r3applyErr(c, r3svcOf("h", "", "", 0))
	if err != nil {
		return // refused: fine
	}
	s := r3get(t, c, "Service", "default", "h").(*workload.Service)
	if s.Spec.ClusterIP != "None" {
		t.Errorf("applying a headless Service without clusterIP turned it into %q; clusterIP is immutable", s.Spec.ClusterIP)
	}
}
