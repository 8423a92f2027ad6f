//go:build linux

package process_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/internal/leakcheck"
	"github.com/orchestra-go/orchestra/process"
	"github.com/orchestra-go/orchestra/workload"
)

// testPodCIDR keeps this package's pods apart from those of other test
// packages that run at the same time, and from this package's tests run at
// the same time from another checkout (fixed ports, and a fixed range made
// them bind each other's addresses): each test process takes one of
// 127.220.0.0/16 to 127.239.0.0/16 by its process id.
var testPodCIDR = netip.AddrFrom4([4]byte{127, byte(220 + os.Getpid()%20), 0, 0})

// helper is the path of the test container program, testdata/helper,
// built by TestMain.
var helper string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "process-helper-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	helper = filepath.Join(dir, "helper")
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	build := exec.Command(gobin, "build", "-o", helper, "./testdata/helper/main.go")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the helper: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := leakcheck.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// pidRE finds the pids the helper prints ("pid 123", "grandchild 124").
var pidRE = regexp.MustCompile(`(?m)^(?:pid|grandchild) (\d+)$`)

// pids returns the pids printed in a log.
func pids(log []byte) []int {
	var out []int
	for _, m := range pidRE.FindAllSubmatch(log, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		out = append(out, n)
	}
	return out
}

// alive reports whether process pid exists and has not exited: ESRCH
// from kill(pid, 0), or a zombie (state Z in /proc/<pid>/stat), is dead.
// A grandchild's zombie is reparented to init, which reaps it on its own
// schedule.
func alive(pid int) bool {
	if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// "pid (comm) S ...": the state follows the last ')'.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

// checkGone fails t unless every pid is gone (polled until a deadline:
// the runtime has already reaped its children, so gone is immediate for
// them; a grandchild is reparented and reaped by init).
func checkGone(t *testing.T, what string, ps []int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range ps {
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Errorf("%s: process %d still exists", what, pid)
				break
			}
			runtime.Gosched()
			time.Sleep(5 * time.Millisecond) // polling another process's state: no event to wait on
		}
	}
}

// env is a process runtime with a watch on it; the test's cleanup shuts it
// down and checks that no goroutine and no process it recorded is left.
type env struct {
	t    *testing.T
	rt   *process.Runtime
	w    workload.Watcher
	pods map[string]*workload.Pod
	hist map[string][]workload.WatchEvent
	pids []int // processes the test saw; all must be gone at the end
}

func newEnv(t *testing.T, cfg process.Config) *env {
	t.Helper()
	snap := leakcheck.Take()
	if cfg.Nodes == nil {
		cfg.Nodes = []string{"node-a"}
	}
	if cfg.BackoffBase == 0 {
		cfg.BackoffBase = 20 * time.Millisecond
	}
	if !cfg.FirstPodCIDR.IsValid() {
		cfg.FirstPodCIDR = testPodCIDR
	}
	if cfg.ProbeSecond == 0 {
		cfg.ProbeSecond = 50 * time.Millisecond
	}
	rt, err := process.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w, err := rt.Watch(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, rt: rt, w: w, pods: map[string]*workload.Pod{}, hist: map[string][]workload.WatchEvent{}}
	t.Cleanup(func() {
		w.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := rt.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		snap.Check(t, 10*time.Second)
		checkGone(t, "after Shutdown", e.pids)
	})
	return e
}

func (e *env) create(p *workload.Pod) {
	e.t.Helper()
	p.Namespace = "default"
	if p.Spec.NodeName == "" {
		p.Spec.NodeName = "node-a"
	}
	if err := e.rt.CreatePod(context.Background(), p); err != nil {
		e.t.Fatal(err)
	}
}

// pod is a pod of one container "main" running the helper with steps.
func pod(name, restart string, c workload.Container, steps ...string) *workload.Pod {
	if c.Name == "" {
		c.Name = "main"
	}
	if c.Command == nil && c.Args == nil {
		c.Command = append([]string{helper}, steps...)
	}
	return &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: name},
		Spec: workload.PodSpec{RestartPolicy: restart, Containers: []workload.Container{c}}}
}

// waitPod waits until cond holds for the named pod's last report (nil
// once it is gone).
func (e *env) waitPod(name, what string, cond func(p *workload.Pod) bool) *workload.Pod {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		for {
			ev, ok := e.w.TryNext()
			if !ok {
				break
			}
			e.take(ev)
		}
		if p := e.pods[name]; cond(p) {
			return p
		}
		ev, err := e.w.Next(ctx)
		if err != nil {
			e.t.Fatalf("pod %s: %s: %v (last report %+v)", name, what, err, e.pods[name])
		}
		e.take(ev)
	}
}

func (e *env) take(ev workload.WatchEvent) {
	p, ok := ev.Object.(*workload.Pod)
	if !ok {
		return
	}
	e.hist[p.Name] = append(e.hist[p.Name], ev)
	if ev.Type == workload.Deleted {
		delete(e.pods, p.Name)
	} else {
		e.pods[p.Name] = p
	}
}

// logs returns a container's log and records the pids it prints.
func (e *env) logs(name, container string, previous bool) string {
	e.t.Helper()
	b, err := e.rt.Logs(context.Background(), "default", name, container, previous)
	if err != nil {
		e.t.Fatalf("Logs(%s, %s, previous=%v): %v", name, container, previous, err)
	}
	e.pids = append(e.pids, pids(b)...)
	return string(b)
}

// waitLog waits until the container's log matches re (the log is not
// watched: it is polled, as kubectl logs -f would).
func (e *env) waitLog(name, container string, re *regexp.Regexp) string {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := e.rt.Logs(context.Background(), "default", name, container, false)
		if err == nil && re.Match(b) {
			e.pids = append(e.pids, pids(b)...)
			return string(b)
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("log of %s/%s never matched %s: %q, %v", name, container, re, b, err)
		}
		time.Sleep(5 * time.Millisecond) // the log has no change notification
	}
}

func cstatus(p *workload.Pod) workload.ContainerStatus {
	if p == nil || len(p.Status.ContainerStatuses) == 0 {
		return workload.ContainerStatus{}
	}
	return p.Status.ContainerStatuses[0]
}

func phaseIs(phase string) func(*workload.Pod) bool {
	return func(p *workload.Pod) bool { return p != nil && p.Status.Phase == phase }
}

func running(p *workload.Pod) bool { return cstatus(p).State.Running != nil }

func gone(p *workload.Pod) bool { return p == nil }

// lastTerminated is the last terminated state reported for the pod.
func (e *env) lastTerminated(name string) *workload.ContainerStateTerminated {
	h := e.hist[name]
	for i := len(h) - 1; i >= 0; i-- {
		if t := cstatus(h[i].Object.(*workload.Pod)).State.Terminated; t != nil {
			return t
		}
	}
	return nil
}
