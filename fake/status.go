package fake

import (
	"time"
)

// backoffDelay returns the next back-off of a container whose back-off is
// prev (0 when it has none, before its first restart): 10 s, doubling,
// capped at 5 minutes. A restart waits the back-off the container had
// when it exited, so the first is immediate, as the kubelet's.
func backoffDelay(prev time.Duration) time.Duration {
	if prev <= 0 {
		return BackoffInitial
	}
	return min(2*prev, BackoffMax)
}

// Crash-loop back-off, as the kubelet's.
const (
	// BackoffInitial is the delay before a container's second restart;
	// the first is immediate.
	BackoffInitial = 10 * time.Second
	// BackoffMax caps the delay; each restart doubles it up to here.
	BackoffMax = 5 * time.Minute
	// BackoffReset is how long a run must last (more than) for the next
	// restart to be immediate again, and the sequence to start over.
	BackoffReset = 10 * time.Minute
)
