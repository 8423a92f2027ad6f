package breakit_test

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/workload"
)

// TestR10lRandomEndpoints plays seeded random changes to the pods behind a
// Service (rollouts that move a named target port, readiness flapping,
// kills, graceful deletions, node failures and removals) and to the Service
// itself (selector, publishNotReadyAddresses, target port, deleted and
// created again), and checks after every step, while the control plane
// runs, that its EndpointSlices hold exactly what Kubernetes' EndpointSlice
// controller would write: every pod the selector matches that has an IP
// and has not finished, with the port its named target port resolves to,
// ready = publishNotReadyAddresses or (pod ready and not terminating),
// serving = pod ready, terminating = deletion
// started; and that the picker hands out, one cycle, exactly the ready
// endpoints, or if none is ready the serving and terminating ones, or
// ErrNoEndpoints.
func TestR10lRandomEndpoints(t *testing.T) {
	seeds := uint64(16)
	if testing.Short() {
		seeds = 4
	}
	for seed := uint64(0); seed < seeds; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { r10ePlay(t, seed) })
	}
}

type r10eWorld struct {
	r10lWorld
	svcSel     string // app label the Service selects, "" for no selector
	publish    bool
	targetPort string // "http" or a number
	svcExists  bool
}

func r10ePlay(t *testing.T, seed uint64) {
	w := &r10eWorld{r10lWorld: *newR10lWorld(t, seed, 30, "n0", "n1", "n2")}
	c := w.c
	w.dep("web")
	w.dep("api")
	w.service()
	for step := 0; step < 50; step++ {
		switch k := w.rng.IntN(12); k {
		case 0:
			w.dep([]string{"web", "api"}[w.rng.IntN(2)])
		case 1:
			w.service()
		case 2:
			if w.svcExists {
				w.note("delete service")
				if err := c.Delete("Service", "default", "web", ""); err != nil {
					t.Fatal(err)
				}
				w.svcExists = false
			} else {
				w.service()
			}
		case 3, 4:
			if ps := w.livePods(""); len(ps) > 0 {
				p := ps[w.rng.IntN(len(ps))]
				ready := w.rng.IntN(2) == 0
				w.note("pod %s ready=%v", p.Name, ready)
				_ = c.Fake().SetContainerReady("default", p.Name, "main", ready)
			}
		case 5:
			w.killRandomPod(1)
		case 6, 7:
			w.deleteRandomPod(60)
		case 8:
			w.setRandomNodeReady()
		case 9:
			w.removeOrAddRandomNode()
		case 10:
			w.toggleControlPlane()
		}
		for range w.rng.IntN(3) + 1 {
			if err := c.Advance(time.Duration(w.rng.IntN(40)) * time.Second); err != nil {
				t.Fatal(err)
			}
			if c.ControlPlaneRunning() {
				w.checkEndpoints()
			}
		}
	}
}

func (w *r10eWorld) dep(name string) {
	port := []int{8080, 9090}[w.rng.IntN(2)]
	replicas := w.rng.IntN(5)
	ann := []string{"{}", `{sim.orchestra.dev/ready-after: "20s"}`}[w.rng.IntN(2)]
	w.note("deployment %s replicas=%d http=%d ann=%s", name, replicas, port, ann)
	w.apply(fmt.Sprintf(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: %s, namespace: default}
spec:
  replicas: %d
  selector: {matchLabels: {app: %s}}
  template:
    metadata: {labels: {app: %s, tier: front}, annotations: %s}
    spec:
      terminationGracePeriodSeconds: 30
      containers: [{name: main, image: a, ports: [{name: http, containerPort: %d}]}]
`, name, replicas, name, name, ann, port))
}

func (w *r10eWorld) service() {
	w.svcSel = []string{"web", "api", "front"}[w.rng.IntN(3)]
	w.publish = w.rng.IntN(4) == 0
	w.targetPort = []string{"http", "http", "8080"}[w.rng.IntN(3)]
	sel := "{app: " + w.svcSel + "}"
	if w.svcSel == "front" {
		sel = "{tier: front}"
	}
	tp := w.targetPort
	if tp == "http" {
		tp = `"http"`
	}
	w.note("service selector=%s publishNotReady=%v targetPort=%s", sel, w.publish, w.targetPort)
	w.apply(fmt.Sprintf(`
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: %s
  publishNotReadyAddresses: %v
  ports: [{name: http, port: 80, targetPort: %s}]
`, sel, w.publish, tp))
	w.svcExists = true
}

type r10eEP struct {
	pod, addr                 string
	port                      int32
	ready, serving, terminate bool
}

func (e r10eEP) String() string {
	return fmt.Sprintf("%s %s:%d r=%v s=%v t=%v", e.pod, e.addr, e.port, e.ready, e.serving, e.terminate)
}

func (w *r10eWorld) checkEndpoints() {
	w.t.Helper()
	var want []r10eEP
	if w.svcExists {
		sel := "app=" + w.svcSel
		if w.svcSel == "front" {
			sel = "tier=front"
		}
		ps, _ := w.c.Pods("default", sel)
		for _, p := range ps {
			if p.Status.PodIP == "" || p.Status.Phase == workload.PodSucceeded || p.Status.Phase == workload.PodFailed {
				continue
			}
			var port int32
			if w.targetPort == "http" {
				for _, cp := range p.Spec.Containers[0].Ports {
					if cp.Name == "http" {
						port = cp.ContainerPort
					}
				}
			} else {
				port = 8080
			}
			podReady := false
			for _, cd := range p.Status.Conditions {
				if cd.Type == workload.PodReady {
					podReady = cd.Status == workload.ConditionTrue
				}
			}
			term := p.DeletionTimestamp != nil
			serving := podReady // staging/src/k8s.io/endpointslice/utils.go podToEndpoint
			want = append(want, r10eEP{pod: p.Name, addr: p.Status.PodIP, port: port, serving: serving, terminate: term, ready: w.publish || (serving && !term)})
		}
	}
	var got []r10eEP
	eps, err := w.c.List("EndpointSlice", "default", workload.LabelServiceName+"=web")
	if err != nil {
		w.t.Fatal(err)
	}
	for _, o := range eps {
		s := o.(*workload.EndpointSlice)
		var port int32
		for _, p := range s.Ports {
			if p.Port != nil {
				port = *p.Port
			}
		}
		for _, e := range s.Endpoints {
			ep := r10eEP{addr: strings.Join(e.Addresses, ","), port: port}
			if e.TargetRef != nil {
				ep.pod = e.TargetRef.Name
			}
			ep.ready = e.Conditions.Ready == nil || *e.Conditions.Ready
			ep.serving = e.Conditions.Serving == nil || *e.Conditions.Serving
			ep.terminate = e.Conditions.Terminating != nil && *e.Conditions.Terminating
			got = append(got, ep)
		}
	}
	str := func(eps []r10eEP) string {
		var ss []string
		for _, e := range eps {
			ss = append(ss, e.String())
		}
		sort.Strings(ss)
		return strings.Join(ss, "\n    ")
	}
	if str(got) != str(want) {
		w.fatalf("EndpointSlices of Service web:\n    %s\nwant:\n    %s", str(got), str(want))
	}

	// The picker: one cycle of picks is exactly the ready endpoints, or
	// the serving and terminating ones if none is ready.
	pk, err := w.c.Services().Picker("default", "web", "http")
	if err != nil {
		if w.svcExists {
			w.fatalf("picker: %v", err)
		}
		return
	}
	var usable []string
	for _, e := range want {
		if e.ready {
			usable = append(usable, fmt.Sprintf("%s:%d", e.addr, e.port))
		}
	}
	if len(usable) == 0 {
		for _, e := range want {
			if e.serving && e.terminate {
				usable = append(usable, fmt.Sprintf("%s:%d", e.addr, e.port))
			}
		}
	}
	sort.Strings(usable)
	var picked []string
	for range len(usable) {
		e, err := pk.Pick()
		if err != nil {
			w.fatalf("Pick: %v, want one of %v", err, usable)
		}
		picked = append(picked, fmt.Sprintf("%s:%d", e.Address, e.Port))
	}
	sort.Strings(picked)
	if strings.Join(picked, " ") != strings.Join(usable, " ") {
		w.fatalf("a cycle of picks gave %v, want %v", picked, usable)
	}
	if len(usable) == 0 {
		if _, err := pk.Pick(); !errors.Is(err, service.ErrNoEndpoints) {
			w.fatalf("Pick with no usable endpoint: %v, want ErrNoEndpoints", err)
		}
	}
}
