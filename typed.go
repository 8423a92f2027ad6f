package orchestra

import (
	"fmt"
	"reflect"

	"github.com/orchestra-go/orchestra/workload"
)

// GetAs is Cluster.Get for a kind named by its type, with no type
// assertion: GetAs[*workload.Deployment](c, "default", "web"). T must be
// a pointer to one of the workload kinds; an interface type is an error
// (workload.ErrInvalid).
func GetAs[T workload.Object](c *Cluster, namespace, name string) (T, error) {
	var zero T
	kind, err := kindOf[T]("GetAs")
	if err != nil {
		return zero, err
	}
	o, err := c.Get(kind, namespace, name)
	if err != nil {
		return zero, err
	}
	return o.(T), nil
}

// ListAs is Cluster.List for a kind named by its type, with no type
// assertions: ListAs[*workload.Job](c, "", "app=backup"). T is as for
// GetAs.
func ListAs[T workload.Object](c *Cluster, namespace, selector string) ([]T, error) {
	kind, err := kindOf[T]("ListAs")
	if err != nil {
		return nil, err
	}
	objs, err := c.List(kind, namespace, selector)
	if err != nil {
		return nil, err
	}
	out := make([]T, len(objs))
	for i, o := range objs {
		out[i] = o.(T)
	}
	return out, nil
}

// kindOf returns the kind T stands for: its Kind, which every workload
// type answers on a nil pointer.
func kindOf[T workload.Object](op string) (string, error) {
	var zero T
	if any(zero) == nil {
		return "", fmt.Errorf("orchestra: %s: type %v names no kind (want a pointer type such as *workload.Pod): %w", op, reflect.TypeFor[T](), workload.ErrInvalid)
	}
	return zero.Kind(), nil
}
