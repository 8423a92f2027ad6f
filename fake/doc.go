// Package fake is orchestra's in-memory runtime: a node registry and fake
// kubelets whose containers "run" on a clock, as SCENARIO.md's behaviour
// rules and sim.orchestra.dev/* annotations say. It implements
// workload.Runtime (and workload.LogReader), so the control plane drives it
// exactly as it would drive a real backend; tests and the simulator use it
// on a *vtime.Virtual clock, where a run is single-goroutine and
// deterministic.
//
// # What it models
//
//   - Nodes you add, remove, relabel, taint, cordon, set Ready or not, or
//     fail (the kubelet stops reporting, until SetNodeReady: the node is
//     reported with the status it last posted and
//     workload.KubeletSilentSinceAnnotation, pod statuses are frozen at
//     their last report, and deleted pods are not confirmed gone; through
//     a cluster, the node lifecycle controller marks the node Unknown 50 s
//     later, the node monitor grace period, and its pods are evicted 300 s
//     after that, as in Kubernetes). Defaults as a
//     kubelet registers them (cpu 4, memory 16Gi, pods 110, the
//     kubernetes.io/hostname, os and arch labels, the MemoryPressure,
//     DiskPressure and PIDPressure conditions False). Node i gets the i-th /24
//     of Config.PodCIDRBase (default 10.244.0.0/16); pod IPs come from it,
//     .2 upwards, and are released when the pod is gone.
//   - Pods on the node their spec names, reported as the kubelet reports
//     them: phase (Pending, Running, Succeeded, Failed, computed as the
//     kubelet's getPhase), podIP(s), hostIP(s), startTime, the conditions
//     PodScheduled, Initialized, ContainersReady and Ready with their
//     transition times, reasons and the kubelet's messages ("containers
//     with unready status: [b]"), and per container state, lastState, ready,
//     started, restartCount and image.
//   - Init containers, in order, before the app containers; a failed init
//     container fails the pod under restartPolicy Never and is restarted
//     otherwise.
//   - Sidecars (init containers with restartPolicy Always, Kubernetes
//     1.29+): one starts in its turn and the next init container starts
//     once it runs (the fake has no startup probe); it runs beside the app
//     containers, is restarted whenever it exits (with the back-off),
//     whatever the pod's restartPolicy, and its readiness counts towards
//     the pod's. Once the app containers of a Never or OnFailure pod have
//     all exited for good (or an init container failed under Never), the
//     sidecars are stopped one at a time, the last declared first, each
//     killed (137) if it still runs when what was left of the pod's
//     terminationGracePeriodSeconds at its turn (less the whole seconds
//     it waited) has passed, but never less than 2 s after it was asked
//     (those whose turn has not come when the grace period ends are all
//     asked then, with 2 s), as the kubelet's killContainer with its
//     termination ordering; the phase is the app containers' alone. On
//     deletion and past the active deadline they are stopped the same
//     way, after the app containers.
//   - restartPolicy Always, OnFailure and Never as the kubelet applies
//     them, with the kubelet's crash-loop back-off: the first restart is
//     immediate, the second waits 10 s, each further one twice the last
//     up to 5 minutes, and a run of more than 10 minutes starts over;
//     Waiting reason CrashLoopBackOff meanwhile.
//   - spec.activeDeadlineSeconds: a pod active that long (from its
//     startTime) is Failed with reason DeadlineExceeded and its containers
//     are stopped as on deletion (the app containers, then the sidecars,
//     the last declared first; a sidecar whose turn had not come when the
//     grace period ends gets 2 s more) and killed (exit code 137) when
//     its grace period has passed; nothing restarts and the pod stays, as
//     the kubelet's active deadline handler.
//   - Pod updates (UpdatePod, workload.PodUpdater: see there): a running
//     container whose image changed is stopped as on deletion and started
//     again at once with the new image (the rules for it giving its
//     behaviour), its restartCount one more, whatever the restart policy;
//     a lowered activeDeadlineSeconds takes effect.
//   - Graceful deletion (DeletePod with a grace period: see there): by
//     default a container ignores SIGTERM and runs on until it exits by
//     itself or is killed (137) when the grace period ends (at least 2 s
//     after it was asked to stop, the kubelet's minimum); with
//     Behavior.StopAfter (annotation sim.orchestra.dev/stop-after) it exits
//     0 that long after it is asked to stop, as a server that handles
//     SIGTERM. The same goes for a pod past its active deadline.
//   - Faults: Hooks that fail CreatePod, DeletePod, List or Watch,
//     KillContainer, FailNode, SetContainerReady for a readiness probe
//     that fails (and succeeds again), and SetContainerLive for a
//     liveness probe that fails (the container killed at the probe's
//     failureThreshold and restarted, until it passes again); a failing
//     probe is reported to the event sink (SetEventSink) as the kubelet's
//     Unhealthy events, every period, and its kill as Killing. Calls
//     records every call.
//
// Wherever a call names a pod by namespace and name (CreatePod, GetPod,
// DeletePod, KillContainer, SetContainerReady, Logs), the namespace ""
// means "default", as it does for the cluster's Get and DeletePod. Under a
// cluster, a pod reaches the runtime once the cluster has scheduled it: a
// pod just applied, or created by a controller, is not there until the
// cluster is driven (Advance(0) does the work of the current instant), and
// KillContainer or SetContainerReady on it fails with
// workload.ErrPodNotFound until then.
//
// # Defaults
//
// A container that no behaviour rule matches (see Behavior): an init
// container succeeds at once, a sidecar starts at once, is ready at once
// and runs until it is stopped; a container of a pod with restartPolicy
// Never or OnFailure runs 10 s and exits 0; any other container starts,
// and is ready, at once and runs until it is stopped.
//
// # What it does not model
//
// Images (no pulls, no pull errors; Behavior.StartDelay stands in for
// them), volumes and PersistentVolumeClaims, real probes (no probe is
// run; Behavior.ReadyAfter, NeverReady and SetContainerReady stand in for
// readiness, SetContainerLive for a failing liveness probe; startup
// probes are ignored), networking (pod IPs are labels:
// nothing listens, nothing routes), resource requests and limits (nothing
// is enforced or accounted; the pods limit is not checked), OOM kills,
// node pressure and eviction by pressure, eviction of pods from not-ready
// nodes (the control plane's job),
// ephemeral containers, exit code 143 (a container killed by SIGTERM's
// default action: StopAfter exits 0), the kubelet's own pod deletion of
// finished pods, and logs beyond a synthetic line per start
// and exit. A pod that names a node is started there whatever its
// nodeSelector, affinity, taints or resources say: placement is the
// scheduler's job. Annotations apply to a pod's app containers, not its
// init containers (sidecars included: rules match them by name).
//
// # The caller's loop
//
// A controller lists, then watches from the list's version, and lists
// again when the watch expires. On a virtual clock, a single goroutine
// advances time and drains the watch between steps:
//
//	clk := vtime.NewVirtual(start)
//	rt, err := fake.New(fake.Config{Clock: clk, Behaviors: rules})
//	if err != nil { ... }
//	rt.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}})
//	nodes, pods, version, err := rt.List(ctx)
//	// ... build the cache from nodes and pods ...
//	w, err := rt.Watch(ctx, version)
//	for clk.Step() {                    // jump to the next deadline, fire it
//		for {
//			ev, ok := w.TryNext()
//			if !ok {
//				break
//			}
//			apply(ev)                   // ev.Object is a *workload.Node or *workload.Pod; read-only
//		}
//		if errors.Is(w.Err(), workload.ErrWatchExpired) {
//			// list again and watch from the new version
//		}
//		// ... reconcile: rt.CreatePod, rt.DeletePod ...
//	}
//
// On the real clock (vtime.Real), containers change state on timer
// goroutines and a watcher blocks in Next(ctx) or selects on Ready();
// Close stops every pending timer.
//
// # Cost
//
// Every status change makes one immutable status report
// (workload.PodStatusReport), shared by the history and every watcher. A
// watcher that reads whole objects (TryNext, Next, TryNextBatch) gets, per
// event, a pod built from the report and the pod's snapshot as created
// (whose metadata and spec never change); the cluster reads the reports
// themselves (workload.StatusWatcher). BenchmarkContainerEvents measures a
// container start or exit.
package fake
