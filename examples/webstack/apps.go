package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The web stack's programs, as plain network code: what runs in the pods.
// main.go registers them as inproc functions.

// volume is the "persistent volume" of the mysql pod: it outlives the pod,
// so a replaced mysql-0 finds its data again, as a PersistentVolumeClaim
// gives a StatefulSet pod.
type volume struct {
	mu   sync.Mutex
	data map[string]string
}

func newVolume() *volume { return &volume{data: map[string]string{}} }

// serveKV is "mysql": a tiny key-value server speaking lines over TCP:
//
//	SET k v  -> OK
//	GET k    -> VALUE v | NONE
//	INCR k   -> <n>
//	DUMP     -> <count>, then "k v" lines
func serveKV(ctx context.Context, ln net.Listener, vol *volume, log io.Writer) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	go func() { <-ctx.Done(); ln.Close() }()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			stop := context.AfterFunc(ctx, func() { conn.Close() })
			defer stop()
			handleKV(conn, vol, log)
		}()
	}
}

func handleKV(conn net.Conn, vol *volume, log io.Writer) {
	r := bufio.NewScanner(conn)
	w := bufio.NewWriter(conn)
	for r.Scan() {
		f := strings.Fields(r.Text())
		if len(f) == 0 {
			continue
		}
		vol.mu.Lock()
		switch strings.ToUpper(f[0]) {
		case "SET":
			if len(f) < 3 {
				fmt.Fprintln(w, "ERR usage: SET k v")
				break
			}
			vol.data[f[1]] = strings.Join(f[2:], " ")
			fmt.Fprintln(w, "OK")
		case "GET":
			if v, ok := vol.data[safeIndex(f, 1)]; ok {
				fmt.Fprintln(w, "VALUE", v)
			} else {
				fmt.Fprintln(w, "NONE")
			}
		case "INCR":
			n, _ := strconv.Atoi(vol.data[safeIndex(f, 1)])
			n++
			vol.data[safeIndex(f, 1)] = strconv.Itoa(n)
			fmt.Fprintln(w, n)
		case "DUMP":
			keys := make([]string, 0, len(vol.data))
			for k := range vol.data {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			fmt.Fprintln(w, len(keys))
			for _, k := range keys {
				fmt.Fprintln(w, k, vol.data[k])
			}
			fmt.Fprintf(log, "dumped %d keys\n", len(keys))
		default:
			fmt.Fprintln(w, "ERR unknown command")
		}
		vol.mu.Unlock()
		if w.Flush() != nil {
			return
		}
	}
}

func safeIndex(f []string, i int) string {
	if i < len(f) {
		return f[i]
	}
	return ""
}

// kvCall sends one command to the key-value server and returns its first
// reply line.
func kvCall(ctx context.Context, dial func(context.Context) (net.Conn, error), cmd string) (string, error) {
	conn, err := dial(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if _, err := fmt.Fprintln(conn, cmd); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(line), err
}

// kvDump reads the whole store.
func kvDump(ctx context.Context, dial func(context.Context) (net.Conn, error)) (int, error) {
	conn, err := dial(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	fmt.Fprintln(conn, "DUMP")
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return 0, fmt.Errorf("bad DUMP reply %q", line)
	}
	for i := 0; i < n; i++ {
		if _, err := br.ReadString('\n'); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// servePHP is "php-fpm": an HTTP application server that counts visits per
// page in mysql. It answers with the pod that served it.
func servePHP(ctx context.Context, ln net.Listener, pod string, mysql func(context.Context) (net.Conn, error)) error {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		page := strings.Trim(r.URL.Path, "/")
		if page == "" {
			page = "index"
		}
		rctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		n, err := kvCall(rctx, mysql, "INCR visits:"+page)
		if err != nil {
			http.Error(w, "mysql: "+err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("X-Served-By", pod)
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprintf(w, "page %s: visit %s (served by %s)\n", page, n, pod)
	})
	return serveHTTP(ctx, ln, mux)
}

// serveSquid is "squid": a caching reverse proxy in front of php-fpm. It
// caches what upstream lets it cache (nothing, for php-fpm's pages; static
// paths for a minute).
func serveSquid(ctx context.Context, ln net.Listener, pod string, upstream string) error {
	target := &url.URL{Scheme: "http", Host: upstream}
	rp := httputil.NewSingleHostReverseProxy(target)
	// A new connection per request: every request is a fresh pick at the
	// php-fpm Service, and no connection outlives the pod it reached.
	// Like squid's forward_max_tries, a GET whose upstream connection
	// fails is tried again (on a new connection, so another php-fpm pod).
	rp.Transport = retryGET{&http.Transport{DisableKeepAlives: true, ResponseHeaderTimeout: 5 * time.Second}, 3}
	type entry struct {
		body    []byte
		header  http.Header
		expires time.Time
	}
	var mu sync.Mutex
	cache := map[string]entry{}
	rp.ModifyResponse = func(resp *http.Response) error {
		resp.Header.Set("Via", "1.1 "+pod)
		resp.Header.Set("X-Cache", "MISS from "+pod)
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/static/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		e, ok := cache[r.URL.Path]
		mu.Unlock()
		if ok && time.Now().Before(e.expires) {
			for k, v := range e.header {
				w.Header()[k] = v
			}
			w.Header().Set("X-Cache", "HIT from "+pod)
			w.Write(e.body)
			return
		}
		body := []byte("static " + r.URL.Path + "\n")
		mu.Lock()
		cache[r.URL.Path] = entry{body: body, header: http.Header{"Content-Type": {"text/plain"}}, expires: time.Now().Add(time.Minute)}
		mu.Unlock()
		w.Header().Set("X-Cache", "MISS from "+pod)
		w.Write(body)
	})
	mux.Handle("/", rp)
	return serveHTTP(ctx, ln, mux)
}

// retryGET retries GET and HEAD requests whose round trip fails.
type retryGET struct {
	rt    http.RoundTripper
	tries int
}

func (r retryGET) RoundTrip(req *http.Request) (*http.Response, error) {
	for i := 1; ; i++ {
		resp, err := r.rt.RoundTrip(req)
		if err == nil || i >= r.tries || (req.Method != http.MethodGet && req.Method != http.MethodHead) || req.Context().Err() != nil {
			return resp, err
		}
	}
}

// lameDuck is how long a stopping server keeps accepting connections.
const lameDuck = 300 * time.Millisecond

// serveHTTP serves until ctx ends, then shuts down gracefully: it keeps
// serving for a short lame-duck period and lets requests in flight finish,
// so a pod being replaced fails no request.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		// Lame duck: keep accepting for a moment while the cluster takes
		// the pod out of its Services' endpoints, then drain.
		lame := time.NewTimer(lameDuck)
		select {
		case err := <-errc:
			lame.Stop()
			return err
		case <-lame.C:
		}
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(sctx)
		<-errc
		if errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return nil
	}
}
