package process

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/orchestra-go/orchestra/internal/kubelet"
)

// logFile is one run's log file, rotated at a size limit. Write never
// fails: a file that cannot be written is given up (once, logged) and
// the output still reaches the in-memory log.
type logFile struct {
	r     *Runtime
	path  string
	limit int64

	mu   sync.Mutex
	f    *os.File
	size int64
	dead bool
}

// runLogDir is the directory of a container's log files, as the kubelet's
// /var/log/pods/<namespace>_<pod>_<uid>/<container>.
func (r *Runtime) runLogDir(run *kubelet.Run) string {
	p := run.Pod
	return filepath.Join(r.logDir, p.Namespace+"_"+p.Name+"_"+string(p.UID), run.Container.Name)
}

// openLog opens the log file of run, removing those of runs before the
// previous one. It returns nil when Config.LogDir is empty.
func (r *Runtime) openLog(run *kubelet.Run) (*logFile, error) {
	if r.logDir == "" {
		return nil, nil
	}
	dir := r.runLogDir(run)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for n := int(run.RestartCount) - 2; n >= 0; n-- {
		old := filepath.Join(dir, strconv.Itoa(n)+".log")
		if _, err := os.Lstat(old); err != nil {
			break // older ones went with it
		}
		_ = os.Remove(old + ".1")
		_ = os.Remove(old)
	}
	path := filepath.Join(dir, strconv.Itoa(int(run.RestartCount))+".log")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	return &logFile{r: r, path: path, limit: r.logMax, f: f}, nil
}

func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(p)
	for len(p) > 0 && !l.dead {
		room := l.limit - l.size
		if room <= 0 {
			l.rotate()
			continue
		}
		chunk := p[:min(int64(len(p)), room)]
		w, err := l.f.Write(chunk)
		l.size += int64(w)
		if err != nil {
			l.fail(err)
			break
		}
		p = p[w:]
	}
	return n, nil
}

// rotate renames the full file to .1 and begins a new one. Caller holds
// mu.
func (l *logFile) rotate() {
	if err := l.f.Close(); err != nil {
		l.fail(err)
		return
	}
	if err := os.Rename(l.path, l.path+".1"); err != nil {
		l.fail(err)
		return
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		l.fail(err)
		return
	}
	l.f, l.size = f, 0
}

func (l *logFile) fail(err error) {
	l.dead = true
	if l.f != nil {
		_ = l.f.Close()
		l.f = nil
	}
	if l.r.logger != nil {
		l.r.logger.Warn("log file abandoned", "runtime", "process", "file", l.path, "err", err)
	}
}

// Close closes the file.
func (l *logFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dead = true
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// output returns where a run writes: the kubelet's log and, if any, the
// file.
func output(mem io.Writer, f *logFile) io.Writer {
	if f == nil {
		return mem
	}
	return &tee{mem: mem, f: f}
}

type tee struct {
	mem io.Writer
	f   *logFile
}

func (t *tee) Write(p []byte) (int, error) {
	_, _ = t.mem.Write(p)
	_, _ = t.f.Write(p)
	return len(p), nil
}
