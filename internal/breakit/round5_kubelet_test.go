package breakit_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/inproc"
)

// Dependent environment variables: Kubernetes expands $(VAR) in env
// values from the variables defined before them ("$$" escapes), and in
// command and args from the container's environment, whatever the
// container runtime: the kubelet does it (pkg/kubelet/kubelet_pods.go
// makeEnvironmentVariables, expansion.Expand; kuberuntime ExpandContainerCommandAndArgs).
// https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/ ;
// https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#use-environment-variables-to-define-arguments
// orchestra's process runtime does this (process.containerEnv, Argv);
// inproc hands the function the values as written, so the same manifest
// gives a process "http://127.1.0.2:8080" and a function
// "http://$(POD_IP):8080".
func TestR5InprocEnvDependentVars(t *testing.T) {
	got := make(chan [2][]string, 1)
	e := r5newInproc(t, inproc.Config{}, nil, func(rt *inproc.Runtime) {
		rt.Register("env", func(ctx context.Context, ct *inproc.Container) error {
			select {
			case got <- [2][]string{ct.Env(), ct.Args()}:
			default:
			}
			<-ctx.Done()
			return nil
		})
	})
	e.apply(`
apiVersion: v1
kind: Pod
metadata: {name: env}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: func://env
    command: [serve, "--name=$(POD_NAME)"]
    args: ["--greeting=$(GREETING)"]
    env:
    - {name: GREETING, value: hello}
    - {name: MSG, value: "$(GREETING) world"}
    - {name: URL, value: "http://$(POD_IP):8080"}
    - {name: ESC, value: "$$(GREETING)"}
    - {name: UNDEF, value: "$(NOPE)"}
`)
	var r [2][]string
	select {
	case r = <-got:
	case <-time.After(30 * time.Second):
		t.Fatal("the function did not run within 30s")
	}
	env := map[string]string{}
	for _, kv := range r[0] {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	ip := env["POD_IP"]
	want := map[string]string{"MSG": "hello world", "URL": "http://" + ip + ":8080", "ESC": "$(GREETING)", "UNDEF": "$(NOPE)"}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("env %s = %q, want %q (Kubernetes expands $(VAR) in env values)", k, env[k], v)
		}
	}
	if wantArgs := []string{"serve", "--name=env", "--greeting=hello"}; fmt.Sprint(r[1]) != fmt.Sprint(wantArgs) {
		t.Errorf("Args() = %q, want %q (Kubernetes expands $(VAR) in command and args)", r[1], wantArgs)
	}
}

// A startupProbe gates the other probes: "If such a probe is configured,
// liveness and readiness probes do not start until it succeeds"
// (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#types-of-probe).
// A liveness probe failing while the startup probe has not passed must
// not restart the container; once started, readiness follows its probe,
// and a failing liveness probe restarts the container (restartCount 1,
// exit 143 of the SIGTERM'd run in lastState, its log under previous).
func TestR5InprocStartupGatesLivenessThenLivenessRestarts(t *testing.T) {
	var startupHits, liveHitsBeforeStart, liveHits atomic.Int32
	var started, sick atomic.Bool
	e := r5newInproc(t, inproc.Config{}, nil, func(rt *inproc.Runtime) {
		rt.Register("slow", func(ctx context.Context, ct *inproc.Container) error {
			fmt.Fprintf(ct.Stdout(), "run %d\n", ct.RestartCount())
			l, err := ct.Listen("tcp", 8080)
			if err != nil {
				return err
			}
			mux := http.NewServeMux()
			run := ct.RestartCount()
			mux.HandleFunc("/startup", func(w http.ResponseWriter, r *http.Request) {
				// passes at the 4th probe of the first run; at once after
				if startupHits.Add(1) < 4 && run == 0 {
					w.WriteHeader(503)
					return
				}
				started.Store(true)
			})
			mux.HandleFunc("/live", func(w http.ResponseWriter, r *http.Request) {
				liveHits.Add(1)
				if !started.Load() {
					liveHitsBeforeStart.Add(1)
					w.WriteHeader(500)
					return
				}
				if sick.Load() && run == 0 {
					w.WriteHeader(500)
				}
			})
			srv := &http.Server{Handler: mux}
			go func() { <-ctx.Done(); srv.Close() }()
			srv.Serve(l)
			return ctx.Err()
		})
	})
	e.apply(`
apiVersion: v1
kind: Pod
metadata: {name: sp}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: c
    image: func://slow
    startupProbe: {httpGet: {path: /startup, port: 8080}, periodSeconds: 1, failureThreshold: 30}
    livenessProbe: {httpGet: {path: /live, port: 8080}, periodSeconds: 1, failureThreshold: 1}
`)
	e.wait("ready after the startup probe passed", func() bool { return r5ready(e.pod("sp")) })
	if n := liveHitsBeforeStart.Load(); n != 0 {
		t.Errorf("the liveness probe ran %d times before the startup probe passed", n)
	}
	if rc := e.pod("sp").Status.ContainerStatuses[0].RestartCount; rc != 0 {
		t.Errorf("restartCount %d after start, want 0", rc)
	}
	e.wait("liveness ran after start", func() bool { return liveHits.Load() > 0 })
	sick.Store(true)
	e.wait("restarted by the liveness probe", func() bool {
		p := e.pod("sp")
		return p != nil && p.Status.ContainerStatuses[0].RestartCount >= 1 && p.Status.ContainerStatuses[0].State.Running != nil
	})
	cs := e.pod("sp").Status.ContainerStatuses[0]
	if lt := cs.LastTerminationState.Terminated; lt == nil || lt.ExitCode != 143 {
		t.Errorf("lastState %+v, want terminated with exit 143 (SIGTERM)", cs.LastTerminationState)
	}
	prev, err := e.rt.Logs(context.Background(), "default", "sp", "c", true)
	if err != nil || !strings.Contains(string(prev), "run 0") {
		t.Errorf("previous log %q %v, want the first run's", prev, err)
	}
	e.wait("current log of the second run", func() bool {
		cur, _ := e.rt.Logs(context.Background(), "default", "sp", "c", false)
		return strings.Contains(string(cur), "run 1")
	})
}
