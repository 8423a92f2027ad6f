package workload_test

import (
	"testing"

	"github.com/orchestra-go/orchestra/workload"
)

// BenchmarkValidateObjectMeta checks the metadata of a pod as a
// ReplicaSet creates it, the check the cluster's admission makes of every
// object a controller creates.
func BenchmarkValidateObjectMeta(b *testing.B) {
	p := &workload.Pod{ObjectMeta: workload.ObjectMeta{
		Namespace:    "default",
		GenerateName: "app-0001-6d4cf56db6-",
		Labels:       map[string]string{"app": "app-0001", "pod-template-hash": "6d4cf56db6"},
		OwnerReferences: []workload.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "app-0001-6d4cf56db6",
			UID: "0b8a7f1e-6c1a-4f5e-9a1b-3f5d2c7e8a90", Controller: workload.Ptr(true), BlockOwnerDeletion: workload.Ptr(true)}},
	}}
	b.ReportAllocs()
	for b.Loop() {
		if err := workload.ValidateObjectMeta(p); err != nil {
			b.Fatal(err)
		}
	}
}
