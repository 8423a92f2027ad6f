package store

import (
	"errors"

	"github.com/orchestra-go/orchestra/workload"
)

// Sentinel errors. Every error the Store returns wraps exactly one of them
// in an [*Error] that names the object; test with errors.Is.
var (
	// ErrNotFound is returned by Get, Update, UpdateStatus and Delete when
	// no object of that kind, namespace and name is stored.
	ErrNotFound = errors.New("store: not found")

	// ErrAlreadyExists is returned by Create when an object of that kind,
	// namespace and name is already stored (or when no free name could be
	// generated from generateName).
	ErrAlreadyExists = errors.New("store: already exists")

	// ErrConflict is returned by Update, UpdateStatus and Delete when a
	// precondition does not hold: the resourceVersion (or uid) the caller
	// read is no longer the stored one. Get the object again, recompute and
	// retry. Delete also returns it for a Namespace already being deleted
	// whose spec.finalizers are not all removed (as the API server's
	// namespace registry: "The system is ensuring all content is removed
	// from this namespace...").
	ErrConflict = errors.New("store: conflict")

	// ErrInvalid is returned for input the store cannot accept: a nil
	// object, a kind it does not know, an empty name without generateName,
	// a resourceVersion on Create, a new finalizer on an object being
	// deleted, UpdateStatus on a kind without status.
	ErrInvalid = errors.New("store: invalid")

	// ErrForbidden is returned by Create for new content in a namespace
	// being deleted (Kubernetes' NamespaceLifecycle admission: "unable to
	// create new content in namespace ... because it is being
	// terminated").
	ErrForbidden = errors.New("store: forbidden")

	// ErrExpired is returned by Watch when fromVersion is older than the
	// history the store keeps ("too old resource version", HTTP 410 Gone in
	// Kubernetes). List again and watch from the list's version. An error
	// wrapping it also matches workload.ErrWatchExpired.
	ErrExpired = errors.New("store: too old resource version")

	// ErrWatchOverflow ends a watch whose reader fell more than
	// Config.WatchBuffer events behind. The queued events are dropped; list
	// again and watch from the list's version. An error wrapping it also
	// matches workload.ErrWatchExpired.
	ErrWatchOverflow = errors.New("store: watch overflow")

	// ErrStopped ends a watch after Watcher.Stop.
	ErrStopped = errors.New("store: watch stopped")
)

// Error is the error type of the Store: one of the sentinel errors, the
// object it is about and, when useful, what exactly was wrong.
type Error struct {
	// Err is one of the package's sentinel errors (ErrNotFound, ...).
	Err error
	// Ref names the object: "Kind/namespace/name" or "Kind/name".
	Ref string
	// Detail says what was wrong, naming the field; may be empty.
	Detail string
}

// Error returns "store: <what>: <ref>[: <detail>]".
func (e *Error) Error() string {
	s := e.Err.Error() + ": " + e.Ref
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns the sentinel error, so errors.Is(err, ErrNotFound) works.
func (e *Error) Unwrap() error { return e.Err }

// Is makes the errors that end a watch for good (ErrExpired,
// ErrWatchOverflow) match workload.ErrWatchExpired, the error every
// workload.Watcher uses to say "list again".
func (e *Error) Is(target error) bool {
	return target == workload.ErrWatchExpired && (e.Err == ErrExpired || e.Err == ErrWatchOverflow)
}

func newError(sentinel error, ref, detail string) error {
	return &Error{Err: sentinel, Ref: ref, Detail: detail}
}

// ref formats a kind, namespace and name the way workload.Ref does.
func ref(kind, namespace, name string) string {
	if namespace == "" {
		return kind + "/" + name
	}
	return kind + "/" + namespace + "/" + name
}
