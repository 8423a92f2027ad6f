package breakit_test

import (
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra/workload"
)

// Two Service ports with the same port number and protocol are refused
// ("spec.ports[1]: Duplicate value"); the same number with another
// protocol (DNS on 53/TCP and 53/UDP) is fine.
// Source: pkg/apis/core/validation/validation.go ValidateService (the
// ports map keyed by protocol and port).
func TestR6SvcDuplicatePortRejected(t *testing.T) {
	c := newCluster(t, "a")
	mk := func(name string, ports ...workload.ServicePort) *workload.Service {
		s := r3svc(name)
		s.Spec.Ports = ports
		return s
	}
	err := r3applyErr(c, mk("dup",
		workload.ServicePort{Name: "a", Port: 80, Protocol: workload.ProtocolTCP},
		workload.ServicePort{Name: "b", Port: 80}))
	if err == nil || !strings.Contains(err.Error(), "spec.ports[1]") || !strings.Contains(err.Error(), "Duplicate") {
		t.Errorf("duplicate 80/TCP: error %v, want a Duplicate value at spec.ports[1]", err)
	}
	if r3get(t, c, "Service", "default", "dup") != nil {
		t.Error("the refused Service was stored")
	}
	if err := r3applyErr(c, mk("dns",
		workload.ServicePort{Name: "dns-tcp", Port: 53, Protocol: workload.ProtocolTCP},
		workload.ServicePort{Name: "dns-udp", Port: 53, Protocol: "UDP"})); err != nil {
		t.Errorf("53/TCP and 53/UDP: %v", err)
	}
}

// A NodePort Service's ports with the same port number (DNS on 53/TCP and
// 53/UDP) share one node port: the allocated one, or the one a port of
// the group asks for. Source: pkg/registry/core/service/storage/alloc.go
// initNodePorts (svcPortToNodePort, findRequestedNodePort).
func TestR6SvcSamePortSharesNodePort(t *testing.T) {
	c := newCluster(t, "a")
	mk := func(name string, ports ...workload.ServicePort) *workload.Service {
		s := r3svc(name)
		s.Spec.Type = workload.ServiceTypeNodePort
		s.Spec.Ports = ports
		return s
	}
	nodePorts := func(o workload.Object) []int32 {
		var out []int32
		for _, p := range o.(*workload.Service).Spec.Ports {
			out = append(out, p.NodePort)
		}
		return out
	}
	o := r3apply(t, c, mk("dns",
		workload.ServicePort{Name: "dns-tcp", Port: 53, Protocol: workload.ProtocolTCP},
		workload.ServicePort{Name: "dns-udp", Port: 53, Protocol: "UDP"},
		workload.ServicePort{Name: "web", Port: 80}))
	if np := nodePorts(o); np[0] == 0 || np[0] != np[1] || np[2] == np[0] {
		t.Errorf("node ports %v, want 53/TCP and 53/UDP on one, 80 on another", np)
	}
	o = r3apply(t, c, mk("dns2",
		workload.ServicePort{Name: "dns-udp", Port: 53, Protocol: "UDP"},
		workload.ServicePort{Name: "dns-tcp", Port: 53, Protocol: workload.ProtocolTCP, NodePort: 30053}))
	if np := nodePorts(o); np[0] != 30053 || np[1] != 30053 {
		t.Errorf("node ports %v, want both on the requested 30053", np)
	}
	// The shared node port is one allocation: deleting the Service frees it.
	if err := c.Delete("Service", "default", "dns2", ""); err != nil {
		t.Fatal(err)
	}
	r3apply(t, c, mk("dns3", workload.ServicePort{Name: "x", Port: 1, NodePort: 30053}))
}
