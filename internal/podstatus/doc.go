// Package podstatus holds the kubelet's rules for a pod's phase and
// conditions from its container statuses, shared by every runtime (fake,
// and the real ones through internal/kubelet) so that they all report a
// pod the same way.
package podstatus
