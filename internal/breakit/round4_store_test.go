package breakit_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// client-go semantics of the store: resourceVersion changes on every
// write and Get returns it; an Update carrying a stale resourceVersion
// fails with a conflict and changes nothing; one without a resourceVersion
// is unconditional; generation goes up on spec changes only.
// https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions ;
// https://github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency
func TestR4StoreVersionsAndConflicts(t *testing.T) {
	c := newCluster(t, "a")
	s := c.Store()
	o := r3apply(t, c, r3svc("web")).(*workload.Service)
	rv1 := o.ResourceVersion
	if o.Generation != 1 {
		t.Errorf("generation after create %d, want 1", o.Generation)
	}
	o.Labels = map[string]string{"tier": "front"}
	u, err := s.Update(o)
	if err != nil {
		t.Fatal(err)
	}
	us := u.(*workload.Service)
	if n1, _ := strconv.ParseUint(rv1, 10, 64); us.ResourceVersion == rv1 || mustU(us.ResourceVersion) <= n1 {
		t.Errorf("resourceVersion %s after update of %s: want a greater one", us.ResourceVersion, rv1)
	}
	if us.Generation != 1 {
		t.Errorf("generation after a label change %d, want 1", us.Generation)
	}
	g, _ := c.Get("Service", "default", "web")
	if g.GetObjectMeta().ResourceVersion != us.ResourceVersion {
		t.Errorf("Get after Update: rv %s, want %s", g.GetObjectMeta().ResourceVersion, us.ResourceVersion)
	}
	// Stale update.
	o.ResourceVersion = rv1
	o.Labels = map[string]string{"tier": "back"}
	if _, err := s.Update(o); !errors.Is(err, store.ErrConflict) {
		t.Errorf("update with stale rv %s: err %v, want ErrConflict", rv1, err)
	}
	// Spec change bumps generation.
	us.Spec.Ports[0].Port = 81
	us.ResourceVersion = ""
	u2, err := s.Update(us)
	if err != nil {
		t.Fatalf("update without rv: %v", err)
	}
	if gen := u2.GetObjectMeta().Generation; gen != 2 {
		t.Errorf("generation after a spec change %d, want 2", gen)
	}
	if l := u2.GetObjectMeta().Labels["tier"]; l != "front" {
		t.Errorf("label tier=%q: the stale update changed something", l)
	}
}

func mustU(s string) uint64 {
	n, _ := strconv.ParseUint(s, 10, 64)
	return n
}

// Deleting an object that has finalizers (here, Foreground propagation on a
// Deployment) sets deletionTimestamp and bumps metadata.generation, so a
// controller comparing observedGeneration notices.
// staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go
// markAsDeleting ("This handles Generation bump for resources that don't
// support graceful deletion": generation+1 when deletionTimestamp is first
// set).
func TestR4StoreDeleteBumpsGeneration(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, deployYAML("web", "  replicas: 1", "nginx:1"))
	advance(t, c, 0)
	before := r3get(t, c, "Deployment", "default", "web").GetObjectMeta().Generation
	if err := c.Delete("Deployment", "default", "web", "Foreground"); err != nil {
		t.Fatal(err)
	}
	o := r3get(t, c, "Deployment", "default", "web")
	if o == nil {
		t.Skip("deployment already gone")
	}
	m := o.GetObjectMeta()
	if m.DeletionTimestamp == nil {
		t.Fatalf("no deletionTimestamp after a Foreground delete")
	}
	if m.Generation != before+1 {
		t.Errorf("generation %d after deletion was requested, want %d", m.Generation, before+1)
	}
}

// A watch from a resourceVersion replays every later change of the kind,
// in order, then goes on live; the Deleted event carries the object's last
// state with the deletion's resourceVersion.
// https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes
func TestR4StoreWatchFromVersion(t *testing.T) {
	c := newCluster(t, "a")
	s := c.Store()
	r3apply(t, c, r3svc("one"))
	_, rv := s.ListWithVersion("Service", "", nil)
	two := r3svc("two")
	two.Labels = map[string]string{"x": "1"}
	r3apply(t, c, two)
	two.Labels = map[string]string{"x": "2"}
	r3apply(t, c, two)
	if err := c.Delete("Service", "default", "one", ""); err != nil {
		t.Fatal(err)
	}
	w, err := s.Watch("Service", rv)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	three := r3svc("three")
	r3apply(t, c, three)
	var got []string
	last := rv
	for {
		ev, ok := w.TryNext()
		if !ok {
			break
		}
		if ev.Version <= last {
			t.Errorf("event version %d after %d", ev.Version, last)
		}
		last = ev.Version
		m := ev.Object.GetObjectMeta()
		if m.ResourceVersion != strconv.FormatUint(ev.Version, 10) {
			t.Errorf("%s %s: object rv %s, event version %d", ev.Type, m.Name, m.ResourceVersion, ev.Version)
		}
		got = append(got, string(ev.Type)+" "+m.Name+" "+m.Labels["x"])
	}
	want := "ADDED two 1|MODIFIED two 2|DELETED one |ADDED three "
	if strings.Join(got, "|") != want {
		t.Errorf("events\n got %q\nwant %q", strings.Join(got, "|"), want)
	}
}

// Set-based label selectors in List: in, notin (which matches objects
// without the key), exists, !key, and their combinations.
// https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#set-based-requirement
func TestR4StoreSetBasedSelectors(t *testing.T) {
	c := newCluster(t, "a")
	for name, l := range map[string]map[string]string{
		"p1": {"env": "prod", "tier": "front"},
		"p2": {"env": "dev", "tier": "front"},
		"p3": {"env": "qa"},
		"p4": {"tier": "back"},
	} {
		s := r3svc(name)
		s.Labels = l
		r3apply(t, c, s)
	}
	for sel, want := range map[string]string{
		"env in (prod,dev)":              "p1,p2",
		"env in (prod)":                  "p1",
		"env notin (prod)":               "p2,p3,p4",
		"env":                            "p1,p2,p3",
		"!env":                           "p4",
		"tier=front,env notin (dev)":     "p1",
		"env in (prod),!tier":            "",
		"tier,env!=prod":                 "p2,p4",
		"env in (qa, dev),tier notin ()": "p2,p3", // "()" is the set {""}, as apimachinery parses it
	} {
		objs, err := c.List("Service", "default", sel)
		if err != nil {
			t.Errorf("%q: %v", sel, err)
			continue
		}
		if got := strings.Join(r3names(objs), ","); got != want {
			t.Errorf("List %q = %q, want %q", sel, got, want)
		}
	}
}

// metadata.generateName: Apply of an object with only generateName creates
// one with the prefix and a random suffix, each time a new one.
// https://kubernetes.io/docs/reference/using-api/api-concepts/#generated-values
func TestR4StoreGenerateName(t *testing.T) {
	c := newCluster(t, "a")
	mk := func() *workload.Pod {
		p := r3pod("x")
		p.Name, p.GenerateName = "", "worker-"
		return p
	}
	a := r3apply(t, c, mk())
	b := r3apply(t, c, mk())
	an, bn := a.GetObjectMeta().Name, b.GetObjectMeta().Name
	if !strings.HasPrefix(an, "worker-") || len(an) != len("worker-")+5 || an == bn {
		t.Errorf("generated names %q, %q", an, bn)
	}
}
