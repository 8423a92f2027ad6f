package fake

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/orchestra-go/orchestra/internal/eventlog"
	"github.com/orchestra-go/orchestra/internal/podstatus"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

var (
	_ workload.Runtime   = (*Runtime)(nil)
	_ workload.LogReader = (*Runtime)(nil)
)

// Errors of this package. Errors about nodes and pods the runtime does not
// have wrap workload.ErrNodeNotFound, workload.ErrPodExists and
// workload.ErrPodNotFound instead; every error names the object.
var (
	// ErrInvalid: bad input, such as a nil object, an empty name, a bad
	// behaviour rule in Config or a bad sim.orchestra.dev/* annotation.
	ErrInvalid = errors.New("fake: invalid")
	// ErrNodeExists: AddNode for a name the runtime already has.
	ErrNodeExists = errors.New("fake: node already exists")
	// ErrNoPodIP: CreatePod on a node whose pod CIDR has no free address.
	ErrNoPodIP = errors.New("fake: no free pod IP on node")
	// ErrContainerNotFound: KillContainer or Logs named a container the pod
	// does not have (or, for Logs, a run that did not happen).
	ErrContainerNotFound = errors.New("fake: container not found")
	// ErrContainerNotRunning: KillContainer for a container that is not
	// running now.
	ErrContainerNotRunning = errors.New("fake: container not running")
	// ErrClosed: a call after Close.
	ErrClosed = errors.New("fake: runtime closed")
	// ErrWatchStopped ends a watch after its Stop.
	ErrWatchStopped = errors.New("fake: watch stopped")
)

// Config configures a Runtime. The zero value works.
type Config struct {
	// Clock drives the containers. Nil means vtime.Real(). With a
	// *vtime.Virtual, every change happens inside the calls made to the
	// runtime and inside the clock's callbacks, on the goroutine that
	// advances the clock: runs are deterministic.
	Clock vtime.Clock
	// Seed seeds the UIDs the runtime gives nodes and pods created
	// without one. Nothing else in the fake is random.
	Seed int64
	// Behaviors are the behaviour rules of SCENARIO.md: the first that
	// matches a container decides how it runs.
	Behaviors []Behavior
	// PodCIDRBase is where node pod CIDRs come from: the i-th node added
	// (from 0) gets the i-th /24 from this address, unless its
	// spec.podCIDR is set. Default 10.244.0.0/16. Pod IPs are given from
	// .2 of the node's CIDR upwards, lowest free first, and released when
	// the pod is gone. Past the end of the prefix the /24s simply carry on.
	PodCIDRBase string
	// Hooks inject faults; see also SetHooks.
	Hooks Hooks
	// WatchBuffer bounds the changes queued for one watcher and not yet
	// read; past it the watch ends with an error wrapping
	// workload.ErrWatchExpired. Zero or less means DefaultWatchBuffer.
	WatchBuffer int
	// History is how many past changes the runtime keeps for Watch from
	// a version. Zero or less means DefaultHistory.
	History int
	// Logger receives a structured log of what the runtime does (pod and
	// node changes at Info, container starts and exits at Debug). Nil
	// means silent.
	Logger *slog.Logger
}

// Hooks inject faults into the Runtime's calls. A nil hook does nothing.
// Hooks are called without the runtime's lock held, before the call does
// anything: a hook that returns an error fails the call (wrapped with the
// object's reference) and nothing changes.
type Hooks struct {
	// FailCreate is called with a copy of the pod CreatePod was given.
	FailCreate func(pod *workload.Pod) error
	// FailDelete is called with DeletePod's arguments.
	FailDelete func(namespace, name string, grace time.Duration) error
	// FailList is called by List.
	FailList func() error
	// FailWatch is called by Watch with the version asked for.
	FailWatch func(version uint64) error
}

// Call is one call made to the Runtime, as Calls records it.
type Call struct {
	// Method is the method's name: "CreatePod", "AddNode", ...
	Method string
	// Ref names the object: "Pod/default/web-1", "Node/node-a"; "" for
	// List and Watch.
	Ref string
	// Time is the clock's time when the call returned.
	Time time.Time
	// Err is what the call returned.
	Err error
}

// Runtime is the fake in-memory runtime: a node registry and fake kubelets
// whose containers run on a clock as behaviour rules say. It implements
// workload.Runtime and workload.LogReader. It is safe for concurrent use
// and starts no goroutine of its own. Create one with New.
type Runtime struct {
	clock  vtime.Clock
	vclock *vtime.Virtual // clock, when it is virtual (arm)
	log    *slog.Logger

	mu        sync.Mutex
	rng       *rand.Rand
	closed    bool
	sink      func(workload.KubeletEvent) // SetEventSink's; nil: none
	hooks     Hooks
	rules     []*rule
	behaviors map[behaviorKey]*Behavior // the shared behaviours (behavior)
	cidrBase  uint32
	nodeSeq   uint32
	nodes     map[string]*nodeState
	pods      map[string]*podState // by namespace/name
	calls     [][]Call             // the record in chunks (record)
	first     [2]firstStatus       // without and with init containers
	conds     podstatus.Memo       // pods in lockstep share their conditions
	// The last Running and Terminated states made, shared by the
	// containers in lockstep (running, terminated).
	lastRunning    *workload.ContainerStateRunning
	lastTerminated *workload.ContainerStateTerminated
	// The last app container statuses reported, which pods in lockstep
	// share, and a list never reported, for the next copy (internStatuses).
	lastStatuses, spareStatuses []workload.ContainerStatus
	ctrEvents                   uint64

	// The versioned log (watch.go).
	events *eventlog.Log
}

// New returns a Runtime with no nodes and no pods. It fails with ErrInvalid
// when a behaviour rule or PodCIDRBase is bad.
func New(cfg Config) (*Runtime, error) {
	rules, err := compileRules(cfg.Behaviors)
	if err != nil {
		return nil, err
	}
	base := cfg.PodCIDRBase
	if base == "" {
		base = "10.244.0.0/16"
	}
	pfx, err := netip.ParsePrefix(base)
	if err != nil || !pfx.Addr().Is4() || pfx.Bits() > 24 {
		return nil, fmt.Errorf("%w: Config.PodCIDRBase: %q is not an IPv4 prefix of /24 or shorter", ErrInvalid, cfg.PodCIDRBase)
	}
	clk := cfg.Clock
	if clk == nil {
		clk = vtime.Real()
	}
	seed := uint64(cfg.Seed)
	vclock, _ := clk.(*vtime.Virtual)
	return &Runtime{
		clock:  clk,
		vclock: vclock,
		log:    cfg.Logger,
		rng:    rand.New(rand.NewPCG(seed, seed^0x6a09e667f3bcc908)),
		events: eventlog.New(eventlog.Config{
			Name: "fake", WatchBuffer: cfg.WatchBuffer, History: cfg.History,
			Stopped: ErrWatchStopped, Invalid: ErrInvalid,
		}),
		hooks:    cfg.Hooks,
		rules:    rules,
		cidrBase: ip4(pfx.Masked().Addr()),
		nodes:    map[string]*nodeState{},
		pods:     map[string]*podState{},
	}, nil
}

// Clock returns the clock the runtime's containers run on (Config.Clock,
// or the real clock). A cluster over the runtime must use the same one:
// orchestra.New refuses a fake runtime on another virtual clock.
func (r *Runtime) Clock() vtime.Clock {
	if r == nil {
		return nil
	}
	return r.clock
}

// SetHooks replaces the fault hooks.
func (r *Runtime) SetHooks(h Hooks) {
	r.mu.Lock()
	r.hooks = h
	r.mu.Unlock()
}

func (r *Runtime) getHooks() Hooks {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hooks
}

// Calls returns a copy of the record of every call made to the runtime
// since New or the last ResetCalls, in order. Read-only helpers (Calls,
// GetPod, GetNode, ContainerEvents) are not recorded.
func (r *Runtime) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.calls {
		n += len(c)
	}
	if n == 0 {
		return nil
	}
	out := make([]Call, 0, n)
	for _, c := range r.calls {
		out = append(out, c...)
	}
	return out
}

// ResetCalls empties the record of calls.
func (r *Runtime) ResetCalls() {
	r.mu.Lock()
	r.calls = nil
	r.mu.Unlock()
}

// ContainerEvents returns how many container starts and exits have
// happened since New.
func (r *Runtime) ContainerEvents() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ctrEvents
}

// callChunk is the size of the record's chunks past the first. The
// record of 150,000 pods' calls is kept in chunks rather than one slice,
// which append would copy over and over as it grew (five times the
// record's size in garbage) and leave up to a quarter unused.
const callChunk = 1024

// record appends a call to the record and returns err. Caller holds mu.
func (r *Runtime) record(method, ref string, err error) error {
	c := Call{Method: method, Ref: ref, Time: r.clock.Now(), Err: err}
	n := len(r.calls)
	switch {
	case n == 0:
		r.calls = append(r.calls, nil)
		n = 1
	case len(r.calls[n-1]) == cap(r.calls[n-1]) && cap(r.calls[n-1]) >= callChunk:
		// The first chunk grows by append up to callChunk; the next ones
		// are made at that size.
		r.calls = append(r.calls, make([]Call, 0, callChunk))
		n++
	}
	r.calls[n-1] = append(r.calls[n-1], c)
	return err
}

// recordUnlocked is record for callers that do not hold mu.
func (r *Runtime) recordUnlocked(method, ref string, err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.record(method, ref, err)
}

// Close stops every pending timer of the runtime. Afterwards no callback
// changes anything and every call fails with ErrClosed. It is idempotent.
func (r *Runtime) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	for _, p := range r.pods {
		for _, c := range p.all {
			c.stopTimers()
		}
		p.stopPodTimers()
	}
}

// begin checks ctx and Close for a call about to change state. Caller
// holds mu.
func (r *Runtime) begin(ctx context.Context) error {
	if r.closed {
		return ErrClosed
	}
	if ctx != nil {
		return ctx.Err()
	}
	return nil
}

// List returns copies of the nodes and pods the runtime has now, sorted by
// namespace and name, and the version of that state.
func (r *Runtime) List(ctx context.Context) ([]*workload.Node, []*workload.Pod, uint64, error) {
	if h := r.getHooks().FailList; h != nil {
		if err := h(); err != nil {
			return nil, nil, 0, r.recordUnlocked("List", "", fmt.Errorf("fake: list: %w", err))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin(ctx); err != nil {
		return nil, nil, 0, r.record("List", "", err)
	}
	nodes := make([]*workload.Node, 0, len(r.nodes))
	for _, n := range r.nodes {
		nodes = append(nodes, n.snap.DeepCopy())
	}
	slices.SortFunc(nodes, func(a, b *workload.Node) int { return strings.Compare(a.Name, b.Name) })
	pods := make([]*workload.Pod, 0, len(r.pods))
	for _, p := range r.pods {
		pods = append(pods, p.current().DeepCopy())
	}
	slices.SortFunc(pods, func(a, b *workload.Pod) int {
		return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name))
	})
	version := r.events.Version()
	r.record("List", "", nil)
	return nodes, pods, version, nil
}

// Watch streams every node and pod change after version (0: from now
// on). A version the runtime's history no longer reaches fails with an
// error wrapping workload.ErrWatchExpired; a watch that falls too far
// behind ends with one.
func (r *Runtime) Watch(ctx context.Context, version uint64) (workload.Watcher, error) {
	if h := r.getHooks().FailWatch; h != nil {
		if err := h(version); err != nil {
			return nil, r.recordUnlocked("Watch", "", fmt.Errorf("fake: watch: %w", err))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin(ctx); err != nil {
		return nil, r.record("Watch", "", err)
	}
	w, err := r.events.Watch(version)
	if err != nil {
		return nil, r.record("Watch", "", err)
	}
	r.record("Watch", "", nil)
	return w, nil
}

// GetPod returns a copy of the pod as the runtime reports it now.
func (r *Runtime) GetPod(namespace, name string) (*workload.Pod, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ns := normNS(namespace)
	p := r.pods[ns+"/"+name]
	if p == nil {
		return nil, fmt.Errorf("fake: %s: %w", podRef(ns, name), workload.ErrPodNotFound)
	}
	return p.current().DeepCopy(), nil
}

// GetNode returns a copy of the node as the runtime reports it now.
func (r *Runtime) GetNode(name string) (*workload.Node, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.nodes[name]
	if n == nil {
		return nil, fmt.Errorf("fake: Node/%s: %w", name, workload.ErrNodeNotFound)
	}
	return n.snap.DeepCopy(), nil
}

// newUID returns a random UUID (version 4) from the seeded generator.
// Caller holds mu.
func (r *Runtime) newUID() string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := r.rng.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
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

// logInfo logs at Info when a logger is set. The pod paths check r.log
// themselves before they build the arguments, so that a silent runtime
// boxes none.
func (r *Runtime) logInfo(msg string, args ...any) {
	if r.log != nil {
		r.log.Info(msg, args...)
	}
}

// debugOn reports whether Debug logs would be written; callers check it
// before building the arguments, so a silent runtime pays nothing.
func (r *Runtime) debugOn() bool {
	return r.log != nil && r.log.Enabled(context.Background(), slog.LevelDebug)
}
