package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// report is the part of the simulator's JSON the end-state checks read.
type report struct {
	Objects []struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
		Spec struct {
			ClusterIP string `json:"clusterIP"`
			Type      string `json:"type"`
			Ports     []struct {
				NodePort int32 `json:"nodePort"`
			} `json:"ports"`
		} `json:"spec"`
		Status map[string]any `json:"status"`
		// EndpointSlice
		Endpoints []struct {
			Addresses []string `json:"addresses"`
		} `json:"endpoints"`
	} `json:"objects"`
	Pods []struct {
		Metadata struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
		Spec struct {
			NodeName string `json:"nodeName"`
		} `json:"spec"`
		Status struct {
			Phase      string `json:"phase"`
			Conditions []struct {
				Type, Status string
			} `json:"conditions"`
		} `json:"status"`
	} `json:"pods"`
}

func (r *report) count(kind string) int {
	n := 0
	for _, o := range r.Objects {
		if o.Kind == kind {
			n++
		}
	}
	return n
}

// readyPods returns "name@node" of the Running and Ready pods whose name
// starts with prefix, sorted.
func (r *report) readyPods(prefix string) []string {
	var out []string
	for _, p := range r.Pods {
		if !strings.HasPrefix(p.Metadata.Name, prefix) || p.Status.Phase != "Running" {
			continue
		}
		for _, c := range p.Status.Conditions {
			if c.Type == "Ready" && c.Status == "True" {
				out = append(out, p.Metadata.Name+"@"+p.Spec.NodeName)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (r *report) status(kind, name string) map[string]any {
	for _, o := range r.Objects {
		if o.Kind == kind && o.Metadata.Name == name {
			return o.Status
		}
	}
	return nil
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

func jobCondition(st map[string]any) string {
	conds, _ := st["conditions"].([]any)
	var out []string
	for _, c := range conds {
		m := c.(map[string]any)
		if m["status"] == "True" && (m["type"] == "Complete" || m["type"] == "Failed") {
			out = append(out, fmt.Sprint(m["type"], "/", m["reason"]))
		}
	}
	return strings.Join(out, ",")
}

// TestEveryManifestEndState plays every shared manifest on three nodes for
// two hours and checks each kind's end state.
func TestEveryManifestEndState(t *testing.T) {
	checks := map[string]func(t *testing.T, r *report){
		"k8s-daemonset-nodeselector-ssd.yaml": func(t *testing.T, r *report) {
			// No node has ssd=true: the DaemonSet wants no pod.
			if st := r.status("DaemonSet", "nginx-ssd"); st == nil || num(st["desiredNumberScheduled"]) != 0 || len(r.Pods) != 0 {
				t.Errorf("nginx-ssd status %v, %d pods; want 0 desired, no pod", st, len(r.Pods))
			}
		},
		"k8s-fluentd-elasticsearch-daemonset.yaml": func(t *testing.T, r *report) {
			got := r.readyPods("fluentd-elasticsearch-")
			if len(got) != 3 {
				t.Errorf("fluentd pods %v, want one ready on each of 3 nodes", got)
			}
			nodes := map[string]bool{}
			for _, p := range got {
				nodes[p[strings.Index(p, "@")+1:]] = true
			}
			if len(nodes) != 3 {
				t.Errorf("fluentd on nodes %v, want node-1..3", nodes)
			}
		},
		"k8s-hello-cronjob-v1.yaml":      cronEndState,
		"k8s-hello-cronjob-v1beta1.yaml": cronEndState,
		"k8s-indexed-job-flowstyle.yaml": func(t *testing.T, r *report) {
			st := r.status("Job", "indexed-job")
			if jobCondition(st) != "Complete/CompletionsReached" || num(st["succeeded"]) != 5 || st["completedIndexes"] != "0-4" {
				t.Errorf("indexed-job status %v; want Complete with indexes 0-4", st)
			}
		},
		"k8s-job-pod-failure-policy.yaml": func(t *testing.T, r *report) {
			// The fake's containers exit 0 (no rule makes them exit 42), so
			// all 12 completions succeed.
			st := r.status("Job", "job-pod-failure-policy-example")
			if jobCondition(st) != "Complete/CompletionsReached" || num(st["succeeded"]) != 12 {
				t.Errorf("status %v; want Complete with 12 succeeded", st)
			}
		},
		"k8s-pi-job.yaml": func(t *testing.T, r *report) {
			if st := r.status("Job", "pi"); jobCondition(st) != "Complete/CompletionsReached" || num(st["succeeded"]) != 1 {
				t.Errorf("pi status %v; want Complete", st)
			}
		},
		"k8s-mysql-services.yaml": func(t *testing.T, r *report) {
			for _, o := range r.Objects {
				if o.Kind != "Service" {
					continue
				}
				switch o.Metadata.Name {
				case "mysql":
					if o.Spec.ClusterIP != "None" {
						t.Errorf("mysql clusterIP %q, want None (headless)", o.Spec.ClusterIP)
					}
				case "mysql-read":
					if !strings.HasPrefix(o.Spec.ClusterIP, "10.") {
						t.Errorf("mysql-read clusterIP %q, want one from 10.96.0.0/12", o.Spec.ClusterIP)
					}
				}
			}
			if r.count("Service") != 2 {
				t.Errorf("%d Services, want 2", r.count("Service"))
			}
		},
		"k8s-mysql-statefulset.yaml": func(t *testing.T, r *report) {
			got := r.readyPods("mysql-")
			if len(got) != 3 || !strings.HasPrefix(got[0], "mysql-0@") || !strings.HasPrefix(got[2], "mysql-2@") {
				t.Errorf("mysql pods %v, want mysql-0..2 ready", got)
			}
			if n := r.count("PersistentVolumeClaim"); n != 3 {
				t.Errorf("%d claims, want data-mysql-0..2", n)
			}
		},
		"k8s-nginx-app-svc-deploy-flowstyle.yaml": func(t *testing.T, r *report) {
			if got := r.readyPods("my-nginx-"); len(got) != 3 {
				t.Errorf("my-nginx pods %v, want 3 ready", got)
			}
			for _, o := range r.Objects {
				if o.Kind == "Service" && o.Metadata.Name == "my-nginx-svc" {
					if o.Spec.Type != "LoadBalancer" || len(o.Spec.Ports) != 1 || o.Spec.Ports[0].NodePort < 30000 {
						t.Errorf("my-nginx-svc %+v, want a LoadBalancer with a node port", o.Spec)
					}
				}
				if o.Kind == "EndpointSlice" && len(o.Endpoints) != 3 {
					t.Errorf("EndpointSlice %s has %d endpoints, want the 3 pods", o.Metadata.Name, len(o.Endpoints))
				}
			}
		},
		"k8s-nginx-deployment.yaml": func(t *testing.T, r *report) {
			if got := r.readyPods("nginx-deployment-"); len(got) != 3 {
				t.Errorf("nginx-deployment pods %v, want 3 ready", got)
			}
			if st := r.status("Deployment", "nginx-deployment"); num(st["availableReplicas"]) != 3 {
				t.Errorf("deployment status %v, want 3 available", st)
			}
		},
		"k8s-web-statefulset-headless.yaml": func(t *testing.T, r *report) {
			if got := r.readyPods("web-"); len(got) != 2 || !strings.HasPrefix(got[0], "web-0@") || !strings.HasPrefix(got[1], "web-1@") {
				t.Errorf("web pods %v, want web-0 and web-1 ready", got)
			}
			if n := r.count("PersistentVolumeClaim"); n != 2 {
				t.Errorf("%d claims, want www-web-0 and www-web-1", n)
			}
		},
	}
	files, err := filepath.Glob("../manifests/*.yaml")
	if err != nil || len(files) != len(checks) {
		t.Fatalf("%d manifests, %d checks (%v)", len(files), len(checks), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			check := checks[filepath.Base(f)]
			if check == nil {
				t.Fatal("no end-state check for this manifest")
			}
			var out bytes.Buffer
			if err := run([]string{"-f", f, "-o", "json"}, &out, io.Discard); err != nil {
				t.Fatal(err)
			}
			var r report
			if err := json.Unmarshal(out.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			check(t, &r)
		})
	}
}

// cronEndState: an every-minute CronJob over two hours keeps its last 3
// successful Jobs (plus the run that starts at the last instant).
func cronEndState(t *testing.T, r *report) {
	complete, total := 0, 0
	for _, o := range r.Objects {
		if o.Kind != "Job" {
			continue
		}
		total++
		if jobCondition(o.Status) == "Complete/CompletionsReached" {
			complete++
		}
	}
	st := r.status("CronJob", "hello")
	if complete != 3 || total > 4 || st == nil || st["lastScheduleTime"] != "2026-01-01T02:00:00Z" {
		t.Errorf("%d complete of %d Jobs, status %v; want the history limit's 3 complete and lastScheduleTime 02:00", complete, total, st)
	}
}
