// Package kubelet is the node side shared by orchestra's real runtimes
// (inproc: Go functions; process: OS processes): what Kubernetes' kubelet
// and node registry do, over a small Starter interface that each runtime
// implements.
//
// It keeps nodes (a configured list, AddNode, RemoveNode, SetNodeReady,
// with the fake runtime's defaults), gives every pod an address (on Linux
// its own in 127.0.0.0/8: node i has 127.1.i.0/24, pods get .2 upwards;
// elsewhere a shared 127.0.0.1 with mapped ports, see Addressing), runs
// the container state machine (init containers in order, sidecars (init
// containers with restartPolicy Always: the next init container starts
// once one has started and passed its startup probe; restarted whenever
// they exit; stopped after the app containers, the last declared first,
// when those are done, the pod is deleted or past its deadline, each
// given what is left of the grace period at its turn, at least 2 s),
// restart policies
// Always, OnFailure and Never, crash-loop back-off: an immediate first
// restart, then Config.BackoffBase doubling to BackoffMax, reset after a
// run longer than BackoffReset),
// pod updates (UpdatePod: a running container whose image changed is
// stopped as on deletion and started again with its new spec),
// graceful deletion (the preStop hook, then Stop, then Kill when the grace
// period ends, the pod gone once every run has ended), spec.activeDeadlineSeconds (the pod
// Failed with reason DeadlineExceeded, its runs stopped in the order of a
// deletion, then killed when the grace period ends), startup, readiness and liveness probes
// (tcpSocket and httpGet against the pod's address; exec through the
// handle's Execer when Config.ExecProbes; startup and liveness probes
// every periodSeconds from the pod's start, as the prober workers' tickers,
// readiness at once when its initial delay is over; every failure reported
// to the event sink, SetEventSink, as Unhealthy, and a kill for one as
// Killing), and bounded logs of the
// current and previous run of each container. It reports pods exactly as
// the fake runtime does (phase, conditions, container states) through an
// internal/eventlog log, and implements workload.Runtime and
// workload.LogReader.
//
// A runtime supplies the Starter and wraps the Kubelet:
//
//	type starter struct{}
//
//	func (starter) Start(run *kubelet.Run) (kubelet.Handle, error) {
//		// start run.Container with run.Env, writing to run.Log; never block
//		return h, nil
//	}
//
//	k, err := kubelet.New(kubelet.Config{Name: "mine", Starter: starter{}, Nodes: []string{"node-a"}})
//	...
//	defer k.Close() // kills every run, stops every timer and probe, waits for its goroutines
//
// The kubelet calls Start with its lock held, waits on Handle.Done on a
// goroutine of its own per run, and calls Stop and Kill as the pod's
// lifecycle says. Timers run on Config.Clock (the real clock by default);
// probes run on goroutines the kubelet owns, bounded by their timeout (on
// Config.Clock too), and Shutdown waits for all of them.
//
// Run.Env holds the values as written, env valueFrom.fieldRef (the
// downward API) and resourceFieldRef resolved (their $ written as $$);
// starters expand $(VAR) in env values, command and args with ExpandEnv
// and ExpandArgs, as the kubelet does.
//
// Not modelled: volumes, resources (nothing is limited or accounted),
// image pulls (a starter reports a missing image as ErrImagePull), env
// from ConfigMaps and Secrets (such a variable is not set), postStart
// hooks, the kubelet's 2 s minimum between SIGTERM and SIGKILL after a
// preStop hook (a sidecar whose turn to stop comes after the grace period
// has it).
package kubelet
