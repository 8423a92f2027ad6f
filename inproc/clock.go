package inproc

import "github.com/orchestra-go/orchestra/vtime"

// Clock returns the clock the runtime's back-offs, grace periods and probes
// run on (Config.Clock, or the real clock). A cluster over the runtime must
// use the same one: orchestra.New refuses a runtime on a virtual clock
// that is not the cluster's, or on the real clock under a virtual-time
// cluster.
func (r *Runtime) Clock() vtime.Clock { return r.k.Clock() }
