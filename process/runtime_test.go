//go:build linux

package process_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orchestra-go/orchestra/process"
	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// tcpReady is a readiness probe on port 7000 of the pod.
func tcpReady() *workload.Probe {
	return &workload.Probe{PeriodSeconds: 1, TimeoutSeconds: 20,
		ProbeHandler: workload.ProbeHandler{TCPSocket: &workload.TCPSocketAction{Port: intstr.FromInt32(7000)}}}
}

func isReady(p *workload.Pod) bool {
	if p == nil {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == workload.PodReady {
			return c.Status == workload.ConditionTrue
		}
	}
	return false
}

func TestExitCodes(t *testing.T) {
	e := newEnv(t, process.Config{})
	tests := []struct {
		name    string
		c       workload.Container
		steps   []string
		phase   string
		code    int32
		signal  int32
		reason  string
		message string // a part of it
	}{
		{name: "zero", steps: []string{"exit", "0"}, phase: workload.PodSucceeded, reason: "Completed"},
		{name: "end", steps: []string{"out", "hi"}, phase: workload.PodSucceeded, reason: "Completed"},
		{name: "three", steps: []string{"exit", "3"}, phase: workload.PodFailed, code: 3, reason: "Error"},
		{name: "usr1", steps: []string{"signal", "usr1"}, phase: workload.PodFailed, code: 138, signal: 10, reason: "Error"},
		{name: "hup", steps: []string{"signal", "hup"}, phase: workload.PodFailed, code: 129, signal: 1, reason: "Error"},
		{name: "missing", c: workload.Container{Command: []string{"no-such-program-here"}}, phase: workload.PodFailed,
			code: 128, reason: "StartError", message: "executable file not found in $PATH"},
		{name: "not-executable", c: workload.Container{Command: []string{"/etc/passwd"}}, phase: workload.PodFailed,
			code: 128, reason: "StartError", message: "permission denied"},
		{name: "no-dir", c: workload.Container{WorkingDir: "/no/such/dir"}, steps: []string{"exit", "0"}, phase: workload.PodFailed,
			code: 128, reason: "StartError", message: "workingDir"},
	}
	for _, tc := range tests {
		e.create(pod(tc.name, workload.RestartPolicyNever, tc.c, tc.steps...))
	}
	for _, tc := range tests {
		p := e.waitPod(tc.name, "finished", func(p *workload.Pod) bool { return phaseIs(tc.phase)(p) })
		term := cstatus(p).State.Terminated
		if term == nil || term.ExitCode != tc.code || term.Signal != tc.signal || term.Reason != tc.reason || !strings.Contains(term.Message, tc.message) {
			t.Errorf("%s: terminated %+v, want code %d signal %d reason %s message with %q", tc.name, term, tc.code, tc.signal, tc.reason, tc.message)
		}
	}
	if got := e.logs("end", "main", false); got != "hi\n" {
		t.Errorf("log %q, want hi", got)
	}
}

// TestNoCommand: a container with neither command nor args waits with
// reason CreateContainerError; one with args only runs args[0].
func TestNoCommand(t *testing.T) {
	e := newEnv(t, process.Config{})
	e.create(pod("none", workload.RestartPolicyNever, workload.Container{Image: "busybox", Args: []string{}}))
	p := e.waitPod("none", "waiting", func(p *workload.Pod) bool {
		w := cstatus(p).State.Waiting
		return w != nil && w.Reason == process.ReasonCreateContainerError
	})
	if w := cstatus(p).State.Waiting; !strings.Contains(w.Message, "no command") || p.Status.Phase != workload.PodPending {
		t.Errorf("waiting %+v in phase %s", w, p.Status.Phase)
	}
	e.create(pod("args", workload.RestartPolicyNever, workload.Container{Args: []string{helper, "out", "from args", "exit", "4"}}))
	p = e.waitPod("args", "failed", phaseIs(workload.PodFailed))
	if term := cstatus(p).State.Terminated; term.ExitCode != 4 || e.logs("args", "main", false) != "from args\n" {
		t.Errorf("args-only container: %+v, log %q", term, e.logs("args", "main", false))
	}
}

// TestIgnoredSIGTERM: a process (and its grandchild) ignoring SIGTERM is
// killed at the end of its grace period, reported 137 (SIGKILL), and no
// process of its group is left.
func TestIgnoredSIGTERM(t *testing.T) {
	e := newEnv(t, process.Config{})
	c := workload.Container{ReadinessProbe: tcpReady()}
	e.create(pod("stubborn", workload.RestartPolicyAlways, c, "ignore-term", "pid", "grandchild", "tcp", "7000", "sleep", "forever"))
	e.waitPod("stubborn", "ready", isReady)
	log := e.waitLog("stubborn", "main", regexp.MustCompile(`grandchild \d+`))
	ps := pids([]byte(log))
	if len(ps) != 2 {
		t.Fatalf("log %q: want the pid and the grandchild's", log)
	}
	grace := 300 * time.Millisecond
	asked := time.Now()
	if err := e.rt.DeletePod(context.Background(), "default", "stubborn", grace); err != nil {
		t.Fatal(err)
	}
	e.waitPod("stubborn", "gone", gone)
	if d := time.Since(asked); d < grace {
		t.Errorf("pod gone %v after the delete, before its grace period %v", d, grace)
	}
	if term := e.lastTerminated("stubborn"); term == nil || term.ExitCode != 137 || term.Signal != 9 || term.Reason != "Error" {
		t.Errorf("terminated %+v, want 137, signal 9, Error", term)
	}
	checkGone(t, "after the pod is gone", ps)
}

// TestSIGTERM: a process that does not ignore SIGTERM dies of it (143)
// long before its grace period; its grandchild, which ignores SIGTERM,
// dies with it, because the group is killed when its leader exits.
func TestSIGTERM(t *testing.T) {
	e := newEnv(t, process.Config{})
	c := workload.Container{ReadinessProbe: tcpReady()}
	e.create(pod("polite", workload.RestartPolicyAlways, c, "pid", "grandchild", "tcp", "7000", "sleep", "forever"))
	e.waitPod("polite", "ready", isReady)
	ps := pids([]byte(e.waitLog("polite", "main", regexp.MustCompile(`grandchild \d+`))))
	if err := e.rt.DeletePod(context.Background(), "default", "polite", time.Hour); err != nil {
		t.Fatal(err)
	}
	e.waitPod("polite", "gone", gone)
	if term := e.lastTerminated("polite"); term == nil || term.ExitCode != 143 || term.Signal != 15 || term.Reason != "Error" {
		t.Errorf("terminated %+v, want 143, signal 15, Error", term)
	}
	checkGone(t, "after the pod is gone", ps)
}

// TestSIGTERMToGroup: SIGTERM goes to the whole process group: a
// grandchild that does not ignore it dies while the main process, which
// does, runs on until its grace period ends.
func TestSIGTERMToGroup(t *testing.T) {
	e := newEnv(t, process.Config{})
	c := workload.Container{ReadinessProbe: tcpReady()}
	e.create(pod("family", workload.RestartPolicyAlways, c, "ignore-term", "pid", "polite-grandchild", "tcp", "7000", "sleep", "forever"))
	e.waitPod("family", "ready", isReady)
	ps := pids([]byte(e.waitLog("family", "main", regexp.MustCompile(`grandchild \d+`))))
	if len(ps) != 2 {
		t.Fatalf("pids %v", ps)
	}
	// Until the grandchild's runtime is up, SIGTERM would be ignored (the
	// disposition it inherits from the main process).
	e.waitLog("family", "main", regexp.MustCompile(`grandchild-ready`))
	if err := e.rt.DeletePod(context.Background(), "default", "family", time.Hour); err != nil {
		t.Fatal(err)
	}
	checkGone(t, "the grandchild after SIGTERM", ps[1:])
	if !alive(ps[0]) || e.rt.DeletePod(context.Background(), "default", "family", 0) != nil {
		t.Fatal("the main process, which ignores SIGTERM, is gone before its grace period")
	}
	e.waitPod("family", "gone", gone)
	if term := e.lastTerminated("family"); term == nil || term.ExitCode != 137 {
		t.Errorf("terminated %+v, want 137", term)
	}
}

// TestExitKillsGroup: when a container's main process exits, what is left
// of its group is killed (as a container's processes die with its init
// process), and the output is read though a grandchild held the pipe.
func TestExitKillsGroup(t *testing.T) {
	e := newEnv(t, process.Config{})
	e.create(pod("short", workload.RestartPolicyNever, workload.Container{}, "pid", "grandchild", "out", "bye", "exit", "0"))
	e.waitPod("short", "succeeded", phaseIs(workload.PodSucceeded))
	log := e.logs("short", "main", false)
	if ps := pids([]byte(log)); len(ps) != 2 || !strings.HasSuffix(log, "bye\n") {
		t.Fatalf("log %q", log)
	}
	checkGone(t, "after the container exited", e.pids)
}

// TestEnvAndWorkingDir: the environment (Config.Env, the pod's variables,
// the spec's env with $(VAR) expanded), the working directory and $(VAR)
// in args.
func TestEnvAndWorkingDir(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, process.Config{Env: []string{"PATH=/usr/bin:/bin", "BASE=base"}, WorkingDir: dir})
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	c := workload.Container{
		WorkingDir: "sub",
		Env: []workload.EnvVar{
			{Name: "GREETING", Value: "hello $(POD_NAME)"},
			{Name: "JOB_COMPLETION_INDEX", Value: "2"},
			{Name: "BASE", Value: "pod"},
			{Name: "LATER", Value: "$(GREETING) at $(POD_IP) $$(NOT) $(UNDEFINED)"},
		},
		Command: []string{helper, "out", "arg $(NODE_NAME) $$(POD_NAME)"},
		Args:    []string{"pwd", "err", "to stderr"},
	}
	for _, n := range []string{"POD_NAME", "POD_NAMESPACE", "POD_IP", "NODE_NAME", "JOB_COMPLETION_INDEX", "GREETING", "BASE", "LATER", "PATH", "HOME"} {
		c.Args = append(c.Args, "env", n)
	}
	e.create(pod("envy", workload.RestartPolicyNever, c))
	p := e.waitPod("envy", "succeeded", phaseIs(workload.PodSucceeded))
	ip := p.Status.PodIP
	want := strings.Join([]string{
		"arg node-a $(POD_NAME)",
		filepath.Join(dir, "sub"),
		"to stderr",
		"POD_NAME=envy",
		"POD_NAMESPACE=default",
		"POD_IP=" + ip,
		"NODE_NAME=node-a",
		"JOB_COMPLETION_INDEX=2",
		"GREETING=hello envy",
		"BASE=pod",
		"LATER=hello envy at " + ip + " $(NOT) $(UNDEFINED)",
		"PATH=/usr/bin:/bin",
		"HOME=",
	}, "\n") + "\n"
	if diff := cmp.Diff(want, e.logs("envy", "main", false)); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
	if want := strings.TrimSuffix(testPodCIDR.String(), "0"); ip == "127.0.0.1" || !strings.HasPrefix(ip, want) {
		t.Errorf("pod IP %s, want one of node-a's %s/24", ip, testPodCIDR)
	}
}

// TestLogs: the current and previous run of a restarting container, in
// memory and in files under LogDir, where runs before the previous one
// are removed.
func TestLogs(t *testing.T) {
	dir, work := t.TempDir(), t.TempDir()
	e := newEnv(t, process.Config{LogDir: dir, WorkingDir: work})
	e.create(pod("again", workload.RestartPolicyOnFailure, workload.Container{}, "pid", "err", "oops", "fail-until", "runs", "3", "out", "done"))
	p := e.waitPod("again", "succeeded", phaseIs(workload.PodSucceeded))
	if n := cstatus(p).RestartCount; n != 2 {
		t.Fatalf("restartCount %d, want 2", n)
	}
	cur, prev := e.logs("again", "main", false), e.logs("again", "main", true)
	if !regexp.MustCompile(`^pid \d+\noops\ndone\n$`).MatchString(cur) || !regexp.MustCompile(`^pid \d+\noops\n$`).MatchString(prev) {
		t.Errorf("current %q, previous %q: want the last two runs' logs", cur, prev)
	}
	if _, err := e.rt.Logs(context.Background(), "default", "again", "nope", false); !errors.Is(err, process.ErrContainerNotFound) {
		t.Errorf("Logs of a missing container: %v", err)
	}
	cdir := filepath.Join(dir, "default_again_"+string(p.UID), "main")
	files := map[string]string{}
	entries, err := os.ReadDir(cdir)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		b, err := os.ReadFile(filepath.Join(cdir, en.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[en.Name()] = string(b)
	}
	if diff := cmp.Diff(map[string]string{"1.log": prev, "2.log": cur}, files); diff != "" {
		t.Errorf("log files (-want +got):\n%s", diff)
	}
}

// TestProbes: httpGet readiness follows the server's answers, a
// tcpSocket liveness probe keeps a listening container alive, and a
// failing exec liveness probe restarts its container.
func TestProbes(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, process.Config{WorkingDir: dir})
	flag := filepath.Join(dir, "healthy")
	probe := func(h workload.ProbeHandler) *workload.Probe {
		return &workload.Probe{PeriodSeconds: 1, TimeoutSeconds: 20, FailureThreshold: 1, ProbeHandler: h}
	}
	web := workload.Container{
		ReadinessProbe: probe(workload.ProbeHandler{HTTPGet: &workload.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}}),
		LivenessProbe: &workload.Probe{PeriodSeconds: 1, TimeoutSeconds: 20, FailureThreshold: 100, // 5 s to start listening
			ProbeHandler: workload.ProbeHandler{TCPSocket: &workload.TCPSocketAction{Port: intstr.FromInt32(8080)}}},
		Ports: []workload.ContainerPort{{Name: "http", ContainerPort: 8080}},
	}
	e.create(pod("web", workload.RestartPolicyAlways, web, "http", "8080", flag, "sleep", "forever"))
	if p := e.waitPod("web", "running", running); isReady(p) {
		t.Fatal("ready before the readiness probe passed")
	}
	for i, present := range []bool{true, false, true} {
		if present {
			if err := os.WriteFile(flag, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		} else if err := os.Remove(flag); err != nil {
			t.Fatal(err)
		}
		e.waitPod("web", "readiness "+strconv.Itoa(i), func(p *workload.Pod) bool { return isReady(p) == present })
	}
	if n := cstatus(e.pods["web"]).RestartCount; n != 0 {
		t.Errorf("web restarted %d times under a passing tcpSocket liveness probe", n)
	}

	// An exec probe runs in the container's working directory with its
	// environment: "exists $(MARK)" is relative to workingDir.
	if err := os.WriteFile(filepath.Join(dir, "mark"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	execOK := workload.Container{Env: []workload.EnvVar{{Name: "MARK", Value: "mark"}},
		ReadinessProbe: probe(workload.ProbeHandler{Exec: &workload.ExecAction{Command: []string{helper, "env", "MARK", "exists", "mark"}}})}
	e.create(pod("exec-ok", workload.RestartPolicyAlways, execOK, "sleep", "forever"))
	e.waitPod("exec-ok", "ready", isReady)

	// A failing exec liveness probe restarts the container.
	sick := workload.Container{LivenessProbe: probe(workload.ProbeHandler{Exec: &workload.ExecAction{Command: []string{helper, "exists", "missing"}}})}
	e.create(pod("sick", workload.RestartPolicyAlways, sick, "pid", "sleep", "forever"))
	p := e.waitPod("sick", "restarted by its liveness probe", func(p *workload.Pod) bool {
		return cstatus(p).RestartCount >= 1 && running(p)
	})
	if last := cstatus(p).LastTerminationState.Terminated; last == nil || last.ExitCode != 143 {
		t.Errorf("last termination %+v, want 143 (SIGTERM from the liveness restart)", last)
	}
	e.logs("sick", "main", true)
}

// TestExecProbeTimeout: an exec probe that outlives its timeout fails, and
// its process group is killed.
func TestExecProbeTimeout(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, process.Config{WorkingDir: dir})
	pidfile := filepath.Join(dir, "probe.pids")
	slow := workload.Container{LivenessProbe: &workload.Probe{PeriodSeconds: 1, TimeoutSeconds: 4, FailureThreshold: 1,
		ProbeHandler: workload.ProbeHandler{Exec: &workload.ExecAction{Command: []string{helper, "pidfile", pidfile, "grandchild", "sleep", "forever"}}}}}
	e.create(pod("slow", workload.RestartPolicyAlways, slow, "sleep", "forever"))
	e.waitPod("slow", "restarted by its timing-out liveness probe", func(p *workload.Pod) bool { return cstatus(p).RestartCount >= 1 })
	b, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatal(err)
	}
	var ps []int
	for _, f := range strings.Fields(string(b)) {
		n, _ := strconv.Atoi(f)
		ps = append(ps, n)
	}
	if len(ps) == 0 {
		t.Fatal("no probe ran")
	}
	e.pids = append(e.pids, ps...)
	// Probe processes end with their timeout, not with the runtime:
	// check the first one before Shutdown.
	checkGone(t, "timed-out probe", ps[:1])
}

func TestNewErrors(t *testing.T) {
	for _, cfg := range []process.Config{
		{LogFileLimit: -1},
		{Env: []string{"NOEQUALS"}},
		{Env: []string{"=x"}},
		{BackoffBase: -time.Second},
	} {
		if rt, err := process.New(cfg); !errors.Is(err, process.ErrInvalid) {
			t.Errorf("New(%+v): %v, want ErrInvalid", cfg, err)
			if rt != nil {
				rt.Close()
			}
		}
	}
}
