package fake

import (
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	var got []time.Duration
	d := time.Duration(0)
	for range 8 {
		d = backoffDelay(d)
		got = append(got, d)
	}
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second,
		160 * time.Second, 300 * time.Second, 300 * time.Second, 300 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("back-off delays = %v, want %v", got, want)
		}
	}
}
