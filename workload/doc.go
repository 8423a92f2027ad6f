// +k8s:deepcopy-gen=package

// Package workload holds orchestra's API: the Kubernetes object types
// (core/v1, apps/v1, batch/v1 and discovery/v1 field names and JSON tags, so
// real manifests decode straight into them), their defaulting and
// validation, label selectors, manifest decoding, and the Runtime seam that
// every backend implements.
//
// Decode and LoadFile read manifests (multi-document YAML or JSON) into
// objects, with a warning for each field orchestra does not model; Default
// and Validate are what Cluster.Apply runs on each; Ptr makes the pointers
// that optional fields take:
//
//	objs, warnings, err := workload.LoadFile("deploy.yaml")
//	d := &workload.Deployment{Spec: workload.DeploymentSpec{Replicas: workload.Ptr[int32](3)}}
package workload
