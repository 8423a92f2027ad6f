package orchestra_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// FuzzClusterApply applies arbitrary objects to a running fake cluster and
// plays it forward: whatever a caller applies, updates or deletes, no
// panic reaches it and the cluster keeps running. Each input is decoded
// into every kind; an object Apply accepts is applied again with its spec
// from the next input kind's decode (an update), the cluster advances, and
// then every object and pod is deleted. Under plain `go test` it runs on its
// seed corpus: the shipped manifests and a few half-set objects.
func FuzzClusterApply(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("examples", "manifests", "*.yaml"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		objs, _, err := workload.Decode(data, file)
		if err != nil {
			continue
		}
		for _, o := range objs {
			if js, err := json.Marshal(o); err == nil {
				f.Add(js, uint8(0))
			}
		}
	}
	for _, s := range []string{
		`{}`,
		`{"metadata":{"name":"x","labels":{"app":"x"}},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`,
		`{"metadata":{"name":"x","labels":{"app":"x"}},"spec":{"replicas":0,"minReadySeconds":3,"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"i","ports":[{"name":"http","containerPort":80,"hostPort":80}]}]}}}}`,
		`{"metadata":{"name":"x"},"spec":{"selector":{"app":"x"},"ports":[{"port":80,"targetPort":"http"}],"type":"NodePort","sessionAffinity":"ClientIP"}}`,
		`{"metadata":{"name":"x","ownerReferences":[{"apiVersion":"v1","kind":"Pod","name":"y","uid":"u","controller":true}]},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"i"}]}}`,
		`{"metadata":{"name":"x"},"spec":{"schedule":"*/5 * * * *","concurrencyPolicy":"Replace","jobTemplate":{"spec":{"completions":3,"parallelism":2,"completionMode":"Indexed","template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"c","image":"i"}]}}}}}}`,
		// Native sidecars, inter-pod (anti-)affinity with matchLabelKeys,
		// and spread constraints with minDomains and inclusion policies.
		`{"metadata":{"name":"x","labels":{"app":"x"}},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}},"spec":{"initContainers":[{"name":"s","image":"i","restartPolicy":"Always"}],"affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"x"}},"matchLabelKeys":["pod-template-hash"],"topologyKey":"kubernetes.io/hostname"}],"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":100,"podAffinityTerm":{"labelSelector":{"matchLabels":{"app":"x"}},"topologyKey":"disktype"}}]}},"topologySpreadConstraints":[{"maxSkew":1,"minDomains":5,"topologyKey":"kubernetes.io/hostname","whenUnsatisfiable":"DoNotSchedule","nodeTaintsPolicy":"Honor","labelSelector":{"matchLabels":{"app":"x"}},"matchLabelKeys":["pod-template-hash"]}],"containers":[{"name":"c","image":"i"}]}}}}`,
		`{"metadata":{"name":"x","labels":{"app":"x"}},"spec":{"restartPolicy":"Never","initContainers":[{"name":"s","image":"i","restartPolicy":"Always"},{"name":"t","image":"i"}],"affinity":{"podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"x"}},"namespaceSelector":{},"topologyKey":"disktype"}]}},"containers":[{"name":"c","image":"i"}]}}`,
	} {
		f.Add([]byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, salt uint8) {
		// A cluster that never settles (a controller requeueing at one
		// virtual instant forever) hangs Advance: crash with the input
		// rather than wait, so that the fuzzer keeps it. Generous: an
		// input takes milliseconds.
		watchdog := time.AfterFunc(time.Minute, func() {
			panic(fmt.Sprintf("FuzzClusterApply: no progress for a minute on salt %d input %q", salt, data))
		})
		defer watchdog.Stop()
		clock := vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		rt, err := fake.New(fake.Config{Clock: clock, Seed: int64(salt)})
		if err != nil {
			t.Fatal(err)
		}
		c, err := orchestra.New(orchestra.Config{Runtime: rt, Clock: clock, Seed: int64(salt)})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for i := range 3 {
			n := &workload.Node{ObjectMeta: workload.ObjectMeta{Name: fmt.Sprintf("n%d", i), Labels: map[string]string{"disktype": "ssd"}}}
			if err := rt.AddNode(n); err != nil {
				t.Fatal(err)
			}
		}
		var objs []workload.Object
		for _, kind := range workload.Kinds {
			o := workload.New(kind)
			if json.Unmarshal(data, o) != nil {
				continue
			}
			if m := o.GetObjectMeta(); m.Name == "" && m.GenerateName == "" {
				m.Name = "fuzz"
			}
			if applied, err := c.Apply(o); err == nil {
				objs = append(objs, applied)
			}
		}
		if err := c.Advance(time.Duration(salt%16) * time.Minute); err != nil {
			t.Fatalf("advance: %v", err)
		}
		// Update every applied object with the spec of the input decoded
		// again (defaults may differ), and scale what scales.
		for _, o := range objs {
			cur, err := c.Get(o.Kind(), o.GetObjectMeta().Namespace, o.GetObjectMeta().Name)
			if err != nil {
				continue
			}
			upd := cur.DeepCopyObject()
			switch x := upd.(type) {
			case *workload.Deployment:
				x.Spec.Replicas = workload.Ptr(int32(salt % 5))
				x.Spec.Template.Labels = mergeLabels(x.Spec.Template.Labels, "rev", "2")
			case *workload.StatefulSet:
				x.Spec.Replicas = workload.Ptr(int32(salt % 4))
				x.Spec.Template.Labels = mergeLabels(x.Spec.Template.Labels, "rev", "2")
			case *workload.ReplicaSet:
				x.Spec.Replicas = workload.Ptr(int32(salt % 3))
			case *workload.DaemonSet:
				x.Spec.Template.Labels = mergeLabels(x.Spec.Template.Labels, "rev", "2")
			case *workload.Job:
				x.Spec.Suspend = workload.Ptr(salt%2 == 0)
			case *workload.CronJob:
				x.Spec.Suspend = workload.Ptr(salt%2 == 1)
			}
			_, _ = c.Apply(upd)
		}
		if salt%3 == 0 {
			_ = rt.FailNode("n0")
		}
		if err := c.Advance(7 * time.Minute); err != nil {
			t.Fatalf("advance: %v", err)
		}
		pods, _ := c.Pods("", "")
		for i, p := range pods {
			if i%2 == int(salt%2) {
				_ = c.DeletePod(p.Namespace, p.Name, nil)
			}
		}
		for _, o := range objs {
			_ = c.Delete(o.Kind(), o.GetObjectMeta().Namespace, o.GetObjectMeta().Name, []string{"", "Background", "Foreground", "Orphan"}[salt%4])
		}
		if err := c.Advance(20 * time.Minute); err != nil {
			t.Fatalf("advance: %v", err)
		}
		_ = c.Events()
	})
}

func mergeLabels(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for a, b := range m {
		out[a] = b
	}
	return out
}
