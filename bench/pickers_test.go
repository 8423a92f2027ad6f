package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/go-kit/kit/endpoint"
	"github.com/go-kit/kit/sd"
	"github.com/go-kit/kit/sd/lb"
	"google.golang.org/grpc/balancer"
	"google.golang.org/grpc/balancer/roundrobin"
	"google.golang.org/grpc/connectivity"
	estats "google.golang.org/grpc/experimental/stats"
	"google.golang.org/grpc/resolver"

	"github.com/orchestra-go/orchestra/service"
)

// fakeCC is the smallest balancer.ClientConn that grpc's round_robin
// policy (endpointsharding over pick_first children) needs. It embeds the
// interface, as grpc requires: a method it does not override panics.
type fakeCC struct {
	balancer.ClientConn
	subConns []*fakeSC
	state    connectivity.State
	picker   balancer.Picker
}

func (c *fakeCC) NewSubConn(addrs []resolver.Address, opts balancer.NewSubConnOptions) (balancer.SubConn, error) {
	sc := &fakeSC{addr: addrs[0].Addr, listener: opts.StateListener}
	c.subConns = append(c.subConns, sc)
	return sc, nil
}
func (c *fakeCC) UpdateState(s balancer.State)          { c.state, c.picker = s.ConnectivityState, s.Picker }
func (c *fakeCC) ResolveNow(resolver.ResolveNowOptions) {}
func (c *fakeCC) Target() string                        { return "bench:///pickers" }
func (c *fakeCC) MetricsRecorder() estats.MetricsRecorder {
	return estats.UnimplementedMetricsRecorder{}
}
func (c *fakeCC) UpdateAddresses(balancer.SubConn, []resolver.Address) {}

// fakeSC is a SubConn that connects when the test says so.
type fakeSC struct {
	balancer.SubConn
	addr     string
	listener func(balancer.SubConnState)
	health   func(balancer.SubConnState)
}

func (s *fakeSC) Connect()                                             {}
func (s *fakeSC) Shutdown()                                            {}
func (s *fakeSC) RegisterHealthListener(f func(balancer.SubConnState)) { s.health = f }

// grpcPicker builds grpc-go's real round_robin policy over n addresses,
// drives every SubConn to Ready and returns the picker it published.
func grpcPicker(tb testing.TB, n int) balancer.Picker {
	tb.Helper()
	cc := &fakeCC{}
	b := balancer.Get(roundrobin.Name).Build(cc, balancer.BuildOptions{})
	tb.Cleanup(b.Close)
	eps := make([]resolver.Endpoint, n)
	for i := range eps {
		eps[i] = resolver.Endpoint{Addresses: []resolver.Address{{Addr: addr(i)}}}
	}
	if err := b.UpdateClientConnState(balancer.ClientConnState{ResolverState: resolver.State{Endpoints: eps}}); err != nil {
		tb.Fatal(err)
	}
	for _, sc := range cc.subConns {
		sc.listener(balancer.SubConnState{ConnectivityState: connectivity.Connecting})
		sc.listener(balancer.SubConnState{ConnectivityState: connectivity.Ready})
	}
	for _, sc := range cc.subConns {
		if sc.health != nil {
			sc.health(balancer.SubConnState{ConnectivityState: connectivity.Ready})
		}
	}
	if cc.state != connectivity.Ready || len(cc.subConns) != n {
		tb.Fatalf("grpc round_robin: state %v with %d SubConns, want READY with %d", cc.state, len(cc.subConns), n)
	}
	return cc.picker
}

func addr(i int) string { return fmt.Sprintf("10.0.%d.%d:8080", i/250, i%250+1) }

// orchestraPicker returns orchestra's round robin over n ready endpoints.
func orchestraPicker(tb testing.TB, n int) *service.RoundRobin {
	tb.Helper()
	eps := make([]service.Endpoint, n)
	for i := range eps {
		eps[i] = service.Endpoint{Address: fmt.Sprintf("10.0.%d.%d", i/250, i%250+1), Port: 8080, PodName: fmt.Sprint("pod-", i), Ready: true, Serving: true}
	}
	p := service.NewRoundRobin(1)
	if err := p.Update(eps); err != nil {
		tb.Fatal(err)
	}
	return p
}

// gokitPicker returns go-kit's lb.RoundRobin over a FixedEndpointer of n
// endpoints (the bare counter, no cache lock), each returning its index.
func gokitPicker(n int) lb.Balancer {
	eps := make(sd.FixedEndpointer, n)
	for i := range eps {
		eps[i] = func(context.Context, any) (any, error) { return i, nil }
	}
	return lb.NewRoundRobin(eps)
}

var sizes = []int{3, 16, 256}

// TestPickersAreFair checks that each picker, as built here, is a real
// round robin over all n endpoints: 4 cycles give exactly 4 picks each.
func TestPickersAreFair(t *testing.T) {
	for _, n := range sizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			count := map[string]int{}
			o := orchestraPicker(t, n)
			for range 4 * n {
				e, err := o.Pick()
				if err != nil {
					t.Fatal(err)
				}
				count["orchestra/"+e.Address]++
			}
			g := grpcPicker(t, n)
			for range 4 * n {
				r, err := g.Pick(balancer.PickInfo{FullMethodName: "/bench/Pick", Ctx: context.Background()})
				if err != nil {
					t.Fatal(err)
				}
				count["grpc/"+r.SubConn.(*fakeSC).addr]++
			}
			k := gokitPicker(n)
			for range 4 * n {
				e, err := k.Endpoint()
				if err != nil {
					t.Fatal(err)
				}
				i, _ := e(context.Background(), nil)
				count[fmt.Sprint("gokit/", i)]++
			}
			if len(count) != 3*n {
				t.Fatalf("%d distinct picks, want %d", len(count), 3*n)
			}
			for k, c := range count {
				if c != 4 {
					t.Errorf("%s picked %d times in 4 cycles, want 4", k, c)
				}
			}
		})
	}
}

var (
	sinkEP   *service.Endpoint
	sinkRes  balancer.PickResult
	sinkKit  endpoint.Endpoint
	pickInfo = balancer.PickInfo{FullMethodName: "/bench/Pick", Ctx: context.Background()}
)

// BenchmarkPickers runs the three round-robin pickers side by side over 3,
// 16 and 256 endpoints, from one goroutine and from every P
// (b.RunParallel). Compare the ns/op of the sub-benchmarks of one size.
func BenchmarkPickers(b *testing.B) {
	for _, n := range sizes {
		o, g, k := orchestraPicker(b, n), grpcPicker(b, n), gokitPicker(n)
		b.Run(fmt.Sprintf("n=%d/single/orchestra", n), func(b *testing.B) {
			b.ReportAllocs()
			var e *service.Endpoint
			for b.Loop() {
				e, _ = o.Pick()
			}
			sinkEP = e
		})
		b.Run(fmt.Sprintf("n=%d/single/grpc", n), func(b *testing.B) {
			b.ReportAllocs()
			var r balancer.PickResult
			for b.Loop() {
				r, _ = g.Pick(pickInfo)
			}
			sinkRes = r
		})
		b.Run(fmt.Sprintf("n=%d/single/gokit", n), func(b *testing.B) {
			b.ReportAllocs()
			var e endpoint.Endpoint
			for b.Loop() {
				e, _ = k.Endpoint()
			}
			sinkKit = e
		})
		b.Run(fmt.Sprintf("n=%d/parallel/orchestra", n), func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					o.Pick()
				}
			})
		})
		b.Run(fmt.Sprintf("n=%d/parallel/grpc", n), func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					g.Pick(pickInfo)
				}
			})
		})
		b.Run(fmt.Sprintf("n=%d/parallel/gokit", n), func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					k.Endpoint()
				}
			})
		})
	}
}
