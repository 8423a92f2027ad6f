package breakit_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra/workload"
)

// A LoadBalancer Service with externalTrafficPolicy Local gets a health
// check node port, as the API server allocates it
// (allocHealthCheckNodePort): one from the node port range, or the one it
// asks for. An update that leaves it out keeps it, one that changes it is
// refused (field is immutable), and it is released when the policy turns
// Cluster, so another Service can ask for it. It may only be set on a
// LoadBalancer with policy Local.
func TestR10lHealthCheckNodePort(t *testing.T) {
	c := newCluster(t, "n1")
	apply := func(name, spec string) (*workload.Service, error) {
		t.Helper()
		objs, _, err := workload.Decode([]byte("apiVersion: v1\nkind: Service\nmetadata: {name: "+name+"}\nspec: {selector: {app: web}, ports: [{port: 80}], "+spec+"}\n"), "svc.yaml")
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.Apply(objs[0])
		if err != nil {
			return nil, err
		}
		return out.(*workload.Service), nil
	}
	s, err := apply("lb", "type: LoadBalancer, externalTrafficPolicy: Local")
	if err != nil {
		t.Fatal(err)
	}
	hc := s.Spec.HealthCheckNodePort
	if hc < 30000 || hc > 32767 || hc == s.Spec.Ports[0].NodePort {
		t.Fatalf("healthCheckNodePort %d (node port %d), want one of its own from 30000-32767", hc, s.Spec.Ports[0].NodePort)
	}
	if s, err = apply("lb", "type: LoadBalancer, externalTrafficPolicy: Local"); err != nil || s.Spec.HealthCheckNodePort != hc {
		t.Fatalf("re-applied without it: %v, %+v; want %d kept", err, s, hc)
	}
	if _, err := apply("lb", "type: LoadBalancer, externalTrafficPolicy: Local, healthCheckNodePort: 31999"); err == nil || !strings.Contains(err.Error(), "spec.healthCheckNodePort: Invalid value: 31999: field is immutable") {
		t.Fatalf("changing it: %v, want field is immutable", err)
	}
	if _, err := apply("other", "type: LoadBalancer, externalTrafficPolicy: Local, healthCheckNodePort: "+itoa(hc)); err == nil || !strings.Contains(err.Error(), "provided port is already allocated") {
		t.Fatalf("another Service asking for it: %v, want already allocated", err)
	}
	if s, err = apply("lb", "type: LoadBalancer, externalTrafficPolicy: Cluster"); err != nil || s.Spec.HealthCheckNodePort != 0 {
		t.Fatalf("policy Cluster: %v, healthCheckNodePort %d; want none", err, s.Spec.HealthCheckNodePort)
	}
	if s, err = apply("other", "type: LoadBalancer, externalTrafficPolicy: Local, healthCheckNodePort: "+itoa(hc)); err != nil || s.Spec.HealthCheckNodePort != hc {
		t.Fatalf("asking for the released port: %v", err)
	}
	if _, err := apply("cip", "healthCheckNodePort: 30123"); err == nil || !strings.Contains(err.Error(), "spec.healthCheckNodePort: Invalid value: 30123: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'") {
		t.Fatalf("on a ClusterIP Service: %v", err)
	}
	// Deleting the Service frees it at once.
	if err := c.Delete("Service", "", "other", ""); err != nil {
		t.Fatal(err)
	}
	if _, port := c.Services().Allocated("", hc); port {
		t.Fatalf("node port %d still allocated after its Service went", hc)
	}
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }
