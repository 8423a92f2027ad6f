// Package leakcheck finds goroutines a test left behind: take a Snapshot
// before the code under test starts goroutines, then Check after it should
// have stopped them all.
package leakcheck
