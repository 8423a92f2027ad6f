//go:build !linux

package bench

import "testing"

// cpuClock reports nothing where the CPU clocks are not read.
type cpuClock struct{}

func startCPUClock() *cpuClock        { return &cpuClock{} }
func startProcessCPUClock() *cpuClock { return &cpuClock{} }
func (*cpuClock) report(*testing.B)   {}
