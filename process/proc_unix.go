//go:build unix

package process

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"

	"github.com/orchestra-go/orchestra/internal/kubelet"
)

const supported = true

// Start forks the run's process in a process group of its own and returns
// at once; a goroutine of the runtime reaps it.
func (s starter) Start(run *kubelet.Run) (kubelet.Handle, error) {
	r := s.r
	env := r.containerEnv(run.Env)
	argv, err := Argv(run.Container, env)
	if err != nil {
		return nil, &kubelet.StartError{Reason: ReasonCreateContainerError, Err: err}
	}
	dir := r.workDir(run.Container)
	lf, err := r.openLog(run)
	if err != nil {
		// The output still reaches the in-memory log.
		if r.logger != nil {
			r.logger.Warn("log file", "runtime", "process", "pod", run.Pod.Namespace+"/"+run.Pod.Name, "container", run.Container.Name, "err", err)
		}
		lf = nil
	}
	out := output(run.Log, lf)
	h := &handle{r: r, env: env, dir: dir, done: make(chan struct{})}
	g, err := r.spawn(argv, env, dir, out)
	if err != nil {
		if lf != nil {
			_ = lf.Close()
		}
		h.exit = kubelet.Exit{ExitCode: ExitStartError, Reason: ReasonStartError,
			Message: fmt.Sprintf("container %q: %v", run.Container.Name, err)}
		close(h.done)
		return h, nil
	}
	h.g = g
	go func() {
		<-g.done
		if lf != nil {
			_ = lf.Close()
		}
		h.exit = g.exit
		close(h.done)
	}()
	return h, nil
}

// group is one process in its own process group, and the goroutine that
// reaps it.
type group struct {
	cmd  *exec.Cmd
	pid  int
	done chan struct{} // closed when the process is reaped and its output read
	exit kubelet.Exit  // set before done is closed

	mu     sync.Mutex
	exited bool // the leader has exited: the group may be gone, signal no more
}

// spawn starts argv in a new process group, with stdout and stderr to out,
// and reaps it on a goroutine the runtime's wait group counts. When the
// leader exits, the rest of its group is killed (as a container's
// processes die with its init process) before the leader is reaped, so
// that no signal can reach a reused process group ID.
func (r *Runtime) spawn(argv, env []string, dir string, out io.Writer) (*group, error) {
	if fi, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("%w: workingDir: %v", ErrStart, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("%w: workingDir %s: not a directory", ErrStart, dir)
	}
	path, err := lookPath(argv[0], dir, env)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStart, err)
	}
	cmd := &exec.Cmd{Path: path, Args: argv, Env: env, Dir: dir, Stdout: out, Stderr: out,
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true}, WaitDelay: outputDelay}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStart, err)
	}
	g := &group{cmd: cmd, pid: cmd.Process.Pid, done: make(chan struct{})}
	r.track(g.pid, true)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		var ps *os.ProcessState
		if !waitExited(g.pid) { // on Linux the leader is a zombie now, still holding its group ID
			ps, _ = cmd.Process.Wait()
		}
		g.mu.Lock()
		g.exited = true
		_ = syscall.Kill(-g.pid, syscall.SIGKILL)
		g.mu.Unlock()
		_ = cmd.Wait() // reaps the leader (Linux), reads the rest of the output
		if ps == nil {
			ps = cmd.ProcessState
		}
		r.track(g.pid, false)
		g.exit = exitOf(ps)
		close(g.done)
	}()
	return g, nil
}

// signal sends sig to the whole group, unless its leader has exited.
func (g *group) signal(sig syscall.Signal) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.exited {
		_ = syscall.Kill(-g.pid, sig)
	}
}

// exitOf reports a process's end as Kubernetes does: exit n is n; death
// by signal n is 128+n with the signal recorded.
func exitOf(ps *os.ProcessState) kubelet.Exit {
	if ps == nil {
		return kubelet.Exit{ExitCode: ExitStartError, Reason: ReasonStartError, Message: "no exit status"}
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		n := int32(ws.Signal())
		return kubelet.Exit{ExitCode: 128 + n, Signal: n, Reason: kubelet.ReasonError}
	}
	return kubelet.Exit{ExitCode: int32(ps.ExitCode())}
}

// handle is one run of a container: its process group.
type handle struct {
	r    *Runtime
	g    *group // nil when the start failed
	env  []string
	dir  string
	done chan struct{}
	exit kubelet.Exit // set before done is closed
}

func (h *handle) Done() <-chan struct{} { return h.done }

func (h *handle) Exit() kubelet.Exit { return h.exit }

// Stop sends SIGTERM to the run's process group.
func (h *handle) Stop() {
	if h.g != nil {
		h.g.signal(syscall.SIGTERM)
	}
}

// Kill sends SIGKILL to the run's process group.
func (h *handle) Kill() {
	if h.g != nil {
		h.g.signal(syscall.SIGKILL)
	}
}

// Exec runs cmd as an exec probe does in the container: with its
// environment and working directory, in a process group of its own that
// is killed when ctx ends (the probe's timeout) or when cmd exits. Its
// output is discarded.
func (h *handle) Exec(ctx context.Context, cmd []string) (int, error) {
	if len(cmd) == 0 || cmd[0] == "" {
		return -1, errors.New("process: exec: empty command")
	}
	g, err := h.r.spawn(cmd, h.env, h.dir, nil)
	if err != nil {
		return -1, err
	}
	select {
	case <-g.done:
	case <-ctx.Done():
		g.signal(syscall.SIGKILL)
		<-g.done
		return -1, fmt.Errorf("process: exec %q: %w", cmd[0], ctx.Err())
	}
	return int(g.exit.ExitCode), nil
}

var _ kubelet.Execer = (*handle)(nil)
