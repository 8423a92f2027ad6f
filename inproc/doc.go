// Package inproc is a real orchestra runtime whose containers are Go
// functions running in the program's own process.
//
// A container's image names a function registered with the runtime, with
// the scheme "func://": the image "func://backup" runs the function
// registered as "backup". An image without the scheme leaves the
// container Waiting with reason InvalidImageName; a name nobody registered
// leaves it Waiting with reason ErrImagePull (the pod stays Pending), and
// the start is retried with the crash-loop back-off, so that a function
// registered later starts at the next retry.
//
//	rt, err := inproc.New(inproc.Config{Nodes: []string{"node-a", "node-b"}})
//	if err != nil { ... }
//	defer rt.Close()
//	rt.Register("web", func(ctx context.Context, c *inproc.Container) error {
//		l, err := c.Listen("tcp", 8080) // on the pod's own address
//		if err != nil {
//			return err
//		}
//		srv := &http.Server{Handler: handler}
//		go func() { <-ctx.Done(); srv.Close() }()
//		c.Ready() // listening: ready for its Services' traffic
//		if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
//			return err
//		}
//		return nil
//	}, inproc.WaitForReady()) // else ready as soon as it runs, before it listens
//	cluster, err := orchestra.New(orchestra.Config{Runtime: rt})
//	...
//	go cluster.Run(ctx)
//	cluster.Apply(deployment) // containers with image "func://web"
//	err = cluster.WaitFor(ctx, rolledOut) // see orchestra's ExampleCluster_WaitFor
//
// # What a function gets
//
// A context cancelled when the container is asked to stop (pod deletion,
// a failed liveness or startup probe, Close), and a *Container: its
// environment (HOSTNAME, POD_NAME, POD_NAMESPACE, POD_IP, NODE_NAME, then the
// spec's env, JOB_COMPLETION_INDEX included for Indexed Jobs), its command
// and args, Listen on the pod's address, Stdout and Stderr into its log
// (read back with Logs, like kubectl logs), Ready for functions registered
// WaitForReady, and a copy of its pod.
//
// # Exit codes
//
//   - nil: 0 (Completed).
//   - an *ExitError (inproc.Exit(n)): n.
//   - the context's error after a stop request: 143, signal 15, as a
//     process that SIGTERM ended.
//   - any other error: 1; the text goes to the log and is the
//     termination message.
//   - a panic: 2, as Go exits on a panic; the panic and its stack go to
//     the log.
//   - still running when the grace period ends: the function is
//     abandoned and reported killed, 137, signal 9, reason Error, as
//     Kubernetes reports SIGKILL. Its goroutine runs on until it returns:
//     functions must honour ctx. Its pod's address goes to no other pod
//     until it has returned (it may still hold a listener there).
//     Shutdown (and Close) wait for abandoned functions too.
//
// # Addresses and probes
//
// On Linux every pod has its own address in 127.0.0.0/8 (node i:
// 127.1.i.0/24, pods from .2), so that many pods listen on the same port.
// Elsewhere (Config.Addressing) every pod is 127.0.0.1 and Listen picks a
// free port, which probes and PodAddr map the container port to.
// Readiness without a readinessProbe: ready when running, or for a
// WaitForReady function when it calls Ready. tcpSocket and httpGet probes
// go to the pod's address. Exec probes are not supported (there is no
// process to exec in): a container with one does not start and waits with
// reason CreateContainerConfigError.
package inproc
