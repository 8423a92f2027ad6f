// Package controller holds orchestra's controllers: DaemonSet, Job,
// CronJob, ReplicaSet and Deployment, StatefulSet, garbage collection,
// namespace deletion, node lifecycle, pod garbage collection (terminated
// pods) and TTL after finished. Each is a pure decision,
// reconcile(desired, observed, now) -> actions, table-tested, plus a thin
// Reconcile method that reads the observed state from the store's indexes,
// calls the decision and applies the actions to the store.
//
// Controllers talk only to the store: they create Pod objects (the cluster
// schedules them and starts them on the runtime) and delete them with
// DeletePod (the cluster stops them on the runtime with their grace
// period). Pod status comes from the runtime, through the store.
//
// A Manager runs the controllers on one goroutine, fed by one store watch;
// requests carry a key, never an event (level-based), and each controller
// has a de-duplicating, delaying, rate-limited queue:
//
//	m := controller.NewManager(deps, ctrls...)
//	if err := m.Start(); err != nil { ... }
//	for m.Step(ctx) {
//		// deliver store changes, reconcile every ready key once
//	}
//	// virtual time: advance the clock to its next deadline and Step again;
//	// real time: select on m.Wait() and Step again.
package controller
