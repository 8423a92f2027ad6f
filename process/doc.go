// Package process is a real orchestra runtime whose containers are OS
// processes, on the node side shared with inproc (internal/kubelet):
// nodes, per-pod addresses, restart policies with crash-loop back-off,
// graceful deletion, probes and logs behave as there, and as Kubernetes'.
//
//	rt, err := process.New(process.Config{Nodes: []string{"node-a", "node-b"}})
//	if err != nil { ... } // ErrUnsupported on non-Unix platforms
//	defer rt.Close() // kills and reaps every process group
//	cluster, err := orchestra.New(orchestra.Config{Runtime: rt})
//	...
//	go cluster.Run(ctx)
//	cluster.Apply(deployment) // containers: [{name: web, command: [/usr/local/bin/web, --addr=$(POD_IP):8080]}]
//
// # Command line
//
// There are no images: a container's image field is informational (it is
// reported in the container status, never pulled or run). The command
// line is the container's command followed by its args, as Kubernetes
// combines them over an image whose entrypoint and cmd are empty (command
// replaces the entrypoint, args the cmd); so a container with args only
// runs args[0] with the rest as arguments, and one with neither does not
// start: it waits with reason CreateContainerError (ErrNoCommand). The
// program runs directly, never through a shell; a name without a / is
// looked up in the container's PATH, a relative path is relative to its
// working directory. $(VAR) references in command, args and env values
// are expanded as Kubernetes does (see Expand): --addr=$(POD_IP):8080
// needs no shell.
//
// A program that cannot be started (not found, not executable, a
// workingDir that does not exist) ends the run at once with exit code 128
// and reason StartError (ErrStart), as containerd reports it, and the
// restart policy applies.
//
// # Environment and directory
//
// A process gets Config.Env (by default only PATH, from the runtime's
// environment), then HOSTNAME (the pod's hostname), POD_NAME,
// POD_NAMESPACE, POD_IP and NODE_NAME, then the container's env in order
// (later entries win; an Indexed Job's pods carry JOB_COMPLETION_INDEX
// there; valueFrom.fieldRef and resourceFieldRef are resolved). It runs in the container's
// workingDir (relative to Config.WorkingDir), or Config.WorkingDir, by
// default the runtime's own directory.
//
// # Addresses
//
// On Linux every pod has its own address in 127.0.0.0/8 (node i:
// 127.1.i.0/24, pods from .2), in POD_IP. A program must bind to $POD_IP
// (not 0.0.0.0 or localhost) to get the per-pod semantics: many pods
// listening on the same port, probes and Services reaching each pod at
// its own address. Elsewhere (Config.Addressing) every pod is 127.0.0.1,
// with no port mapping for processes: two pods on one port collide.
//
// # Stopping and exit codes
//
// Each run is a process group of its own (Setpgid). A container's preStop
// hook (exec, run as exec probes are; httpGet; sleep) runs first, its time
// counted in the grace period; then Stop sends SIGTERM to the whole group; when the grace period ends (pod deletion, a failed
// liveness or startup probe) the group gets SIGKILL. When the main
// process exits, by itself or by a signal, what is left of its group is
// killed (as a container's processes die with its init process), before
// the main process is reaped, so that the signal never reaches a reused
// group ID (on Linux; elsewhere right after). A process that leaves its
// group (setsid, setpgid) escapes this, as a daemon would escape a
// kill(-pgid); its output is still read for 2 s after the main process
// ends, then the pipe is closed. Exits are reported as Kubernetes does:
// exit n is exit code n (0: reason Completed, otherwise Error); death by
// signal n is exit code 128+n with Signal n and reason Error: 143 for
// SIGTERM, 137 for SIGKILL.
//
// Close and Shutdown kill every group and return once every process is
// reaped. A program that dies without Close leaves its processes running,
// as containers outlive a crashed kubelet.
//
// # Probes
//
// httpGet and tcpSocket probes go to the pod's address. exec probes run
// their command with the container's environment and working directory
// in a process group of their own, killed with its group when
// timeoutSeconds expires, their output discarded; exit 0 passes. A
// failed liveness probe restarts the container (SIGTERM, SIGKILL after
// the pod's terminationGracePeriodSeconds); readiness gates the pod's
// Ready condition and so its Service endpoints.
//
// # Logs
//
// stdout and stderr share one pipe, so their lines keep their order; the
// last Config.LogLimit bytes of the current and previous run of each
// container are kept for Logs (kubectl logs, with -p). With Config.LogDir
// each run also goes to LogDir/<namespace>_<pod>_<uid>/<container>/<restartCount>.log,
// rotated to .log.1 at Config.LogFileLimit (so at most twice the limit
// per run); the files of runs before the previous are removed.
//
// Not modelled, beyond the kubelet's list: users, capabilities, resource
// limits (nothing is confined: a process can do what the program running
// the runtime can), stdin and tty, the termination message file.
package process
