package breakit_test

import (
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra/workload"
)

// spec.allocateLoadBalancerNodePorts: false keeps a LoadBalancer Service
// from getting node ports: ports that ask for none get none (and the
// proxy opens no node port for them), a port that asks for a specific one
// still gets exactly it. The field defaults to true for LoadBalancer
// Services, is refused on other types, and is dropped when a read-back
// LoadBalancer Service changes type without touching it. orchestra
// ignored the field (a "not modelled" warning) and allocated a node port
// for every port. Kubernetes: pkg/registry/core/service/storage/alloc.go
// (shouldAllocateNodePorts, initNodePorts: "Don't allocate new ports, but
// do respect specific requests"); pkg/apis/core/v1/defaults.go
// SetDefaults_Service; pkg/apis/core/validation/validation.go
// ValidateService ("may only be used when `type` is 'LoadBalancer'");
// pkg/registry/core/service/strategy.go dropTypeDependentFields;
// https://kubernetes.io/docs/concepts/services-networking/service/#load-balancer-nodeport-allocation
func TestR10sSvcAllocateLoadBalancerNodePortsFalse(t *testing.T) {
	c := newCluster(t, "a")
	objs, warns, err := workload.Decode([]byte(`
apiVersion: v1
kind: Service
metadata: {name: lb}
spec:
  type: LoadBalancer
  allocateLoadBalancerNodePorts: false
  selector: {app: web}
  ports:
  - {name: http, port: 80}
  - {name: https, port: 443, nodePort: 30443}`), "lb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warns {
		if strings.Contains(w, "allocateLoadBalancerNodePorts") {
			t.Errorf("decode warns about a modelled field: %v", w)
		}
	}
	if _, err := c.Apply(objs[0]); err != nil {
		t.Fatal(err)
	}
	s := r8bsvc(t, c, "lb")
	if s.Spec.Ports[0].NodePort != 0 {
		t.Errorf("port http got node port %d with allocateLoadBalancerNodePorts false, want none", s.Spec.Ports[0].NodePort)
	}
	if s.Spec.Ports[1].NodePort != 30443 {
		t.Errorf("port https: node port %d, want the requested 30443", s.Spec.Ports[1].NodePort)
	}
	if _, taken := c.Services().Allocated("", 30443); !taken {
		t.Errorf("requested node port 30443 not allocated")
	}
	if s.Spec.AllocateLoadBalancerNodePorts == nil || *s.Spec.AllocateLoadBalancerNodePorts {
		t.Errorf("allocateLoadBalancerNodePorts = %v, want false kept", s.Spec.AllocateLoadBalancerNodePorts)
	}

	// Re-applied unchanged: still no node port for http.
	if _, err := c.Apply(objs[0]); err != nil {
		t.Fatal(err)
	}
	if s := r8bsvc(t, c, "lb"); s.Spec.Ports[0].NodePort != 0 || s.Spec.Ports[1].NodePort != 30443 {
		t.Errorf("after re-apply: node ports %d, %d; want 0, 30443", s.Spec.Ports[0].NodePort, s.Spec.Ports[1].NodePort)
	}

	// The default for a LoadBalancer is true: every port gets one.
	applyYAML(t, c, `{apiVersion: v1, kind: Service, metadata: {name: lb2}, spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80}]}}`)
	s2 := r8bsvc(t, c, "lb2")
	if s2.Spec.AllocateLoadBalancerNodePorts == nil || !*s2.Spec.AllocateLoadBalancerNodePorts || s2.Spec.Ports[0].NodePort == 0 {
		t.Errorf("default LoadBalancer: allocateLoadBalancerNodePorts %v, node port %d; want true and one allocated",
			s2.Spec.AllocateLoadBalancerNodePorts, s2.Spec.Ports[0].NodePort)
	}

	// Only a LoadBalancer may set it.
	objs, _, err = workload.Decode([]byte(`{apiVersion: v1, kind: Service, metadata: {name: np}, spec: {type: NodePort, allocateLoadBalancerNodePorts: false, ports: [{port: 80}]}}`), "np.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(objs[0]); err == nil || !strings.Contains(err.Error(), "spec.allocateLoadBalancerNodePorts") {
		t.Errorf("NodePort Service with allocateLoadBalancerNodePorts: err %v, want one naming spec.allocateLoadBalancerNodePorts", err)
	}

	// A read-back LoadBalancer given type ClusterIP loses the field, as
	// the API server drops what the new type cannot have.
	s2 = r8bsvc(t, c, "lb2")
	s2.Spec.Type = workload.ServiceTypeClusterIP
	if _, err := c.Apply(s2); err != nil {
		t.Fatalf("LoadBalancer -> ClusterIP of the read-back Service: %v", err)
	}
	if s2 = r8bsvc(t, c, "lb2"); s2.Spec.AllocateLoadBalancerNodePorts != nil || s2.Spec.Ports[0].NodePort != 0 {
		t.Errorf("after LoadBalancer -> ClusterIP: allocateLoadBalancerNodePorts %v, node port %d; want unset, 0",
			s2.Spec.AllocateLoadBalancerNodePorts, s2.Spec.Ports[0].NodePort)
	}
}
