package scenario

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLoadManifests: manifests load as a scenario on the given nodes for
// the given time; bad arguments and bad manifests are ErrInvalid errors
// that name the argument, or the manifest and its line.
func TestLoadManifests(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "web.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(good, []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: nginx}]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := LoadManifests(4, 90*time.Second, good)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Nodes) != 4 || s.Nodes[0].Name != "node-1" || s.Run != 90*time.Second || len(s.Objects) != 1 || s.Objects[0].Kind() != "Deployment" {
		t.Fatalf("scenario: %d nodes (first %q), run %s, %d objects", len(s.Nodes), s.Nodes[0].Name, s.Run, len(s.Objects))
	}
	res, err := Play(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Pods) != 2 {
		t.Fatalf("%d pods, want the Deployment's 2", len(res.Pods))
	}
	for _, tc := range []struct {
		nodes int
		run   time.Duration
		paths []string
		want  string
	}{
		{3, time.Minute, nil, "no manifest path"},
		{0, time.Minute, []string{good}, "nodes 0"},
		{100001, time.Minute, []string{good}, "nodes 100001"},
		{3, -time.Second, []string{good}, "run -1s"},
		{3, time.Minute, []string{good, filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
		{3, time.Minute, []string{bad}, "bad.yaml: workload: invalid object Pod/default/p: spec.containers[0].image"},
	} {
		_, err := LoadManifests(tc.nodes, tc.run, tc.paths...)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadManifests(%d, %s, %v): %v; want ErrInvalid naming %q", tc.nodes, tc.run, tc.paths, err, tc.want)
		}
	}
}
