package breakit_test

import (
	"fmt"
	"sort"
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

// LookupSRV answers the three forms of name the cluster DNS does: a named
// port (_<port>._<proto>.<svc>), a Service's own name (every port, named
// or not: a ClusterIP Service's name and port numbers, a headless
// Service's endpoints with their ports) and one endpoint of a Service
// (<hostname>.<svc>: that endpoint's ports). A client that asks
// net.LookupSRV("", "", "db.default.svc.cluster.local") gets the records.
// orchestra answered only the named-port form. Sources: coredns
// plugin/kubernetes/parse.go parseRequest (the three cases) and
// kubernetes.go findServices (matchPortAndProtocol: an empty port or
// protocol matches any); https://github.com/kubernetes/dns/pull/232
// (`host -t srv pause` on a headless Service lists an SRV per endpoint).
func TestR11sDNSSRVOfServiceAndEndpointNames(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  clusterIP: 10.96.0.60
  selector: {app: web}
  ports: [{name: http, port: 80}, {name: dns, port: 53, protocol: UDP}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: sql, port: 5432, targetPort: sql}, {name: admin, port: 9000, targetPort: 9000}]
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, labels: {app: db}}
spec: {nodeName: a, hostname: db-0, subdomain: db, containers: [{name: c, image: i, ports: [{name: sql, containerPort: 5433}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db-1, labels: {app: db}}
spec: {nodeName: a, hostname: db-1, subdomain: db, containers: [{name: c, image: i, ports: [{name: sql, containerPort: 5434}]}]}`)
	advance(t, c, time.Minute)
	r := c.Resolver()
	for _, tc := range []struct{ name, want string }{
		{"web", "web.default.svc.cluster.local:53 web.default.svc.cluster.local:80"},
		{"web.default.svc.cluster.local.", "web.default.svc.cluster.local:53 web.default.svc.cluster.local:80"},
		{"_dns._udp.web", "web.default.svc.cluster.local:53"},
		{"db", "db-0.db.default.svc.cluster.local:5433 db-0.db.default.svc.cluster.local:9000 db-1.db.default.svc.cluster.local:5434 db-1.db.default.svc.cluster.local:9000"},
		{"db-1.db", "db-1.db.default.svc.cluster.local:5434 db-1.db.default.svc.cluster.local:9000"},
		{"_sql._tcp.db", "db-0.db.default.svc.cluster.local:5433 db-1.db.default.svc.cluster.local:5434"},
	} {
		srvs, err := r.LookupSRV("default", tc.name)
		var got []string
		for _, s := range srvs {
			got = append(got, fmt.Sprintf("%s:%d", s.Target, s.Port))
		}
		sort.Strings(got)
		if err != nil || strings.Join(got, " ") != tc.want {
			t.Errorf("LookupSRV(%q) = %v, %v; want %s", tc.name, got, err, tc.want)
		}
	}
	if got, err := r.LookupSRV("default", "db-9.db"); err == nil {
		t.Errorf("LookupSRV(db-9.db) = %v; want not found", got)
	}
}
