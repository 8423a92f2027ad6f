package service_test

import (
	"fmt"
	"github.com/orchestra-go/orchestra/internal/cputime"
	"io"
	"net"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/workload"
)

// BenchmarkReadinessChange10000 publishes one readiness change of a pod of
// a 10,000-endpoint Service end to end: the status write to the store, the
// endpoints controller's Handle and Reconcile (one endpoint recomputed,
// one EndpointSlice of 100 rewritten, the port's endpoint list refilled)
// and, in the "picker" case, the Update of one round-robin picker.
// "controller" has no picker handed out: the difference is the picker's
// publish. cpu-ns/op is the process's CPU time per change.
func BenchmarkReadinessChange10000(b *testing.B) {
	for _, withPicker := range []bool{false, true} {
		name := "controller"
		if withPicker {
			name = "picker"
		}
		b.Run(name, func(b *testing.B) {
			e := newEnv(b, service.Config{})
			svc := &workload.Service{
				ObjectMeta: workload.ObjectMeta{Name: "big", Namespace: "default"},
				Spec: workload.ServiceSpec{Selector: map[string]string{"app": "big"},
					Ports: []workload.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}},
			}
			e.addService(svc)
			var pods []*workload.Pod
			for i := range 10000 {
				p := &workload.Pod{
					ObjectMeta: workload.ObjectMeta{Name: fmt.Sprintf("big-%05d", i), Namespace: "default", Labels: map[string]string{"app": "big"}},
					Spec:       workload.PodSpec{NodeName: "node-a", Containers: []workload.Container{{Name: "main", Image: "x"}}},
				}
				out, err := e.s.Create(p)
				if err != nil {
					b.Fatal(err)
				}
				p = out.(*workload.Pod)
				p.Status = workload.PodStatus{Phase: workload.PodRunning, PodIP: fmt.Sprintf("10.%d.%d.%d", 1+i>>16, i>>8&255, i&255),
					Conditions: []workload.PodCondition{{Type: workload.PodReady, Status: workload.ConditionTrue}}}
				out, err = e.s.UpdateStatus(p)
				if err != nil {
					b.Fatal(err)
				}
				pods = append(pods, out.(*workload.Pod))
			}
			e.settle()
			var pk *service.PortPicker
			if withPicker {
				var err error
				if pk, err = e.l.Picker("default", "big", ""); err != nil {
					b.Fatal(err)
				}
			}
			flip := pods[5000].DeepCopy()
			ready := true
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cputime.Process()
			for b.Loop() {
				ready = !ready
				st := workload.ConditionFalse
				if ready {
					st = workload.ConditionTrue
				}
				flip.Status.Conditions[0].Status = st
				flip.ResourceVersion = ""
				if _, err := e.s.UpdateStatus(flip); err != nil {
					b.Fatal(err)
				}
				e.settle()
			}
			b.StopTimer()
			if cpu := cputime.Process() - cpu0; cpu > 0 {
				b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
			}
			if pk != nil {
				if _, err := pk.Pick(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkProxyThroughput sends 1 MiB per op over one connection to a
// loopback sink (which reads with io.Copy to io.Discard) three ways:
// "direct" to the sink; "relay" through the least a userspace proxy can
// do, written here: accept, dial the sink, io.Copy both ways (splice on
// Linux) with half-close; "proxy" through the Service proxy. Compare the
// MB/s: proxy/relay is what the library adds, relay/direct what a relay
// hop costs on the machine. cpu-ns/B is the process's CPU time (all
// goroutines, user and system) per byte sent: on a machine whose cores are
// all busy, throughput goes as its inverse.
func BenchmarkProxyThroughput(b *testing.B) {
	var wg sync.WaitGroup
	sink, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	serve(&wg, sink, func(c net.Conn) {
		io.Copy(io.Discard, c)
		c.Close() // the sender's read returns: all bytes arrived
	})
	relay, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	serve(&wg, relay, func(c net.Conn) {
		defer c.Close()
		to, err := net.Dial("tcp", sink.Addr().String())
		if err != nil {
			return
		}
		defer to.Close()
		done := make(chan struct{})
		go func() {
			io.Copy(to, c)
			to.(*net.TCPConn).CloseWrite()
			close(done)
		}()
		io.Copy(c, to)
		c.(*net.TCPConn).CloseWrite()
		<-done
	})
	defer func() { sink.Close(); relay.Close(); wg.Wait() }()

	e := newProxyEnv(b, service.Config{})
	e.addService(webService())
	e.addPod("web-sink", sink.Addr().(*net.TCPAddr).Port)
	proxied, err := e.l.Proxy().Addr("default", "web", "")
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	for _, tc := range []struct{ name, addr string }{
		{"direct", sink.Addr().String()}, {"relay", relay.Addr().String()}, {"proxy", proxied},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c, err := net.Dial("tcp", tc.addr)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			cpu0 := cputime.Process()
			for b.Loop() {
				if _, err := c.Write(buf); err != nil {
					b.Fatal(err)
				}
			}
			c.(*net.TCPConn).CloseWrite()
			io.Copy(io.Discard, c) // until the sink has read everything
			b.StopTimer()
			if cpu := cputime.Process() - cpu0; cpu > 0 {
				b.ReportMetric(float64(cpu)/float64(b.N*len(buf)), "cpu-ns/B")
			}
			c.Close()
		})
	}
}

// serve accepts connections on ln until it is closed and runs handle on
// each in a goroutine that wg tracks.
func serve(wg *sync.WaitGroup, ln net.Listener, handle func(net.Conn)) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				handle(c)
			}()
		}
	}()
}
