package orchestra

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/orchestra-go/orchestra/workload"
)

// DefaultContainerAnnotation on a pod names the container that Logs reads
// when it is given none, as kubectl's annotation of that name does.
const DefaultContainerAnnotation = "kubectl.kubernetes.io/default-container"

// Logs returns what a container of a pod wrote, as `kubectl logs` shows it,
// read from the runtime (the fake's logs are a line per start and exit;
// inproc's and process's are the container's output). namespace "" means
// "default". container "" means the pod's default container, as kubectl
// picks it: the one the pod's DefaultContainerAnnotation names, else its
// first container. previous asks for the run before the current one
// (kubectl logs --previous).
//
// A pod the store does not have is an error wrapping store.ErrNotFound, a
// container the pod does not have one wrapping workload.ErrInvalid that
// lists its containers, and a runtime that keeps no logs (it is not a
// workload.LogReader) one wrapping errors.ErrUnsupported.
func (c *Cluster) Logs(ctx context.Context, namespace, pod, container string, previous bool) ([]byte, error) {
	if namespace == "" {
		namespace = workload.DefaultNamespace
	}
	o, err := c.store.Get("Pod", namespace, pod)
	if err != nil {
		return nil, fmt.Errorf("orchestra: logs: %w", err)
	}
	p := o.(*workload.Pod)
	var names []string
	for _, ct := range p.Spec.InitContainers {
		names = append(names, strconv.Quote(ct.Name))
	}
	for _, ct := range p.Spec.Containers {
		names = append(names, strconv.Quote(ct.Name))
	}
	if container == "" {
		if d := p.Annotations[DefaultContainerAnnotation]; d != "" && hasContainer(p, d) {
			container = d
		} else if len(p.Spec.Containers) > 0 {
			container = p.Spec.Containers[0].Name
		}
	} else if !hasContainer(p, container) {
		return nil, fmt.Errorf("orchestra: logs: Pod/%s/%s: container %q is not valid for the pod (its containers: %s): %w",
			namespace, pod, container, strings.Join(names, ", "), workload.ErrInvalid)
	}
	lr, ok := c.rt.(workload.LogReader)
	if !ok {
		return nil, fmt.Errorf("orchestra: logs: Pod/%s/%s: the runtime (%T) keeps no logs: %w", namespace, pod, c.rt, errors.ErrUnsupported)
	}
	return lr.Logs(ctx, namespace, pod, container, previous)
}

func hasContainer(p *workload.Pod, name string) bool {
	for _, ct := range p.Spec.InitContainers {
		if ct.Name == name {
			return true
		}
	}
	for _, ct := range p.Spec.Containers {
		if ct.Name == name {
			return true
		}
	}
	return false
}
