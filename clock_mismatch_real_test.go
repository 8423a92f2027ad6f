package orchestra_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/process"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// The real runtimes tell their clock too, so a cluster in virtual time over
// an inproc or process runtime on the real clock (the clock given to one and
// not the other), whose Advance would not wait for the runtime's back-offs
// and grace periods, or a virtual runtime under a real-time cluster, whose
// timers would never fire, is refused with the field named; the same clock
// and two clocks that are not virtual are accepted.
func TestNewRefusesRealRuntimeOnAnotherClock(t *testing.T) {
	type runtime interface {
		workload.Runtime
		Close()
	}
	makers := map[string]func(clk vtime.Clock) (runtime, error){
		"inproc": func(clk vtime.Clock) (runtime, error) {
			return inproc.New(inproc.Config{Clock: clk, FirstPodCIDR: netip.MustParseAddr("127.35.0.0")})
		},
		"process": func(clk vtime.Clock) (runtime, error) {
			rt, err := process.New(process.Config{Clock: clk, FirstPodCIDR: netip.MustParseAddr("127.36.0.0")})
			if errors.Is(err, process.ErrUnsupported) {
				return nil, err
			}
			return rt, err
		},
	}
	v := vtime.NewVirtual(t0)
	for name, mk := range makers {
		for _, tc := range []struct {
			name       string
			rtClk, clu vtime.Clock
			ok         bool
		}{
			{"runtime on the real clock, cluster virtual", nil, v, false},
			{"runtime virtual, cluster on the real clock", v, nil, false},
			{"two virtual clocks", vtime.NewVirtual(t0), v, false},
			{"same virtual clock", v, v, true},
			{"both real", nil, nil, true},
			{"scaled runtime, real cluster", vtime.Scaled(t0, 20), nil, true},
		} {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				rt, err := mk(tc.rtClk)
				if errors.Is(err, process.ErrUnsupported) {
					t.Skip(err)
				}
				if err != nil {
					t.Fatal(err)
				}
				defer rt.Close()
				c, err := orchestra.New(orchestra.Config{Runtime: rt, Clock: tc.clu})
				if tc.ok {
					if err != nil {
						t.Fatalf("New: %v", err)
					}
					c.Close()
					return
				}
				if err == nil {
					c.Close()
					t.Fatal("New accepted a runtime on another clock")
				}
				if !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "Config.Clock") {
					t.Errorf("error %q: want one wrapping workload.ErrInvalid that names Config.Clock", err)
				}
			})
		}
	}
}
