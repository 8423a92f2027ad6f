package inproc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/orchestra-go/orchestra/internal/kubelet"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

var (
	_ workload.Runtime   = (*Runtime)(nil)
	_ workload.LogReader = (*Runtime)(nil)
)

// Scheme is the image scheme naming a registered function: a container
// whose image is "func://backup" runs the function registered as
// "backup".
const Scheme = "func://"

// Errors of this package. Errors about nodes and pods the runtime does not
// have wrap workload.ErrNodeNotFound, workload.ErrPodExists and
// workload.ErrPodNotFound; every error names the object.
var (
	// ErrInvalid: bad input (nil object, empty name, bad Config field,
	// bad function name).
	ErrInvalid = kubelet.ErrInvalid
	// ErrNodeExists: AddNode for a name the runtime already has.
	ErrNodeExists = kubelet.ErrNodeExists
	// ErrNoPodIP: a node has no free pod address left.
	ErrNoPodIP = kubelet.ErrNoPodIP
	// ErrContainerNotFound: Logs for a container the pod does not have,
	// or a run that did not happen.
	ErrContainerNotFound = kubelet.ErrContainerNotFound
	// ErrClosed: a call after Close or Shutdown.
	ErrClosed = kubelet.ErrClosed
	// ErrWatchStopped ends a watch after its Stop, or at Close.
	ErrWatchStopped = kubelet.ErrWatchStopped
	// ErrNoFunc: a container's image names no registered function (its
	// Waiting reason is ErrImagePull, then ImagePullBackOff while it waits
	// to try again, as a pull that keeps failing) or is not a func:// image
	// (InvalidImageName).
	ErrNoFunc = errors.New("inproc: no such function")
)

// Func is a container: it runs until it returns. ctx is cancelled when the
// container is asked to stop (pod deletion, a failed liveness probe,
// Close); a function that has not returned when the grace period ends is
// abandoned and reported killed, so functions must honour ctx.
//
// The returned error is the exit code: nil is 0; an ExitError (see Exit)
// its Code; the ctx's own error after a stop request is 143 (as a process
// that SIGTERM ended); any other error is 1, its text written to the log
// and reported as the termination message. A panic is exit code 2 (as Go
// exits on a panic), the panic and its stack in the log.
type Func func(ctx context.Context, c *Container) error

// ExitError makes a Func exit with a chosen code.
type ExitError struct {
	Code int32
}

// Error implements error: "exit status N".
func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// Exit returns an *ExitError for code: return inproc.Exit(3) exits 3.
func Exit(code int32) error { return &ExitError{Code: code} }

// Option configures a registered function.
type Option func(*fn)

// WaitForReady makes the function's containers not ready until they call
// Container.Ready (unless the container has a readinessProbe, which then
// decides). Without it a container is ready as soon as it runs, as in
// Kubernetes without a probe.
func WaitForReady() Option { return func(f *fn) { f.waitReady = true } }

type fn struct {
	f         Func
	waitReady bool
}

// Addressing says how the runtime gives pods their addresses
// (Config.Addressing).
type Addressing = kubelet.Addressing

// The values of Config.Addressing.
const (
	// AddressingAuto, the zero value, is AddressingPerPod on Linux and
	// AddressingShared elsewhere.
	AddressingAuto = kubelet.AddressingAuto
	// AddressingPerPod gives every pod its own address in 127.0.0.0/8:
	// node i (from 0) has the i-th /24 from Config.FirstPodCIDR, its pods
	// get .2 upwards. Linux routes all of 127.0.0.0/8 to the loopback
	// interface with no setup.
	AddressingPerPod = kubelet.AddressingPerPod
	// AddressingShared gives every pod the address 127.0.0.1, for
	// platforms where only 127.0.0.1 answers (macOS, Windows).
	AddressingShared = kubelet.AddressingShared
)

// Config configures a Runtime. The zero value works: a runtime with no
// nodes on the real clock.
type Config struct {
	// Clock drives back-offs, grace periods and probes. Nil means
	// vtime.Real().
	Clock vtime.Clock
	// Nodes are added at New (see AddNode for the defaults).
	Nodes []string
	// BackoffBase, BackoffMax and BackoffReset are the crash-loop back-off:
	// the first restart is immediate, the second waits BackoffBase, each
	// further one twice the last up to BackoffMax; a run longer than
	// BackoffReset starts the sequence again. Zero: the kubelet's 10 s,
	// 5 min, 10 min.
	BackoffBase, BackoffMax, BackoffReset time.Duration
	// ProbeSecond is how long one second of a probe's *Seconds fields
	// lasts; zero means time.Second.
	ProbeSecond time.Duration
	// LogLimit bounds the bytes kept of each container run's log (zero:
	// 1 MiB).
	LogLimit int
	// Addressing: per-pod loopback addresses (the default on Linux) or a
	// shared 127.0.0.1 with mapped ports (the default elsewhere).
	Addressing Addressing
	// FirstPodCIDR is the pod CIDR of the first node (a 127.x.y.0
	// address; the i-th node gets the i-th /24 from it). Zero means
	// 127.1.0.0. Runtimes running at once on one machine (two programs,
	// test packages run in parallel) need ranges apart, or their pods'
	// listeners collide.
	FirstPodCIDR netip.Addr
	// Logger receives a structured log. Nil: silent.
	Logger *slog.Logger
	// WatchBuffer and History bound the watch queues and history (zero:
	// as the fake runtime's defaults).
	WatchBuffer, History int
}

// Runtime runs containers as Go functions. Create one with New, register
// functions, and Close it when done. It implements workload.Runtime and
// workload.LogReader and is safe for concurrent use.
type Runtime struct {
	k *kubelet.Kubelet

	mu    sync.Mutex
	funcs map[string]*fn
	live  map[*handle]struct{} // functions that have not returned
	wg    sync.WaitGroup       // function goroutines
}

// New returns a runtime with cfg.Nodes.
func New(cfg Config) (*Runtime, error) {
	r := &Runtime{funcs: map[string]*fn{}, live: map[*handle]struct{}{}}
	k, err := kubelet.New(kubelet.Config{
		Name: "inproc", Starter: starter{r}, Clock: cfg.Clock, Nodes: cfg.Nodes,
		BackoffBase: cfg.BackoffBase, BackoffMax: cfg.BackoffMax, BackoffReset: cfg.BackoffReset,
		ProbeSecond: cfg.ProbeSecond, LogLimit: cfg.LogLimit, Addressing: cfg.Addressing, FirstPodCIDR: cfg.FirstPodCIDR,
		Logger: cfg.Logger, WatchBuffer: cfg.WatchBuffer, History: cfg.History,
	})
	if err != nil {
		return nil, err
	}
	r.k = k
	return r, nil
}

// Register makes f the function that images "func://name" run. A later
// Register of the same name replaces it for runs that start afterwards;
// a container waiting because its function was missing starts at its next
// retry. name must be non-empty and contain no "/".
func (r *Runtime) Register(name string, f Func, opts ...Option) error {
	if rest, ok := strings.CutPrefix(name, Scheme); ok && rest != "" && !strings.Contains(rest, "/") {
		return fmt.Errorf("inproc: %w: Register: function name %q: register it as %q (the image %q names it)", ErrInvalid, name, rest, name)
	}
	if name == "" || strings.Contains(name, "/") {
		return fmt.Errorf("inproc: %w: Register: function name %q: want a non-empty name without /", ErrInvalid, name)
	}
	if f == nil {
		return fmt.Errorf("inproc: %w: Register(%q): nil function", ErrInvalid, name)
	}
	x := &fn{f: f}
	for _, o := range opts {
		o(x)
	}
	r.mu.Lock()
	r.funcs[name] = x
	r.mu.Unlock()
	return nil
}

// Image returns the image that runs the function registered as name:
// "func://" + name.
func Image(name string) string { return Scheme + name }

// starter starts runs for the kubelet core.
type starter struct{ r *Runtime }

func (s starter) Start(run *kubelet.Run) (kubelet.Handle, error) {
	r := s.r
	image := run.Container.Image
	name, ok := strings.CutPrefix(image, Scheme)
	if !ok || name == "" {
		return nil, &kubelet.StartError{Reason: kubelet.ReasonInvalidImageName,
			Err: fmt.Errorf("inproc: image %q: want %sNAME: %w", image, Scheme, ErrNoFunc)}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.funcs[name]
	if f == nil {
		return nil, &kubelet.StartError{Reason: kubelet.ReasonErrImagePull,
			Err: fmt.Errorf("inproc: image %q: no function registered as %q: %w", image, name, ErrNoFunc)}
	}
	run.WaitReady = f.waitReady
	ctx, cancel := context.WithCancel(context.Background())
	h := &handle{done: make(chan struct{}), gone: make(chan struct{}), cancel: cancel}
	env := kubelet.ExpandEnv(run.Env)
	c := &Container{run: run, env: env, args: kubelet.ExpandArgs(run.Container.Command, run.Container.Args, env)}
	r.live[h] = struct{}{}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		exit := call(ctx, f.f, c, h)
		r.mu.Lock()
		delete(r.live, h)
		r.mu.Unlock()
		h.finish(exit)
		close(h.gone)
	}()
	return h, nil
}

// call runs f and turns its outcome into an exit.
func call(ctx context.Context, f Func, c *Container, h *handle) (exit kubelet.Exit) {
	defer func() {
		if v := recover(); v != nil {
			msg := fmt.Sprintf("panic: %v", v)
			fmt.Fprintf(c.run.Log, "%s\n\n%s", msg, debug.Stack())
			exit = kubelet.Exit{ExitCode: 2, Reason: kubelet.ReasonError, Message: msg}
		}
	}()
	err := f(ctx, c)
	var ee *ExitError
	switch {
	case err == nil:
		return kubelet.Exit{}
	case errors.As(err, &ee):
		return kubelet.Exit{ExitCode: ee.Code}
	case h.stopAsked() && errors.Is(err, ctx.Err()):
		return kubelet.Exit{ExitCode: kubelet.ExitTerminated, Signal: kubelet.SIGTERM}
	default:
		fmt.Fprintf(c.run.Log, "error: %v\n", err)
		return kubelet.Exit{ExitCode: 1, Message: err.Error()}
	}
}

// handle is one run of a function.
type handle struct {
	done   chan struct{}
	gone   chan struct{} // closed when the function has returned
	cancel context.CancelFunc

	mu      sync.Mutex
	stopped bool
	exit    kubelet.Exit
	ended   bool
}

func (h *handle) finish(e kubelet.Exit) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ended {
		return
	}
	h.ended, h.exit = true, e
	close(h.done)
}

func (h *handle) stopAsked() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stopped
}

func (h *handle) Done() <-chan struct{} { return h.done }

// Gone is closed when the function has returned, which for one abandoned
// by Kill is after Done (kubelet.Lingerer).
func (h *handle) Gone() <-chan struct{} { return h.gone }

func (h *handle) Exit() kubelet.Exit {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.exit
}

// Stop cancels the function's context.
func (h *handle) Stop() {
	h.mu.Lock()
	h.stopped = true
	h.mu.Unlock()
	h.cancel()
}

// Kill abandons the function: it is reported killed (137, signal 9) now;
// its goroutine ends when it returns.
func (h *handle) Kill() {
	h.mu.Lock()
	h.stopped = true
	h.mu.Unlock()
	h.cancel()
	h.finish(kubelet.Exit{ExitCode: kubelet.ExitKilled, Signal: kubelet.SIGKILL, Reason: kubelet.ReasonError,
		Message: "killed: the function did not return before its grace period ended"})
}

// Wait waits for every function goroutine (abandoned ones included).
func (s starter) Wait(ctx context.Context) error {
	r := s.r
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		r.mu.Lock()
		n := len(r.live)
		r.mu.Unlock()
		return fmt.Errorf("inproc: shutdown: %d function(s) still running after their context was cancelled: %w", n, ctx.Err())
	}
}

// Container is what a Func gets: its pod's view of the world.
type Container struct {
	run  *kubelet.Run
	env  []string // run.Env, $(VAR) expanded
	args []string // command then args, $(VAR) expanded
}

// Name returns the container's name.
func (c *Container) Name() string { return c.run.Container.Name }

// Pod returns a copy of the pod the container runs in.
func (c *Container) Pod() *workload.Pod { return c.run.Pod.DeepCopy() }

// PodIP returns the pod's address (127.0.0.1 under shared addressing).
func (c *Container) PodIP() string { return c.run.PodIP }

// RestartCount returns how many times the container restarted before
// this run.
func (c *Container) RestartCount() int32 { return c.run.RestartCount }

// Env returns a copy of the container's environment, KEY=VALUE: HOSTNAME,
// POD_NAME, POD_NAMESPACE, POD_IP and NODE_NAME, then the spec's env in
// order, valueFrom resolved (it includes JOB_COMPLETION_INDEX for a pod
// of an Indexed Job). As the
// kubelet does, $(VAR) in a value is replaced by the value of an entry
// before it, $$ by $; an undefined reference stays as written.
func (c *Container) Env() []string { return slices.Clone(c.env) }

// LookupEnv returns the value of an environment variable (the last
// definition wins, as in Kubernetes) and whether it is set.
func (c *Container) LookupEnv(key string) (string, bool) {
	for i := len(c.env) - 1; i >= 0; i-- {
		if k, v, _ := strings.Cut(c.env[i], "="); k == key {
			return v, true
		}
	}
	return "", false
}

// Getenv returns the value of an environment variable, "" when unset.
func (c *Container) Getenv(key string) string {
	v, _ := c.LookupEnv(key)
	return v
}

// Args returns the container's command followed by its args, with
// $(VAR) expanded from the environment as the kubelet does.
func (c *Container) Args() []string { return slices.Clone(c.args) }

// Listen listens on port of the pod's address ("tcp"; port 0 picks a
// free port). Under shared addressing it listens on a free port of
// 127.0.0.1 that probes and Runtime.PodAddr map port to.
func (c *Container) Listen(network string, port int) (net.Listener, error) {
	return c.run.Listen(network, port)
}

// Stdout returns a writer into the container's log.
func (c *Container) Stdout() io.Writer { return c.run.Log }

// Stderr returns a writer into the container's log (interleaved with
// Stdout, as kubectl logs shows them).
func (c *Container) Stderr() io.Writer { return c.run.Log }

// Ready marks the container ready, for functions registered WaitForReady
// (otherwise it does nothing).
func (c *Container) Ready() { c.run.Ready() }

// List returns copies of the nodes and pods, sorted, and the version of
// that state; see workload.Runtime.
func (r *Runtime) List(ctx context.Context) ([]*workload.Node, []*workload.Pod, uint64, error) {
	return r.k.List(ctx)
}

// Watch streams node and pod changes after version; see workload.Runtime.
func (r *Runtime) Watch(ctx context.Context, version uint64) (workload.Watcher, error) {
	return r.k.Watch(ctx, version)
}

// CreatePod starts pod on its node: it gets its address and its
// containers start (init containers first). See workload.Runtime.
func (r *Runtime) CreatePod(ctx context.Context, pod *workload.Pod) error {
	return r.k.CreatePod(ctx, pod)
}

// DeletePod stops a pod: the contexts of its running functions are
// cancelled, functions still running when grace ends (no sooner than 2 s
// later, the kubelet's minimum, unless grace is 0) are abandoned and
// reported killed (137), then the pod is gone. A finished pod goes at
// once.
func (r *Runtime) DeletePod(ctx context.Context, namespace, name string, grace time.Duration) error {
	return r.k.DeletePod(ctx, namespace, name, grace)
}

// Logs returns what a container wrote; see workload.LogReader.
func (r *Runtime) Logs(ctx context.Context, namespace, pod, container string, previous bool) ([]byte, error) {
	return r.k.Logs(ctx, namespace, pod, container, previous)
}

// AddNode adds a node with the fake runtime's defaults (capacity, Ready,
// hostname/os/arch labels) and its own loopback /24 (127.1.i.0/24 for the
// i-th node).
func (r *Runtime) AddNode(node *workload.Node) error { return r.k.AddNode(node) }

// RemoveNode removes a node and, first, its pods (killed at once).
func (r *Runtime) RemoveNode(name string) error { return r.k.RemoveNode(name) }

// SetNodeReady sets the node's Ready condition.
func (r *Runtime) SetNodeReady(name string, ready bool) error { return r.k.SetNodeReady(name, ready) }

// SetEventSink sets where the runtime reports the kubelet's events that
// its pods' status does not show, probe failures (Unhealthy) and kills
// for a failed probe (Killing): see workload.EventReporter. A cluster
// over the runtime sets it to record them with its events.
func (r *Runtime) SetEventSink(sink func(workload.KubeletEvent)) { r.k.SetEventSink(sink) }

var _ workload.EventReporter = (*Runtime)(nil)

// UpdatePod applies an update of a running pod's spec, as the kubelet
// does: a container whose image changed is stopped and started again with
// it; see workload.PodUpdater. A cluster over the runtime calls it when a
// started pod's spec changes.
func (r *Runtime) UpdatePod(ctx context.Context, pod *workload.Pod) error {
	return r.k.UpdatePod(ctx, pod)
}

var _ workload.PodUpdater = (*Runtime)(nil)

// GetPod returns a copy of the pod as last reported.
func (r *Runtime) GetPod(namespace, name string) (*workload.Pod, error) {
	return r.k.GetPod(namespace, name)
}

// GetNode returns a copy of the node as last reported.
func (r *Runtime) GetNode(name string) (*workload.Node, error) { return r.k.GetNode(name) }

// PodAddr returns where port of the pod is reached (its IP and port, or
// the mapped port of 127.0.0.1 under shared addressing).
func (r *Runtime) PodAddr(namespace, name string, port int32) (netip.AddrPort, error) {
	return r.k.PodAddr(namespace, name, port)
}

// PodAddrShared reports whether pods share 127.0.0.1 with mapped ports
// (Config.Addressing) instead of having addresses of their own.
func (r *Runtime) PodAddrShared() bool { return r.k.SharedAddresses() }

// Shutdown stops the runtime: every function's context is cancelled and
// every run reported killed, every timer and probe stops and every watch
// ends. It returns when every goroutine of the runtime has returned,
// abandoned functions included, or with an error when ctx ends first.
func (r *Runtime) Shutdown(ctx context.Context) error { return r.k.Shutdown(ctx) }

// Close is Shutdown without a deadline: a function that ignores its
// context makes it wait until it returns.
func (r *Runtime) Close() { r.k.Close() }
