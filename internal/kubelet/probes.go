package kubelet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Probe kinds.
const (
	probeStartup   = "startup"
	probeReadiness = "readiness"
	probeLiveness  = "liveness"
)

// probeTitle is how the kubelet's events name a probe kind.
var probeTitle = map[string]string{probeStartup: "Startup", probeReadiness: "Readiness", probeLiveness: "Liveness"}

// prober runs one probe of one container run, every periodSeconds after
// initialDelaySeconds, as the kubelet's prober workers do.
type prober struct {
	kind      string
	probe     workload.Probe // with Kubernetes' defaults filled in
	c         *container
	run       *Run
	succ      int32
	fail      int32
	timer     vtime.Timer
	stopped   bool
	lastError string
}

func (pr *prober) stop() {
	pr.stopped = true
	if pr.timer != nil {
		pr.timer.Stop()
		pr.timer = nil
	}
}

// withDefaults fills in Kubernetes' probe defaults.
func withDefaults(p *workload.Probe, kind string) workload.Probe {
	out := *p
	if out.PeriodSeconds <= 0 {
		out.PeriodSeconds = 10
	}
	if out.TimeoutSeconds <= 0 {
		out.TimeoutSeconds = 1
	}
	if out.SuccessThreshold <= 0 || kind != probeReadiness {
		out.SuccessThreshold = 1 // liveness and startup must be 1
	}
	if out.FailureThreshold <= 0 {
		out.FailureThreshold = 3
	}
	return out
}

// startProbes starts the probes of c's new run: the startup probe alone
// until it passes, then readiness and liveness. Caller holds mu.
func (k *Kubelet) startProbes(c *container) {
	if c.init && !c.side {
		return
	}
	if !c.started {
		k.startProbe(c, probeStartup, c.spec.StartupProbe)
		return
	}
	k.startProbe(c, probeReadiness, c.spec.ReadinessProbe)
	k.startProbe(c, probeLiveness, c.spec.LivenessProbe)
}

func (k *Kubelet) startProbe(c *container, kind string, p *workload.Probe) {
	if p == nil {
		return
	}
	pr := &prober{kind: kind, probe: withDefaults(p, kind), c: c, run: c.run}
	c.probes = append(c.probes, pr)
	k.scheduleProbe(pr, k.firstProbe(pr))
}

// firstProbe is how long from now pr's first probe of the run comes.
// initialDelaySeconds counts from the container's start, as the prober
// worker's doProbe checks it: a probe that starts once the startup probe
// has passed waits only what is left of it. A readiness probe then runs
// at once (the kubelet triggers one whenever it syncs a pod whose
// readiness is not known yet: prober_manager.go UpdatePodStatus). Startup
// and liveness probes run on their worker's ticker (worker.go run): the
// worker starts with the pod (its startTime), and every periodSeconds
// after that, the first tick after now and past the initial delay probes.
// So a container that starts with its pod is first probed a period after
// its start, and a failing startup probe kills it failureThreshold ×
// periodSeconds after it started.
func (k *Kubelet) firstProbe(pr *prober) time.Duration {
	c, now := pr.c, k.clock.Now()
	due := c.startedAt.Add(time.Duration(pr.probe.InitialDelaySeconds) * k.probeS)
	if pr.kind == probeReadiness {
		return max(due.Sub(now), 0)
	}
	period := time.Duration(pr.probe.PeriodSeconds) * k.probeS
	origin := c.startedAt
	if st := c.p.status.StartTime; st != nil && st.Time.Before(origin) {
		origin = st.Time
	}
	// The first tick (origin + n periods, n >= 1) after now and not
	// before due.
	n := int64(1)
	if d := now.Sub(origin); d >= period {
		n = int64(d/period) + 1
	}
	if d := due.Sub(origin); d > time.Duration(n)*period {
		n = int64((d + period - 1) / period)
	}
	return origin.Add(time.Duration(n) * period).Sub(now)
}

// scheduleProbe runs pr after d: the probe itself runs on a goroutine the
// kubelet owns, without the lock.
func (k *Kubelet) scheduleProbe(pr *prober, d time.Duration) {
	pr.timer = k.after(d, func() {
		if pr.stopped {
			return
		}
		target, err := k.probeTarget(pr)
		k.goLocked(func() {
			ok, msg := false, ""
			if err == nil {
				ok, msg = k.runProbe(pr, target)
			}
			k.mu.Lock()
			defer k.mu.Unlock()
			if k.closed || pr.stopped {
				return
			}
			if err != nil {
				// A probe that cannot be made (no handler, a port the
				// container does not name) gives no result, as the
				// prober worker throws a prober error away: it neither
				// fails nor passes. The prober records it all the same
				// (prober.go probe).
				if pr.c.run == pr.run && pr.c.running {
					k.event(pr.c, workload.EventTypeWarning, "Unhealthy", probeTitle[pr.kind]+" probe errored and resulted in unknown state: "+err.Error())
				}
				if msg := err.Error(); msg != pr.lastError {
					pr.lastError = msg
					k.logWarn("probe errored", "pod", pr.c.p.key, "container", pr.c.spec.Name, "probe", pr.kind, "err", msg)
				}
			} else {
				k.probeResult(pr, ok, msg)
			}
			if !pr.stopped {
				k.scheduleProbe(pr, time.Duration(pr.probe.PeriodSeconds)*k.probeS)
			}
		})
	})
}

// probeTarget resolves where the probe goes: host:port for tcpSocket and
// httpGet. Caller holds mu.
func (k *Kubelet) probeTarget(pr *prober) (string, error) {
	h := &pr.probe.ProbeHandler
	var port intstr.IntOrString
	host := pr.c.p.status.PodIP
	switch {
	case h.Exec != nil:
		return "", nil
	case h.TCPSocket != nil:
		port = h.TCPSocket.Port
		if h.TCPSocket.Host != "" {
			host = h.TCPSocket.Host
		}
	case h.HTTPGet != nil:
		port = h.HTTPGet.Port
		if h.HTTPGet.Host != "" {
			host = h.HTTPGet.Host
		}
	default:
		return "", errors.New("no handler (exec, httpGet or tcpSocket)")
	}
	n, err := resolvePort(port, pr.c.spec)
	if err != nil {
		return "", err
	}
	n = k.realPort(pr.c.p.key, n)
	return net.JoinHostPort(host, strconv.Itoa(int(n))), nil
}

// resolvePort returns a probe's port number, looking a named port up in
// the container's ports.
func resolvePort(port intstr.IntOrString, c *workload.Container) (int32, error) {
	if port.Type == intstr.Int {
		if port.IntVal <= 0 || port.IntVal > 65535 {
			return 0, fmt.Errorf("port %d out of range", port.IntVal)
		}
		return port.IntVal, nil
	}
	for _, p := range c.Ports {
		if p.Name == port.StrVal {
			return p.ContainerPort, nil
		}
	}
	if n, err := strconv.Atoi(port.StrVal); err == nil && n > 0 && n <= 65535 {
		return int32(n), nil
	}
	return 0, fmt.Errorf("port %q: no container port of that name", port.StrVal)
}

// probeClient does httpGet probes as the kubelet's (pkg/probe/http): no
// keep-alive (no idle connection outlives a probe), certificates not
// checked, redirects followed only to the same host and at most 10 (a
// redirect to another host ends the probe with its 3xx, a success).
var probeClient = &http.Client{
	Transport: &http.Transport{
		DisableKeepAlives: true,
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // the kubelet does not verify probe certificates
	},
	CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Hostname() != via[0].URL.Hostname() {
			return http.ErrUseLastResponse
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	},
}

// probeRequest makes an httpGet probe's request as the kubelet's
// NewRequestForHTTPGetAction: every header of httpHeaders (several of one
// name all sent), Accept */* and User-Agent kube-probe/... unless given
// (an empty Accept sends none), and the Host header as the request's
// host.
func probeRequest(ctx context.Context, url string, headers []workload.HTTPHeader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	h := make(http.Header, len(headers)+2)
	for _, hd := range headers {
		h.Add(hd.Name, hd.Value)
	}
	if _, ok := h["User-Agent"]; !ok {
		h.Set("User-Agent", "kube-probe/orchestra")
	}
	if _, ok := h["Accept"]; !ok {
		h.Set("Accept", "*/*")
	} else if h.Get("Accept") == "" {
		h.Del("Accept")
	}
	req.Header = h
	req.Host = h.Get("Host")
	return req, nil
}

// errProbeTimeout ends a probe whose timeoutSeconds have passed.
var errProbeTimeout = errors.New("probe timed out")

// runProbe runs one probe, without the lock, bounded by timeoutSeconds on
// the kubelet's clock (as its periods and delays are: a scaled clock
// scales it too).
func (k *Kubelet) runProbe(pr *prober, target string) (bool, string) {
	ctx, cancel := context.WithCancelCause(k.ctx)
	defer cancel(nil)
	timer := k.clock.AfterFunc(time.Duration(pr.probe.TimeoutSeconds)*k.probeS, func() { cancel(errProbeTimeout) })
	defer timer.Stop()
	ok, msg := k.probeOnce(ctx, pr, target)
	if !ok && context.Cause(ctx) == errProbeTimeout {
		msg = "timeout of " + strconv.Itoa(int(pr.probe.TimeoutSeconds)) + "s exceeded: " + msg
	}
	return ok, msg
}

// probeOnce runs one probe with ctx.
func (k *Kubelet) probeOnce(ctx context.Context, pr *prober, target string) (bool, string) {
	h := &pr.probe.ProbeHandler
	switch {
	case h.Exec != nil:
		k.mu.Lock()
		hd := pr.c.h
		current := pr.c.run == pr.run
		k.mu.Unlock()
		ex, ok := hd.(Execer)
		if !current || !ok {
			return false, "exec probe: the container does not run"
		}
		code, err := ex.Exec(ctx, h.Exec.Command)
		if err != nil {
			return false, "exec probe: " + err.Error()
		}
		if code != 0 {
			return false, "exec probe: command " + strings.Join(h.Exec.Command, " ") + " exited with " + strconv.Itoa(code)
		}
		return true, ""
	case h.TCPSocket != nil:
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", target)
		if err != nil {
			return false, "tcpSocket probe: " + err.Error()
		}
		_ = conn.Close()
		return true, ""
	default:
		g := h.HTTPGet
		scheme := "http"
		if strings.EqualFold(g.Scheme, "HTTPS") {
			scheme = "https"
		}
		path := g.Path
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := probeRequest(ctx, scheme+"://"+target+path, g.HTTPHeaders)
		if err != nil {
			return false, "httpGet probe: " + err.Error()
		}
		resp, err := probeClient.Do(req)
		if err != nil {
			return false, "httpGet probe: " + err.Error()
		}
		_ = resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode >= 400 {
			return false, "HTTP probe failed with statuscode: " + strconv.Itoa(resp.StatusCode)
		}
		return true, ""
	}
}

// probeResult applies one probe result. Caller holds mu.
func (k *Kubelet) probeResult(pr *prober, ok bool, msg string) {
	c := pr.c
	if c.run != pr.run || !c.running {
		pr.stop()
		return
	}
	if ok {
		pr.succ, pr.fail = pr.succ+1, 0
	} else {
		pr.succ, pr.fail = 0, pr.fail+1
		// The prober records every failure (prober.go probe), before
		// the failure threshold counts it.
		k.event(c, workload.EventTypeWarning, "Unhealthy", probeTitle[pr.kind]+" probe failed: "+msg)
		if msg != pr.lastError {
			pr.lastError = msg
			k.logInfo("probe failed", "pod", c.p.key, "container", c.spec.Name, "probe", pr.kind, "err", msg)
		}
	}
	switch pr.kind {
	case probeStartup:
		switch {
		case ok:
			pr.stop()
			c.started = true
			c.st.Started = &trueVal
			k.startProbe(c, probeReadiness, c.spec.ReadinessProbe)
			k.startProbe(c, probeLiveness, c.spec.LivenessProbe)
			c.st.Ready = k.ready(c)
			if c.side {
				k.sidecarStarted(c)
			}
			k.update(c.p)
		case pr.fail >= pr.probe.FailureThreshold:
			pr.stop()
			k.probeKill(c, probeStartup, pr.probe.TerminationGracePeriodSeconds)
		}
	case probeReadiness:
		switch {
		case ok && pr.succ >= pr.probe.SuccessThreshold:
			c.probeOK = true
		case !ok && (pr.fail >= pr.probe.FailureThreshold || !c.probeOK):
			c.probeOK = false
		}
		k.setReady(c)
	case probeLiveness:
		if !ok && pr.fail >= pr.probe.FailureThreshold {
			pr.fail = 0
			k.probeKill(c, probeLiveness, pr.probe.TerminationGracePeriodSeconds)
		}
	}
}
