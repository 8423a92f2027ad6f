package workload

// CopyStatus deep-copies the status of src into dst, two objects of the
// same kind, and reports whether the kind has a status. The store uses it
// to take only the status of a status update, not a copy of the whole
// object.
func CopyStatus(dst, src Object) bool {
	switch s := src.(type) {
	case *Pod:
		s.Status.DeepCopyInto(&dst.(*Pod).Status)
	case *Node:
		s.Status.DeepCopyInto(&dst.(*Node).Status)
	case *Service:
		s.Status.DeepCopyInto(&dst.(*Service).Status)
	case *PersistentVolumeClaim:
		s.Status.DeepCopyInto(&dst.(*PersistentVolumeClaim).Status)
	case *DaemonSet:
		s.Status.DeepCopyInto(&dst.(*DaemonSet).Status)
	case *Deployment:
		s.Status.DeepCopyInto(&dst.(*Deployment).Status)
	case *ReplicaSet:
		s.Status.DeepCopyInto(&dst.(*ReplicaSet).Status)
	case *StatefulSet:
		s.Status.DeepCopyInto(&dst.(*StatefulSet).Status)
	case *Job:
		s.Status.DeepCopyInto(&dst.(*Job).Status)
	case *CronJob:
		s.Status.DeepCopyInto(&dst.(*CronJob).Status)
	default:
		return false
	}
	return true
}
