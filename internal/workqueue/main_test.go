package workqueue_test

import (
	"os"
	"testing"

	"github.com/orchestra-go/orchestra/internal/leakcheck"
)

// TestMain fails the run if goroutines started by the tests (real-clock
// timer callbacks) are still running at the end.
func TestMain(m *testing.M) { os.Exit(leakcheck.Main(m)) }
