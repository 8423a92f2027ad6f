package workqueue_test

import (
	"context"
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra/internal/workqueue"
	"github.com/orchestra-go/orchestra/vtime"
)

func ExampleQueue() {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := vtime.NewVirtual(start)
	q := workqueue.New(clk, workqueue.WithBackoff(time.Second, time.Minute))
	defer q.ShutDown()

	q.Add("default/web")
	q.Add("default/db")
	q.Add("default/web") // already queued: no effect
	q.AddAfter("default/backup", 10*time.Second)

	attempts := 0
	reconcile := func(key string) error {
		if key == "default/db" && attempts < 2 {
			attempts++
			return fmt.Errorf("db not ready")
		}
		return nil
	}
	// The driver: drain the queue, then jump to the next deadline.
	for {
		for {
			key, ok := q.Get()
			if !ok {
				break
			}
			if err := reconcile(key); err != nil {
				fmt.Printf("%v %s: %v, retry\n", clk.Since(start), key, err)
				q.AddRateLimited(key)
			} else {
				fmt.Printf("%v %s: ok\n", clk.Since(start), key)
				q.Forget(key)
			}
			q.Done(key)
		}
		if !clk.Step() {
			break
		}
	}
	// Output:
	// 0s default/web: ok
	// 0s default/db: db not ready, retry
	// 1s default/db: db not ready, retry
	// 3s default/db: ok
	// 10s default/backup: ok
}

func ExampleQueue_AddAfter() {
	clk := vtime.NewVirtual(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	q := workqueue.New(clk)
	q.AddAfter("job", time.Hour)
	q.AddAfter("job", time.Minute) // earlier: replaces the hour
	q.AddAfter("job", time.Hour)   // later: ignored
	next, _ := clk.Next()
	fmt.Println("due at", next.Format("15:04"))
	clk.AdvanceTo(next)
	key, ok := q.Get()
	fmt.Println(key, ok, "pending timers:", clk.Pending())
	// Output:
	// due at 00:01
	// job true pending timers: 0
}

// A real-time worker waits on Ready and then drains the queue.
func ExampleQueue_Ready() {
	q := workqueue.New(vtime.Real())
	defer q.ShutDown()
	ctx, cancel := context.WithCancel(context.Background())
	var handled []string
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-ctx.Done():
				return
			case <-q.Ready():
			}
			for {
				key, ok := q.Get()
				if !ok {
					break
				}
				handled = append(handled, key)
				q.Done(key)
				if key == "last" {
					cancel()
				}
			}
		}
	}()
	q.Add("first")
	q.AddAfter("last", time.Millisecond)
	<-stopped // the worker has returned: handled is safe to read
	fmt.Println(handled)
	// Output: [first last]
}
