package service

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// ManagedBy is the value of the endpointslice.kubernetes.io/managed-by
// label on the EndpointSlices the endpoints controller writes: Kubernetes'
// EndpointSlice controller's, as the controller stands for it, so that
// the slices that controller wrote (in a manifest dumped from a cluster)
// are this one's to replace. Slices with another value are left alone.
const ManagedBy = "endpointslice-controller.k8s.io"

// EndpointsController keeps, for each Service with a selector, the
// EndpointSlices of the pods the selector matches and the Service's
// pickers, as Kubernetes' EndpointSlice controller and kube-proxy do
// together:
//
//   - A selected pod appears when it has an IP of the Service's family
//     (its first ipFamily: the slices' addressType) and has not finished
//     (Succeeded or Failed pods never appear, even with
//     publishNotReadyAddresses), and its Node object exists (or the
//     Service publishes not-ready addresses). Its conditions: serving = the pod's Ready
//     condition, terminating = deletionTimestamp set, ready =
//     publishNotReadyAddresses || (serving && !terminating).
//   - Each Service port's targetPort is resolved per pod: a number as is,
//     a name among the pod's container ports of the same protocol, then
//     its sidecars' (pods may serve it on different numbers); a pod
//     without the named port is left out of that port's endpoints. Endpoints with the same resolved
//     ports share slices of at most 100 endpoints, named
//     "<service>-<hash of the ports>-<n>", labelled with the Service's
//     labels, kubernetes.io/service-name,
//     endpointslice.kubernetes.io/managed-by (ManagedBy) and for a
//     headless Service LabelHeadless, owned by the Service. Each endpoint carries nodeName,
//     zone (the node's topology.kubernetes.io/zone), targetRef, and for a
//     pod whose subdomain is the Service's name its hostname. Under
//     spec.trafficDistribution PreferClose or PreferSameZone a ready
//     endpoint is hinted for its zone, under PreferSameNode for its node
//     and zone (hints.forZones, hints.forNodes, as trafficdist's
//     preferCloseHeuristic); under the annotation
//     service.kubernetes.io/topology-mode: Auto the ready endpoints are
//     hinted for zones in proportion to the zones' allocatable CPU, as
//     Kubernetes' topology cache (with its events), and the annotation
//     takes precedence. The node-side pickers follow the hints of every
//     slice of the Service (see Topology).
//   - A pod keeps its slice while it stays; a change of one pod rewrites
//     only its slice. A Service with no endpoints has one empty slice
//     (no endpoints, no ports), "<service>-placeholder", as Kubernetes'
//     placeholder slice. Services without a selector
//     (or ExternalName ones) are left to their owner: no slices of ours;
//     their pickers get the endpoints of the EndpointSlices labelled
//     kubernetes.io/service-name that someone else writes, as kube-proxy
//     uses them (a Service port takes the slice port of the same name and
//     protocol; FQDN slices and those of a family the Service does not
//     have are ignored). Unlike kube-proxy, the pickers
//     of a Service with a selector use only this controller's slices:
//     slices another manager adds for it are not merged in (the resolver
//     does read them, as CoreDNS does).
//   - Each slice written (created or changed) carries
//     AnnotationLastChangeTriggerTime, computed as by the Endpoints
//     controller (EndpointsV1Controller); a slice whose endpoints, ports
//     and labels stay is not rewritten for it.
//   - In the same reconcile, every picker of the Service gets the new
//     endpoints of its port (in pod order), so once the reconcile that
//     removes an endpoint returns, no Pick returns it. Pods that share an
//     address (host-network pods of one node) are each in the slices but
//     one endpoint per address and port for the pickers, as for
//     kube-proxy: the first ready one, else the first serving one.
//
// It is a controller.Controller: every method runs on the control plane's
// loop goroutine. It keeps its own view of pods, Services and node zones
// from the store's events, and an index from each pod to the Services
// that select it, so that a pod event costs O(Services that select the
// pod) and a readiness change of one pod rewrites one slice.
type EndpointsController struct {
	l        *Layer
	store    *store.Store
	logger   *slog.Logger
	rec      *controller.Recorder
	maxSlice int

	services   map[string]*svcState
	pods       map[string]*podState
	postings   map[string]map[string]map[string]struct{} // ns -> "k=v" -> Service keys
	podsOnNode map[string]map[string]struct{}
	zones      map[string]string   // node -> topology.kubernetes.io/zone
	foreign    map[string]string   // slices of other managers: slice key -> its Service's key
	hinted     map[string]struct{} // Services whose topology-aware hints are populated
	at         []int               // scratch of publish: the indexes patched in place
}

var _ controller.Controller = (*EndpointsController)(nil)

type podState struct {
	pod  *workload.Pod // shared with the store: read-only
	svcs []string      // keys of the Services whose selector matches
}

type svcState struct {
	svc     *workload.Service // shared with the store: read-only; nil once deleted
	posting string            // the "k=v" of the selector it is indexed under
	pods    map[string]struct{}
	dirty   map[string]struct{}
	full    bool // rebuild everything at the next reconcile

	built   bool
	entries map[string]*entry
	order   []*entry // by pod key
	groups  map[string]*group
	slices  map[string]*workload.EndpointSlice // as last written, by name

	// The pickers' endpoint lists: when layout holds, list i has portLen[i]
	// endpoints and entry e sits at e.idx[i] (-1: absent), so a change
	// that moves nothing patches the changed entries in place.
	layout  bool
	portLen []int
	changed []*entry

	hintsOn bool // topology-aware hints are populated (TopologyCache's hintsPopulatedByService)

	// addrs counts the entries per address and dups the addresses that
	// more than one entry has (pods sharing an IP: host-network pods of
	// one node, an IP reused while its old pod is still listed); deduped
	// says the last publish merged them.
	addrs   map[string]int
	dups    int
	deduped bool

	trig    triggerTimes // the last-change-trigger-time tracker's state
	trigger time.Time    // the trigger time of the sync under way (zero: none)
}

// entry is one pod's endpoint in a Service.
type entry struct {
	key   string
	ep    workload.Endpoint // without ports
	pe    Endpoint          // picker endpoint without port
	ports []int32           // per Service port; 0: the pod lacks it
	sig   string            // ports, as a string
	chunk *chunk
	idx   []int32 // position in each port's picker list
}

// group holds the endpoints with the same resolved ports, in chunks of at
// most maxSlice: one EndpointSlice per chunk.
type group struct {
	sig    string
	ports  []int32
	chunks []*chunk
}

type chunk struct {
	name    string
	g       *group
	members map[string]*entry
	dirty   bool
}

// NewEndpointsController returns the endpoints controller of l.
func NewEndpointsController(l *Layer, d controller.Deps) *EndpointsController {
	lg := d.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	return &EndpointsController{l: l, store: d.Store, logger: lg, rec: d.Events, maxSlice: workload.EndpointSliceMaxLen}
}

// Name returns "endpointslice".
func (c *EndpointsController) Name() string { return "endpointslice" }

// Start rebuilds the controller's view and the address allocators from
// the store and enqueues every Service, and every Service that has slices
// but no longer exists.
func (c *EndpointsController) Start(enqueue func(string)) {
	c.l.Rebuild()
	c.services = map[string]*svcState{}
	c.pods = map[string]*podState{}
	c.postings = map[string]map[string]map[string]struct{}{}
	c.podsOnNode = map[string]map[string]struct{}{}
	c.zones = map[string]string{}
	for _, o := range c.store.List("Node", "", nil) {
		n := o.(*workload.Node)
		c.zones[n.Name] = n.Labels[workload.LabelZone]
	}
	for _, o := range c.store.List("Service", "", nil) {
		s := o.(*workload.Service)
		key := workload.Key(s)
		st := &svcState{svc: s, pods: map[string]struct{}{}, full: true}
		c.services[key] = st
		c.index(key, st)
		enqueue(key)
	}
	for _, o := range c.store.List("Pod", "", nil) {
		p := o.(*workload.Pod)
		key := workload.Key(p)
		ps := &podState{pod: p, svcs: c.match(p)}
		c.pods[key] = ps
		c.nodeIndex(key, "", p.Spec.NodeName)
		for _, s := range ps.svcs {
			c.services[s].pods[key] = struct{}{}
		}
	}
	c.foreign = map[string]string{}
	c.hinted = map[string]struct{}{}
	notOurs, _ := labels.Parse(workload.LabelManagedBy + "!=" + ManagedBy)
	for _, o := range c.store.List("EndpointSlice", "", notOurs) {
		m := o.GetObjectMeta()
		c.foreign[workload.Key(o)] = m.Namespace + "/" + m.Labels[workload.LabelServiceName]
	}
	sel := labels.SelectorFromSet(labels.Set{workload.LabelManagedBy: ManagedBy})
	for _, o := range c.store.List("EndpointSlice", "", sel) {
		m := o.GetObjectMeta()
		key := m.Namespace + "/" + m.Labels[workload.LabelServiceName]
		if c.services[key] == nil {
			c.services[key] = &svcState{pods: map[string]struct{}{}, full: true}
			enqueue(key)
		}
	}
}

// selectorOf returns the selector the controller uses for s: nil for
// ExternalName Services and Services without one.
func selectorOf(s *workload.Service) map[string]string {
	if s == nil || s.Spec.Type == workload.ServiceTypeExternalName || len(s.Spec.Selector) == 0 {
		return nil
	}
	return s.Spec.Selector
}

// index files a Service under one requirement of its selector (the
// smallest key), so that a pod finds the candidate Services through its
// own labels.
func (c *EndpointsController) index(key string, st *svcState) {
	sel := selectorOf(st.svc)
	if len(sel) == 0 {
		st.posting = ""
		return
	}
	k := ""
	for sk := range sel {
		if k == "" || sk < k {
			k = sk
		}
	}
	st.posting = k + "=" + sel[k]
	ns := st.svc.Namespace
	if c.postings[ns] == nil {
		c.postings[ns] = map[string]map[string]struct{}{}
	}
	if c.postings[ns][st.posting] == nil {
		c.postings[ns][st.posting] = map[string]struct{}{}
	}
	c.postings[ns][st.posting][key] = struct{}{}
}

func (c *EndpointsController) unindex(key string, st *svcState) {
	if st.posting == "" || st.svc == nil {
		return
	}
	ns := st.svc.Namespace
	delete(c.postings[ns][st.posting], key)
	if len(c.postings[ns][st.posting]) == 0 {
		delete(c.postings[ns], st.posting)
	}
	st.posting = ""
}

// match returns the keys of the Services whose selector matches p, sorted.
func (c *EndpointsController) match(p *workload.Pod) []string {
	post := c.postings[p.Namespace]
	if len(post) == 0 {
		return nil
	}
	var out []string
	for k, v := range p.Labels {
		for key := range post[k+"="+v] {
			if selects(c.services[key].svc.Spec.Selector, p.Labels) {
				out = append(out, key)
			}
		}
	}
	sort.Strings(out)
	return out
}

func selects(sel, lbls map[string]string) bool {
	for k, v := range sel {
		if w, ok := lbls[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func (c *EndpointsController) nodeIndex(key, from, to string) {
	if from == to {
		return
	}
	if from != "" {
		delete(c.podsOnNode[from], key)
		if len(c.podsOnNode[from]) == 0 {
			delete(c.podsOnNode, from)
		}
	}
	if to != "" {
		if c.podsOnNode[to] == nil {
			c.podsOnNode[to] = map[string]struct{}{}
		}
		c.podsOnNode[to][key] = struct{}{}
	}
}

// Handle maps a store change to the Services it touches.
func (c *EndpointsController) Handle(ev store.Event, enqueue func(string)) {
	switch o := ev.Object.(type) {
	case *workload.Pod:
		c.podEvent(ev.Type == store.Deleted, o, ev.ObjectKey(), enqueue)
	case *workload.Service:
		c.serviceEvent(ev.Type == store.Deleted, o, enqueue)
	case *workload.Node:
		// The zones' CPU shares may have moved: the Services whose hints
		// are populated are reconciled again (checkNodeTopologyDistribution).
		for key := range c.hinted {
			if st := c.services[key]; st != nil {
				st.full = true
				enqueue(key)
			}
		}
		zone := ""
		if ev.Type != store.Deleted {
			zone = o.Labels[workload.LabelZone]
		}
		old, had := c.zones[o.Name]
		if ev.Type == store.Deleted {
			delete(c.zones, o.Name)
		} else {
			c.zones[o.Name] = zone
		}
		if old == zone && had == (ev.Type != store.Deleted) {
			return // neither its zone nor its existence changed
		}
		if old != zone {
			c.l.rezone(o.Name)
		}
		for pk := range c.podsOnNode[o.Name] {
			c.touchPod(pk, c.pods[pk].svcs, enqueue)
		}
	case *workload.EndpointSlice:
		if o.Labels[workload.LabelManagedBy] != ManagedBy {
			// A slice someone else manages: the endpoints of a Service
			// without a selector. A slice relabelled to another Service
			// (or to another manager) leaves the one it named before.
			sk, key := ev.ObjectKey(), o.Namespace+"/"+o.Labels[workload.LabelServiceName]
			if prev, ok := c.foreign[sk]; ok && prev != key {
				c.enqueueManual(prev, enqueue)
			}
			if ev.Type == store.Deleted {
				delete(c.foreign, sk)
			} else {
				c.foreign[sk] = key
			}
			c.enqueueManual(key, enqueue)
			return
		}
		if prev, ok := c.foreign[ev.ObjectKey()]; ok {
			// Taken over by this controller (relabelled managed-by).
			delete(c.foreign, ev.ObjectKey())
			c.enqueueManual(prev, enqueue)
		}
		key := o.Namespace + "/" + o.Labels[workload.LabelServiceName]
		st := c.services[key]
		if st == nil {
			if ev.Type != store.Deleted {
				c.services[key] = &svcState{pods: map[string]struct{}{}, full: true}
				enqueue(key)
			}
			return
		}
		mine, ok := st.slices[o.Name]
		switch {
		case ev.Type == store.Deleted && !ok:
		case ev.Type != store.Deleted && ok && mine.ResourceVersion == o.ResourceVersion:
		default:
			// Someone else changed or deleted one of our slices.
			st.full = true
			enqueue(key)
		}
	}
}

// enqueueManual enqueues the Service key if it is one without a selector,
// whose endpoints come from other managers' slices.
func (c *EndpointsController) enqueueManual(key string, enqueue func(string)) {
	if st := c.services[key]; st != nil && st.svc != nil && selectorOf(st.svc) == nil {
		enqueue(key)
	}
}

func (c *EndpointsController) touchPod(pk string, svcs []string, enqueue func(string)) {
	for _, s := range svcs {
		st := c.services[s]
		if st == nil {
			continue
		}
		if !st.full {
			if st.dirty == nil {
				st.dirty = map[string]struct{}{}
			}
			st.dirty[pk] = struct{}{}
		}
		enqueue(s)
	}
}

func (c *EndpointsController) podEvent(deleted bool, p *workload.Pod, key string, enqueue func(string)) {
	ps := c.pods[key]
	if deleted {
		if ps == nil {
			return
		}
		for _, s := range ps.svcs {
			if st := c.services[s]; st != nil {
				delete(st.pods, key)
			}
		}
		c.touchPod(key, ps.svcs, enqueue)
		c.nodeIndex(key, ps.pod.Spec.NodeName, "")
		delete(c.pods, key)
		return
	}
	if ps == nil {
		if len(c.postings[p.Namespace]) == 0 {
			// No Service of the namespace selects pods: nothing to do
			// until one does (reselect then finds this pod in the store).
			return
		}
		ps = &podState{}
		c.pods[key] = ps
	}
	old := ps.pod
	ps.pod = p
	oldNode := ""
	if old != nil {
		oldNode = old.Spec.NodeName
	}
	c.nodeIndex(key, oldNode, p.Spec.NodeName)
	if old == nil || !sameLabels(old.Labels, p.Labels) {
		now := c.match(p)
		for _, s := range ps.svcs {
			if !slices.Contains(now, s) {
				delete(c.services[s].pods, key)
			}
		}
		for _, s := range now {
			c.services[s].pods[key] = struct{}{}
		}
		c.touchPod(key, union(ps.svcs, now), enqueue)
		ps.svcs = now
		return
	}
	if len(ps.svcs) > 0 && endpointChanged(old, p) {
		c.touchPod(key, ps.svcs, enqueue)
	}
}

func union(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, s := range b {
		if !slices.Contains(a, s) {
			out = append(out, s)
		}
	}
	return out
}

// sameLabels is maps2Equal for the labels of two versions of an object,
// which an update that keeps them shares: the same map answers at once.
func sameLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || *(*unsafe.Pointer)(unsafe.Pointer(&a)) == *(*unsafe.Pointer)(unsafe.Pointer(&b)) {
		return true
	}
	return maps2Equal(a, b)
}

func maps2Equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// endpointChanged reports whether a pod update can change its endpoints.
func endpointChanged(a, b *workload.Pod) bool {
	return a.Status.PodIP != b.Status.PodIP ||
		controller.IsPodTerminal(a) != controller.IsPodTerminal(b) ||
		controller.IsPodReady(a) != controller.IsPodReady(b) ||
		(a.DeletionTimestamp == nil) != (b.DeletionTimestamp == nil) ||
		a.Spec.NodeName != b.Spec.NodeName ||
		a.Spec.Hostname != b.Spec.Hostname || a.Spec.Subdomain != b.Spec.Subdomain ||
		a.Annotations[AnnotationWeight] != b.Annotations[AnnotationWeight] ||
		!reflect.DeepEqual(a.Spec.Containers, b.Spec.Containers)
}

func (c *EndpointsController) serviceEvent(deleted bool, s *workload.Service, enqueue func(string)) {
	key := workload.Key(s)
	st := c.services[key]
	if deleted {
		if st != nil && st.svc != nil {
			c.unindex(key, st)
			for pk := range st.pods {
				if ps := c.pods[pk]; ps != nil {
					ps.svcs = slices.DeleteFunc(ps.svcs, func(x string) bool { return x == key })
				}
			}
			st.pods = map[string]struct{}{}
			st.svc = nil
		}
		c.l.release(s)
		enqueue(key)
		return
	}
	if st == nil {
		st = &svcState{pods: map[string]struct{}{}}
		c.services[key] = st
	}
	old := st.svc
	if old == nil || !maps2Equal(selectorOf(old), selectorOf(s)) {
		c.unindex(key, st)
		st.svc = s
		c.index(key, st)
		c.reselect(key, st, enqueue)
	}
	st.svc = s
	st.full, st.dirty = true, nil
	enqueue(key)
}

// reselect recomputes the pods a Service selects after its selector
// changed, through the store's label index. A pod it finds that the
// controller does not know yet (its event is still to come, the store
// being ahead of the events, or went by when no Service of its namespace
// selected pods) joins every Service that selects it, not only this one:
// its event, if still to come, changes nothing the controller would see.
func (c *EndpointsController) reselect(key string, st *svcState, enqueue func(string)) {
	now := map[string]struct{}{}
	if sel := selectorOf(st.svc); sel != nil {
		for _, o := range c.store.List("Pod", st.svc.Namespace, labels.SelectorFromSet(sel)) {
			pk := workload.Key(o)
			ps := c.pods[pk]
			if ps == nil {
				// A pod of a namespace where no Service selected pods
				// (podEvent keeps none of those): its latest version.
				p := o.(*workload.Pod)
				ps = &podState{pod: p}
				c.pods[pk] = ps
				c.nodeIndex(pk, "", p.Spec.NodeName)
				var others []string
				for _, s := range c.match(p) {
					if s != key {
						c.services[s].pods[pk] = struct{}{}
						others = append(others, s)
					}
				}
				ps.svcs = others
				c.touchPod(pk, others, enqueue)
			}
			if selects(sel, ps.pod.Labels) {
				now[pk] = struct{}{}
			}
		}
	}
	for pk := range st.pods {
		if _, ok := now[pk]; !ok {
			if ps := c.pods[pk]; ps != nil {
				ps.svcs = slices.DeleteFunc(ps.svcs, func(x string) bool { return x == key })
			}
		}
	}
	for pk := range now {
		if _, ok := st.pods[pk]; !ok {
			ps := c.pods[pk]
			ps.svcs = append(ps.svcs, key)
			sort.Strings(ps.svcs)
		}
	}
	st.pods = now
}

// Reconcile brings the slices and pickers of one Service up to date.
func (c *EndpointsController) Reconcile(ctx context.Context, key string) (controller.Result, error) {
	st := c.services[key]
	if st == nil {
		return controller.Result{}, nil
	}
	ns, name := splitKey(key)
	if st.svc == nil {
		if err := c.deleteSlices(ns, name, nil); err != nil {
			return controller.Result{}, err
		}
		c.l.unpublish(key)
		for _, p := range c.l.proxies() {
			p.remove(key)
		}
		delete(c.services, key)
		delete(c.hinted, key)
		return controller.Result{}, nil
	}
	svc := st.svc
	for _, p := range c.l.proxies() {
		p.sync(svc)
	}
	if selectorOf(svc) == nil {
		// Not managed: no slices of ours; the pickers get the endpoints
		// of the slices its owner writes.
		if st.built || st.full {
			if err := c.deleteSlices(ns, name, nil); err != nil {
				return controller.Result{}, err
			}
			st.built, st.full, st.slices, st.entries, st.order, st.groups = false, false, nil, nil, nil, nil
		}
		st.layout = false
		c.publishManual(key, svc)
		return controller.Result{}, nil
	}
	var err error
	st.trig.begin(svc)
	if !st.built || st.full || autoHints(svc) {
		st.trigger = st.trig.all(svc, st.pods, func(pk string) *workload.Pod {
			if ps := c.pods[pk]; ps != nil {
				return ps.pod
			}
			return nil
		})
		// Topology-aware hints depend on every endpoint: rebuild.
		err = c.rebuild(key, st)
	} else if len(st.dirty) > 0 {
		for pk := range st.dirty {
			var p *workload.Pod
			if _, selected := st.pods[pk]; selected && c.pods[pk] != nil {
				p = c.pods[pk].pod
			}
			st.trig.pod(pk, p)
		}
		st.trigger = st.trig.end(svc)
		err = c.update(st)
	} else {
		return controller.Result{}, nil
	}
	c.publish(key, st)
	return controller.Result{}, err
}

// publishManual hands the pickers of a Service without a selector the
// endpoints of the EndpointSlices labelled with its name that another
// manager writes, as kube-proxy uses them: per Service port, the slice
// port of the same name and protocol (FQDN slices, and slices of an address
// family not among the Service's ipFamilies, ignored); conditions as
// EndpointConditions says and kube-proxy reads them (ready and serving
// when unset, not terminating when unset); an address and port listed
// twice is one endpoint.
func (c *EndpointsController) publishManual(key string, svc *workload.Service) {
	var own []*workload.EndpointSlice
	if svc.Spec.Type != workload.ServiceTypeExternalName { // a CNAME: no endpoints
		sel := labels.SelectorFromSet(labels.Set{workload.LabelServiceName: svc.Name})
		for _, o := range c.store.List("EndpointSlice", svc.Namespace, sel) {
			if es := o.(*workload.EndpointSlice); es.Labels[workload.LabelManagedBy] != ManagedBy {
				own = append(own, es)
			}
		}
	}
	c.l.publish(key, svc, portNames(svc), func(i int, dst []Endpoint) ([]Endpoint, []int) {
		dst = dst[:0]
		name, proto := svc.Spec.Ports[i].Name, protocolOr(svc.Spec.Ports[i].Protocol)
		at := map[string]int{} // address:port -> its endpoint in dst
		for _, es := range own {
			if !servesFamily(svc, es.AddressType) {
				// Names (FQDN), or addresses of a family the Service
				// does not have: kube-proxy, one proxier per family,
				// ignores them.
				continue
			}
			var port int32
			for _, ep := range es.Ports {
				epName := ""
				if ep.Name != nil {
					epName = *ep.Name
				}
				epProto := ""
				if ep.Protocol != nil {
					epProto = *ep.Protocol
				}
				if ep.Port != nil && epName == name && protocolOr(epProto) == proto {
					port = *ep.Port
				}
			}
			if port == 0 {
				continue
			}
			for _, ep := range es.Endpoints {
				if len(ep.Addresses) == 0 {
					continue
				}
				ready := ep.Conditions.Ready == nil || *ep.Conditions.Ready
				e := Endpoint{Address: ep.Addresses[0], Port: port, Namespace: svc.Namespace, Ready: ready, Serving: true}
				if ep.Conditions.Serving != nil {
					e.Serving = *ep.Conditions.Serving
				}
				if ep.Conditions.Terminating != nil {
					e.Terminating = *ep.Conditions.Terminating
				}
				if ep.NodeName != nil {
					e.NodeName = *ep.NodeName
				}
				if ep.Zone != nil {
					e.Zone = *ep.Zone
				}
				if ep.TargetRef != nil && ep.TargetRef.Kind == "Pod" {
					e.PodName = ep.TargetRef.Name
				}
				if h := ep.Hints; h != nil {
					e.ForZones, e.ForNodes = hintNames(h)
				}
				// One endpoint per address and port, however many slices
				// list it: a later one wins unless it is terminating, as
				// kube-proxy's EndpointSliceCache.addEndpoints.
				k := net.JoinHostPort(e.Address, strconv.Itoa(int(port)))
				if j, dup := at[k]; dup {
					if !e.Terminating {
						dst[j] = e
					}
					continue
				}
				at[k] = len(dst)
				dst = append(dst, e)
			}
		}
		return dst, nil
	})
}

// servesFamily reports whether svc takes endpoints of address type t: one
// of its ipFamilies (IPv4 or IPv6 when it has none recorded); never FQDN.
func servesFamily(svc *workload.Service, t string) bool {
	if len(svc.Spec.IPFamilies) == 0 {
		return t == workload.AddressTypeIPv4 || t == workload.AddressTypeIPv6
	}
	return slices.Contains(svc.Spec.IPFamilies, t)
}

// hintNames returns an EndpointSlice endpoint's zone and node hints as
// the comma-separated lists of Endpoint.ForZones and Endpoint.ForNodes.
func hintNames(h *workload.EndpointHints) (zones, nodes string) {
	var b strings.Builder
	for i, z := range h.ForZones {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(z.Name)
	}
	zones = b.String()
	b.Reset()
	for i, n := range h.ForNodes {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(n.Name)
	}
	return zones, b.String()
}

// protocolOr returns p, or TCP when it is empty (the default).
func protocolOr(p string) string {
	if p == "" {
		return workload.ProtocolTCP
	}
	return p
}

func portNames(svc *workload.Service) []string {
	out := make([]string, len(svc.Spec.Ports))
	for i, p := range svc.Spec.Ports {
		out[i] = p.Name
	}
	return out
}

// publish hands every port's endpoints, in pod order, to the pickers.
// When no endpoint came, went or changed its set of ports since the last
// publish, only the changed entries are rewritten in the lists.
func (c *EndpointsController) publish(key string, st *svcState) {
	n := len(st.svc.Spec.Ports)
	// Pods that share an address: one endpoint per address and port (see
	// dedupe), which the lists' layout cannot follow in place.
	dedup := st.dups > 0
	patch := st.layout && len(st.portLen) == n && !dedup && !st.deduped
	st.deduped = dedup
	if patch && len(st.changed) == 0 {
		return // nothing the pickers see has changed
	}
	if !patch {
		st.portLen = make([]int, n)
	}
	c.l.publish(key, st.svc, portNames(st.svc), func(i int, dst []Endpoint) ([]Endpoint, []int) {
		if patch && len(dst) == st.portLen[i] {
			at := c.at[:0]
			if at == nil {
				at = make([]int, 0, 8) // not nil: the list was patched
			}
			for _, e := range st.changed {
				if j := e.idx[i]; j >= 0 {
					dst[j] = e.pe
					dst[j].Port = e.ports[i]
					at = append(at, int(j))
				}
			}
			c.at = at
			return dst, at
		}
		dst = dst[:0]
		for _, e := range st.order {
			if len(e.idx) != n {
				e.idx = make([]int32, n)
			}
			e.idx[i] = -1
			if p := e.ports[i]; p != 0 {
				e.idx[i] = int32(len(dst))
				dst = append(dst, e.pe)
				dst[len(dst)-1].Port = p
			}
		}
		if dedup {
			dst = dedupe(dst)
		}
		st.portLen[i] = len(dst)
		return dst, nil
	})
	st.layout, st.changed = true, st.changed[:0]
}

// ref adds d to the entries of a Service that have address addr.
func (st *svcState) ref(addr string, d int) {
	if st.addrs == nil {
		st.addrs = map[string]int{}
	}
	n := st.addrs[addr]
	if n > 1 {
		st.dups--
	}
	n += d
	if n > 1 {
		st.dups++
	}
	if n <= 0 {
		delete(st.addrs, addr)
	} else {
		st.addrs[addr] = n
	}
}

// reref moves an entry from address from to address to.
func (st *svcState) reref(from, to string) {
	if from != to {
		st.ref(from, -1)
		st.ref(to, 1)
	}
}

// dedupe keeps one endpoint per address and port in eps (in pod order),
// as kube-proxy's EndpointSliceCache keeps one per IP:port: of the
// endpoints of different pods that share one, the first ready one, else
// the first serving one, else the first (a pod that reuses the IP of a
// pod still terminating wins over it, kubernetes/kubernetes#135266).
func dedupe(eps []Endpoint) []Endpoint {
	type ap struct {
		addr string
		port int32
	}
	rank := func(e *Endpoint) int {
		switch {
		case e.Ready:
			return 2
		case e.Serving:
			return 1
		}
		return 0
	}
	at := make(map[ap]int, len(eps))
	out := eps[:0]
	for _, e := range eps {
		k := ap{e.Address, e.Port}
		if j, ok := at[k]; ok {
			if rank(&e) > rank(&out[j]) {
				out[j] = e
			}
			continue
		}
		at[k] = len(out)
		out = append(out, e)
	}
	clear(eps[len(out):])
	return out
}

// compute returns the endpoint of pod p in Service svc, or nil when the
// pod does not appear: it has no IP, has finished, or runs on a node the
// store has no Node object for (unless svc publishes not-ready
// addresses).
func (c *EndpointsController) compute(svc *workload.Service, p *workload.Pod) *entry {
	ip := podAddress(p, serviceFamily(svc))
	if ip == "" || controller.IsPodTerminal(p) {
		return nil // no IP (of the Service's family), or finished
	}
	if _, ok := c.zones[p.Spec.NodeName]; p.Spec.NodeName != "" && !ok && !svc.Spec.PublishNotReadyAddresses {
		// Its Node object is gone: left out, as the reconciler skips a
		// pod whose node it cannot find (unless the Service publishes
		// not-ready addresses), rather than serve it until the pod GC.
		return nil
	}
	serving := controller.IsPodReady(p)
	terminating := p.DeletionTimestamp != nil
	ready := svc.Spec.PublishNotReadyAddresses || (serving && !terminating)
	e := &entry{key: workload.Key(p), ports: make([]int32, len(svc.Spec.Ports))}
	var sig strings.Builder
	for i := range svc.Spec.Ports {
		e.ports[i] = targetPort(p, &svc.Spec.Ports[i])
		sig.WriteString(strconv.Itoa(int(e.ports[i])))
		sig.WriteByte(',')
	}
	e.sig = sig.String()
	zone := c.zones[p.Spec.NodeName]
	e.ep = workload.Endpoint{
		Addresses:  []string{ip},
		Conditions: workload.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &terminating},
		TargetRef:  &workload.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID},
	}
	if p.Spec.NodeName != "" {
		e.ep.NodeName = workload.Ptr(p.Spec.NodeName)
	}
	if zone != "" {
		e.ep.Zone = workload.Ptr(zone)
	}
	if p.Spec.Hostname != "" && p.Spec.Subdomain == svc.Name {
		e.ep.Hostname = workload.Ptr(p.Spec.Hostname)
	}
	e.pe = Endpoint{
		Address: ip, PodName: p.Name, Namespace: p.Namespace, NodeName: p.Spec.NodeName, Zone: zone,
		Ready: ready, Serving: serving, Terminating: terminating,
	}
	if td := svc.Spec.TrafficDistribution; td != nil && ready && !autoHints(svc) {
		// trafficdist's preferCloseHeuristic: a ready endpoint is hinted
		// for its zone, and under PreferSameNode for its node too.
		var h workload.EndpointHints
		if zone != "" {
			h.ForZones = []workload.ForZone{{Name: zone}}
			e.pe.ForZones = zone
		}
		if *td == workload.TrafficDistributionPreferSameNode && p.Spec.NodeName != "" {
			h.ForNodes = []workload.ForNode{{Name: p.Spec.NodeName}}
			e.pe.ForNodes = p.Spec.NodeName
		}
		if h.ForZones != nil || h.ForNodes != nil {
			e.ep.Hints = &h
		}
	}
	if w, ok := p.Annotations[AnnotationWeight]; ok {
		n, err := strconv.Atoi(w)
		if err != nil || n < 1 || n > MaxWeight {
			c.logger.Warn("bad pod weight annotation; using 1", "pod", e.key, "annotation", AnnotationWeight, "value", w)
		} else {
			e.pe.Weight = int32(n)
		}
	}
	return e
}

// serviceFamily returns the address type of a Service's endpoints: its
// first ipFamily, else its ClusterIP's family, else IPv4 (Kubernetes'
// getAddressTypesForService, on a single-stack cluster).
func serviceFamily(svc *workload.Service) string {
	if len(svc.Spec.IPFamilies) > 0 {
		return svc.Spec.IPFamilies[0]
	}
	if isIPv6(svc.Spec.ClusterIP) {
		return workload.AddressTypeIPv6
	}
	return workload.AddressTypeIPv4
}

// podAddress returns the IP of pod p of family (IPv4 or IPv6): its podIP
// or else one of its podIPs; "" when it has none of that family, as
// Kubernetes' getEndpointAddresses (an IPv4 Service gets no endpoint of a
// host-network pod on an IPv6 node).
func podAddress(p *workload.Pod, family string) string {
	v6 := family == workload.AddressTypeIPv6
	if ip := p.Status.PodIP; ip != "" && isIPv6(ip) == v6 {
		return ip
	}
	for _, ip := range p.Status.PodIPs {
		if ip.IP != "" && isIPv6(ip.IP) == v6 {
			return ip.IP
		}
	}
	return ""
}

// isIPv6 reports whether ip is written as an IPv6 address.
func isIPv6(ip string) bool { return strings.IndexByte(ip, ':') >= 0 }

// targetPort resolves a Service port's targetPort for pod p: a number as
// is, a name among the pod's container ports of the same protocol, then
// among its sidecars' (init containers with restartPolicy Always), as
// Kubernetes' FindPort; 0 when the pod has no port of that name.
func targetPort(p *workload.Pod, sp *workload.ServicePort) int32 {
	tp := sp.TargetPort
	if tp.Type == intstr.Int {
		if tp.IntVal == 0 {
			return sp.Port
		}
		return tp.IntVal
	}
	if tp.StrVal == "" {
		return sp.Port
	}
	proto := sp.Protocol
	if proto == "" {
		proto = workload.ProtocolTCP
	}
	if n := namedPort(p.Spec.Containers, false, tp.StrVal, proto); n != 0 {
		return n
	}
	return namedPort(p.Spec.InitContainers, true, tp.StrVal, proto)
}

// namedPort returns the number of the port called name with protocol
// proto among the containers (only the sidecars among them when
// sidecars), or 0.
func namedPort(ctrs []workload.Container, sidecars bool, name, proto string) int32 {
	for i := range ctrs {
		if sidecars && !workload.IsSidecar(&ctrs[i]) {
			continue
		}
		for _, cp := range ctrs[i].Ports {
			cproto := cp.Protocol
			if cproto == "" {
				cproto = workload.ProtocolTCP
			}
			if cp.Name == name && cproto == proto {
				return cp.ContainerPort
			}
		}
	}
	return 0
}

// rebuild recomputes every endpoint of a Service and writes the slices
// that differ from the store's.
func (c *EndpointsController) rebuild(key string, st *svcState) error {
	svc := st.svc
	st.entries = map[string]*entry{}
	st.order = st.order[:0]
	st.groups = map[string]*group{}
	st.addrs, st.dups = nil, 0
	keys := make([]string, 0, len(st.pods))
	for pk := range st.pods {
		keys = append(keys, pk)
	}
	sort.Strings(keys)
	for _, pk := range keys {
		ps := c.pods[pk]
		if ps == nil {
			continue
		}
		if e := c.compute(svc, ps.pod); e != nil {
			st.entries[pk] = e
			st.order = append(st.order, e)
			st.ref(e.pe.Address, 1)
			c.place(st, e)
		}
	}
	st.dirty, st.full, st.built, st.layout = nil, false, true, false
	if autoHints(svc) {
		c.setAutoHints(st)
	} else if st.hintsOn {
		// The annotation went: the hints go (the reconciler's
		// RemoveHints), which compute already left out.
		c.event(svc, workload.EventTypeWarning, "TopologyAwareHintsDisabled", hintsDisabled)
		c.setHintsOn(st, false)
	}
	// What the store has now.
	existing := map[string]*workload.EndpointSlice{}
	sel := labels.SelectorFromSet(labels.Set{workload.LabelServiceName: svc.Name, workload.LabelManagedBy: ManagedBy})
	for _, o := range c.store.List("EndpointSlice", svc.Namespace, sel) {
		existing[o.GetObjectMeta().Name] = o.(*workload.EndpointSlice)
	}
	st.slices = existing
	var errs []error
	for _, g := range sortedGroups(st) {
		for _, ch := range g.chunks {
			ch.dirty = true
			errs = append(errs, c.write(st, ch))
		}
	}
	want := map[string]bool{}
	for _, g := range st.groups {
		for _, ch := range g.chunks {
			want[ch.name] = true
		}
	}
	if len(st.groups) == 0 {
		want[placeholderName(svc.Name)] = true
		errs = append(errs, c.syncPlaceholder(st))
	}
	errs = append(errs, c.deleteSlices(svc.Namespace, svc.Name, want))
	for name := range st.slices {
		if !want[name] {
			delete(st.slices, name)
		}
	}
	return errors.Join(errs...)
}

func sortedGroups(st *svcState) []*group {
	gs := make([]*group, 0, len(st.groups))
	for _, g := range st.groups {
		gs = append(gs, g)
	}
	sort.Slice(gs, func(i, j int) bool { return gs[i].sig < gs[j].sig })
	return gs
}

// place puts e in the first chunk of its group with room, or a new chunk.
func (c *EndpointsController) place(st *svcState, e *entry) {
	g := st.groups[e.sig]
	if g == nil {
		g = &group{sig: e.sig, ports: e.ports}
		st.groups[e.sig] = g
	}
	for _, ch := range g.chunks {
		if len(ch.members) < c.maxSlice {
			ch.members[e.key] = e
			ch.dirty = true
			e.chunk = ch
			return
		}
	}
	ch := &chunk{name: chunkName(st.svc.Name, e.sig, g), g: g, members: map[string]*entry{e.key: e}, dirty: true}
	g.chunks = append(g.chunks, ch)
	e.chunk = ch
}

// chunkName names a new slice "<service>-<hash of the ports>-<n>" with the
// lowest n its group does not use.
func chunkName(svc, sig string, g *group) string {
	h := fnv.New32a()
	h.Write([]byte(sig))
	prefix := fmt.Sprintf("%s-%08x-", svc, h.Sum32())
	for n := 0; ; n++ {
		name := prefix + strconv.Itoa(n)
		taken := false
		for _, ch := range g.chunks {
			if ch.name == name {
				taken = true
				break
			}
		}
		if !taken {
			return name
		}
	}
}

// update recomputes the endpoints of the dirty pods and writes the slices
// they touch.
func (c *EndpointsController) update(st *svcState) error {
	svc := st.svc
	keys := make([]string, 0, len(st.dirty))
	for pk := range st.dirty {
		keys = append(keys, pk)
	}
	sort.Strings(keys)
	st.dirty = nil
	for _, pk := range keys {
		var now *entry
		if _, selected := st.pods[pk]; selected {
			if ps := c.pods[pk]; ps != nil {
				now = c.compute(svc, ps.pod)
			}
		}
		old := st.entries[pk]
		switch {
		case old == nil && now == nil:
		case now == nil:
			st.layout = false
			st.ref(old.pe.Address, -1)
			c.unplace(st, old)
			delete(st.entries, pk)
			i, _ := slices.BinarySearchFunc(st.order, pk, func(e *entry, k string) int { return strings.Compare(e.key, k) })
			st.order = slices.Delete(st.order, i, i+1)
		case old == nil:
			st.layout = false
			st.ref(now.pe.Address, 1)
			st.entries[pk] = now
			i, _ := slices.BinarySearchFunc(st.order, pk, func(e *entry, k string) int { return strings.Compare(e.key, k) })
			st.order = slices.Insert(st.order, i, now)
			c.place(st, now)
		case old.sig == now.sig:
			if !reflect.DeepEqual(old.ep, now.ep) || old.pe != now.pe || !slices.Equal(old.ports, now.ports) {
				st.reref(old.pe.Address, now.pe.Address)
				old.ep, old.pe, old.ports = now.ep, now.pe, now.ports
				old.chunk.dirty = true
				st.changed = append(st.changed, old)
			}
		default:
			st.layout = false
			st.reref(old.pe.Address, now.pe.Address)
			c.unplace(st, old)
			old.ep, old.pe, old.ports, old.sig = now.ep, now.pe, now.ports, now.sig
			c.place(st, old)
		}
	}
	var errs []error
	for _, g := range sortedGroups(st) {
		for _, ch := range slices.Clone(g.chunks) {
			if ch.dirty {
				errs = append(errs, c.write(st, ch))
			}
		}
	}
	errs = append(errs, c.syncPlaceholder(st))
	return errors.Join(errs...)
}

// placeholderName is the name of the empty EndpointSlice of a Service
// that has no endpoints. No slice of endpoints has it: theirs end in
// "-<hash>-<n>".
func placeholderName(svc string) string { return svc + "-placeholder" }

// syncPlaceholder gives a Service that has no endpoints one empty slice
// (no endpoints, no ports), and deletes it once the Service has
// endpoints, as Kubernetes' reconciler does ("when no endpoint slices
// would usually exist, we need to add a placeholder",
// reconcileByAddressType), so that a Service with a selector always has a
// slice.
func (c *EndpointsController) syncPlaceholder(st *svcState) error {
	svc := st.svc
	name := placeholderName(svc.Name)
	if len(st.groups) > 0 {
		if _, ok := st.slices[name]; !ok {
			return nil
		}
		delete(st.slices, name)
		if _, err := c.store.Delete("EndpointSlice", svc.Namespace, name, store.DeleteOptions{NoResult: true}); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	}
	want := newSlice(svc, name)
	if have := st.slices[name]; have != nil && sameSlice(have, want) {
		return nil
	}
	return c.put(st, want)
}

func (c *EndpointsController) unplace(st *svcState, e *entry) {
	ch := e.chunk
	delete(ch.members, e.key)
	ch.dirty = true
	e.chunk = nil
}

// write brings one chunk's slice in the store up to date: created,
// updated, or deleted when the chunk is empty.
func (c *EndpointsController) write(st *svcState, ch *chunk) error {
	svc := st.svc
	if len(ch.members) == 0 {
		g := ch.g
		g.chunks = slices.DeleteFunc(g.chunks, func(x *chunk) bool { return x == ch })
		if len(g.chunks) == 0 {
			delete(st.groups, g.sig)
		}
		if _, ok := st.slices[ch.name]; ok {
			delete(st.slices, ch.name)
			if _, err := c.store.Delete("EndpointSlice", svc.Namespace, ch.name, store.DeleteOptions{NoResult: true}); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	}
	want := c.desired(svc, ch)
	have := st.slices[ch.name]
	if have != nil && sameSlice(have, want) {
		ch.dirty = false
		return nil
	}
	if err := c.put(st, want); err != nil {
		return err
	}
	ch.dirty = false
	return nil
}

// put writes slice want of the Service to the store (an update of the
// slice of that name as last written, else a create) and records it.
func (c *EndpointsController) put(st *svcState, want *workload.EndpointSlice) error {
	// No slice is created for a Service being deleted: the garbage
	// collector deletes its slices (reconciler.go finalize: "Don't create
	// new EndpointSlices if the Service is pending deletion").
	deleting := st.svc.DeletionTimestamp != nil
	setTriggerTime(&want.Annotations, st.trigger)
	var out workload.Object
	var err error
	if have := st.slices[want.Name]; have != nil {
		want.UID = have.UID
		out, err = c.store.Update(want)
		if errors.Is(err, store.ErrNotFound) {
			if deleting {
				delete(st.slices, want.Name)
				return nil
			}
			want.UID = ""
			out, err = c.store.Create(want)
		}
	} else {
		if deleting {
			return nil
		}
		out, err = c.store.Create(want)
		if errors.Is(err, store.ErrAlreadyExists) {
			out, err = c.store.Update(want)
		}
	}
	if err != nil {
		return fmt.Errorf("service: writing EndpointSlice %s/%s: %w", want.Namespace, want.Name, err)
	}
	st.slices[want.Name] = out.(*workload.EndpointSlice)
	return nil
}

// newSlice returns an empty slice of the Service named name: its labels
// and owner reference, no endpoints, no ports.
func newSlice(svc *workload.Service, name string) *workload.EndpointSlice {
	return &workload.EndpointSlice{
		ObjectMeta: workload.ObjectMeta{
			Name: name, Namespace: svc.Namespace,
			Labels: sliceLabels(svc),
			OwnerReferences: []workload.OwnerReference{{
				APIVersion: "v1", Kind: "Service", Name: svc.Name, UID: svc.UID,
				Controller: workload.Ptr(true), BlockOwnerDeletion: workload.Ptr(true),
			}},
		},
		AddressType: serviceFamily(svc),
		Endpoints:   []workload.Endpoint{},
		Ports:       []workload.EndpointPort{},
	}
}

// desired builds the slice of a chunk.
func (c *EndpointsController) desired(svc *workload.Service, ch *chunk) *workload.EndpointSlice {
	es := newSlice(svc, ch.name)
	es.Endpoints = make([]workload.Endpoint, 0, len(ch.members))
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		if ch.g.ports[i] == 0 {
			continue
		}
		es.Ports = append(es.Ports, workload.EndpointPort{
			Name: workload.Ptr(sp.Name), Protocol: workload.Ptr(sp.Protocol), Port: workload.Ptr(ch.g.ports[i]), AppProtocol: sp.AppProtocol,
		})
	}
	keys := make([]string, 0, len(ch.members))
	for k := range ch.members {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		es.Endpoints = append(es.Endpoints, ch.members[k].ep)
	}
	return es
}

// LabelHeadless marks the EndpointSlices of a headless Service, as
// Kubernetes' service.kubernetes.io/headless (v1.IsHeadlessService).
const LabelHeadless = "service.kubernetes.io/headless"

// sliceLabels returns the labels of the Service's slices: the Service's
// own, except the reserved keys, which are the controller's (service
// name, managed-by and, for a headless Service, LabelHeadless), as
// Kubernetes' setEndpointSliceLabels.
func sliceLabels(svc *workload.Service) map[string]string {
	out := make(map[string]string, len(svc.Labels)+3)
	for k, v := range svc.Labels {
		if k != workload.LabelServiceName && k != workload.LabelManagedBy && k != LabelHeadless {
			out[k] = v
		}
	}
	out[workload.LabelServiceName] = svc.Name
	out[workload.LabelManagedBy] = ManagedBy
	if svc.Spec.ClusterIP == workload.ClusterIPNone || svc.Spec.ClusterIP == "" {
		out[LabelHeadless] = ""
	}
	return out
}

func sameSlice(a, b *workload.EndpointSlice) bool {
	return a.AddressType == b.AddressType &&
		reflect.DeepEqual(a.Endpoints, b.Endpoints) && reflect.DeepEqual(a.Ports, b.Ports) &&
		maps2Equal(a.Labels, b.Labels) && reflect.DeepEqual(a.OwnerReferences, b.OwnerReferences)
}

// deleteSlices deletes the Service's slices of ours not named in keep.
func (c *EndpointsController) deleteSlices(ns, name string, keep map[string]bool) error {
	sel := labels.SelectorFromSet(labels.Set{workload.LabelServiceName: name, workload.LabelManagedBy: ManagedBy})
	var errs []error
	for _, o := range c.store.List("EndpointSlice", ns, sel) {
		n := o.GetObjectMeta().Name
		if keep[n] {
			continue
		}
		if _, err := c.store.Delete("EndpointSlice", ns, n, store.DeleteOptions{NoResult: true}); err != nil && !errors.Is(err, store.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
