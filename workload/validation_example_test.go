package workload_test

import (
	"errors"
	"fmt"

	"github.com/orchestra-go/orchestra/workload"
)

func ExampleValidate() {
	d := &workload.Deployment{
		ObjectMeta: workload.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: workload.DeploymentSpec{
			Replicas: workload.Ptr[int32](-1),
			Selector: &workload.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": "api"}},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "web"}}},
			},
		},
	}
	err := workload.Validate(d)
	fmt.Println(errors.Is(err, workload.ErrInvalid))
	var ve *workload.ValidationError
	if errors.As(err, &ve) {
		for _, fe := range ve.Errors {
			fmt.Println(fe)
		}
	}
	// Output:
	// true
	// spec.replicas: Invalid value: -1: must be greater than or equal to 0
	// spec.template.metadata.labels: Invalid value: "app=api": `selector` does not match template `labels`
	// spec.template.spec.containers[0].image: Required value
}

func ExampleValidateUpdate() {
	old := &workload.Service{
		ObjectMeta: workload.ObjectMeta{Name: "db", Namespace: "default"},
		Spec: workload.ServiceSpec{
			ClusterIP: "10.96.0.20",
			Ports:     []workload.ServicePort{{Port: 5432}},
		},
	}
	moved := old.DeepCopy()
	moved.Spec.ClusterIP = "10.96.0.21"
	fmt.Println(workload.ValidateUpdate(moved, old))
	// Output:
	// workload: invalid object Service/default/db: spec.clusterIPs[0]: Invalid value: []string{"10.96.0.21"}: may not change once set
}
