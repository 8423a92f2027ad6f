package store

import (
	"errors"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestCreateFillsMetadata(t *testing.T) {
	s, _ := newTestStore(t)
	in := pod("", "web", nil)
	in.UID = "caller-chosen"
	in.DeletionTimestamp = workload.NewTimePtr(epoch)
	got := mustCreate(t, s, in)

	if !uuidRE.MatchString(got.UID) {
		t.Errorf("uid = %q, want a version-4 UUID", got.UID)
	}
	want := workload.ObjectMeta{
		Name: "web", Namespace: "default", UID: got.UID, ResourceVersion: "1",
		Generation: 1, CreationTimestamp: workload.NewTime(epoch),
	}
	if diff := cmp.Diff(want, got.ObjectMeta); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(workload.TypeMeta{APIVersion: "v1", Kind: "Pod"}, got.TypeMeta); diff != "" {
		t.Errorf("typeMeta (-want +got):\n%s", diff)
	}
	if s.ResourceVersion() != 1 {
		t.Errorf("ResourceVersion() = %d, want 1", s.ResourceVersion())
	}

	n := node("n1")
	n.Namespace = "ignored"
	gn := mustCreate(t, s, n)
	if gn.Namespace != "" || gn.APIVersion != "v1" || gn.ResourceVersion != "2" {
		t.Errorf("node metadata = %+v %+v, want cluster-scoped, v1, rv 2", gn.ObjectMeta, gn.TypeMeta)
	}
	if _, err := s.Get("Node", "whatever", "n1"); err != nil {
		t.Errorf("Get of a cluster-scoped kind ignores the namespace; got %v", err)
	}

	if _, err := s.Create(pod("default", "web", nil)); !errors.Is(err, ErrAlreadyExists) {
		t.Errorf("second Create: err = %v, want ErrAlreadyExists", err)
	}
	if _, err := s.Create(pod("other", "web", nil)); err != nil {
		t.Errorf("same name in another namespace: %v", err)
	}
}

func TestCreateInvalid(t *testing.T) {
	withRV := pod("", "p", nil)
	withRV.ResourceVersion = "3"
	wrongKind := pod("", "p", nil)
	wrongKind.TypeMeta.Kind = "Node"
	tests := []struct {
		name string
		obj  workload.Object
		want string // in the message
	}{
		{"nil", nil, "object is nil"},
		{"typed nil", (*workload.Pod)(nil), "non-nil pointer"},
		{"no name", pod("", "", nil), "metadata.name: required"},
		{"resourceVersion", withRV, "metadata.resourceVersion"},
		{"kind mismatch", wrongKind, `kind: "Node"`},
		{"unknown kind", &widget{ObjectMeta: workload.ObjectMeta{Name: "w"}}, `unknown kind "Widget"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			_, err := s.Create(tt.obj)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrInvalid mentioning %q", err, tt.want)
			}
			if s.ResourceVersion() != 0 {
				t.Errorf("a failed Create wrote something")
			}
		})
	}
}

func TestUpdateInvalid(t *testing.T) {
	s, _ := newTestStore(t)
	mustCreate(t, s, pod("", "p", nil))
	tests := []struct {
		name string
		obj  workload.Object
		want string
	}{
		{"nil", nil, "object is nil"},
		{"typed nil", (*workload.Pod)(nil), "non-nil pointer"},
		{"no name", pod("", "", nil), "metadata.name: required"},
		{"unknown kind", &widget{ObjectMeta: workload.ObjectMeta{Name: "p"}}, `unknown kind "Widget"`},
	}
	for _, tt := range tests {
		for op, update := range map[string]func(workload.Object, ...WriteOption) (workload.Object, error){"Update": s.Update, "UpdateStatus": s.UpdateStatus} {
			if _, err := update(tt.obj); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s(%s): err = %v, want ErrInvalid mentioning %q", op, tt.name, err, tt.want)
			}
		}
	}
	if s.ResourceVersion() != 1 {
		t.Errorf("invalid updates wrote something")
	}
}

func TestErrorsNameTheObject(t *testing.T) {
	s, _ := newTestStore(t)
	_, err := s.Get("Pod", "ns", "missing")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if got, want := err.Error(), "store: not found: Pod/ns/missing"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	var se *Error
	if !errors.As(err, &se) || se.Ref != "Pod/ns/missing" {
		t.Errorf("errors.As(*Error) = %+v", se)
	}
	if errors.Is(err, workload.ErrWatchExpired) {
		t.Errorf("ErrNotFound must not match workload.ErrWatchExpired")
	}
	for _, call := range []func() error{
		func() error { _, err := s.Update(pod("ns", "missing", nil)); return err },
		func() error { _, err := s.UpdateStatus(pod("ns", "missing", nil)); return err },
		func() error { _, err := s.Delete("Pod", "ns", "missing", DeleteOptions{}); return err },
	} {
		if err := call(); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "Pod/ns/missing") {
			t.Errorf("err = %v, want ErrNotFound naming Pod/ns/missing", err)
		}
	}
}

func TestGenerateName(t *testing.T) {
	s, _ := newTestStore(t)
	p := pod("", "", nil)
	p.GenerateName = "web-"
	got := mustCreate(t, s, p)
	if !regexp.MustCompile(`^web-[bcdfghjklmnpqrstvwxz2456789]{5}$`).MatchString(got.Name) {
		t.Errorf("name = %q, want web- and 5 characters of Kubernetes' alphabet", got.Name)
	}
	if got.GenerateName != "web-" {
		t.Errorf("generateName = %q, want kept", got.GenerateName)
	}

	long := pod("", "", nil)
	long.GenerateName = strings.Repeat("a", 70)
	if got := mustCreate(t, s, long); len(got.Name) != 63 {
		t.Errorf("name from a 70-character prefix has %d characters, want 63", len(got.Name))
	}
}

// candidates returns the first n names generateName would try from a
// generator in the state of a fresh store with seed.
func candidates(seed int64, prefix string, n int) []string {
	s := New(Config{Seed: seed})
	var out []string
	for range n {
		m := &workload.ObjectMeta{GenerateName: prefix}
		s.generateName(m, nil)
		out = append(out, m.Name)
	}
	return out
}

func TestGenerateNameRetriesOnCollision(t *testing.T) {
	const seed = 7
	names := candidates(seed, "job-", 17)
	s := New(Config{Seed: seed})
	mustCreate(t, s, pod("", names[0], nil))
	s.rng = New(Config{Seed: seed}).rng // the next draw is names[0] again

	p := pod("", "", nil)
	p.GenerateName = "job-"
	if got := mustCreate(t, s, p); got.Name != names[1] {
		t.Errorf("name = %q, want the second candidate %q after a collision", got.Name, names[1])
	}

	// All 16 tries taken: ErrAlreadyExists.
	s = New(Config{Seed: seed})
	for _, n := range names[:16] {
		mustCreate(t, s, pod("", n, nil))
	}
	s.rng = New(Config{Seed: seed}).rng
	if _, err := s.Create(p); !errors.Is(err, ErrAlreadyExists) || !strings.Contains(err.Error(), "generateName") {
		t.Errorf("err = %v, want ErrAlreadyExists about generateName", err)
	}
}

// TestDeterministic: the same seed and calls give the same UIDs and names;
// another seed gives others.
func TestDeterministic(t *testing.T) {
	run := func(seed int64) []string {
		s := New(Config{Seed: seed, Clock: &fakeClock{t: epoch}})
		var out []string
		for i := range 20 {
			p := pod("", "", nil)
			p.GenerateName = "p-"
			if i%3 == 0 {
				p.Name = "fixed-" + string(rune('a'+i))
			}
			got := mustCreate(t, s, p)
			out = append(out, got.Name+" "+got.UID)
		}
		return out
	}
	a, b := run(42), run(42)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different results:\n%s", diff)
	}
	if c := run(43); cmp.Equal(a, c) {
		t.Errorf("seeds 42 and 43 gave the same UIDs and names")
	}
	seen := map[string]bool{}
	for _, x := range a {
		uid := strings.Fields(x)[1]
		if seen[uid] || !uuidRE.MatchString(uid) {
			t.Errorf("uid %q repeated or malformed", uid)
		}
		seen[uid] = true
	}
}

func TestUpdateConflict(t *testing.T) {
	s, _ := newTestStore(t)
	v1 := mustCreate(t, s, pod("", "p", nil))

	a := v1.DeepCopy()
	a.Labels = map[string]string{"writer": "a"}
	v2, err := s.Update(a)
	if err != nil {
		t.Fatalf("Update with the current resourceVersion: %v", err)
	}
	if v2.GetObjectMeta().ResourceVersion != "2" {
		t.Errorf("resourceVersion = %q, want 2", v2.GetObjectMeta().ResourceVersion)
	}

	b := v1.DeepCopy() // read before a's write
	b.Labels = map[string]string{"writer": "b"}
	_, err = s.Update(b)
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), `"1" is not the stored "2"`) {
		t.Fatalf("stale Update: err = %v, want ErrConflict naming both versions", err)
	}
	if _, err := s.UpdateStatus(b); !errors.Is(err, ErrConflict) {
		t.Errorf("stale UpdateStatus: err = %v, want ErrConflict", err)
	}
	if got := mustGet[*workload.Pod](t, s, "Pod", "", "p"); got.Labels["writer"] != "a" {
		t.Errorf("a conflicting update changed the object: %v", got.Labels)
	}

	b.ResourceVersion = "" // unconditional
	if _, err := s.Update(b); err != nil {
		t.Errorf("unconditional Update: %v", err)
	}

	c := v1.DeepCopy()
	c.ResourceVersion = ""
	c.UID = "someone-else"
	if _, err := s.Update(c); !errors.Is(err, ErrConflict) {
		t.Errorf("Update with another uid: err = %v, want ErrConflict", err)
	}
}

func TestUpdateKeepsSystemFields(t *testing.T) {
	s, clk := newTestStore(t)
	v1 := mustCreate(t, s, pod("", "p", nil))
	clk.t = clk.t.Add(time.Hour)

	in := v1.DeepCopy()
	in.UID = ""
	in.CreationTimestamp = workload.NewTime(clk.t)
	in.DeletionTimestamp = workload.NewTimePtr(clk.t)
	in.Generation = 99
	in.Labels = map[string]string{"a": "b"}
	got, err := s.Update(in)
	if err != nil {
		t.Fatal(err)
	}
	m := got.GetObjectMeta()
	if m.UID != v1.UID || !m.CreationTimestamp.Equal(epoch) || m.DeletionTimestamp != nil || m.Generation != 1 {
		t.Errorf("system fields changed by Update: %+v", m)
	}
}

func TestGenerationAndStatus(t *testing.T) {
	type step struct {
		name     string
		change   func(p *workload.Pod)
		status   bool // UpdateStatus instead of Update
		wantGen  int64
		wantRV   string // "" = unchanged
		wantPhas string
	}
	tests := []step{
		{"spec change bumps generation", func(p *workload.Pod) { p.Spec.Containers[0].Image = "nginx" }, false, 2, "2", ""},
		{"metadata change does not", func(p *workload.Pod) { p.Labels = map[string]string{"a": "b"} }, false, 1, "2", ""},
		{"status through Update is ignored", func(p *workload.Pod) { p.Status.Phase = "Running" }, false, 1, "", ""},
		{"no change is not written", func(p *workload.Pod) {}, false, 1, "", ""},
		{"nil and empty are equal", func(p *workload.Pod) { p.Spec.Tolerations = []workload.Toleration{} }, false, 1, "", ""},
		{"quantities compare by value", func(p *workload.Pod) {
			p.Spec.Containers[0].Resources.Requests["cpu"] = resource.MustParse("0.1")
		}, false, 1, "", ""},
		{"quantity value change bumps", func(p *workload.Pod) {
			p.Spec.Containers[0].Resources.Requests["cpu"] = resource.MustParse("200m")
		}, false, 2, "2", ""},
		{"UpdateStatus changes status only", func(p *workload.Pod) {
			p.Status.Phase = "Running"
			p.Spec.Containers[0].Image = "ignored"
			p.Labels = map[string]string{"ignored": "yes"}
		}, true, 1, "2", "Running"},
		{"unchanged status is not written", func(p *workload.Pod) {}, true, 1, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			v1 := mustCreate(t, s, pod("", "p", nil))
			in := v1.DeepCopy()
			tt.change(in)
			var got workload.Object
			var err error
			if tt.status {
				got, err = s.UpdateStatus(in)
			} else {
				got, err = s.Update(in)
			}
			if err != nil {
				t.Fatal(err)
			}
			p := got.(*workload.Pod)
			wantRV := tt.wantRV
			if wantRV == "" {
				wantRV = "1"
			}
			if p.Generation != tt.wantGen || p.ResourceVersion != wantRV || p.Status.Phase != tt.wantPhas {
				t.Errorf("got generation %d rv %q phase %q, want %d %q %q",
					p.Generation, p.ResourceVersion, p.Status.Phase, tt.wantGen, wantRV, tt.wantPhas)
			}
			if s.ResourceVersion() != map[bool]uint64{true: 1, false: 2}[tt.wantRV == ""] {
				t.Errorf("store version %d", s.ResourceVersion())
			}
			if tt.status {
				if p.Spec.Containers[0].Image != "busybox" || p.Labels != nil {
					t.Errorf("UpdateStatus changed more than the status: %+v", p)
				}
			}
			stored := mustGet[*workload.Pod](t, s, "Pod", "", "p")
			if diff := cmp.Diff(p, stored); diff != "" {
				t.Errorf("returned object is not the stored one (-ret +stored):\n%s", diff)
			}
		})
	}
}

// TestGenerationWithoutSpec: kinds without spec and status are stored whole
// and any change besides metadata bumps the generation.
func TestGenerationWithoutSpec(t *testing.T) {
	s, _ := newTestStore(t)
	ev := mustCreate(t, s, &workload.Event{ObjectMeta: workload.ObjectMeta{Name: "e"}, Reason: "Created", Count: 1})
	ev.Count = 2
	got, err := s.Update(ev)
	if err != nil {
		t.Fatal(err)
	}
	if g := got.(*workload.Event); g.Count != 2 || g.Generation != 2 {
		t.Errorf("Event after update: count %d generation %d, want 2 2", g.Count, g.Generation)
	}
	if _, err := s.UpdateStatus(ev); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "has no status") {
		t.Errorf("UpdateStatus of an Event: err = %v, want ErrInvalid", err)
	}
	cr := mustCreate(t, s, &workload.ControllerRevision{ObjectMeta: workload.ObjectMeta{Name: "r"}, Data: []byte(`{"a":1}`), Revision: 1})
	cr.Data = []byte(`{"a":1}`) // same bytes, new slice
	if got, _ := s.Update(cr); got.GetObjectMeta().Generation != 1 || got.GetObjectMeta().ResourceVersion != cr.ResourceVersion {
		t.Errorf("equal data rewrote the revision: %+v", got.GetObjectMeta())
	}
}

func TestIsolation(t *testing.T) {
	s, _ := newTestStore(t)
	w, err := s.Watch("Pod", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	in := pod("", "p", map[string]string{"app": "web"})
	out := mustCreate(t, s, in)
	in.Labels["app"] = "changed-input"
	in.Spec.Containers[0].Image = "changed-input"
	out.Labels["app"] = "changed-output"
	out.Spec.Containers[0].Image = "changed-output"

	got := mustGet[*workload.Pod](t, s, "Pod", "", "p")
	got.Labels["app"] = "changed-get"
	for _, o := range s.List("Pod", "", nil) {
		o.GetObjectMeta().Labels["app"] = "changed-list"
	}
	for _, o := range s.ListPodsOnNode("") {
		o.Labels["app"] = "changed-list"
	}
	upd := mustGet[*workload.Pod](t, s, "Pod", "", "p")
	upd.Spec.NodeName = "n1"
	ret, err := s.Update(upd)
	if err != nil {
		t.Fatal(err)
	}
	upd.Labels["app"] = "changed-update-input"
	ret.GetObjectMeta().Labels["app"] = "changed-update-output"
	for _, o := range s.ListPodsOnNode("n1") {
		o.Labels["app"] = "changed-list"
	}
	if evs := drain(w); len(evs) != 2 {
		t.Fatalf("got %d events, want 2", len(evs))
	}

	final := mustGet[*workload.Pod](t, s, "Pod", "", "p")
	if final.Labels["app"] != "web" || final.Spec.Containers[0].Image != "busybox" {
		t.Errorf("stored object changed from outside: labels %v image %q", final.Labels, final.Spec.Containers[0].Image)
	}
	if n := len(s.List("Pod", "", labels.SelectorFromSet(labels.Set{"app": "web"}))); n != 1 {
		t.Errorf("label index sees %d pods with app=web, want 1", n)
	}
}

func TestFinalizers(t *testing.T) {
	s, clk := newTestStore(t)
	w, _ := s.Watch("", 0)
	defer w.Stop()
	p := pod("", "p", nil)
	p.Finalizers = []string{"example.com/a", "example.com/b"}
	mustCreate(t, s, p)
	clk.t = clk.t.Add(time.Minute)

	marked, err := s.Delete("Pod", "", "p", DeleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mm := marked.GetObjectMeta()
	if mm.DeletionTimestamp == nil || !mm.DeletionTimestamp.Equal(clk.t) || mm.ResourceVersion != "2" {
		t.Fatalf("Delete with finalizers: %+v, want deletionTimestamp %v and rv 2", mm, clk.t)
	}
	clk.t = clk.t.Add(time.Minute)
	again, err := s.Delete("Pod", "", "p", DeleteOptions{})
	if err != nil || !again.GetObjectMeta().DeletionTimestamp.Equal(mm.DeletionTimestamp.Time) || s.ResourceVersion() != 2 {
		t.Errorf("second Delete: %v %+v, want no change", err, again.GetObjectMeta())
	}

	cur := mustGet[*workload.Pod](t, s, "Pod", "", "p")
	cur.Finalizers = append(cur.Finalizers, "example.com/new")
	if _, err := s.Update(cur); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "metadata.finalizers") {
		t.Errorf("adding a finalizer while deleting: err = %v, want ErrInvalid", err)
	}
	cur = mustGet[*workload.Pod](t, s, "Pod", "", "p")
	cur.Finalizers = []string{"example.com/b"}
	cur.DeletionTimestamp = nil // cannot be undone by an update
	if got, err := s.Update(cur); err != nil || got.GetObjectMeta().DeletionTimestamp == nil {
		t.Fatalf("removing one finalizer: %v, %+v", err, got)
	}
	cur = mustGet[*workload.Pod](t, s, "Pod", "", "p")
	cur.Finalizers = nil
	last, err := s.Update(cur)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("Pod", "", "p"); !errors.Is(err, ErrNotFound) {
		t.Errorf("object still there after its last finalizer went: %v", err)
	}
	var got []string
	for _, ev := range drain(w) {
		got = append(got, ev.Type+" "+ev.Object.GetObjectMeta().ResourceVersion)
	}
	want := []string{"ADDED 1", "MODIFIED 2", "MODIFIED 3", "DELETED 4"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if last.GetObjectMeta().ResourceVersion != "4" {
		t.Errorf("last state rv = %q, want 4", last.GetObjectMeta().ResourceVersion)
	}
}

func TestDeleteWithoutFinalizers(t *testing.T) {
	s, _ := newTestStore(t)
	w, _ := s.Watch("Pod", 0)
	defer w.Stop()
	p := mustCreate(t, s, pod("", "p", map[string]string{"app": "x"}))
	got, err := s.Delete("Pod", "", "p", DeleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetObjectMeta().ResourceVersion != "2" || got.GetObjectMeta().UID != p.UID {
		t.Errorf("deleted object %+v, want the last state with rv 2", got.GetObjectMeta())
	}
	evs := drain(w)
	if len(evs) != 2 || evs[1].Type != Deleted || evs[1].Version != 2 || evs[1].Object.GetObjectMeta().Labels["app"] != "x" {
		t.Errorf("events = %+v, want ADDED then DELETED with the last state at version 2", evs)
	}
	if n := len(s.List("Pod", "", labels.SelectorFromSet(labels.Set{"app": "x"}))); n != 0 {
		t.Errorf("label index still lists %d pods", n)
	}
	// The name is free again; the new object has a new uid.
	if again := mustCreate(t, s, pod("", "p", nil)); again.UID == p.UID {
		t.Errorf("re-created object kept uid %s", p.UID)
	}
}

func TestDeleteOptions(t *testing.T) {
	tests := []struct {
		name       string
		opts       DeleteOptions
		wantErr    error
		wantMarked []string // finalizers of the marked object; nil = removed
	}{
		{"background", DeleteOptions{PropagationPolicy: DeleteBackground}, nil, nil},
		{"foreground", DeleteOptions{PropagationPolicy: DeleteForeground}, nil, []string{FinalizerForeground}},
		{"orphan", DeleteOptions{PropagationPolicy: DeleteOrphan}, nil, []string{FinalizerOrphan}},
		{"unknown policy", DeleteOptions{PropagationPolicy: "Sometimes"}, ErrInvalid, nil},
		{"uid matches", DeleteOptions{Preconditions: Preconditions{UID: "UID"}}, nil, nil},
		{"uid differs", DeleteOptions{Preconditions: Preconditions{UID: "other"}}, ErrConflict, nil},
		{"rv matches", DeleteOptions{Preconditions: Preconditions{ResourceVersion: "1"}}, nil, nil},
		{"rv differs", DeleteOptions{Preconditions: Preconditions{ResourceVersion: "7"}}, ErrConflict, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			p := mustCreate(t, s, pod("", "p", nil))
			if tt.opts.Preconditions.UID == "UID" {
				tt.opts.Preconditions.UID = p.UID
			}
			got, err := s.Delete("Pod", "", "p", tt.opts)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			_, getErr := s.Get("Pod", "", "p")
			switch {
			case err != nil:
				if getErr != nil {
					t.Errorf("a failed Delete removed the object")
				}
			case tt.wantMarked == nil:
				if !errors.Is(getErr, ErrNotFound) {
					t.Errorf("object not removed: %v", getErr)
				}
			default:
				if diff := cmp.Diff(tt.wantMarked, got.GetObjectMeta().Finalizers); diff != "" || getErr != nil {
					t.Errorf("marked object finalizers (-want +got):\n%s (get: %v)", diff, getErr)
				}
			}
		})
	}
}

func names(objs []workload.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, workload.Key(o))
	}
	return out
}

func TestList(t *testing.T) {
	s, _ := newTestStore(t)
	for _, p := range []*workload.Pod{
		pod("b", "web-2", map[string]string{"app": "web", "tier": "front"}),
		pod("a", "web-1", map[string]string{"app": "web", "tier": "front"}),
		pod("a", "db-0", map[string]string{"app": "db", "tier": "back"}),
		pod("a", "web-0", map[string]string{"app": "web"}),
		pod("b", "other", nil),
	} {
		mustCreate(t, s, p)
	}
	mustCreate(t, s, node("web")) // another kind, same name
	sel := func(s string) labels.Selector {
		t.Helper()
		l, err := labels.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	tests := []struct {
		ns   string
		sel  labels.Selector
		want []string
	}{
		{"", nil, []string{"a/db-0", "a/web-0", "a/web-1", "b/other", "b/web-2"}},
		{"a", nil, []string{"a/db-0", "a/web-0", "a/web-1"}},
		{"", labels.Everything(), []string{"a/db-0", "a/web-0", "a/web-1", "b/other", "b/web-2"}},
		{"", labels.Nothing(), nil},
		{"", sel("app=web"), []string{"a/web-0", "a/web-1", "b/web-2"}},
		{"a", sel("app==web"), []string{"a/web-0", "a/web-1"}},
		{"", sel("app in (web)"), []string{"a/web-0", "a/web-1", "b/web-2"}},
		{"", sel("app=web,tier=front"), []string{"a/web-1", "b/web-2"}},
		{"", sel("app in (web,db)"), []string{"a/db-0", "a/web-0", "a/web-1", "b/web-2"}},
		{"", sel("app=web,tier!=front"), []string{"a/web-0"}},
		{"", sel("!tier"), []string{"a/web-0", "b/other"}},
		{"", sel("app=nope"), nil},
		{"c", sel("app=web"), nil},
	}
	for _, tt := range tests {
		got := names(s.List("Pod", tt.ns, tt.sel))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("List(Pod, %q, %v) (-want +got):\n%s", tt.ns, tt.sel, diff)
		}
	}
	if got := s.List("Job", "", nil); len(got) != 0 {
		t.Errorf("List of a kind with no objects = %v", got)
	}
}

// TestListMatchesScan compares indexed lists with a brute-force filter over
// random objects, labels, updates and deletes.
func TestListMatchesScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	s, _ := newTestStore(t)
	vals := []string{"a", "b", "c"}
	randLabels := func() map[string]string {
		m := map[string]string{}
		for _, k := range []string{"x", "y", "z"} {
			if rng.IntN(3) > 0 {
				m[k] = vals[rng.IntN(len(vals))]
			}
		}
		return m
	}
	for i := range 300 {
		name := "p" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		ns := []string{"n1", "n2"}[rng.IntN(2)]
		mustCreate(t, s, pod(ns, name, randLabels()))
		if rng.IntN(4) == 0 {
			p := mustGet[*workload.Pod](t, s, "Pod", ns, name)
			p.Labels = randLabels()
			if _, err := s.Update(p); err != nil {
				t.Fatal(err)
			}
		}
		if rng.IntN(6) == 0 {
			if _, err := s.Delete("Pod", ns, name, DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	all := s.List("Pod", "", nil)
	for _, q := range []string{"x=a", "x=a,y=b", "x in (a),z!=c", "x in (a,b),y=c", "x,y=a", "!z,x=b", "x=a,y=b,z=c"} {
		sel, err := labels.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		for _, ns := range []string{"", "n1"} {
			var want []string
			for _, o := range all {
				if (ns == "" || o.GetObjectMeta().Namespace == ns) && sel.Matches(labels.Set(o.GetObjectMeta().Labels)) {
					want = append(want, workload.Key(o))
				}
			}
			if diff := cmp.Diff(want, names(s.List("Pod", ns, sel))); diff != "" {
				t.Errorf("List(%q, %q) (-scan +index):\n%s", ns, q, diff)
			}
		}
	}
}

func TestListByOwnerAndNode(t *testing.T) {
	s, _ := newTestStore(t)
	rs := mustCreate(t, s, &workload.ReplicaSet{ObjectMeta: workload.ObjectMeta{Name: "rs"}})
	ref := workload.NewControllerRef(rs)
	for _, n := range []string{"c", "a", "b"} {
		p := pod("", n, nil)
		p.OwnerReferences = []workload.OwnerReference{ref}
		p.Spec.NodeName = "node-1"
		mustCreate(t, s, p)
	}
	ev := &workload.Event{ObjectMeta: workload.ObjectMeta{Name: "e", OwnerReferences: []workload.OwnerReference{ref}}}
	mustCreate(t, s, ev)
	mustCreate(t, s, pod("", "loose", nil))

	if diff := cmp.Diff([]string{"default/a", "default/b", "default/c"}, names(s.ListByOwner("Pod", rs.UID))); diff != "" {
		t.Errorf("ListByOwner(Pod) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"default/e"}, names(s.ListByOwner("Event", rs.UID))); diff != "" {
		t.Errorf("ListByOwner(Event) (-want +got):\n%s", diff)
	}
	podNames := func(node string) []string {
		var out []string
		for _, p := range s.ListPodsOnNode(node) {
			out = append(out, p.Name)
		}
		return out
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, podNames("node-1")); diff != "" {
		t.Errorf("ListPodsOnNode (-want +got):\n%s", diff)
	}

	// Moving, orphaning and deleting keep the indexes right.
	b := mustGet[*workload.Pod](t, s, "Pod", "", "b")
	b.Spec.NodeName = "node-2"
	b.OwnerReferences = nil
	if _, err := s.Update(b); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete("Pod", "", "c", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"default/a"}, names(s.ListByOwner("Pod", rs.UID))); diff != "" {
		t.Errorf("ListByOwner after changes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a"}, podNames("node-1")); diff != "" {
		t.Errorf("node-1 after changes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"b"}, podNames("node-2")); diff != "" {
		t.Errorf("node-2 after changes (-want +got):\n%s", diff)
	}
	if len(s.owners) != 2 || len(s.nodes) != 2 {
		t.Errorf("empty index sets are not dropped: owners %d, nodes %d", len(s.owners), len(s.nodes))
	}
}

func TestPeekAndSharedEvents(t *testing.T) {
	s, _ := newTestStore(t)
	w1, _ := s.Watch("Pod", 0)
	defer w1.Stop()
	w2, _ := s.Watch("", 0)
	defer w2.Stop()
	mustCreate(t, s, pod("", "p", nil))

	a, err := s.Peek("Pod", "", "p")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Peek("Pod", "", "p")
	g := mustGet[*workload.Pod](t, s, "Pod", "", "p")
	if a != b || workload.Object(g) == a {
		t.Errorf("Peek must return the stored object (same pointer twice) and Get a copy")
	}
	e1, e2 := drain(w1), drain(w2)
	if len(e1) != 1 || len(e2) != 1 || e1[0].Object != e2[0].Object || e1[0].Object != a {
		t.Errorf("the event object must be one object shared by the watchers")
	}
	if _, err := s.Peek("Pod", "", "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Peek of a missing object: %v", err)
	}
}

func TestDeleteGracePeriod(t *testing.T) {
	s, _ := newTestStore(t)
	p := pod("", "p", nil)
	p.Finalizers = []string{"f"}
	mustCreate(t, s, p)
	grace := func() int64 {
		g := mustGet[*workload.Pod](t, s, "Pod", "", "p").DeletionGracePeriodSeconds
		if g == nil {
			t.Fatal("no deletionGracePeriodSeconds")
		}
		return *g
	}
	steps := []struct {
		grace   *int64
		want    int64
		wantRV  uint64
		comment string
	}{
		{workload.Ptr[int64](30), 30, 2, "first delete marks and records the grace period"},
		{workload.Ptr[int64](60), 30, 2, "a longer grace period changes nothing"},
		{nil, 30, 2, "no grace period changes nothing"},
		{workload.Ptr[int64](5), 5, 3, "a shorter grace period shortens it"},
	}
	for _, st := range steps {
		if _, err := s.Delete("Pod", "", "p", DeleteOptions{GracePeriodSeconds: st.grace}); err != nil {
			t.Fatal(err)
		}
		if got := grace(); got != st.want || s.ResourceVersion() != st.wantRV {
			t.Errorf("%s: grace %d rv %d, want %d %d", st.comment, got, s.ResourceVersion(), st.want, st.wantRV)
		}
	}
}

// TestStatusUpdateKeepsIndexes: a write that keeps labels, owners and node
// name leaves the index sets alone, and they still find the new version.
func TestStatusUpdateKeepsIndexes(t *testing.T) {
	s, _ := newTestStore(t)
	p := pod("", "p", map[string]string{"app": "web"})
	p.OwnerReferences = []workload.OwnerReference{{Kind: "ReplicaSet", Name: "rs", UID: "rs-uid"}}
	p.Spec.NodeName = "n1"
	cur := mustCreate(t, s, p)
	cur.Status.Phase = "Running"
	if _, err := s.UpdateStatus(cur); err != nil {
		t.Fatal(err)
	}
	cur = mustGet[*workload.Pod](t, s, "Pod", "", "p")
	cur.Annotations = map[string]string{"a": "b"}
	if _, err := s.Update(cur); err != nil {
		t.Fatal(err)
	}
	check := func(how string, got []workload.Object) {
		t.Helper()
		if len(got) != 1 || got[0].GetObjectMeta().ResourceVersion != "3" || got[0].(*workload.Pod).Status.Phase != "Running" {
			t.Errorf("%s: %d objects, want the pod at version 3", how, len(got))
		}
	}
	check("by label", s.List("Pod", "", labels.SelectorFromSet(labels.Set{"app": "web"})))
	check("by owner", s.ListByOwner("Pod", "rs-uid"))
	var onNode []workload.Object
	for _, p := range s.ListPodsOnNode("n1") {
		onNode = append(onNode, p)
	}
	check("by node", onNode)
}
