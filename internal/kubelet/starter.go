package kubelet

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync/atomic"

	"github.com/orchestra-go/orchestra/workload"
)

// Starter starts container runs; inproc and process implement it.
type Starter interface {
	// Start starts one run of run.Container and returns its handle. It must
	// not wait for the run: it is called with the kubelet's lock held, so
	// it must not call the Kubelet either (the run's own goroutines may,
	// through Run's methods). An error wrapped in a *StartError names the
	// Waiting reason the container reports (ErrImagePull,
	// CreateContainerError, ...); the kubelet retries the start after the
	// crash-loop back-off.
	Start(run *Run) (Handle, error)
}

// Handle is one started run of a container.
type Handle interface {
	// Done is closed when the run has ended (by itself, or after Stop or
	// Kill).
	Done() <-chan struct{}
	// Exit says how the run ended; it is called after Done is closed.
	Exit() Exit
	// Stop asks the run to stop (SIGTERM; a cancelled context). It does
	// not wait.
	Stop()
	// Kill ends the run now (SIGKILL; an abandoned function): Done must be
	// closed soon after, with Exit reporting the kill (137, signal 9). It
	// does not wait and may be called more than once.
	Kill()
}

// Lingerer is implemented by handles whose run may go on after Kill
// reported it ended (an abandoned function). Gone is closed when it has
// really ended; until then the kubelet gives the pod's address to no
// other pod, whose listeners would collide with the run's.
type Lingerer interface {
	Gone() <-chan struct{}
}

// Execer is implemented by handles that can run a command inside their
// container, for exec probes (Config.ExecProbes).
type Execer interface {
	// Exec runs cmd in the run's container and returns its exit code; an
	// error means it could not run at all (the probe fails either way).
	Exec(ctx context.Context, cmd []string) (exitCode int, err error)
}

// Waiter is implemented by starters that own goroutines or processes of
// their own beyond the runs' handles (abandoned functions): Shutdown waits
// for them after every run has been killed.
type Waiter interface {
	// Wait returns when everything the starter started has ended, or with
	// ctx's error naming what is still running.
	Wait(ctx context.Context) error
}

// Exit is how a run ended, as a Kubernetes ContainerStateTerminated says
// it: ExitCode is 128+n for a death by signal n (Signal n).
type Exit struct {
	ExitCode int32
	Signal   int32
	// Reason is "Completed" (exit 0) or "Error" when empty.
	Reason string
	// Message is the termination message (the error a function returned);
	// its last MaxTerminationMessage bytes are reported.
	Message string
}

// Exit codes and signals as Kubernetes reports them.
const (
	SIGTERM        = 15
	SIGKILL        = 9
	ExitKilled     = 128 + SIGKILL // 137
	ExitTerminated = 128 + SIGTERM // 143
)

// Waiting reasons the kubelet reports.
const (
	ReasonContainerCreating          = "ContainerCreating"
	ReasonPodInitializing            = "PodInitializing"
	ReasonCrashLoopBackOff           = "CrashLoopBackOff"
	ReasonCreateContainerConfigError = "CreateContainerConfigError"
	ReasonErrImagePull               = "ErrImagePull"
	ReasonImagePullBackOff           = "ImagePullBackOff"
	ReasonInvalidImageName           = "InvalidImageName"
	ReasonCompleted                  = "Completed"
	ReasonError                      = "Error"
)

// StartError is a start failure with the Waiting reason to report.
type StartError struct {
	Reason string
	Err    error
}

// Error implements error: the reason, then the cause.
func (e *StartError) Error() string { return e.Reason + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *StartError) Unwrap() error { return e.Err }

// Run is one run of a container, as Starter.Start gets it. Its fields are
// read-only for the starter, except WaitReady.
type Run struct {
	// Pod is a copy of the pod (read-only).
	Pod *workload.Pod
	// Container is the container's spec within Pod (read-only).
	Container *workload.Container
	// Init says Container is an init container.
	Init bool
	// RestartCount is the number of restarts before this run.
	RestartCount int32
	// PodIP is the pod's address; NodeName its node.
	PodIP, NodeName string
	// Env is the container's environment, KEY=VALUE: HOSTNAME (the pod's
	// hostname), POD_NAME, POD_NAMESPACE, POD_IP, NODE_NAME, then the
	// spec's env in order
	// (later entries win), values as written ($(VAR) not expanded yet:
	// see ExpandEnv) and those of valueFrom resolved, their $ written $$.
	Env []string
	// Log receives the run's stdout and stderr; it is safe for
	// concurrent use.
	Log io.Writer
	// WaitReady, set by Start, keeps a container without a readiness
	// probe not ready until the run calls Ready.
	WaitReady bool

	k     *Kubelet
	c     *container
	ready atomic.Bool
}

// Ready marks the run ready (see WaitReady). It may be called from any
// goroutine, before or after Start returns.
func (r *Run) Ready() {
	if r.ready.Swap(true) {
		return
	}
	r.k.runReady(r)
}

// Listen returns a listener on port of the pod's address (port 0: any
// free port). Where pods share 127.0.0.1 (Config.Addressing), it listens
// on a free port and records it as the pod's port for probes and PodAddr.
func (r *Run) Listen(network string, port int) (net.Listener, error) {
	if port < 0 || port > 65535 {
		return nil, fmt.Errorf("%s: %s: container %q: listen: port %d out of range", r.k.name, podRef(r.Pod.Namespace, r.Pod.Name), r.Container.Name, port)
	}
	if !r.k.shared || port == 0 {
		return net.Listen(network, net.JoinHostPort(r.PodIP, strconv.Itoa(port)))
	}
	l, err := net.Listen(network, "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if a, ok := l.Addr().(*net.TCPAddr); ok {
		r.k.mapPort(r.Pod.Namespace+"/"+r.Pod.Name, int32(port), int32(a.Port))
	}
	return l, nil
}
