package bench

import (
	"context"
	"fmt"
	"github.com/orchestra-go/orchestra/internal/cputime"
	"io"
	"sync"
	"testing"

	"github.com/go-kit/kit/endpoint"
	"github.com/go-kit/kit/sd"
	"github.com/go-kit/kit/sd/lb"
	"github.com/go-kit/log"
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

// grpcBalancer is grpc-go's real round_robin policy on a fake ClientConn.
// Its picker is what a grpc ClientConn calls once per RPC (through its
// pickerWrapper, which this benchmark leaves out, as it leaves out
// orchestra's callers): an atomic add, a remainder and a call of the
// ready endpoint's pick_first picker.
type grpcBalancer struct {
	b  balancer.Balancer
	cc *fakeCC
}

// newGRPC builds grpc's round_robin over n addresses and drives every
// SubConn to READY.
func newGRPC(tb testing.TB, n int) *grpcBalancer {
	tb.Helper()
	g := &grpcBalancer{cc: &fakeCC{}}
	g.b = balancer.Get(roundrobin.Name).Build(g.cc, balancer.BuildOptions{})
	tb.Cleanup(g.b.Close)
	g.update(tb, addrs(0, n))
	return g
}

// update gives the policy the addresses as the resolver's endpoints and
// drives the new SubConns to READY; once it returns, cc.picker picks
// among exactly those addresses.
func (g *grpcBalancer) update(tb testing.TB, as []string) {
	tb.Helper()
	eps := make([]resolver.Endpoint, len(as))
	for i, a := range as {
		eps[i] = resolver.Endpoint{Addresses: []resolver.Address{{Addr: a}}}
	}
	seen := len(g.cc.subConns)
	if err := g.b.UpdateClientConnState(balancer.ClientConnState{ResolverState: resolver.State{Endpoints: eps}}); err != nil {
		tb.Fatal(err)
	}
	fresh := g.cc.subConns[seen:]
	for _, sc := range fresh {
		sc.listener(balancer.SubConnState{ConnectivityState: connectivity.Connecting})
		sc.listener(balancer.SubConnState{ConnectivityState: connectivity.Ready})
	}
	for _, sc := range fresh {
		if sc.health != nil {
			sc.health(balancer.SubConnState{ConnectivityState: connectivity.Ready})
		}
	}
	if g.cc.state != connectivity.Ready {
		tb.Fatalf("grpc round_robin: state %v, want READY", g.cc.state)
	}
}

// grpcPicker returns the picker grpc's round_robin publishes over n READY
// addresses.
func grpcPicker(tb testing.TB, n int) balancer.Picker {
	tb.Helper()
	g := newGRPC(tb, n)
	if len(g.cc.subConns) != n {
		tb.Fatalf("grpc round_robin: %d SubConns, want %d", len(g.cc.subConns), n)
	}
	return g.cc.picker
}

// addrs returns the addresses of endpoints from to to-1.
func addrs(from, to int) []string {
	as := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		as = append(as, addr(i))
	}
	return as
}

func addr(i int) string { return fmt.Sprintf("10.0.%d.%d:8080", i/250, i%250+1) }

// orchestraEndpoints returns ready endpoints from to to-1.
func orchestraEndpoints(from, to int) []service.Endpoint {
	eps := make([]service.Endpoint, 0, to-from)
	for i := from; i < to; i++ {
		eps = append(eps, service.Endpoint{Address: fmt.Sprintf("10.0.%d.%d", i/250, i%250+1), Port: 8080, PodName: fmt.Sprint("pod-", i), Ready: true, Serving: true})
	}
	return eps
}

// orchestraPicker returns orchestra's round robin over n ready endpoints.
func orchestraPicker(tb testing.TB, n int) *service.RoundRobin {
	tb.Helper()
	p := service.NewRoundRobin(1)
	if err := p.Update(orchestraEndpoints(0, n)); err != nil {
		tb.Fatal(err)
	}
	return p
}

// gokitFixedPicker returns go-kit's lb.RoundRobin over an
// sd.FixedEndpointer of n endpoints, each returning its index: a static
// slice, no service discovery, so Endpoints() is a bare return. It is
// go-kit's cheapest round robin, but it cannot change its endpoints, which
// orchestra's picker and grpc's can; gokitSDPicker is the comparable one.
func gokitFixedPicker(n int) lb.Balancer {
	eps := make(sd.FixedEndpointer, n)
	for i := range eps {
		eps[i] = func(context.Context, any) (any, error) { return i, nil }
	}
	return lb.NewRoundRobin(eps)
}

// gokitSD is go-kit's set-up for a discovered, changing endpoint set:
// lb.NewRoundRobin over sd.NewEndpointer(instancer, factory, logger), an
// sd.DefaultEndpointer whose Endpoints() reads its endpoint cache under a
// read lock. The instancer is a minimal one that pushes the whole set to
// its subscribers on every change, as go-kit's own (consul, etcd, dnssrv,
// through sd/internal/instance) do.
type gokitSD struct {
	inst *setInstancer
	ep   *sd.DefaultEndpointer
	lb   lb.Balancer
}

// newGokitSD returns go-kit's sd round robin over the instances addr(0) to
// addr(n-1); each endpoint returns its instance string.
func newGokitSD(tb testing.TB, n int) *gokitSD {
	tb.Helper()
	g := &gokitSD{inst: &setInstancer{}}
	factory := func(instance string) (endpoint.Endpoint, io.Closer, error) {
		return func(context.Context, any) (any, error) { return instance, nil }, nil, nil
	}
	g.inst.set(addrs(0, n))
	g.ep = sd.NewEndpointer(g.inst, factory, log.NewNopLogger())
	tb.Cleanup(g.ep.Close)
	g.inst.sync()
	g.lb = lb.NewRoundRobin(g.ep)
	if eps, err := g.ep.Endpoints(); err != nil || len(eps) != n {
		tb.Fatalf("go-kit sd: %d endpoints (%v), want %d", len(eps), err, n)
	}
	return g
}

// update changes the instances; once it returns, the round robin picks
// among exactly those.
func (g *gokitSD) update(instances []string) {
	g.inst.set(instances)
	g.inst.sync()
}

// gokitSDPicker returns go-kit's sd round robin over n instances.
func gokitSDPicker(tb testing.TB, n int) lb.Balancer {
	return newGokitSD(tb, n).lb
}

// setInstancer is an sd.Instancer of a set of instances that the test
// changes: it sends the whole set to every subscriber on Register and on
// every set.
type setInstancer struct {
	mu        sync.Mutex
	instances []string
	subs      []chan<- sd.Event
}

func (s *setInstancer) Register(ch chan<- sd.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subs = append(s.subs, ch)
	ch <- sd.Event{Instances: append([]string(nil), s.instances...)}
}

func (s *setInstancer) Deregister(ch chan<- sd.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, c := range s.subs {
		if c == ch {
			s.subs = append(s.subs[:i], s.subs[i+1:]...)
			return
		}
	}
}

func (s *setInstancer) Stop() {}

// set replaces the instances and notifies the subscribers.
func (s *setInstancer) set(instances []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.instances = append([]string(nil), instances...)
	s.notify()
}

// sync returns once every subscriber has applied the last event: a
// DefaultEndpointer applies an event before it receives the next, so a
// second send of the same set returns only after the first is applied
// (and applying it again changes nothing).
func (s *setInstancer) sync() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notify()
}

func (s *setInstancer) notify() {
	for _, ch := range s.subs {
		ch <- sd.Event{Instances: append([]string(nil), s.instances...)}
	}
}

var sizes = []int{3, 16, 256}

// A picker under test, as the benchmark calls it: pick returns the
// endpoint's name.
type namedPicker struct {
	name string
	pick func() (string, error)
}

// pickers returns the pickers compared, each over n endpoints.
func pickers(tb testing.TB, n int) []namedPicker {
	o, g := orchestraPicker(tb, n), grpcPicker(tb, n)
	kf, ks := gokitFixedPicker(n), gokitSDPicker(tb, n)
	oi := asPicker(orchestraPicker(tb, n))
	return []namedPicker{
		{"orchestra", func() (string, error) { e, err := o.Pick(); return endpointName(e), err }},
		{"orchestra-iface", func() (string, error) { e, err := oi.Pick(); return endpointName(e), err }},
		{"grpc", func() (string, error) { return grpcPick(g) }},
		{"gokit-fixed", func() (string, error) { return gokitPick(kf) }},
		{"gokit-sd", func() (string, error) { return gokitPick(ks) }},
	}
}

// asPicker returns p as a service.Picker whose dynamic type the compiler
// cannot see, so that calls through it stay dynamic (not devirtualized and
// inlined), as they are in service.PortPicker.
//
//go:noinline
func asPicker(p *service.RoundRobin) service.Picker { return p }

func endpointName(e *service.Endpoint) string {
	if e == nil {
		return ""
	}
	return fmt.Sprintf("%s:%d", e.Address, e.Port)
}

func grpcPick(g balancer.Picker) (string, error) {
	r, err := g.Pick(pickInfo)
	if err != nil {
		return "", err
	}
	return r.SubConn.(*fakeSC).addr, nil
}

func gokitPick(k lb.Balancer) (string, error) {
	e, err := k.Endpoint()
	if err != nil {
		return "", err
	}
	v, err := e(context.Background(), nil)
	return fmt.Sprint(v), err
}

// exactCycles checks that 4 cycles of pick over the n endpoints of want
// give each exactly 4 picks.
func exactCycles(t *testing.T, name string, pick func() (string, error), want []string) {
	t.Helper()
	count := map[string]int{}
	for range 4 * len(want) {
		e, err := pick()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		count[e]++
	}
	for _, w := range want {
		if count[w] != 4 {
			t.Errorf("%s: %s picked %d times in 4 cycles, want 4", name, w, count[w])
		}
		delete(count, w)
	}
	for e, c := range count {
		t.Errorf("%s: picked %s, not in the set, %d times", name, e, c)
	}
}

// TestPickersAreFair checks that each picker, as built here, is a real
// round robin over all n endpoints: 4 cycles give exactly 4 picks each.
func TestPickersAreFair(t *testing.T) {
	for _, n := range sizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			as, idx := addrs(0, n), make([]string, n)
			for i := range idx {
				idx[i] = fmt.Sprint(i)
			}
			for _, p := range pickers(t, n) {
				want := as
				if p.name == "gokit-fixed" {
					want = idx // its endpoints return their index
				}
				exactCycles(t, p.name, p.pick, want)
			}
		})
	}
}

// TestPickersFollowChanges checks that the pickers benchmarked as dynamic
// (orchestra's, grpc's and go-kit's over sd.NewEndpointer) take a change
// of their endpoint set: with the first endpoint removed, 4 cycles give
// the others exactly 4 picks each and the removed one none; with it back,
// all n again.
func TestPickersFollowChanges(t *testing.T) {
	for _, n := range sizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			o := orchestraPicker(t, n)
			g := newGRPC(t, n)
			k := newGokitSD(t, n)
			for _, from := range []int{1, 0} {
				want := addrs(from, n)
				if err := o.Update(orchestraEndpoints(from, n)); err != nil {
					t.Fatal(err)
				}
				g.update(t, want)
				k.update(want)
				exactCycles(t, "orchestra", func() (string, error) { e, err := o.Pick(); return endpointName(e), err }, want)
				exactCycles(t, "grpc", func() (string, error) { return grpcPick(g.cc.picker) }, want)
				exactCycles(t, "gokit-sd", func() (string, error) { return gokitPick(k.lb) }, want)
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

// BenchmarkPickers runs the round-robin pickers side by side over 3, 16
// and 256 endpoints, from one goroutine and from every P (b.RunParallel).
// Compare the ns/op of the sub-benchmarks of one size and mode, or on a
// machine shared with other work their cpu-ns/op (Linux: the benchmark
// thread's CPU time per pick, single; the process's, parallel):
//
//   - orchestra: service.RoundRobin.Pick, called on the concrete type, as
//     a caller holding a *service.RoundRobin does (Pick is inlined).
//   - orchestra-iface: the same picker called through the service.Picker
//     interface, as service.PortPicker (the Layer's picker) calls it: no
//     inlining, a dynamic call.
//   - grpc: the picker of grpc-go's round_robin policy (a balancer.Picker
//     interface, as a grpc ClientConn calls it).
//   - gokit-fixed: go-kit's lb.RoundRobin over sd.FixedEndpointer, a static
//     slice with no discovery: the endpoints can never change.
//   - gokit-sd: go-kit's lb.RoundRobin over sd.NewEndpointer, go-kit's
//     set-up for a discovered, changing endpoint set (its Endpoints() reads
//     the cache under a read lock): the one comparable with orchestra's and
//     grpc's pickers, which take updates.
func BenchmarkPickers(b *testing.B) {
	for _, n := range sizes {
		o, g := orchestraPicker(b, n), grpcPicker(b, n)
		oi := asPicker(orchestraPicker(b, n))
		kf, ks := gokitFixedPicker(n), gokitSDPicker(b, n)
		b.Run(fmt.Sprintf("n=%d/single/orchestra", n), func(b *testing.B) {
			b.ReportAllocs()
			var e *service.Endpoint
			clock := cputime.StartThread()
			for b.Loop() {
				e, _ = o.Pick()
			}
			clock.Report(b)
			sinkEP = e
		})
		b.Run(fmt.Sprintf("n=%d/single/orchestra-iface", n), func(b *testing.B) {
			b.ReportAllocs()
			var e *service.Endpoint
			clock := cputime.StartThread()
			for b.Loop() {
				e, _ = oi.Pick()
			}
			clock.Report(b)
			sinkEP = e
		})
		b.Run(fmt.Sprintf("n=%d/single/grpc", n), func(b *testing.B) {
			b.ReportAllocs()
			var r balancer.PickResult
			clock := cputime.StartThread()
			for b.Loop() {
				r, _ = g.Pick(pickInfo)
			}
			clock.Report(b)
			sinkRes = r
		})
		for _, k := range []struct {
			name string
			lb   lb.Balancer
		}{{"gokit-fixed", kf}, {"gokit-sd", ks}} {
			b.Run(fmt.Sprintf("n=%d/single/%s", n, k.name), func(b *testing.B) {
				b.ReportAllocs()
				var e endpoint.Endpoint
				clock := cputime.StartThread()
				for b.Loop() {
					e, _ = k.lb.Endpoint()
				}
				clock.Report(b)
				sinkKit = e
			})
		}
		b.Run(fmt.Sprintf("n=%d/parallel/orchestra", n), func(b *testing.B) {
			b.ReportAllocs()
			clock := cputime.StartProcess()
			b.RunParallel(func(pb *testing.PB) {
				var e *service.Endpoint
				for pb.Next() {
					e, _ = o.Pick()
				}
				_ = e
			})
			clock.Report(b)
		})
		b.Run(fmt.Sprintf("n=%d/parallel/orchestra-iface", n), func(b *testing.B) {
			b.ReportAllocs()
			clock := cputime.StartProcess()
			b.RunParallel(func(pb *testing.PB) {
				var e *service.Endpoint
				for pb.Next() {
					e, _ = oi.Pick()
				}
				_ = e
			})
			clock.Report(b)
		})
		b.Run(fmt.Sprintf("n=%d/parallel/grpc", n), func(b *testing.B) {
			b.ReportAllocs()
			clock := cputime.StartProcess()
			b.RunParallel(func(pb *testing.PB) {
				var r balancer.PickResult
				for pb.Next() {
					r, _ = g.Pick(pickInfo)
				}
				_ = r
			})
			clock.Report(b)
		})
		for _, k := range []struct {
			name string
			lb   lb.Balancer
		}{{"gokit-fixed", kf}, {"gokit-sd", ks}} {
			b.Run(fmt.Sprintf("n=%d/parallel/%s", n, k.name), func(b *testing.B) {
				b.ReportAllocs()
				clock := cputime.StartProcess()
				b.RunParallel(func(pb *testing.PB) {
					var e endpoint.Endpoint
					for pb.Next() {
						e, _ = k.lb.Endpoint()
					}
					_ = e
				})
				clock.Report(b)
			})
		}
	}
}
