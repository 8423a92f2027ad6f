package service

import (
	"fmt"
	"math"
	"sort"

	"github.com/orchestra-go/orchestra/workload"
)

// Annotations of topology-aware routing: "Auto" (or "auto") makes the
// endpoints controller hint the ready endpoints of the Service for zones
// in proportion to each zone's allocatable CPU, as Kubernetes' topology
// cache (staging/src/k8s.io/endpointslice/topologycache) does. It takes
// precedence over spec.trafficDistribution.
const (
	AnnotationTopologyMode = "service.kubernetes.io/topology-mode"
	// AnnotationTopologyAwareHints is the deprecated name, read when
	// AnnotationTopologyMode is absent.
	AnnotationTopologyAwareHints = "service.kubernetes.io/topology-aware-hints"
)

// The messages of the topology-aware routing events (topologycache's
// event.go), followed by ", addressType: IPv4".
const (
	hintsNoZoneSpecified       = "One or more endpoints do not have a zone specified"
	hintsEnabled               = "Topology Aware Hints has been enabled"
	hintsDisabled              = "Topology Aware Hints has been disabled"
	hintsInsufficientNodeInfo  = "Insufficient Node information: allocatable CPU or zone not specified on one or more nodes"
	hintsInsufficientEndpoints = "Insufficient number of endpoints"
	hintsMinAllocation         = "Unable to allocate minimum required endpoints to each zone without exceeding overload threshold"
)

// overloadThreshold is the most any endpoint may be overloaded by the
// allocation (20 %).
const overloadThreshold = 0.2

// autoHints reports whether s asks for topology-aware routing
// (hintsEnabled of the EndpointSlice reconciler).
func autoHints(s *workload.Service) bool {
	if s == nil {
		return false
	}
	v, ok := s.Annotations[AnnotationTopologyMode]
	if !ok {
		v, ok = s.Annotations[AnnotationTopologyAwareHints]
	}
	return ok && (v == "Auto" || v == "auto")
}

// zoneRatios returns each zone's share of the allocatable CPU of the
// ready nodes (control-plane nodes left out), or nil when a node lacks a
// zone or CPU, or fewer than two zones have any, as TopologyCache.SetNodes.
func (c *EndpointsController) zoneRatios() map[string]float64 {
	byZone := map[string]int64{}
	var total int64
	for _, o := range c.store.List("Node", "", nil) {
		n := o.(*workload.Node)
		if _, ok := n.Labels["node-role.kubernetes.io/control-plane"]; ok {
			continue
		}
		if _, ok := n.Labels["node-role.kubernetes.io/master"]; ok {
			continue
		}
		ready := false
		for _, cd := range n.Status.Conditions {
			if cd.Type == workload.NodeReady {
				ready = cd.Status == workload.ConditionTrue
				break
			}
		}
		if !ready {
			continue
		}
		zone := n.Labels[workload.LabelZone]
		cpu := n.Status.Allocatable[workload.ResourceCPU]
		if zone == "" || cpu.IsZero() {
			return nil
		}
		byZone[zone] += cpu.MilliValue()
		total += cpu.MilliValue()
	}
	if total == 0 || len(byZone) < 2 {
		return nil
	}
	out := make(map[string]float64, len(byZone))
	for z, m := range byZone {
		out[z] = float64(m) / float64(total)
	}
	return out
}

type zoneAlloc struct {
	min, max int
	desired  float64
}

// setAutoHints hints the ready endpoints of st for zones as
// TopologyCache.AddHints does: each for its own zone, then the zones with
// more than their CPU share give endpoints to those with less; or, when
// that cannot be done within the overload threshold (or the nodes or
// endpoints lack zones), no hints. It records the event Kubernetes does.
// The choice of which endpoints a zone gives is deterministic: the first
// in pod order, to the zones in name order.
func (c *EndpointsController) setAutoHints(st *svcState) {
	var ready []*entry
	for _, e := range st.order {
		e.ep.Hints, e.pe.ForZones, e.pe.ForNodes = nil, "", ""
		if r := e.ep.Conditions.Ready; r != nil && *r {
			ready = append(ready, e)
		}
	}
	disable := func(msg string) {
		c.event(st.svc, workload.EventTypeWarning, "TopologyAwareHintsDisabled", msg)
		c.setHintsOn(st, false)
	}
	ratios := c.zoneRatios()
	n := len(ready)
	if ratios == nil {
		disable(hintsInsufficientNodeInfo)
		return
	}
	if len(ratios) > n {
		disable(fmt.Sprintf("%s (%d endpoints, %d zones)", hintsInsufficientEndpoints, n, len(ratios)))
		return
	}
	zones := make([]string, 0, len(ratios))
	for z := range ratios {
		zones = append(zones, z)
	}
	sort.Strings(zones)
	allocs := map[string]zoneAlloc{}
	left, minTotal := n, 0
	for _, z := range zones {
		desired := ratios[z] * float64(n)
		lo := int(math.Ceil(desired * (1 / (1 + overloadThreshold))))
		allocs[z] = zoneAlloc{min: lo, desired: math.Max(desired, float64(lo))}
		minTotal += lo
		if left -= lo; left < 0 {
			disable(fmt.Sprintf("%s (%d endpoints, %d zones)", hintsMinAllocation, n, len(ratios)))
			return
		}
	}
	for z, a := range allocs {
		a.max = a.min + n - minTotal
		allocs[z] = a
	}
	// Step 1: every ready endpoint for its own zone.
	have := map[string]int{}
	for _, e := range ready {
		if e.pe.Zone == "" {
			for _, e := range ready {
				e.ep.Hints, e.pe.ForZones = nil, ""
			}
			disable(hintsNoZoneSpecified)
			return
		}
		have[e.pe.Zone]++
		e.ep.Hints = &workload.EndpointHints{ForZones: []workload.ForZone{{Name: e.pe.Zone}}}
		e.pe.ForZones = e.pe.Zone
	}
	// Step 2: the whole endpoints each zone gives or receives
	// (getGivingAndReceivingZones).
	giveWant, takeWant := map[string]float64{}, map[string]float64{}
	for _, z := range zones {
		switch h, t := float64(have[z]), allocs[z].desired; {
		case h > t:
			giveWant[z] = h - t
		case h < t:
			takeWant[z] = t - h
		}
	}
	give, take := map[string]int{}, map[string]int{}
	for {
		gz, g := most(zones, giveWant)
		rz, r := most(zones, takeWant)
		if gz == "" || rz == "" || (g < 1 && r < 1) || g < 0.5 || r < 0.5 {
			break
		}
		give[gz]++
		giveWant[gz]--
		take[rz]++
		takeWant[rz]--
	}
	// Step 3: hand the endpoints over (redistributeHints).
	for _, e := range ready {
		if len(give) == 0 || len(take) == 0 {
			break
		}
		if give[e.pe.Zone] == 0 {
			continue
		}
		for _, z := range zones {
			if take[z] > 0 {
				e.ep.Hints = &workload.EndpointHints{ForZones: []workload.ForZone{{Name: z}}}
				e.pe.ForZones = z
				if give[e.pe.Zone]--; give[e.pe.Zone] == 0 {
					delete(give, e.pe.Zone)
				}
				if take[z]--; take[z] == 0 {
					delete(take, z)
				}
				break
			}
		}
	}
	if len(ready) == 0 {
		return
	}
	if !st.hintsOn {
		c.event(st.svc, workload.EventTypeNormal, "TopologyAwareHintsEnabled", hintsEnabled)
		c.setHintsOn(st, true)
	}
}

// setHintsOn records whether st's hints are populated.
func (c *EndpointsController) setHintsOn(st *svcState, on bool) {
	st.hintsOn = on
	if on {
		c.hinted[workload.Key(st.svc)] = struct{}{}
	} else {
		delete(c.hinted, workload.Key(st.svc))
	}
}

// most returns the zone (first in zones order on a tie) with the largest
// positive value in m, or "".
func most(zones []string, m map[string]float64) (string, float64) {
	best, num := "", 0.0
	for _, z := range zones {
		if v := m[z]; v > num {
			best, num = z, v
		}
	}
	return best, num
}

// event records a topology-aware routing event about svc, its message
// followed by the address type, as FormatWithAddressType.
func (c *EndpointsController) event(svc *workload.Service, typ, reason, msg string) {
	c.rec.Event(svc, typ, reason, msg+", addressType: "+workload.AddressTypeIPv4)
}
