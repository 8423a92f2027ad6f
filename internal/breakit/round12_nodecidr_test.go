package breakit_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra/workload"
)

// TestR12NodePodCIDRMustBeACIDR: Kubernetes' ValidateNode refuses a Node
// whose pod CIDRs (spec.podCIDRs, or spec.podCIDR alone, which the v1
// conversion makes podCIDRs[0]) are not CIDRs ("spec.podCIDRs[0]: Invalid
// value: ...: must be a valid CIDR value"), or are more than one per IP
// family. orchestra stored an applied Node with any podCIDR.
func TestR12NodePodCIDRMustBeACIDR(t *testing.T) {
	for _, tc := range []struct {
		name, spec, field string
	}{
		{"podCIDR", "{podCIDR: junk}", "spec.podCIDRs[0]"},
		{"podCIDRs", "{podCIDRs: [10.0.0.0/24, junk]}", "spec.podCIDRs[1]"},
		{"two-ipv4", "{podCIDRs: [10.0.0.0/24, 10.0.1.0/24]}", "spec.podCIDRs"},
		{"ok", "{podCIDR: 10.0.0.0/24}", ""},
		{"ok-dual", "{podCIDRs: [10.0.0.0/24, 'fd00::/64']}", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t)
			objs, _, err := workload.Decode([]byte("apiVersion: v1\nkind: Node\nmetadata: {name: nx}\nspec: "+tc.spec+"\n"), tc.name+".yaml")
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Apply(objs[0])
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), tc.field+":") {
				t.Fatalf("apply: %v; want workload.ErrInvalid naming %s", err, tc.field)
			}
			if _, err := c.Get("Node", "", "nx"); err == nil {
				t.Fatal("the refused Node is stored")
			}
		})
	}
}
