package controller

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/orchestra-go/orchestra/internal/workqueue"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
)

// Controller is one reconciler: it maps store changes to keys and brings
// the state of one key to what its spec asks for. Every method is called on
// the Manager's single loop goroutine, so a controller needs no locks for
// state of its own (caches, expectations).
type Controller interface {
	// Name names the controller in logs, events and errors ("daemonset").
	Name() string
	// Start is called when the control plane starts (also after a
	// restart): the controller enqueues every key it owns, so that it
	// rebuilds its view from the store.
	Start(enqueue func(key string))
	// Handle maps one store change to the keys to reconcile. It must not
	// block and must not write to the store. ev.Object is shared:
	// read-only.
	Handle(ev store.Event, enqueue func(key string))
	// Reconcile brings key to its desired state. It is level-based: it
	// looks at the whole current state, never at the event that queued
	// it. An error requeues the key with per-key back-off unless it wraps
	// ErrPermanent.
	Reconcile(ctx context.Context, key string) (Result, error)
}

// Result is what a Reconcile asks of the loop.
type Result struct {
	// RequeueAfter, when positive, reconciles the key again after that
	// long (on the Manager's clock), even if nothing changes.
	RequeueAfter time.Duration
}

// ErrPermanent marks a Reconcile error that retrying cannot fix (bad
// input): the key is not requeued with back-off. Wrap it with %w.
var ErrPermanent = errors.New("controller: permanent error")

// Deps is what every controller gets from the cluster.
type Deps struct {
	// Store holds every API object, pods included.
	Store *store.Store
	// Clock is the time source (virtual or real).
	Clock vtime.Clock
	// Events records Kubernetes-style events.
	Events *Recorder
	// Logger receives structured logs; never nil (a discarding logger
	// when the caller gave none).
	Logger *slog.Logger
	// Seed seeds every random choice (pod name suffixes come from the
	// store's seed).
	Seed int64
}

// Manager runs controllers over one store watch, each controller with its
// own de-duplicating, delaying work queue. It does nothing on its own
// goroutines: the owner calls Step (virtual time) or waits on Ready and
// then calls Step (real time).
type Manager struct {
	deps    Deps
	ctrls   []Controller
	queues  []*workqueue.Queue
	watcher *store.Watcher
	batch   []store.Event  // deliver's buffer, empty between calls
	adds    []func(string) // each queue's Add, made once per Start
	wake    chan struct{}
	running bool
}

// NewManager returns a Manager for ctrls. Call Start before Step.
func NewManager(deps Deps, ctrls ...Controller) *Manager {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	return &Manager{deps: deps, ctrls: ctrls, wake: make(chan struct{}, 1)}
}

// Controllers returns the managed controllers, in order.
func (m *Manager) Controllers() []Controller { return m.ctrls }

// Start watches the store from its current version and lets every
// controller enqueue its keys. Starting a started Manager does nothing.
func (m *Manager) Start() error {
	if m.running {
		return nil
	}
	w, err := m.deps.Store.Watch("", m.deps.Store.ResourceVersion())
	if err != nil {
		return err
	}
	m.watcher = w
	m.queues = make([]*workqueue.Queue, len(m.ctrls))
	m.adds = make([]func(string), len(m.ctrls))
	for i, c := range m.ctrls {
		q := workqueue.New(m.deps.Clock)
		m.queues[i] = q
		m.adds[i] = q.Add
		c.Start(q.Add)
	}
	m.running = true
	return nil
}

// Stop ends the watch and drops every queued key and pending requeue, as a
// controller-manager that goes down does. The store keeps its state.
func (m *Manager) Stop() {
	if !m.running {
		return
	}
	m.watcher.Stop()
	for _, q := range m.queues {
		q.ShutDown()
	}
	m.queues = nil
	m.watcher = nil
	m.running = false
}

// Running reports whether the Manager is started.
func (m *Manager) Running() bool { return m.running }

// Step delivers every store change that is ready to the controllers, then
// reconciles every key that is ready, once each, controllers in order. It
// reports whether it did anything. A watch that ended (overflow) is
// restarted and every controller resynced.
func (m *Manager) Step(ctx context.Context) bool {
	if !m.running {
		return false
	}
	progress := m.deliver()
	if m.watcher.Err() != nil {
		m.deps.Logger.Warn("store watch ended; resyncing controllers", "err", m.watcher.Err())
		m.watcher.Stop()
		w, err := m.deps.Store.Watch("", m.deps.Store.ResourceVersion())
		if err == nil {
			m.watcher = w
			for i, c := range m.ctrls {
				c.Start(m.queues[i].Add)
			}
			progress = true
		}
	}
	for i, c := range m.ctrls {
		q := m.queues[i]
		for n := min(q.Len(), maxKeysPerStep); n > 0; n-- {
			t, ok := q.Take()
			if !ok {
				break
			}
			key := t.Key
			progress = true
			res, err := c.Reconcile(ctx, key)
			// Deliver what the reconcile wrote before the next one runs,
			// so that a step of many writing reconciles never piles up
			// more events than the watch buffers.
			m.deliver()
			switch {
			case err != nil && !errors.Is(err, ErrPermanent):
				m.deps.Logger.Debug("reconcile failed; retrying", "controller", c.Name(), "key", key, "err", err)
				q.Done(key)
				q.AddRateLimited(key)
			default:
				if err != nil {
					m.deps.Logger.Warn("reconcile failed permanently", "controller", c.Name(), "key", key, "err", err)
				}
				q.FinishTaken(t, res.RequeueAfter) // Forget, Done, AddAfter
			}
		}
	}
	return progress
}

// deliver hands every store change that is ready to the controllers and
// reports whether there was one.
func (m *Manager) deliver() bool {
	if m.batch == nil {
		m.batch = make([]store.Event, 0, deliverBatch)
	}
	progress, used := false, 0
	for {
		evs := m.watcher.TryNextBatch(m.batch)
		if len(evs) == 0 {
			// Each batch overwrites the last; keep no object alive
			// past this call.
			clear(m.batch[:used])
			return progress
		}
		progress = true
		for k := range evs {
			for i, c := range m.ctrls {
				c.Handle(evs[k], m.adds[i])
			}
		}
		used = max(used, len(evs))
	}
}

// deliverBatch is how many store changes deliver takes from the watch at
// a time.
const deliverBatch = 256

// maxKeysPerStep bounds the keys one controller reconciles in one Step, so
// that a burst (thousands of pods to create) leaves room between Steps for
// the cluster to take in what the runtime reports.
const maxKeysPerStep = 1024

// Pending reports whether a store change or a key is ready now.
func (m *Manager) Pending() bool {
	if !m.running {
		return false
	}
	for _, q := range m.queues {
		if q.Len() > 0 {
			return true
		}
	}
	return false
}

// Wait returns the channels a real-time loop selects on to learn that Step
// has work: the store watch and every queue.
func (m *Manager) Wait() []<-chan struct{} {
	if !m.running {
		return nil
	}
	chs := []<-chan struct{}{m.watcher.Ready()}
	for _, q := range m.queues {
		chs = append(chs, q.Ready())
	}
	return chs
}
