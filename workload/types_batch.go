package workload

// Job completion modes, pod replacement policies and managers.
const (
	NonIndexedCompletion = "NonIndexed"
	IndexedCompletion    = "Indexed"

	TerminatingOrFailed = "TerminatingOrFailed"
	Failed              = "Failed"

	JobControllerName = "kubernetes.io/job-controller"
)

// Labels and annotations of Jobs and their pods.
const (
	JobCompletionIndexAnnotation = "batch.kubernetes.io/job-completion-index"
	JobIndexFailureCountAnno     = "batch.kubernetes.io/job-index-failure-count"
	JobIndexIgnoredFailureCount  = "batch.kubernetes.io/job-index-ignored-failure-count"
	JobNameLabel                 = "batch.kubernetes.io/job-name"
	ControllerUIDLabel           = "batch.kubernetes.io/controller-uid"
	LegacyJobNameLabel           = "job-name"
	LegacyControllerUIDLabel     = "controller-uid"
	JobTrackingFinalizer         = "batch.kubernetes.io/job-tracking"
	CronJobScheduledTimestamp    = "batch.kubernetes.io/cronjob-scheduled-timestamp"
	JobCompletionIndexEnv        = "JOB_COMPLETION_INDEX"
)

// Job condition types.
const (
	JobSuspended          = "Suspended"
	JobComplete           = "Complete"
	JobFailed             = "Failed"
	JobFailureTarget      = "FailureTarget"
	JobSuccessCriteriaMet = "SuccessCriteriaMet"
)

// Job condition reasons.
const (
	JobReasonBackoffLimitExceeded     = "BackoffLimitExceeded"
	JobReasonDeadlineExceeded         = "DeadlineExceeded"
	JobReasonPodFailurePolicy         = "PodFailurePolicy"
	JobReasonMaxFailedIndexesExceeded = "MaxFailedIndexesExceeded"
	JobReasonFailedIndexes            = "FailedIndexes"
	JobReasonSuccessPolicy            = "SuccessPolicy"
	JobReasonCompletionsReached       = "CompletionsReached"
	JobReasonSuspended                = "JobSuspended"
	JobReasonResumed                  = "JobResumed"
)

// Job is a batch/v1 Job.
type Job struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata,omitempty"`
	Spec       JobSpec   `json:"spec,omitempty"`
	Status     JobStatus `json:"status,omitempty"`
}

// Kind returns "Job".
func (*Job) Kind() string { return "Job" }

// JobSpec is batch/v1 JobSpec.
type JobSpec struct {
	Parallelism             *int32            `json:"parallelism,omitempty"`
	Completions             *int32            `json:"completions,omitempty"`
	ActiveDeadlineSeconds   *int64            `json:"activeDeadlineSeconds,omitempty"`
	PodFailurePolicy        *PodFailurePolicy `json:"podFailurePolicy,omitempty"`
	SuccessPolicy           *SuccessPolicy    `json:"successPolicy,omitempty"`
	BackoffLimit            *int32            `json:"backoffLimit,omitempty"`
	BackoffLimitPerIndex    *int32            `json:"backoffLimitPerIndex,omitempty"`
	MaxFailedIndexes        *int32            `json:"maxFailedIndexes,omitempty"`
	Selector                *LabelSelector    `json:"selector,omitempty"`
	ManualSelector          *bool             `json:"manualSelector,omitempty"`
	Template                PodTemplateSpec   `json:"template"`
	TTLSecondsAfterFinished *int32            `json:"ttlSecondsAfterFinished,omitempty"`
	CompletionMode          *string           `json:"completionMode,omitempty"`
	Suspend                 *bool             `json:"suspend,omitempty"`
	PodReplacementPolicy    *string           `json:"podReplacementPolicy,omitempty"`
	ManagedBy               *string           `json:"managedBy,omitempty"`
}

// Pod failure policy actions and operators.
const (
	PodFailurePolicyActionFailJob   = "FailJob"
	PodFailurePolicyActionFailIndex = "FailIndex"
	PodFailurePolicyActionIgnore    = "Ignore"
	PodFailurePolicyActionCount     = "Count"

	PodFailurePolicyOnExitCodesOpIn    = "In"
	PodFailurePolicyOnExitCodesOpNotIn = "NotIn"
)

// PodFailurePolicy is batch/v1 PodFailurePolicy.
type PodFailurePolicy struct {
	Rules []PodFailurePolicyRule `json:"rules"`
}

// PodFailurePolicyRule is batch/v1 PodFailurePolicyRule.
type PodFailurePolicyRule struct {
	Action          string                                   `json:"action"`
	OnExitCodes     *PodFailurePolicyOnExitCodesRequirement  `json:"onExitCodes,omitempty"`
	OnPodConditions []PodFailurePolicyOnPodConditionsPattern `json:"onPodConditions,omitempty"`
}

// PodFailurePolicyOnExitCodesRequirement is its batch/v1 namesake.
type PodFailurePolicyOnExitCodesRequirement struct {
	ContainerName *string `json:"containerName,omitempty"`
	Operator      string  `json:"operator"`
	Values        []int32 `json:"values"`
}

// PodFailurePolicyOnPodConditionsPattern is its batch/v1 namesake.
type PodFailurePolicyOnPodConditionsPattern struct {
	Type   string `json:"type"`
	Status string `json:"status,omitempty"`
}

// SuccessPolicy is batch/v1 SuccessPolicy.
type SuccessPolicy struct {
	Rules []SuccessPolicyRule `json:"rules"`
}

// SuccessPolicyRule is batch/v1 SuccessPolicyRule.
type SuccessPolicyRule struct {
	SucceededIndexes *string `json:"succeededIndexes,omitempty"`
	SucceededCount   *int32  `json:"succeededCount,omitempty"`
}

// JobStatus is batch/v1 JobStatus.
type JobStatus struct {
	Conditions              []Condition              `json:"conditions,omitempty"`
	StartTime               *Time                    `json:"startTime,omitempty"`
	CompletionTime          *Time                    `json:"completionTime,omitempty"`
	Active                  int32                    `json:"active,omitempty"`
	Succeeded               int32                    `json:"succeeded,omitempty"`
	Failed                  int32                    `json:"failed,omitempty"`
	Terminating             *int32                   `json:"terminating,omitempty"`
	CompletedIndexes        string                   `json:"completedIndexes,omitempty"`
	FailedIndexes           *string                  `json:"failedIndexes,omitempty"`
	UncountedTerminatedPods *UncountedTerminatedPods `json:"uncountedTerminatedPods,omitempty"`
	Ready                   *int32                   `json:"ready,omitempty"`
}

// UncountedTerminatedPods is batch/v1 UncountedTerminatedPods: the UIDs of
// finished pods not yet counted in the status.
type UncountedTerminatedPods struct {
	Succeeded []string `json:"succeeded,omitempty"`
	Failed    []string `json:"failed,omitempty"`
}

// CronJob concurrency policies.
const (
	AllowConcurrent   = "Allow"
	ForbidConcurrent  = "Forbid"
	ReplaceConcurrent = "Replace"
)

// CronJob is a batch/v1 CronJob.
type CronJob struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata,omitempty"`
	Spec       CronJobSpec   `json:"spec,omitempty"`
	Status     CronJobStatus `json:"status,omitempty"`
}

// Kind returns "CronJob".
func (*CronJob) Kind() string { return "CronJob" }

// CronJobSpec is batch/v1 CronJobSpec.
type CronJobSpec struct {
	Schedule                   string          `json:"schedule"`
	TimeZone                   *string         `json:"timeZone,omitempty"`
	StartingDeadlineSeconds    *int64          `json:"startingDeadlineSeconds,omitempty"`
	ConcurrencyPolicy          string          `json:"concurrencyPolicy,omitempty"`
	Suspend                    *bool           `json:"suspend,omitempty"`
	JobTemplate                JobTemplateSpec `json:"jobTemplate"`
	SuccessfulJobsHistoryLimit *int32          `json:"successfulJobsHistoryLimit,omitempty"`
	FailedJobsHistoryLimit     *int32          `json:"failedJobsHistoryLimit,omitempty"`
}

// JobTemplateSpec is batch/v1 JobTemplateSpec.
type JobTemplateSpec struct {
	ObjectMeta `json:"metadata,omitempty"`
	Spec       JobSpec `json:"spec,omitempty"`
}

// CronJobStatus is batch/v1 CronJobStatus.
type CronJobStatus struct {
	Active             []ObjectReference `json:"active,omitempty"`
	LastScheduleTime   *Time             `json:"lastScheduleTime,omitempty"`
	LastSuccessfulTime *Time             `json:"lastSuccessfulTime,omitempty"`
}
