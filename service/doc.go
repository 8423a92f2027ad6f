// Package service is orchestra's Service layer: label-selector service
// discovery in process, with Kubernetes Service semantics.
//
// A Service selects pods by label. Its endpoints are the selected pods that
// are ready, with their address and the Service's target port (a port name
// is looked up per pod). Each endpoint change goes to the Service's picker,
// which spreads clients over the endpoints, round-robin by default. The
// Service also gets a stable address (a ClusterIP, and with type NodePort a
// node port) and a name that the resolver maps to that address, and, for
// runtimes whose pods have real addresses, a userspace TCP proxy that
// accepts on the Service's address and forwards each connection to a
// picked endpoint. Pods die and come back with new addresses; the Service
// stays, so clients never notice.
//
// # Pickers
//
// A [Picker] chooses the endpoint for each request. Every picker keeps its
// endpoints in an immutable snapshot: [Picker.Update] filters and copies
// the endpoints it is given, builds a new snapshot and publishes it with
// one atomic store. Pick loads the snapshot with one atomic load, and for
// round robin adds one to a shared counter and indexes the snapshot: no
// lock, no allocation, never a wait. Once Update returns, no Pick that
// starts afterwards returns an endpoint it removed.
//
// Which endpoints a picker uses is decided at Update, never at Pick, the way
// kube-proxy does it: the ready endpoints, or if none is ready those that
// are serving and terminating (draining pods still accept requests). With
// the [Local] option (traffic policy Local), only the endpoints on one node
// count, and the picker never falls back to other nodes. With the
// [Topology] option (the views of a node, for traffic policy Cluster), the
// endpoints' topology hints (spec.trafficDistribution, or the annotation
// service.kubernetes.io/topology-mode: Auto) keep the picker to its node's
// or zone's endpoints when every ready endpoint is hinted and one names
// them, as kube-proxy does. With nothing to offer, Pick returns
// [ErrNoEndpoints]: fail the request or retry later.
//
// The policies:
//
//   - [RoundRobin] (the default): each endpoint exactly once per cycle, from
//     any number of goroutines. The rotation starts at a random endpoint
//     drawn from a seed, so clients do not all begin with the same one, and
//     goes on after the last picked endpoint when the set changes instead of
//     restarting. The counter is a uint64 that is rebased by a multiple of
//     the cycle length long before it could wrap, so cycles stay exact.
//   - [Random]: a uniform choice per request, as kube-proxy's iptables mode;
//     seeded and lock-free (a counter hashed with splitmix64).
//   - [Weighted]: nginx's smooth weighted round robin (weights 5, 1, 1 give
//     a a b a c a a), computed once per Update into an immutable cycle that
//     picks index like round robin.
//   - [LeastRequest]: the less busy of two random endpoints, counting the
//     requests in flight per endpoint; [LeastRequest.Start] returns a
//     [Request] whose Done the caller calls when the request ends.
//   - [Affinity]: ClientIP session affinity around any picker: a client IP
//     keeps its endpoint while that endpoint stays usable and the client
//     comes back within the timeout (default 10800 s).
//
// In a cluster, a Service's pickers (Layer.Picker, through
// Cluster.Services) use round robin unless the Service's annotation
// orchestra.dev/lb-policy ([AnnotationLBPolicy]) names another policy
// ("random", "weighted" with each pod's orchestra.dev/weight,
// "least-request"); spec.sessionAffinity ClientIP wraps the policy in
// Affinity. An unknown policy is logged (Config.Logger) and round robin
// used.
//
// Seeds make pickers deterministic: the same seed and the same calls give
// the same picks, which simulations rely on.
//
// Pick returns a pointer into the snapshot, shared by every caller and never
// modified: read it or copy it, never write through it. Copying the
// endpoint out on every pick would cost more than the rest of the pick.
//
// # The caller's loop
//
// The service layer feeds endpoint changes to the picker; each request
// picks:
//
//	p := service.NewRoundRobin(seed)
//	// on every change of the Service's endpoints:
//	if err := p.Update(endpoints); err != nil {
//		return err // a malformed endpoint; the picker keeps the old set
//	}
//	// for every request, from any goroutine:
//	ep, err := p.Pick()
//	if errors.Is(err, service.ErrNoEndpoints) {
//		return err // nothing ready: fail this request, or retry later
//	}
//	send(ep.Address, ep.Port)
//
// With [LeastRequest], use Start and Done around each request instead:
//
//	req, err := p.Start()
//	if err != nil {
//		return err
//	}
//	defer req.Done()
//	send(req.Endpoint.Address, req.Endpoint.Port)
//
// # Costs
//
// Pick is one atomic load, one atomic add (the shared counter) and an
// index, and [RoundRobin.Pick] is small enough to be inlined where it is
// called; with every core picking, the counter's cache line is the limit,
// as for any shared round robin; the index is computed with two
// multiplications (fastmod), not a division. [RoundRobin] keeps its
// endpoints in an add-only array shared by successive snapshots, with a
// list of positions per snapshot: Update compares the new list with the
// stored one word by word and adds only what changed (O(n) reads, small
// writes), and [RoundRobin.UpdateAt], which the endpoints controller uses
// for the endpoints it changed, validates and adds only those (a readiness
// change in a 10,000-endpoint Service in tens of microseconds); with
// [Topology] it rebuilds, as the hints of one endpoint decide for all.
// [Random],
// [Weighted] (which also builds its cycle, bounded work), [LeastRequest]
// and [Affinity] rebuild on every Update. The benchmarks in this package
// (BenchmarkPick against BenchmarkAtomicAdd, BenchmarkUpdate10000,
// BenchmarkUpdateAt10000) and the separate module in bench/ (against
// grpc-go's round_robin and go-kit's lb.RoundRobin) measure them.
package service
