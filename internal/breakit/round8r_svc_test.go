package breakit_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

// r8rReady returns the names of the ready endpoints of the Service's
// slices, sorted.
func r8rReady(t *testing.T, c *orchestra.Cluster, ns, svc string) []string {
	t.Helper()
	objs, err := c.List("EndpointSlice", ns, workload.LabelServiceName+"="+svc)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range objs {
		for _, e := range o.(*workload.EndpointSlice).Endpoints {
			if e.Conditions.Ready == nil || *e.Conditions.Ready {
				name := ""
				if e.TargetRef != nil {
					name = e.TargetRef.Name
				}
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}

func r8rPod(name, ns, app, node string) string {
	return fmt.Sprintf(`
apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: %s, labels: {app: %s}}
spec:
  nodeName: %s
  containers: [{name: main, image: nginx, ports: [{containerPort: 8080}]}]
`, name, ns, app, node)
}

// TestR8rEndpointsSelectorLater: the endpoints controller keeps no pod of
// a namespace where no Service selects pods; a Service that gains a
// selector later, one whose selector moves to pods it never cached, and
// one made after the namespace's last selecting Service went, all get
// their pods and follow their readiness.
func TestR8rEndpointsSelectorLater(t *testing.T) {
	c := newCluster(t, "node-a")
	for _, p := range []string{r8rPod("web-0", "shop", "web", "node-a"), r8rPod("web-1", "shop", "web", "node-a"), r8rPod("api-0", "shop", "api", "node-a")} {
		applyYAML(t, c, p)
	}
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: front, namespace: shop}
spec: {ports: [{name: http, port: 80, targetPort: 8080}]}`)
	advance(t, c, time.Second)
	if got := r8rReady(t, c, "shop", "front"); len(got) != 0 {
		t.Fatalf("selector-less Service has endpoints %v", got)
	}
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: front, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080}]}`)
	advance(t, c, time.Second)
	if got, want := r8rReady(t, c, "shop", "front"), []string{"web-0", "web-1"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after the selector came: ready %v, want %v", got, want)
	}
	for range 2 {
		if err := c.Fake().KillContainer("shop", "web-1", "main", 1); err != nil {
			t.Fatal(err)
		}
	}
	advance(t, c, 0)
	if got, want := r8rReady(t, c, "shop", "front"), []string{"web-0"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after web-1 crashed: ready %v, want %v", got, want)
	}
	// The selector moves to a pod the controller never cached.
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: front, namespace: shop}
spec: {selector: {app: api}, ports: [{name: http, port: 80, targetPort: 8080}]}`)
	advance(t, c, time.Second)
	if got, want := r8rReady(t, c, "shop", "front"), []string{"api-0"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after the selector moved: ready %v, want %v", got, want)
	}
	// The namespace's last selecting Service goes; pods come and change;
	// a new Service finds them as they are now.
	if err := c.Delete("Service", "shop", "front", ""); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	applyYAML(t, c, r8rPod("web-2", "shop", "web", "node-a"))
	advance(t, c, time.Minute) // web-1 back from its back-off, ready again
	for range 2 {
		if err := c.Fake().KillContainer("shop", "web-0", "main", 1); err != nil {
			t.Fatal(err)
		}
	}
	advance(t, c, 0)
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: back, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080}]}`)
	advance(t, c, 0)
	if got, want := r8rReady(t, c, "shop", "back"), []string{"web-1", "web-2"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("a Service after the namespace had none: ready %v, want %v", got, want)
	}
	advance(t, c, time.Minute)
	if got, want := r8rReady(t, c, "shop", "back"), []string{"web-0", "web-1", "web-2"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after web-0's back-off: ready %v, want %v", got, want)
	}
}
