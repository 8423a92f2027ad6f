// Package breakit holds adversarial tests of orchestra (in package
// breakit_test): each test reproduces a bug found by breaking the library
// from the outside (bad input, Kubernetes semantics, lifecycle,
// determinism). A test for a bug not yet fixed starts with
// t.Skip("known: ..."); whoever fixes the bug removes the Skip and keeps
// the test as its regression test. Every bug found so far is fixed.
package breakit
