package vtime_test

import (
	"fmt"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/orchestra-go/orchestra/vtime"
)

func ExampleVirtual() {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := vtime.NewVirtual(start)
	say := func(msg string) func() {
		return func() { fmt.Println(clk.Since(start), msg) }
	}
	clk.AfterFunc(time.Minute, say("backup"))
	clk.AfterFunc(time.Second, say("first"))
	clk.AfterFunc(time.Second, say("second, same deadline"))
	cancelled := clk.AfterFunc(30*time.Second, say("never"))
	cancelled.Stop()

	// Jump from deadline to deadline, as a driver does when it is idle.
	for clk.Step() {
	}
	fmt.Println("pending:", clk.Pending(), "now:", clk.Since(start))
	// Output:
	// 1s first
	// 1s second, same deadline
	// 1m0s backup
	// pending: 0 now: 1m0s
}

func ExampleVirtual_AdvanceTo() {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := vtime.NewVirtual(start)
	// An every-minute tick that re-arms itself from its own callback.
	var tick func()
	tick = func() {
		fmt.Println("tick at", clk.Now().Format("15:04"))
		clk.AfterFunc(time.Minute, tick)
	}
	clk.AfterFunc(time.Minute, tick)

	n := clk.AdvanceTo(start.Add(3*time.Minute + 30*time.Second))
	fmt.Println("fired:", n, "now:", clk.Now().Format("15:04:05"))
	next, _ := clk.Next()
	fmt.Println("next:", next.Format("15:04"))
	// Output:
	// tick at 00:01
	// tick at 00:02
	// tick at 00:03
	// fired: 3 now: 00:03:30
	// next: 00:04
}

func ExampleReal() {
	clk := vtime.Real()
	done := make(chan struct{})
	clk.AfterFunc(time.Millisecond, func() { close(done) })
	<-done
	fmt.Println("fired")
	// Output: fired
}

func ExampleWrap() {
	mock := clock.NewMock() // benbjohnson/clock's mock, at the Unix epoch
	clk := vtime.Wrap(mock)
	done := make(chan struct{})
	clk.AfterFunc(time.Hour, func() { close(done) })
	mock.Add(time.Hour) // the mock runs the callback on a goroutine
	<-done
	fmt.Println("fired at", clk.Now().UTC().Format("15:04"))
	// Output: fired at 01:00
}
