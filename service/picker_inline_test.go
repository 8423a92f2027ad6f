package service

import (
	"os"
	"os/exec"
	"regexp"
	"testing"
)

// TestRoundRobinPickInlines checks that the compiler inlines
// RoundRobin.Pick, which BenchmarkPick's goal depends on: a call costs
// about as much as the rest of Pick. It builds this package with
// -gcflags=-m=2 and reads the compiler's verdict.
func TestRoundRobinPickInlines(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the package")
	}
	gobin, err := exec.LookPath("go") // go test puts GOROOT/bin first in PATH
	if err != nil {
		t.Skip("no go command:", err)
	}
	cmd := exec.Command(gobin, "build", "-gcflags=-m=2", ".")
	// Without the caller's GOFLAGS: under -race, atomics are calls and
	// nothing that uses them inlines.
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build -gcflags=-m=2: %v\n%s", err, out)
	}
	verdict := regexp.MustCompile(`(?m)^.*(can|cannot) inline \(\*RoundRobin\)\.Pick(?: with|:)( [^:\n]*?(?:cost|budget) \d+)`)
	m := verdict.FindSubmatch(out)
	switch {
	case m == nil:
		t.Fatalf("go build -gcflags=-m=2 says nothing about (*RoundRobin).Pick:\n%s", out)
	case string(m[1]) != "can":
		t.Errorf("RoundRobin.Pick is not inlined:%s", m[2])
	default:
		t.Logf("RoundRobin.Pick inlines,%s", m[2])
	}
}
