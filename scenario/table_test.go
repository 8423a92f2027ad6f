package scenario

import (
	"testing"
	"time"
)

func TestShortDurationLikeKubectl(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{45 * time.Second, "45s"},
		{90 * time.Second, "90s"},
		{3*time.Minute + 20*time.Second, "3m20s"},
		{5 * time.Minute, "5m"},
		{30 * time.Minute, "30m"},
		{2*time.Hour + 30*time.Minute, "150m"},
		{5*time.Hour + 10*time.Minute, "5h10m"},
		{20 * time.Hour, "20h"},
		{76 * time.Hour, "3d4h"},
		{30 * 24 * time.Hour, "30d"},
	} {
		if got := shortDuration(tc.d); got != tc.want {
			t.Errorf("shortDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
