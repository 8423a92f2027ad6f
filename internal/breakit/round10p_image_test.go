package breakit_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// TestR10pImagePullBackOff: a container whose image cannot be had (an
// inproc function not registered) waits with reason ErrImagePull after
// the failed attempt, then ImagePullBackOff ("Back-off pulling image")
// while it waits to try again, as the kubelet's image manager reports a
// pull in back-off (pkg/kubelet/images/image_manager.go
// EnsureImageExists: ErrImagePullBackOff); once the function is
// registered it starts at the next attempt. On a virtual clock.
func TestR10pImagePullBackOff(t *testing.T) {
	clock := vtime.NewVirtual(t0)
	e := r10pNewInproc(t, inproc.Config{Clock: clock, FirstPodCIDR: testPodCIDRAt(105)})
	e.create(r10pPod("ip", workload.RestartPolicyAlways, workload.Container{Name: "c", Image: inproc.Image("later")}))
	waiting := func(reason string) func(*workload.Pod) bool {
		return func(p *workload.Pod) bool {
			w := r10pCS(p).State.Waiting
			return w != nil && w.Reason == reason
		}
	}
	clock.Advance(0)
	e.waitPod("ip", "ErrImagePull", waiting("ErrImagePull"))
	clock.Advance(10 * time.Second) // the second attempt fails too
	p := e.waitPod("ip", "ImagePullBackOff", waiting("ImagePullBackOff"))
	if w := r10pCS(p).State.Waiting; w.Message != `Back-off pulling image "func://later"` || p.Status.Phase != workload.PodPending {
		t.Errorf("waiting %+v in phase %s", w, p.Status.Phase)
	}
	e.rt.Register("later", func(ctx context.Context, c *inproc.Container) error { <-ctx.Done(); return nil })
	clock.Advance(20 * time.Second)
	e.waitPod("ip", "running", func(p *workload.Pod) bool { return r10pCS(p).State.Running != nil })
}

// TestR10pImageAndConfigErrorEvents: a container that cannot be created
// leaves the kubelet's events on its pod (pkg/kubelet/images
// image_manager.go and kuberuntime_container.go startContainer): a failed
// pull is a Warning Failed "Failed to pull image ..." and Failed "Error:
// ErrImagePull", one in back-off a Normal BackOff "Back-off pulling image
// ..." and Failed "Error: ImagePullBackOff"; a container whose config
// cannot be made a Warning Failed "Error: <why>".
func TestR10pImageAndConfigErrorEvents(t *testing.T) {
	e := r5newInproc(t, inproc.Config{FirstPodCIDR: testPodCIDRAt(111)}, nil, nil)
	e.apply(`
apiVersion: v1
kind: Pod
metadata: {name: nofunc}
spec:
  containers: [{name: c, image: "func://missing"}]
---
apiVersion: v1
kind: Pod
metadata: {name: execprobe}
spec:
  containers:
  - name: c
    image: func://missing
    livenessProbe: {exec: {command: ["true"]}}
`)
	has := func(pod, typ, reason, msg string) bool {
		for _, ev := range e.c.Events() {
			if ev.InvolvedObject.Name == pod && ev.Type == typ && ev.Reason == reason && strings.HasPrefix(ev.Message, msg) {
				return true
			}
		}
		return false
	}
	want := []struct{ pod, typ, reason, msg string }{
		{"nofunc", "Warning", "Failed", `Failed to pull image "func://missing": `},
		{"nofunc", "Warning", "Failed", "Error: ErrImagePull"},
		{"nofunc", "Normal", "BackOff", `Back-off pulling image "func://missing"`},
		{"nofunc", "Warning", "Failed", "Error: ImagePullBackOff"},
		{"execprobe", "Warning", "Failed", "Error: exec probes are not supported by the inproc runtime"},
	}
	e.wait("the events", func() bool {
		for _, w := range want {
			if !has(w.pod, w.typ, w.reason, w.msg) {
				return false
			}
		}
		return true
	})
}

// TestR10pLogsOfAWaitingContainer: the logs of a container that never ran
// fail with the kubelet's words for its wait (validateContainerLogStatus):
// "is waiting to start: trying and failing to pull image" in
// ImagePullBackOff. On a virtual clock.
func TestR10pLogsOfAWaitingContainer(t *testing.T) {
	clock := vtime.NewVirtual(t0)
	e := r10pNewInproc(t, inproc.Config{Clock: clock, FirstPodCIDR: testPodCIDRAt(118)})
	e.create(r10pPod("wl", workload.RestartPolicyAlways, workload.Container{Name: "c", Image: inproc.Image("nobody")}))
	clock.Advance(0)
	clock.Advance(10 * time.Second)
	e.waitPod("wl", "ImagePullBackOff", func(p *workload.Pod) bool {
		w := r10pCS(p).State.Waiting
		return w != nil && w.Reason == "ImagePullBackOff"
	})
	_, err := e.rt.Logs(context.Background(), "default", "wl", "c", false)
	if err == nil || !strings.Contains(err.Error(), `container "c" is waiting to start: trying and failing to pull image`) || !errors.Is(err, inproc.ErrContainerNotFound) {
		t.Errorf("Logs = %v, want the kubelet's ImagePullBackOff words", err)
	}
}
