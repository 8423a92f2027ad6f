package breakit_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/workload"
)

// TestR10pEnvDownwardAPI: env valueFrom.fieldRef and resourceFieldRef
// take their values from the pod and its container, as the kubelet's
// makeEnvironmentVariables (podFieldSelectorRuntimeValue,
// containerResourceRuntimeValue: a limit not set is the node's
// allocatable amount, divided by the divisor and rounded up); a value
// taken from the pod is not $(VAR)-expanded, and a variable from a
// ConfigMap (not modelled) is not set. Before, valueFrom was dropped at
// decoding and every such variable was empty, even POD_NAME, which the
// runtime had set right.
func TestR10pEnvDownwardAPI(t *testing.T) {
	got := make(chan map[string]string, 1)
	e := r5newInproc(t, inproc.Config{FirstPodCIDR: testPodCIDRAt(102)}, nil, func(rt *inproc.Runtime) {
		rt.Register("env", func(ctx context.Context, c *inproc.Container) error {
			m := map[string]string{}
			for _, kv := range c.Env() {
				k, v, _ := strings.Cut(kv, "=")
				m[k] = v
			}
			select {
			case got <- m:
			default:
			}
			<-ctx.Done()
			return nil
		})
	})
	e.apply(`
apiVersion: v1
kind: Pod
metadata:
  name: dw
  labels: {app: web, tier: front}
  annotations: {note: "hi $(POD_NAME)"}
spec:
  containers:
  - name: c
    image: func://env
    resources: {limits: {cpu: 250m, memory: 64Mi}}
    env:
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: MY_NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
    - {name: MY_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: MY_IPS, valueFrom: {fieldRef: {fieldPath: status.podIPs}}}
    - {name: MY_HOST_IP, valueFrom: {fieldRef: {fieldPath: status.hostIP}}}
    - {name: MY_NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
    - {name: MY_SA, valueFrom: {fieldRef: {fieldPath: spec.serviceAccountName}}}
    - {name: MY_UID, valueFrom: {fieldRef: {fieldPath: metadata.uid}}}
    - {name: APP, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}
    - {name: TIER, valueFrom: {fieldRef: {fieldPath: "metadata.labels['tier']"}}}
    - {name: NOTE, valueFrom: {fieldRef: {apiVersion: v1, fieldPath: "metadata.annotations['note']"}}}
    - {name: CPU_LIMIT, valueFrom: {resourceFieldRef: {resource: limits.cpu}}}
    - {name: CPU_MILLI, valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 1m}}}
    - {name: MEM_MI, valueFrom: {resourceFieldRef: {containerName: c, resource: limits.memory, divisor: 1Mi}}}
    - {name: MEM_REQ, valueFrom: {resourceFieldRef: {resource: requests.memory}}}
    - {name: STORAGE_LIMIT, valueFrom: {resourceFieldRef: {resource: limits.ephemeral-storage}}}
    - {name: FROM_CM, valueFrom: {configMapKeyRef: {name: cm, key: k}}}
    - {name: GREETING, value: "$(POD_NAME) on $(MY_NODE) is $(TIER): $(NOTE)"}
`)
	var env map[string]string
	e.wait("the container ran", func() bool {
		select {
		case env = <-got:
			return true
		default:
			return false
		}
	})
	p := e.pod("dw")
	want := map[string]string{
		"POD_NAME": "dw", "MY_NS": "default", "MY_IP": p.Status.PodIP, "MY_IPS": p.Status.PodIP,
		"MY_HOST_IP": p.Status.HostIP, "MY_NODE": "n1", "MY_SA": "default", "MY_UID": string(p.UID),
		"APP": "web", "TIER": "front", "NOTE": "hi $(POD_NAME)",
		"CPU_LIMIT": "1", "CPU_MILLI": "250", "MEM_MI": "64", "MEM_REQ": "67108864", "STORAGE_LIMIT": "0",
		"GREETING": "dw on n1 is front: hi $(POD_NAME)",
	}
	for k, w := range want {
		if env[k] != w {
			t.Errorf("%s=%q, want %q", k, env[k], w)
		}
	}
	if v, ok := env["FROM_CM"]; ok {
		t.Errorf("FROM_CM=%q set, want it unset (ConfigMaps are not modelled)", v)
	}
	if !strings.HasPrefix(p.Status.PodIP, strings.TrimSuffix(testPodCIDRAt(102).String(), "0")) || string(p.UID) == "" {
		t.Errorf("pod IP %q, uid %q", p.Status.PodIP, p.UID)
	}
}

// TestR10pEnvValueFromValidated: a bad valueFrom is rejected at Apply with
// the field named, as Kubernetes' validateEnvVarValueFrom.
func TestR10pEnvValueFromValidated(t *testing.T) {
	c := newCluster(t, "n1")
	cases := []struct {
		env  string
		path string
	}{
		{`{name: A, valueFrom: {fieldRef: {fieldPath: spec.hostname}}}`, "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath"},
		{`{name: A, valueFrom: {fieldRef: {fieldPath: "spec.nodeName['x']"}}}`, "spec.containers[0].env[0].valueFrom.fieldRef"},
		{`{name: A, valueFrom: {fieldRef: {apiVersion: v2, fieldPath: metadata.name}}}`, "spec.containers[0].env[0].valueFrom.fieldRef.apiVersion"},
		{`{name: A, value: x, valueFrom: {fieldRef: {fieldPath: metadata.name}}}`, "spec.containers[0].env[0].valueFrom"},
		{`{name: A, valueFrom: {fieldRef: {fieldPath: metadata.name}, resourceFieldRef: {resource: limits.cpu}}}`, "spec.containers[0].env[0].valueFrom"},
		{`{name: A, valueFrom: {resourceFieldRef: {resource: limits.gpu}}}`, "spec.containers[0].env[0].valueFrom.resourceFieldRef.resource"},
		{`{name: A, valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 2}}}`, "spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor"},
	}
	for _, tc := range cases {
		objs, _, err := workload.Decode([]byte(`
apiVersion: v1
kind: Pod
metadata: {name: bad}
spec: {containers: [{name: c, image: x, env: [`+tc.env+`]}]}
`), "bad.yaml")
		if err != nil {
			t.Fatalf("%s: %v", tc.env, err)
		}
		_, err = c.Apply(objs[0])
		var ve *workload.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: Apply = %v, want a validation error", tc.env, err)
			continue
		}
		var paths []string
		for _, fe := range ve.Errors {
			paths = append(paths, fe.Path)
		}
		if diff := cmp.Diff([]string{tc.path}, paths); diff != "" {
			t.Errorf("%s: error paths (-want +got):\n%s", tc.env, diff)
		}
	}
	if ps := pods(t, c, ""); len(ps) != 0 {
		t.Errorf("%d pods stored, want none", len(ps))
	}
}

// TestR10pEnvHostname: a container's environment has HOSTNAME, the pod's
// hostname (spec.hostname, else its name cut to 63 characters), as the
// container runtime sets it from the sandbox's hostname (kubelet
// GeneratePodHostNameAndDomain; containerd's CRI adds HOSTNAME before the
// container's own env, which may override it); a hostNetwork pod has its
// node's. A StatefulSet's program reading its ordinal off $HOSTNAME works.
func TestR10pEnvHostname(t *testing.T) {
	got := make(chan [2]string, 8)
	e := r5newInproc(t, inproc.Config{FirstPodCIDR: testPodCIDRAt(113)}, nil, func(rt *inproc.Runtime) {
		rt.Register("host", func(ctx context.Context, c *inproc.Container) error {
			got <- [2]string{c.Pod().Name, c.Getenv("HOSTNAME")}
			<-ctx.Done()
			return nil
		})
	})
	long := strings.Repeat("a", 70)
	e.apply(`
apiVersion: v1
kind: Pod
metadata: {name: plain}
spec: {containers: [{name: c, image: func://host}]}
---
apiVersion: v1
kind: Pod
metadata: {name: named}
spec: {hostname: h1, containers: [{name: c, image: func://host}]}
---
apiVersion: v1
kind: Pod
metadata: {name: hostnet}
spec: {hostNetwork: true, containers: [{name: c, image: func://host}]}
---
apiVersion: v1
kind: Pod
metadata: {name: own}
spec: {containers: [{name: c, image: func://host, env: [{name: HOSTNAME, value: mine}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: ` + long + `}
spec: {containers: [{name: c, image: func://host}]}
`)
	want := map[string]string{"plain": "plain", "named": "h1", "hostnet": "n1", "own": "mine", long: long[:63]}
	seen := map[string]string{}
	e.wait("every container ran", func() bool {
		for {
			select {
			case g := <-got:
				seen[g[0]] = g[1]
			default:
				return len(seen) == len(want)
			}
		}
	})
	for pod, w := range want {
		if seen[pod] != w {
			t.Errorf("pod %.10s...: HOSTNAME=%q, want %q", pod, seen[pod], w)
		}
	}
}
