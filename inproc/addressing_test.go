package inproc_test

import (
	"testing"

	"github.com/orchestra-go/orchestra/inproc"
)

// TestAddressingExported: a caller outside the module sets
// Config.Addressing with the package's own constants.
func TestAddressingExported(t *testing.T) {
	for _, tc := range []struct {
		addressing inproc.Addressing
		shared     bool
	}{
		{inproc.AddressingShared, true},
		{inproc.AddressingPerPod, false},
	} {
		rt, err := inproc.New(inproc.Config{Addressing: tc.addressing})
		if err != nil {
			t.Fatal(err)
		}
		if got := rt.PodAddrShared(); got != tc.shared {
			t.Errorf("Addressing %v: PodAddrShared() = %v, want %v", tc.addressing, got, tc.shared)
		}
		rt.Close()
	}
}
