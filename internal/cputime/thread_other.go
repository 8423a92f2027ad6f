//go:build !linux

package cputime

import "time"

// Thread returns 0: the thread's CPU time is not read here.
func Thread() time.Duration { return 0 }
