package process

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
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

// Errors of this package. Errors about nodes and pods the runtime does not
// have wrap workload.ErrNodeNotFound, workload.ErrPodExists and
// workload.ErrPodNotFound; every error names the object.
var (
	// ErrInvalid: bad input (nil object, empty name, bad Config field).
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
	// ErrUnsupported: New on a platform without Unix processes and
	// process groups (Windows, Plan 9, js, wasip1).
	ErrUnsupported = errors.New("process: OS processes as containers are not supported on this platform")
	// ErrNoCommand: a container with neither command nor args. Its
	// Waiting reason is CreateContainerError (there is no image to take
	// an entrypoint from); the start is retried with the crash-loop
	// back-off.
	ErrNoCommand = errors.New("process: no command")
	// ErrStart: the program could not be started (not found, not
	// executable, a workingDir that does not exist). The run ends at once,
	// Terminated with exit code 128 and reason StartError, as containerd
	// reports it, and goes through the restart policy.
	ErrStart = errors.New("process: start failed")
)

// Reasons this runtime reports, beyond the kubelet's.
const (
	// ReasonCreateContainerError is the Waiting reason of a container
	// with no command (ErrNoCommand).
	ReasonCreateContainerError = "CreateContainerError"
	// ReasonStartError is the Terminated reason of a run whose program
	// could not be started (ErrStart), with ExitStartError.
	ReasonStartError = "StartError"
	// ExitStartError is the exit code of such a run.
	ExitStartError = 128
)

// Defaults.
const (
	// DefaultLogFileLimit is the size at which a run's log file is
	// rotated (the kubelet's containerLogMaxSize, 10 MiB).
	DefaultLogFileLimit = 10 << 20
	// DefaultPath is the PATH of a container when neither Config.Env nor
	// the runtime's own environment gives one (containerd's default).
	DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	// outputDelay bounds how long the output of a run is still read
	// after its process group is gone (a process that left the group and
	// holds the pipe): then the pipe is closed.
	outputDelay = 2 * time.Second
)

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
	// platforms where only 127.0.0.1 answers (macOS, Windows); processes
	// get no port mapping, so pods listening on the same port collide.
	AddressingShared = kubelet.AddressingShared
)

// Config configures a Runtime. The zero value works: a runtime with no
// nodes on the real clock, logs kept in memory only.
type Config struct {
	// Clock drives back-offs, grace periods and probes. Nil means
	// vtime.Real(). The processes themselves run in real time whatever
	// the clock.
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
	// LogLimit bounds the bytes of each container run's output kept in
	// memory for Logs (zero: 1 MiB; the last bytes are kept).
	LogLimit int
	// LogDir, when set, also writes each run's output (stdout and stderr
	// interleaved, as written) to a file, as the kubelet's /var/log/pods:
	// LogDir/<namespace>_<pod>_<uid>/<container>/<restartCount>.log.
	// Files of runs before the previous one are removed when a run starts;
	// the directory of a deleted pod is left for the caller to clean.
	LogDir string
	// LogFileLimit is the size at which a run's log file is rotated: the
	// file is renamed to <restartCount>.log.1 (replacing an older one) and
	// a new one begins, so a run keeps at most twice the limit on disk.
	// Zero: DefaultLogFileLimit.
	LogFileLimit int64
	// Env is every container's environment before the pod's own (as an
	// image's ENV). Nil means PATH alone, from the runtime's environment
	// (DefaultPath when it has none); pass os.Environ() to inherit it all.
	Env []string
	// WorkingDir is where containers without a workingDir run, and what a
	// relative workingDir is relative to. Empty: the runtime's own
	// working directory.
	WorkingDir string
	// Addressing: per-pod loopback addresses (the default on Linux) or a
	// shared 127.0.0.1 (the default elsewhere), where pods listening on
	// the same port collide.
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

// Runtime runs containers as OS processes. Create one with New and Close
// it when done: Close kills every process group it started and reaps
// every process. It implements workload.Runtime and workload.LogReader and
// is safe for concurrent use.
type Runtime struct {
	k       *kubelet.Kubelet
	env     []string
	dir     string
	logDir  string
	logMax  int64
	logger  *slog.Logger
	wg      sync.WaitGroup // one reaper goroutine per process
	mu      sync.Mutex
	running map[int]struct{} // pids not reaped yet
}

// New returns a runtime with cfg.Nodes. On a platform without Unix
// processes it fails with ErrUnsupported.
func New(cfg Config) (*Runtime, error) {
	if !supported {
		return nil, ErrUnsupported
	}
	if cfg.LogFileLimit < 0 {
		return nil, fmt.Errorf("process: %w: Config.LogFileLimit: negative %d", ErrInvalid, cfg.LogFileLimit)
	}
	r := &Runtime{logDir: cfg.LogDir, logMax: cfg.LogFileLimit, logger: cfg.Logger, running: map[int]struct{}{}}
	if r.logMax == 0 {
		r.logMax = DefaultLogFileLimit
	}
	r.env = slices.Clone(cfg.Env)
	if cfg.Env == nil {
		path := os.Getenv("PATH")
		if path == "" {
			path = DefaultPath
		}
		r.env = []string{"PATH=" + path}
	}
	r.dir = cfg.WorkingDir
	if r.dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("process: Config.WorkingDir: empty, and the current directory: %w", err)
		}
		r.dir = wd
	}
	for _, e := range r.env {
		if k, _, ok := strings.Cut(e, "="); !ok || k == "" {
			return nil, fmt.Errorf("process: %w: Config.Env: entry %q: want KEY=VALUE", ErrInvalid, e)
		}
	}
	k, err := kubelet.New(kubelet.Config{
		Name: "process", Starter: starter{r}, Clock: cfg.Clock, Nodes: cfg.Nodes,
		BackoffBase: cfg.BackoffBase, BackoffMax: cfg.BackoffMax, BackoffReset: cfg.BackoffReset,
		ProbeSecond: cfg.ProbeSecond, LogLimit: cfg.LogLimit, Addressing: cfg.Addressing, ExecProbes: true, FirstPodCIDR: cfg.FirstPodCIDR,
		Logger: cfg.Logger, WatchBuffer: cfg.WatchBuffer, History: cfg.History,
	})
	if err != nil {
		return nil, err
	}
	r.k = k
	return r, nil
}

// Argv returns the command line a container runs: its command followed by
// its args, as Kubernetes combines them over an image whose entrypoint
// and cmd are empty (command replaces the entrypoint, args the cmd), with
// $(VAR) references expanded from env (KEY=VALUE entries, later ones
// winning): $(VAR) becomes VAR's value when env defines it and stays as
// written otherwise, and $$ is a literal $. A container with neither
// command nor args fails with ErrNoCommand.
func Argv(c *workload.Container, env []string) ([]string, error) {
	if len(c.Command) == 0 && len(c.Args) == 0 {
		return nil, fmt.Errorf("%w: container %q: set command (the program and its arguments) or args (args[0] is then the program); the image %q is not run", ErrNoCommand, c.Name, c.Image)
	}
	prog := ""
	if len(c.Command) > 0 {
		prog = c.Command[0]
	} else {
		prog = c.Args[0]
	}
	if prog == "" {
		return nil, fmt.Errorf("%w: container %q: empty program name", ErrNoCommand, c.Name)
	}
	return kubelet.ExpandArgs(c.Command, c.Args, env), nil
}

// envMap maps KEY=VALUE entries, the last definition winning.
func envMap(env []string) func(string) (string, bool) {
	m := make(map[string]string, len(env))
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		m[k] = v
	}
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// Expand expands $(VAR) references in s as Kubernetes does in command,
// args and env values: $(VAR) becomes lookup(VAR) when it is defined and
// stays as written otherwise; $$ becomes $; any other $ is kept.
func Expand(s string, lookup func(string) (string, bool)) string { return kubelet.Expand(s, lookup) }

// containerEnv returns the environment of a run: Config.Env, then the
// kubelet's (HOSTNAME, POD_NAME, POD_NAMESPACE, POD_IP, NODE_NAME, the spec's env)
// with $(VAR) in each value expanded from the entries before it, as
// Kubernetes expands dependent environment variables.
func (r *Runtime) containerEnv(runEnv []string) []string {
	return append(slices.Clip(r.env), kubelet.ExpandEnv(runEnv)...)
}

// workDir returns the directory a container runs in.
func (r *Runtime) workDir(c *workload.Container) string {
	switch {
	case c.WorkingDir == "":
		return r.dir
	case filepath.IsAbs(c.WorkingDir):
		return c.WorkingDir
	}
	return filepath.Join(r.dir, c.WorkingDir)
}

// lookPath finds prog as a shell would, in the PATH of env (a name with
// a / is used as it is, relative to dir).
func lookPath(prog, dir string, env []string) (string, error) {
	if strings.Contains(prog, "/") {
		if !filepath.IsAbs(prog) {
			prog = filepath.Join(dir, prog)
		}
		if err := executable(prog); err != nil {
			return "", err
		}
		return prog, nil
	}
	path, _ := envMap(env)("PATH")
	for _, d := range filepath.SplitList(path) {
		if d == "" {
			d = "."
		}
		if !filepath.IsAbs(d) {
			d = filepath.Join(dir, d)
		}
		p := filepath.Join(d, prog)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("exec: %q: executable file not found in $PATH", prog)
}

func executable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("exec: %s: is a directory", p)
	}
	if fi.Mode()&0o111 == 0 {
		return fmt.Errorf("exec: %s: permission denied", p)
	}
	return nil
}

// starter starts runs for the kubelet core.
type starter struct{ r *Runtime }

// Wait waits for every process the runtime started to be reaped.
func (s starter) Wait(ctx context.Context) error {
	r := s.r
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		r.mu.Lock()
		pids := make([]int, 0, len(r.running))
		for pid := range r.running {
			pids = append(pids, pid)
		}
		r.mu.Unlock()
		slices.Sort(pids)
		return fmt.Errorf("process: shutdown: processes %v not reaped yet: %w", pids, ctx.Err())
	}
}

func (r *Runtime) track(pid int, on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if on {
		r.running[pid] = struct{}{}
	} else {
		delete(r.running, pid)
	}
}

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
// containers start as processes (init containers first). See
// workload.Runtime.
func (r *Runtime) CreatePod(ctx context.Context, pod *workload.Pod) error {
	return r.k.CreatePod(ctx, pod)
}

// DeletePod stops a pod: the process group of each running container gets
// SIGTERM, and SIGKILL when grace ends, no sooner than 2 s later (the
// kubelet's minimum; at once for a grace of 0), then the pod is gone. A
// finished pod goes at once.
func (r *Runtime) DeletePod(ctx context.Context, namespace, name string, grace time.Duration) error {
	return r.k.DeletePod(ctx, namespace, name, grace)
}

// Logs returns what a container wrote to stdout and stderr, interleaved:
// the current run, or with previous the one before; see
// workload.LogReader.
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

// PodAddr returns where port of the pod is reached: its IP and port.
func (r *Runtime) PodAddr(namespace, name string, port int32) (netip.AddrPort, error) {
	return r.k.PodAddr(namespace, name, port)
}

// PodAddrShared reports whether pods share 127.0.0.1 (Config.Addressing)
// instead of having addresses of their own.
func (r *Runtime) PodAddrShared() bool { return r.k.SharedAddresses() }

// Shutdown stops the runtime: every process group is killed (SIGKILL) and
// reaped, every timer and probe stops and every watch ends. It returns
// when every goroutine and process of the runtime is gone, or with an
// error when ctx ends first.
func (r *Runtime) Shutdown(ctx context.Context) error { return r.k.Shutdown(ctx) }

// Close is Shutdown without a deadline.
func (r *Runtime) Close() { r.k.Close() }
