package breakit_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/internal/leakcheck"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// r3safe runs f and turns a panic into an error.
func r3safe(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("PANIC: %v", r)
		}
	}()
	return f()
}

// Bad input to the public API is an error naming the object and the
// field, never a panic (DESIGN.md, Reliability: "Bad input gets a clear
// error naming the object and the field, and changes nothing").
func TestR3APIBadInputNoPanic(t *testing.T) {
	c := newCluster(t, "a")
	for name, f := range map[string]func() error{
		"Apply(nil)":           func() error { _, err := c.Apply(nil); return err },
		"Apply((*Pod)(nil))":   func() error { _, err := c.Apply((*workload.Pod)(nil)); return err },
		"Apply(Job(nil))":      func() error { _, err := c.Apply((*workload.Job)(nil)); return err },
		"Apply(nameless pod)":  func() error { _, err := c.Apply(&workload.Pod{Spec: r3pod("x").Spec}); return err },
		"Get(unknown kind)":    func() error { _, err := c.Get("ConfigMap", "default", "x"); return err },
		"Get(empty name)":      func() error { _, err := c.Get("Pod", "default", ""); return err },
		"List(bad selector)":   func() error { _, err := c.List("Pod", "", "app in (a"); return err },
		"Pods(bad selector)":   func() error { _, err := c.Pods("", "!!!"); return err },
		"Delete(unknown kind)": func() error { return c.Delete("ConfigMap", "default", "x", "") },
		"Delete(bad policy)":   func() error { return c.Delete("Pod", "default", "x", "Cascade") },
		"Delete(missing)":      func() error { return c.Delete("Pod", "default", "nope", "") },
		"DeletePod(missing)":   func() error { return c.DeletePod("default", "nope", nil) },
		"DeletePod(neg grace)": func() error { return c.DeletePod("default", "nope", workload.Ptr(int64(-5))) },
		"Watch(unknown kind)":  func() error { _, err := c.Watch("ConfigMap"); return err },
		"Advance(-1h)":         func() error { return c.Advance(-time.Hour) },
	} {
		err := r3safe(f)
		if err == nil {
			if name == "Advance(-1h)" {
				continue // a no-op is acceptable
			}
			t.Errorf("%s: no error", name)
			continue
		}
		if strings.HasPrefix(err.Error(), "PANIC") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The cluster still works.
	r3apply(t, c, r3pod("ok"))
	advance(t, c, time.Minute)
	if p := r3getPod(t, c, "ok"); p.Status.Phase != workload.PodRunning {
		t.Errorf("pod after the bad calls: %s", p.Status.Phase)
	}
}

// OnChange(nil) is accepted, and the nil observer then panics inside the
// next Advance (driver.go notify), far from the mistake: a bad argument
// should be refused where it is given (DESIGN.md, Reliability).
func TestR3APIOnChangeNilPanicsLater(t *testing.T) {
	c := newCluster(t, "a")
	if err := r3safe(func() error { return c.OnChange(nil) }); err != nil {
		return // refused: fine
	}
	r3apply(t, c, r3pod("p"))
	if err := r3safe(func() error { return c.Advance(time.Minute) }); err != nil {
		t.Errorf("OnChange(nil) was accepted, then Advance: %v", err)
	}
}

// Object names are DNS subdomains / labels; a name that is not is refused
// at Apply with the field metadata.name, as the API server does
// (ValidateObjectMeta). Labels and selectors follow the label rules.
// https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
func TestR3APIInvalidNamesRejected(t *testing.T) {
	c := newCluster(t, "a")
	long := strings.Repeat("a", 254)
	for name, o := range map[string]workload.Object{
		"upper":        &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "Web"}, Spec: r3pod("x").Spec},
		"underscore":   &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "a_b"}, Spec: r3pod("x").Spec},
		"254 chars":    &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: long}, Spec: r3pod("x").Spec},
		"bad ns":       &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p", Namespace: "Bad.NS"}, Spec: r3pod("x").Spec},
		"bad label":    &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p", Labels: map[string]string{"a": "-bad-"}}, Spec: r3pod("x").Spec},
		"svc dotted":   &workload.Service{ObjectMeta: workload.ObjectMeta{Name: "a.b"}, Spec: workload.ServiceSpec{Ports: []workload.ServicePort{{Port: 80}}}},
		"deploy upper": &workload.Deployment{ObjectMeta: workload.ObjectMeta{Name: "Web"}},
	} {
		_, err := c.Apply(o)
		if err == nil {
			t.Errorf("%s: Apply accepted %s %q", name, o.Kind(), o.GetObjectMeta().Name)
			continue
		}
		if !errors.Is(err, workload.ErrInvalid) {
			t.Errorf("%s: error %v does not wrap ErrInvalid", name, err)
		}
	}
}

// Lifecycle misuse: after Close, Apply, Advance, RunUntil, Watch and
// OnChange fail (or do nothing) without panicking or hanging, Close is
// idempotent, and no goroutine is left.
func TestR3APIUseAfterClose(t *testing.T) {
	snap := leakcheck.Take()
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(t0), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "a"}}); err != nil {
		t.Fatal(err)
	}
	w, err := c.Watch("Pod")
	if err != nil {
		t.Fatal(err)
	}
	r3apply(t, c, r3pod("p"))
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c.Close()
	for name, f := range map[string]func() error{
		"Advance":  func() error { return c.Advance(time.Minute) },
		"RunUntil": func() error { _, err := c.RunUntil(func() bool { return false }, time.Minute); return err },
		"Apply":    func() error { _, err := c.Apply(r3pod("q")); return err },
		"Delete":   func() error { return c.Delete("Pod", "default", "p", "") },
		"Watch": func() error {
			w2, err := c.Watch("Pod")
			if err == nil {
				w2.Stop()
			}
			return err
		},
		"OnChange": func() error { return c.OnChange(func(store.Event) {}) },
		"Get":      func() error { _, err := c.Get("Pod", "default", "p"); return err },
	} {
		done := make(chan error, 1)
		go func() { done <- r3safe(f) }()
		select {
		case err := <-done:
			if err != nil && strings.HasPrefix(err.Error(), "PANIC") {
				t.Errorf("%s after Close: %v", name, err)
			}
			if (name == "Advance" || name == "RunUntil" || name == "Apply" || name == "Delete") && !errors.Is(err, orchestra.ErrClosed) {
				t.Errorf("%s after Close: %v, want ErrClosed", name, err)
			}
			if name == "Get" && err != nil {
				t.Errorf("Get after Close: %v; the store can still be read", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("%s after Close hangs", name)
		}
	}
	w.Stop()
	snap.Check(t, 10*time.Second)
}
