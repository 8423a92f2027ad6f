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
