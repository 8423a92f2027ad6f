// Command helper is the process runtime's test container: it runs its
// arguments as a little script of steps, in order, so that tests do not
// depend on a shell:
//
//	pid                print "pid <pid>"
//	out TEXT           print TEXT to stdout
//	err TEXT           print TEXT to stderr
//	env NAME           print NAME=<value>
//	pwd                print the working directory
//	ignore-term        ignore SIGTERM from now on
//	grandchild         start a child (ignoring SIGTERM, sleeping forever) in
//	                   the same process group, sharing stdout; print
//	                   "grandchild <pid>"
//	polite-grandchild  the same, but it does not ignore SIGTERM; it prints grandchild-ready once its runtime handles signals
//	http PORT FILE     serve HTTP on $POD_IP:PORT in the background: 200
//	                   and the pod's name while FILE exists ("-": always),
//	                   503 otherwise
//	tcp PORT           accept TCP connections on $POD_IP:PORT in the
//	                   background
//	sleep DURATION     sleep ("forever": until killed)
//	exit N             exit with code N
//	signal NAME        die by signal NAME (usr1, hup, int), with its
//	                   default action restored first
//	exists FILE        exit 0 if FILE exists, 1 otherwise
//	pidfile FILE       append "<pid>\n" to FILE
//	fail-until FILE N  append a line to FILE; exit 1 unless it has N lines
//
// Without an exit step it exits 0 after the last step.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

func main() {
	args := os.Args[1:]
	next := func() string {
		if len(args) == 0 {
			fmt.Fprintln(os.Stderr, "helper: missing argument")
			os.Exit(100)
		}
		a := args[0]
		args = args[1:]
		return a
	}
	for len(args) > 0 {
		switch step := next(); step {
		case "pid":
			fmt.Printf("pid %d\n", os.Getpid())
		case "out":
			fmt.Println(next())
		case "err":
			fmt.Fprintln(os.Stderr, next())
		case "env":
			n := next()
			fmt.Printf("%s=%s\n", n, os.Getenv(n))
		case "pwd":
			wd, _ := os.Getwd()
			fmt.Println(wd)
		case "ignore-term":
			signal.Ignore(syscall.SIGTERM)
		case "grandchild", "polite-grandchild":
			args := []string{"ignore-term", "sleep", "forever"}
			if step == "polite-grandchild" {
				// It says when its runtime has set up its signal
				// handlers: before that it ignores SIGTERM, as the
				// disposition it inherits from this process.
				args = []string{"out", "grandchild-ready", "sleep", "forever"}
			}
			c := exec.Command(os.Args[0], args...)
			c.Stdout, c.Stderr = os.Stdout, os.Stderr
			if err := c.Start(); err != nil {
				fmt.Fprintln(os.Stderr, "helper:", err)
				os.Exit(101)
			}
			fmt.Printf("grandchild %d\n", c.Process.Pid)
		case "http":
			port, file := next(), next()
			l := listen(port)
			name := os.Getenv("POD_NAME")
			go http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if file != "-" {
					if _, err := os.Stat(file); err != nil {
						w.WriteHeader(http.StatusServiceUnavailable)
						return
					}
				}
				fmt.Fprint(w, name)
			}))
		case "tcp":
			l := listen(next())
			go func() {
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					c.Close()
				}
			}()
		case "sleep":
			d := next()
			if d == "forever" {
				time.Sleep(1 << 62)
			}
			t, err := time.ParseDuration(d)
			if err != nil {
				fmt.Fprintln(os.Stderr, "helper:", err)
				os.Exit(100)
			}
			time.Sleep(t)
		case "exit":
			n, _ := strconv.Atoi(next())
			os.Exit(n)
		case "signal":
			sig := map[string]syscall.Signal{"usr1": syscall.SIGUSR1, "hup": syscall.SIGHUP, "int": syscall.SIGINT}[next()]
			// The Go runtime ignores SIGUSR1 unless notified: restore the
			// default action (a zeroed struct sigaction is SIG_DFL).
			var act [64]byte
			syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0)
			syscall.Kill(os.Getpid(), sig)
			time.Sleep(1 << 62)
		case "pidfile":
			f, err := os.OpenFile(next(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
			if err != nil {
				fmt.Fprintln(os.Stderr, "helper:", err)
				os.Exit(100)
			}
			fmt.Fprintf(f, "%d\n", os.Getpid())
			f.Close()
		case "fail-until":
			file := next()
			n, _ := strconv.Atoi(next())
			f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
			if err != nil {
				fmt.Fprintln(os.Stderr, "helper:", err)
				os.Exit(100)
			}
			fmt.Fprintln(f, "run")
			f.Close()
			b, _ := os.ReadFile(file)
			if strings.Count(string(b), "\n") < n {
				os.Exit(1)
			}
		case "exists":
			if _, err := os.Stat(next()); err != nil {
				os.Exit(1)
			}
			os.Exit(0)
		default:
			fmt.Fprintf(os.Stderr, "helper: unknown step %q\n", step)
			os.Exit(100)
		}
	}
}

func listen(port string) net.Listener {
	l, err := net.Listen("tcp", net.JoinHostPort(os.Getenv("POD_IP"), port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(102)
	}
	return l
}
