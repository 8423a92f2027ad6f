package process

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orchestra-go/orchestra/internal/kubelet"
	"github.com/orchestra-go/orchestra/workload"
)

// TestLogFileRotation: a run's file is rotated to .1 at the limit, so the
// files hold the last bytes, at most twice the limit.
func TestLogFileRotation(t *testing.T) {
	dir := t.TempDir()
	r := &Runtime{logDir: dir, logMax: 10}
	run := &kubelet.Run{Pod: &workload.Pod{ObjectMeta: workload.ObjectMeta{Namespace: "ns", Name: "p", UID: "u"}},
		Container: &workload.Container{Name: "c"}}
	f, err := r.openLog(run)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"0123", "456789ab", "cdefghijklmnopqrstuvwxyz", "!"} {
		if n, err := f.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	cdir := filepath.Join(dir, "ns_p_u", "c")
	for _, name := range []string{"0.log", "0.log.1"} {
		b, err := os.ReadFile(filepath.Join(cdir, name))
		if err != nil {
			t.Fatal(err)
		}
		got[name] = string(b)
	}
	// 37 bytes: 10 | 10 | 10 | 7: the last full file and the partial one.
	want := map[string]string{"0.log.1": "klmnopqrst", "0.log": "uvwxyz!"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}

	// Later runs remove the files of runs before the previous one.
	for n := int32(1); n <= 3; n++ {
		run.RestartCount = n
		f, err := r.openLog(run)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = f.Write([]byte(strings.Repeat("x", 15)))
		_ = f.Close()
	}
	entries, _ := os.ReadDir(cdir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"2.log", "2.log.1", "3.log", "3.log.1"}, names); diff != "" {
		t.Errorf("files after run 3 (-want +got):\n%s", diff)
	}

	// A file that cannot be written is given up; writes still succeed.
	f, err = r.openLog(run)
	if err != nil {
		t.Fatal(err)
	}
	_ = f.f.Close() // the next write fails
	if n, err := f.Write([]byte("lost")); n != 4 || err != nil || !f.dead {
		t.Errorf("Write after a failure: %d, %v, dead %v", n, err, f.dead)
	}
	_ = f.Close()
}
