package orchestra

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// Config configures a Cluster. The zero value works: a fake runtime on the
// real clock.
type Config struct {
	// Runtime runs the pods. Nil means a new fake.Runtime on the
	// cluster's clock and seed (see Cluster.Fake).
	Runtime workload.Runtime
	// Clock is the cluster's time source. Nil means the real clock, driven
	// by Run. A *vtime.Virtual makes a virtual-time cluster, driven by
	// Advance and RunUntil; start it at a real date, not at the zero time
	// (see vtime.NewVirtual). A runtime passed as Runtime (fake, inproc,
	// process) must have been made on the same virtual clock (its
	// Config.Clock), or under a clock that is not virtual, on one that is
	// not virtual either (see New).
	Clock vtime.Clock
	// Seed seeds every random choice: UIDs, name suffixes, scheduler tie
	// breaks, picker offsets. Same inputs and seed, same event log.
	Seed int64
	// Logger receives structured logs. Nil: silent.
	Logger *slog.Logger
	// MaxEvents bounds the Event objects kept (controller.DefaultMaxEvents
	// when zero).
	MaxEvents int
	// Controllers, when not nil, replaces the default set of controllers
	// (every controller orchestra has). Each function makes one controller.
	Controllers []func(controller.Deps) controller.Controller
	// Services configures the service layer: the ClusterIP and node port
	// ranges, the resolver's domain and the optional TCP proxy (see
	// service.Config). The zero value works. On a real runtime with the
	// proxy, a loopback ServiceCIDR (service.Config{ServiceCIDR:
	// "127.2.0.0/16", Proxy: &service.ProxyConfig{}}) makes the proxy
	// listen on each ClusterIP:port, so that clients dial the address the
	// resolver gives them; with the default 10.96.0.0/12 the proxy listens
	// on ports of 127.0.0.1 that Proxy.Addr tells.
	Services service.Config
}

// Cluster is an in-process Kubernetes-like cluster: a store of API
// objects, the scheduler, the controllers and the service layer over one
// workload.Runtime. See the package documentation.
//
// Its methods are safe for concurrent use, except that Advance, RunUntil
// and Run must not be called concurrently with each other.
type Cluster struct {
	cfg     Config
	clock   vtime.Clock
	virtual *vtime.Virtual
	logger  *slog.Logger
	store   *store.Store
	rt      workload.Runtime
	fake    *fake.Runtime
	rec     *controller.Recorder
	deps    controller.Deps

	// kubelet runs the node side (starting and stopping pods on the
	// runtime) and never stops; plane runs the control plane (scheduler,
	// controllers), which StopControlPlane stops.
	kubelet *controller.Manager
	bridge  *kubelet // the kubelet Manager's controller
	plane   *controller.Manager
	mirror  *runtimeMirror

	services *service.Layer

	obsMu     sync.Mutex
	observers []func(store.Event)
	obsWatch  *store.Watcher
	obsBatch  []store.Event // notify's buffer, empty between calls; only the driving loop uses it

	loopMu sync.Mutex // held while the loop runs (Advance/RunUntil/Run)

	// pendMu guards the work other goroutines hand to a running loop
	// (onLoop), whether a loop runs, and how to end Run.
	pendMu    sync.Mutex
	pending   []func()
	looping   bool
	closing   bool
	runCancel context.CancelFunc // of the Run that drives the cluster
	runSem    chan struct{}      // held by the Run that drives the cluster
	closeCh   chan struct{}      // closed when Close begins (wakes WaitFor)
	settled   settleSignal       // each time the loop has done all the ready work (WaitFor)
	kick      chan struct{}
	started   bool
	closed    bool

	// planeUp is whether the control plane runs (plane.Running), set on
	// the loop with each Start and Stop: ControlPlaneRunning reads it
	// without waiting for the loop.
	planeUp atomic.Bool
}

// New returns a cluster. It lists the runtime's nodes and pods into the
// store before returning. A runtime that tells its clock (the Clock method
// of the fake, inproc and process runtimes) must run on the cluster's: a
// runtime on a *vtime.Virtual that is not Config.Clock, or on a clock that
// is not virtual under a virtual Config.Clock, is an error wrapping
// workload.ErrInvalid that names Config.Clock. So is a Clock or Runtime
// that is a nil pointer (a var c *vtime.Virtual never assigned), and a nil
// function in Controllers, or one that makes a nil controller, naming the
// field.
func New(cfg Config) (*Cluster, error) {
	if err := checkConfig(&cfg); err != nil {
		return nil, err
	}
	c := &Cluster{cfg: cfg, kick: make(chan struct{}, 1), runSem: make(chan struct{}, 1), closeCh: make(chan struct{})}
	c.clock = cfg.Clock
	if c.clock == nil {
		c.clock = vtime.Real()
	}
	if v, ok := c.clock.(*vtime.Virtual); ok {
		c.virtual = v
	}
	c.logger = cfg.Logger
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	// A large watch buffer: the cluster's own watchers are drained by its
	// loop between steps, and a step can write hundreds of thousands of
	// objects (a burst of Deployments), which must not end a watch and
	// force every controller to list everything again.
	c.store = store.New(store.Config{Clock: c.clock, Seed: cfg.Seed, Admit: admit, Stamp: stamp, WatchBuffer: clusterWatchBuffer})
	c.rt = cfg.Runtime
	if err := checkRuntimeClock(c.rt, c.virtual); err != nil {
		return nil, err
	}
	if c.rt == nil {
		f, err := fake.New(fake.Config{Clock: c.clock, Seed: cfg.Seed, Logger: c.logger, WatchBuffer: clusterWatchBuffer})
		if err != nil {
			return nil, err
		}
		c.fake, c.rt = f, f
	} else if f, ok := c.rt.(*fake.Runtime); ok {
		c.fake = f
	}
	c.rec = controller.NewRecorder(c.store, c.clock, c.logger)
	c.rec.Max = cfg.MaxEvents
	if er, ok := c.rt.(workload.EventReporter); ok {
		er.SetEventSink(c.kubeletEvent)
	}
	c.deps = controller.Deps{Store: c.store, Clock: c.clock, Events: c.rec, Logger: c.logger, Seed: cfg.Seed}

	if err := c.newServices(); err != nil {
		return nil, err
	}
	c.mirror = newRuntimeMirror(c)
	if err := c.mirror.start(context.Background()); err != nil {
		return nil, fmt.Errorf("orchestra: listing the runtime: %w", err)
	}
	c.bridge = newKubelet(c)
	c.kubelet = controller.NewManager(c.deps, c.bridge)
	if err := c.kubelet.Start(); err != nil {
		return nil, err
	}
	makers := cfg.Controllers
	if makers == nil {
		makers = DefaultControllers()
	}
	ctrls := []controller.Controller{newBinder(c), service.NewEndpointsController(c.services, c.deps), service.NewMirroringController(c.deps), service.NewEndpointsV1Controller(c.deps)}
	for i, mk := range makers {
		ctl := mk(c.deps)
		if ctl == nil || isNilPointer(ctl) {
			c.plane = controller.NewManager(c.deps) // nothing started: Close stops the rest
			c.Close()
			return nil, fmt.Errorf("orchestra: new: Config.Controllers[%d] made a nil controller: %w", i, workload.ErrInvalid)
		}
		ctrls = append(ctrls, ctl)
	}
	c.plane = controller.NewManager(c.deps, ctrls...)
	if err := c.plane.Start(); err != nil {
		return nil, err
	}
	c.planeUp.Store(true)
	return c, nil
}

// checkRuntimeClock refuses a runtime that tells its clock (the fake,
// inproc and process runtimes do) when that clock and the cluster's are not the same virtual
// clock, or not both real: playing the cluster's virtual time would then
// never move the runtime's containers (or the runtime's virtual time would
// never move at all).
// checkConfig refuses what New cannot work with: a Clock or Runtime that is
// a nil pointer in a non-nil interface (a *vtime.Virtual never assigned),
// and a nil function in Controllers.
func checkConfig(cfg *Config) error {
	if cfg.Clock != nil && isNilPointer(cfg.Clock) {
		return fmt.Errorf("orchestra: new: Config.Clock is a nil %T (leave it nil for the real clock, or pass vtime.NewVirtual(start)): %w", cfg.Clock, workload.ErrInvalid)
	}
	if cfg.Runtime != nil && isNilPointer(cfg.Runtime) {
		return fmt.Errorf("orchestra: new: Config.Runtime is a nil %T (leave it nil for a fake runtime): %w", cfg.Runtime, workload.ErrInvalid)
	}
	for i, mk := range cfg.Controllers {
		if mk == nil {
			return fmt.Errorf("orchestra: new: Config.Controllers[%d] is nil: %w", i, workload.ErrInvalid)
		}
	}
	return nil
}

// isNilPointer reports whether v holds a nil pointer (a typed nil).
func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

func checkRuntimeClock(rt workload.Runtime, virtual *vtime.Virtual) error {
	rc, ok := rt.(interface{ Clock() vtime.Clock })
	if !ok {
		return nil
	}
	clk := rc.Clock()
	if clk == nil {
		return nil
	}
	rv, _ := clk.(*vtime.Virtual)
	if rv == virtual {
		return nil
	}
	var what string
	switch {
	case virtual == nil:
		what = "Config.Clock is the real clock (nil or not a *vtime.Virtual) but the runtime runs on a *vtime.Virtual: pass the runtime's clock as Config.Clock"
	case rv == nil:
		what = "Config.Clock is a *vtime.Virtual but the runtime runs on the real clock: give the runtime the same clock (its Config.Clock: fake, inproc or process)"
	default:
		what = "Config.Clock and the runtime's clock are two different *vtime.Virtual: give both the same clock"
	}
	return fmt.Errorf("orchestra: new: %s: %w", what, workload.ErrInvalid)
}

// Store returns the cluster's object store (the API server). Writing to it
// directly skips defaulting and validation; prefer Apply.
func (c *Cluster) Store() *store.Store { return c.store }

// Runtime returns the runtime the cluster drives.
func (c *Cluster) Runtime() workload.Runtime { return c.rt }

// Fake returns the fake runtime when the cluster runs on one, else nil.
func (c *Cluster) Fake() *fake.Runtime { return c.fake }

// Clock returns the cluster's clock.
func (c *Cluster) Clock() vtime.Clock { return c.clock }

// Now returns the cluster's current time.
func (c *Cluster) Now() time.Time { return c.clock.Now() }

// Recorder returns the cluster's event recorder.
func (c *Cluster) Recorder() *controller.Recorder { return c.rec }

// kubeletEvent records an event the runtime's kubelet reports
// (workload.EventReporter) about one of its pods.
func (c *Cluster) kubeletEvent(e workload.KubeletEvent) {
	p := &workload.Pod{ObjectMeta: workload.ObjectMeta{Namespace: e.Namespace, Name: e.Name, UID: e.UID}}
	c.rec.Event(p, e.Type, e.Reason, e.Message)
}

// ErrNotVirtual is returned by Advance, AdvanceTo and RunUntil on a cluster whose
// clock is not a *vtime.Virtual, and ErrVirtual by Run on one whose clock
// is.
var (
	ErrNotVirtual = errors.New("orchestra: the cluster does not run on a virtual clock (Config.Clock nil is the real clock: pass vtime.NewVirtual(start) for virtual time, or drive it with Run and WaitFor)")
	ErrVirtual    = errors.New("orchestra: the cluster runs on a virtual clock; use Advance or RunUntil")
	// ErrClosed is returned by Run, Advance, RunUntil, Apply, Create,
	// Update, Scale, RolloutRestart, RolloutUndo, Delete, DeletePod and
	// StartControlPlane on a closed cluster.
	ErrClosed = errors.New("orchestra: the cluster is closed")
)

// Apply creates obj, or updates the object of the same kind, namespace and
// name: the applied spec, labels and annotations replace the stored ones
// (the status is kept). obj is defaulted and validated first; an invalid
// object changes nothing and the error (wrapping workload.ErrInvalid)
// names every bad field. On a fake runtime, the fake's sim.orchestra.dev/*
// behaviour annotations of a pod or pod template are checked too
// (fake.ValidateObject). A Service whose type changes loses the fields of
// its old type that it keeps unchanged (node ports, clusterIP,
// externalTrafficPolicy), as the API server clears them
// (service.DropTypeDependentFields). A Node that the runtime does not
// report is a Node object without a kubelet: it is marked Unknown and
// tainted unreachable and runs no pods (see DESIGN.md, the runtime seam);
// nodes that run pods come from the runtime (fake.Runtime.AddNode). It
// returns the stored object.
//
// Apply is not an optimistic-concurrency update: obj's resourceVersion is
// not compared with the stored one, and the last Apply wins, as a `kubectl
// apply` of a manifest that carries no resourceVersion does. So an object
// read with Get, changed and applied never conflicts, even if a controller
// has written its status (or another goroutine its spec) since; where
// Kubernetes' Update would return a Conflict, Apply overwrites. A uid, when
// obj has one, must be the stored object's: an object read before it was
// deleted and created again is refused (metadata.uid is immutable).
func (c *Cluster) Apply(obj workload.Object) (workload.Object, error) {
	return c.write(obj, verbApply)
}

// Create stores obj as a new object, as client-go's Create: defaulted and
// validated as by Apply, and refused with an error wrapping
// store.ErrAlreadyExists (naming the object) when an object of that kind,
// namespace and name is stored. An empty name with generateName gets a
// generated one. obj must not carry a resourceVersion (store.ErrInvalid,
// as the API server's "resourceVersion should not be set on objects to be
// created"). It returns the stored object.
func (c *Cluster) Create(obj workload.Object) (workload.Object, error) {
	return c.write(obj, verbCreate)
}

// Update replaces the stored object of obj's kind, namespace and name, as
// client-go's Update: defaulted and validated as by Apply; the spec,
// labels, annotations, owner references and finalizers are obj's (nil
// ones clear them, where Apply keeps the stored ones); the status is kept.
// It is an optimistic-concurrency write: when obj carries a
// resourceVersion other than the stored one (the object changed since it
// was read, its status included), nothing changes and the error wraps
// store.ErrConflict, as Kubernetes' 409 Conflict ("the object has been
// modified; please apply your changes to the latest version and try
// again"): Get the object again, change it and retry. An obj with no
// resourceVersion is written whatever the stored one is (an
// unconditional update). An object that is not stored is an error
// wrapping store.ErrNotFound. It returns the stored object.
func (c *Cluster) Update(obj workload.Object) (workload.Object, error) {
	return c.write(obj, verbUpdate)
}

// writeVerb is how write stores an object: Apply, Create or Update.
type writeVerb uint8

const (
	verbApply writeVerb = iota
	verbCreate
	verbUpdate
)

func (v writeVerb) String() string {
	return [...]string{"apply", "create", "update"}[v]
}

// write is Apply, Create and Update.
func (c *Cluster) write(obj workload.Object, verb writeVerb) (workload.Object, error) {
	if workload.IsNil(obj) {
		return nil, fmt.Errorf("orchestra: %s: nil object: %w", verb, workload.ErrInvalid)
	}
	if c.isClosed() {
		o := obj.DeepCopyObject()
		workload.Default(o) // the namespace the error names
		return nil, fmt.Errorf("%s %s: %w", verb, workload.Ref(o), ErrClosed)
	}
	// A retry (a write that conflicted, a create that found the object
	// created meanwhile) starts again from the caller's object, not from
	// the copy below, into which the object read was merged (its uid,
	// creationTimestamp, system fields, owner references, finalizers),
	// which may since have been deleted and created again.
	in := obj
	obj = obj.DeepCopyObject()
	// The status is the system's: an applied manifest's status (say, one
	// saved with kubectl get -o yaml) is dropped, as the API server does.
	if fresh := workload.New(obj.Kind()); fresh != nil {
		workload.CopyStatus(obj, fresh)
	}
	workload.Default(obj)
	m := obj.GetObjectMeta()
	if verb == verbUpdate && m.Name == "" {
		return nil, fmt.Errorf("orchestra: update %s: metadata.name: Required value: the object to update must be named: %w", workload.Ref(obj), workload.ErrInvalid)
	}
	c.dropServiceFields(obj)
	if err := workload.Validate(obj); err != nil {
		return nil, err
	}
	if c.fake != nil {
		// The fake runtime's behaviour annotations: refused here, with the
		// object and the field, rather than ignored (a typo in the key) or
		// refused by the runtime at every pod creation (a bad value).
		if err := fake.ValidateObject(obj); err != nil {
			return nil, err
		}
	}
	defer c.wake()
	if m.Name == "" {
		if err := validateNew(obj); err != nil {
			return nil, err
		}
		stampTemplateGeneration(obj, nil)
		return c.createObject(obj)
	}
	old, err := c.store.Get(obj.Kind(), m.Namespace, m.Name)
	if errors.Is(err, store.ErrNotFound) && verb != verbUpdate {
		if err := validateNew(obj); err != nil {
			return nil, err
		}
		stampTemplateGeneration(obj, nil)
		out, err := c.createObject(obj)
		if verb == verbApply && errors.Is(err, store.ErrAlreadyExists) {
			return c.write(in, verb)
		}
		return out, err
	}
	if err != nil {
		return nil, err
	}
	if verb == verbCreate {
		return nil, &store.Error{Err: store.ErrAlreadyExists, Ref: workload.Ref(obj)}
	}
	om := old.GetObjectMeta()
	rv := ""
	if verb == verbUpdate {
		if rv = m.ResourceVersion; rv != "" && rv != om.ResourceVersion {
			return nil, conflict(obj, rv, om.ResourceVersion)
		}
	}
	keepSystemFields(obj, old)
	keepServiceFields(obj, old)
	c.keepNodeFields(obj, old)
	if m.UID == "" { // an applied manifest has none: it names the stored object
		m.UID, m.CreationTimestamp = om.UID, om.CreationTimestamp
	}
	if err := workload.ValidateUpdate(obj, old); err != nil {
		return nil, err
	}
	m.UID = om.UID
	m.ResourceVersion = om.ResourceVersion
	m.CreationTimestamp = om.CreationTimestamp
	m.DeletionTimestamp = om.DeletionTimestamp
	m.DeletionGracePeriodSeconds = om.DeletionGracePeriodSeconds
	m.Generation = om.Generation
	if verb == verbApply {
		// kubectl apply leaves what the manifest does not set.
		if m.OwnerReferences == nil {
			m.OwnerReferences = om.OwnerReferences
		}
		if m.Finalizers == nil {
			m.Finalizers = om.Finalizers
		}
	}
	out, err := c.updateObject(obj, old)
	if errors.Is(err, store.ErrConflict) {
		if rv != "" {
			// Written since the Get above: the caller's version is stale.
			return nil, err
		}
		return c.write(in, verb)
	}
	return out, err
}

// conflict is Update's error for an object read at resourceVersion rv
// when the stored one is at cur.
func conflict(obj workload.Object, rv, cur string) error {
	return &store.Error{Err: store.ErrConflict, Ref: workload.Ref(obj), Detail: fmt.Sprintf(
		"metadata.resourceVersion: the object has been modified (read at %s, stored at %s); please apply your changes to the latest version and try again", rv, cur)}
}

// validateNew validates an object Apply creates as it will be stored: a new
// object gets a new uid (a manifest's, a dump's say, is not kept), and a
// Job's generated selector depends on it.
func validateNew(obj workload.Object) error {
	m := obj.GetObjectMeta()
	if m.UID == "" {
		return nil
	}
	m.UID = ""
	return workload.Validate(obj)
}

// clusterWatchBuffer bounds each of the cluster's watches (see New).
const clusterWatchBuffer = 1 << 21

// admit is the cluster's admission: every object created, by Apply or by a
// controller, has valid metadata (workload.ValidateObjectMeta); every pod
// gets the pod defaults, among them the not-ready and
// unreachable tolerations of 300 s that Kubernetes' DefaultTolerationSeconds
// admission plugin adds (a DaemonSet's pods already tolerate them forever
// and keep that), and is refused when its merged matchLabelKeys break its
// selectors (workload.ValidatePodLabelKeys).
func admit(obj workload.Object) error {
	if err := workload.ValidateObjectMeta(obj); err != nil {
		// A controller's object whose generated name or label value
		// breaks the API server's metadata rules (a ReplicaSet named
		// "<deployment>-<hash>" over 253 characters; a StatefulSet pod's
		// pod-name or controller-revision-hash label over 63): refused,
		// as the API server refuses it, and reported by the controller.
		return err
	}
	if p, ok := obj.(*workload.Pod); ok {
		workload.DefaultPod(p)
		if err := workload.ValidatePodLabelKeys(p); err != nil {
			// A valid template whose labelSelector names a
			// matchLabelKeys key: the merged pod is not.
			return err
		}
		if p.Status.Phase == "" {
			// As the API server's pod strategy (PrepareForCreate).
			p.Status.Phase = workload.PodPending
		}
		if p.Status.QOSClass == "" {
			p.Status.QOSClass = workload.PodQOSClass(p)
		}
	}
	if ns, ok := obj.(*workload.Namespace); ok {
		// As the API server's namespace strategy (PrepareForCreate): a
		// new Namespace is Active and has the namespace controller's
		// finalizer; a status the manifest brought (conditions) is
		// dropped.
		ns.Status = workload.NamespaceStatus{Phase: workload.NamespaceActive}
		if !slices.Contains(ns.Spec.Finalizers, workload.FinalizerKubernetes) {
			ns.Spec.Finalizers = append(slices.Clip(ns.Spec.Finalizers), workload.FinalizerKubernetes)
		}
	}
	return nil
}

// labelNamespaceName sets the kubernetes.io/metadata.name label of a
// Namespace to its name, as the API server's namespace strategy does on
// create and on every update (PrepareForCreate, PrepareForUpdate): a
// namespaceSelector can always select a namespace by name.
func labelNamespaceName(ns *workload.Namespace) {
	if ns.Labels[workload.LabelMetadataName] == ns.Name {
		return
	}
	ls := make(map[string]string, len(ns.Labels)+1)
	maps.Copy(ls, ns.Labels)
	ls[workload.LabelMetadataName] = ns.Name
	ns.Labels = ls
}

// stamp fills in what the API server derives from a new object's uid on
// create: a Job's generated selector and labels (the Job strategy's
// PrepareForCreate, generateSelector), a Namespace's name label, and a
// Pod with scheduling gates its PodScheduled False condition, reason
// SchedulingGated, as of its creation, so that the object is stored with
// them from its first version (a Job's generation 1), as in Kubernetes.
func stamp(obj workload.Object) {
	switch o := obj.(type) {
	case *workload.Job:
		workload.GenerateJobSelector(o)
	case *workload.Namespace:
		labelNamespaceName(o) // after generateName
	case *workload.Pod:
		if len(o.Spec.SchedulingGates) > 0 && !slices.ContainsFunc(o.Status.Conditions, func(c workload.PodCondition) bool { return c.Type == workload.PodScheduled }) {
			// As the pod strategy's applySchedulingGatedCondition
			// (podutil.UpdatePodCondition: transition time now): a
			// gated pod says why it waits.
			o.Status.Conditions = append(slices.Clip(o.Status.Conditions), workload.PodCondition{
				Type: workload.PodScheduled, Status: workload.ConditionFalse, LastTransitionTime: o.CreationTimestamp,
				Reason: workload.PodReasonSchedulingGated, Message: workload.PodMessageSchedulingGated,
			})
		}
	}
}

// keepSystemFields carries over what the system set on an object and an
// applied manifest leaves unset: a Job's generated selector and labels, a
// DaemonSet's template generation.
func keepSystemFields(obj, old workload.Object) {
	switch o := obj.(type) {
	case *workload.Namespace:
		// Only the finalize subresource changes spec.finalizers
		// (namespace strategy PrepareForUpdate).
		o.Spec.Finalizers = old.(*workload.Namespace).Spec.Finalizers
		labelNamespaceName(o)
	case *workload.Pod:
		// The scheduler bound the pod: an applied manifest that names no
		// node keeps the binding, as kubectl apply leaves fields it does
		// not set.
		if op := old.(*workload.Pod); o.Spec.NodeName == "" {
			o.Spec.NodeName = op.Spec.NodeName
		}
	case *workload.Job:
		oj := old.(*workload.Job)
		manual := o.Spec.ManualSelector != nil && *o.Spec.ManualSelector
		keepLabels := func(keys ...string) {
			for k, v := range oj.Spec.Template.Labels {
				if _, ok := o.Spec.Template.Labels[k]; !ok && (len(keys) == 0 || slices.Contains(keys, k)) {
					if o.Spec.Template.Labels == nil {
						o.Spec.Template.Labels = map[string]string{}
					}
					o.Spec.Template.Labels[k] = v
				}
			}
		}
		uid := ""
		if oj.Spec.Selector != nil {
			uid = oj.Spec.Selector.MatchLabels[workload.ControllerUIDLabel]
		}
		switch {
		case manual:
		case o.Spec.Selector == nil:
			o.Spec.Selector = oj.Spec.Selector.DeepCopy()
			o.Spec.ManualSelector = oj.Spec.ManualSelector
			keepLabels()
		case uid != "" && o.Spec.Selector.MatchLabels[workload.ControllerUIDLabel] == "":
			// A selector of the manifest's own, which the Job controller
			// completed with controller-uid (as Kubernetes'
			// generateSelector): kubectl apply keeps what the server
			// added, and the generated template labels.
			o.Spec.Selector = o.Spec.Selector.DeepCopy()
			if o.Spec.Selector.MatchLabels == nil {
				o.Spec.Selector.MatchLabels = map[string]string{}
			}
			o.Spec.Selector.MatchLabels[workload.ControllerUIDLabel] = uid
			keepLabels(workload.JobNameLabel, workload.LegacyJobNameLabel, workload.ControllerUIDLabel, workload.LegacyControllerUIDLabel)
		}
		workload.JobLabelsFromTemplate(o)
	case *workload.DaemonSet:
		stampTemplateGeneration(o, old.(*workload.DaemonSet))
	}
}

// keepNodeFields keeps, on an applied Node, what an applied manifest does
// not own: the labels and taints the runtime reports for it (as kubectl
// apply leaves a kubelet's labels alone; the runtime's values win, as a
// kubelet reconciles its labels) and the taints the node lifecycle set.
// The manifest's other labels and taints, and spec.unschedulable, are the
// API's, and later runtime reports keep them. A manifest that sets no pod
// CIDR keeps the node's.
func (c *Cluster) keepNodeFields(obj, old workload.Object) {
	n, ok := obj.(*workload.Node)
	if !ok {
		return
	}
	if r := c.mirror.reportedNode(n.Name); r != nil {
		for k, v := range r.Labels {
			if n.Labels == nil {
				n.Labels = map[string]string{}
			}
			n.Labels[k] = v
		}
		for _, t := range r.Spec.Taints {
			if !hasTaint(n.Spec.Taints, t.Key, t.Effect) {
				n.Spec.Taints = append(n.Spec.Taints, t)
			}
		}
	}
	on := old.(*workload.Node)
	if n.Spec.PodCIDR == "" && len(n.Spec.PodCIDRs) == 0 {
		// A manifest that sets no pod CIDR leaves the node's, as kubectl
		// apply leaves fields it does not set (and they may not change
		// once set, see workload.ValidateUpdate).
		n.Spec.PodCIDR, n.Spec.PodCIDRs = on.Spec.PodCIDR, slices.Clone(on.Spec.PodCIDRs)
	}
	for _, t := range on.Spec.Taints {
		if controlPlaneTaints[t.Key] && !hasTaint(n.Spec.Taints, t.Key, t.Effect) {
			n.Spec.Taints = append(n.Spec.Taints, t)
		}
	}
}

// stampTemplateGeneration sets a DaemonSet's template generation
// annotation as Kubernetes' API server keeps spec.templateGeneration: on
// creation the applied value if it is a positive number, else 1; on an
// update the stored value, one more when spec.template changed. Other
// objects are left alone.
func stampTemplateGeneration(obj workload.Object, old *workload.DaemonSet) {
	ds, ok := obj.(*workload.DaemonSet)
	if !ok {
		return
	}
	gen := func(d *workload.DaemonSet) int64 {
		n, err := strconv.ParseInt(d.Annotations[workload.DeprecatedTemplateGeneration], 10, 64)
		if err != nil || n < 1 {
			return 0
		}
		return n
	}
	var n int64
	if old == nil {
		n = max(1, gen(ds))
	} else {
		n = max(1, gen(old))
		a, _ := json.Marshal(&ds.Spec.Template)
		b, _ := json.Marshal(&old.Spec.Template)
		if !bytes.Equal(a, b) {
			n++
		}
	}
	if ds.Annotations == nil {
		ds.Annotations = map[string]string{}
	}
	ds.Annotations[workload.DeprecatedTemplateGeneration] = strconv.FormatInt(n, 10)
}

// resolveKind turns a kind as a user writes it ("Job", "jobs", "deploy")
// into the Kind, or an error that names it.
func resolveKind(op, kind string) (string, error) {
	k, ok := workload.KindFor(kind)
	if !ok {
		return "", fmt.Errorf("orchestra: %s: unknown kind %q (want one of %s): %w", op, kind, strings.Join(workload.Kinds, ", "), workload.ErrInvalid)
	}
	return k, nil
}

// Get returns a copy of the object. kind is a Kind ("Job"), or its plural
// or short name as kubectl takes them ("jobs", "deploy", "deployments.apps":
// see workload.KindFor); namespace "" means "default" for namespaced kinds.
func (c *Cluster) Get(kind, namespace, name string) (workload.Object, error) {
	kind, err := resolveKind("get", kind)
	if err != nil {
		return nil, err
	}
	if namespace == "" && !workload.IsClusterScoped(kind) {
		namespace = "default"
	}
	return c.store.Get(kind, namespace, name)
}

// List returns copies of the objects of kind in namespace ("" for all)
// that match selector ("" for all), sorted by namespace and name. kind is
// taken as Get takes it; an unknown kind is an error, not an empty list.
// The events the cluster records are not stored objects: List, Get, Watch
// and OnChange of kind Event see only the Events written with Apply or
// Create; read the recorded ones with Events.
func (c *Cluster) List(kind, namespace, selector string) ([]workload.Object, error) {
	kind, err := resolveKind("list", kind)
	if err != nil {
		return nil, err
	}
	var sel labels.Selector
	if selector != "" {
		s, err := labels.Parse(selector)
		if err != nil {
			return nil, fmt.Errorf("orchestra: list %s: selector %q: %w", kind, selector, err)
		}
		sel = s
	}
	return c.store.List(kind, namespace, sel), nil
}

// Watch streams the changes of the objects of kind ("" for every kind;
// kind names as Get takes them) from now on, in order. The events' objects
// are shared: read-only. Stop the watcher when done. The events the
// cluster records (Events) are not among them, as List says: Watch("Event")
// sees only Events written with Apply or Create.
func (c *Cluster) Watch(kind string) (*store.Watcher, error) {
	if kind != "" {
		k, err := resolveKind("watch", kind)
		if err != nil {
			return nil, err
		}
		kind = k
	}
	return c.store.Watch(kind, c.store.ResourceVersion())
}

// Pods returns copies of the pods in namespace ("" for all) that match
// selector ("" for all), sorted by namespace and name, as List returns
// them. Pods being deleted (DeletionTimestamp set) are among them until
// they are gone.
func (c *Cluster) Pods(namespace, selector string) ([]*workload.Pod, error) {
	objs, err := c.List("Pod", namespace, selector)
	if err != nil {
		return nil, err
	}
	out := make([]*workload.Pod, len(objs))
	for i, o := range objs {
		out[i] = o.(*workload.Pod)
	}
	return out, nil
}

// Delete deletes an object (namespace "" means "default" for namespaced
// kinds, as for Get). propagation is "Background" (""), "Foreground"
// or "Orphan", as kubectl's --cascade: the garbage collector then deletes
// the object's dependents, waits for them, or leaves them. As kubectl, ""
// is Background for every kind, a Job included (a batch/v1 Job deleted
// through the API with no policy orphans its pods in Kubernetes; kubectl
// always sends one). The policy replaces the object's own
// foregroundDeletion or orphan finalizer, also when it is already being
// deleted: a foreground deletion that waits for dependents, deleted again
// in the background, goes at once and leaves them to the garbage
// collector (see store.DeleteOptions). Pods are deleted gracefully (their
// terminationGracePeriodSeconds), whatever the policy. A Namespace is
// Terminating until everything in its namespace is gone, then goes (see
// workload.Namespace); deleting it again meanwhile is a store.ErrConflict,
// as in Kubernetes; default, kube-system and kube-public may not be
// deleted (store.ErrForbidden).
func (c *Cluster) Delete(kind, namespace, name, propagation string) error {
	if c.isClosed() {
		return fmt.Errorf("delete %s: %w", closedRef(kind, namespace, name), ErrClosed)
	}
	kind, err := resolveKind("delete", kind)
	if err != nil {
		return err
	}
	if namespace == "" && !workload.IsClusterScoped(kind) {
		namespace = "default"
	}
	defer c.wake()
	switch propagation {
	case "", store.DeleteBackground, store.DeleteForeground, store.DeleteOrphan:
	default:
		return fmt.Errorf("orchestra: delete %s/%s/%s: propagation %q: want Background, Foreground or Orphan: %w",
			kind, namespace, name, propagation, workload.ErrInvalid)
	}
	if kind == "Namespace" && immortalNamespaces[name] {
		// Kubernetes' NamespaceLifecycle admission.
		return &store.Error{Err: store.ErrForbidden, Ref: "Namespace/" + name, Detail: "this namespace may not be deleted"}
	}
	if propagation == "" {
		// kubectl always sends its --cascade, background by default.
		propagation = store.DeleteBackground
	}
	if kind == "Pod" {
		// Gracefully whatever the policy, as kubectl delete pod
		// --cascade=foreground is.
		if _, err := c.store.Get(kind, namespace, name); err != nil {
			return err
		}
		return controller.DeletePodWithPolicy(c.store, namespace, name, nil, propagation)
	}
	if kind == "Service" {
		// Its ClusterIP and node ports are free once it is gone, as the
		// API server releases them in the delete call.
		out, err := c.store.Delete(kind, namespace, name, store.DeleteOptions{PropagationPolicy: propagation})
		if s, ok := out.(*workload.Service); ok && err == nil {
			c.services.ReleaseDeleted(s)
		}
		return err
	}
	_, err = c.store.Delete(kind, namespace, name, store.DeleteOptions{PropagationPolicy: propagation, NoResult: true})
	return err
}

// immortalNamespaces are the namespaces Kubernetes never deletes.
var immortalNamespaces = map[string]bool{"default": true, "kube-system": true, "kube-public": true}

// DeletePod deletes a pod as `kubectl delete pod` does: it becomes
// terminating and goes once the runtime has stopped it, grace seconds later
// at the most (nil: the pod's terminationGracePeriodSeconds; 0: at once).
// Its controller, if any, replaces it, and its Services stop picking it,
// once the cluster is driven (see the package documentation). A pod that
// does not exist is an error wrapping store.ErrNotFound. To make a
// container die instead (restarted in place by its restart policy), use the
// fake runtime's KillContainer.
func (c *Cluster) DeletePod(namespace, name string, grace *int64) error {
	if c.isClosed() {
		return fmt.Errorf("delete %s: %w", closedRef("Pod", namespace, name), ErrClosed)
	}
	defer c.wake()
	if namespace == "" {
		namespace = "default"
	}
	if _, err := c.store.Get("Pod", namespace, name); err != nil {
		return err
	}
	return controller.DeletePod(c.store, namespace, name, grace)
}

// Events returns the recorded events, oldest first, correlated as
// Kubernetes' client-go does (see controller.Recorder): a repeated event is
// one Event whose Count says how many times it happened, and from the 10th
// different message of one object and reason within 10 minutes of each
// other on, they are combined into one event ("(combined from similar
// events): ..."). To count occurrences, add up Count; to follow each
// change of the objects as it happens, use OnChange or Watch. These events
// are the recorder's, not stored objects: Watch, OnChange and List of kind
// Event do not see them; read them here (after each Advance, on a virtual
// clock).
func (c *Cluster) Events() []*workload.Event { return c.rec.Events() }

// OnChange registers fn to be called for every store change, in version
// order, on the goroutine that drives the cluster, at the (virtual) time
// the change happened. fn must not block or write to the cluster, nor call
// StopControlPlane, StartControlPlane or Close, which wait for the goroutine
// that runs fn; it may read (Get, List, ControlPlaneRunning). An
// observer sees the changes from its registration on (and those made
// before it that the cluster has not yet delivered to the other
// observers): register observers before driving the cluster to see every
// change.
func (c *Cluster) OnChange(fn func(ev store.Event)) error {
	if fn == nil {
		return fmt.Errorf("orchestra: OnChange: nil function: %w", workload.ErrInvalid)
	}
	c.obsMu.Lock()
	defer c.obsMu.Unlock()
	if c.obsWatch == nil {
		w, err := c.store.Watch("", c.store.ResourceVersion())
		if err != nil {
			return err
		}
		c.obsWatch = w
	}
	c.observers = append(c.observers, fn)
	return nil
}

// StopControlPlane stops the scheduler and every controller, as when the
// control plane goes down: queued work and pending requeues are dropped;
// the store, the runtime and the pods go on. It may be called while Run
// runs.
func (c *Cluster) StopControlPlane() {
	c.onLoop(func() {
		c.plane.Stop()
		c.planeUp.Store(false)
	})
}

// StartControlPlane starts the scheduler and the controllers again; they
// rebuild their view from the store. It may be called while Run runs.
func (c *Cluster) StartControlPlane() error {
	if c.isClosed() {
		return fmt.Errorf("start control plane: %w", ErrClosed)
	}
	var err error
	c.onLoop(func() {
		err = c.plane.Start()
		c.planeUp.Store(c.plane.Running())
	})
	c.wake()
	return err
}

// ControlPlaneRunning reports whether the control plane runs. It does not
// wait for the goroutine that drives the cluster, so an OnChange observer
// may call it.
func (c *Cluster) ControlPlaneRunning() bool {
	return c.planeUp.Load()
}

// onLoop runs fn with the loop's state to itself: at once when no loop
// runs, else on the loop's goroutine (Run or an Advance on another
// goroutine), waiting for it.
func (c *Cluster) onLoop(fn func()) {
	for {
		c.pendMu.Lock()
		if c.looping {
			done := make(chan struct{})
			c.pending = append(c.pending, func() { fn(); close(done) })
			c.pendMu.Unlock()
			c.wake()
			<-done
			return
		}
		if c.loopMu.TryLock() {
			c.pendMu.Unlock()
			defer c.loopMu.Unlock()
			fn()
			return
		}
		// A loop is between taking loopMu and saying so: let it.
		c.pendMu.Unlock()
		runtime.Gosched()
	}
}

// enterLoop takes the loop for the calling goroutine.
func (c *Cluster) enterLoop() {
	c.loopMu.Lock()
	c.pendMu.Lock()
	c.looping = true
	c.pendMu.Unlock()
}

// exitLoop runs the work handed to the loop in the meantime and releases
// the loop.
func (c *Cluster) exitLoop() {
	c.pendMu.Lock()
	for _, fn := range c.pending {
		fn()
	}
	c.pending = nil
	c.looping = false
	c.pendMu.Unlock()
	c.loopMu.Unlock()
}

// runPending runs the work handed to the loop; the loop calls it.
func (c *Cluster) runPending() bool {
	c.pendMu.Lock()
	fns := c.pending
	c.pending = nil
	c.pendMu.Unlock()
	for _, fn := range fns {
		fn()
	}
	return len(fns) > 0
}

// isClosed reports whether Close has been called.
func (c *Cluster) isClosed() bool {
	c.pendMu.Lock()
	defer c.pendMu.Unlock()
	return c.closing
}

func (c *Cluster) wake() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// closedRef names the object a call on a closed cluster was about, in
// workload.Ref's form, its kind and namespace as the caller gave them.
func closedRef(kind, namespace, name string) string {
	if namespace == "" {
		return kind + "/" + name
	}
	return kind + "/" + namespace + "/" + name
}
