package service

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// Labels and annotations of the Endpoints objects the Endpoints controller
// writes.
const (
	// LabelEndpointsManagedBy marks the Endpoints objects the Endpoints
	// controller writes, with the value EndpointsManagedBy (Kubernetes
	// 1.33's endpoints.kubernetes.io/managed-by: endpoint-controller).
	LabelEndpointsManagedBy = "endpoints.kubernetes.io/managed-by"
	EndpointsManagedBy      = "endpoint-controller"
	// AnnotationEndpointsOverCapacity is set to "truncated" on an
	// Endpoints object that holds only MaxEndpointsAddresses of its
	// Service's addresses (core/v1 EndpointsOverCapacity).
	AnnotationEndpointsOverCapacity = "endpoints.kubernetes.io/over-capacity"
	// MaxEndpointsAddresses is how many addresses an Endpoints object the
	// controller writes holds at most (the Endpoints controller's
	// maxCapacity).
	MaxEndpointsAddresses = 1000
)

// EndpointsV1Controller writes, for each Service with a selector, the
// core/v1 Endpoints object of the same name, as Kubernetes' (deprecated,
// still running) Endpoints controller (pkg/controller/endpoint
// syncService), for readers of the older API; the pickers and the
// resolver read EndpointSlices.
//
//   - A selected pod is listed when it has an IP of the Service's family
//     (its first ipFamily) and has not finished, and,
//     unless the Service publishes not-ready addresses, is not being
//     deleted: under addresses when it is ready (or the Service publishes
//     not-ready addresses), else under notReadyAddresses, with nodeName,
//     targetRef and (for a pod whose subdomain is the Service's name) its
//     hostname. Each Service port is resolved per pod as for the
//     EndpointSlices; the subsets are repacked as RepackSubsets does: the
//     ports served by the same addresses (with the same readiness) share a
//     subset. A headless Service without ports gets subsets without ports.
//   - Past MaxEndpointsAddresses addresses the object is truncated (ready
//     addresses first) and annotated AnnotationEndpointsOverCapacity.
//   - Its labels are the Service's, with LabelHeadless for a Service
//     without a ClusterIP and LabelEndpointsManagedBy.
//   - When the Service is deleted, the Endpoints object of its name goes
//     (whoever wrote it). Unlike Kubernetes, an Endpoints object this
//     controller wrote also goes when its Service loses its selector (or
//     becomes ExternalName), rather than stay stale and be mirrored as
//     the Service's endpoints (kubernetes/kubernetes#118376).
//   - An Endpoints object deleted by someone else is written again; one
//     changed by someone else is rewritten at the Service's next change.
//   - Each write carries AnnotationLastChangeTriggerTime: the Service's
//     creationTimestamp at its first sync, then the earliest Ready
//     condition lastTransitionTime (or Service creationTimestamp) that
//     moved since the last sync; without one the annotation is removed
//     (Kubernetes' TriggerTimeTracker). A change of the annotation alone
//     is not written.
type EndpointsV1Controller struct {
	store *store.Store

	selecting map[string]map[string]map[string]string // ns -> Service key -> selector
	podSvcs   map[string]v1Pod                        // pod key -> the Services that select it
	// members holds, by Service key, the keys of the pods it selects:
	// Reconcile reads them from podSvcs (the pod informer's cache, in
	// Kubernetes) rather than copying every pod of the Service out of
	// the store.
	members map[string]map[string]struct{}
	trig    map[string]*triggerTimes // by Service key
}

// v1Pod is what the Endpoints controller keeps of a pod some Service
// selects: its last version (read-only) and the keys of the Services
// that select it, sorted.
type v1Pod struct {
	pod  *workload.Pod
	svcs []string
}

var _ controller.Controller = (*EndpointsV1Controller)(nil)

// NewEndpointsV1Controller returns the Endpoints controller.
func NewEndpointsV1Controller(d controller.Deps) *EndpointsV1Controller {
	return &EndpointsV1Controller{store: d.Store}
}

// Name returns "endpoint".
func (c *EndpointsV1Controller) Name() string { return "endpoint" }

// Start rebuilds the controller's view and enqueues every Service, and
// every Endpoints object (one whose Service is gone is deleted, as
// checkLeftoverEndpoints), except leader election records.
func (c *EndpointsV1Controller) Start(enqueue func(string)) {
	c.selecting = map[string]map[string]map[string]string{}
	c.podSvcs = map[string]v1Pod{}
	c.members = map[string]map[string]struct{}{}
	c.trig = map[string]*triggerTimes{}
	for _, o := range c.store.List("Service", "", nil) {
		s := o.(*workload.Service)
		key := workload.Key(s)
		c.track(key, s)
		c.reselect(key, selectorOf(s), enqueue)
		enqueue(key)
	}
	for _, o := range c.store.List("Endpoints", "", nil) {
		if _, ok := o.GetObjectMeta().Annotations[annotationLeader]; !ok {
			enqueue(workload.Key(o))
		}
	}
}

// track records whether Service s (nil: deleted) selects pods.
func (c *EndpointsV1Controller) track(key string, s *workload.Service) {
	ns, _ := splitKey(key)
	if sel := selectorOf(s); sel != nil {
		if c.selecting[ns] == nil {
			c.selecting[ns] = map[string]map[string]string{}
		}
		c.selecting[ns][key] = sel
		return
	}
	delete(c.selecting[ns], key)
	if len(c.selecting[ns]) == 0 {
		delete(c.selecting, ns)
	}
}

// reselect makes the pods that selector sel (nil: none) selects the
// members of Service key, as the store has them, after a change of the
// Service's selector. A pod the controller does not know yet (its event
// is still to come, the store being ahead of the events, or went by when
// no Service selected it) becomes a member of every Service that selects
// it, which are enqueued, not only of this one: its event, if still to
// come, then changes nothing the controller would see.
func (c *EndpointsV1Controller) reselect(key string, sel map[string]string, enqueue func(string)) {
	for pk := range c.members[key] {
		e := c.podSvcs[pk]
		if e.svcs = slices.DeleteFunc(e.svcs, func(s string) bool { return s == key }); len(e.svcs) == 0 {
			delete(c.podSvcs, pk)
		} else {
			c.podSvcs[pk] = e
		}
	}
	delete(c.members, key)
	if sel == nil {
		return
	}
	ns, _ := splitKey(key)
	set := map[string]struct{}{}
	for _, o := range c.store.List("Pod", ns, labels.SelectorFromSet(sel)) {
		p := o.(*workload.Pod)
		pk := workload.Key(p)
		set[pk] = struct{}{}
		e, ok := c.podSvcs[pk]
		if !ok {
			e.pod, e.svcs = p, c.matching(p)
			for _, s := range e.svcs {
				if s != key {
					if c.members[s] == nil {
						c.members[s] = map[string]struct{}{}
					}
					c.members[s][pk] = struct{}{}
					enqueue(s)
				}
			}
		}
		if i, found := slices.BinarySearch(e.svcs, key); !found {
			e.svcs = slices.Insert(slices.Clip(e.svcs), i, key)
		}
		c.podSvcs[pk] = e
	}
	c.members[key] = set
}

// matching returns the keys of the Services that select pod p, sorted.
func (c *EndpointsV1Controller) matching(p *workload.Pod) []string {
	var out []string
	for key, sel := range c.selecting[p.Namespace] {
		if selects(sel, p.Labels) {
			out = append(out, key)
		}
	}
	sort.Strings(out)
	return out
}

// Handle enqueues the Services a change touches: a Service itself, the
// Services that select a pod (or did before its change) when the change
// can move its addresses (not, say, a container restart that leaves it
// ready), and the Service of a deleted Endpoints object.
func (c *EndpointsV1Controller) Handle(ev store.Event, enqueue func(string)) {
	switch o := ev.Object.(type) {
	case *workload.Pod:
		if len(c.selecting[o.Namespace]) == 0 && len(c.podSvcs) == 0 {
			return // no Service selects pods: one lookup per pod event
		}
		key := ev.ObjectKey()
		prev, had := c.podSvcs[key]
		if len(c.selecting[o.Namespace]) == 0 && !had {
			return
		}
		if had && ev.Type != store.Deleted && sameLabels(prev.pod.Labels, o.Labels) && !endpointChanged(prev.pod, o) {
			prev.pod = o // nothing desired reads has changed
			c.podSvcs[key] = prev
			return
		}
		var now []string
		if ev.Type != store.Deleted {
			now = c.matching(o)
		}
		for _, s := range prev.svcs {
			if !slices.Contains(now, s) {
				delete(c.members[s], key)
			}
		}
		for _, s := range now {
			if c.members[s] == nil {
				c.members[s] = map[string]struct{}{}
			}
			c.members[s][key] = struct{}{}
		}
		if len(now) == 0 {
			delete(c.podSvcs, key)
		} else {
			c.podSvcs[key] = v1Pod{pod: o, svcs: now}
		}
		for _, s := range union(prev.svcs, now) {
			enqueue(s)
		}
	case *workload.Service:
		key := ev.ObjectKey()
		ns, _ := splitKey(key)
		before := c.selecting[ns][key]
		var svc *workload.Service
		if ev.Type != store.Deleted {
			svc = o
		}
		c.track(key, svc)
		if after := selectorOf(svc); !maps2Equal(before, after) {
			// A new selector (or none): the pods it selects now are
			// found through the store's label index.
			c.reselect(key, after, enqueue)
		}
		enqueue(key)
	case *workload.Endpoints:
		if ev.Type == store.Deleted {
			enqueue(ev.ObjectKey())
		}
	}
}

// Reconcile writes the Endpoints object of one Service.
func (c *EndpointsV1Controller) Reconcile(ctx context.Context, key string) (controller.Result, error) {
	ns, name := splitKey(key)
	var cur *workload.Endpoints
	if o, err := c.store.Peek("Endpoints", ns, name); err == nil {
		cur = o.(*workload.Endpoints)
	}
	o, err := c.store.Peek("Service", ns, name)
	if err != nil {
		// The Service is gone: so is its Endpoints object.
		delete(c.trig, key)
		if cur != nil {
			if _, err := c.store.Delete("Endpoints", ns, name, store.DeleteOptions{NoResult: true}); err != nil && !errors.Is(err, store.ErrNotFound) {
				return controller.Result{}, err
			}
		}
		return controller.Result{}, nil
	}
	svc := o.(*workload.Service)
	if selectorOf(svc) == nil {
		delete(c.trig, key)
		if cur != nil && cur.Labels[LabelEndpointsManagedBy] == EndpointsManagedBy {
			if _, err := c.store.Delete("Endpoints", ns, name, store.DeleteOptions{NoResult: true}); err != nil && !errors.Is(err, store.ErrNotFound) {
				return controller.Result{}, err
			}
		}
		return controller.Result{}, nil
	}
	want := c.desired(svc)
	trigger := c.triggerTime(key, svc)
	if cur != nil && reflect.DeepEqual(cur.Subsets, want.Subsets) && maps2Equal(cur.Labels, want.Labels) &&
		cur.Annotations[AnnotationEndpointsOverCapacity] == want.Annotations[AnnotationEndpointsOverCapacity] {
		return controller.Result{}, nil
	}
	if cur != nil {
		next := cur.DeepCopy()
		next.Subsets, next.Labels = want.Subsets, want.Labels
		setTriggerTime(&next.Annotations, trigger)
		delete(next.Annotations, AnnotationEndpointsOverCapacity)
		if v, ok := want.Annotations[AnnotationEndpointsOverCapacity]; ok {
			if next.Annotations == nil {
				next.Annotations = map[string]string{}
			}
			next.Annotations[AnnotationEndpointsOverCapacity] = v
		}
		next.ResourceVersion = ""
		_, err = c.store.Update(next, store.NoResult)
	} else {
		setTriggerTime(&want.Annotations, trigger)
		_, err = c.store.Create(want, store.NoResult)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrForbidden) {
		return controller.Result{}, fmt.Errorf("service: writing Endpoints %s: %w", key, err)
	}
	return controller.Result{}, nil
}

// triggerTime returns the last-change-trigger-time of a sync of Service
// svc (key), from the pods it selects.
func (c *EndpointsV1Controller) triggerTime(key string, svc *workload.Service) time.Time {
	tt := c.trig[key]
	if tt == nil {
		tt = &triggerTimes{}
		c.trig[key] = tt
	}
	tt.begin(svc)
	return tt.all(svc, c.members[key], func(pk string) *workload.Pod { return c.podSvcs[pk].pod })
}

// desired builds the Endpoints object of svc from the pods it selects.
func (c *EndpointsV1Controller) desired(svc *workload.Service) *workload.Endpoints {
	type addrKey struct{ ip, uid string }
	addrs := map[addrKey]*workload.EndpointAddress{}
	// Per port (or the sentinel "" for a headless Service without
	// ports), each address and whether it is ready there.
	byPort := map[string]map[addrKey]bool{}
	portOf := map[string]workload.CoreEndpointPort{}
	add := func(pk string, port *workload.CoreEndpointPort, k addrKey, ready bool) {
		if byPort[pk] == nil {
			byPort[pk] = map[addrKey]bool{}
			if port != nil {
				portOf[pk] = *port
			}
		}
		if r, ok := byPort[pk][k]; !ok || !r {
			byPort[pk][k] = ready
		}
	}
	family := serviceFamily(svc)
	for pk := range c.members[workload.Key(svc)] {
		p := c.podSvcs[pk].pod
		if p == nil {
			continue // cannot happen: members and podSvcs move together
		}
		if p.Status.PodIP == "" || controller.IsPodTerminal(p) || (p.DeletionTimestamp != nil && !svc.Spec.PublishNotReadyAddresses) {
			continue // ShouldPodBeInEndpoints
		}
		ip := podAddress(p, family)
		if ip == "" {
			continue // no IP of the Service's family (podToEndpointAddressForService)
		}
		k := addrKey{ip, p.UID}
		if addrs[k] == nil {
			a := &workload.EndpointAddress{
				IP: ip, NodeName: workload.Ptr(p.Spec.NodeName),
				TargetRef: &workload.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID},
			}
			if p.Spec.Hostname != "" && p.Spec.Subdomain == svc.Name {
				a.Hostname = p.Spec.Hostname
			}
			addrs[k] = a
		}
		ready := svc.Spec.PublishNotReadyAddresses || controller.IsPodReady(p)
		if len(svc.Spec.Ports) == 0 {
			if svc.Spec.ClusterIP == workload.ClusterIPNone {
				add("", nil, k, ready)
			}
			continue
		}
		for i := range svc.Spec.Ports {
			sp := &svc.Spec.Ports[i]
			n := targetPort(p, sp)
			if n == 0 {
				continue
			}
			port := workload.CoreEndpointPort{Name: sp.Name, Port: n, Protocol: protocolOr(sp.Protocol), AppProtocol: sp.AppProtocol}
			app := ""
			if port.AppProtocol != nil {
				app = *port.AppProtocol
			}
			add(port.Name+"/"+port.Protocol+"/"+strconv.Itoa(int(n))+"/"+app, &port, k, ready)
		}
	}
	// RepackSubsets: the ports whose addresses (and readiness) are the
	// same share a subset.
	type group struct {
		set   map[addrKey]bool
		ports []workload.CoreEndpointPort
	}
	groups := map[string]*group{}
	pks := make([]string, 0, len(byPort))
	for pk := range byPort {
		pks = append(pks, pk)
	}
	sort.Strings(pks)
	for _, pk := range pks {
		set := byPort[pk]
		keys := make([]string, 0, len(set))
		for k, r := range set {
			keys = append(keys, k.ip+"/"+k.uid+"/"+strconv.FormatBool(r))
		}
		sort.Strings(keys)
		gk := strings.Join(keys, ",")
		g := groups[gk]
		if g == nil {
			g = &group{set: set}
			groups[gk] = g
		}
		if pk != "" {
			g.ports = append(g.ports, portOf[pk])
		}
	}
	subsets := []workload.EndpointSubset{}
	for _, g := range groups {
		var ss workload.EndpointSubset
		for k, r := range g.set {
			if r {
				ss.Addresses = append(ss.Addresses, *addrs[k])
			} else {
				ss.NotReadyAddresses = append(ss.NotReadyAddresses, *addrs[k])
			}
		}
		sortAddresses(ss.Addresses)
		sortAddresses(ss.NotReadyAddresses)
		ss.Ports = g.ports
		subsets = append(subsets, ss)
	}
	sort.Slice(subsets, func(i, j int) bool { return subsetKey(&subsets[i]) < subsetKey(&subsets[j]) })
	lbls := make(map[string]string, len(svc.Labels)+2)
	for k, v := range svc.Labels {
		lbls[k] = v
	}
	if svc.Spec.ClusterIP == workload.ClusterIPNone || svc.Spec.ClusterIP == "" {
		lbls[LabelHeadless] = ""
	} else {
		delete(lbls, LabelHeadless)
	}
	lbls[LabelEndpointsManagedBy] = EndpointsManagedBy
	ep := &workload.Endpoints{
		ObjectMeta: workload.ObjectMeta{Name: svc.Name, Namespace: svc.Namespace, Labels: lbls},
		Subsets:    subsets,
	}
	if truncateEndpoints(ep) {
		ep.Annotations = map[string]string{AnnotationEndpointsOverCapacity: "truncated"}
	}
	return ep
}

// sortAddresses orders addresses as Kubernetes' LessEndpointAddress: by
// the IP's text, byte by byte (10.0.0.10 before 10.0.0.9), then by pod
// uid.
func sortAddresses(a []workload.EndpointAddress) {
	uid := func(x *workload.EndpointAddress) string {
		if x.TargetRef == nil {
			return ""
		}
		return x.TargetRef.UID
	}
	sort.Slice(a, func(i, j int) bool {
		if a[i].IP != a[j].IP {
			return a[i].IP < a[j].IP
		}
		return uid(&a[i]) < uid(&a[j])
	})
}

// subsetKey orders subsets by their ports, then their first address.
func subsetKey(s *workload.EndpointSubset) string {
	var b strings.Builder
	for _, p := range s.Ports {
		fmt.Fprintf(&b, "%s/%s/%05d,", p.Name, p.Protocol, p.Port)
	}
	b.WriteByte('|')
	if len(s.Addresses) > 0 {
		b.WriteString(s.Addresses[0].IP)
	} else if len(s.NotReadyAddresses) > 0 {
		b.WriteString(s.NotReadyAddresses[0].IP)
	}
	return b.String()
}

// truncateEndpoints keeps at most MaxEndpointsAddresses addresses,
// spread over the subsets in proportion to their sizes, ready ones first,
// as the Endpoints controller's truncateEndpoints; it reports whether it
// dropped any.
func truncateEndpoints(ep *workload.Endpoints) bool {
	ready, notReady := 0, 0
	for _, s := range ep.Subsets {
		ready += len(s.Addresses)
		notReady += len(s.NotReadyAddresses)
	}
	if ready+notReady <= MaxEndpointsAddresses {
		return false
	}
	truncReady := ready > MaxEndpointsAddresses
	limit, total := MaxEndpointsAddresses-ready, notReady
	if truncReady {
		limit, total = MaxEndpointsAddresses, ready
	}
	left := limit
	for i := range ep.Subsets {
		s := &ep.Subsets[i]
		n := len(s.NotReadyAddresses)
		if truncReady {
			n = len(s.Addresses)
		}
		take := min(int(math.Ceil(float64(n)/float64(total)*float64(limit))), left)
		if truncReady {
			s.Addresses = s.Addresses[:min(take, len(s.Addresses))]
			s.NotReadyAddresses = nil
			left -= len(s.Addresses)
		} else {
			s.NotReadyAddresses = s.NotReadyAddresses[:min(take, len(s.NotReadyAddresses))]
			left -= len(s.NotReadyAddresses)
		}
	}
	return true
}
