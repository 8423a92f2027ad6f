package orchestra_test

import (
	"testing"

	"github.com/orchestra-go/orchestra/workload"
)

// The API server labels every Namespace with its name
// (kubernetes.io/metadata.name), on create and again on every update
// (pkg/registry/core/namespace/strategy.go, PrepareForCreate and
// PrepareForUpdate), so that a namespaceSelector can select it by name.
func TestNamespaceNameLabel(t *testing.T) {
	c := newVirtualCluster(t)
	get := func(name string) map[string]string {
		t.Helper()
		o, err := c.Get("Namespace", "", name)
		if err != nil {
			t.Fatal(err)
		}
		return o.GetObjectMeta().Labels
	}
	if _, err := c.Apply(&workload.Namespace{ObjectMeta: workload.ObjectMeta{Name: "team-a", Labels: map[string]string{"tier": "gold"}}}); err != nil {
		t.Fatal(err)
	}
	if ls := get("team-a"); ls[workload.LabelMetadataName] != "team-a" || ls["tier"] != "gold" {
		t.Fatalf("created: labels %v, want kubernetes.io/metadata.name=team-a and tier=gold", ls)
	}
	// A generated name is labelled with the name the store chose.
	o, err := c.Apply(&workload.Namespace{ObjectMeta: workload.ObjectMeta{GenerateName: "tmp-"}})
	if err != nil {
		t.Fatal(err)
	}
	name := o.GetObjectMeta().Name
	if ls := get(name); ls[workload.LabelMetadataName] != name {
		t.Fatalf("generated %s: labels %v", name, ls)
	}
	// An update that drops the label, or sets another value, gets it back.
	for _, ls := range []map[string]string{nil, {workload.LabelMetadataName: "other"}} {
		if _, err := c.Apply(&workload.Namespace{ObjectMeta: workload.ObjectMeta{Name: "team-a", Labels: ls}}); err != nil {
			t.Fatal(err)
		}
		if got := get("team-a"); got[workload.LabelMetadataName] != "team-a" || len(got) != 1 {
			t.Fatalf("after applying labels %v: %v, want only kubernetes.io/metadata.name=team-a", ls, got)
		}
	}
	// The label selects the namespace.
	nss, err := c.List("Namespace", "", workload.LabelMetadataName+"=team-a")
	if err != nil || len(nss) != 1 {
		t.Fatalf("List by name label: %d, %v", len(nss), err)
	}
}
