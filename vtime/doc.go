// Package vtime is the time source of orchestra: a small [Clock] interface,
// the real clock ([Real], or [Wrap] around any benbjohnson/clock Clock), and a
// deterministic virtual clock ([Virtual]).
//
// Every part of orchestra takes a Clock and never calls time.Now or
// time.Sleep itself. On the real clock, timers fire on goroutines of their own.
// On a Virtual clock nothing happens until its owner moves time forward, and
// then the due timers fire on the owner's goroutine, ordered by deadline and,
// for equal deadlines, by creation. benbjohnson/clock's Mock cannot serve here:
// its Timer type cannot be implemented outside that package, and it sleeps a
// millisecond of real time for every timer it fires.
//
// A deterministic driver alternates between doing all the work that is ready
// and jumping to the next deadline, so that idle stretches of simulated time
// cost nothing:
//
//	clk := vtime.NewVirtual(start)
//	for {
//		drainAllWorkQueues() // runs until nothing is ready at clk.Now()
//		next, ok := clk.Next()
//		if !ok || next.After(end) {
//			clk.AdvanceTo(end)
//			break
//		}
//		clk.AdvanceTo(next) // fires every timer due at next, in order
//	}
//
// Virtual keeps its timers in a 4-ary heap of flat (deadline, sequence)
// slots: adding and firing a timer cost O(log n), Stop marks the timer and
// its slot is dropped when it reaches the top (or in bulk, once stopped
// timers outnumber live ones), and a timer costs one 16-byte allocation.
package vtime
