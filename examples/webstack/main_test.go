package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/internal/leakcheck"
)

// TestWebStack runs the example, shortened, and checks its summary: no
// failed request, every php-fpm pod served, an even spread while the set
// was stable, the killed pod replaced, the backups done, nothing left
// running.
func TestWebStack(t *testing.T) {
	snap := leakcheck.Take()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var narrative strings.Builder
	// Addresses of this process's own (127.240-254.x.x), apart from
	// another run of this test on the machine (another checkout) and
	// from the other packages' tests (breakit 127.100-199, inproc
	// 127.200-219, process 127.220-239): a shared fixed range made the
	// runs' proxies and pods answer each other's connections.
	octet := byte(240 + os.Getpid()%15)
	sum, err := run(ctx, options{requests: 60, speed: 60, out: &narrative,
		podCIDR:     netip.AddrFrom4([4]byte{127, octet, 0, 0}),
		serviceCIDR: fmt.Sprintf("127.%d.128.0/17", octet)})
	if err != nil {
		t.Fatalf("%v\n%s", err, narrative.String())
	}
	if sum.Failed != 0 {
		t.Errorf("%d failed requests\n%s", sum.Failed, narrative.String())
	}
	if sum.Requests < 60+60/3*2+60/3 {
		t.Errorf("%d requests, want every phase's", sum.Requests)
	}
	if len(sum.StableSpread) != 3 {
		t.Fatalf("stable phase reached %v, want the 3 php-fpm pods", sum.StableSpread)
	}
	lo, hi := 1<<30, 0
	for _, n := range sum.StableSpread {
		lo, hi = min(lo, n), max(hi, n)
	}
	if hi-lo > 1 {
		t.Errorf("stable spread %v: not within one request of even", sum.StableSpread)
	}
	for pod, n := range sum.PerPod {
		if n == 0 {
			t.Errorf("%s served nothing", pod)
		}
	}
	if len(sum.PerPod) < 4 {
		t.Errorf("perPod %v: want the three first pods and the replacement", sum.PerPod)
	}
	if sum.PodsReplaced < 1 {
		t.Errorf("podsReplaced %d", sum.PodsReplaced)
	}
	if sum.BackupsSucceeded < 3 {
		t.Errorf("backupsSucceeded %d, want the Job and two scheduled runs", sum.BackupsSucceeded)
	}
	for _, want := range []string{"== topology", "replaced by", "started on node-4", "leaves, with", " failed attempts, then succeeded"} {
		if !strings.Contains(narrative.String(), want) {
			t.Errorf("narrative lacks %q:\n%s", want, narrative.String())
		}
	}
	// The backup Job's first two attempts fail by design; a later one
	// can fail too when its dump times out on a loaded machine (real
	// time), and the Job retries it.
	if m := regexp.MustCompile(`job backup: (\d+) failed attempts`).FindStringSubmatch(narrative.String()); m != nil {
		if n, _ := strconv.Atoi(m[1]); n < 2 {
			t.Errorf("job backup failed %d times, want the 2 failures it is scripted to have\n%s", n, narrative.String())
		} else if n > 2 {
			t.Logf("job backup failed %d times: a dump failed besides the 2 scripted failures", n)
		}
	}
	// After node-1 leaves, each Deployment is back to 3 live pods on the
	// nodes that are left.
	for _, app := range []string{"php-fpm", "squid"} {
		_, line, ok := strings.Cut(narrative.String(), "  "+app+" now: ")
		line, _, _ = strings.Cut(line, "\n")
		if n := len(strings.Split(line, ", ")); !ok || n != 3 {
			t.Errorf("after the node loss %s has %d pods (%q), want 3\n%s", app, n, line, narrative.String())
		}
	}
	snap.Check(t, 10*time.Second)
	_ = io.Discard
}
