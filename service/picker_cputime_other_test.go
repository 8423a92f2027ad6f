//go:build !linux

package service

import "testing"

// cpuClock reports nothing where the thread's CPU clock is not read.
type cpuClock struct{}

func startCPUClock() *cpuClock      { return &cpuClock{} }
func (*cpuClock) report(*testing.B) {}
