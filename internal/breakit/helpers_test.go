package breakit_test

import (
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// testPodCIDR keeps this package's real-runtime pods apart from those of
// other test packages that run at the same time (they use 127.1-127.62),
// and from this package's tests run at the same time from another
// checkout: each test process takes one of 127.100.0.0/16 to
// 127.199.0.0/16 by its process id. (A fixed range made two checkouts'
// runs bind the same pod addresses and crash-loop on "address already in
// use".)
var testPodCIDR = netip.AddrFrom4([4]byte{127, byte(100 + os.Getpid()%100), 0, 0})

// testPodCIDRAt is 127.<this process's octet>.<third>.0, the first pod
// address of a test that wants a range of its own; third is 100 or more,
// above the pods of the tests that start at testPodCIDR.
func testPodCIDRAt(third byte) netip.Addr {
	a := testPodCIDR.As4()
	return netip.AddrFrom4([4]byte{127, a[1], third, 0})
}

var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// newCluster returns a virtual-time cluster on the fake runtime with the
// named nodes, closed when the test ends.
func newCluster(t *testing.T, nodes ...string) *orchestra.Cluster {
	t.Helper()
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(t0), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	for _, n := range nodes {
		if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: n}}); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// applyYAML decodes a manifest and applies every object in it.
func applyYAML(t *testing.T, c *orchestra.Cluster, y string) {
	t.Helper()
	objs, _, err := workload.Decode([]byte(y), t.Name()+".yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if _, err := c.Apply(o); err != nil {
			t.Fatalf("apply %s: %v", o.Kind(), err)
		}
	}
}

func advance(t *testing.T, c *orchestra.Cluster, d time.Duration) {
	t.Helper()
	if err := c.Advance(d); err != nil {
		t.Fatal(err)
	}
}

func pods(t *testing.T, c *orchestra.Cluster, selector string) []*workload.Pod {
	t.Helper()
	ps, err := c.Pods("", selector)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}
