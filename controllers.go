package orchestra

import (
	"github.com/orchestra-go/orchestra/controller"
)

// DefaultControllers returns the makers of every controller orchestra
// runs by default, in the order the control plane runs them.
func DefaultControllers() []func(controller.Deps) controller.Controller {
	return []func(controller.Deps) controller.Controller{
		controller.NewGarbageCollector,
		controller.NewNamespace,
		controller.NewNodeLifecycle,
		controller.NewPodGC,
		controller.NewDaemonSet,
		controller.NewJob,
		controller.NewTTLAfterFinished,
		controller.NewCronJob,
		controller.NewDeployment,
		controller.NewReplicaSet,
		controller.NewStatefulSet,
	}
}
