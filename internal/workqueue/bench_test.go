package workqueue_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/internal/workqueue"
	"github.com/orchestra-go/orchestra/vtime"
)

func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "default/pod-" + strconv.Itoa(i)
	}
	return keys
}

// BenchmarkAddGetDone is one Add, Get and Done cycle, over 1000 keys.
func BenchmarkAddGetDone(b *testing.B) {
	q := workqueue.New(vtime.NewVirtual(time.Time{}))
	keys := benchKeys(1000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		q.Add(keys[i%len(keys)])
		k, _ := q.Get()
		q.Done(k)
		i++
	}
}

// BenchmarkAddDuplicate is an Add of a key that is already queued.
func BenchmarkAddDuplicate(b *testing.B) {
	q := workqueue.New(vtime.NewVirtual(time.Time{}))
	q.Add("default/web")
	b.ReportAllocs()
	for b.Loop() {
		q.Add("default/web")
	}
}

// BenchmarkBatch1000 queues 1000 keys, then drains them: the shape of a
// driver step after a burst of events.
func BenchmarkBatch1000(b *testing.B) {
	q := workqueue.New(vtime.NewVirtual(time.Time{}))
	keys := benchKeys(1000)
	b.ReportAllocs()
	for b.Loop() {
		for _, k := range keys {
			q.Add(k)
		}
		for {
			k, ok := q.Get()
			if !ok {
				break
			}
			q.Done(k)
		}
	}
}

// BenchmarkAddAfterFire is one AddAfter, the clock step that fires it, and
// the Get and Done of the key.
func BenchmarkAddAfterFire(b *testing.B) {
	clk := vtime.NewVirtual(time.Time{})
	q := workqueue.New(clk)
	keys := benchKeys(1000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		q.AddAfter(keys[i%len(keys)], time.Minute)
		clk.Step()
		k, _ := q.Get()
		q.Done(k)
		i++
	}
}

// BenchmarkAddAfterPending is an AddAfter of a key that already waits for an
// earlier deadline: the common case of a requeue repeated on every reconcile.
func BenchmarkAddAfterPending(b *testing.B) {
	clk := vtime.NewVirtual(time.Time{})
	q := workqueue.New(clk)
	q.AddAfter("default/cron", time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		q.AddAfter("default/cron", 2*time.Minute)
	}
}
