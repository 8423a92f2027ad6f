package breakit_test

import (
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra"
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
