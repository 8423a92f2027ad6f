package orchestra_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// TestLogs: Cluster.Logs reads the runtime's log of the named container, or
// of the default one (the kubectl.kubernetes.io/default-container
// annotation's, else the first app container); a pod or container that does
// not exist, and a runtime without logs, are errors naming them.
func TestLogs(t *testing.T) {
	clock := vtime.NewVirtual(t0)
	c, err := orchestra.New(orchestra.Config{Clock: clock, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		t.Fatal(err)
	}
	pod := func(name string, ann map[string]string) *workload.Pod {
		return &workload.Pod{
			ObjectMeta: workload.ObjectMeta{Name: name, Annotations: ann},
			Spec: workload.PodSpec{
				InitContainers: []workload.Container{{Name: "setup", Image: "busybox"}},
				Containers:     []workload.Container{{Name: "main", Image: "busybox"}, {Name: "helper", Image: "busybox"}},
			},
		}
	}
	for _, p := range []*workload.Pod{
		pod("plain", nil),
		pod("annotated", map[string]string{orchestra.DefaultContainerAnnotation: "helper"}),
		pod("misannotated", map[string]string{orchestra.DefaultContainerAnnotation: "nope"}),
	} {
		if _, err := c.Apply(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct{ pod, container, want string }{
		{"plain", "", "container main started"},
		{"plain", "helper", "container helper started"},
		{"plain", "setup", "container setup started"},
		{"annotated", "", "container helper started"},
		{"misannotated", "", "container main started"},
	} {
		b, err := c.Logs(ctx, "", tc.pod, tc.container, false)
		if err != nil || !strings.Contains(string(b), tc.want) {
			t.Errorf("Logs(%s, %q): %q, %v; want %q", tc.pod, tc.container, b, err, tc.want)
		}
	}
	if _, err := c.Logs(ctx, "", "nope", "", false); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "Pod/default/nope") {
		t.Errorf("Logs of a pod that does not exist: %v, want store.ErrNotFound naming it", err)
	}
	_, err = c.Logs(ctx, "", "plain", "web", false)
	if !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), `container "web" is not valid for the pod (its containers: "setup", "main", "helper")`) {
		t.Errorf("Logs of a container the pod lacks: %v", err)
	}

	// A runtime that keeps no logs.
	f, err := fake.New(fake.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bare, err := orchestra.New(orchestra.Config{Runtime: struct{ workload.Runtime }{f}})
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	if _, err := bare.Apply(pod("plain", nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := bare.Logs(ctx, "", "plain", "", false); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Logs on a runtime without logs: %v, want errors.ErrUnsupported", err)
	}
}
