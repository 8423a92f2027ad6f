package store

import (
	"cmp"
	"encoding/hex"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/orchestra-go/orchestra/internal/rvstring"
	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// Clock is the time source the store needs: the time of creation and
// deletion stamps. Every vtime.Clock and benbjohnson/clock Clock is one.
type Clock interface {
	Now() time.Time
}

// Defaults for the zero Config. DefaultHistory is Kubernetes' order of
// magnitude (kube-apiserver keeps 100 events per resource in its watch
// cache by default): every event it holds keeps an old version of an
// object alive, which the garbage collector marks on every cycle.
const (
	DefaultWatchBuffer = 1 << 17
	DefaultHistory     = 1 << 8
)

// Config configures a Store. The zero value works.
type Config struct {
	// Clock stamps creationTimestamp and deletionTimestamp. Nil means the
	// real clock.
	Clock Clock
	// Seed seeds the generator of UIDs and generateName suffixes: the
	// same seed and the same sequence of calls give the same UIDs and
	// names.
	Seed int64
	// WatchBuffer bounds the events queued for one watcher and not yet
	// read. Past it the watch ends with ErrWatchOverflow. Zero or less
	// means DefaultWatchBuffer.
	WatchBuffer int
	// History is how many past events the store keeps for Watch with a
	// fromVersion. Zero or less means DefaultHistory.
	History int
	// Admit, when set, is called with the store's private copy of every
	// object about to be created, as an API server's admission plugins
	// are: it may change the object (defaulting) or refuse it with an
	// error, which Create returns. It must not call the store.
	Admit func(workload.Object) error
	// Stamp, when set, is called with the store's private copy of every
	// object about to be created once its uid and creationTimestamp are
	// set, under the store's lock: it fills in what the API server derives
	// from them on create (a Job's generated selector). It must not call
	// the store, and must not fail.
	Stamp func(workload.Object)
}

// Propagation policies of DeleteOptions, as in Kubernetes.
const (
	// DeleteBackground deletes the object now; the garbage collector
	// deletes its dependents afterwards. The default.
	DeleteBackground = "Background"
	// DeleteForeground keeps the object, marked for deletion with the
	// "foregroundDeletion" finalizer, until the garbage collector has
	// deleted its blocking dependents and removed the finalizer.
	DeleteForeground = "Foreground"
	// DeleteOrphan keeps the object, marked for deletion with the "orphan"
	// finalizer, until the garbage collector has removed the owner
	// references to it from its dependents and removed the finalizer.
	DeleteOrphan = "Orphan"
)

// Finalizers the store adds for the propagation policies.
const (
	FinalizerForeground = "foregroundDeletion"
	FinalizerOrphan     = "orphan"
)

// Preconditions must hold for a Delete to proceed; empty fields are not
// checked.
type Preconditions struct {
	// UID, when set, must be the stored object's uid.
	UID string
	// ResourceVersion, when set, must be the stored object's
	// resourceVersion.
	ResourceVersion string
}

// DeleteOptions are the options of Store.Delete.
type DeleteOptions struct {
	// Preconditions: a mismatch fails the delete with ErrConflict.
	Preconditions Preconditions
	// PropagationPolicy is DeleteBackground, DeleteForeground, DeleteOrphan
	// or "" (none given). As the API server's
	// deletionFinalizersForGarbageCollection, a policy puts its finalizer
	// (foregroundDeletion, orphan; none for Background) in place of the
	// other one on the object, also on an object already being deleted
	// with no grace period pending (a foreground or orphan deletion that
	// waits can be re-issued with another policy; with Background it goes
	// at once if no other finalizer holds it). With "", the object's own
	// foregroundDeletion or orphan finalizer decides, and without one the
	// dependents are deleted in the background, whatever the kind (the API
	// server's default for batch/v1 Job, Orphan, is not modelled: callers
	// such as Cluster.Delete say which policy they want, as kubectl does).
	PropagationPolicy string
	// NoResult makes Delete return a nil object instead of a copy of the
	// deleted (or marked) one.
	NoResult bool
	// GracePeriodSeconds, when set, is recorded as the object's
	// deletionGracePeriodSeconds when the delete only marks it (it has
	// finalizers), as the API server does for pods; nil records 0. The
	// deletionTimestamp is now + the grace period (the time the object is
	// due to be gone). A later delete with a shorter grace period
	// shortens both, never moving deletionTimestamp into the past.
	GracePeriodSeconds *int64
}

// Store is a versioned in-memory object store. It is safe for concurrent
// use. See the package documentation.
type Store struct {
	admit       func(workload.Object) error
	stamp       func(workload.Object)
	clock       Clock
	watchBuffer int

	mu       sync.RWMutex
	rng      *rand.Rand
	rv       uint64
	rvs      rvstring.Formatter // formats rv
	kinds    map[string]*kindIndex
	owners   map[ownerKey]*entrySet
	nodes    map[string]*entrySet // pods by spec.nodeName
	history  []Event              // ring of the last len(history) events
	histCap  int
	watchers map[string][]*Watcher // by kind; "" holds the all-kinds watchers
	// pendingFin holds the finalizers promised to objects by uid
	// (PromiseFinalizer) that Delete treats as present.
	pendingFin map[string]string
	// oneFin holds, by finalizer, a list of that finalizer alone, which
	// the objects that get it on an empty list share (stored lists are
	// never modified, and a list of one is full: an append copies it).
	// schedConds is the condition list Bind gives a pod that had none
	// at schedAt (PodScheduled True since then), which the pods bound at
	// that instant share.
	oneFin     map[string][]string
	schedConds []workload.PodCondition
	schedAt    time.Time
}

// maxOneFin bounds Store.oneFin: finalizer names come from callers.
const maxOneFin = 16

// finalizerList returns the shared list of finalizer f alone. Caller holds
// mu.
func (s *Store) finalizerList(f string) []string {
	l, ok := s.oneFin[f]
	if !ok {
		if s.oneFin == nil || len(s.oneFin) >= maxOneFin {
			s.oneFin = map[string][]string{}
		}
		l = []string{f}
		s.oneFin[f] = l
	}
	return l
}

// entry is one stored object. obj is never modified once stored: a write
// stores a new object, so a pointer read under the lock can be copied out
// after the lock is released.
type entry struct {
	namespace, name string
	key             string // workload.Key of obj, made once: every event carries it
	obj             workload.Object
}

// entrySet is a set of entries. Most posting sets of the label, owner and
// node indexes hold one entry (a label value per pod, such as a Job's
// completion index), so the first entry is kept inline; many more hold a
// few hundred at most (the pods of a ReplicaSet, of a node), kept in a
// list, which costs a third of a map's memory and is scanned faster than
// a map is hashed; only a set that grows past smallSet becomes a map.
type entrySet struct {
	one  *entry
	list []*entry // 2 to smallSet entries, when many is nil
	many map[*entry]struct{}
}

// smallSet is the most entries an entrySet keeps in its list.
const smallSet = 256

func (s *entrySet) add(e *entry) {
	switch {
	case s.many != nil:
		s.many[e] = struct{}{}
	case s.list != nil:
		if slices.Contains(s.list, e) {
			return
		}
		if len(s.list) < smallSet {
			s.list = append(s.list, e)
			return
		}
		s.many = make(map[*entry]struct{}, 2*smallSet)
		for _, x := range s.list {
			s.many[x] = struct{}{}
		}
		s.many[e] = struct{}{}
		s.list = nil
	case s.one == nil || s.one == e:
		s.one = e
	default:
		s.list = []*entry{s.one, e}
		s.one = nil
	}
}

func (s *entrySet) remove(e *entry) {
	switch {
	case s.many != nil:
		delete(s.many, e)
	case s.list != nil:
		if i := slices.Index(s.list, e); i >= 0 {
			last := len(s.list) - 1
			s.list[i] = s.list[last]
			s.list[last] = nil
			s.list = s.list[:last]
		}
		if len(s.list) == 0 {
			s.list = nil
		}
	case s.one == e:
		s.one = nil
	}
}

func (s *entrySet) size() int {
	switch {
	case s == nil:
		return 0
	case s.many != nil:
		return len(s.many)
	case s.list != nil:
		return len(s.list)
	case s.one != nil:
		return 1
	}
	return 0
}

// all yields the entries of the set (in no particular order). The set must
// not change while it yields.
func (s *entrySet) all(yield func(*entry) bool) {
	switch {
	case s == nil:
	case s.many != nil:
		for e := range s.many {
			if !yield(e) {
				return
			}
		}
	case s.list != nil:
		for _, e := range s.list {
			if !yield(e) {
				return
			}
		}
	case s.one != nil:
		yield(s.one)
	}
}

type ownerKey struct{ kind, uid string }

// kindIndex holds the objects of one kind.
type kindIndex struct {
	byNS   map[string]map[string]*entry
	labels map[string]map[string]*entrySet // key -> value -> objects
}

// New returns an empty Store.
func New(cfg Config) *Store {
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if cfg.WatchBuffer <= 0 {
		cfg.WatchBuffer = DefaultWatchBuffer
	}
	if cfg.History <= 0 {
		cfg.History = DefaultHistory
	}
	seed := uint64(cfg.Seed)
	return &Store{
		admit:       cfg.Admit,
		stamp:       cfg.Stamp,
		clock:       cfg.Clock,
		watchBuffer: cfg.WatchBuffer,
		rng:         rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		kinds:       map[string]*kindIndex{},
		owners:      map[ownerKey]*entrySet{},
		nodes:       map[string]*entrySet{},
		histCap:     cfg.History,
		watchers:    map[string][]*Watcher{},
	}
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// clusterScoped reports whether objects of kind have no namespace.
func clusterScoped(kind string) bool { return kind == "Node" || kind == "Namespace" }

// normNamespace returns the namespace objects of kind are stored under.
func normNamespace(kind, namespace string) string {
	if clusterScoped(kind) {
		return ""
	}
	if namespace == "" {
		return "default"
	}
	return namespace
}

// ResourceVersion returns the version of the last write (0 for a new
// store). Every write adds one.
func (s *Store) ResourceVersion() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.rv
}

// checkObject validates obj and returns its type info and a copy of it.
func checkObject(obj workload.Object, adopt bool) (*typeInfo, workload.Object, error) {
	if obj == nil {
		return nil, nil, newError(ErrInvalid, "<nil>", "object is nil")
	}
	ti, _ := infoOf(obj)
	if ti == nil {
		return nil, nil, newError(ErrInvalid, "<nil>", "object must be a non-nil pointer to a struct")
	}
	kind := obj.Kind()
	if workload.APIVersionOf(kind) == "" {
		return nil, nil, newError(ErrInvalid, workload.Ref(obj), "unknown kind "+strconv.Quote(kind))
	}
	if tk := obj.GetTypeMeta().Kind; tk != "" && tk != kind {
		return nil, nil, newError(ErrInvalid, workload.Ref(obj), "kind: "+strconv.Quote(tk)+" does not match the object's type "+kind)
	}
	c := obj
	if !adopt {
		c = obj.DeepCopyObject()
	}
	tm := c.GetTypeMeta()
	tm.Kind = kind
	if tm.APIVersion == "" {
		tm.APIVersion = workload.APIVersionOf(kind)
	}
	m := c.GetObjectMeta()
	m.Namespace = normNamespace(kind, m.Namespace)
	return ti, c, nil
}

// Create stores a copy of obj (obj itself with [Adopt]) and returns a copy
// of what was stored.
//
// It fills metadata.uid (a random UUID from the seeded generator),
// resourceVersion, creationTimestamp (from the clock) and generation (1);
// picks the name from generateName plus five random characters when name is
// empty; sets apiVersion and kind when empty; defaults the namespace to
// "default" (cluster-scoped kinds, Node and Namespace, get none); clears
// deletionTimestamp. Status is stored as given. It fails with ErrInvalid
// (nil object, unknown kind, no name nor generateName, resourceVersion set),
// ErrAlreadyExists, or ErrForbidden for an object in a namespace whose
// Namespace is being deleted.
//
// Delete keeps an object marked deleted while it has finalizers, in its
// metadata or, for the kinds that have them (workload.SpecFinalized: a
// Namespace, which Delete marks Terminating), in its spec.
func (s *Store) Create(obj workload.Object, opts ...WriteOption) (workload.Object, error) {
	_, c, err := checkObject(obj, has(opts, Adopt))
	if err != nil {
		return nil, err
	}
	kind := c.Kind()
	m := c.GetObjectMeta()
	if m.Name == "" && m.GenerateName == "" {
		return nil, newError(ErrInvalid, ref(kind, m.Namespace, ""), "metadata.name: required (or metadata.generateName)")
	}
	if m.ResourceVersion != "" {
		return nil, newError(ErrInvalid, workload.Ref(c), "metadata.resourceVersion: must not be set on create")
	}
	m.DeletionTimestamp = nil
	m.DeletionGracePeriodSeconds = nil
	m.Generation = 1
	if s.admit != nil {
		if err := s.admit(c); err != nil {
			return nil, err
		}
	}

	s.mu.Lock()
	if m.Namespace != "" && s.namespaceTerminating(m.Namespace) {
		s.mu.Unlock()
		return nil, newError(ErrForbidden, workload.Ref(c), "unable to create new content in namespace "+m.Namespace+" because it is being terminated")
	}
	ki := s.kinds[kind]
	if ki == nil {
		ki = &kindIndex{byNS: map[string]map[string]*entry{}, labels: map[string]map[string]*entrySet{}}
		s.kinds[kind] = ki
	}
	ns := ki.byNS[m.Namespace]
	key := ""
	if m.Name == "" {
		var ok bool
		if key, ok = s.generateName(m, ns); !ok {
			s.mu.Unlock()
			return nil, newError(ErrAlreadyExists, ref(kind, m.Namespace, m.GenerateName+"*"), "no free name found for metadata.generateName")
		}
	} else if ns[m.Name] != nil {
		s.mu.Unlock()
		return nil, newError(ErrAlreadyExists, workload.Ref(c), "")
	} else {
		key = workload.Key(c)
	}
	if ns == nil {
		ns = map[string]*entry{}
		ki.byNS[m.Namespace] = ns
	}
	m.UID = s.newUID()
	m.CreationTimestamp = workload.NewTime(s.clock.Now())
	if s.stamp != nil {
		s.stamp(c)
	}
	e := &entry{namespace: m.Namespace, name: m.Name, key: key}
	ns[m.Name] = e
	s.commit(Added, kind, ki, e, c)
	s.mu.Unlock()
	if has(opts, SharedResult) {
		return c, nil
	}
	if has(opts, NoResult) {
		return nil, nil
	}
	return c.DeepCopyObject(), nil
}

// namespaceTerminating reports whether the Namespace object ns is being
// deleted. Caller holds mu.
func (s *Store) namespaceTerminating(ns string) bool {
	ki := s.kinds["Namespace"]
	if ki == nil {
		return false
	}
	e := ki.byNS[""][ns]
	return e != nil && e.obj.GetObjectMeta().DeletionTimestamp != nil
}

// specFinalized reports whether obj keeps finalizers in its spec that
// hold its deletion (workload.SpecFinalized: a Namespace's
// spec.finalizers).
func specFinalized(obj workload.Object) bool {
	sf, ok := obj.(workload.SpecFinalized)
	return ok && len(sf.SpecFinalizers()) > 0
}

// nameAlphabet is the alphabet of Kubernetes' generated name suffixes
// (k8s.io/apimachinery/pkg/util/rand): no vowels, no confusable digits.
const nameAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// generateName sets m.Name from m.GenerateName and 5 random characters,
// retrying on collision, and returns the object's key (workload.Key): the
// name is a substring of it, one string for both. Kubernetes cuts the
// prefix to 58 characters so the name fits in 63
// (workload.GeneratedNamePrefixMax).
func (s *Store) generateName(m *workload.ObjectMeta, taken map[string]*entry) (string, bool) {
	prefix := m.GenerateName
	if len(prefix) > workload.GeneratedNamePrefixMax {
		prefix = prefix[:workload.GeneratedNamePrefixMax]
	}
	var buf [128]byte
	b := buf[:0]
	if m.Namespace != "" {
		b = append(append(b, m.Namespace...), '/')
	}
	at := len(b) // where the name starts
	b = append(b, prefix...)
	suffix := len(b)
	b = append(b, make([]byte, workload.GeneratedNameSuffixLength)...) // the random suffix
	for range 16 {
		for i := suffix; i < len(b); i++ {
			b[i] = nameAlphabet[s.rng.IntN(len(nameAlphabet))]
		}
		if taken[string(b[at:])] == nil {
			key := string(b)
			m.Name = key[at:]
			return key, true
		}
	}
	return "", false
}

// newUID returns a version-4 UUID from the seeded generator.
func (s *Store) newUID() string {
	var b [16]byte
	x, y := s.rng.Uint64(), s.rng.Uint64()
	for i := range 8 {
		b[i] = byte(x >> (8 * i))
		b[8+i] = byte(y >> (8 * i))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// lookup returns the entry of kind/namespace/name, or nil. Caller holds mu.
func (s *Store) lookup(kind, namespace, name string) (*kindIndex, *entry) {
	ki := s.kinds[kind]
	if ki == nil {
		return nil, nil
	}
	return ki, ki.byNS[namespace][name]
}

// Get returns a copy of the object of that kind, namespace and name, or
// ErrNotFound. An empty namespace means "default" for namespaced kinds; the
// namespace is ignored for cluster-scoped kinds (Node, Namespace).
func (s *Store) Get(kind, namespace, name string) (workload.Object, error) {
	obj, err := s.Peek(kind, namespace, name)
	if err != nil {
		return nil, err
	}
	return obj.DeepCopyObject(), nil
}

// Peek is Get without the copy: it returns the stored object itself, for
// hot read-only paths inside the library (like a client-go lister). The
// store never modifies a stored object (an update replaces it), so the
// result is a consistent snapshot; the caller must not modify it, and must
// DeepCopyObject it to make changes. Use Get everywhere else.
func (s *Store) Peek(kind, namespace, name string) (workload.Object, error) {
	namespace = normNamespace(kind, namespace)
	s.mu.RLock()
	_, e := s.lookup(kind, namespace, name)
	var obj workload.Object
	if e != nil {
		obj = e.obj
	}
	s.mu.RUnlock()
	if obj == nil {
		return nil, newError(ErrNotFound, ref(kind, namespace, name), "")
	}
	return obj, nil
}

// checkVersion fails with ErrConflict when want is set and differs from
// the stored object's resourceVersion.
func checkVersion(stored workload.Object, want string) error {
	if have := stored.GetObjectMeta().ResourceVersion; want != "" && want != have {
		return newError(ErrConflict, workload.Ref(stored),
			"metadata.resourceVersion "+strconv.Quote(want)+" is not the stored "+strconv.Quote(have)+"; get the object again and retry")
	}
	return nil
}

func checkUID(stored workload.Object, want string) error {
	if have := stored.GetObjectMeta().UID; want != "" && want != have {
		return newError(ErrConflict, workload.Ref(stored),
			"metadata.uid "+strconv.Quote(want)+" is not the stored "+strconv.Quote(have)+" (the object was deleted and created again)")
	}
	return nil
}

// Update replaces the stored object of obj's kind, namespace and name with
// a copy of obj and returns a copy of what was stored.
//
// Preconditions: the object exists (else ErrNotFound); a non-empty
// resourceVersion or uid in obj must be the stored one (else ErrConflict;
// an empty resourceVersion updates unconditionally).
//
// The store keeps uid, creationTimestamp, deletionTimestamp,
// deletionGracePeriodSeconds and generation from the stored object, and,
// for kinds with a Status field, the stored status (obj's status is
// ignored, as with Kubernetes' status subresource: use UpdateStatus).
// generation goes up by one when the Spec (for kinds without a Spec: any
// field besides metadata) changed, compared semantically (nil and empty
// are equal, quantities compare by value). An update that changes nothing
// is not written: no new resourceVersion, no event.
//
// Finalizers cannot be added to an object being deleted (ErrInvalid). When
// the update leaves an object being deleted without finalizers, the object
// is removed and watchers see a Deleted event.
func (s *Store) Update(obj workload.Object, opts ...WriteOption) (workload.Object, error) {
	ti, c, err := checkObject(obj, has(opts, Adopt))
	if err != nil {
		return nil, err
	}
	kind := c.Kind()
	m := c.GetObjectMeta()
	if m.Name == "" {
		return nil, newError(ErrInvalid, ref(kind, m.Namespace, ""), "metadata.name: required")
	}
	s.mu.Lock()
	ki, e := s.lookup(kind, m.Namespace, m.Name)
	if e == nil {
		s.mu.Unlock()
		return nil, newError(ErrNotFound, workload.Ref(c), "")
	}
	old := e.obj
	om := old.GetObjectMeta()
	if err := checkVersion(old, m.ResourceVersion); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if err := checkUID(old, m.UID); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if om.DeletionTimestamp != nil {
		for _, f := range m.Finalizers {
			if !slices.Contains(om.Finalizers, f) {
				s.mu.Unlock()
				return nil, newError(ErrInvalid, workload.Ref(c),
					"metadata.finalizers: cannot add "+strconv.Quote(f)+" to an object being deleted")
			}
		}
	}
	m.UID = om.UID
	m.ResourceVersion = om.ResourceVersion
	m.CreationTimestamp = om.CreationTimestamp
	m.DeletionTimestamp = om.DeletionTimestamp
	m.DeletionGracePeriodSeconds = om.DeletionGracePeriodSeconds
	m.GenerateName = om.GenerateName
	m.Generation = om.Generation

	nv, ov := reflect.ValueOf(c).Elem(), reflect.ValueOf(old).Elem()
	if ti.status >= 0 {
		// Stored objects are never modified, so the new one may share
		// the old one's status.
		nv.Field(ti.status).Set(ov.Field(ti.status))
	}
	contentSame := ti.contentEqual(nv, ov)
	if !contentSame {
		m.Generation++
	}
	if contentSame && semanticEqual(reflect.ValueOf(m).Elem(), reflect.ValueOf(om).Elem()) {
		s.mu.Unlock()
		if has(opts, NoResult) {
			return nil, nil
		}
		return old.DeepCopyObject(), nil
	}
	if m.DeletionTimestamp != nil && len(m.Finalizers) == 0 && !specFinalized(c) {
		s.remove(kind, ki, e, c)
	} else {
		s.commit(Modified, kind, ki, e, c)
	}
	s.mu.Unlock()
	if has(opts, NoResult) {
		return nil, nil
	}
	return c.DeepCopyObject(), nil
}

// UpdateStatus replaces the status of the stored object of obj's kind,
// namespace and name with obj's status; everything else in obj is ignored.
// It returns a copy of what was stored. Preconditions as for Update. It
// fails with ErrInvalid for kinds without a Status field. An unchanged
// status is not written. With Adopt the store keeps obj itself, its
// status memory included, as the new stored object (see Adopt).
func (s *Store) UpdateStatus(obj workload.Object, opts ...WriteOption) (workload.Object, error) {
	return s.updateStatus(obj, !has(opts, NoResult), has(opts, Adopt))
}

// WriteOption changes how Create, Update and UpdateStatus answer.
type WriteOption int

// Write options.
const (
	// NoResult makes a write return a nil object instead of a copy of
	// what it stored: writers that do not need it save a deep copy.
	NoResult WriteOption = 1
	// SharedResult makes a write return the stored object itself instead
	// of a copy, as Peek does: read-only, for writers that only read what
	// the store filled in (a generated name, the resourceVersion).
	SharedResult WriteOption = 2
	// Adopt makes Create keep obj itself instead of a copy: the caller
	// gives obj up and must neither use nor change it, nor anything it
	// points to, after the call, whatever the outcome. Since stored
	// objects are never modified, an adopted object may share maps,
	// slices and pointers with other objects the store holds, as long as
	// nobody changes those either: a controller that stamps out many pods
	// from one template saves a deep copy of each. Admission
	// (Config.Admit) sees the adopted object: in shared memory it must
	// find nothing to change. Update with Adopt keeps obj itself too
	// (only its metadata and status fields are set, never what they point
	// to): a writer may pass a shallow copy of a stored object with a few
	// fields replaced.
	//
	// With UpdateStatus and SetStatus, Adopt makes the store keep obj
	// itself as the new stored object, after setting everything in it but
	// the status to the stored object's (sharing that memory): the status
	// is neither copied nor compared through a copy. The caller gives obj
	// up as for Create; its status may share memory with objects nobody
	// changes (a runtime's reported pod, which the runtime never modifies
	// once reported).
	Adopt WriteOption = 4
)

// has reports whether opts hold o.
func has(opts []WriteOption, o WriteOption) bool { return slices.Contains(opts, o) }

// SetStatus is UpdateStatus for writers that do not need the stored
// object back (the runtime's status reports): it saves the copy out. The
// only option it heeds is Adopt.
func (s *Store) SetStatus(obj workload.Object, opts ...WriteOption) error {
	_, err := s.updateStatus(obj, false, has(opts, Adopt))
	return err
}

func (s *Store) updateStatus(obj workload.Object, result, adopt bool) (workload.Object, error) {
	// Only the status of obj is stored: it is compared in place and
	// copied alone, never the whole object.
	ti, ovIn, kind, namespace, err := checkStatusWrite(obj)
	if err != nil {
		return nil, err
	}
	m := obj.GetObjectMeta()
	s.mu.Lock()
	_, e := s.lookup(kind, namespace, m.Name)
	if e == nil {
		s.mu.Unlock()
		return nil, newError(ErrNotFound, ref(kind, namespace, m.Name), "")
	}
	old := e.obj
	if err := checkVersion(old, m.ResourceVersion); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if err := checkUID(old, m.UID); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	n := s.writeStatusLocked(ti, kind, e, obj, ovIn, adopt, "")
	s.mu.Unlock()
	switch {
	case !result:
		return nil, nil
	case n == nil:
		return old.DeepCopyObject(), nil
	}
	return n.DeepCopyObject(), nil
}

// checkStatusWrite validates the object of a status write and returns its
// type info, value, kind and namespace.
func checkStatusWrite(obj workload.Object) (*typeInfo, reflect.Value, string, string, error) {
	if obj == nil {
		return nil, reflect.Value{}, "", "", newError(ErrInvalid, "<nil>", "object is nil")
	}
	ti, ov := infoOf(obj)
	if ti == nil {
		return nil, ov, "", "", newError(ErrInvalid, "<nil>", "object must be a non-nil pointer to a struct")
	}
	kind := obj.Kind()
	if workload.APIVersionOf(kind) == "" {
		return nil, ov, "", "", newError(ErrInvalid, workload.Ref(obj), "unknown kind "+strconv.Quote(kind))
	}
	if tk := obj.GetTypeMeta().Kind; tk != "" && tk != kind {
		return nil, ov, "", "", newError(ErrInvalid, workload.Ref(obj), "kind: "+strconv.Quote(tk)+" does not match the object's type "+kind)
	}
	if ti.status < 0 {
		return nil, ov, "", "", newError(ErrInvalid, workload.Ref(obj), "kind "+kind+" has no status")
	}
	m := obj.GetObjectMeta()
	namespace := normNamespace(kind, m.Namespace)
	if m.Name == "" {
		return nil, ov, "", "", newError(ErrInvalid, ref(kind, namespace, ""), "metadata.name: required")
	}
	return ti, ov, kind, namespace, nil
}

// writeStatusLocked stores obj's status (obj itself with adopt) as the new
// state of e, everything else coming from the stored object, and returns
// the new stored object; or, when the status is unchanged (and no
// finalizer is added), writes nothing and returns nil. A non-empty
// finalizer the stored object lacks is added to its finalizers in the same
// write. Caller holds mu for writing.
func (s *Store) writeStatusLocked(ti *typeInfo, kind string, e *entry, obj workload.Object, ovIn reflect.Value, adopt bool, finalizer string) workload.Object {
	old := e.obj
	ov := reflect.ValueOf(old).Elem()
	if finalizer != "" && slices.Contains(old.GetObjectMeta().Finalizers, finalizer) {
		finalizer = ""
	}
	var same bool
	pin, isPod := obj.(*workload.Pod)
	po, ok := old.(*workload.Pod)
	if isPod = isPod && ok; isPod {
		same = podStatusEqual(&pin.Status, &po.Status)
	} else {
		same = semanticEqual(ovIn.Field(ti.status), ov.Field(ti.status))
	}
	if same && finalizer == "" {
		return nil
	}
	// Everything but the status comes from the stored object; sharing
	// its memory is safe because stored objects are never modified.
	var n workload.Object
	switch {
	case adopt && isPod:
		pin.TypeMeta, pin.ObjectMeta, pin.Spec = po.TypeMeta, po.ObjectMeta, po.Spec
		n = obj
	case adopt:
		for i := range ov.NumField() {
			if i != ti.status {
				ovIn.Field(i).Set(ov.Field(i))
			}
		}
		n = obj
	default:
		st := reflect.New(ov.Type()).Elem()
		st.Set(ov)
		n = st.Addr().Interface().(workload.Object)
		if !workload.CopyStatus(n, obj) {
			st.Field(ti.status).Set(reflect.ValueOf(obj.DeepCopyObject()).Elem().Field(ti.status))
		}
	}
	if finalizer != "" {
		// A new list (or the shared list of f alone): the old one is
		// the stored object's.
		m := n.GetObjectMeta()
		if len(m.Finalizers) == 0 {
			m.Finalizers = s.finalizerList(finalizer)
		} else {
			m.Finalizers = append(slices.Clip(m.Finalizers), finalizer)
		}
	}
	s.commitSameKeys(kind, e, n)
	return n
}

// MergeStatus is a status write worked out from the stored object under
// the store's lock, so that nothing written in between is lost. It calls
// merge with the stored object of in's kind, namespace and name
// (read-only, as Peek's) and in itself. merge returns the object to store,
// which the store adopts as UpdateStatus with Adopt does (its status;
// everything else comes from the stored object), or nil to write nothing,
// or an error, which MergeStatus returns. An unchanged status is not
// written. merge runs with the store locked: it must be quick and must not
// call the store. MergeStatus fails with ErrInvalid as UpdateStatus does
// (in is checked, not its resourceVersion or uid: merge decides), with
// ErrNotFound, and with ErrInvalid when merge returns an object of another
// type.
//
// The runtime mirror merges each pod status a runtime reports with the
// conditions the control plane owns, in one lookup.
func (s *Store) MergeStatus(in workload.Object, merge func(stored, in workload.Object) (workload.Object, error)) error {
	return s.MergeStatusFinalizer(in, "", merge)
}

// MergeStatusFinalizer is MergeStatus that also adds finalizer (when not
// empty) to the stored object's finalizers in the same write, unless the
// object has it already or is being deleted (a deleted object gets no new
// finalizers, as in Kubernetes). Adding it is a write even when the status
// is unchanged; merge returning nil writes nothing. It is not a status
// write then, strictly: the runtime mirror uses it to put the runtime
// finalizer on a pod the runtime started together with the pod's first
// reported status, one write where there would be two.
func (s *Store) MergeStatusFinalizer(in workload.Object, finalizer string, merge func(stored, in workload.Object) (workload.Object, error)) error {
	_, _, kind, namespace, err := checkStatusWrite(in)
	if err != nil {
		return err
	}
	name := in.GetObjectMeta().Name
	s.mu.Lock()
	defer s.mu.Unlock()
	_, e := s.lookup(kind, namespace, name)
	if e == nil {
		return newError(ErrNotFound, ref(kind, namespace, name), "")
	}
	out, err := merge(e.obj, in)
	if err != nil || out == nil {
		return err
	}
	ti, ov := infoOf(out)
	if ti == nil || reflect.TypeOf(out) != reflect.TypeOf(e.obj) {
		return newError(ErrInvalid, ref(kind, namespace, name), "MergeStatus: merge returned a "+reflect.TypeOf(out).String()+" for a "+reflect.TypeOf(e.obj).String())
	}
	if e.obj.GetObjectMeta().DeletionTimestamp != nil {
		finalizer = ""
	}
	s.writeStatusLocked(ti, kind, e, out, ov, true, finalizer)
	return nil
}

// Delete deletes the object of that kind, namespace and name and returns
// it as deleted (or as marked for deletion).
//
// A non-empty Preconditions field that does not match fails with
// ErrConflict. An object with finalizers (including the one the
// propagation policy adds) is not removed: it gets a deletionTimestamp
// (and its generation, if set, goes up by one, as the API server does)
// and stays until an Update removes its last finalizer; watchers see a
// Modified event. Deleting an object already marked changes nothing. An
// object without finalizers is removed; watchers see a Deleted event
// carrying its last state with a new resourceVersion.
func (s *Store) Delete(kind, namespace, name string, opts DeleteOptions) (workload.Object, error) {
	namespace = normNamespace(kind, namespace)
	switch opts.PropagationPolicy {
	case "", DeleteBackground, DeleteForeground, DeleteOrphan:
	default:
		return nil, newError(ErrInvalid, ref(kind, namespace, name),
			"propagationPolicy: unknown value "+strconv.Quote(opts.PropagationPolicy)+" (want Background, Foreground or Orphan)")
	}
	s.mu.Lock()
	ki, e := s.lookup(kind, namespace, name)
	if e == nil {
		s.mu.Unlock()
		return nil, newError(ErrNotFound, ref(kind, namespace, name), "")
	}
	old := e.obj
	if err := checkUID(old, opts.Preconditions.UID); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if err := checkVersion(old, opts.Preconditions.ResourceVersion); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if om := old.GetObjectMeta(); om.DeletionTimestamp != nil {
		if specFinalized(old) {
			// The namespace registry's Delete: a Namespace whose
			// deletion has started cannot be deleted again until its
			// spec.finalizers are all removed.
			s.mu.Unlock()
			return nil, newError(ErrConflict, ref(kind, namespace, name),
				"Operation cannot be fulfilled on namespaces \""+name+"\": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.")
		}
		g := opts.GracePeriodSeconds
		if g != nil && (om.DeletionGracePeriodSeconds == nil || *g < *om.DeletionGracePeriodSeconds) {
			c := old.DeepCopyObject()
			cm := c.GetObjectMeta()
			// The due time moves back by the difference, never into
			// the past (BeforeDelete).
			due := om.DeletionTimestamp.Add(time.Duration(*g) * time.Second)
			if om.DeletionGracePeriodSeconds != nil {
				due = due.Add(-time.Duration(*om.DeletionGracePeriodSeconds) * time.Second)
			}
			if now := s.clock.Now(); due.Before(now) {
				due = now
			}
			cm.DeletionTimestamp = workload.NewTimePtr(due)
			cm.DeletionGracePeriodSeconds = workload.Ptr(*g)
			s.commit(Modified, kind, ki, e, c)
			s.mu.Unlock()
			if opts.NoResult {
				return nil, nil
			}
			return c.DeepCopyObject(), nil
		}
		if fins, ok := gcFinalizers(om.Finalizers, opts.PropagationPolicy); ok && (om.DeletionGracePeriodSeconds == nil || *om.DeletionGracePeriodSeconds == 0) {
			// As the API server (BeforeDelete, then
			// deletionFinalizersForGarbageCollection): an object
			// held by finalizers with no grace period pending takes a
			// new propagation policy's finalizers, and goes if none
			// is left (a foreground deletion re-issued in the
			// background no longer waits for the dependents).
			c := shallowCopy(old)
			cm := c.GetObjectMeta()
			cm.Finalizers = fins
			// (Not a Namespace holding spec.finalizers: refused above.)
			if len(fins) > 0 {
				s.commit(Modified, kind, ki, e, c)
			} else {
				s.remove(kind, ki, e, c)
			}
			s.mu.Unlock()
			if opts.NoResult {
				return nil, nil
			}
			return c.DeepCopyObject(), nil
		}
		s.mu.Unlock()
		if opts.NoResult {
			return nil, nil
		}
		return old.DeepCopyObject(), nil
	}
	// A shallow copy with its own metadata lists: stored objects are never
	// modified, so the new one may share the rest.
	c := shallowCopy(old)
	m := c.GetObjectMeta()
	if fins, ok := gcFinalizers(m.Finalizers, opts.PropagationPolicy); ok {
		m.Finalizers = fins
	} else {
		m.Finalizers = slices.Clone(m.Finalizers)
	}
	if len(s.pendingFin) > 0 && m.UID != "" {
		if f, ok := s.pendingFin[m.UID]; ok && !slices.Contains(m.Finalizers, f) {
			m.Finalizers = append(m.Finalizers, f)
		}
	}
	if len(m.Finalizers) > 0 || specFinalized(c) {
		if sf, ok := c.(workload.SpecFinalized); ok {
			// A Namespace is Terminating from its deletion on (the
			// namespace registry's Delete). Its status is a value
			// field: the shallow copy's own.
			sf.MarkTerminating()
		}
		// As the API server (BeforeDelete, markAsDeleting): the deletion
		// request bumps the generation, so that controllers act on it.
		if m.Generation > 0 {
			m.Generation++
		}
		// As the API server's BeforeDelete: deletionTimestamp is when
		// the object is due to be gone, now + the grace period.
		m.DeletionGracePeriodSeconds = new(int64)
		if opts.GracePeriodSeconds != nil {
			*m.DeletionGracePeriodSeconds = max(*opts.GracePeriodSeconds, 0)
		}
		m.DeletionTimestamp = workload.NewTimePtr(s.clock.Now().Add(time.Duration(*m.DeletionGracePeriodSeconds) * time.Second))
		s.commit(Modified, kind, ki, e, c)
	} else {
		s.remove(kind, ki, e, c)
	}
	s.mu.Unlock()
	if opts.NoResult {
		return nil, nil
	}
	return c.DeepCopyObject(), nil
}

// gcFinalizers returns finalizers as an explicit propagation policy
// leaves them, and whether that differs from finalizers: as Kubernetes'
// deletionFinalizersForGarbageCollection, the policy's own finalizer
// (foregroundDeletion for Foreground, orphan for Orphan, none for
// Background) replaces whichever of the two the object carried. With no
// policy (""), the object's finalizers stand (they decide, as in
// shouldOrphanDependents).
func gcFinalizers(finalizers []string, policy string) ([]string, bool) {
	var want string
	switch policy {
	case DeleteBackground:
	case DeleteForeground:
		want = FinalizerForeground
	case DeleteOrphan:
		want = FinalizerOrphan
	default:
		return nil, false
	}
	changed := want != "" && !slices.Contains(finalizers, want)
	out := make([]string, 0, len(finalizers)+1)
	for _, f := range finalizers {
		if (f == FinalizerForeground || f == FinalizerOrphan) && f != want {
			changed = true
			continue
		}
		out = append(out, f)
	}
	if !changed {
		return nil, false
	}
	if want != "" && !slices.Contains(out, want) {
		out = append(out, want)
	}
	if len(out) == 0 {
		out = nil
	}
	return out, true
}

// shallowCopy returns a new object of obj's type holding the same field
// values: it shares maps, slices and pointers with obj.
func shallowCopy(obj workload.Object) workload.Object {
	ov := reflect.ValueOf(obj).Elem()
	st := reflect.New(ov.Type()).Elem()
	st.Set(ov)
	return st.Addr().Interface().(workload.Object)
}

// commit stores obj (already a private copy) as the new state of e with the
// next resourceVersion, maintains the indexes and records and sends the
// event. Caller holds mu for writing.
func (s *Store) commit(typ string, kind string, ki *kindIndex, e *entry, obj workload.Object) {
	s.rv++
	obj.GetObjectMeta().ResourceVersion = s.rvs.Format(s.rv)
	if e.obj != nil && sameIndexKeys(e.obj, obj) {
		e.obj = obj // a status update: the indexes stay as they are
	} else if e.obj != nil && sameLabelsAndOwners(e.obj, obj) {
		s.unindexNode(e) // a binding: only the node index changes
		e.obj = obj
		s.indexNode(e)
	} else {
		s.unindex(kind, ki, e)
		e.obj = obj
		s.index(kind, ki, e)
	}
	s.emit(Event{Type: typ, Object: obj, Version: s.rv, Key: e.key}, kind)
}

// commitSameKeys is commit for a write that cannot change the index keys
// (labels, owner references, node name), such as a status update: it
// skips comparing them.
func (s *Store) commitSameKeys(kind string, e *entry, obj workload.Object) {
	s.rv++
	obj.GetObjectMeta().ResourceVersion = s.rvs.Format(s.rv)
	e.obj = obj
	s.emit(Event{Type: Modified, Object: obj, Version: s.rv, Key: e.key}, kind)
}

// remove deletes e from the store; obj is its last state (a private copy).
func (s *Store) remove(kind string, ki *kindIndex, e *entry, obj workload.Object) {
	s.rv++
	obj.GetObjectMeta().ResourceVersion = s.rvs.Format(s.rv)
	s.unindex(kind, ki, e)
	ns := ki.byNS[e.namespace]
	delete(ns, e.name)
	if len(ns) == 0 {
		delete(ki.byNS, e.namespace)
	}
	e.obj = nil
	s.emit(Event{Type: Deleted, Object: obj, Version: s.rv, Key: e.key}, kind)
}

// index adds e (with its current object) to the secondary indexes.
func (s *Store) index(kind string, ki *kindIndex, e *entry) {
	m := e.obj.GetObjectMeta()
	for k, v := range m.Labels {
		vals := ki.labels[k]
		if vals == nil {
			vals = map[string]*entrySet{}
			ki.labels[k] = vals
		}
		set := vals[v]
		if set == nil {
			set = &entrySet{}
			vals[v] = set
		}
		set.add(e)
	}
	for _, r := range m.OwnerReferences {
		key := ownerKey{kind, r.UID}
		set := s.owners[key]
		if set == nil {
			set = &entrySet{}
			s.owners[key] = set
		}
		set.add(e)
	}
	s.indexNode(e)
}

// indexNode adds e (a pod with its current object) to the node index.
func (s *Store) indexNode(e *entry) {
	if node := nodeNameOf(e.obj); node != "" {
		set := s.nodes[node]
		if set == nil {
			set = &entrySet{}
			s.nodes[node] = set
		}
		set.add(e)
	}
}

// unindex removes e (with its current object, if any) from the secondary
// indexes.
func (s *Store) unindex(kind string, ki *kindIndex, e *entry) {
	if e.obj == nil {
		return
	}
	m := e.obj.GetObjectMeta()
	for k, v := range m.Labels {
		vals := ki.labels[k]
		set := vals[v]
		if set != nil {
			set.remove(e)
		}
		if set.size() == 0 {
			delete(vals, v)
			if len(vals) == 0 {
				delete(ki.labels, k)
			}
		}
	}
	for _, r := range m.OwnerReferences {
		key := ownerKey{kind, r.UID}
		set := s.owners[key]
		if set != nil {
			set.remove(e)
		}
		if set.size() == 0 {
			delete(s.owners, key)
		}
	}
	s.unindexNode(e)
}

// unindexNode removes e (with its current object) from the node index.
func (s *Store) unindexNode(e *entry) {
	if node := nodeNameOf(e.obj); node != "" {
		set := s.nodes[node]
		if set != nil {
			set.remove(e)
		}
		if set.size() == 0 {
			delete(s.nodes, node)
		}
	}
}

// List returns copies of the objects of kind in namespace ("" for all
// namespaces) that sel matches (nil for all), sorted by namespace, then
// name.
//
// With a selector, List starts from the smallest label posting set among
// the selector's equality requirements (key=value, key==value, key in
// (value)), so its cost follows the size of that set, not of the store;
// a selector without such a requirement scans the objects of kind.
func (s *Store) List(kind, namespace string, sel labels.Selector) []workload.Object {
	objs, _ := s.ListWithVersion(kind, namespace, sel)
	return objs
}

// ListWithVersion is List that also returns the store's resourceVersion at
// the moment of the list: Watch(kind, version) then delivers exactly the
// changes made after the list.
func (s *Store) ListWithVersion(kind, namespace string, sel labels.Selector) ([]workload.Object, uint64) {
	if namespace != "" {
		namespace = normNamespace(kind, namespace)
	}
	s.mu.RLock()
	es := s.selectLocked(kind, namespace, sel)
	rv := s.rv
	objs := make([]workload.Object, len(es))
	for i, e := range es {
		objs[i] = e.obj
	}
	s.mu.RUnlock()
	slices.SortFunc(objs, compareObjects)
	for i, o := range objs {
		objs[i] = o.DeepCopyObject()
	}
	return objs, rv
}

func compareObjects(a, b workload.Object) int {
	am, bm := a.GetObjectMeta(), b.GetObjectMeta()
	if c := cmp.Compare(am.Namespace, bm.Namespace); c != 0 {
		return c
	}
	return cmp.Compare(am.Name, bm.Name)
}

// selectLocked returns the entries of kind in namespace matching sel.
// Caller holds mu.
func (s *Store) selectLocked(kind, namespace string, sel labels.Selector) []*entry {
	ki := s.kinds[kind]
	if ki == nil {
		return nil
	}
	var out []*entry
	if sel == nil || sel.Empty() {
		if namespace != "" {
			for _, e := range ki.byNS[namespace] {
				out = append(out, e)
			}
			return out
		}
		for _, ns := range ki.byNS {
			for _, e := range ns {
				out = append(out, e)
			}
		}
		return out
	}
	reqs, selectable := sel.Requirements()
	if !selectable {
		return nil
	}
	var best *entrySet
	found := false
	for i := range reqs {
		r := &reqs[i]
		op := r.Operator()
		if op != selection.Equals && op != selection.DoubleEquals && op != selection.In {
			continue
		}
		vals := r.ValuesUnsorted()
		if len(vals) != 1 {
			continue
		}
		set := ki.labels[r.Key()][vals[0]]
		if set.size() == 0 {
			return nil
		}
		if !found || set.size() < best.size() {
			best, found = set, true
		}
	}
	keep := func(e *entry) bool {
		return (namespace == "" || e.namespace == namespace) &&
			sel.Matches(labels.Set(e.obj.GetObjectMeta().Labels))
	}
	if found {
		for e := range best.all {
			if keep(e) {
				out = append(out, e)
			}
		}
		return out
	}
	scan := func(ns map[string]*entry) {
		for _, e := range ns {
			if keep(e) {
				out = append(out, e)
			}
		}
	}
	if namespace != "" {
		scan(ki.byNS[namespace])
	} else {
		for _, ns := range ki.byNS {
			scan(ns)
		}
	}
	return out
}

// ListByOwner returns copies of the objects of kind that have an owner
// reference to ownerUID, sorted by namespace, then name. Its cost follows
// the size of the result.
func (s *Store) ListByOwner(kind, ownerUID string) []workload.Object {
	s.mu.RLock()
	set := s.owners[ownerKey{kind, ownerUID}]
	objs := make([]workload.Object, 0, set.size())
	for e := range set.all {
		objs = append(objs, e.obj)
	}
	s.mu.RUnlock()
	slices.SortFunc(objs, compareObjects)
	for i, o := range objs {
		objs[i] = o.DeepCopyObject()
	}
	return objs
}

// ListPodsOnNode returns copies of the pods whose spec.nodeName is
// nodeName, sorted by namespace, then name. Its cost follows the size of
// the result.
func (s *Store) ListPodsOnNode(nodeName string) []*workload.Pod {
	s.mu.RLock()
	set := s.nodes[nodeName]
	pods := make([]*workload.Pod, 0, set.size())
	for e := range set.all {
		pods = append(pods, e.obj.(*workload.Pod))
	}
	s.mu.RUnlock()
	slices.SortFunc(pods, func(a, b *workload.Pod) int { return compareObjects(a, b) })
	for i, p := range pods {
		pods[i] = p.DeepCopy()
	}
	return pods
}

// sameIndexKeys reports whether a and b have the same labels, owner
// references and node name, the keys of the secondary indexes.
func sameIndexKeys(a, b workload.Object) bool {
	return nodeNameOf(a) == nodeNameOf(b) && sameLabelsAndOwners(a, b)
}

// sameLabelsAndOwners reports whether a and b have the same labels and
// owner references.
func sameLabelsAndOwners(a, b workload.Object) bool {
	am, bm := a.GetObjectMeta(), b.GetObjectMeta()
	if len(am.Labels) != len(bm.Labels) || len(am.OwnerReferences) != len(bm.OwnerReferences) {
		return false
	}
	for k, v := range am.Labels {
		if w, ok := bm.Labels[k]; !ok || w != v {
			return false
		}
	}
	for i := range am.OwnerReferences {
		if am.OwnerReferences[i].UID != bm.OwnerReferences[i].UID {
			return false
		}
	}
	return true
}
