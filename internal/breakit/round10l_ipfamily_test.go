package breakit_test

import (
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

// Services get ipFamilyPolicy and ipFamilies as the API server's
// initIPFamilyFields gives them on a single-stack IPv4 cluster:
// SingleStack and [IPv4] by default, kept by an update that leaves them
// out; RequireDualStack and [IPv4, IPv6] for a headless Service without a
// selector; PreferDualStack accepted with [IPv4]; RequireDualStack and
// IPv6 refused with the API server's words; nothing for ExternalName, and a
// change to ExternalName drops them.
func TestR10lServiceIPFamilies(t *testing.T) {
	c := newCluster(t, "n1")
	svc := func(name, extra string) *workload.Service {
		t.Helper()
		objs, _, err := workload.Decode([]byte("apiVersion: v1\nkind: Service\nmetadata: {name: "+name+"}\nspec: {"+extra+"}\n"), "svc.yaml")
		if err != nil {
			t.Fatal(err)
		}
		return objs[0].(*workload.Service)
	}
	check := func(name, policy, families string) {
		t.Helper()
		s, err := orchestra.GetAs[*workload.Service](c, "default", name)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if s.Spec.IPFamilyPolicy != nil {
			got = *s.Spec.IPFamilyPolicy
		}
		if got != policy || strings.Join(s.Spec.IPFamilies, ",") != families {
			t.Errorf("%s: ipFamilyPolicy %q, ipFamilies %v; want %q, [%s]", name, got, s.Spec.IPFamilies, policy, families)
		}
	}
	for _, tc := range []struct{ name, spec, policy, families string }{
		{"plain", "selector: {app: x}, ports: [{port: 80}]", "SingleStack", "IPv4"},
		{"nodeport", "type: NodePort, selector: {app: x}, ports: [{port: 80}]", "SingleStack", "IPv4"},
		{"headless", "clusterIP: None, selector: {app: x}, ports: [{port: 80}]", "SingleStack", "IPv4"},
		{"headless-noselector", "clusterIP: None, ports: [{port: 80}]", "RequireDualStack", "IPv4,IPv6"},
		{"prefer", "ipFamilyPolicy: PreferDualStack, selector: {app: x}, ports: [{port: 80}]", "PreferDualStack", "IPv4"},
		{"external", "type: ExternalName, externalName: example.com", "", ""},
	} {
		if _, err := c.Apply(svc(tc.name, tc.spec)); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		check(tc.name, tc.policy, tc.families)
	}
	// An update that leaves them out keeps them.
	if _, err := c.Apply(svc("plain", "selector: {app: z}, ports: [{port: 80}]")); err != nil {
		t.Fatal(err)
	}
	check("plain", "SingleStack", "IPv4")
	// A read-back Service changed to ExternalName loses them.
	s, _ := orchestra.GetAs[*workload.Service](c, "default", "plain")
	s.Spec.Type, s.Spec.ExternalName, s.Spec.Selector = workload.ServiceTypeExternalName, "example.com", nil
	if _, err := c.Apply(s); err != nil {
		t.Fatal(err)
	}
	check("plain", "", "")

	for _, tc := range []struct{ spec, want string }{
		{"ipFamilyPolicy: RequireDualStack, selector: {app: x}, ports: [{port: 80}]",
			`spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services`},
		{"ipFamilies: [IPv6], selector: {app: x}, ports: [{port: 80}]",
			`spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster`},
		{"ipFamilies: [IPv4, IPv6], selector: {app: x}, ports: [{port: 80}]",
			`spec.ipFamilyPolicy: Invalid value: "SingleStack": must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified`},
		{"ipFamilyPolicy: DualStack, selector: {app: x}, ports: [{port: 80}]",
			`spec.ipFamilyPolicy: Unsupported value: "DualStack"`},
	} {
		_, err := c.Apply(svc("bad", tc.spec))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.spec, err, tc.want)
		}
	}
	if _, err := c.Get("Service", "default", "bad"); err == nil {
		t.Error("a refused Service was stored")
	}
}
