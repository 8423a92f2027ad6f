package fake

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/orchestra-go/orchestra/workload"
)

// annotationPrefix is the prefix of the behaviour annotations;
// knownAnnotations are the keys SCENARIO.md defines.
const annotationPrefix = "sim.orchestra.dev/"

var knownAnnotations = map[string]bool{
	AnnotationStartDelay: true, AnnotationRunFor: true, AnnotationExitCode: true,
	AnnotationFailFirst: true, AnnotationFailExitCode: true, AnnotationReadyAfter: true,
	AnnotationCrashAfter: true, AnnotationNeverReady: true, AnnotationStopAfter: true,
}

// objectError is a bad behaviour annotation of an object: it matches both
// ErrInvalid and workload.ErrInvalid.
type objectError struct{ msg string }

func (e *objectError) Error() string   { return e.msg }
func (e *objectError) Unwrap() []error { return []error{ErrInvalid, workload.ErrInvalid} }

// ValidateObject checks the sim.orchestra.dev/* annotations of a pod, or of
// the pod template of a Deployment, ReplicaSet, StatefulSet, DaemonSet, Job
// or CronJob, as SCENARIO.md defines them: a key it does not define (a
// typo, which the runtime would otherwise ignore), a value CreatePod would
// refuse (see ValidateAnnotations), or an exit code outside 0-255. The
// error names the object and the field ("fake: invalid: Deployment/default/web:
// spec.template.metadata.annotations[sim.orchestra.dev/runfor]: unknown
// key") and matches both ErrInvalid and workload.ErrInvalid. Annotations
// with other prefixes, and other kinds, are not looked at. A namespace ""
// is named "default".
//
// orchestra's Cluster.Apply calls it when the cluster runs on a fake
// runtime, and the scenario loader calls it on every object.
func ValidateObject(obj workload.Object) error {
	if workload.IsNil(obj) {
		return nil
	}
	ann, path := podAnnotationsOf(obj)
	if len(ann) == 0 {
		return nil
	}
	m := obj.GetObjectMeta()
	ref := obj.Kind() + "/" + normNS(m.Namespace) + "/" + m.Name
	bad := func(format string, args ...any) error {
		return &objectError{msg: ErrInvalid.Error() + ": " + ref + ": " + fmt.Sprintf(format, args...)}
	}
	keys := make([]string, 0, len(ann))
	for k := range ann {
		if strings.HasPrefix(k, annotationPrefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !knownAnnotations[k] {
			return bad("%sannotations[%s]: unknown key", path, k)
		}
	}
	if err := ValidateAnnotations(ann); err != nil {
		msg := strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")
		return bad("%s%s", path, strings.TrimPrefix(msg, "metadata."))
	}
	for _, k := range []string{AnnotationExitCode, AnnotationFailExitCode} {
		if v, ok := ann[k]; ok {
			if n, _ := strconv.ParseInt(v, 10, 32); n < 0 || n > 255 {
				return bad("%sannotations[%s]: want 0 to 255, got %d", path, k, n)
			}
		}
	}
	return nil
}

// podAnnotationsOf returns the annotations of a pod or of a workload's pod
// template, and the path of the metadata that holds them.
func podAnnotationsOf(o workload.Object) (map[string]string, string) {
	switch o := o.(type) {
	case *workload.Pod:
		return o.Annotations, "metadata."
	case *workload.Deployment:
		return o.Spec.Template.Annotations, "spec.template.metadata."
	case *workload.ReplicaSet:
		return o.Spec.Template.Annotations, "spec.template.metadata."
	case *workload.StatefulSet:
		return o.Spec.Template.Annotations, "spec.template.metadata."
	case *workload.DaemonSet:
		return o.Spec.Template.Annotations, "spec.template.metadata."
	case *workload.Job:
		return o.Spec.Template.Annotations, "spec.template.metadata."
	case *workload.CronJob:
		return o.Spec.JobTemplate.Spec.Template.Annotations, "spec.jobTemplate.spec.template.metadata."
	}
	return nil, ""
}
