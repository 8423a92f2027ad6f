package scenario

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParsePlay parses arbitrary scenario text and plays what parses, for
// at most a virtual hour: whatever a scenario file says, Parse and Play
// return an error or a result, and never panic. Under plain `go test` it
// runs on its seed corpus: the scenarios in testdata.
func FuzzParsePlay(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	more, _ := filepath.Glob(filepath.Join("testdata", "*", "*.yaml"))
	for _, file := range append(files, more...) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("nodes: [{count: 2}]\nobjects:\n- {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: i}]}}\nsteps:\n- {at: 1m, killPods: {selector: \"\"}}\nrun: 10m\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// An input that hangs (a cluster that never settles at one
		// virtual instant) crashes with the input, so the fuzzer keeps
		// it. Generous: an input takes milliseconds.
		watchdog := time.AfterFunc(time.Minute, func() {
			panic(fmt.Sprintf("FuzzParsePlay: no progress for a minute on %q", data))
		})
		defer watchdog.Stop()
		s, err := Parse(data, filepath.Join("testdata", "fuzz.yaml"))
		if err != nil {
			return
		}
		if s.Run > time.Hour {
			s.Run = time.Hour
		}
		if len(s.Nodes) > 50 {
			s.Nodes = s.Nodes[:50]
		}
		var steps []Step
		for _, st := range s.Steps {
			if st.At <= s.Run {
				steps = append(steps, st)
			}
		}
		s.Steps = steps
		_, _ = Play(s, Options{})
	})
}
