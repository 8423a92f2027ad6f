package orchestra_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/workload"
)

// WaitFor waits, in real time, for a state of the cluster that Run drives.
// Here three Go functions serve HTTP as the pods of a Deployment, behind a
// Service whose ClusterIP the proxy listens on (a loopback ServiceCIDR);
// requests to the Service's name go round-robin over the pods. A function
// registered WaitForReady is ready when it says so (Container.Ready), as a
// readiness probe would tell: once it listens, so that no request comes
// before it can be served. Everything
// stops on the way out: Run's context, the cluster, then the runtime.
func ExampleCluster_WaitFor() {
	rt, err := inproc.New(inproc.Config{Nodes: []string{"node-a", "node-b"},
		FirstPodCIDR: netip.MustParseAddr("127.32.0.0")}) // apart from other runtimes on this machine
	if err != nil {
		panic(err)
	}
	defer rt.Close()
	err = rt.Register("hello", func(ctx context.Context, ct *inproc.Container) error {
		l, err := ct.Listen("tcp", 8080) // on the pod's own address
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, ct.Getenv("POD_NAME"))
		})}
		go func() { <-ctx.Done(); srv.Close() }()
		ct.Ready() // listening: the pod may now be Ready (WaitForReady below)
		if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}, inproc.WaitForReady())
	if err != nil {
		panic(err)
	}
	c, err := orchestra.New(orchestra.Config{Runtime: rt, Seed: 1,
		Services: service.Config{ServiceCIDR: "127.34.0.0/16", Proxy: &service.ProxyConfig{}}})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()

	labels := map[string]string{"app": "hello"}
	if _, err := c.Apply(&workload.Deployment{
		ObjectMeta: workload.ObjectMeta{Name: "hello"},
		Spec: workload.DeploymentSpec{
			Replicas: workload.Ptr[int32](3),
			Selector: &workload.LabelSelector{MatchLabels: labels},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: labels},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "hello", Image: inproc.Image("hello")}}},
			},
		},
	}); err != nil {
		panic(err)
	}
	if _, err := c.Apply(&workload.Service{
		ObjectMeta: workload.ObjectMeta{Name: "hello"},
		Spec: workload.ServiceSpec{Selector: labels,
			Ports: []workload.ServicePort{{Port: 8080, TargetPort: intstr.FromInt32(8080)}}},
	}); err != nil {
		panic(err)
	}
	err = c.WaitFor(ctx, func() bool {
		d, err := orchestra.GetAs[*workload.Deployment](c, "default", "hello")
		return err == nil && controller.DeploymentComplete(d)
	})
	if err != nil {
		panic(err)
	}

	addrs, err := c.Resolver().LookupHost("default", "hello") // the ClusterIP
	if err != nil {
		panic(err)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}} // a connection per request
	served := map[string]int{}
	for range 6 {
		resp, err := client.Get("http://" + net.JoinHostPort(addrs[0], "8080"))
		if err != nil {
			panic(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		served[string(b)]++
	}
	counts := slices.Sorted(maps.Values(served)) // pod names vary in real time
	fmt.Println(len(served), "pods served", counts, "requests")

	cancel()
	fmt.Println("Run:", <-done)
	// Output:
	// 3 pods served [2 2 2] requests
	// Run: context canceled
}
