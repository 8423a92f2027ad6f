package kubelet

import "github.com/orchestra-go/orchestra/vtime"

// Clock returns the clock the kubelet's back-offs, grace periods and probes
// run on (Config.Clock, or the real clock).
func (k *Kubelet) Clock() vtime.Clock { return k.clock }
