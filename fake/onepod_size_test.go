package fake

import (
	"runtime"
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

// TestOnePodAllocation measures what allocating a onePod really takes,
// so that the size-class arithmetic above stays true.
func TestOnePodAllocation(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const n = 64
	for range n {
		onePodSink = new(onePod)
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per > 1408 {
		t.Fatalf("a onePod takes %d bytes, past the 1408-byte size class", per)
	}
}
