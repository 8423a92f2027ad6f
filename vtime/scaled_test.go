package vtime

import (
	"testing"
	"time"
)

func TestScaledRunsFaster(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := Scaled(start, 1000)
	if got := c.Now(); got.Before(start) || got.After(start.Add(time.Hour)) {
		t.Fatalf("Now %v, want just after %v", got, start)
	}
	fired := make(chan time.Time, 1)
	wall := time.Now()
	c.AfterFunc(time.Minute, func() { fired <- c.Now() }) // 60 ms of wall time
	select {
	case at := <-fired:
		if at.Sub(start) < time.Minute {
			t.Fatalf("fired at %v of scaled time, want at least a minute", at.Sub(start))
		}
		if time.Since(wall) >= time.Minute {
			t.Fatal("a scaled minute took a real minute")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a scaled minute did not fire within 10 s of wall time")
	}
	if Scaled(start, 0).(*scaled).factor != 1 {
		t.Fatal("factor below 1 is not real time")
	}
}
