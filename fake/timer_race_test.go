package fake

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// TestFiredTimerDoesNotRunItsSuccessor: on the virtual clock a
// container's main timers share one callback. A timer that has fired but
// waits for the runtime's lock while another goroutine (KillContainer
// during Advance) ends the run and arms the back-off's start must not run
// that start: the container waits out its back-off.
func TestFiredTimerDoesNotRunItsSuccessor(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := vtime.NewVirtual(t0)
	r, err := New(Config{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "n"}}); err != nil {
		t.Fatal(err)
	}
	pod := &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "p", Annotations: map[string]string{AnnotationCrashAfter: "10s"}},
		Spec:       workload.PodSpec{NodeName: "n", Containers: []workload.Container{{Name: "c", Image: "x"}}},
	}
	if err := r.CreatePod(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	// Start at 0, crash at 10 s and restart at once (the first restart
	// is immediate), run until 20 s.
	clk.AdvanceTo(t0.Add(15 * time.Second))
	if n := clk.Pending(); n != 1 {
		t.Fatalf("%d timers pending, want the exit at 20 s only", n)
	}
	r.mu.Lock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		clk.AdvanceTo(t0.Add(20 * time.Second))
	}()
	// The exit timer has fired once it is no longer pending; its
	// callback then waits for mu.
	for clk.Pending() != 0 {
		runtime.Gosched()
	}
	// What KillContainer does at that moment: the run ends, and the
	// restart waits for the back-off (10 s).
	c := r.pods["default/p"].apps()[0]
	r.exit(c, 1, ReasonError)
	r.mu.Unlock()
	<-done
	p, err := r.GetPod("default", "p")
	if err != nil {
		t.Fatal(err)
	}
	st := p.Status.ContainerStatuses[0]
	if st.State.Waiting == nil || st.State.Waiting.Reason != ReasonCrashLoopBackOff {
		t.Fatalf("at 20 s the container is %+v, want waiting in CrashLoopBackOff until 30 s", st.State)
	}
}
