package fake

import (
	"testing"
	"unsafe"
)

// TestOnePodSizeClass keeps the memory of a one-container pod in Go's
// 1408-byte size class: past it, every such pod takes 1536 bytes (+128
// bytes a pod, 19 MB at 150,000 pods). A field added to podState,
// container, workload.Pod or workload.ContainerStatus can push it over;
// make room elsewhere (see podState.restartPolicy) rather than raise this.
func TestOnePodSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(onePod{}); n > 1408 {
		t.Fatalf("onePod is %d bytes, past the 1408-byte size class (podState %d, container %d)",
			n, unsafe.Sizeof(podState{}), unsafe.Sizeof(container{}))
	}
}
