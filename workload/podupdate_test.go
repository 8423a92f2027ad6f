package workload

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/resource"
)

// A forbidden pod update's error names the fields that changed.
func TestChangedPodFields(t *testing.T) {
	base := func() *PodSpec {
		return &PodSpec{NodeName: "a", Containers: []Container{{Name: "c", Image: "x",
			Resources: ResourceRequirements{Requests: ResourceList{"cpu": resource.MustParse("1")}}}}}
	}
	for _, tc := range []struct {
		name   string
		change func(*PodSpec)
		want   []string
	}{
		{"command", func(s *PodSpec) { s.Containers[0].Command = []string{"sh"} }, []string{"spec.containers[0].command"}},
		{"restartPolicy and hostNetwork", func(s *PodSpec) { s.RestartPolicy = RestartPolicyNever; s.HostNetwork = true },
			[]string{"spec.restartPolicy", "spec.hostNetwork"}},
		{"a container added", func(s *PodSpec) { s.Containers = append(s.Containers, Container{Name: "d"}) }, []string{"spec.containers"}},
		{"the same quantity written otherwise", func(s *PodSpec) { s.Containers[0].Resources.Requests["cpu"] = resource.MustParse("1000m") }, nil},
		{"many", func(s *PodSpec) {
			s.RestartPolicy, s.HostNetwork, s.Hostname, s.Subdomain, s.SchedulerName = "Never", true, "h", "s", "other"
			s.NodeSelector = map[string]string{"a": "b"}
		}, []string{"spec.restartPolicy", "spec.nodeSelector", "spec.hostNetwork", "spec.hostname", "spec.subdomain", "..."}},
	} {
		s := base()
		tc.change(s)
		if diff := cmp.Diff(tc.want, changedPodFields(s, base())); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	old := &Pod{ObjectMeta: ObjectMeta{Name: "p", Namespace: "default"}, Spec: *base()}
	n := old.DeepCopy()
	n.Spec.Containers[0].Command = []string{"sh"}
	if err := ValidateUpdate(n, old); err == nil || !strings.Contains(err.Error(), "changed: spec.containers[0].command") {
		t.Fatalf("ValidateUpdate = %v, want the changed field named", err)
	}
}
