package orchestra

import (
	"fmt"

	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/workload"
)

// Services returns the cluster's service layer: the pickers of every
// Service port (Picker, NodePicker, ExternalPicker), the resolver, and the
// proxy when Config.Services.Proxy asks for one. Its Create, Update,
// Rebuild, ReleaseDeleted and Close are the cluster's to call (from Apply,
// Delete, StartControlPlane and Close), not the caller's.
func (c *Cluster) Services() *service.Layer { return c.services }

// Resolver returns the cluster's DNS-style resolver of Service and pod
// names.
func (c *Cluster) Resolver() *service.Resolver { return c.services.Resolver() }

// newServices creates the service layer. The proxy is refused on the fake
// runtime, whose pod addresses are labels nothing listens on.
func (c *Cluster) newServices() error {
	if c.cfg.Services.Proxy != nil && c.fake != nil {
		return fmt.Errorf("orchestra: Config.Services.Proxy: the fake runtime's pods have no real addresses; use a real runtime (inproc, process) for the proxy: %w", workload.ErrInvalid)
	}
	l, err := service.NewLayer(c.cfg.Services, service.LayerDeps{Store: c.store, Clock: c.clock, Logger: c.logger, Seed: c.cfg.Seed})
	if err != nil {
		return fmt.Errorf("orchestra: Config.Services: %w", err)
	}
	c.services = l
	return nil
}

// createObject stores a new object; a Service gets its ClusterIP and node
// ports first, and an allocation conflict fails the create.
func (c *Cluster) createObject(obj workload.Object) (workload.Object, error) {
	if s, ok := obj.(*workload.Service); ok {
		return c.services.Create(s, func() (workload.Object, error) { return c.store.Create(s) })
	}
	return c.store.Create(obj)
}

// updateObject stores an update; a Service's addresses follow its type
// and ports (new ones allocated, dropped ones released), and a Service
// that is no longer a LoadBalancer loses its load balancer status.
func (c *Cluster) updateObject(obj, old workload.Object) (workload.Object, error) {
	if s, ok := obj.(*workload.Service); ok {
		out, err := c.services.Update(s, old.(*workload.Service), func() (workload.Object, error) { return c.store.Update(s) })
		if st, ok := out.(*workload.Service); ok && err == nil && st.Spec.Type != workload.ServiceTypeLoadBalancer && len(st.Status.LoadBalancer.Ingress) > 0 {
			// No load balancer serves it any more: its status goes, as
			// the API server's dropTypeDependentFields clears it.
			st.Status.LoadBalancer = workload.LoadBalancerStatus{}
			return c.store.UpdateStatus(st)
		}
		return out, err
	}
	return c.store.Update(obj)
}

// keepServiceFields carries a Service's allocated ClusterIP and node ports
// over an applied manifest that leaves them unset.
func keepServiceFields(obj, old workload.Object) {
	if s, ok := obj.(*workload.Service); ok {
		service.KeepAllocated(s, old.(*workload.Service))
	}
}

// dropServiceFields clears what an applied Service that changes the
// stored one's type keeps over from the old type (see
// service.DropTypeDependentFields) and carries over the addresses it
// leaves unset (service.KeepAllocated), before it is validated.
func (c *Cluster) dropServiceFields(obj workload.Object) {
	s, ok := obj.(*workload.Service)
	if !ok || s.Name == "" {
		return
	}
	if old, err := c.store.Peek("Service", s.Namespace, s.Name); err == nil {
		service.DropTypeDependentFields(s, old.(*workload.Service))
		service.KeepAllocated(s, old.(*workload.Service))
	}
}

// closeServices stops the proxy, if any.
func (c *Cluster) closeServices() {
	if c.services != nil {
		_ = c.services.Close()
	}
}
