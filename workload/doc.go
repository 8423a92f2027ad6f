// +k8s:deepcopy-gen=package

// Package workload holds orchestra's API: the Kubernetes object types
// (core/v1, apps/v1, batch/v1 and discovery/v1 field names and JSON tags, so
// real manifests decode straight into them), their defaulting and
// validation, label selectors, manifest decoding, and the Runtime seam that
// every backend implements.
package workload
