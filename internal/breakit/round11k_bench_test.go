package breakit_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// benchAffinityDeployment plays a Deployment of 1,000 replicas over 100
// nodes in 5 zones, with the pod spec extra (affinity, spread), and
// reports how many pods ran.
func benchAffinityDeployment(b *testing.B, extra string, first ...string) {
	for b.Loop() {
		b.StopTimer()
		c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(t0), Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		for i := range 100 {
			n := &workload.Node{ObjectMeta: workload.ObjectMeta{Name: fmt.Sprintf("n-%03d", i),
				Labels: map[string]string{workload.LabelZone: fmt.Sprintf("z%d", i%5)}}}
			if err := c.Fake().AddNode(n); err != nil {
				b.Fatal(err)
			}
		}
		y := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1000\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n" + extra + "      containers: [{name: web, image: nginx}]\n"
		objs, _, err := workload.Decode([]byte(y), "b.yaml")
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range first {
			fo, _, err := workload.Decode([]byte(f), "f.yaml")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.Apply(fo[0]); err != nil {
				b.Fatal(err)
			}
		}
		if err := c.Advance(time.Second); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := c.Apply(objs[0]); err != nil {
			b.Fatal(err)
		}
		if err := c.Advance(10 * time.Minute); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		ps, _ := c.Pods("default", "app=web")
		run := 0
		for _, p := range ps {
			if p.Spec.NodeName != "" {
				run++
			}
		}
		b.ReportMetric(float64(run), "bound")
		c.Close()
		b.StartTimer()
	}
}

func BenchmarkR11kPreferredAntiAffinity(b *testing.B) {
	benchAffinityDeployment(b, `      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm: {labelSelector: {matchLabels: {app: web}}, topologyKey: kubernetes.io/hostname}
`)
}

func BenchmarkR11kRequiredAntiAffinity(b *testing.B) {
	benchAffinityDeployment(b, `      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: web}}
            topologyKey: kubernetes.io/hostname
`)
}

func BenchmarkR11kSpreadHostname(b *testing.B) {
	benchAffinityDeployment(b, `      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}
      - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: web}}}
`)
}

func BenchmarkR11kPlain(b *testing.B) {
	benchAffinityDeployment(b, "")
}

// BenchmarkR11kWaitingAffinity: 1,000 plain pods bound while 200 pods
// wait for a pod affinity no pod matches.
func BenchmarkR11kWaitingAffinity(b *testing.B) {
	benchAffinityDeployment(b, "", `apiVersion: apps/v1
kind: Deployment
metadata: {name: waiter}
spec:
  replicas: 200
  selector: {matchLabels: {app: waiter}}
  template:
    metadata: {labels: {app: waiter}}
    spec:
      affinity:
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: cache}}
            topologyKey: kubernetes.io/hostname
      containers: [{name: w, image: nginx}]
`)
}
