package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	yaml "sigs.k8s.io/yaml/goyaml.v3"

	"github.com/orchestra-go/orchestra/scenario"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // -h: the usage is printed; not an error
		}
		fmt.Fprintln(os.Stderr, "simulate:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var files fileList
	fs.Var(&files, "f", "scenario or manifest file to play (required); repeat -f to play several manifests together, as kubectl apply -f does")
	out := fs.String("o", "table", "output: table or json")
	nodes := fs.Int("nodes", 3, "nodes to play a manifest on (ignored for scenarios)")
	runFor := fs.Duration("run", 2*time.Hour, "how long to play a manifest (ignored for scenarios)")
	svg := fs.String("svg", "", "also write a timeline of the play as SVG to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(files) == 0 {
		fs.Usage()
		return errors.New("-f FILE is required")
	}
	if *out != "table" && *out != "json" {
		return fmt.Errorf("-o %q: want table or json", *out)
	}
	s, err := load(files, *nodes, *runFor)
	if err != nil {
		return err
	}
	var opts scenario.Options
	if isTerminal(stderr) {
		end := s.Start.Add(s.Run)
		opts.Progress = func(now time.Time) {
			fmt.Fprintf(stderr, "\rplaying %s / %s", now.Sub(s.Start).Round(time.Second), end.Sub(s.Start))
		}
	}
	res, err := scenario.Play(s, opts)
	if opts.Progress != nil {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return err
	}
	if *svg != "" {
		var buf bytes.Buffer
		if err := res.WriteSVG(&buf); err != nil {
			return err
		}
		if err := os.WriteFile(*svg, buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	if *out == "json" {
		return res.WriteJSON(stdout)
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	return res.WriteTable(stdout)
}

// fileList is the -f flag: each use adds a file.
type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(v string) error { *f = append(*f, v); return nil }

// load reads a scenario, or wraps manifests in one. A scenario plays alone:
// it lists its own manifests.
func load(paths []string, nodes int, runFor time.Duration) (*scenario.Scenario, error) {
	manifests := true
	var data []byte
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if !looksLikeManifest(b) {
			if len(paths) > 1 {
				return nil, fmt.Errorf("-f %s: a scenario plays alone (list the manifests it needs under its manifests key); several -f are for manifests", path)
			}
			manifests, data = false, b
		}
	}
	if manifests {
		// The wrapper's keys come from the flags: check them here, so that
		// an error names the flag rather than a line of the manifest.
		if nodes < 1 || nodes > 100000 {
			return nil, fmt.Errorf("-nodes %d: want 1 to 100000 nodes", nodes)
		}
		if runFor < 0 {
			return nil, fmt.Errorf("-run %s: want a duration of 0 or more", runFor)
		}
		return scenario.LoadManifests(nodes, runFor, paths...)
	}
	return scenario.Parse(data, paths[0])
}

// looksLikeManifest reports whether the file's first document is a
// Kubernetes object (it has apiVersion or kind at the top) rather than a
// scenario.
func looksLikeManifest(data []byte) bool {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if err != nil {
			return false
		}
		if doc == nil {
			continue // an empty document
		}
		_, api := doc["apiVersion"]
		_, kind := doc["kind"]
		return api || kind
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
