package kubelet

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/orchestra-go/orchestra/internal/eventlog"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// Errors of the kubelet. Calls wrap them with the runtime's name and the
// object concerned; errors about nodes and pods the runtime does not have
// wrap workload.ErrNodeNotFound, workload.ErrPodExists and
// workload.ErrPodNotFound instead.
var (
	// ErrInvalid: bad input (nil object, empty name, bad Config field).
	ErrInvalid = errors.New("runtime: invalid")
	// ErrNodeExists: AddNode for a name the runtime already has.
	ErrNodeExists = errors.New("runtime: node already exists")
	// ErrNoPodIP: no free pod address on the node (or no address range
	// left for a new node).
	ErrNoPodIP = errors.New("runtime: no free pod IP")
	// ErrContainerNotFound: Logs named a container the pod does not have,
	// or a run that did not happen.
	ErrContainerNotFound = errors.New("runtime: container not found")
	// ErrClosed: a call after Close or Shutdown.
	ErrClosed = errors.New("runtime: closed")
	// ErrWatchStopped ends a watch after its Stop, or every watch at
	// Close.
	ErrWatchStopped = errors.New("runtime: watch stopped")
)

// Addressing says how pods get addresses.
type Addressing int

const (
	// AddressingAuto is AddressingPerPod on Linux and AddressingShared
	// elsewhere.
	AddressingAuto Addressing = iota
	// AddressingPerPod gives every pod its own address in 127.0.0.0/8:
	// node i (from 0) has 127.1.i.0/24 (the /24s carry on into 127.2.0.0
	// after 256 nodes), its host address is .1 and its pods get .2
	// upwards, lowest free first, released when the pod is gone. Linux
	// routes all of 127.0.0.0/8 to the loopback interface with no setup.
	AddressingPerPod
	// AddressingShared is the fallback for platforms where only 127.0.0.1
	// answers (macOS, Windows): every pod's IP is 127.0.0.1, and a
	// container listening on port p (Run.Listen) gets a free port instead,
	// which PodAddr and the probes map p to. Nodes still report their
	// 127.1.i.0/24 pod CIDR.
	AddressingShared
)

// Crash-loop back-off defaults, as the kubelet's.
const (
	DefaultBackoffBase  = 10 * time.Second
	DefaultBackoffMax   = 5 * time.Minute
	DefaultBackoffReset = 10 * time.Minute
	// DefaultLogLimit bounds the log kept per container run (the oldest
	// bytes go first).
	DefaultLogLimit = 1 << 20
)

// Config configures a Kubelet.
type Config struct {
	// Name prefixes errors and logs: "inproc", "process".
	Name string
	// Starter starts the container runs. Required.
	Starter Starter
	// Clock drives back-offs, grace periods and probes. Nil means
	// vtime.Real().
	Clock vtime.Clock
	// Nodes are added at New with AddNode's defaults.
	Nodes []string
	// BackoffBase is the crash-loop back-off before a container's second
	// restart (the first is immediate, as the kubelet's), doubling up to
	// BackoffMax; a run longer than BackoffReset starts the sequence
	// again. Zero means the kubelet's 10 s, 5 min and 10 min.
	BackoffBase, BackoffMax, BackoffReset time.Duration
	// ProbeSecond is how long one second of a probe's *Seconds fields
	// lasts. Zero means time.Second; tests shorten it.
	ProbeSecond time.Duration
	// LogLimit bounds the bytes kept per container run; zero means
	// DefaultLogLimit.
	LogLimit int
	// Addressing says how pods get addresses (default AddressingAuto).
	Addressing Addressing
	// FirstPodCIDR is the pod CIDR of the first node added, a /24 in
	// 127.0.0.0/8 (its address ends in .0); the i-th node gets the i-th
	// /24 from it. Invalid: zero means 127.1.0.0. Two runtimes on one
	// machine at once (two programs, test packages run in parallel) need
	// ranges apart, or their pods' listeners collide.
	FirstPodCIDR netip.Addr
	// ExecProbes says that the starter's handles implement Execer. Without
	// it a container with an exec probe does not start: it waits with
	// reason CreateContainerConfigError.
	ExecProbes bool
	// Logger receives a structured log (pods and nodes at Info, container
	// starts and exits at Debug, start failures at Warn). Nil: silent.
	Logger *slog.Logger
	// WatchBuffer and History bound the watch queues and history, as in
	// package fake (zero: the eventlog defaults).
	WatchBuffer, History int
}

// Kubelet is the node side of a real runtime: a node registry, pod
// addresses, the container state machine over a Starter, restart policies,
// crash-loop back-off, graceful deletion, probes and logs. It implements
// workload.Runtime and workload.LogReader and is safe for concurrent use.
type Kubelet struct {
	name    string
	starter Starter
	clock   vtime.Clock
	log     *slog.Logger
	shared  bool
	execOK  bool
	base    time.Duration
	maxBack time.Duration
	reset   time.Duration
	probeS  time.Duration
	logMax  int
	events  *eventlog.Log

	ctx    context.Context // cancelled by Shutdown: ends probes in flight
	cancel context.CancelFunc
	wg     sync.WaitGroup // goroutines the kubelet owns

	cidr0 uint32 // FirstPodCIDR

	mu      sync.Mutex
	closed  bool
	sink    func(workload.KubeletEvent) // SetEventSink's; nil: none
	nodeSeq uint32
	nodes   map[string]*nodeState
	pods    map[string]*podState

	portMu sync.Mutex
	ports  map[string]map[int32]int32 // pod key -> container port -> real port (shared addressing)
}

// New returns a Kubelet with the configured nodes.
func New(cfg Config) (*Kubelet, error) {
	if cfg.Name == "" {
		cfg.Name = "kubelet"
	}
	if cfg.Starter == nil {
		return nil, fmt.Errorf("%s: %w: Config.Starter: required", cfg.Name, ErrInvalid)
	}
	for name, d := range map[string]time.Duration{"BackoffBase": cfg.BackoffBase, "BackoffMax": cfg.BackoffMax, "BackoffReset": cfg.BackoffReset, "ProbeSecond": cfg.ProbeSecond} {
		if d < 0 {
			return nil, fmt.Errorf("%s: %w: Config.%s: negative duration %v", cfg.Name, ErrInvalid, name, d)
		}
	}
	if cfg.LogLimit < 0 {
		return nil, fmt.Errorf("%s: %w: Config.LogLimit: negative %d", cfg.Name, ErrInvalid, cfg.LogLimit)
	}
	cidr0 := uint32(loopbackNodes)
	if a := cfg.FirstPodCIDR; a.IsValid() {
		var b [4]byte
		if a.Is4() {
			b = a.As4()
		}
		if b[0] != 127 || b[3] != 0 || b == [4]byte{127, 0, 0, 0} {
			return nil, fmt.Errorf("%s: %w: Config.FirstPodCIDR: %s is not the start of a /24 in 127.0.0.0/8 other than 127.0.0.0", cfg.Name, ErrInvalid, a)
		}
		cidr0 = uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8
	}
	k := &Kubelet{
		name:    cfg.Name,
		starter: cfg.Starter,
		clock:   cmp.Or[vtime.Clock](cfg.Clock, vtime.Real()),
		log:     cfg.Logger,
		execOK:  cfg.ExecProbes,
		base:    cmp.Or(cfg.BackoffBase, DefaultBackoffBase),
		maxBack: cmp.Or(cfg.BackoffMax, DefaultBackoffMax),
		reset:   cmp.Or(cfg.BackoffReset, DefaultBackoffReset),
		probeS:  cmp.Or(cfg.ProbeSecond, time.Second),
		logMax:  cmp.Or(cfg.LogLimit, DefaultLogLimit),
		cidr0:   cidr0,
		nodes:   map[string]*nodeState{},
		pods:    map[string]*podState{},
		ports:   map[string]map[int32]int32{},
		events: eventlog.New(eventlog.Config{Name: cfg.Name, WatchBuffer: cfg.WatchBuffer, History: cfg.History,
			Stopped: ErrWatchStopped, Invalid: ErrInvalid}),
	}
	if k.maxBack < k.base {
		k.maxBack = k.base
	}
	switch cfg.Addressing {
	case AddressingAuto:
		k.shared = runtime.GOOS != "linux"
	case AddressingPerPod:
	case AddressingShared:
		k.shared = true
	default:
		return nil, fmt.Errorf("%s: %w: Config.Addressing: unknown value %d", cfg.Name, ErrInvalid, cfg.Addressing)
	}
	k.ctx, k.cancel = context.WithCancel(context.Background())
	for _, n := range cfg.Nodes {
		if err := k.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: n}}); err != nil {
			k.cancel()
			return nil, err
		}
	}
	return k, nil
}

var _ workload.EventReporter = (*Kubelet)(nil)

// SetEventSink sets where the kubelet reports the events that its pods'
// status does not show (workload.EventReporter): Warning Unhealthy
// "<Liveness|Readiness|Startup> probe failed: <output>" for every probe
// that fails, "<Kind> probe errored and resulted in unknown state:
// <error>" for every one that cannot be made (it gives no result), and
// Normal Killing "Container <name> failed liveness probe, will be
// restarted" (no ", will be restarted" under restartPolicy Never; "Init
// container <name> failed ..." for a sidecar; "startup probe" alike) when
// a probe's failureThreshold is reached, as the kubelet's prober and
// computePodActions word them. The sink is called with the kubelet's lock
// held. Nil stops the reports.
func (k *Kubelet) SetEventSink(sink func(workload.KubeletEvent)) {
	k.mu.Lock()
	k.sink = sink
	k.mu.Unlock()
}

// event reports an event about c's pod to the sink. Caller holds mu.
func (k *Kubelet) event(c *container, typ, reason, msg string) {
	if k.sink == nil {
		return
	}
	m := &c.p.snap.ObjectMeta
	k.sink(workload.KubeletEvent{Namespace: m.Namespace, Name: m.Name, UID: m.UID, Container: c.spec.Name,
		Type: typ, Reason: reason, Message: msg})
}

// SharedAddresses reports whether pods share 127.0.0.1 (AddressingShared).
func (k *Kubelet) SharedAddresses() bool { return k.shared }

// begin checks Close and ctx. Caller holds mu.
func (k *Kubelet) begin(ctx context.Context) error {
	if k.closed {
		return fmt.Errorf("%s: %w", k.name, ErrClosed)
	}
	if ctx != nil {
		return ctx.Err()
	}
	return nil
}

// goLocked runs f on a goroutine the kubelet owns, unless it is closed.
// Caller holds mu.
func (k *Kubelet) goLocked(f func()) {
	if k.closed {
		return
	}
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		f()
	}()
}

// after calls f with mu held after d, unless the kubelet is closed by
// then.
func (k *Kubelet) after(d time.Duration, f func()) vtime.Timer {
	return k.clock.AfterFunc(d, func() {
		k.mu.Lock()
		defer k.mu.Unlock()
		if k.closed {
			return
		}
		f()
	})
}

// List returns copies of the nodes and pods, sorted by namespace and
// name, and the version of that state.
func (k *Kubelet) List(ctx context.Context) ([]*workload.Node, []*workload.Pod, uint64, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.begin(ctx); err != nil {
		return nil, nil, 0, err
	}
	nodes := make([]*workload.Node, 0, len(k.nodes))
	for _, n := range k.nodes {
		nodes = append(nodes, n.snap.DeepCopy())
	}
	slices.SortFunc(nodes, func(a, b *workload.Node) int { return strings.Compare(a.Name, b.Name) })
	pods := make([]*workload.Pod, 0, len(k.pods))
	for _, p := range k.pods {
		pods = append(pods, p.snap.DeepCopy())
	}
	slices.SortFunc(pods, func(a, b *workload.Pod) int {
		return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name))
	})
	return nodes, pods, k.events.Version(), nil
}

// Watch streams every node and pod change after version (0: from now
// on); see workload.Runtime.
func (k *Kubelet) Watch(ctx context.Context, version uint64) (workload.Watcher, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.begin(ctx); err != nil {
		return nil, err
	}
	return k.events.Watch(version)
}

// GetPod returns a copy of the pod as last reported.
func (k *Kubelet) GetPod(namespace, name string) (*workload.Pod, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	ns := normNS(namespace)
	p := k.pods[ns+"/"+name]
	if p == nil {
		return nil, fmt.Errorf("%s: %s: %w", k.name, podRef(ns, name), workload.ErrPodNotFound)
	}
	return p.snap.DeepCopy(), nil
}

// PodAddr returns the address where port of the pod is reached: the pod's
// IP and port, or under AddressingShared 127.0.0.1 and the port its
// container really listens on (Run.Listen). It fails with an error
// wrapping workload.ErrPodNotFound.
func (k *Kubelet) PodAddr(namespace, name string, port int32) (netip.AddrPort, error) {
	k.mu.Lock()
	ns := normNS(namespace)
	p := k.pods[ns+"/"+name]
	var ip string
	if p != nil {
		ip = p.status.PodIP
	}
	k.mu.Unlock()
	if p == nil {
		return netip.AddrPort{}, fmt.Errorf("%s: %s: %w", k.name, podRef(ns, name), workload.ErrPodNotFound)
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%s: %s: pod IP %q: %w", k.name, podRef(ns, name), ip, ErrInvalid)
	}
	return netip.AddrPortFrom(a, uint16(k.realPort(ns+"/"+name, port))), nil
}

func (k *Kubelet) mapPort(key string, port, real int32) {
	k.portMu.Lock()
	defer k.portMu.Unlock()
	m := k.ports[key]
	if m == nil {
		m = map[int32]int32{}
		k.ports[key] = m
	}
	m[port] = real
}

func (k *Kubelet) realPort(key string, port int32) int32 {
	if !k.shared {
		return port
	}
	k.portMu.Lock()
	defer k.portMu.Unlock()
	if r, ok := k.ports[key][port]; ok {
		return r
	}
	return port
}

func (k *Kubelet) dropPorts(key string) {
	k.portMu.Lock()
	delete(k.ports, key)
	k.portMu.Unlock()
}

// Close is Shutdown without a deadline: it returns when every run has
// ended, which for a starter that abandons runs (inproc) means when every
// abandoned function has returned.
func (k *Kubelet) Close() { _ = k.Shutdown(context.Background()) }

// Shutdown stops the kubelet: every timer is stopped, every run killed,
// every watch ended (ErrWatchStopped); later calls fail with ErrClosed.
// It returns once every goroutine the kubelet started has returned and
// the starter (if it is a Waiter) has waited for its own, or with ctx's
// error. Pods are not reported deleted: the runtime is gone.
func (k *Kubelet) Shutdown(ctx context.Context) error {
	k.mu.Lock()
	if !k.closed {
		k.closed = true
		k.cancel()
		for _, p := range k.pods {
			p.stopPodTimers()
			for _, c := range p.all {
				c.stopTimers()
				if c.h != nil {
					c.h.Kill()
				}
			}
		}
	}
	k.mu.Unlock()
	k.events.Close(fmt.Errorf("%s: %w", k.name, ErrWatchStopped))
	done := make(chan struct{})
	go func() { k.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("%s: shutdown: %w", k.name, ctx.Err())
	}
	if w, ok := k.starter.(Waiter); ok {
		return w.Wait(ctx)
	}
	return nil
}

// newUID returns a random UUID (version 4).
func newUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func normNS(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}

func podRef(ns, name string) string { return "Pod/" + ns + "/" + name }

func (k *Kubelet) logInfo(msg string, args ...any) {
	if k.log != nil {
		k.log.Info(msg, append([]any{"runtime", k.name}, args...)...)
	}
}

func (k *Kubelet) logDebug(msg string, args ...any) {
	if k.log != nil {
		k.log.Debug(msg, append([]any{"runtime", k.name}, args...)...)
	}
}

func (k *Kubelet) logWarn(msg string, args ...any) {
	if k.log != nil {
		k.log.Warn(msg, append([]any{"runtime", k.name}, args...)...)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
