package kubelet_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra/internal/kubelet"
)

// TestFirstPodCIDR: nodes get consecutive /24s from Config.FirstPodCIDR
// (127.1.0.0 when unset); an address that is not the start of a /24 in
// 127.0.0.0/8 is refused, naming the field.
func TestFirstPodCIDR(t *testing.T) {
	for _, tc := range []struct {
		first string
		want  []string
	}{
		{"", []string{"127.1.0.0/24", "127.1.1.0/24"}},
		{"127.20.0.0", []string{"127.20.0.0/24", "127.20.1.0/24"}},
		{"127.9.255.0", []string{"127.9.255.0/24", "127.10.0.0/24"}},
	} {
		cfg := kubelet.Config{Starter: echo{}, Nodes: []string{"a", "b"}, Addressing: kubelet.AddressingPerPod}
		if tc.first != "" {
			cfg.FirstPodCIDR = netip.MustParseAddr(tc.first)
		}
		k, err := kubelet.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		nodes, _, _, err := k.List(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for i, n := range nodes {
			if n.Spec.PodCIDR != tc.want[i] {
				t.Errorf("FirstPodCIDR %q: node %s has %s, want %s", tc.first, n.Name, n.Spec.PodCIDR, tc.want[i])
			}
		}
		k.Close()
	}
	for _, bad := range []string{"10.0.0.0", "127.1.0.5", "127.0.0.0", "::1"} {
		_, err := kubelet.New(kubelet.Config{Starter: echo{}, FirstPodCIDR: netip.MustParseAddr(bad)})
		if !errors.Is(err, kubelet.ErrInvalid) || !strings.Contains(err.Error(), "Config.FirstPodCIDR") {
			t.Errorf("FirstPodCIDR %s: err = %v, want ErrInvalid naming Config.FirstPodCIDR", bad, err)
		}
	}
}
