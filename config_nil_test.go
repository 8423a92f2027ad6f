package orchestra_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// A Config whose Clock or Runtime is a nil pointer (a variable declared and
// never assigned), or whose Controllers hold a nil maker or a maker that
// makes nothing, is refused by New with an error naming the field, not a
// nil-pointer panic.
func TestNewRefusesNilPointersInConfig(t *testing.T) {
	var clk *vtime.Virtual
	var rt *fake.Runtime
	for _, tc := range []struct {
		name, field string
		cfg         orchestra.Config
	}{
		{"nil virtual clock", "Config.Clock", orchestra.Config{Clock: clk}},
		{"nil fake runtime", "Config.Runtime", orchestra.Config{Runtime: rt}},
		{"nil maker", "Config.Controllers[1]", orchestra.Config{Clock: vtime.NewVirtual(t0),
			Controllers: []func(controller.Deps) controller.Controller{controller.NewJob, nil}}},
		{"maker of nil", "Config.Controllers[0]", orchestra.Config{Clock: vtime.NewVirtual(t0),
			Controllers: []func(controller.Deps) controller.Controller{func(controller.Deps) controller.Controller { return nil }}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c *orchestra.Cluster
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("New panicked: %v", r)
					}
				}()
				c, err = orchestra.New(tc.cfg)
			}()
			if err == nil {
				c.Close()
				t.Fatal("New accepted the config")
			}
			if !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("error %q: want one wrapping workload.ErrInvalid that names %s", err, tc.field)
			}
		})
	}
}

// WaitFor with a nil condition is an error, not a panic, as OnChange(nil) is.
func TestWaitForNilCondition(t *testing.T) {
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(t0)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.WaitFor(context.Background(), nil)
	if !errors.Is(err, workload.ErrInvalid) {
		t.Fatalf("WaitFor(ctx, nil) = %v, want an error wrapping workload.ErrInvalid", err)
	}
}

// RunUntil with a nil condition plays the whole limit and reports false.
func TestRunUntilNilCondition(t *testing.T) {
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(t0)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ok, err := c.RunUntil(nil, time.Minute)
	if err != nil || ok {
		t.Fatalf("RunUntil(nil, 1m) = %v, %v; want false, nil", ok, err)
	}
	if got := c.Now().Sub(t0); got != time.Minute {
		t.Errorf("played %v, want 1m", got)
	}
}
