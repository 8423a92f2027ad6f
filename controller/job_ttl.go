package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// ttlAfterFinished is the TTL-after-finished controller; see
// NewTTLAfterFinished.
type ttlAfterFinished struct{ deps Deps }

// NewTTLAfterFinished returns the TTL-after-finished controller, as
// Kubernetes' pkg/controller/ttlafterfinished: a Job with
// spec.ttlSecondsAfterFinished is deleted, with Foreground propagation
// as Kubernetes' processJob (the Job stays, marked for deletion, until the
// garbage collector has deleted its pods), that many seconds after
// its Complete or Failed condition became True (0: at once; unset: never).
// Changing the TTL of a finished Job moves the deadline. A Job being
// deleted is left alone. The deletion carries the Job's UID as a
// precondition, so that a new Job of the same name is never deleted.
func NewTTLAfterFinished(deps Deps) Controller { return &ttlAfterFinished{deps: deps} }

// Name returns "ttl-after-finished".
func (c *ttlAfterFinished) Name() string { return "ttl-after-finished" }

// Start enqueues every finished Job with a TTL.
func (c *ttlAfterFinished) Start(enqueue func(string)) {
	for _, o := range c.deps.Store.List("Job", "", nil) {
		if needsTTLCleanup(o.(*workload.Job)) {
			enqueue(workload.Key(o))
		}
	}
}

// Handle enqueues finished Jobs with a TTL.
func (c *ttlAfterFinished) Handle(ev store.Event, enqueue func(string)) {
	if j, ok := ev.Object.(*workload.Job); ok && ev.Type != store.Deleted && needsTTLCleanup(j) {
		enqueue(workload.Key(j))
	}
}

func needsTTLCleanup(j *workload.Job) bool {
	return j.Spec.TTLSecondsAfterFinished != nil && j.DeletionTimestamp == nil && jobFinished(j) != nil
}

// ttlExpiry returns when a finished Job with a TTL expires, and whether it
// has one.
func ttlExpiry(j *workload.Job) (time.Time, bool) {
	if !needsTTLCleanup(j) {
		return time.Time{}, false
	}
	finishedAt := jobFinished(j).LastTransitionTime.Time
	return finishedAt.Add(time.Duration(*j.Spec.TTLSecondsAfterFinished) * time.Second), true
}

// Reconcile deletes the Job once its TTL has passed, or asks to be called
// back then.
func (c *ttlAfterFinished) Reconcile(ctx context.Context, key string) (Result, error) {
	ns, name, ok := strings.Cut(key, "/")
	if !ok {
		return Result{}, fmt.Errorf("ttl-after-finished: bad key %q: %w", key, ErrPermanent)
	}
	o, err := c.deps.Store.Get("Job", ns, name)
	if errors.Is(err, store.ErrNotFound) {
		return Result{}, nil
	}
	if err != nil {
		return Result{}, err
	}
	j := o.(*workload.Job)
	at, ok := ttlExpiry(j)
	if !ok {
		return Result{}, nil
	}
	if wait := at.Sub(c.deps.Clock.Now()); wait > 0 {
		return Result{RequeueAfter: wait}, nil
	}
	_, err = c.deps.Store.Delete("Job", ns, name, store.DeleteOptions{
		Preconditions:     store.Preconditions{UID: j.UID},
		PropagationPolicy: store.DeleteForeground,
		NoResult:          true,
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) {
		return Result{}, fmt.Errorf("ttl-after-finished: deleting job %s: %w", key, err)
	}
	return Result{}, nil
}
