package fake

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/orchestra-go/orchestra/internal/podstatus"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var _ workload.EventReporter = (*Runtime)(nil)

// SetEventSink sets where the fake's kubelets report the events that a
// pod's status does not show (workload.EventReporter; a cluster over the
// runtime sets it): for a probe that fails (SetContainerReady false,
// SetContainerLive false), a Warning Unhealthy "Readiness probe failed:
// <output>" or "Liveness probe failed: <output>" every time it runs, and
// for a liveness probe past its failureThreshold a Normal Killing
// "Container <name> failed liveness probe, will be restarted" (no ", will
// be restarted" under restartPolicy Never; "Init container <name> failed
// liveness probe" for a sidecar), as the kubelet's prober and
// computePodActions word them. The output is what the kubelet's probe
// would say of a server that fails it: "HTTP probe failed with
// statuscode: 500" for an httpGet probe, "dial tcp <podIP>:<port>:
// connect: connection refused" for a tcpSocket one, nothing for an exec
// one (its command's output is not modelled) or a readiness probe the
// container does not declare. The sink is called with the runtime's lock
// held, on the goroutine that advances the clock. Nil stops the reports.
func (r *Runtime) SetEventSink(sink func(workload.KubeletEvent)) {
	r.mu.Lock()
	r.sink = sink
	r.mu.Unlock()
}

// event reports an event about c's pod to the sink. Caller holds mu.
func (r *Runtime) event(c *container, typ, reason, msg string) {
	if r.sink == nil {
		return
	}
	m := &c.p.snap.ObjectMeta
	r.sink(workload.KubeletEvent{Namespace: m.Namespace, Name: m.Name, UID: m.UID, Container: c.st.Name,
		Type: typ, Reason: reason, Message: msg})
}

// Probe kinds of a failing probe.
const (
	probeReadiness = "Readiness"
	probeLiveness  = "Liveness"
)

// prober is a failing probe of one container: while the container runs
// it fails every periodSeconds, each failure reported (Unhealthy); a
// liveness probe kills the run at its failureThreshold. It belongs to one
// run (gen): a new run gets a new one.
type prober struct {
	c     *container
	kind  string
	gen   uint64 // c.gen when the run started or the probe began to fail
	fails int32
	timer vtime.Timer
}

// SetContainerLive sets the result of a container's liveness probe, which
// its spec must declare: false makes it fail from now on, the first
// failure now and one every periodSeconds after, each reported as an
// Unhealthy event; at its failureThreshold the container is killed as the
// kubelet kills it (Killing event; asked to stop and, unless its
// behaviour's StopAfter makes it exit 0 first, killed, 137, when the
// probe's terminationGracePeriodSeconds, else the pod's, have passed, at
// least 2 s) and restarted as its restart policy says (under OnFailure
// whatever its exit code); its later runs fail the probe too, from a
// period after they start (initialDelaySeconds counted), until a call
// with true lets it pass again. An empty containerName names the pod's
// default container. A container that declares no livenessProbe, or a
// plain init container, is an error wrapping ErrInvalid, as is a pod or
// container that does not exist (workload.ErrPodNotFound,
// ErrContainerNotFound).
func (r *Runtime) SetContainerLive(namespace, pod, containerName string, live bool) error {
	return r.containerOp("SetContainerLive", namespace, pod, containerName, func(c *container, ref string) error {
		if s := c.spec(); s.LivenessProbe == nil || c.init && !c.side() {
			return fmt.Errorf("%w: fake: %s: container %q has no livenessProbe", ErrInvalid, ref, c.st.Name)
		}
		return nil
	}, func(c *container) {
		if live == (c.flags&flagLiveFails == 0) {
			return
		}
		if live {
			c.flags &^= flagLiveFails
			r.stopProber(c, probeLiveness)
			return
		}
		c.flags |= flagLiveFails
		if c.running && !c.p.done {
			r.probeFailed(r.newProber(c, probeLiveness))
		}
	})
}

// spec returns c's spec in its pod's spec.
func (c *container) spec() *workload.Container {
	p := c.p
	specs, cs := p.snap.Spec.Containers, p.apps()
	if c.init {
		specs, cs = p.snap.Spec.InitContainers, p.inits()
	}
	for i := range cs {
		if cs[i] == c {
			return &specs[i]
		}
	}
	return nil // not reached: c is one of its pod's
}

// probeSpec returns c's probe of kind, with Kubernetes' defaults for the
// fields used here (a readiness probe the spec does not declare: all
// defaults).
func (c *container) probeSpec(kind string) workload.Probe {
	var pr workload.Probe
	s := c.spec()
	if kind == probeLiveness && s.LivenessProbe != nil {
		pr = *s.LivenessProbe
	} else if kind == probeReadiness && s.ReadinessProbe != nil {
		pr = *s.ReadinessProbe
	}
	if pr.PeriodSeconds <= 0 {
		pr.PeriodSeconds = 10
	}
	if pr.FailureThreshold <= 0 {
		pr.FailureThreshold = 3
	}
	return pr
}

// newProber starts a failing probe of kind for c's current run, replacing
// one of that kind it had. Caller holds mu.
func (r *Runtime) newProber(c *container, kind string) *prober {
	r.stopProber(c, kind)
	pr := &prober{c: c, kind: kind, gen: c.gen}
	t := c.p.podTimers()
	t.probers = append(t.probers, pr)
	return pr
}

// stopProber stops c's failing probe of kind ("": all of c's). Caller
// holds mu.
func (r *Runtime) stopProber(c *container, kind string) {
	t := c.p.timers
	if t == nil {
		return
	}
	keep := t.probers[:0]
	for _, pr := range t.probers {
		if pr.c == c && (kind == "" || pr.kind == kind) {
			if pr.timer != nil {
				pr.timer.Stop()
			}
			continue
		}
		keep = append(keep, pr)
	}
	clear(t.probers[len(keep):])
	t.probers = keep
}

// startProbers starts the failing probes of c's new run: its first
// failure on the prober worker's first tick after initialDelaySeconds
// (internal/kubelet's firstProbe, with the run's start as the origin).
// Caller holds mu.
func (r *Runtime) startProbers(c *container) {
	if c.init && !c.side() {
		return
	}
	for _, kind := range [2]string{probeReadiness, probeLiveness} {
		if kind == probeReadiness && !c.probeFails() || kind == probeLiveness && c.flags&flagLiveFails == 0 {
			continue
		}
		ps := c.probeSpec(kind)
		period := time.Duration(ps.PeriodSeconds) * time.Second
		n := max(int64(1), (int64(ps.InitialDelaySeconds)*int64(time.Second)+int64(period)-1)/int64(period))
		pr := r.newProber(c, kind)
		pr.timer = r.clock.AfterFunc(time.Duration(n)*period, func() { r.probeTick(pr) })
	}
}

// probeTick runs a failing probe again.
func (r *Runtime) probeTick(pr *prober) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pr.timer = nil
	if r.closed || r.pods[pr.c.p.key] != pr.c.p {
		return
	}
	r.probeFailed(pr)
}

// probeFailed notes one failure of pr: an Unhealthy event, and for a
// liveness probe at its failureThreshold the kill; else the next failure
// a period later. A probe of a run that has ended, or of a pod stopping,
// goes. Caller holds mu.
func (r *Runtime) probeFailed(pr *prober) {
	c, p := pr.c, pr.c.p
	if !c.running || c.gen != pr.gen || p.done || p.terminating || p.pastDeadline {
		r.dropProber(pr)
		return
	}
	ps := c.probeSpec(pr.kind)
	pr.fails++
	r.event(c, workload.EventTypeWarning, "Unhealthy", pr.kind+" probe failed: "+probeOutput(c, &ps))
	if pr.kind == probeLiveness && pr.fails >= ps.FailureThreshold {
		r.dropProber(pr)
		r.livenessKill(c, &ps)
		return
	}
	pr.timer = r.clock.AfterFunc(time.Duration(ps.PeriodSeconds)*time.Second, func() { r.probeTick(pr) })
}

// dropProber forgets pr. Caller holds mu.
func (r *Runtime) dropProber(pr *prober) {
	t := pr.c.p.timers
	for i, q := range t.probers {
		if q == pr {
			if pr.timer != nil {
				pr.timer.Stop()
				pr.timer = nil
			}
			copy(t.probers[i:], t.probers[i+1:])
			t.probers[len(t.probers)-1] = nil
			t.probers = t.probers[:len(t.probers)-1]
			return
		}
	}
}

// livenessKill kills c's run because its liveness probe failed, as the
// kubelet's computePodActions and killContainer: a Killing event, then
// the run stopped as on deletion with the probe's grace period (else the
// pod's); its exit goes through the restart policy (under OnFailure it
// restarts whatever its exit code). Caller holds mu.
func (r *Runtime) livenessKill(c *container, ps *workload.Probe) {
	p := c.p
	r.event(c, workload.EventTypeNormal, "Killing", podstatus.ProbeKillMessage(c.st.Name, "liveness", c.side(), p.restartPolicy()))
	r.logInfo("container failed its liveness probe; killing", "pod", p.key, "container", c.st.Name)
	grace := p.grace()
	if g := ps.TerminationGracePeriodSeconds; g != nil {
		grace = max(time.Duration(*g)*time.Second, minimumGrace)
	}
	c.flags |= flagProbeKilled
	r.stopRun(c, r.clock.Now(), grace)
}

// probeOutput is what the kubelet's probe says of a server that fails it.
func probeOutput(c *container, ps *workload.Probe) string {
	switch h := &ps.ProbeHandler; {
	case h.HTTPGet != nil:
		return "HTTP probe failed with statuscode: 500"
	case h.TCPSocket != nil:
		port := h.TCPSocket.Port.String()
		if h.TCPSocket.Port.Type == intstr.String {
			for _, cp := range c.spec().Ports {
				if cp.Name == h.TCPSocket.Port.StrVal {
					port = strconv.Itoa(int(cp.ContainerPort))
				}
			}
		}
		host := h.TCPSocket.Host
		if host == "" {
			host = c.p.status.PodIP
		}
		return "dial tcp " + net.JoinHostPort(host, port) + ": connect: connection refused"
	}
	return ""
}
