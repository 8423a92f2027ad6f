package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryManifestPlays plays every shared manifest on three nodes for two
// hours and checks the JSON report's shape.
func TestEveryManifestPlays(t *testing.T) {
	files, err := filepath.Glob("../manifests/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("manifests not found (%v)", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if err := run([]string{"-f", f, "-o", "json"}, &out, &errOut); err != nil {
				t.Fatalf("%v\n%s", err, errOut.String())
			}
			var rep struct {
				Start, End string
				Nodes      []json.RawMessage
				Objects    []struct{ Kind string }
				Pods       []json.RawMessage
				Events     []json.RawMessage
				Timeline   []json.RawMessage
			}
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatal(err)
			}
			if len(rep.Nodes) != 3 || rep.Start != "2026-01-01T00:00:00Z" || rep.End != "2026-01-01T02:00:00Z" {
				t.Fatalf("nodes %d, start %s, end %s", len(rep.Nodes), rep.Start, rep.End)
			}
			if len(rep.Objects) == 0 {
				t.Fatal("no objects")
			}
		})
	}
}

func TestTableAndSVG(t *testing.T) {
	dir := t.TempDir()
	svg := filepath.Join(dir, "t.svg")
	var out bytes.Buffer
	if err := run([]string{"-f", "../../scenario/testdata/every-step.yaml", "--svg", svg}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"NODES", "PODS", "EVENTS", "TaintManagerEviction"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	data, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	rows := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "g" {
			for _, a := range se.Attr {
				if a.Name.Local == "class" && a.Value == "node" {
					rows++
				}
			}
		}
	}
	// node-a, worker-1, worker-2 and node-d (added, then removed) each get
	// a row; every pod was scheduled in the end, so there is no row for
	// unscheduled pods.
	if rows != 4 {
		t.Fatalf("%d node rows, want 4", rows)
	}
}

func TestBadInputExitsWithError(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("nodes:\n  - name: a\n    colour: blue\n"), 0o644)
	err := run([]string{"-f", bad}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), ":3: nodes[0].colour: unknown key") {
		t.Fatalf("error %v, want the line and the key", err)
	}
	if err := run([]string{}, io.Discard, io.Discard); err == nil {
		t.Fatal("no -f: want an error")
	}
}

// The flags that shape a manifest's play are checked as flags: the error
// names the flag, not a line of the manifest (which has no such key).
func TestBadManifestFlagsNameTheFlag(t *testing.T) {
	manifest := filepath.Join("..", "manifests", "k8s-pi-job.yaml")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-nodes", "0"}, `-nodes 0: want 1 to 100000 nodes`},
		{[]string{"-nodes", "100001"}, `-nodes 100001: want 1 to 100000 nodes`},
		{[]string{"-run", "-5m"}, `-run -5m0s: want a duration of 0 or more`},
	} {
		err := run(append([]string{"-f", manifest}, tc.args...), io.Discard, io.Discard)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.want)
		}
	}
}

// TestSeveralManifests: -f repeated plays every manifest together (the
// Services of one file over the StatefulSet of another), as kubectl apply
// -f does, instead of only the last one; a scenario among them is refused.
func TestSeveralManifests(t *testing.T) {
	services := filepath.Join("..", "manifests", "k8s-mysql-services.yaml")
	sts := filepath.Join("..", "manifests", "k8s-mysql-statefulset.yaml")
	var out bytes.Buffer
	if err := run([]string{"-f", services, "-f", sts, "-run", "5m", "-o", "json"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Objects []struct {
			Kind     string
			Metadata struct{ Name string }
		}
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, o := range rep.Objects {
		got[o.Kind+"/"+o.Metadata.Name] = true
	}
	for _, want := range []string{"Service/mysql", "Service/mysql-read", "StatefulSet/mysql"} {
		if !got[want] {
			t.Errorf("report lacks %s: %v", want, got)
		}
	}
	scen := "../../scenario/testdata/every-step.yaml"
	err := run([]string{"-f", sts, "-f", scen}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-f "+scen+": a scenario plays alone") {
		t.Errorf("a scenario with a manifest: error %v, want one naming the scenario", err)
	}
}
