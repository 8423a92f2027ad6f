package breakit_test

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// TestR12ApplyRacingRecreateKeepsNoStaleUID: a manifest carries no uid,
// so Apply updates whichever object of that name is stored, as kubectl
// apply does. When the object was deleted and created again between
// Apply's read and its write, the write conflicted and Apply retried with
// its own copy, into which it had already put the uid and
// creationTimestamp of the object it had read: the retry was refused with
// "metadata.uid: field is immutable; metadata.creationTimestamp: field is
// immutable", fields the caller never set. A retry must start from the
// caller's object.
func TestR12ApplyRacingRecreateKeepsNoStaleUID(t *testing.T) {
	c := newCluster(t)
	dep := func(replicas int32) *workload.Deployment {
		return &workload.Deployment{
			ObjectMeta: workload.ObjectMeta{Name: "web"},
			Spec: workload.DeploymentSpec{
				Replicas: workload.Ptr(replicas),
				Selector: &workload.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Template: workload.PodTemplateSpec{
					ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": "web"}},
					Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "c", Image: "nginx"}}},
				},
			},
		}
	}
	if _, err := c.Apply(dep(0)); err != nil {
		t.Fatal(err)
	}
	const rounds = 3000
	var (
		wg      sync.WaitGroup
		stale   atomic.Int64
		applied atomic.Int64
		first   atomic.Value
	)
	done := make(chan struct{})
	wg.Add(2)
	go func() { // deletes and recreates the Deployment
		defer wg.Done()
		defer close(done)
		for range rounds {
			if err := c.Delete("Deployment", "", "web", ""); err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Error(err)
				return
			}
			if _, err := c.Apply(dep(0)); err != nil {
				if strings.Contains(err.Error(), "immutable") {
					stale.Add(1)
					first.CompareAndSwap(nil, err.Error())
					continue
				}
				t.Error(err)
				return
			}
		}
	}()
	go func() { // applies the manifest, scaled
		defer wg.Done()
		for i := int32(0); ; i++ {
			select {
			case <-done:
				return
			default:
			}
			_, err := c.Apply(dep(i % 2))
			switch {
			case err == nil:
				applied.Add(1)
			case errors.Is(err, store.ErrNotFound):
			case strings.Contains(err.Error(), "immutable"):
				stale.Add(1)
				first.CompareAndSwap(nil, err.Error())
			default:
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()
	if n := stale.Load(); n > 0 {
		t.Fatalf("%d applies of a manifest without uid were refused with an immutable uid, the first: %v", n, first.Load())
	}
	if applied.Load() == 0 {
		t.Fatal("no apply went through")
	}
}
