package scenario

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// WriteTable writes what `kubectl get` would show at the end of the play,
// kind by kind, then the events, as `kubectl get events` does.
func (r *Result) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	age := func(t workload.Time) string { return shortDuration(r.End.Sub(t.Time)) }
	section := func(title string, header string) {
		fmt.Fprintf(tw, "\n%s\n%s\n", title, header)
	}
	fmt.Fprintf(tw, "simulated %s to %s (%s)\n", r.Start.Format(time.RFC3339), r.End.Format(time.RFC3339), shortDuration(r.End.Sub(r.Start)))

	section("NODES", "NAME\tSTATUS\tTAINTS\tAGE")
	for _, n := range r.Nodes {
		status := "NotReady"
		for _, c := range n.Status.Conditions {
			if c.Type == workload.NodeReady {
				switch c.Status {
				case workload.ConditionTrue:
					status = "Ready"
				case workload.ConditionUnknown:
					status = "Unknown"
				}
			}
		}
		if n.Spec.Unschedulable {
			status += ",SchedulingDisabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", n.Name, status, len(n.Spec.Taints), age(n.CreationTimestamp))
	}
	byKind := map[string][]workload.Object{}
	for _, o := range r.Objects {
		byKind[o.Kind()] = append(byKind[o.Kind()], o)
	}
	if objs := byKind["Deployment"]; len(objs) > 0 {
		section("DEPLOYMENTS", "NAMESPACE\tNAME\tREADY\tUP-TO-DATE\tAVAILABLE\tAGE")
		for _, o := range objs {
			d := o.(*workload.Deployment)
			fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%d\t%d\t%s\n", d.Namespace, d.Name, d.Status.ReadyReplicas, deref32(d.Spec.Replicas, 1),
				d.Status.UpdatedReplicas, d.Status.AvailableReplicas, age(d.CreationTimestamp))
		}
	}
	if objs := byKind["ReplicaSet"]; len(objs) > 0 {
		section("REPLICASETS", "NAMESPACE\tNAME\tDESIRED\tCURRENT\tREADY\tAGE")
		for _, o := range objs {
			x := o.(*workload.ReplicaSet)
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\n", x.Namespace, x.Name, deref32(x.Spec.Replicas, 1), x.Status.Replicas, x.Status.ReadyReplicas, age(x.CreationTimestamp))
		}
	}
	if objs := byKind["StatefulSet"]; len(objs) > 0 {
		section("STATEFULSETS", "NAMESPACE\tNAME\tREADY\tAGE")
		for _, o := range objs {
			x := o.(*workload.StatefulSet)
			fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%s\n", x.Namespace, x.Name, x.Status.ReadyReplicas, deref32(x.Spec.Replicas, 1), age(x.CreationTimestamp))
		}
	}
	if objs := byKind["DaemonSet"]; len(objs) > 0 {
		section("DAEMONSETS", "NAMESPACE\tNAME\tDESIRED\tCURRENT\tREADY\tUP-TO-DATE\tAVAILABLE\tNODE SELECTOR\tAGE")
		for _, o := range objs {
			x := o.(*workload.DaemonSet)
			sel := "<none>"
			if len(x.Spec.Template.Spec.NodeSelector) > 0 {
				sel = joinMap(x.Spec.Template.Spec.NodeSelector)
			}
			st := x.Status
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", x.Namespace, x.Name, st.DesiredNumberScheduled, st.CurrentNumberScheduled,
				st.NumberReady, st.UpdatedNumberScheduled, st.NumberAvailable, sel, age(x.CreationTimestamp))
		}
	}
	if objs := byKind["Job"]; len(objs) > 0 {
		section("JOBS", "NAMESPACE\tNAME\tSTATUS\tCOMPLETIONS\tDURATION\tAGE")
		for _, o := range objs {
			j := o.(*workload.Job)
			// As kubectl's printJob: the first of these that holds.
			jobCond := func(typ string) bool {
				for _, c := range j.Status.Conditions {
					if c.Type == typ && c.Status == workload.ConditionTrue {
						return true
					}
				}
				return false
			}
			status := "Running"
			switch {
			case jobCond(workload.JobComplete):
				status = "Complete"
			case jobCond(workload.JobFailed):
				status = "Failed"
			case j.DeletionTimestamp != nil:
				status = "Terminating"
			case jobCond(workload.JobSuspended):
				status = "Suspended"
			case jobCond(workload.JobFailureTarget):
				status = "FailureTarget"
			case jobCond(workload.JobSuccessCriteriaMet):
				status = "SuccessCriteriaMet"
			}
			completions := fmt.Sprintf("%d/%d", j.Status.Succeeded, deref32(j.Spec.Completions, 1))
			if j.Spec.Completions == nil {
				completions = fmt.Sprintf("%d/1", j.Status.Succeeded)
				if par := deref32(j.Spec.Parallelism, 0); par > 1 {
					completions = fmt.Sprintf("%d/1 of %d", j.Status.Succeeded, par)
				}
			}
			dur := ""
			if j.Status.StartTime != nil {
				end := r.End
				if j.Status.CompletionTime != nil {
					end = j.Status.CompletionTime.Time
				}
				dur = shortDuration(end.Sub(j.Status.StartTime.Time))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", j.Namespace, j.Name, status, completions, dur, age(j.CreationTimestamp))
		}
	}
	if objs := byKind["CronJob"]; len(objs) > 0 {
		section("CRONJOBS", "NAMESPACE\tNAME\tSCHEDULE\tTIMEZONE\tSUSPEND\tACTIVE\tLAST SCHEDULE\tAGE")
		for _, o := range objs {
			cj := o.(*workload.CronJob)
			tz := "<none>"
			if cj.Spec.TimeZone != nil {
				tz = *cj.Spec.TimeZone
			}
			last := "<none>"
			if cj.Status.LastScheduleTime != nil {
				last = age(*cj.Status.LastScheduleTime)
			}
			suspend := "<unset>" // kubectl's printBoolPtr
			if cj.Spec.Suspend != nil {
				suspend = "False"
				if *cj.Spec.Suspend {
					suspend = "True"
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", cj.Namespace, cj.Name, cj.Spec.Schedule, tz,
				suspend, len(cj.Status.Active), last, age(cj.CreationTimestamp))
		}
	}
	if objs := byKind["Service"]; len(objs) > 0 {
		// As kubectl's printService: EXTERNAL-IP from getServiceExternalIP,
		// PORT(S) from makePortString, "<none>" for what is empty.
		section("SERVICES", "NAMESPACE\tNAME\tTYPE\tCLUSTER-IP\tEXTERNAL-IP\tPORT(S)\tAGE")
		for _, o := range objs {
			s := o.(*workload.Service)
			var ports []string
			for _, p := range s.Spec.Ports {
				pp := fmt.Sprintf("%d", p.Port)
				if p.NodePort != 0 {
					pp += fmt.Sprintf(":%d", p.NodePort)
				}
				ports = append(ports, pp+"/"+orDefault(p.Protocol, "TCP"))
			}
			typ := orDefault(s.Spec.Type, workload.ServiceTypeClusterIP)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Namespace, s.Name, typ,
				orDefault(s.Spec.ClusterIP, "<none>"), serviceExternalIP(s, typ), orDefault(strings.Join(ports, ","), "<none>"), age(s.CreationTimestamp))
		}
	}
	if objs := byKind["PersistentVolumeClaim"]; len(objs) > 0 {
		section("PERSISTENTVOLUMECLAIMS", "NAMESPACE\tNAME\tSTATUS\tAGE")
		for _, o := range objs {
			pvc := o.(*workload.PersistentVolumeClaim)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", pvc.Namespace, pvc.Name, orDefault(pvc.Status.Phase, "Pending"), age(pvc.CreationTimestamp))
		}
	}
	section("PODS", "NAMESPACE\tNAME\tREADY\tSTATUS\tRESTARTS\tAGE\tIP\tNODE")
	for _, p := range r.Pods {
		row := podRowOf(p)
		restarts := strconv.Itoa(row.restarts)
		if row.restarts != 0 && !row.lastRestart.IsZero() {
			restarts += " (" + age(row.lastRestart) + " ago)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%s\t%s\t%s\t%s\t%s\n", p.Namespace, p.Name, row.ready, row.total, row.status, restarts,
			age(p.CreationTimestamp), orDefault(p.Status.PodIP, "<none>"), orDefault(p.Spec.NodeName, "<none>"))
	}
	section("EVENTS", "LAST SEEN\tTYPE\tREASON\tOBJECT\tCOUNT\tMESSAGE")
	evs := append([]EventRecord(nil), r.Events...)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].LastTime.Before(evs[j].LastTime) })
	for _, e := range evs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", shortDuration(r.End.Sub(e.LastTime)), e.Type, e.Reason, e.Object, e.Count, e.Message)
	}
	return tw.Flush()
}

// podRow is what kubectl get pods shows of a pod: READY, STATUS and
// RESTARTS.
type podRow struct {
	ready       int
	status      string
	total       int // containers and sidecars
	restarts    int
	lastRestart workload.Time // of the restarts counted; zero if none
}

// podRowOf computes the columns as kubectl's printPod does
// (pkg/printers/internalversion/printers.go): STATUS is the pod's reason,
// else its phase; while an init container has not succeeded, "Init:" and
// its terminated or waiting reason, or "Init:i/n"; after that the last
// waiting or terminated reason among the containers, scanned from the
// last ("Completed" reads "Running", or "NotReady", while another container
// still runs); "Terminating" for a deleted pod that has not finished
// ("Unknown" if its node was lost). READY counts running, ready
// containers and started, ready sidecars, of all containers and
// sidecars; RESTARTS sums the init containers' restarts while
// initializing, else the sidecars' and containers', with the time of
// the last one. A started sidecar counts as initialized.
func podRowOf(p *workload.Pod) podRow {
	st := &p.Status
	row := podRow{status: orDefault(st.Phase, "Pending"), total: len(p.Spec.Containers)}
	inits := p.Spec.InitContainers
	sidecar := func(i int) bool { return i < len(inits) && workload.IsSidecar(&inits[i]) }
	var sideRestarts int
	var sideLast workload.Time
	for i := range inits {
		if sidecar(i) {
			row.total++
		}
	}
	if st.Reason != "" {
		row.status = st.Reason
	}
	later := func(t *workload.ContainerStateTerminated) {
		if t != nil && row.lastRestart.Before(t.FinishedAt.Time) {
			row.lastRestart = t.FinishedAt
		}
	}
	initializing := false
	for i := range st.InitContainerStatuses {
		cs := &st.InitContainerStatuses[i]
		row.restarts += int(cs.RestartCount)
		later(cs.LastTerminationState.Terminated)
		t, w := cs.State.Terminated, cs.State.Waiting
		if sidecar(i) {
			sideRestarts += int(cs.RestartCount)
			if lt := cs.LastTerminationState.Terminated; lt != nil && sideLast.Before(lt.FinishedAt.Time) {
				sideLast = lt.FinishedAt
			}
		}
		switch {
		case t != nil && t.ExitCode == 0:
			continue
		case sidecar(i) && cs.Started != nil && *cs.Started:
			if cs.Ready {
				row.ready++
			}
			continue
		case t != nil:
			switch {
			case t.Reason != "":
				row.status = "Init:" + t.Reason
			case t.Signal != 0:
				row.status = fmt.Sprintf("Init:Signal:%d", t.Signal)
			default:
				row.status = fmt.Sprintf("Init:ExitCode:%d", t.ExitCode)
			}
		case w != nil && w.Reason != "" && w.Reason != "PodInitializing":
			row.status = "Init:" + w.Reason
		default:
			row.status = fmt.Sprintf("Init:%d/%d", i, len(p.Spec.InitContainers))
		}
		initializing = true
		break
	}
	if !initializing || condTrue(st.Conditions, workload.PodInitialized) {
		row.restarts, row.lastRestart = sideRestarts, sideLast
		hasRunning := false
		for i := len(st.ContainerStatuses) - 1; i >= 0; i-- {
			cs := &st.ContainerStatuses[i]
			row.restarts += int(cs.RestartCount)
			later(cs.LastTerminationState.Terminated)
			t, w := cs.State.Terminated, cs.State.Waiting
			switch {
			case w != nil && w.Reason != "":
				row.status = w.Reason
			case t != nil && t.Reason != "":
				row.status = t.Reason
			case t != nil && t.Signal != 0:
				row.status = fmt.Sprintf("Signal:%d", t.Signal)
			case t != nil:
				row.status = fmt.Sprintf("ExitCode:%d", t.ExitCode)
			case cs.Ready && cs.State.Running != nil:
				hasRunning = true
				row.ready++
			}
		}
		if row.status == "Completed" && hasRunning {
			row.status = "NotReady"
			if condTrue(st.Conditions, workload.PodReady) {
				row.status = "Running"
			}
		}
	}
	terminal := st.Phase == workload.PodSucceeded || st.Phase == workload.PodFailed
	switch {
	case p.DeletionTimestamp != nil && st.Reason == "NodeLost":
		row.status = "Unknown"
	case p.DeletionTimestamp != nil && !terminal:
		row.status = "Terminating"
	}
	return row
}

func condTrue(conds []workload.PodCondition, typ string) bool {
	for _, c := range conds {
		if c.Type == typ {
			return c.Status == workload.ConditionTrue
		}
	}
	return false
}

func deref32(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func joinMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ",")
}

// shortDuration formats an age as kubectl's HumanDuration does: 45s,
// 3m20s, 30m, 5h10m, 20h, 3d4h, 30d.
func shortDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	sec := int(d / time.Second)
	min := int(d / time.Minute)
	hour := int(d / time.Hour)
	switch {
	case sec < 60*2:
		return fmt.Sprintf("%ds", sec)
	case min < 10:
		if s := sec % 60; s != 0 {
			return fmt.Sprintf("%dm%ds", min, s)
		}
		return fmt.Sprintf("%dm", min)
	case min < 60*3:
		return fmt.Sprintf("%dm", min)
	case hour < 8:
		if m := min % 60; m != 0 {
			return fmt.Sprintf("%dh%dm", hour, m)
		}
		return fmt.Sprintf("%dh", hour)
	case hour < 48:
		return fmt.Sprintf("%dh", hour)
	case hour < 24*8:
		if h := hour % 24; h != 0 {
			return fmt.Sprintf("%dd%dh", hour/24, h)
		}
		return fmt.Sprintf("%dd", hour/24)
	default:
		return fmt.Sprintf("%dd", hour/24)
	}
}

// serviceExternalIP is kubectl's EXTERNAL-IP of a Service (printers.go
// getServiceExternalIP): the load balancer's addresses or "<pending>",
// the externalName, or "<none>".
func serviceExternalIP(s *workload.Service, typ string) string {
	switch typ {
	case workload.ServiceTypeLoadBalancer:
		var ips []string
		for _, in := range s.Status.LoadBalancer.Ingress {
			if in.IP != "" {
				ips = append(ips, in.IP)
			} else if in.Hostname != "" {
				ips = append(ips, in.Hostname)
			}
		}
		return orDefault(strings.Join(ips, ","), "<pending>")
	case workload.ServiceTypeExternalName:
		return s.Spec.ExternalName
	}
	return "<none>"
}
