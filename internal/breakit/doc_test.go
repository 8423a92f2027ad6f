// Package breakit_test holds adversarial tests of orchestra (see doc.go): each test
// reproduces one bug found by breaking the library from the outside (bad
// input, Kubernetes semantics, lifecycle, determinism). Each starts with
// t.Skip("known: ...") so that the suite stays green until the bug is
// fixed: whoever fixes it removes the Skip, sees the test pass, and keeps
// it as the regression test.
package breakit_test
