// Command simulate plays a scenario (SCENARIO.md) or a Kubernetes
// manifest forward in virtual time on the fake runtime and reports what
// happened: what `kubectl get` and `kubectl get events` would show at the
// end (-o table), or SCENARIO.md's JSON document (-o json).
//
//	go run ./examples/simulate -f scenario.yaml
//	go run ./examples/simulate -f manifest.yaml -nodes 3 -run 2h -o json
//	go run ./examples/simulate -f services.yaml -f statefulset.yaml
//
// A file that is not a scenario (it has apiVersion/kind documents) is
// played as a manifest on -nodes nodes for -run; -f may be repeated to play
// several manifests together, as kubectl apply -f takes them. A scenario
// plays alone.
package main
