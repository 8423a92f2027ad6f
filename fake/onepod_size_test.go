package fake

import (
	"runtime/metrics"
	"testing"
	"unsafe"
)

// TestOnePodSizeClass keeps the memory of a one-container pod in Go's
// 1408-byte size class: past it, every such pod takes 1536 bytes (+128
// bytes a pod, 19 MB at 150,000 pods). An object with pointers of more
// than 512 bytes carries an 8-byte allocation header (Go's
// minSizeForMallocHeader), so onePod itself must stay within 1400 bytes.
// A field added to podState, container, workload.Pod or
// workload.ContainerStatus can push it over; make room elsewhere (see
// podState.restartPolicy, the container's flags) rather than raise this.
func TestOnePodSizeClass(t *testing.T) {
	const sizeClass, mallocHeader = 1408, 8
	if n := unsafe.Sizeof(onePod{}); n+mallocHeader > sizeClass {
		t.Fatalf("onePod is %d bytes, %d with its allocation header: past the %d-byte size class (podState %d, container %d)",
			n, n+mallocHeader, sizeClass, unsafe.Sizeof(podState{}), unsafe.Sizeof(container{}))
	}
}

// onePodSink keeps TestOnePodAllocation's pods on the heap.
var onePodSink *onePod

// TestOnePodAllocation checks where allocating a onePod really goes, so
// that the size-class arithmetic above stays true: n onePods must be
// counted in the runtime's allocation histogram bucket of the 1408-byte
// size class (sizes 1281 to 1408). The histogram counts objects by size
// class, so other tests allocating at the same time cannot make it fail
// (measuring bytes allocated could). The runtime counts a span's objects
// when its cache swaps the span, so the last span's few are not yet
// counted: at least half of them must be, where past the class none
// would.
func TestOnePodAllocation(t *testing.T) {
	const n = 1000
	sample := []metrics.Sample{{Name: "/gc/heap/allocs-by-size:bytes"}}
	inClass := func() uint64 {
		metrics.Read(sample)
		h := sample[0].Value.Float64Histogram()
		for i, c := range h.Counts {
			// Bucket i holds sizes in (Buckets[i], Buckets[i+1]].
			if h.Buckets[i] < 1408 && 1408 <= h.Buckets[i+1] {
				return c
			}
		}
		t.Fatal("no allocation histogram bucket holds 1408 bytes")
		return 0
	}
	before := inClass()
	for range n {
		onePodSink = new(onePod)
	}
	if got := inClass() - before; got < n/2 {
		t.Fatalf("%d of %d onePods allocated in the 1408-byte size class: past it (onePod %d bytes plus its allocation header)",
			got, n, unsafe.Sizeof(onePod{}))
	}
}
