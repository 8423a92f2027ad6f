package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Snapshot is the set of goroutines running when it was taken.
type Snapshot map[string]bool

// Take records the goroutines running now.
func Take() Snapshot {
	s := Snapshot{}
	for _, g := range goroutines() {
		s[g.id] = true
	}
	return s
}

type goroutine struct {
	id    string
	stack string
}

func goroutines() []goroutine {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []goroutine
	for _, g := range strings.Split(string(buf), "\n\n") {
		head, _, _ := strings.Cut(g, "\n")
		// "goroutine 12 [running]:"
		f := strings.Fields(head)
		if len(f) < 2 || f[0] != "goroutine" {
			continue
		}
		out = append(out, goroutine{id: f[1], stack: g})
	}
	return out
}

// ignored are goroutines of the runtime and the testing package that come
// and go on their own.
var ignored = []string{
	"testing.(*T).Run",
	"testing.tRunner.func",
	"testing.(*M).",
	"runtime.goexit0",
	"created by runtime.gc",
	"runtime.MHeap_Scavenger",
	"signal.signal_recv",
	"os/signal.loop",
	"testing.runFuzzing",
	"runtime.ensureSigM",
	"testing.(*F).Fuzz",
}

// Leaked returns the stacks of goroutines that run now and did not when s
// was taken, other than the runtime's and the test framework's own.
func (s Snapshot) Leaked() []string {
	self := currentID()
	var out []string
	for _, g := range goroutines() {
		if s[g.id] || g.id == self {
			continue
		}
		skip := false
		for _, ig := range ignored {
			if strings.Contains(g.stack, ig) {
				skip = true
				break
			}
		}
		if !skip {
			out = append(out, g.stack)
		}
	}
	sort.Strings(out)
	return out
}

func currentID() string {
	buf := make([]byte, 64)
	n := runtime.Stack(buf, false)
	f := strings.Fields(string(buf[:n]))
	if len(f) >= 2 {
		return f[1]
	}
	return ""
}

// TB is the part of testing.TB that Check uses.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// Wait waits until no goroutine started after s runs, or timeout has
// passed; it then returns an error listing the leaked goroutines.
func (s Snapshot) Wait(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	backoff := time.Millisecond
	for {
		leaked := s.Leaked()
		if len(leaked) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d goroutine(s) leaked:\n%s", len(leaked), strings.Join(leaked, "\n\n"))
		}
		runtime.Gosched()
		// Back off while the goroutines finish; bounded by the deadline.
		timer := time.NewTimer(backoff)
		<-timer.C
		if backoff < 50*time.Millisecond {
			backoff *= 2
		}
	}
}

// Main runs a package's tests (call it from TestMain) and fails the run
// if goroutines the tests started are still running 10 s after they end.
func Main(m interface{ Run() int }) int {
	s := Take()
	code := m.Run()
	if code == 0 {
		if err := s.Wait(10 * time.Second); err != nil {
			fmt.Fprintln(os.Stderr, "leakcheck:", err)
			code = 1
		}
	}
	return code
}

// Check fails t if goroutines started after s are still running once
// timeout has passed. Goroutines that are ending get until then to end:
// Check waits for an event (all gone), never a fixed sleep.
func (s Snapshot) Check(t TB, timeout time.Duration) {
	t.Helper()
	if err := s.Wait(timeout); err != nil {
		t.Errorf("%v", err)
	}
}

// String describes a snapshot.
func (s Snapshot) String() string { return fmt.Sprintf("%d goroutines", len(s)) }
