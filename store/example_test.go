package store_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/labels"
)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

func Example() {
	s := store.New(store.Config{Seed: 1, Clock: fixedClock{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}})

	// A watch from now on, read without blocking.
	w, err := s.Watch("Pod", 0)
	if err != nil {
		panic(err)
	}
	defer w.Stop()

	p, _ := s.Create(&workload.Pod{ObjectMeta: workload.ObjectMeta{
		GenerateName: "web-",
		Labels:       map[string]string{"app": "web"},
	}})
	web := p.(*workload.Pod)
	fmt.Println("created", web.Namespace, len(web.Name), "rv", web.ResourceVersion, "generation", web.Generation)

	// Optimistic concurrency: a stale copy loses.
	stale := web.DeepCopy()
	web.Spec.NodeName = "node-1"
	if _, err := s.Update(web); err != nil {
		panic(err)
	}
	stale.Labels["app"] = "other"
	_, err = s.Update(stale)
	fmt.Println("stale update is a conflict:", errors.Is(err, store.ErrConflict))

	// Status goes through UpdateStatus.
	cur, _ := s.Get("Pod", "default", web.Name)
	cur.(*workload.Pod).Status.Phase = "Running"
	if _, err := s.UpdateStatus(cur); err != nil {
		panic(err)
	}

	fmt.Println("app=web:", len(s.List("Pod", "", labels.SelectorFromSet(labels.Set{"app": "web"}))))
	fmt.Println("on node-1:", len(s.ListPodsOnNode("node-1")))

	if _, err := s.Delete("Pod", "default", web.Name, store.DeleteOptions{}); err != nil {
		panic(err)
	}
	for {
		ev, ok := w.TryNext()
		if !ok {
			break
		}
		pod := ev.Object.(*workload.Pod)
		fmt.Println(ev.Version, ev.Type, "node", pod.Spec.NodeName, "phase", pod.Status.Phase, "generation", pod.Generation)
	}
	// Output:
	// created default 9 rv 1 generation 1
	// stale update is a conflict: true
	// app=web: 1
	// on node-1: 1
	// 1 ADDED node  phase  generation 1
	// 2 MODIFIED node node-1 phase  generation 2
	// 3 MODIFIED node node-1 phase Running generation 2
	// 4 DELETED node node-1 phase Running generation 2
}

// ExampleStore_Watch shows list-then-watch: the watch from the list's
// version delivers exactly the changes made after the list.
func ExampleStore_Watch() {
	s := store.New(store.Config{})
	for _, n := range []string{"a", "b"} {
		if _, err := s.Create(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: n}}); err != nil {
			panic(err)
		}
	}
	nodes, rv := s.ListWithVersion("Node", "", nil)
	if _, err := s.Create(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "c"}}); err != nil {
		panic(err)
	}

	w, err := s.Watch("Node", rv)
	if errors.Is(err, store.ErrExpired) {
		return // list again
	}
	defer w.Stop()
	fmt.Println("listed", len(nodes), "at version", rv)
	for ev, ok := w.TryNext(); ok; ev, ok = w.TryNext() {
		fmt.Println(ev.Type, ev.Object.GetObjectMeta().Name, ev.Version)
	}
	// Output:
	// listed 2 at version 2
	// ADDED c 3
}
