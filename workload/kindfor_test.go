package workload_test

import (
	"testing"

	"github.com/orchestra-go/orchestra/workload"
)

// TestKindFor: the names kubectl takes for each kind modelled (kubectl
// api-resources: the Kind in any case, the plural resource name and the
// short names), and none for a name that is none of these.
func TestKindFor(t *testing.T) {
	for name, want := range map[string]string{
		"Pod": "Pod", "pods": "Pod", "po": "Pod",
		"nodes": "Node", "no": "Node",
		"services": "Service", "svc": "Service",
		"endpoints": "Endpoints", "ep": "Endpoints",
		"endpointslices":         "EndpointSlice",
		"persistentvolumeclaims": "PersistentVolumeClaim", "pvc": "PersistentVolumeClaim",
		"events": "Event", "ev": "Event",
		"namespaces": "Namespace", "ns": "Namespace",
		"daemonsets": "DaemonSet", "ds": "DaemonSet",
		"deployment": "Deployment", "deployments": "Deployment", "deploy": "Deployment",
		"replicasets": "ReplicaSet", "rs": "ReplicaSet",
		"statefulsets": "StatefulSet", "sts": "StatefulSet",
		"controllerrevisions": "ControllerRevision",
		"jobs":                "Job",
		"cronjobs":            "CronJob", "cj": "CronJob",
		// group-qualified, as kubectl get deployments.apps takes them
		"deployments.apps": "Deployment", "Deployment.apps": "Deployment", "deployments.v1.apps": "Deployment",
		"cronjobs.batch": "CronJob", "jobs.v1.batch": "Job", "sts.apps": "StatefulSet",
		"endpointslices.discovery.k8s.io": "EndpointSlice", "endpointslices.v1.discovery.k8s.io": "EndpointSlice",
	} {
		if got, ok := workload.KindFor(name); !ok || got != want {
			t.Errorf("KindFor(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
	for _, name := range []string{"", "deplo", "apps/v1/Deployment", "configmaps", "cm",
		// no such plural, or the wrong group
		"podes", "jobes", "endpointss", "endpointses", "deployments.batch", "jobs.apps", "deployments.v2.apps", "pods.apps", "deployments."} {
		if got, ok := workload.KindFor(name); ok {
			t.Errorf("KindFor(%q) = %q, want none", name, got)
		}
	}
}
