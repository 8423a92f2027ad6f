package workload_test

import (
	"errors"
	"fmt"

	"github.com/orchestra-go/orchestra/workload"
)

func ExampleDecode() {
	manifest := `
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        imagePullPolicy: IfNotPresent
`
	objs, warnings, err := workload.Decode([]byte(manifest), "web.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range objs {
		workload.Default(o)
		fmt.Println(workload.Ref(o), workload.Validate(o))
	}
	for _, w := range warnings {
		fmt.Println("warning:", w)
	}

	_, _, err = workload.Decode([]byte("apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: web}\n"), "typo.yaml")
	fmt.Println(errors.Is(err, workload.ErrManifest))
	fmt.Println(err)
	// Output:
	// Deployment/default/web <nil>
	// warning: document 1 (web.yaml): ConfigMap/default/settings: kind ConfigMap is not modelled; skipped
	// warning: document 2 (web.yaml): Deployment/default/web: spec.template.spec.containers[].imagePullPolicy is not modelled
	// true
	// workload: bad manifest: document 1 (typo.yaml, line 1): Deploymnet/default/web: kind "Deploymnet" does not exist in apps/v1 (did you mean Deployment?)
}
