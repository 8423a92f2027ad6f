package service

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/benbjohnson/clock"
)

// DefaultAffinityTimeout is how long a client stays with its endpoint after
// its last request when AffinityConfig.Timeout is zero: 10800 s (3 h), the
// Kubernetes default of sessionAffinityConfig.clientIP.timeoutSeconds.
const DefaultAffinityTimeout = 10800 * time.Second

// MaxAffinityTimeout is the largest accepted AffinityConfig.Timeout: 86400 s,
// as Kubernetes validates.
const MaxAffinityTimeout = 86400 * time.Second

// AffinityConfig configures [NewAffinity]. The zero value works.
type AffinityConfig struct {
	// Timeout is how long a client IP keeps its endpoint after its last
	// request: 0 < Timeout <= MaxAffinityTimeout, 0 means
	// DefaultAffinityTimeout.
	Timeout time.Duration
	// Clock tells the time (a *vtime.Virtual, a benbjohnson/clock Mock,
	// ...); nil means the real clock.
	Clock interface{ Now() time.Time }
}

// Affinity is ClientIP session affinity (sessionAffinity: ClientIP) around
// another picker: requests from one client IP go to the same endpoint for
// as long as that endpoint stays usable and the client sends a request at
// least once per timeout. A new client, an expired one, or one whose
// endpoint is no longer usable (not ready, removed) gets the inner picker's
// next choice, and keeps that.
//
// PickFor takes a mutex around the affinity table; Pick (no client) goes
// straight to the lock-free inner picker. Expired entries are dropped as
// the table grows, so it stays proportional to the clients active within
// one timeout.
type Affinity struct {
	inner   Picker
	timeout time.Duration
	clock   interface{ Now() time.Time }

	updMu  sync.Mutex                        // serialises Update
	usable atomic.Pointer[map[key]*Endpoint] // the inner picker's current set

	mu      sync.Mutex // guards table and sweepAt
	table   map[string]affinityEntry
	sweepAt int
}

type affinityEntry struct {
	ep   key
	last time.Time
}

var _ Picker = (*Affinity)(nil)

// NewAffinity returns ClientIP affinity around inner, which should have no
// endpoints yet: give them to the Affinity's Update. It returns an error if
// cfg.Timeout is out of range.
func NewAffinity(inner Picker, cfg AffinityConfig) (*Affinity, error) {
	if inner == nil {
		return nil, fmt.Errorf("service: NewAffinity: inner picker is nil")
	}
	t := cfg.Timeout
	if t == 0 {
		t = DefaultAffinityTimeout
	}
	if t < 0 || t > MaxAffinityTimeout {
		return nil, fmt.Errorf("service: sessionAffinityConfig.clientIP.timeoutSeconds: %v is not in (0s, %v]", cfg.Timeout, MaxAffinityTimeout)
	}
	c := cfg.Clock
	if c == nil {
		c = clock.New()
	}
	a := &Affinity{inner: inner, timeout: t, clock: c, table: make(map[string]affinityEntry), sweepAt: 64}
	a.storeUsable(nil)
	return a, nil
}

// PickFor returns the endpoint for a request from clientIP: the client's
// endpoint if it has one that is still usable and its last request is no
// more than the timeout ago, else the inner picker's choice, which the
// client then keeps. An empty clientIP picks without affinity. The
// endpoint is shared and read-only (see [Picker]).
func (a *Affinity) PickFor(clientIP string) (*Endpoint, error) {
	if clientIP == "" {
		return a.inner.Pick()
	}
	now := a.clock.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if e, ok := a.table[clientIP]; ok && now.Sub(e.last) <= a.timeout {
		if ep := (*a.usable.Load())[e.ep]; ep != nil {
			e.last = now
			a.table[clientIP] = e
			return ep, nil
		}
	}
	ep, err := a.inner.Pick()
	if err != nil {
		delete(a.table, clientIP)
		return nil, err
	}
	a.keep(clientIP, ep, now)
	return ep, nil
}

// keep makes ep the endpoint of clientIP from now, and drops the entries
// past their timeout once the table has doubled since the last sweep.
// Caller holds mu.
func (a *Affinity) keep(clientIP string, ep *Endpoint, now time.Time) {
	a.table[clientIP] = affinityEntry{ep: keyOf(ep), last: now}
	if len(a.table) >= a.sweepAt {
		for ip, e := range a.table {
			if now.Sub(e.last) > a.timeout {
				delete(a.table, ip)
			}
		}
		a.sweepAt = max(64, 2*len(a.table))
	}
}

// Repick is PickFor for a client whose endpoint did not answer: it takes
// the inner picker's next choice and makes it the client's endpoint, as
// kube-proxy's userspace proxy resets a client's affinity after a failed
// dial. An empty clientIP picks without affinity.
func (a *Affinity) Repick(clientIP string) (*Endpoint, error) {
	if clientIP == "" {
		return a.inner.Pick()
	}
	now := a.clock.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	ep, err := a.inner.Pick()
	if err != nil {
		delete(a.table, clientIP)
		return nil, err
	}
	a.keep(clientIP, ep, now)
	return ep, nil
}

// Pick returns the inner picker's choice, without affinity.
func (a *Affinity) Pick() (*Endpoint, error) { return a.inner.Pick() }

// Update updates the inner picker and the set of endpoints that affinity
// entries may still use. Once it returns, no PickFor that starts afterwards
// returns an endpoint it removed.
func (a *Affinity) Update(eps []Endpoint) error {
	a.updMu.Lock()
	defer a.updMu.Unlock()
	if err := a.inner.Update(eps); err != nil {
		return err
	}
	if c, ok := a.inner.(currentPointers); ok {
		a.storeUsablePtrs(c.currentPtrs())
		return nil
	}
	var cur []Endpoint
	if c, ok := a.inner.(currentEndpoints); ok {
		cur = c.current()
	} else {
		var o options
		cur, _, _ = usable(eps, &o, [2]*key{}) // validated by inner already
	}
	a.storeUsable(cur)
	return nil
}

// Len returns the number of clients in the affinity table, expired ones
// not yet dropped included.
func (a *Affinity) Len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.table)
}

func (a *Affinity) storeUsable(cur []Endpoint) {
	m := make(map[key]*Endpoint, len(cur))
	for i := range cur {
		m[keyOf(&cur[i])] = &cur[i]
	}
	a.usable.Store(&m)
}

func (a *Affinity) storeUsablePtrs(cur []*Endpoint) {
	m := make(map[key]*Endpoint, len(cur))
	for _, e := range cur {
		m[keyOf(e)] = e
	}
	a.usable.Store(&m)
}

func (a *Affinity) current() []Endpoint {
	if c, ok := a.inner.(currentEndpoints); ok {
		return c.current()
	}
	return nil
}
