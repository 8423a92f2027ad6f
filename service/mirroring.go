package service

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net/netip"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// MirroringManagedBy is the endpointslice.kubernetes.io/managed-by value
// of the EndpointSlices the mirroring controller writes, as Kubernetes'
// EndpointSlice mirroring controller's.
const MirroringManagedBy = "endpointslicemirroring-controller.k8s.io"

// Annotations of an Endpoints object that a mirrored slice does not copy
// (AnnotationLastChangeTriggerTime neither; the others it does).
const (
	annotationLastApplied = "kubectl.kubernetes.io/last-applied-configuration"
	annotationLeader      = "control-plane.alpha.kubernetes.io/leader"
)

// maxMirroredPerSubset is how many addresses of one Endpoints subset are
// mirrored, as the controller's default --mirroring-max-endpoints-per-subset.
const maxMirroredPerSubset = 1000

// MirroringController mirrors the Endpoints objects of Services without a
// selector into EndpointSlices, as Kubernetes' EndpointSlice mirroring
// controller (pkg/controller/endpointslicemirroring): manifests that give
// a selectorless Service its addresses with an Endpoints object (the
// older way) reach the Service's pickers and the resolver, which read
// EndpointSlices.
//
//   - An Endpoints object is mirrored while a Service of its name and
//     namespace exists and has no selector, unless it is labelled
//     endpointslice.kubernetes.io/skip-mirror: "true" or annotated with a
//     leader election record.
//   - Its addresses become endpoints (ready for addresses, not ready for
//     notReadyAddresses; hostname, nodeName and targetRef carried over),
//     at most 1000 per subset; subsets with the same ports and address
//     family share one slice. An address that is not an IP is skipped
//     with a Warning event InvalidIPAddress on the Endpoints.
//   - A slice carries the Endpoints' labels and annotations (not its
//     last-applied configuration), kubernetes.io/service-name and
//     endpointslice.kubernetes.io/managed-by MirroringManagedBy, and is
//     owned by the Endpoints object; it is named
//     "<endpoints>-mirror-<hash of ports and family>".
//   - When the Endpoints object, or the Service, goes, or the Service gets
//     a selector, the mirrored slices are deleted. No slice is created for
//     an Endpoints object being deleted.
type MirroringController struct {
	store *store.Store
	rec   *controller.Recorder
}

var _ controller.Controller = (*MirroringController)(nil)

// NewMirroringController returns the EndpointSlice mirroring controller.
func NewMirroringController(d controller.Deps) *MirroringController {
	return &MirroringController{store: d.Store, rec: d.Events}
}

// Name returns "endpointslicemirroring".
func (c *MirroringController) Name() string { return "endpointslicemirroring" }

// Start enqueues every Endpoints object and every Service that has
// mirrored slices.
func (c *MirroringController) Start(enqueue func(string)) {
	for _, o := range c.store.List("Endpoints", "", nil) {
		enqueue(workload.Key(o))
	}
	sel := labels.SelectorFromSet(labels.Set{workload.LabelManagedBy: MirroringManagedBy})
	for _, o := range c.store.List("EndpointSlice", "", sel) {
		m := o.GetObjectMeta()
		enqueue(m.Namespace + "/" + m.Labels[workload.LabelServiceName])
	}
}

// Handle enqueues the key of a changed Endpoints object, of a changed
// Service that has an Endpoints object, and of the Endpoints a changed
// mirrored slice belongs to.
func (c *MirroringController) Handle(ev store.Event, enqueue func(string)) {
	switch o := ev.Object.(type) {
	case *workload.Endpoints:
		enqueue(ev.ObjectKey())
	case *workload.Service:
		if _, err := c.store.Peek("Endpoints", o.Namespace, o.Name); err == nil {
			enqueue(ev.ObjectKey())
		}
	case *workload.EndpointSlice:
		if o.Labels[workload.LabelManagedBy] == MirroringManagedBy {
			enqueue(o.Namespace + "/" + o.Labels[workload.LabelServiceName])
		}
	}
}

// Reconcile brings the mirrored slices of one Endpoints object up to
// date.
func (c *MirroringController) Reconcile(ctx context.Context, key string) (controller.Result, error) {
	ns, name := splitKey(key)
	sel := labels.SelectorFromSet(labels.Set{workload.LabelServiceName: name, workload.LabelManagedBy: MirroringManagedBy})
	existing := map[string]*workload.EndpointSlice{}
	for _, o := range c.store.List("EndpointSlice", ns, sel) {
		existing[o.GetObjectMeta().Name] = o.(*workload.EndpointSlice)
	}
	var want []*workload.EndpointSlice
	if ep := c.mirrored(ns, name); ep != nil {
		want = c.desired(ep)
		if ep.DeletionTimestamp != nil {
			// Updated and deleted, never created (reconciler.go finalize).
			want = slices2Existing(want, existing)
		}
	}
	var errs []error
	keep := map[string]bool{}
	for _, es := range want {
		keep[es.Name] = true
		have := existing[es.Name]
		if have != nil && sameMirror(have, es) {
			continue
		}
		var err error
		if have != nil {
			es.UID = have.UID
			_, err = c.store.Update(es, store.NoResult)
		} else {
			_, err = c.store.Create(es, store.NoResult)
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			errs = append(errs, fmt.Errorf("service: mirroring Endpoints %s/%s to EndpointSlice %s: %w", ns, name, es.Name, err))
		}
	}
	names := make([]string, 0, len(existing))
	for n := range existing {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if keep[n] {
			continue
		}
		if _, err := c.store.Delete("EndpointSlice", ns, n, store.DeleteOptions{NoResult: true}); err != nil && !errors.Is(err, store.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return controller.Result{}, errors.Join(errs...)
}

// mirrored returns the Endpoints object ns/name if it is to be mirrored
// (shouldMirror, and its Service exists without a selector), else nil.
func (c *MirroringController) mirrored(ns, name string) *workload.Endpoints {
	o, err := c.store.Peek("Endpoints", ns, name)
	if err != nil {
		return nil
	}
	ep := o.(*workload.Endpoints)
	if ep.Labels[workload.LabelSkipMirror] == "true" {
		return nil
	}
	if _, ok := ep.Annotations[annotationLeader]; ok {
		return nil
	}
	s, err := c.store.Peek("Service", ns, name)
	if err != nil || len(s.(*workload.Service).Spec.Selector) > 0 {
		return nil
	}
	return ep
}

// slices2Existing keeps those of want that exist already.
func slices2Existing(want []*workload.EndpointSlice, existing map[string]*workload.EndpointSlice) []*workload.EndpointSlice {
	var out []*workload.EndpointSlice
	for _, es := range want {
		if existing[es.Name] != nil {
			out = append(out, es)
		}
	}
	return out
}

// desired returns the slices of ep, one per address family and set of
// ports, in name order.
func (c *MirroringController) desired(ep *workload.Endpoints) []*workload.EndpointSlice {
	byKey := map[string]*workload.EndpointSlice{}
	seen := map[string]map[string]bool{} // slice name -> addresses in it
	invalid := 0
	for _, ss := range ep.Subsets {
		ports := make([]workload.EndpointPort, 0, len(ss.Ports))
		for _, p := range ss.Ports {
			ports = append(ports, workload.EndpointPort{
				Name: workload.Ptr(p.Name), Port: workload.Ptr(p.Port), Protocol: workload.Ptr(protocolOr(p.Protocol)), AppProtocol: p.AppProtocol,
			})
		}
		pk := portsKey(ports)
		added := 0
		add := func(a workload.EndpointAddress, ready bool) {
			if added >= maxMirroredPerSubset {
				return
			}
			ip, err := netip.ParseAddr(a.IP)
			if err != nil {
				invalid++
				return
			}
			added++
			family := workload.AddressTypeIPv4
			if !ip.Unmap().Is4() {
				family = workload.AddressTypeIPv6
			}
			name := mirrorName(ep.Name, family+"/"+pk)
			es := byKey[name]
			if es == nil {
				es = mirrorSlice(ep, name, family, ports)
				byKey[name] = es
				seen[name] = map[string]bool{}
			}
			addr := ip.Unmap().String()
			if seen[name][addr] || len(es.Endpoints) >= maxMirroredPerSubset {
				return // one slice holds at most 1000 (reconcileByPortMapping)
			}
			seen[name][addr] = true
			e := workload.Endpoint{
				Addresses:  []string{addr},
				Conditions: workload.EndpointConditions{Ready: workload.Ptr(ready)},
				TargetRef:  a.TargetRef.DeepCopy(),
			}
			if a.NodeName != nil {
				e.NodeName = workload.Ptr(*a.NodeName)
			}
			if a.Hostname != "" {
				e.Hostname = workload.Ptr(a.Hostname)
			}
			es.Endpoints = append(es.Endpoints, e)
		}
		for _, a := range ss.Addresses {
			add(a, true)
		}
		for _, a := range ss.NotReadyAddresses {
			add(a, false)
		}
	}
	if invalid > 0 && c.rec != nil && ep.DeletionTimestamp == nil {
		c.rec.Event(ep, workload.EventTypeWarning, "InvalidIPAddress",
			fmt.Sprintf("Skipped %d invalid IP addresses when mirroring to EndpointSlices", invalid))
	}
	out := make([]*workload.EndpointSlice, 0, len(byKey))
	for _, es := range byKey {
		out = append(out, es)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// portsKey identifies a set of slice ports, whatever their order.
func portsKey(ports []workload.EndpointPort) string {
	keys := make([]string, len(ports))
	for i, p := range ports {
		app := ""
		if p.AppProtocol != nil {
			app = *p.AppProtocol
		}
		keys[i] = fmt.Sprintf("%s/%s/%d/%s", *p.Name, *p.Protocol, *p.Port, app)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

// mirrorName names the slice of Endpoints name for one key.
func mirrorName(name, key string) string {
	h := fnv.New32a()
	h.Write([]byte(key))
	return fmt.Sprintf("%s-mirror-%08x", name, h.Sum32())
}

// mirrorSlice returns an empty mirrored slice of ep, as the mirroring
// controller's newEndpointSlice.
func mirrorSlice(ep *workload.Endpoints, name, family string, ports []workload.EndpointPort) *workload.EndpointSlice {
	lbls := make(map[string]string, len(ep.Labels)+2)
	for k, v := range ep.Labels {
		lbls[k] = v
	}
	lbls[workload.LabelServiceName] = ep.Name
	lbls[workload.LabelManagedBy] = MirroringManagedBy
	var ann map[string]string
	for k, v := range ep.Annotations {
		if k == AnnotationLastChangeTriggerTime || k == annotationLastApplied {
			continue
		}
		if ann == nil {
			ann = map[string]string{}
		}
		ann[k] = v
	}
	return &workload.EndpointSlice{
		ObjectMeta: workload.ObjectMeta{
			Name: name, Namespace: ep.Namespace, Labels: lbls, Annotations: ann,
			OwnerReferences: []workload.OwnerReference{{
				APIVersion: "v1", Kind: "Endpoints", Name: ep.Name, UID: ep.UID,
				Controller: workload.Ptr(true), BlockOwnerDeletion: workload.Ptr(true),
			}},
		},
		AddressType: family,
		Endpoints:   []workload.Endpoint{},
		Ports:       append([]workload.EndpointPort{}, ports...),
	}
}

func sameMirror(a, b *workload.EndpointSlice) bool {
	return sameSlice(a, b) && maps2Equal(a.Annotations, b.Annotations)
}
