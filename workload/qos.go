package workload

import "k8s.io/apimachinery/pkg/api/resource"

// Quality of service classes of a pod (status.qosClass).
const (
	PodQOSGuaranteed = "Guaranteed"
	PodQOSBurstable  = "Burstable"
	PodQOSBestEffort = "BestEffort"
)

// PodQOSClass returns a pod's quality of service class as Kubernetes
// computes it (pkg/apis/core/helper/qos ComputePodQOS), over its
// containers and init containers, counting cpu and memory only and only
// quantities above zero: BestEffort when none requests or limits either;
// Guaranteed when every container limits both and the summed requests
// equal the summed limits; else Burstable.
func PodQOSClass(p *Pod) string {
	var req, lim [2]resource.Quantity
	var hasReq, hasLim [2]bool
	guaranteed := true
	for _, cs := range [2][]Container{p.Spec.Containers, p.Spec.InitContainers} {
		for i := range cs {
			r := &cs[i].Resources
			for k, name := range [2]string{ResourceCPU, ResourceMemory} {
				if q, ok := r.Requests[name]; ok && q.Sign() > 0 {
					req[k].Add(q)
					hasReq[k] = true
				}
			}
			limited := 0
			for k, name := range [2]string{ResourceCPU, ResourceMemory} {
				if q, ok := r.Limits[name]; ok && q.Sign() > 0 {
					lim[k].Add(q)
					hasLim[k] = true
					limited++
				}
			}
			if limited < 2 {
				guaranteed = false
			}
		}
	}
	if !hasReq[0] && !hasReq[1] && !hasLim[0] && !hasLim[1] {
		return PodQOSBestEffort
	}
	if guaranteed {
		for k := range req {
			if hasReq[k] != hasLim[k] || hasReq[k] && req[k].Cmp(lim[k]) != 0 {
				guaranteed = false
			}
		}
	}
	if guaranteed {
		return PodQOSGuaranteed
	}
	return PodQOSBurstable
}
