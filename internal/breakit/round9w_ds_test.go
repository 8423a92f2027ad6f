package breakit_test

import (
	"maps"
	"testing"
	"time"
)

// A DaemonSet created again after an orphan delete adopts its pods and the
// orphaned ControllerRevisions its selector matches, as Kubernetes'
// controlledHistories (ClaimControllerRevisions over every revision of the
// namespace, adopting those the selector matches): the revisions are the
// DaemonSet's again, and go with it when it is deleted. The new DaemonSet
// took the revision of its own template into its history but never
// wrote the adoption, so the revision stayed ownerless and outlived it;
// a revision of an earlier template stayed an orphan too.
// Source: pkg/controller/daemon/update.go constructHistory,
// controlledHistories.
func TestR9wDaemonSetRecreatedAfterOrphanDeleteAdoptsItsRevisions(t *testing.T) {
	c := newCluster(t, "a", "b")
	ds := func(image string) string {
		return `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds}
spec:
  selector: {matchLabels: {app: ds}}
  template:
    metadata: {labels: {app: ds}}
    spec: {containers: [{name: c, image: ` + image + `}]}`
	}
	applyYAML(t, c, ds("agent:1"))
	advance(t, c, time.Minute)
	applyYAML(t, c, ds("agent:2"))
	advance(t, c, 5*time.Minute)
	revs := r9wOwned(t, c, "ControllerRevision")
	if len(revs) != 2 {
		t.Fatalf("revisions %v, want two (agent:1 and agent:2)", revs)
	}
	uids := map[string]string{}
	for _, p := range pods(t, c, "app=ds") {
		uids[p.Name] = p.UID
	}
	if err := c.Delete("DaemonSet", "default", "ds", "Orphan"); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)

	applyYAML(t, c, ds("agent:2"))
	advance(t, c, 5*time.Minute)
	want := map[string]string{}
	for name := range revs {
		want[name] = "DaemonSet/ds"
	}
	if got := r9wOwned(t, c, "ControllerRevision"); !maps.Equal(got, want) {
		t.Errorf("ControllerRevisions %v, want %v (both adopted, no new one)", got, want)
	}
	for _, p := range pods(t, c, "app=ds") {
		if uids[p.Name] != p.UID {
			t.Errorf("pod %s is new: the same template needs no rollout", p.Name)
		}
	}
	if err := c.Delete("DaemonSet", "default", "ds", ""); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 2*time.Minute)
	if got := r9wOwned(t, c, "ControllerRevision"); len(got) != 0 {
		t.Errorf("ControllerRevisions %v left after the DaemonSet was deleted", got)
	}
}
