package orchestra_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// A fake runtime made on one clock and a cluster given another (the
// clock forgotten in fake.Config or in orchestra.Config) would never move
// the containers when the cluster plays virtual time: New refuses it and
// names the field.
func TestNewRefusesFakeOnAnotherClock(t *testing.T) {
	v := vtime.NewVirtual(t0)
	for _, tc := range []struct {
		name            string
		fakeClk, cluClk vtime.Clock
	}{
		{"fake on the real clock", nil, v},
		{"cluster on the real clock", v, nil},
		{"two virtual clocks", vtime.NewVirtual(t0), v},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := fake.New(fake.Config{Clock: tc.fakeClk})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			c, err := orchestra.New(orchestra.Config{Runtime: f, Clock: tc.cluClk})
			if err == nil {
				c.Close()
				t.Fatal("New accepted a fake runtime on another clock")
			}
			if !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "Config.Clock") {
				t.Errorf("error %q: want one wrapping workload.ErrInvalid that names Config.Clock", err)
			}
		})
	}
	// The same clock, or two real clocks, are fine.
	for _, tc := range []struct {
		name            string
		fakeClk, cluClk vtime.Clock
	}{
		{"same virtual clock", v, v},
		{"both real", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := fake.New(fake.Config{Clock: tc.fakeClk})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			c, err := orchestra.New(orchestra.Config{Runtime: f, Clock: tc.cluClk})
			if err != nil {
				t.Fatal(err)
			}
			c.Close()
		})
	}
}
