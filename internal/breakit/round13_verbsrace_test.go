package breakit_test

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// TestR13VerbsRaceWithAdvance: Scale, RolloutRestart, RolloutUndo, Update,
// Apply and Delete from many goroutines while Advance drives the cluster
// (run with -race), with an OnChange observer that reads the cluster back.
// Every call returns (no hang), errors are the documented ones, and closing
// the cluster leaves no goroutine behind.
func TestR13VerbsRaceWithAdvance(t *testing.T) {
	before := runtime.NumGoroutine()
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(t0), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"n1", "n2"} {
		if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: n}}); err != nil {
			t.Fatal(err)
		}
	}
	var reads int
	if err := c.OnChange(func(ev store.Event) {
		if ev.Object.Kind() == "Deployment" {
			if _, err := c.Get("Deployment", "default", "web"); err == nil {
				reads++
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	applyYAML(t, c, `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: pg}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: c, image: a}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: big}
spec:
  parallelism: 1200
  completions: 1200
  template:
    spec: {restartPolicy: Never, containers: [{name: c, image: b}]}
`)
	advance(t, c, 5*time.Second)

	allowed := func(err error) bool {
		return err == nil || errors.Is(err, workload.ErrInvalid) || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict)
	}
	par1000 := int32(1000)
	var wg sync.WaitGroup
	errc := make(chan error, 1000)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 10; i++ {
			if err := c.Advance(500 * time.Millisecond); err != nil {
				errc <- fmt.Errorf("advance: %w", err)
				break
			}
		}
	}()
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				var err error
				switch (g + i) % 8 {
				case 0:
					err = c.Scale("deploy", "", "web", int32(i%5))
				case 1:
					err = c.RolloutRestart("deploy", "", "web")
				case 2:
					err = c.RolloutUndo("", "web", int64(i%3))
				case 3:
					err = c.Scale("sts", "", "db", int32(i%4))
				case 4:
					err = c.RolloutRestart("ds", "", "agent")
				case 5:
					err = c.Scale("deploy", "", "web", -1)
					if err == nil {
						err = errors.New("Scale to -1 accepted")
					} else if errors.Is(err, workload.ErrInvalid) {
						err = nil
					}
				case 6:
					if i%16 == 6 {
						err = c.Delete("Job", "default", "big", "Background")
					} else {
						var o workload.Object
						o, err = c.Get("StatefulSet", "default", "db")
						if err == nil {
							_, err = c.Update(o)
						}
					}
				case 7:
					_, err = c.Apply(&workload.Job{
						ObjectMeta: workload.ObjectMeta{Name: "big", Namespace: "default"},
						Spec: workload.JobSpec{
							Parallelism: &par1000,
							Template: workload.PodTemplateSpec{Spec: workload.PodSpec{
								RestartPolicy: workload.RestartPolicyNever,
								Containers:    []workload.Container{{Name: "c", Image: "b"}},
							}},
						},
					})
				}
				if !allowed(err) {
					errc <- fmt.Errorf("goroutine %d op %d: %w", g, (g+i)%8, err)
					return
				}
			}
		}(g)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		buf := make([]byte, 1<<20)
		t.Fatalf("verbs with Advance did not finish within 60 s:\n%s", buf[:runtime.Stack(buf, true)])
	}
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	advance(t, c, 10*time.Second)
	c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
	_ = reads
}
