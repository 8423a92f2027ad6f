package controller

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orchestra-go/orchestra/workload"
)

// TestJobPodMakerMatchesNewJobPod checks that the pod a sync reuses for
// its creations is, at every creation, the pod newJobPod makes.
func TestJobPodMakerMatchesNewJobPod(t *testing.T) {
	indexed := func(j *workload.Job) {
		j.Spec.Completions = workload.Ptr[int32](20)
		j.Spec.CompletionMode = workload.Ptr(workload.IndexedCompletion)
	}
	perIndex := []podCreate{
		{Index: 3, PerIndex: true},
		{Index: 4, PerIndex: true, FailureCount: 2, IgnoredCount: 1},
		{Index: 5, PerIndex: true, FailureCount: 1},
		{Index: 17, PerIndex: true, IgnoredCount: 4},
	}
	plain := []podCreate{{Index: 0}, {Index: 7}, {Index: 12}, {Index: 1}}
	tests := []struct {
		name    string
		job     *workload.Job
		creates []podCreate
	}{
		{"NonIndexed", newTestJob("plain", nil),
			[]podCreate{{Index: noCompletionIndex}, {Index: noCompletionIndex}}},
		{"Indexed", newTestJob("idx", indexed), plain},
		{"Indexed, long name", newTestJob(strings.Repeat("n", 60), indexed), plain},
		{"Indexed, init containers and a template index variable", newTestJob("env", func(j *workload.Job) {
			indexed(j)
			s := &j.Spec.Template.Spec
			s.InitContainers = []workload.Container{{Name: "init", Image: "busybox",
				Env: []workload.EnvVar{{Name: "A", Value: "a"}}}}
			s.Containers = append(s.Containers, workload.Container{Name: "side", Image: "busybox",
				Env: []workload.EnvVar{{Name: workload.JobCompletionIndexEnv, Value: "mine"}}})
		}), plain},
		{"backoffLimitPerIndex", newTestJob("per", func(j *workload.Job) {
			indexed(j)
			j.Spec.BackoffLimitPerIndex = workload.Ptr[int32](3)
		}), perIndex},
		{"backoffLimitPerIndex, template failure count annotations", newTestJob("anno", func(j *workload.Job) {
			indexed(j)
			j.Spec.BackoffLimitPerIndex = workload.Ptr[int32](3)
			j.Spec.Template.Annotations = map[string]string{
				workload.JobIndexFailureCountAnno:    "9",
				workload.JobIndexIgnoredFailureCount: "8",
				"other":                              "x",
			}
		}), perIndex},
		{"Indexed, template failure count annotations kept", newTestJob("keep", func(j *workload.Job) {
			indexed(j)
			j.Spec.Template.Annotations = map[string]string{workload.JobIndexIgnoredFailureCount: "8"}
		}), plain},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			workload.Default(tc.job)
			tc.job.UID = "job-uid"
			m := jobPodMaker{job: tc.job}
			for _, pc := range tc.creates {
				want := newJobPod(tc.job, pc)
				if diff := cmp.Diff(want, m.make(pc)); diff != "" {
					t.Errorf("create %+v (-newJobPod +jobPodMaker):\n%s", pc, diff)
				}
			}
		})
	}
}
