package breakit_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra/scenario"
)

// The SERVICES table is what kubectl get services shows: TYPE, CLUSTER-IP
// ("<none>" for ExternalName), EXTERNAL-IP ("<none>" for ClusterIP and
// NodePort, "<pending>" for a LoadBalancer with no ingress, the
// externalName for ExternalName), PORT(S) ("80:30080/TCP", "<none>" when
// there are none). Source: SCENARIO.md ("-o table: what kubectl get would
// show"); kubernetes pkg/printers/internalversion/printers.go
// printService, getServiceExternalIP, makePortString.
func TestR8bScenarioTableServiceColumns(t *testing.T) {
	s, err := scenario.Parse([]byte(`
nodes: [{name: a}]
objects:
  - {apiVersion: v1, kind: Service, metadata: {name: cip}, spec: {clusterIP: 10.96.0.10, ports: [{name: http, port: 80}, {name: dns, port: 53, protocol: UDP}], selector: {a: b}}}
  - {apiVersion: v1, kind: Service, metadata: {name: np}, spec: {type: NodePort, clusterIP: 10.96.0.11, ports: [{port: 80, nodePort: 30080}]}}
  - {apiVersion: v1, kind: Service, metadata: {name: lb}, spec: {type: LoadBalancer, clusterIP: 10.96.0.12, ports: [{port: 443, nodePort: 30443}]}}
  - {apiVersion: v1, kind: Service, metadata: {name: ext}, spec: {type: ExternalName, externalName: db.example.com}}
  - {apiVersion: v1, kind: Service, metadata: {name: hl}, spec: {clusterIP: None, selector: {a: b}}}
run: 1m
`), "svc.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := res.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	in, header := false, ""
	for _, line := range strings.Split(buf.String(), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 0 && f[0] == "SERVICES":
			in = true
		case len(f) == 0:
			in = false
		case in && f[0] == "NAMESPACE":
			header = strings.Join(f, " ")
		case in && f[0] == "default":
			rows[f[1]] = strings.Join(f[2:len(f)-1], " ") // without AGE
		}
	}
	if want := "NAMESPACE NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE"; header != want {
		t.Errorf("header %q, want %q", header, want)
	}
	for name, want := range map[string]string{
		"cip": "ClusterIP 10.96.0.10 <none> 80/TCP,53/UDP",
		"np":  "NodePort 10.96.0.11 <none> 80:30080/TCP",
		"lb":  "LoadBalancer 10.96.0.12 <pending> 443:30443/TCP",
		"ext": "ExternalName <none> db.example.com <none>",
		"hl":  "ClusterIP None <none> <none>",
	} {
		if rows[name] != want {
			t.Errorf("%s: %q, want %q", name, rows[name], want)
		}
	}
}

// Play and NewPlayer of a nil *Scenario fail with scenario.ErrInvalid;
// they used to panic with a nil-pointer dereference. DESIGN.md,
// Reliability: bad input gets an error, never a panic.
func TestR8bScenarioNilNoPanic(t *testing.T) {
	for name, f := range map[string]func() error{
		"Play":      func() error { _, err := scenario.Play(nil, scenario.Options{}); return err },
		"NewPlayer": func() error { _, err := scenario.NewPlayer(nil, scenario.Options{}); return err },
	} {
		if err := r3safe(f); !errors.Is(err, scenario.ErrInvalid) {
			t.Errorf("%s(nil): %v, want an error wrapping scenario.ErrInvalid", name, err)
		}
	}
}
