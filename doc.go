// Package orchestra gives a Go program the workload primitives of a
// Kubernetes cluster, in process: DaemonSet, Job, CronJob, Deployment,
// ReplicaSet, StatefulSet and Service discovery, run by real controllers
// over a pluggable runtime.
//
// A Cluster wires the parts together: a versioned object store (the API
// server), the scheduler, the controllers and the service layer, over one
// workload.Runtime (the kubelets). On the fake runtime and a virtual clock
// it is a fast, deterministic cluster for tests and what-if simulation; on
// the inproc or process runtime and the real clock it runs real work.
//
//	clock := vtime.NewVirtual(start)
//	c, _ := orchestra.New(orchestra.Config{Clock: clock, Seed: 1})
//	defer c.Close()
//	c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}})
//	c.Apply(job)              // defaulted, validated, stored
//	c.Advance(time.Hour)      // play an hour forward, without sleeping
//	pods, _ := c.Pods("default", "job-name=backup")
//	j, _ := orchestra.GetAs[*workload.Job](c, "default", "backup") // typed Get
//
// The packages:
//
//   - workload: the API types, with Kubernetes' field names and JSON tags
//     so that real manifests decode into them; defaulting, validation with
//     field paths, manifest loading; the Runtime seam every backend
//     implements.
//   - store: the versioned in-memory object store: create, update with
//     resourceVersion conflicts, delete with finalizers, list by label,
//     watch from a version, indexes by owner, node and label.
//   - scheduler: pure placement of a pod over a snapshot of nodes: filters
//     (node name, readiness, cordon, selectors, node affinity, taints,
//     resources, host ports, topology spread, inter-pod affinity) then
//     scores.
//   - controller: the controllers (DaemonSet, Job, CronJob, ReplicaSet,
//     Deployment, StatefulSet, garbage collection, node lifecycle, pod
//     garbage collection), each a pure decision plus a thin loop, and the
//     Manager that runs them.
//   - service: Service endpoints (EndpointSlices; the core/v1 Endpoints
//     objects of Services with a selector, and the mirroring of those
//     written for Services without one), ClusterIP and NodePort
//     allocation, the lock-free Picker (round-robin and other policies), a
//     resolver and a userspace TCP proxy.
//   - fake: the in-memory runtime, whose containers "run" on the virtual
//     clock by scripted behaviour, with fault hooks and a call record.
//   - inproc and process: real runtimes, Go functions and OS processes.
//   - vtime: the clock interface, the real clock and the deterministic
//     virtual clock.
//   - scenario: the SCENARIO.md player used by the simulator and the tests.
//
// Time is either real (Run drives the cluster until its context ends, and
// WaitFor waits, from another goroutine, for a condition to hold) or
// virtual (Advance and RunUntil do all ready work, then jump the clock to
// the next deadline, and never sleep): same inputs and seed, same events.
//
// Apply, Delete and DeletePod only write to the store, as a kubectl call
// writes to the API server: the scheduler, the controllers and the
// Services' pickers act on the change when the cluster is next driven.
// On a virtual clock nothing happens between calls, so a pod just deleted
// is still picked until Advance(0) (the work ready now, with no time
// passing) or a later Advance or RunUntil has run.
//
// Events (Cluster.Events) are Kubernetes': the controllers' and the
// scheduler's, and the kubelet's container events, which the cluster reads
// off the runtime's status reports: Created and Started for every run of a
// container, a BackOff warning for every crash-loop back-off, Killing when
// a running container is stopped (for a deletion, past the pod's active
// deadline, a sidecar once the app containers are done, or "Container
// <name> definition changed, will be restarted" when a pod update changed
// its image, on a runtime that implements workload.PodUpdater), and Failed
// (with BackOff for an image in pull back-off) when a container cannot be
// created: a
// real runtime's missing image (ErrImagePull, ImagePullBackOff) or bad
// config. What a status does not show, a runtime that implements
// workload.EventReporter reports itself (inproc and process: their
// kubelet's probes; the fake: the probes SetContainerReady and
// SetContainerLive make fail): a Warning Unhealthy for every failed probe
// ("Liveness probe failed: <output>") and Killing "Container <name> failed
// liveness probe, will be restarted" when a liveness or startup probe
// kills a container. Successful image pulls leave no event (no Pulling or
// Pulled).
package orchestra
