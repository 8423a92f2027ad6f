package fake

import (
	"time"
)

// backoffDelay returns the crash-loop back-off before restart number n+1
// given the delay used for restart n (0 before the first): 10 s, doubling,
// capped at 5 minutes.
func backoffDelay(prev time.Duration) time.Duration {
	if prev <= 0 {
		return BackoffInitial
	}
	return min(2*prev, BackoffMax)
}

// Crash-loop back-off, as the kubelet's.
const (
	// BackoffInitial is the delay before a container's first restart.
	BackoffInitial = 10 * time.Second
	// BackoffMax caps the delay; each restart doubles it up to here.
	BackoffMax = 5 * time.Minute
	// BackoffReset is how long a run must last for the next restart's
	// delay to start again from BackoffInitial.
	BackoffReset = 10 * time.Minute
)
