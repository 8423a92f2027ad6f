package fake

import (
	"context"
	"fmt"
	"testing"
)

// TestCallsKeepsEveryCallInOrder: the record, kept in chunks, gives back
// every call in order across chunks, and ResetCalls empties it.
func TestCallsKeepsEveryCallInOrder(t *testing.T) {
	h := newHarness(t, Config{})
	h.r.ResetCalls()
	const n = 3*callChunk + 7
	for round := range 2 {
		for i := range n {
			_ = h.r.DeletePod(context.Background(), "default", fmt.Sprintf("p-%d", i), 0)
		}
		calls := h.r.Calls()
		if len(calls) != n {
			t.Fatalf("round %d: %d calls recorded, want %d", round, len(calls), n)
		}
		for i, c := range calls {
			if want := fmt.Sprintf("Pod/default/p-%d", i); c.Method != "DeletePod" || c.Ref != want || c.Err == nil {
				t.Fatalf("round %d: call %d is %s %s (err %v), want DeletePod %s failing", round, i, c.Method, c.Ref, c.Err, want)
			}
		}
		h.r.ResetCalls()
		if got := h.r.Calls(); got != nil {
			t.Fatalf("round %d: after ResetCalls, Calls = %d calls", round, len(got))
		}
	}
}
