package main

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

//go:embed stack.yaml
var stackYAML []byte

const ns = "default"

type options struct {
	requests int       // requests per traffic phase
	speed    float64   // orchestra's clock speed-up
	out      io.Writer // the narrative
	// podCIDR is the first node's pod CIDR (zero: inproc's 127.1.0.0)
	// and serviceCIDR the Services' range (empty: 127.2.0.0/16): a
	// test gives ranges of its own, apart from other runs on the machine.
	podCIDR     netip.Addr
	serviceCIDR string
}

// stack is the running example: the cluster, its runtime, and what the
// narrative counts.
type stack struct {
	opts    options
	c       *orchestra.Cluster
	rt      *inproc.Runtime
	volumes sync.Map // claim name -> *volume
	lvs     *lvs

	backupAttempts atomic.Int32
	replaced       int
	stable         map[string]int
	progress       chan struct{} // a request finished

	mu       sync.Mutex
	perPod   map[string]int
	requests int
	failed   int
}

func (s *stack) say(format string, args ...any) {
	fmt.Fprintf(s.opts.out, format+"\n", args...)
}

func run(ctx context.Context, opts options) (Summary, error) {
	if opts.requests <= 0 {
		opts.requests = 300
	}
	s := &stack{opts: opts, perPod: map[string]int{}, progress: make(chan struct{}, 1)}
	clock := vtime.Scaled(time.Now().UTC(), opts.speed)
	if opts.serviceCIDR == "" {
		opts.serviceCIDR = "127.2.0.0/16"
	}
	rt, err := inproc.New(inproc.Config{Clock: clock, Nodes: []string{"node-1", "node-2", "node-3"}, FirstPodCIDR: opts.podCIDR})
	if err != nil {
		return Summary{}, err
	}
	s.rt = rt
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = rt.Shutdown(sctx)
	}()
	s.register()
	c, err := orchestra.New(orchestra.Config{
		Runtime: rt, Clock: clock, Seed: 1,
		Services: service.Config{ServiceCIDR: opts.serviceCIDR, Proxy: &service.ProxyConfig{}},
	})
	if err != nil {
		return Summary{}, err
	}
	s.c = c
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	defer func() {
		stop()
		<-done
		c.Close()
	}()

	steps := []func(context.Context) error{s.deploy, s.topology, s.spread, s.killPod, s.addNode, s.removeNode, s.backups}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return Summary{}, err
		}
	}
	s.lvs.close()
	return s.summary(ctx), nil
}

// register makes the stack's programs available as func:// images.
func (s *stack) register() {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(s.rt.Register("mysql", func(ctx context.Context, ct *inproc.Container) error {
		ln, err := ct.Listen("tcp", 3306)
		if err != nil {
			return err
		}
		claim := "data-" + ct.Pod().Name
		v, _ := s.volumes.LoadOrStore(claim, newVolume())
		fmt.Fprintf(ct.Stdout(), "mysql listening on %s, data in %s\n", ln.Addr(), claim)
		ct.Ready() // as a readiness probe would: ready once it listens
		return serveKV(ctx, ln, v.(*volume), ct.Stdout())
	}, inproc.WaitForReady()))
	must(s.rt.Register("php-fpm", func(ctx context.Context, ct *inproc.Container) error {
		ln, err := ct.Listen("tcp", 9000)
		if err != nil {
			return err
		}
		ct.Ready()
		return servePHP(ctx, ln, ct.Pod().Name, s.dialMySQL)
	}, inproc.WaitForReady()))
	must(s.rt.Register("squid", func(ctx context.Context, ct *inproc.Container) error {
		ln, err := ct.Listen("tcp", 3128)
		if err != nil {
			return err
		}
		// The upstream is the php-fpm Service, by name: its ClusterIP
		// stays when php-fpm pods come and go.
		addrs, err := s.c.Resolver().LookupHost(ns, "php-fpm")
		if err != nil {
			return err
		}
		ct.Ready()
		return serveSquid(ctx, ln, ct.Pod().Name, net.JoinHostPort(addrs[0], "9000"))
	}, inproc.WaitForReady()))
	must(s.rt.Register("log-collector", func(ctx context.Context, ct *inproc.Container) error {
		return s.collectLogs(ctx, ct)
	}))
	must(s.rt.Register("backup", func(ctx context.Context, ct *inproc.Container) error {
		// The one-off backup Job's first two attempts fail, so that it
		// shows its retries; the scheduled runs succeed.
		job := ct.Pod().Labels[workload.JobNameLabel]
		n := int32(0)
		if job == "backup" {
			n = s.backupAttempts.Add(1)
			if n <= 2 {
				fmt.Fprintf(ct.Stdout(), "backup attempt %d: mysql busy, giving up\n", n)
				return inproc.Exit(1)
			}
		}
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		keys, err := kvDump(dctx, s.dialMySQL)
		if err != nil {
			fmt.Fprintf(ct.Stdout(), "backup attempt %d: dump failed: %v\n", n, err)
			return err
		}
		fmt.Fprintf(ct.Stdout(), "backup attempt %d: dumped %d keys\n", n, keys)
		return nil
	}))
}

// dialMySQL reaches mysql by its Service name (headless: the name resolves
// to the ready pod's address).
func (s *stack) dialMySQL(ctx context.Context) (net.Conn, error) {
	addrs, err := s.c.Resolver().LookupHost(ns, "mysql")
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", net.JoinHostPort(addrs[0], "3306"))
}

// collectLogs is the log-collector DaemonSet's program: it gathers the logs
// of the pods on its node.
func (s *stack) collectLogs(ctx context.Context, ct *inproc.Container) error {
	node := ct.Getenv("NODE_NAME")
	fmt.Fprintf(ct.Stdout(), "collecting logs on %s\n", node)
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		pods, err := s.c.Pods("", "")
		if err != nil {
			continue
		}
		lines := 0
		for _, p := range pods {
			if p.Spec.NodeName != node || p.Name == ct.Pod().Name {
				continue
			}
			for _, c := range p.Spec.Containers {
				if b, err := s.rt.Logs(ctx, p.Namespace, p.Name, c.Name, false); err == nil {
					lines += strings.Count(string(b), "\n")
				}
			}
		}
		fmt.Fprintf(ct.Stdout(), "%s: %d log lines on the node\n", node, lines)
	}
}

// waitFor waits until cond holds, checked each time the cluster has done
// the work that is ready (Cluster.WaitFor).
func (s *stack) waitFor(ctx context.Context, what string, timeout time.Duration, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := s.c.WaitFor(ctx, cond); err != nil {
		return fmt.Errorf("waiting for %s: %w", what, err)
	}
	return nil
}

func (s *stack) deployment(name string) *workload.Deployment {
	o, err := s.c.Get("Deployment", ns, name)
	if err != nil {
		return nil
	}
	return o.(*workload.Deployment)
}

func (s *stack) available(name string, want int32) bool {
	d := s.deployment(name)
	return d != nil && d.Status.AvailableReplicas == want && d.Status.UpdatedReplicas == want && d.Status.Replicas == want
}

func (s *stack) nodes() []string {
	objs, _ := s.c.List("Node", "", "")
	var out []string
	for _, o := range objs {
		out = append(out, o.GetObjectMeta().Name)
	}
	return out
}

func (s *stack) daemonReady() bool {
	o, err := s.c.Get("DaemonSet", ns, "log-collector")
	if err != nil {
		return false
	}
	st := o.(*workload.DaemonSet).Status
	n := int32(len(s.nodes()))
	return st.DesiredNumberScheduled == n && st.NumberReady == n && st.CurrentNumberScheduled == n
}

func (s *stack) mysqlReady() bool {
	addrs, err := s.c.Resolver().LookupHost(ns, "mysql")
	return err == nil && len(addrs) == 1
}

// deploy applies the stack and waits until it serves.
func (s *stack) deploy(ctx context.Context) error {
	objs, warnings, err := workload.Decode(stackYAML, "stack.yaml")
	if err != nil {
		return err
	}
	for _, w := range warnings {
		s.say("warning: %s", w)
	}
	for _, o := range objs {
		if _, err := s.c.Apply(o); err != nil {
			return err
		}
	}
	s.say("== deploying the web stack on %s", strings.Join(s.nodes(), ", "))
	if err := s.waitFor(ctx, "the stack to be ready", 30*time.Second, func() bool {
		return s.mysqlReady() && s.available("php-fpm", 3) && s.available("squid", 3) && s.daemonReady()
	}); err != nil {
		return err
	}
	l, err := newLVS(s)
	if err != nil {
		return err
	}
	s.lvs = l
	return nil
}

// topology prints where everything runs.
func (s *stack) topology(ctx context.Context) error {
	s.say("\n== topology")
	pods, _ := s.c.Pods(ns, "")
	byNode := map[string][]string{}
	for _, p := range pods {
		if p.Status.Phase != workload.PodRunning {
			continue
		}
		byNode[p.Spec.NodeName] = append(byNode[p.Spec.NodeName], fmt.Sprintf("%s (%s)", p.Name, p.Status.PodIP))
	}
	for _, n := range s.nodes() {
		s.say("  %s: %s", n, strings.Join(byNode[n], ", "))
	}
	svcs, _ := s.c.List("Service", ns, "")
	for _, o := range svcs {
		svc := o.(*workload.Service)
		ports := []string{}
		for _, p := range svc.Spec.Ports {
			pp := fmt.Sprintf("%d", p.Port)
			if p.NodePort != 0 {
				pp += fmt.Sprintf(" (node port %d)", p.NodePort)
			}
			ports = append(ports, pp)
		}
		s.say("  service %-8s %-9s %-13s port %s", svc.Name, svc.Spec.Type, svc.Spec.ClusterIP, strings.Join(ports, ","))
	}
	s.say("  lvs front %s -> squid's node port on every node: %s", s.lvs.addr(), strings.Join(s.lvs.backends, ", "))
	return nil
}

// request sends one request through lvs and counts who served it.
func (s *stack) request(client *http.Client, path string) {
	resp, err := client.Get("http://" + s.lvs.addr() + path)
	served := ""
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		served = resp.Header.Get("X-Served-By")
		if resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %s", resp.Status)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if err != nil || served == "" {
		s.failed++
		fmt.Fprintf(s.opts.out, "  request failed: %v\n", err)
		return
	}
	s.perPod[served]++
	select {
	case s.progress <- struct{}{}:
	default:
	}
}

func newClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
}

// spread sends requests one after another and shows how they spread over
// the php-fpm pods.
func (s *stack) spread(ctx context.Context) error {
	s.say("\n== %d requests through lvs -> squid -> php-fpm -> mysql", s.opts.requests)
	before := s.snapshot()
	client := newClient()
	for i := 0; i < s.opts.requests; i++ {
		s.request(client, fmt.Sprintf("/page-%d", i%5))
	}
	after := s.snapshot()
	s.stable = map[string]int{}
	for _, pod := range sortedKeys(after) {
		s.stable[pod] = after[pod] - before[pod]
		s.say("  %s served %d", pod, after[pod]-before[pod])
	}
	s.say("  failed: %d", s.failedCount())
	return nil
}

func (s *stack) snapshot() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.perPod))
	for k, v := range s.perPod {
		out[k] = v
	}
	return out
}

func (s *stack) failedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// phpPods returns the running php-fpm pods, by name.
func (s *stack) phpPods() map[string]string {
	pods, _ := s.c.Pods(ns, "app=php-fpm")
	out := map[string]string{}
	for _, p := range pods {
		if p.DeletionTimestamp == nil && p.Status.Phase == workload.PodRunning {
			out[p.Name] = p.Status.PodIP
		}
	}
	return out
}

// killPod deletes a php-fpm pod while traffic flows.
func (s *stack) killPod(ctx context.Context) error {
	s.say("\n== killing a php-fpm pod while traffic flows")
	before := s.phpPods()
	names := make([]string, 0, len(before))
	for n := range before {
		names = append(names, n)
	}
	sort.Strings(names)
	victim := names[0]
	failedBefore := s.failedCount()
	stopTraffic := s.traffic(4)
	s.waitRequests(ctx, s.opts.requests/3)
	if err := s.c.DeletePod(ns, victim, nil); err != nil {
		return err
	}
	s.say("  deleted %s (%s)", victim, before[victim])
	err := s.waitFor(ctx, "a replacement php-fpm pod", 30*time.Second, func() bool {
		now := s.phpPods()
		_, gone := now[victim]
		return !gone && len(now) == 3 && s.available("php-fpm", 3)
	})
	if err != nil {
		stopTraffic()
		return err
	}
	s.waitRequests(ctx, s.opts.requests/3)
	stopTraffic()
	for name, ip := range s.phpPods() {
		if _, old := before[name]; !old {
			s.say("  replaced by %s with a new address %s", name, ip)
			s.replaced++
		}
	}
	s.say("  failed requests while it happened: %d", s.failedCount()-failedBefore)
	return nil
}

// traffic sends requests from n clients until the returned stop is called.
func (s *stack) traffic(n int) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := newClient()
			for j := 0; ctx.Err() == nil; j++ {
				s.request(client, fmt.Sprintf("/page-%d", j%5))
			}
		}()
	}
	return func() { cancel(); wg.Wait() }
}

// waitRequests waits until n more requests have been served.
func (s *stack) waitRequests(ctx context.Context, n int) {
	s.mu.Lock()
	target := s.requests + n
	s.mu.Unlock()
	for {
		s.mu.Lock()
		done := s.requests >= target
		s.mu.Unlock()
		if done {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-s.progress:
		}
	}
}

// podsOn returns the running pods on a node.
func (s *stack) podsOn(node string) []*workload.Pod {
	pods, _ := s.c.Pods(ns, "")
	var out []*workload.Pod
	for _, p := range pods {
		if p.Spec.NodeName == node && p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out
}

// live returns the number of pods of app that are not terminating.
func (s *stack) live(app string) int {
	pods, _ := s.c.Pods(ns, "app="+app)
	n := 0
	for _, p := range pods {
		if p.DeletionTimestamp == nil {
			n++
		}
	}
	return n
}

// addNode adds a node: its log collector appears.
func (s *stack) addNode(ctx context.Context) error {
	s.say("\n== node-4 joins")
	if err := s.rt.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-4"}}); err != nil {
		return err
	}
	err := s.waitFor(ctx, "a log collector on node-4", 30*time.Second, func() bool {
		for _, p := range s.podsOn("node-4") {
			if strings.HasPrefix(p.Name, "log-collector-") && p.Status.Phase == workload.PodRunning {
				return s.daemonReady()
			}
		}
		return false
	})
	if err != nil {
		return err
	}
	for _, p := range s.podsOn("node-4") {
		s.say("  %s started on node-4 (%s)", p.Name, p.Status.PodIP)
	}
	if err := s.lvs.syncNodes(); err != nil {
		return err
	}
	s.say("  lvs now spreads over %d nodes", len(s.lvs.backends))
	return nil
}

// removeNode removes a node that does not hold the database: its pods move.
func (s *stack) removeNode(ctx context.Context) error {
	mysqlNode := ""
	if o, err := s.c.Get("Pod", ns, "mysql-0"); err == nil {
		mysqlNode = o.(*workload.Pod).Spec.NodeName
	}
	victim := ""
	for _, n := range []string{"node-1", "node-2", "node-3"} {
		if n != mysqlNode {
			victim = n
			break
		}
	}
	var moving []string
	for _, p := range s.podsOn(victim) {
		if p.Status.Phase == workload.PodRunning && !strings.HasPrefix(p.Name, "log-collector") {
			moving = append(moving, p.Name)
		}
	}
	s.say("\n== %s leaves, with %s", victim, strings.Join(moving, ", "))
	if err := s.rt.RemoveNode(victim); err != nil {
		return err
	}
	err := s.waitFor(ctx, "the stack to recover from the node's loss", 30*time.Second, func() bool {
		// A Deployment's status lags its pods: right after the node's pods
		// are gone it still says 3 available until the ReplicaSet has made
		// the replacements, so count the live pods too.
		return s.available("php-fpm", 3) && s.available("squid", 3) && s.daemonReady() && len(s.podsOn(victim)) == 0 &&
			s.live("php-fpm") == 3 && s.live("squid") == 3
	})
	if err != nil {
		return err
	}
	s.replaced += len(moving)
	if err := s.lvs.syncNodes(); err != nil {
		return err
	}
	for _, app := range []string{"php-fpm", "squid"} {
		pods, _ := s.c.Pods(ns, "app="+app)
		var where []string
		for _, p := range pods {
			if p.DeletionTimestamp == nil {
				where = append(where, p.Name+" on "+p.Spec.NodeName)
			}
		}
		s.say("  %s now: %s", app, strings.Join(where, ", "))
	}
	// The traffic still flows, through the nodes that are left.
	before := s.failedCount()
	client := newClient()
	for i := 0; i < s.opts.requests/3; i++ {
		s.request(client, "/after-node-loss")
	}
	s.say("  %d more requests, %d failed", s.opts.requests/3, s.failedCount()-before)
	return nil
}

func jobDone(j *workload.Job) (complete, failed bool) {
	for _, c := range j.Status.Conditions {
		if c.Status == workload.ConditionTrue && c.Type == workload.JobComplete {
			complete = true
		}
		if c.Status == workload.ConditionTrue && c.Type == workload.JobFailed {
			failed = true
		}
	}
	return
}

// backupsSucceeded counts the backup Jobs (the one-off and the CronJob's)
// that completed.
func (s *stack) backupsSucceeded() int {
	objs, _ := s.c.List("Job", ns, "")
	n := 0
	for _, o := range objs {
		if ok, _ := jobDone(o.(*workload.Job)); ok {
			n++
		}
	}
	return n
}

// backups waits for the backup Job (retried until it succeeds) and two
// scheduled runs.
func (s *stack) backups(ctx context.Context) error {
	s.say("\n== backups")
	err := s.waitFor(ctx, "the backups", 30*time.Second, func() bool {
		o, err := s.c.Get("Job", ns, "backup")
		if err != nil {
			return false
		}
		ok, _ := jobDone(o.(*workload.Job))
		return ok && s.backupsSucceeded() >= 3
	})
	if err != nil {
		return err
	}
	o, _ := s.c.Get("Job", ns, "backup")
	j := o.(*workload.Job)
	s.say("  job backup: %d failed attempts, then succeeded (a new pod each time, after the Job's back-off)", j.Status.Failed)
	objs, _ := s.c.List("Job", ns, "")
	for _, o := range objs {
		j := o.(*workload.Job)
		if strings.HasPrefix(j.Name, "scheduled-backup-") {
			ok, _ := jobDone(j)
			s.say("  cron run %s (scheduled %s): complete=%v", j.Name, j.Annotations[workload.CronJobScheduledTimestamp], ok)
		}
	}
	return nil
}

func (s *stack) summary(ctx context.Context) Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	per := map[string]int{}
	for k, v := range s.perPod {
		per[k] = v
	}
	return Summary{Requests: s.requests, Failed: s.failed, PerPod: per, PodsReplaced: s.replaced, BackupsSucceeded: s.backupsSucceeded(),
		StableSpread: s.stable}
}
