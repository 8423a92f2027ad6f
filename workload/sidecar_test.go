package workload

import (
	"strings"
	"testing"
)

// A Deployment whose pods have native sidecars (initContainers with
// restartPolicy: Always, Kubernetes 1.29+) with probes and a preStop hook
// loads without warnings and is valid; the field decodes.
func TestSidecarManifestDecodesAndValidates(t *testing.T) {
	const m = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers:
      - name: migrate
        image: example.test/migrate:1
      - name: proxy
        image: example.test/proxy:1
        restartPolicy: Always
        startupProbe: {tcpSocket: {port: 15000}}
        readinessProbe: {httpGet: {path: /ready, port: 15000}}
        livenessProbe: {tcpSocket: {port: 15000}}
        lifecycle: {preStop: {sleep: {seconds: 5}}}
      containers:
      - name: web
        image: example.test/web:1
`
	objs, warnings, err := Decode([]byte(m), "sidecar.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) > 0 {
		t.Fatalf("warnings: %q", warnings)
	}
	d := objs[0].(*Deployment)
	inits := d.Spec.Template.Spec.InitContainers
	if IsSidecar(&inits[0]) || !IsSidecar(&inits[1]) || !HasSidecar(inits) {
		t.Fatalf("IsSidecar: migrate %v, proxy %v", IsSidecar(&inits[0]), IsSidecar(&inits[1]))
	}
	if err := Validate(d); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if c := d.DeepCopy(); c.Spec.Template.Spec.InitContainers[1].RestartPolicy == inits[1].RestartPolicy {
		t.Fatal("DeepCopy shares restartPolicy")
	}
}

// The messages are Kubernetes' (validateInitContainers,
// validateContainers).
func TestSidecarValidationMessages(t *testing.T) {
	p := &Pod{ObjectMeta: ObjectMeta{Name: "p", Namespace: "default"}, Spec: PodSpec{
		InitContainers: []Container{
			{Name: "setup", Image: "x", StartupProbe: &Probe{ProbeHandler: ProbeHandler{TCPSocket: &TCPSocketAction{}}}},
			{Name: "proxy", Image: "x", RestartPolicy: Ptr("OnFailure")},
		},
		Containers: []Container{{Name: "main", Image: "x", RestartPolicy: Ptr("Always")}},
	}}
	err := Validate(p)
	if err == nil {
		t.Fatal("valid")
	}
	for _, want := range []string{
		"spec.initContainers[0].startupProbe: Forbidden: may not be set for init containers without restartPolicy=Always",
		`spec.initContainers[1].restartPolicy: Unsupported value: "OnFailure": supported values: "Always"`,
		"spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q\nlacks %q", err, want)
		}
	}
}
