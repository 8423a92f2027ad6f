package service

import (
	"sort"
	"strings"
	"testing"
)

// topoSet returns the pods a picker chooses from in 64 picks, sorted and
// joined, or the error.
func topoSet(t *testing.T, p Picker) string {
	t.Helper()
	seen := map[string]bool{}
	for range 64 {
		e, err := p.Pick()
		if err != nil {
			return err.Error()
		}
		seen[e.PodName] = true
	}
	var out []string
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// Every picker built with Topology follows the hints as kube-proxy's
// topologyModeFromHints and availableForTopology (pkg/proxy/topology.go):
// node hints first when every ready endpoint has one and one names the
// node, then zone hints likewise, else every ready endpoint; not-ready
// endpoints do not count; the serving-terminating fallback ignores
// hints; Local ignores hints.
func TestTopologyHints(t *testing.T) {
	ep := func(name, node, zone, forZones, forNodes string, ready bool) Endpoint {
		return Endpoint{Address: "10.0.0." + name[1:], Port: 80, PodName: name, NodeName: node, Zone: zone,
			Ready: ready, Serving: true, Terminating: !ready, ForZones: forZones, ForNodes: forNodes}
	}
	zoned := []Endpoint{
		ep("p1", "a", "x", "x", "", true),
		ep("p2", "b", "y", "y", "", true),
		ep("p3", "c", "y", "y", "", true),
	}
	noded := []Endpoint{
		ep("p1", "a", "x", "x", "a", true),
		ep("p2", "b", "y", "y", "b", true),
		ep("p3", "c", "y", "y", "c", true),
	}
	partial := []Endpoint{ // p3 has no hint: hints ignored
		ep("p1", "a", "x", "x", "", true),
		ep("p2", "b", "y", "y", "", true),
		ep("p3", "c", "y", "", "", true),
	}
	notReadyUnhinted := []Endpoint{ // p3 is not ready: its lack of a hint does not count
		ep("p1", "a", "x", "x", "", true),
		ep("p2", "b", "y", "y", "", true),
		ep("p3", "c", "y", "", "", false),
	}
	onlyTerminating := []Endpoint{
		ep("p1", "a", "x", "x", "", false),
		ep("p2", "b", "y", "y", "", false),
	}
	multi := []Endpoint{ // hints naming several zones
		ep("p1", "a", "x", "x,w", "", true),
		ep("p2", "b", "y", "y", "", true),
	}
	cases := []struct {
		name       string
		eps        []Endpoint
		node, zone string
		want       string
	}{
		{"zone x", zoned, "n", "x", "p1"},
		{"zone y", zoned, "n", "y", "p2,p3"},
		{"zone without endpoints", zoned, "n", "z", "p1,p2,p3"},
		{"node without zone", zoned, "n", "", "p1,p2,p3"},
		{"node hint wins", noded, "b", "y", "p2"},
		{"no endpoint on the node: zone", noded, "d", "y", "p2,p3"},
		{"an endpoint without hint", partial, "n", "x", "p1,p2,p3"},
		{"not-ready endpoints do not count", notReadyUnhinted, "n", "x", "p1"},
		{"fallback ignores hints", onlyTerminating, "n", "x", "p1,p2"},
		{"a hint for several zones", multi, "n", "w", "p1"},
	}
	ctors := map[string]func(seed uint64, opts ...Option) Picker{
		"round-robin":   func(s uint64, o ...Option) Picker { return NewRoundRobin(s, o...) },
		"random":        func(s uint64, o ...Option) Picker { return NewRandom(s, o...) },
		"weighted":      func(s uint64, o ...Option) Picker { return NewWeighted(s, o...) },
		"least-request": func(s uint64, o ...Option) Picker { return NewLeastRequest(s, o...) },
	}
	for pname, ctor := range ctors {
		for _, tc := range cases {
			p := ctor(1, Topology(tc.node, tc.zone))
			mustUpdate(t, p, tc.eps)
			if got := topoSet(t, p); got != tc.want {
				t.Errorf("%s, %s: picks %s, want %s", pname, tc.name, got, tc.want)
			}
		}
		// Local takes precedence over Topology.
		p := ctor(1, Local("c"), Topology("c", "x"))
		mustUpdate(t, p, zoned)
		if got := topoSet(t, p); got != "p3" {
			t.Errorf("%s, Local and Topology: picks %s, want p3", pname, got)
		}
	}

	// A round-robin picker's partial updates re-read the mode: p1 (the
	// only endpoint of zone x) stops being ready, so zone x falls back to
	// every ready endpoint, and back.
	rr := NewRoundRobin(1, Topology("n", "x"))
	mustUpdate(t, rr, zoned)
	down := zoned[0]
	down.Ready, down.ForZones = false, ""
	if err := rr.UpdateAt([]int{0}, []Endpoint{down}); err != nil {
		t.Fatal(err)
	}
	if got := topoSet(t, rr); got != "p2,p3" {
		t.Errorf("UpdateAt, zone x without ready endpoint: picks %s, want p2,p3", got)
	}
	if err := rr.UpdateAt([]int{0}, []Endpoint{zoned[0]}); err != nil {
		t.Fatal(err)
	}
	if got := topoSet(t, rr); got != "p1" {
		t.Errorf("UpdateAt, p1 ready again: picks %s, want p1", got)
	}
}
