package breakit_test

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/workload"
)

// TestR10pAbandonedRunKeepsItsAddress: an inproc function that does not
// return when its pod is killed (it holds its listener) is abandoned, and
// its pod's address is not given to another pod until the function has
// returned: a new pod gets another address and can listen on the same
// port, as a new Kubernetes pod never shares an address with a container
// still running. Before, the next pod got the address at once and failed
// to bind (address already in use) until the old function returned.
func TestR10pAbandonedRunKeepsItsAddress(t *testing.T) {
	e := r10pNewInproc(t, inproc.Config{FirstPodCIDR: testPodCIDRAt(112)})
	release := make(chan struct{})
	stubborn := make(chan struct{}, 1)
	e.rt.Register("stubborn", func(ctx context.Context, c *inproc.Container) error {
		l, err := c.Listen("tcp", 8080)
		if err != nil {
			return err
		}
		defer l.Close()
		stubborn <- struct{}{}
		<-release // ignores ctx
		return nil
	})
	e.rt.Register("server", func(ctx context.Context, c *inproc.Container) error {
		l, err := c.Listen("tcp", 8080)
		if err != nil {
			return err
		}
		defer l.Close()
		<-ctx.Done()
		return nil
	})
	e.create(r10pPod("old", workload.RestartPolicyAlways, workload.Container{Name: "c", Image: inproc.Image("stubborn")}))
	<-stubborn
	old := e.waitPod("old", "running", func(p *workload.Pod) bool { return r10pCS(p).State.Running != nil })
	if err := e.rt.DeletePod(context.Background(), "default", "old", 0); err != nil {
		t.Fatal(err)
	}
	e.waitPod("old", "gone", func(p *workload.Pod) bool { return p == nil })
	e.create(r10pPod("new", workload.RestartPolicyNever, workload.Container{Name: "c", Image: inproc.Image("server")}))
	p := e.waitPod("new", "running or failed", func(p *workload.Pod) bool {
		cs := r10pCS(p)
		return cs.State.Running != nil || cs.State.Terminated != nil
	})
	if p.Status.PodIP == old.Status.PodIP || r10pCS(p).State.Running == nil {
		t.Errorf("new pod at %s (the old one's %s), state %+v; want another address and running", p.Status.PodIP, old.Status.PodIP, r10pCS(p).State)
	}
	close(release)
	// Once the old function returned, its address is free again: a pod
	// created after that gets it (the lowest free address).
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; ; i++ {
		name := "third-" + strconv.Itoa(i)
		e.create(r10pPod(name, workload.RestartPolicyNever, workload.Container{Name: "c", Image: inproc.Image("server")}))
		p := e.waitPod(name, "running", func(p *workload.Pod) bool { return r10pCS(p).State.Running != nil })
		if p.Status.PodIP == old.Status.PodIP {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the old pod's address %s never given again after its function returned", old.Status.PodIP)
		}
		if err := e.rt.DeletePod(context.Background(), "default", name, 0); err != nil {
			t.Fatal(err)
		}
		e.waitPod(name, "gone", func(p *workload.Pod) bool { return p == nil })
		runtime.Gosched()
	}
}
