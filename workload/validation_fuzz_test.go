package workload

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"
)

// FuzzValidate decodes arbitrary JSON into every kind and checks that
// Default, Validate, ValidateUpdate and Decode never panic. Under plain
// `go test` it runs on its seed corpus: the shared manifests and objects
// full of half-set optional parts.
func FuzzValidate(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(manifestDir, "*.yaml"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, d := range splitDocuments(data) {
			if js, err := yaml.YAMLToJSON(d.text); err == nil {
				f.Add(js)
			}
		}
	}
	for _, s := range []string{
		`{}`, `null`, `[]`, `{"spec":null,"metadata":null}`,
		`{"metadata":{"name":"x","ownerReferences":[{}],"labels":{"":""},"annotations":{"":""}}}`,
		`{"spec":{"selector":{},"template":{"spec":{"containers":[{}],"initContainers":[{}]}}}}`,
		`{"spec":{"selector":{"matchExpressions":[{}]},"updateStrategy":{"rollingUpdate":{}},"strategy":{"rollingUpdate":{"maxSurge":"x%"}}}}`,
		`{"spec":{"updateStrategy":{"type":"OnDelete","rollingUpdate":{"maxUnavailable":0,"partition":-1}},"ordinals":{},"persistentVolumeClaimRetentionPolicy":{},"volumeClaimTemplates":[{}]}}`,
		`{"spec":{"completionMode":"Indexed","completions":0,"podFailurePolicy":{"rules":[{},{"onExitCodes":{"containerName":"x"}},{"onPodConditions":[{}]}]},"successPolicy":{"rules":[{},{"succeededIndexes":""},{"succeededIndexes":"9-1","succeededCount":-1}]},"backoffLimitPerIndex":0,"maxFailedIndexes":5,"selector":{},"manualSelector":true}}`,
		`{"spec":{"schedule":"TZ=x","timeZone":"","jobTemplate":{"spec":{"podFailurePolicy":{"rules":null},"successPolicy":{}}}}}`,
		`{"spec":{"type":"NodePort","clusterIP":"None","ports":[{},{"nodePort":1},{"nodePort":1}],"sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{}},"internalTrafficPolicy":""}}`,
		`{"spec":{"containers":[{"livenessProbe":{},"readinessProbe":{"httpGet":{"port":"x"},"tcpSocket":{}},"resources":{"limits":{"cpu":"1"},"requests":{"cpu":"2"}}}],"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"operator":"Gt"}],"matchFields":[{}]}]},"preferredDuringSchedulingIgnoredDuringExecution":[{}]}},"tolerations":[{},{"tolerationSeconds":1}]}}`,
		`{"spec":{"taints":[{},{}]},"addressType":"","endpoints":[{}],"ports":[{},{}],"revision":-1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, kind := range Kinds {
			obj := New(kind)
			if json.Unmarshal(data, obj) != nil {
				continue
			}
			_ = Validate(obj)
			old := obj.DeepCopyObject()
			Default(obj)
			_ = Validate(obj)
			_ = ValidateUpdate(obj, old)
			_ = ValidateUpdate(old, obj)
		}
		_, _, _ = Decode(data, "fuzz")
	})
}
