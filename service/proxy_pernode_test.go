package service_test

import (
	"testing"

	"github.com/orchestra-go/orchestra/service"
)

// TestStartProxyPerNode runs a node-port-only proxy for node-a on another
// loopback address beside the cluster-wide one, as kube-proxy runs on every
// node: the node's node port answers on its own address, reaches the
// Service's endpoints, follows the Service, and stops with StopProxy.
func TestStartProxyPerNode(t *testing.T) {
	leakCheck(t)
	e := newProxyEnv(t, service.Config{Proxy: &service.ProxyConfig{EphemeralNodePorts: true}})
	svc := webService()
	svc.Spec.Type = "NodePort"
	e.addService(svc)
	e.addPod("web-a", startBackend(t, "a").port())

	p, err := e.l.StartProxy(service.ProxyConfig{Node: "node-a", NodePortAddress: "127.0.0.9", NodePortsOnly: true, EphemeralNodePorts: true})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := p.NodePortAddr("default", "web", "http")
	if err != nil {
		t.Fatal(err)
	}
	if host := addr[:len("127.0.0.9")]; host != "127.0.0.9" {
		t.Fatalf("node port at %s, want on the node's address 127.0.0.9", addr)
	}
	if _, err := p.Addr("default", "web", "http"); err == nil {
		t.Fatal("a node-port-only proxy has a ClusterIP listener")
	}
	if got := greet(t, addr); got != "a" {
		t.Fatalf("through node-a's node port: %q, want a", got)
	}
	// A pod added later is reached through the per-node proxy too.
	e.addPod("web-b", startBackend(t, "b").port())
	seen := map[string]bool{}
	for range 4 {
		seen[greet(t, addr)] = true
	}
	if !seen["a"] || !seen["b"] {
		t.Fatalf("per-node proxy reached %v, want a and b", seen)
	}
	if err := e.l.StopProxy(p); err != nil {
		t.Fatal(err)
	}
	if _, err := p.NodePortAddr("default", "web", "http"); err == nil {
		t.Fatal("a stopped proxy still reports a listener")
	}
}
