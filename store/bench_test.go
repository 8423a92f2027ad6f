package store

import (
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/labels"
)

var sizes = []int{1_000, 100_000}

// filled returns a store with n pods in 10 namespaces. Label app=app-K
// selects 10 pods whatever n is; tier has 3 values (large posting sets);
// pods are spread over 1,000 nodes. Stores are cached for read-only use.
var (
	filledMu sync.Mutex
	filledBy = map[int]*Store{}
)

func fill(b *testing.B, n int) *Store {
	b.Helper()
	s := New(Config{Seed: 1, Clock: &fakeClock{t: epoch}})
	for i := range n {
		p := pod("ns-"+strconv.Itoa(i%10), "pod-"+strconv.Itoa(i), map[string]string{
			"app":  "app-" + strconv.Itoa(i/10),
			"tier": "tier-" + strconv.Itoa(i%3),
		})
		p.Spec.NodeName = "node-" + strconv.Itoa(i%1000)
		if _, err := s.Create(p); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC() // collect the garbage of filling (and of earlier runs) before timing
	return s
}

func filledReadOnly(b *testing.B, n int) *Store {
	filledMu.Lock()
	defer filledMu.Unlock()
	if s := filledBy[n]; s != nil {
		return s
	}
	s := fill(b, n)
	filledBy[n] = s
	return s
}

func BenchmarkGet(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			s := filledReadOnly(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				j := (i * 7919) % n
				if _, err := s.Get("Pod", "ns-"+strconv.Itoa(j%10), "pod-"+strconv.Itoa(j)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCreate(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			s := fill(b, n)
			p := pod("ns-new", "", map[string]string{"app": "new"})
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				p.Name = "new-" + strconv.Itoa(i)
				if _, err := s.Create(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUpdate(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			s := fill(b, n)
			obj, err := s.Get("Pod", "ns-5", "pod-5")
			if err != nil {
				b.Fatal(err)
			}
			p := obj.(*workload.Pod)
			p.ResourceVersion = ""
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				p.Labels["tier"] = "tier-" + strconv.Itoa(i%3) // a real change each time
				if _, err := s.Update(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUpdateStatus(b *testing.B) {
	s := fill(b, 100_000)
	obj, _ := s.Get("Pod", "ns-5", "pod-5")
	p := obj.(*workload.Pod)
	p.ResourceVersion = ""
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p.Status.Message = strconv.Itoa(i)
		if _, err := s.UpdateStatus(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListByLabel lists a fixed number of pods among n. app=app-42
// selects 10 pods; in "tier=tier-1,app=app-42" the tier posting set holds
// n/3 pods and comes first, so the cost stays flat only if the store starts
// from the smallest set (3 results).
func BenchmarkListByLabel(b *testing.B) {
	for _, q := range []struct {
		name, sel string
		want      int
	}{
		{"app", "app=app-42", 10},
		{"tier+app", "tier=tier-1,app=app-42", 3},
		{"app+set-based", "app in (app-42),tier notin (tier-9)", 10},
	} {
		sel, err := labels.Parse(q.sel)
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range sizes {
			b.Run(fmt.Sprintf("sel=%s/objects=%d", q.name, n), func(b *testing.B) {
				s := filledReadOnly(b, n)
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					if got := s.List("Pod", "", sel); len(got) != q.want {
						b.Fatalf("got %d pods, want %d", len(got), q.want)
					}
				}
			})
		}
	}
}

func BenchmarkListPodsOnNode(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			s := filledReadOnly(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if got := s.ListPodsOnNode("node-42"); len(got) != n/1000 {
					b.Fatalf("got %d pods", len(got))
				}
			}
		})
	}
}

// BenchmarkWatchFanout: one write (a status update) delivered to, and read
// by, 1, 10 and 100 watchers, with 100,000 objects in the store.
func BenchmarkWatchFanout(b *testing.B) {
	s := fill(b, 100_000)
	obj, _ := s.Get("Pod", "ns-5", "pod-5")
	p := obj.(*workload.Pod)
	p.ResourceVersion = ""
	writes := 0
	for _, watchers := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("watchers=%d", watchers), func(b *testing.B) {
			ws := make([]*Watcher, watchers)
			for i := range ws {
				w, err := s.Watch("Pod", 0)
				if err != nil {
					b.Fatal(err)
				}
				ws[i] = w
			}
			defer func() {
				for _, w := range ws {
					w.Stop()
				}
			}()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				writes++
				p.Status.Message = strconv.Itoa(writes) // a real change each time
				if _, err := s.UpdateStatus(p); err != nil {
					b.Fatal(err)
				}
				for _, w := range ws {
					if _, ok := w.TryNext(); !ok {
						b.Fatal("event not delivered")
					}
				}
			}
		})
	}
}
