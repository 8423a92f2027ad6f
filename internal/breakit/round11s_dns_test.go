package breakit_test

import (
	"strings"
	"testing"
	"time"
)

// A pod's hostname record <hostname>.<subdomain>.<ns>.svc.<domain> (and
// the dashed-IP name of an endpoint without hostname) is answered for a
// Service with a ClusterIP too, not only a headless one: the cluster DNS
// (CoreDNS) answers an endpoint query from the Service's endpoints
// whether or not it has a ClusterIP, and the EndpointSlice controller
// sets the hostname for any Service named as the pod's subdomain. A
// StatefulSet whose serviceName is a ClusterIP Service still gets its pod
// names. The Service's own name stays its ClusterIP. orchestra answered
// pod names only under headless Services.
// Sources: coredns plugin/kubernetes/kubernetes.go findServices ("Endpoint
// query or headless service": svc.Headless() || r.endpoint != "");
// https://github.com/kubernetes/website/pull/16376 (johnbelamaric:
// CoreDNS "will provide an A record for each endpoint address backing the
// service, whether or not the service has a clusterIP");
// https://github.com/kubernetes/kubernetes/issues/127716 (a headful
// Service's 10-244-0-6.<svc> name); endpointslice util ShouldSetHostname.
func TestR11sDNSPodNameUnderClusterIPService(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {clusterIP: 10.96.0.50, selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-0, labels: {app: web}}
spec: {nodeName: a, hostname: web-0, subdomain: web, containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-x, labels: {app: web}}
spec: {nodeName: a, containers: [{name: c, image: i}]}`)
	advance(t, c, time.Minute)
	ips := map[string]string{}
	for _, p := range pods(t, c, "app=web") {
		ips[p.Name] = p.Status.PodIP
	}
	if ips["web-0"] == "" || ips["web-x"] == "" {
		t.Fatalf("pods without IPs: %v", ips)
	}
	r := c.Resolver()
	if got, err := r.LookupHost("default", "web"); err != nil || strings.Join(got, ",") != "10.96.0.50" {
		t.Errorf("web resolves to %v, %v; want its ClusterIP 10.96.0.50", got, err)
	}
	for _, tc := range []struct{ name, want string }{
		{"web-0.web", ips["web-0"]},
		{"web-0.web.default.svc.cluster.local.", ips["web-0"]},
		{strings.ReplaceAll(ips["web-x"], ".", "-") + ".web", ips["web-x"]},
	} {
		if got, err := r.LookupHost("default", tc.name); err != nil || strings.Join(got, ",") != tc.want {
			t.Errorf("%s resolves to %v, %v; want %s", tc.name, got, err, tc.want)
		}
	}
	if got, err := r.LookupHost("default", "nope.web"); err == nil {
		t.Errorf("nope.web resolves to %v; want not found", got)
	}
}
