package breakit_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

func r10sCluster(t *testing.T, cfg service.Config) *orchestra.Cluster {
	t.Helper()
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(t0), Seed: 1, Services: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// The static band of the ClusterIP range is counted from the first usable
// address, not from the network address: in 10.96.0.0/27 (32 addresses,
// band min(max(16, 32/16), 256) = 16) it is 10.96.0.1-10.96.0.16, and
// dynamic allocation takes 10.96.0.17-10.96.0.30 before it touches it.
// orchestra counted the band from the network address, so its upper band
// began at 10.96.0.16 and the first dynamic Service took the last static
// address (in the default 10.96.0.0/12, 10.96.1.0, which the docs list as
// the static band's end). Kubernetes:
// pkg/registry/core/service/ipallocator/ipallocator.go NewIPAllocator
// (offsetAddress = first address + calculateRangeOffset);
// https://kubernetes.io/docs/concepts/services-networking/cluster-ip-allocation/
// ("10.96.0.0/24 ... static band 10.96.0.1 to 10.96.0.16").
func TestR10sSvcClusterIPStaticBandFromFirstAddress(t *testing.T) {
	c := r10sCluster(t, service.Config{ServiceCIDR: "10.96.0.0/27"})
	static := netip.MustParsePrefix("10.96.0.0/27")
	inStatic := func(a netip.Addr) bool {
		return static.Contains(a) && a.As4()[3] >= 1 && a.As4()[3] <= 16
	}
	for i := 0; i < 14; i++ {
		name := fmt.Sprintf("dyn%d", i)
		applyYAML(t, c, `{apiVersion: v1, kind: Service, metadata: {name: `+name+`}, spec: {ports: [{port: 80}]}}`)
		ip := netip.MustParseAddr(r8bsvc(t, c, name).Spec.ClusterIP)
		if inStatic(ip) {
			t.Fatalf("dynamic Service %d got %s, in the static band 10.96.0.1-10.96.0.16 while the upper band has room", i, ip)
		}
	}
	// Every address of the static band is still free for a fixed request.
	for _, s := range []string{"10.96.0.16", "10.96.0.1"} {
		if taken, _ := c.Services().Allocated(s, 0); taken {
			t.Errorf("static-band address %s was taken by dynamic allocation", s)
		}
	}
	// The upper band (.17-.30) is full: the next dynamic one goes low.
	applyYAML(t, c, `{apiVersion: v1, kind: Service, metadata: {name: low}, spec: {ports: [{port: 80}]}}`)
	if ip := netip.MustParseAddr(r8bsvc(t, c, "low").Spec.ClusterIP); !inStatic(ip) {
		t.Errorf("with the upper band full, the dynamic Service got %s, want one of the static band", ip)
	}

	d := r10sCluster(t, service.Config{})
	applyYAML(t, d, `{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {ports: [{port: 80}]}}`)
	if ip := r8bsvc(t, d, "web").Spec.ClusterIP; ip == "10.96.1.0" {
		t.Errorf("default range: the first dynamic ClusterIP is %s, the last address of the static band 10.96.0.1-10.96.1.0", ip)
	}
}

// A headless NodePort or LoadBalancer Service is refused as the API
// server words it: "spec.clusterIPs[0]: Invalid value: \"None\": may not
// be set to 'None' for NodePort services". Kubernetes:
// pkg/apis/core/validation/validation.go ValidateService.
func TestR10sSvcHeadlessNodePortMessage(t *testing.T) {
	c := newCluster(t, "a")
	for _, typ := range []string{"NodePort", "LoadBalancer"} {
		objs, _, err := workload.Decode([]byte(`{apiVersion: v1, kind: Service, metadata: {name: h}, spec: {type: `+typ+`, clusterIP: None, ports: [{port: 80}]}}`), "h.yaml")
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Apply(objs[0])
		want := `spec.clusterIPs[0]: Invalid value: "None": may not be set to 'None' for ` + typ + ` services`
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("headless %s: err %v, want %q", typ, err, want)
		}
	}
}

// Changing an allocated ClusterIP, or turning a ClusterIP Service
// headless (a chart switching to clusterIP: None), is refused with the API
// server's words: `spec.clusterIPs[0]: Invalid value: []string{"None"}:
// may not change once set` (what users of helm upgrade and kubectl apply
// report seeing), also when a read-back Service gets a new clusterIP
// only: the API server sets clusterIPs from it first. orchestra said
// "spec.clusterIP: ... field is immutable" (the message of Kubernetes
// before 1.20), and a read-back Service given a new clusterIP was refused
// for clusterIPs not matching instead. Kubernetes:
// pkg/apis/core/validation/validation.go validateUpgradeDowngradeClusterIPs;
// pkg/registry/core/service/storage/storage.go normalizeClusterIPs.
func TestR10sSvcClusterIPChangeMessage(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {clusterIP: 10.96.0.20, selector: {app: web}, ports: [{port: 80}]}}`)
	for name, tc := range map[string]struct{ y, want string }{
		"to headless": {`{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {clusterIP: None, selector: {app: web}, ports: [{port: 80}]}}`,
			`spec.clusterIPs[0]: Invalid value: []string{"None"}: may not change once set`},
		"another address": {`{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {clusterIP: 10.96.0.21, selector: {app: web}, ports: [{port: 80}]}}`,
			`spec.clusterIPs[0]: Invalid value: []string{"10.96.0.21"}: may not change once set`},
	} {
		objs, _, err := workload.Decode([]byte(tc.y), "web.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Apply(objs[0]); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", name, err, tc.want)
		}
	}
	s := r8bsvc(t, c, "web")
	s.Spec.ClusterIP = "10.96.0.22" // clusterIPs left as read
	_, err := c.Apply(s)
	if want := `spec.clusterIPs[0]: Invalid value: []string{"10.96.0.22"}: may not change once set`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("read-back Service with a new clusterIP: err %v, want %q", err, want)
	}
	if s := r8bsvc(t, c, "web"); s.Spec.ClusterIP != "10.96.0.20" {
		t.Errorf("the refused updates moved the ClusterIP to %s", s.Spec.ClusterIP)
	}
}

// A requested ClusterIP that is taken or out of range is refused as the
// API server's allocator words it, at spec.clusterIPs: `spec.clusterIPs:
// Invalid value: []string{"10.96.0.10"}: failed to allocate IP
// 10.96.0.10: provided IP is already allocated`, and `... the provided IP
// (1.2.3.4) is not in the valid range. The range of valid IPs is
// 10.96.0.0/12`. Kubernetes: pkg/registry/core/service/storage/alloc.go
// allocIPs; pkg/registry/core/service/ipallocator (ErrAllocated,
// ErrNotInRange).
func TestR10sSvcClusterIPAllocationMessages(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `{apiVersion: v1, kind: Service, metadata: {name: dns}, spec: {clusterIP: 10.96.0.10, ports: [{port: 53}]}}`)
	for ip, want := range map[string]string{
		"10.96.0.10": `spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated`,
		"1.2.3.4":    `spec.clusterIPs: Invalid value: []string{"1.2.3.4"}: failed to allocate IP 1.2.3.4: the provided IP (1.2.3.4) is not in the valid range. The range of valid IPs is 10.96.0.0/12`,
	} {
		objs, _, err := workload.Decode([]byte(`{apiVersion: v1, kind: Service, metadata: {name: other}, spec: {clusterIP: `+ip+`, ports: [{port: 53}]}}`), "o.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Apply(objs[0]); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("clusterIP %s: err %v, want %q", ip, err, want)
		}
	}
}
