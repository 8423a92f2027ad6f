package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// TestR11pHostIPs: a running pod's status carries hostIPs beside hostIP,
// the node's address (GA since Kubernetes 1.30: the kubelet's
// generateAPIPodStatus in pkg/kubelet/kubelet_pods.go sets s.HostIP and
// s.HostIPs from the node's addresses together), and a manifest holding
// status.hostIPs decodes without a warning that the field is ignored.
func TestR11pHostIPs(t *testing.T) {
	c := newCluster(t, "n1")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: app, image: nginx}
`)
	advance(t, c, time.Second)
	o, err := c.Get("Pod", "default", "web")
	if err != nil {
		t.Fatal(err)
	}
	st := o.(*workload.Pod).Status
	if st.HostIP == "" || len(st.HostIPs) != 1 || st.HostIPs[0].IP != st.HostIP {
		t.Fatalf("hostIP %q hostIPs %v, want hostIPs [{%s}]", st.HostIP, st.HostIPs, st.HostIP)
	}
	_, warns, err := workload.Decode([]byte(`
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {containers: [{name: app, image: nginx}]}
status: {hostIP: 10.0.0.1, hostIPs: [{ip: 10.0.0.1}]}
`), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warns {
		t.Errorf("warning: %v", w)
	}
}
