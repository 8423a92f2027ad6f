//go:build unix

package process_test

import (
	"testing"

	"github.com/orchestra-go/orchestra/process"
)

// TestAddressingExported: a caller outside the module sets
// Config.Addressing with the package's own constants.
func TestAddressingExported(t *testing.T) {
	for _, tc := range []struct {
		addressing process.Addressing
		shared     bool
	}{
		{process.AddressingShared, true},
		{process.AddressingPerPod, false},
	} {
		rt, err := process.New(process.Config{Addressing: tc.addressing})
		if err != nil {
			t.Fatal(err)
		}
		if got := rt.PodAddrShared(); got != tc.shared {
			t.Errorf("Addressing %v: PodAddrShared() = %v, want %v", tc.addressing, got, tc.shared)
		}
		rt.Close()
	}
}
