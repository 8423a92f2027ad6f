package breakit_test

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// Apply of a runtime's node reads the runtime's last report of it while
// the loop mirrors new reports: under the race detector, relabelling
// through the runtime while advancing and applying the node from another
// goroutine races on nothing, and the end state has both owners' labels.
func TestR9cRaceApplyRuntimeNodeWhileMirroring(t *testing.T) {
	c := newCluster(t, "a")
	advance(t, c, time.Second)
	const n = 200
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range n {
			v := strconv.Itoa(i)
			if err := c.Fake().SetNodeLabels("a", map[string]*string{"gen": &v}); err != nil {
				t.Error(err)
				return
			}
			if err := c.Advance(time.Second); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := range n {
			node := &workload.Node{ObjectMeta: workload.ObjectMeta{Name: "a", Labels: map[string]string{"team": "blue", "try": strconv.Itoa(i)}}}
			if _, err := c.Apply(node); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()
	advance(t, c, time.Second)
	got := r9cNode(t, c, "a").Labels
	if got["team"] != "blue" || got["try"] != strconv.Itoa(n-1) || got["gen"] != strconv.Itoa(n-1) || got[workload.LabelHostname] != "a" {
		t.Errorf("labels at the end %v, want team=blue try=%d (API), gen=%d and hostname=a (runtime)", got, n-1, n-1)
	}
}
