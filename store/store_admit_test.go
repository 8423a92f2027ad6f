package store

import (
	"errors"
	"slices"
	"testing"

	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/labels"
)

func TestAdmitDefaultsAndRefuses(t *testing.T) {
	refuse := errors.New("refused")
	s := New(Config{Admit: func(o workload.Object) error {
		p := o.(*workload.Pod)
		if p.Name == "bad" {
			return refuse
		}
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		p.Labels["admitted"] = "yes"
		return nil
	}})
	in := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "good", Namespace: "default"}}
	out, err := s.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	if out.GetObjectMeta().Labels["admitted"] != "yes" || in.Labels != nil {
		t.Fatalf("admitted labels %v, caller's object %v: want the stored copy changed, the caller's not", out.GetObjectMeta().Labels, in.Labels)
	}
	if _, err := s.Create(&workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "bad", Namespace: "default"}}); !errors.Is(err, refuse) {
		t.Fatalf("refused create: %v", err)
	}
	if _, err := s.Get("Pod", "default", "bad"); !errors.Is(err, ErrNotFound) {
		t.Fatal("a refused object was stored")
	}
}

func TestSharedResultCreate(t *testing.T) {
	s := New(Config{Seed: 1})
	out, err := s.Create(&workload.Pod{ObjectMeta: workload.ObjectMeta{GenerateName: "p-", Namespace: "default"}}, SharedResult)
	if err != nil {
		t.Fatal(err)
	}
	peek, _ := s.Peek("Pod", "default", out.GetObjectMeta().Name)
	if out != peek || out.GetObjectMeta().UID == "" {
		t.Fatal("SharedResult did not return the stored object itself")
	}
}

func TestAdoptCreate(t *testing.T) {
	s := New(Config{Seed: 1})
	shared := map[string]string{"app": "web"}
	// Two pods that share their labels map, as pods stamped from one
	// template do.
	a := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "a", Labels: shared}}
	b := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "b", Labels: shared}}
	for _, p := range []*workload.Pod{a, b} {
		if _, err := s.Create(p, Adopt, NoResult); err != nil {
			t.Fatal(err)
		}
	}
	peek, _ := s.Peek("Pod", "default", "a")
	if peek != workload.Object(a) {
		t.Fatal("Adopt stored a copy")
	}
	// The store filled in the adopted object's metadata.
	if a.Namespace != "default" || a.UID == "" || a.ResourceVersion == "" || a.TypeMeta.Kind != "Pod" {
		t.Fatalf("adopted object not filled in: %+v", a.ObjectMeta)
	}
	// Relabelling one does not change the other, which shares its map.
	c, _ := s.Get("Pod", "default", "b")
	c.GetObjectMeta().Labels = map[string]string{"app": "db"}
	if _, err := s.Update(c); err != nil {
		t.Fatal(err)
	}
	if got := s.List("Pod", "default", labels.SelectorFromSet(labels.Set{"app": "web"})); len(got) != 1 || got[0].GetObjectMeta().Name != "a" {
		t.Fatalf("app=web: %d pods", len(got))
	}
	if shared["app"] != "web" {
		t.Fatal("an update changed an adopted object's shared map")
	}
	// Without Adopt, the store keeps a copy.
	d := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "d"}}
	if _, err := s.Create(d); err != nil {
		t.Fatal(err)
	}
	if peek, _ := s.Peek("Pod", "default", "d"); peek == workload.Object(d) {
		t.Fatal("Create without Adopt kept the caller's object")
	}
}

// TestAdoptUpdate: Update with Adopt keeps the caller's shallow copy of a
// stored object, which shares the rest of its memory with it, and the
// object stored before stays as it was.
func TestAdoptUpdate(t *testing.T) {
	s := New(Config{Seed: 1})
	in := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "a", Labels: map[string]string{"app": "web"}},
		Spec: workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "nginx"}}}}
	in.Status.Phase = workload.PodRunning
	if _, err := s.Create(in); err != nil {
		t.Fatal(err)
	}
	o, _ := s.Peek("Pod", "default", "a")
	old := o.(*workload.Pod)
	np := *old
	np.Finalizers = []string{"example.com/keep"}
	np.Status = workload.PodStatus{} // ignored: Update keeps the stored status
	if _, err := s.Update(&np, Adopt, NoResult); err != nil {
		t.Fatal(err)
	}
	now, _ := s.Peek("Pod", "default", "a")
	if now != workload.Object(&np) {
		t.Fatal("Update with Adopt stored a copy")
	}
	if np.Status.Phase != workload.PodRunning || np.ResourceVersion == old.ResourceVersion || np.Generation != old.Generation {
		t.Fatalf("adopted update: phase %q rv %s (was %s) generation %d (was %d): want the stored status, a new version, the same generation",
			np.Status.Phase, np.ResourceVersion, old.ResourceVersion, np.Generation, old.Generation)
	}
	if len(old.Finalizers) != 0 || old.Status.Phase != workload.PodRunning {
		t.Fatalf("the object stored before changed: %+v", old.ObjectMeta)
	}
	if got := s.List("Pod", "default", labels.SelectorFromSet(labels.Set{"app": "web"})); len(got) != 1 {
		t.Fatalf("app=web: %d pods after the update, want 1", len(got))
	}
}

// TestDeleteBumpsGeneration: marking an object for deletion bumps its
// generation once (the API server's BeforeDelete / markAsDeleting); a
// second delete changes nothing.
func TestDeleteBumpsGeneration(t *testing.T) {
	s := New(Config{Seed: 1})
	if _, err := s.Create(&workload.Deployment{ObjectMeta: workload.ObjectMeta{Name: "d"}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := s.Delete("Deployment", "default", "d", DeleteOptions{PropagationPolicy: DeleteForeground, NoResult: true}); err != nil {
			t.Fatal(err)
		}
		o, _ := s.Peek("Deployment", "default", "d")
		if m := o.GetObjectMeta(); m.Generation != 2 || m.DeletionTimestamp == nil {
			t.Fatalf("generation %d deletionTimestamp %v, want 2 and set", m.Generation, m.DeletionTimestamp)
		}
	}
}

// TestAdoptStatus: UpdateStatus and SetStatus with Adopt keep the caller's
// object itself, with the stored metadata and spec and the caller's status
// memory; what else the caller put in it is ignored. For a kind other than
// Pod too, which goes through the reflective path.
func TestAdoptStatus(t *testing.T) {
	s := New(Config{Seed: 1})
	if _, err := s.Create(pod("default", "p", map[string]string{"app": "web"})); err != nil {
		t.Fatal(err)
	}
	stored, _ := s.Peek("Pod", "default", "p")
	conds := []workload.PodCondition{{Type: workload.PodReady, Status: workload.ConditionTrue}}
	in := &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Namespace: "default", Name: "p", Labels: map[string]string{"app": "db"}},
		Spec:       workload.PodSpec{NodeName: "elsewhere"},
		Status:     workload.PodStatus{Phase: workload.PodRunning, Conditions: conds},
	}
	w, err := s.Watch("Pod", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if err := s.SetStatus(in, Adopt); err != nil {
		t.Fatal(err)
	}
	peek, _ := s.Peek("Pod", "default", "p")
	p := peek.(*workload.Pod)
	if p != in {
		t.Fatal("SetStatus with Adopt stored a copy")
	}
	if &p.Status.Conditions[0] != &conds[0] || p.Status.Phase != workload.PodRunning {
		t.Fatal("the adopted status was copied or lost")
	}
	if p.Labels["app"] != "web" || p.Spec.NodeName != "" || p.UID != stored.GetObjectMeta().UID ||
		len(p.Spec.Containers) != 1 || p.ResourceVersion == stored.GetObjectMeta().ResourceVersion {
		t.Fatalf("adopted pod has the caller's metadata or spec, or no new version: %+v %+v", p.ObjectMeta, p.Spec)
	}
	if got := s.List("Pod", "", labels.SelectorFromSet(labels.Set{"app": "web"})); len(got) != 1 {
		t.Fatalf("app=web: %d pods, want the pod still indexed by its stored labels", len(got))
	}
	if ev, ok := w.TryNext(); !ok || ev.Object != workload.Object(in) {
		t.Fatalf("watch event %+v, want the adopted object", ev)
	}
	// The same status again (another object, equal content) is no write.
	again := &workload.Pod{ObjectMeta: workload.ObjectMeta{Namespace: "default", Name: "p"},
		Status: workload.PodStatus{Phase: workload.PodRunning, Conditions: slices.Clone(conds)}}
	rv := s.ResourceVersion()
	if out, err := s.UpdateStatus(again, Adopt); err != nil || s.ResourceVersion() != rv || out.(*workload.Pod) == again {
		t.Fatalf("unchanged status: err %v, version %d -> %d", err, rv, s.ResourceVersion())
	}
	// A wrong uid is a conflict, and nothing is stored.
	bad := &workload.Pod{ObjectMeta: workload.ObjectMeta{Namespace: "default", Name: "p", UID: "other"},
		Status: workload.PodStatus{Phase: workload.PodFailed}}
	if err := s.SetStatus(bad, Adopt); !errors.Is(err, ErrConflict) {
		t.Fatalf("wrong uid: err %v, want ErrConflict", err)
	}

	// A Deployment: the reflective path.
	if _, err := s.Create(&workload.Deployment{ObjectMeta: workload.ObjectMeta{Name: "d"}, Spec: workload.DeploymentSpec{Replicas: workload.Ptr(int32(3))}}); err != nil {
		t.Fatal(err)
	}
	d := &workload.Deployment{ObjectMeta: workload.ObjectMeta{Name: "d", Namespace: "default"}, Status: workload.DeploymentStatus{Replicas: 2}}
	if _, err := s.UpdateStatus(d, Adopt, NoResult); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Peek("Deployment", "default", "d"); got != workload.Object(d) || d.Spec.Replicas == nil || *d.Spec.Replicas != 3 || d.Status.Replicas != 2 {
		t.Fatalf("adopted deployment: %+v", d)
	}
}

// TestMergeStatus: the merge sees the stored object and what the caller
// passed, its result is adopted (status only), nil writes nothing, its
// error comes back, and a result of another type is refused.
func TestMergeStatus(t *testing.T) {
	s := New(Config{Seed: 1})
	p := pod("default", "p", map[string]string{"app": "web"})
	p.Status.Conditions = []workload.PodCondition{{Type: workload.PodScheduled, Status: workload.ConditionTrue}}
	if _, err := s.Create(p); err != nil {
		t.Fatal(err)
	}
	keepScheduled := func(stored, in workload.Object) (workload.Object, error) {
		sp, ip := stored.(*workload.Pod), in.(*workload.Pod)
		out := &workload.Pod{Status: ip.Status}
		for _, c := range sp.Status.Conditions {
			if c.Type == workload.PodScheduled {
				out.Status.Conditions = append(slices.Clone(ip.Status.Conditions), c)
			}
		}
		return out, nil
	}
	in := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p", Labels: map[string]string{"x": "y"}},
		Status: workload.PodStatus{Phase: workload.PodRunning, Conditions: []workload.PodCondition{{Type: workload.PodReady, Status: workload.ConditionTrue}}}}
	if err := s.MergeStatus(in, keepScheduled); err != nil {
		t.Fatal(err)
	}
	o, _ := s.Peek("Pod", "default", "p")
	got := o.(*workload.Pod)
	if got.Status.Phase != workload.PodRunning || len(got.Status.Conditions) != 2 || got.Labels["app"] != "web" || got.Labels["x"] != "" {
		t.Fatalf("merged pod: %+v %+v", got.ObjectMeta, got.Status)
	}
	rv := s.ResourceVersion()
	if err := s.MergeStatus(in, keepScheduled); err != nil || s.ResourceVersion() != rv {
		t.Fatalf("the same merge again: err %v, version %d -> %d; want no write", err, rv, s.ResourceVersion())
	}
	if err := s.MergeStatus(in, func(_, _ workload.Object) (workload.Object, error) { return nil, nil }); err != nil || s.ResourceVersion() != rv {
		t.Fatalf("nil merge: err %v, version %d -> %d; want no write", err, rv, s.ResourceVersion())
	}
	boom := errors.New("boom")
	if err := s.MergeStatus(in, func(_, _ workload.Object) (workload.Object, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("failing merge: %v", err)
	}
	if err := s.MergeStatus(in, func(_, _ workload.Object) (workload.Object, error) { return &workload.Node{}, nil }); !errors.Is(err, ErrInvalid) {
		t.Fatalf("merge returning a Node for a Pod: %v, want ErrInvalid", err)
	}
	missing := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "missing"}}
	if err := s.MergeStatus(missing, keepScheduled); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing pod: %v, want ErrNotFound", err)
	}
	if err := s.MergeStatus(&workload.Event{ObjectMeta: workload.ObjectMeta{Name: "e"}}, keepScheduled); !errors.Is(err, ErrInvalid) {
		t.Fatalf("kind without status: %v, want ErrInvalid", err)
	}
	if s.ResourceVersion() != rv {
		t.Fatal("a failed merge wrote")
	}
}

// TestStampSeesTheUID: Stamp runs on the object to be created once its uid
// and creationTimestamp are set, and what it changes is stored, label
// indexes included.
func TestStampSeesTheUID(t *testing.T) {
	s := New(Config{Stamp: func(o workload.Object) {
		m := o.GetObjectMeta()
		if m.UID == "" || m.CreationTimestamp.IsZero() {
			t.Errorf("Stamp saw uid %q, creationTimestamp %v", m.UID, m.CreationTimestamp)
		}
		m.Labels = map[string]string{"uid": m.UID}
	}})
	out, err := s.Create(&workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p", Namespace: "default"}})
	if err != nil {
		t.Fatal(err)
	}
	uid := out.GetObjectMeta().UID
	sel := labels.SelectorFromSet(labels.Set{"uid": uid})
	if got := s.List("Pod", "default", sel); len(got) != 1 || got[0].GetObjectMeta().Labels["uid"] != uid {
		t.Fatalf("listed by the stamped label: %v", got)
	}
}
