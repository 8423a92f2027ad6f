package service

import (
	"errors"
	"net/netip"
	"testing"
)

func TestIPAllocatorDynamicPrefersUpperBand(t *testing.T) {
	a, err := NewIPAllocator("10.96.0.0/24")
	if err != nil {
		t.Fatal(err)
	}
	// 256 addresses: the lower band is 16 (min(max(16, 16), 256))
	// addresses after the network address, .1-.16.
	ip, err := a.AllocateNext()
	if err != nil {
		t.Fatal(err)
	}
	if want := netip.MustParseAddr("10.96.0.17"); ip != want {
		t.Fatalf("first dynamic address %s, want %s", ip, want)
	}
	if err := a.Allocate(netip.MustParseAddr("10.96.0.10")); err != nil {
		t.Fatal(err)
	}
	if err := a.Allocate(netip.MustParseAddr("10.96.0.10")); !errors.Is(err, ErrAllocated) {
		t.Fatalf("second allocation of .10: %v, want ErrAllocated", err)
	}
	for _, s := range []string{"10.96.0.0", "10.96.0.255", "10.96.1.1", "192.168.0.1"} {
		if err := a.Allocate(netip.MustParseAddr(s)); !errors.Is(err, ErrNotInRange) {
			t.Errorf("Allocate(%s) = %v, want ErrNotInRange", s, err)
		}
	}
	// Fill the upper band (.17-.254), then dynamic allocation goes low.
	for i := 18; i <= 254; i++ {
		if _, err := a.AllocateNext(); err != nil {
			t.Fatal(err)
		}
	}
	ip, _ = a.AllocateNext()
	if want := netip.MustParseAddr("10.96.0.1"); ip != want {
		t.Fatalf("after the upper band is full: %s, want %s", ip, want)
	}
	a.Release(netip.MustParseAddr("10.96.0.100"))
	ip, _ = a.AllocateNext()
	if want := netip.MustParseAddr("10.96.0.100"); ip != want {
		t.Fatalf("after releasing .100: %s, want %s", ip, want)
	}
	for a.Used() < 254 {
		if _, err := a.AllocateNext(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.AllocateNext(); !errors.Is(err, ErrRangeFull) {
		t.Fatalf("full range: %v, want ErrRangeFull", err)
	}
	a.Reset()
	if a.Used() != 0 || a.Has(netip.MustParseAddr("10.96.0.17")) {
		t.Fatalf("after Reset: used %d", a.Used())
	}
}

func TestIPAllocatorDefaultRange(t *testing.T) {
	a, err := NewIPAllocator(DefaultServiceCIDR)
	if err != nil {
		t.Fatal(err)
	}
	ip, _ := a.AllocateNext()
	// 2^20 addresses: the lower band is the 256 addresses after the
	// network address (.0.1 - .1.0).
	if want := netip.MustParseAddr("10.96.1.1"); ip != want {
		t.Fatalf("first dynamic address %s, want %s", ip, want)
	}
	if !a.Contains(netip.MustParseAddr("10.111.255.254")) || a.Contains(netip.MustParseAddr("10.112.0.1")) {
		t.Fatal("range bounds wrong")
	}
}

func TestNewIPAllocatorRejects(t *testing.T) {
	for _, s := range []string{"", "10.96.0.0", "fd00::/108", "10.0.0.0/31", "10.0.0.0/4", "nonsense/12"} {
		if _, err := NewIPAllocator(s); err == nil {
			t.Errorf("NewIPAllocator(%q) succeeded", s)
		}
	}
}

func TestPortAllocator(t *testing.T) {
	a, err := NewPortAllocator(DefaultNodePortRange)
	if err != nil {
		t.Fatal(err)
	}
	// 2768 ports: the lower band is 86 (min(max(16, 2768/32), 128)).
	p, _ := a.AllocateNext()
	if p != 30086 {
		t.Fatalf("first dynamic port %d, want 30086", p)
	}
	if err := a.Allocate(30086); !errors.Is(err, ErrAllocated) {
		t.Fatalf("taken port: %v", err)
	}
	if err := a.Allocate(30000); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []int32{29999, 32768, 0} {
		if err := a.Allocate(bad); !errors.Is(err, ErrNotInRange) {
			t.Errorf("Allocate(%d) = %v, want ErrNotInRange", bad, err)
		}
	}
	a.Release(30086)
	if p, _ := a.AllocateNext(); p != 30086 {
		t.Fatalf("after release: %d, want 30086", p)
	}
}

func TestParsePortRange(t *testing.T) {
	tests := []struct {
		in   string
		want PortRange
		ok   bool
	}{
		{"30000-32767", PortRange{30000, 32767}, true},
		{" 1 - 10 ", PortRange{1, 10}, true},
		{"10-1", PortRange{}, false},
		{"0-10", PortRange{}, false},
		{"1-70000", PortRange{}, false},
		{"30000", PortRange{}, false},
	}
	for _, tt := range tests {
		got, err := ParsePortRange(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParsePortRange(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestPortAllocatorSmallRangeFills(t *testing.T) {
	a, err := NewPortAllocator(PortRange{40000, 40009}) // band 16 > size 10
	if err != nil {
		t.Fatal(err)
	}
	for want := int32(40000); want <= 40009; want++ {
		if p, err := a.AllocateNext(); err != nil || p != want {
			t.Fatalf("AllocateNext = %d, %v; want %d", p, err, want)
		}
	}
	if p, err := a.AllocateNext(); !errors.Is(err, ErrRangeFull) {
		t.Fatalf("full: %d, %v", p, err)
	}
}
