package workload

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// examples/manifests holds byte-for-byte copies of the project's shared
// manifests (see its INDEX.md for sources and licences), so that the tests
// and the README's examples run anywhere.
const manifestDir = "../examples/manifests"

// sharedManifests is every shared manifest, the objects it holds and the
// exact warnings it must give.
var sharedManifests = map[string]struct {
	refs     []string
	warnings []string
}{
	"k8s-daemonset-nodeselector-ssd.yaml": {refs: []string{"DaemonSet/nginx-ssd"}},
	"k8s-fluentd-elasticsearch-daemonset.yaml": {
		refs: []string{"DaemonSet/kube-system/fluentd-elasticsearch"},
		warnings: []string{
			"document 1 (k8s-fluentd-elasticsearch-daemonset.yaml): DaemonSet/kube-system/fluentd-elasticsearch: spec.template.spec.containers[].volumeMounts is not modelled",
			"document 1 (k8s-fluentd-elasticsearch-daemonset.yaml): DaemonSet/kube-system/fluentd-elasticsearch: spec.template.spec.volumes is not modelled",
		},
	},
	"k8s-hello-cronjob-v1.yaml": {refs: []string{"CronJob/hello"}},
	"k8s-hello-cronjob-v1beta1.yaml": {
		refs: []string{"CronJob/hello"},
		warnings: []string{
			"document 1 (k8s-hello-cronjob-v1beta1.yaml): CronJob/default/hello: batch/v1beta1 CronJob is deprecated (Kubernetes removed it in 1.25); read as batch/v1",
			"document 1 (k8s-hello-cronjob-v1beta1.yaml): CronJob/default/hello: spec.jobTemplate.spec.template.spec.containers[].imagePullPolicy is not modelled",
		},
	},
	"k8s-indexed-job-flowstyle.yaml": {
		refs: []string{"Job/indexed-job"},
		warnings: []string{
			"document 1 (k8s-indexed-job-flowstyle.yaml): Job/default/indexed-job: spec.template.spec.containers[].volumeMounts is not modelled",
			"document 1 (k8s-indexed-job-flowstyle.yaml): Job/default/indexed-job: spec.template.spec.initContainers[].volumeMounts is not modelled",
			"document 1 (k8s-indexed-job-flowstyle.yaml): Job/default/indexed-job: spec.template.spec.volumes is not modelled",
		},
	},
	"k8s-job-pod-failure-policy.yaml": {refs: []string{"Job/job-pod-failure-policy-example"}},
	"k8s-mysql-services.yaml":         {refs: []string{"Service/mysql", "Service/mysql-read"}},
	"k8s-mysql-statefulset.yaml": {
		refs: []string{"StatefulSet/mysql"},
		warnings: []string{
			"document 1 (k8s-mysql-statefulset.yaml): StatefulSet/default/mysql: spec.template.spec.containers[].volumeMounts is not modelled",
			"document 1 (k8s-mysql-statefulset.yaml): StatefulSet/default/mysql: spec.template.spec.initContainers[].volumeMounts is not modelled",
			"document 1 (k8s-mysql-statefulset.yaml): StatefulSet/default/mysql: spec.template.spec.volumes is not modelled",
		},
	},
	"k8s-nginx-app-svc-deploy-flowstyle.yaml": {refs: []string{"Service/my-nginx-svc", "Deployment/my-nginx"}},
	"k8s-nginx-deployment.yaml":               {refs: []string{"Deployment/nginx-deployment"}},
	"k8s-pi-job.yaml":                         {refs: []string{"Job/pi"}},
	"k8s-web-statefulset-headless.yaml": {
		refs: []string{"Service/nginx", "StatefulSet/web"},
		warnings: []string{
			"document 2 (k8s-web-statefulset-headless.yaml): StatefulSet/default/web: spec.template.spec.containers[].volumeMounts is not modelled",
		},
	},
}

func manifestFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(manifestDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s: %v", manifestDir, err)
	}
	return files
}

// TestSharedManifestCopiesAreCurrent checks that examples/manifests holds exactly the
// shared manifests, byte for byte, when the shared directory is present.
func TestSharedManifestCopiesAreCurrent(t *testing.T) {
	shared, _ := filepath.Glob("../../shared/manifests/*.yaml")
	if len(shared) == 0 {
		t.Skip("../../shared/manifests is not present")
	}
	var names []string
	for _, f := range shared {
		names = append(names, filepath.Base(f))
		want, _ := os.ReadFile(f)
		got, err := os.ReadFile(filepath.Join(manifestDir, filepath.Base(f)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: examples/manifests copy differs from the shared file (%v)", filepath.Base(f), err)
		}
	}
	var copies []string
	for _, f := range manifestFiles(t) {
		copies = append(copies, filepath.Base(f))
	}
	if diff := cmp.Diff(names, copies); diff != "" {
		t.Errorf("testdata manifests differ from the shared set (-shared +copies):\n%s", diff)
	}
}

func TestSharedManifestsLoad(t *testing.T) {
	files := manifestFiles(t)
	if len(files) != len(sharedManifests) {
		t.Errorf("%d manifest files, %d expected entries", len(files), len(sharedManifests))
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			want, ok := sharedManifests[name]
			if !ok {
				t.Fatalf("no expectation for %s", name)
			}
			objs, warnings, err := LoadFile(f)
			if err != nil {
				t.Fatalf("LoadFile: %v", err)
			}
			var refs []string
			for _, o := range objs {
				refs = append(refs, Ref(o))
				if o.GetTypeMeta().APIVersion != APIVersionOf(o.Kind()) || o.GetTypeMeta().Kind != o.Kind() {
					t.Errorf("%s: TypeMeta = %+v", Ref(o), *o.GetTypeMeta())
				}
				d := o.DeepCopyObject()
				Default(d)
				if err := Validate(d); err != nil {
					t.Errorf("Validate(Default(%s)): %v", Ref(o), err)
				}
			}
			if diff := cmp.Diff(want.refs, refs); diff != "" {
				t.Errorf("objects (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want.warnings, warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSharedManifestsRoundTrip(t *testing.T) {
	for _, f := range manifestFiles(t) {
		objs, _, err := LoadFile(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, o := range objs {
			data, err := json.Marshal(o)
			if err != nil {
				t.Fatalf("%s: marshal: %v", Ref(o), err)
			}
			again, warnings, err := Decode(data, "roundtrip")
			if err != nil || len(again) != 1 {
				t.Fatalf("%s: decode of %s: %v (%d objects)", Ref(o), data, err, len(again))
			}
			if len(warnings) != 0 {
				t.Errorf("%s: warnings after a round trip: %q", Ref(o), warnings)
			}
			if diff := cmp.Diff(o, again[0], cmpOpts...); diff != "" {
				t.Errorf("%s: decode(encode(x)) != x (-first +second):\n%s", Ref(o), diff)
			}
		}
	}
}

func TestDecodeSharedManifestContent(t *testing.T) {
	objs, _, err := LoadFile(filepath.Join(manifestDir, "k8s-mysql-statefulset.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := objs[0].(*StatefulSet)
	if got := *s.Spec.Replicas; got != 3 {
		t.Errorf("replicas = %d", got)
	}
	if got := s.Spec.Template.Spec.Containers[0].Resources.Requests[ResourceCPU]; got.Cmp(resource.MustParse("500m")) != 0 {
		t.Errorf("cpu request = %s", got.String())
	}
	if got := s.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests[ResourceStorage]; got.Cmp(resource.MustParse("10Gi")) != 0 {
		t.Errorf("storage = %s", got.String())
	}
	if got := s.Spec.Template.Spec.Containers[0].ReadinessProbe.Exec.Command; len(got) != 5 {
		t.Errorf("readiness command = %q", got)
	}
	if !strings.Contains(s.Spec.Template.Spec.InitContainers[0].Command[2], "server-id=$((100 + $ordinal))") {
		t.Errorf("block scalar lost: %q", s.Spec.Template.Spec.InitContainers[0].Command[2])
	}

	objs, _, err = LoadFile(filepath.Join(manifestDir, "k8s-indexed-job-flowstyle.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	j := objs[0].(*Job)
	if *j.Spec.CompletionMode != IndexedCompletion || *j.Spec.Completions != 5 || *j.Spec.Parallelism != 3 {
		t.Errorf("indexed job spec = %+v", j.Spec)
	}
	if got := j.Spec.Template.Spec.InitContainers[0].Command[2]; !strings.Contains(got, "items=(foo bar baz qux xyz)\n") {
		t.Errorf("flow-style escaped string = %q", got)
	}

	objs, _, err = LoadFile(filepath.Join(manifestDir, "k8s-job-pod-failure-policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	pfp := objs[0].(*Job).Spec.PodFailurePolicy
	if pfp == nil || len(pfp.Rules) != 2 || pfp.Rules[0].OnExitCodes.Values[0] != 42 || *pfp.Rules[0].OnExitCodes.ContainerName != "main" {
		t.Errorf("podFailurePolicy = %+v", pfp)
	}

	objs, _, err = LoadFile(filepath.Join(manifestDir, "k8s-web-statefulset-headless.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	svc := objs[0].(*Service)
	if svc.Spec.ClusterIP != ClusterIPNone || svc.Spec.Ports[0].Name != "web" || svc.Spec.Ports[0].TargetPort != (intstr.IntOrString{}) {
		t.Errorf("service spec = %+v", svc.Spec)
	}
}

// decodeCase is one input to Decode and what must come out.
type decodeCase struct {
	name     string
	in       string
	refs     []string // objects decoded, by Ref
	warnings []string
	errs     []string // substrings each of which the error must contain
}

func TestDecode(t *testing.T) {
	const pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i}]}\n"
	cases := []decodeCase{
		{name: "single pod", in: pod, refs: []string{"Pod/p"}},
		{name: "leading separator", in: "---\n" + pod, refs: []string{"Pod/p"}},
		{name: "separator with comment and trailing separator",
			in: "# header\n--- # first\n" + pod + "---\n", refs: []string{"Pod/p"}},
		{name: "empty and comment-only documents",
			in:   "---\n---\n# nothing here\n---\n" + pod + "---\n\n---\n" + strings.Replace(pod, "name: p", "name: q", 1),
			refs: []string{"Pod/p", "Pod/q"}},
		{name: "CRLF line ends", in: strings.ReplaceAll("---\n"+pod+"---\n"+pod, "\n", "\r\n"), refs: []string{"Pod/p", "Pod/p"}},
		{name: "document end marker", in: pod + "...\n---\n" + pod, refs: []string{"Pod/p", "Pod/p"}},
		{name: "content on the separator line", in: "--- {apiVersion: v1, kind: Namespace, metadata: {name: team}}\n", refs: []string{"Namespace/team"}},
		{name: "separator-looking text inside a block scalar",
			in:   "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: i\n    args:\n    - |\n      ---\n      not a separator\n",
			refs: []string{"Pod/p"}},
		{name: "JSON", in: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"prod"},"spec":{"ports":[{"port":80}]}}`, refs: []string{"Service/prod/s"}},
		{name: "flow style with trailing commas",
			in:   "{apiVersion: apps/v1, kind: Deployment, metadata: {name: d,}, spec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: i,},]}}}}",
			refs: []string{"Deployment/d"}},
		{name: "List of objects",
			in:       "apiVersion: v1\nkind: List\nitems:\n- " + strings.ReplaceAll(strings.TrimSuffix(pod, "\n"), "\n", "\n  ") + "\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: cm}}\n",
			refs:     []string{"Pod/p"},
			warnings: []string{"document 1 (test.yaml): items[1]: ConfigMap/default/cm: kind ConfigMap is not modelled; skipped"}},
		{name: "empty input", in: ""},
		{name: "only comments", in: "# nothing\n# at all\n"},
		{name: "null document", in: "null\n"},

		// kinds Kubernetes has that orchestra does not model
		{name: "unmodelled kinds are skipped",
			in: pod + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n" +
				"---\napiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: prod}\n" +
				"---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}\n" +
				"---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: pdb}\n" +
				"---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: hpa}\n" +
				"---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: ing}\n" +
				"---\napiVersion: events.k8s.io/v1\nkind: Event\nmetadata: {name: ev}\n",
			refs: []string{"Pod/p"},
			warnings: []string{
				"document 2 (test.yaml): ConfigMap/default/x: kind ConfigMap is not modelled; skipped",
				"document 3 (test.yaml): Secret/prod/s: kind Secret is not modelled; skipped",
				"document 4 (test.yaml): ClusterRole/reader: kind ClusterRole is not modelled; skipped",
				"document 5 (test.yaml): PodDisruptionBudget/default/pdb: kind PodDisruptionBudget is not modelled; skipped",
				"document 6 (test.yaml): HorizontalPodAutoscaler/default/hpa: kind HorizontalPodAutoscaler is not modelled; skipped",
				"document 7 (test.yaml): Ingress/default/ing: kind Ingress is not modelled; skipped",
				"document 8 (test.yaml): Event/default/ev: kind Event is not modelled; skipped",
			}},
		{name: "custom resource is skipped",
			in:       "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: sm}\n",
			warnings: []string{"document 1 (test.yaml): ServiceMonitor/default/sm: kind ServiceMonitor of monitoring.coreos.com/v1 is a custom resource, not modelled; skipped"}},
		{name: "removed version of an unmodelled kind is skipped",
			in:       "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: psp}\n",
			warnings: []string{"document 1 (test.yaml): PodSecurityPolicy/default/psp: kind PodSecurityPolicy is not modelled (and policy/v1beta1 was removed in Kubernetes 1.25); skipped"}},

		// errors
		{name: "typo in kind",
			in:   pod + "---\n\napiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: web}\n",
			errs: []string{"document 2 (test.yaml, line 7): Deploymnet/default/web", `kind "Deploymnet" does not exist in apps/v1 (did you mean Deployment?)`}},
		{name: "unknown apiVersion",
			in:   "apiVersion: apps/v2\nkind: Deployment\nmetadata: {name: web}\n",
			errs: []string{"document 1 (test.yaml, line 1): Deployment/default/web", `apiVersion "apps/v2" does not exist for kind Deployment; use apps/v1`}},
		{name: "modelled kind in the wrong group",
			in:   "apiVersion: batch/v1\nkind: Deployment\nmetadata: {name: web}\n",
			errs: []string{`apiVersion "batch/v1" does not exist for kind Deployment; use apps/v1`}},
		{name: "unmodelled kind in the wrong group",
			in:   "apiVersion: apps/v1\nkind: ConfigMap\nmetadata: {name: c}\n",
			errs: []string{`apiVersion "apps/v1" does not exist for kind ConfigMap; use v1`}},
		{name: "removed extensions/v1beta1 Deployment",
			in:   "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: web}\n",
			errs: []string{"extensions/v1beta1 Deployment was removed in Kubernetes 1.16; use apps/v1"}},
		{name: "removed apps/v1beta2 StatefulSet",
			in:   "apiVersion: apps/v1beta2\nkind: StatefulSet\nmetadata: {name: db}\n",
			errs: []string{"apps/v1beta2 StatefulSet was removed in Kubernetes 1.16; use apps/v1"}},
		{name: "missing kind and apiVersion",
			in:   "metadata: {name: x}\n",
			errs: []string{"<no kind>/default/x: apiVersion: apiVersion is required", "kind: kind is required"}},
		{name: "not an object", in: "- a\n- b\n", errs: []string{"document 1 (test.yaml, line 1): a document must be an object, not a list"}},
		{name: "not YAML", in: "apiVersion: v1\nkind: Pod\n  metadata: [\n", errs: []string{"document 1 (test.yaml, line 1): not valid YAML or JSON"}},
		{name: "wrong type names object and field",
			in:   "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: three\n",
			errs: []string{`Deployment/default/web: spec.replicas: expected an integer, got string "three"`}},
		{name: "wrong type deep inside a list",
			in:   "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: i}\n  - {name: b, image: i, ports: [{containerPort: http}]}\n",
			errs: []string{`Pod/default/p: spec.containers[1].ports[0].containerPort: expected an integer, got string "http"`}},
		{name: "integer out of range",
			in:   "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {terminationGracePeriodSeconds: 1.5, containers: [{name: a, image: i, ports: [{containerPort: 3000000000}]}]}\n",
			errs: []string{"spec.containers[0].ports[0].containerPort: expected an integer of 32 bits, got number 3000000000", "spec.terminationGracePeriodSeconds: expected an integer of 64 bits, got number 1.5"}},
		{name: "bad quantity",
			in:   "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: i, resources: {requests: {cpu: lots}}}]}\n",
			errs: []string{`spec.containers[0].resources.requests[cpu]: expected a quantity such as "500m" or "128Mi", got string "lots"`}},
		{name: "bad int-or-string",
			in:   "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80, targetPort: true}]}\n",
			errs: []string{"spec.ports[0].targetPort: expected an integer or a string, got boolean true"}},
		{name: "bad time",
			in:   "apiVersion: v1\nkind: Pod\nmetadata: {name: p, creationTimestamp: yesterday}\n",
			errs: []string{`metadata.creationTimestamp: expected an RFC 3339 time, got string "yesterday"`}},
		{name: "object expected",
			in:   "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: [1]\n",
			errs: []string{"spec: expected an object, got a list"}},
		{name: "every bad document is reported",
			in:   "apiVersion: apps/v2\nkind: Deployment\nmetadata: {name: a}\n---\n" + pod + "---\napiVersion: v1\nkind: Podd\nmetadata: {name: b}\n",
			errs: []string{"document 1 (test.yaml, line 1): Deployment/default/a", "document 3 (test.yaml, line 10): Podd/default/b", "(did you mean Pod?)"}},

		// fields
		{name: "unknown fields warn with a suggestion",
			in: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replcas: 3\n  Replicas: 4\n  frobnicate: true\n" +
				"  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers: [{name: c, image: i, imagePullPolicy: Always}, {name: d, image: i, imagePullPolicy: Always}]\n",
			refs: []string{"Deployment/web"},
			warnings: []string{
				"document 1 (test.yaml): Deployment/default/web: spec.Replicas is an unknown field; ignored (did you mean replicas?)",
				"document 1 (test.yaml): Deployment/default/web: spec.frobnicate is an unknown field; ignored",
				"document 1 (test.yaml): Deployment/default/web: spec.replcas is an unknown field; ignored (did you mean replicas?)",
				"document 1 (test.yaml): Deployment/default/web: spec.template.spec.containers[].imagePullPolicy is not modelled",
			}},
		{name: "unmodelled fields are reported once per object",
			in: "apiVersion: v1\nkind: Pod\nmetadata: {name: p, managedFields: []}\nspec:\n  serviceAccountName: sa\n  securityContext: {runAsUser: 1}\n" +
				"  containers:\n  - name: c\n    image: i\n    env: [{name: A, valueFrom: {fieldRef: {fieldPath: metadata.name}}}, {name: B, valueFrom: {secretKeyRef: {name: s, key: k}}}]\n" +
				"    livenessProbe: {grpc: {port: 1}}\n    resources: {claims: [{name: gpu}]}\n" +
				"---\napiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec: {serviceAccountName: sa, containers: [{name: c, image: i}]}\n",
			refs: []string{"Pod/p", "Pod/q"},
			warnings: []string{
				"document 1 (test.yaml): Pod/default/p: metadata.managedFields is not modelled",
				"document 1 (test.yaml): Pod/default/p: spec.containers[].env[].valueFrom.secretKeyRef is not modelled",
				"document 1 (test.yaml): Pod/default/p: spec.containers[].livenessProbe.grpc is not modelled",
				"document 1 (test.yaml): Pod/default/p: spec.containers[].resources.claims is not modelled",
				"document 1 (test.yaml): Pod/default/p: spec.securityContext is not modelled",
				"document 1 (test.yaml): Pod/default/p: spec.serviceAccountName is not modelled",
				"document 2 (test.yaml): Pod/default/q: spec.serviceAccountName is not modelled",
			}},
		{name: "batch/v1beta1 CronJob",
			in:       "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: c}\nspec: {schedule: '@daily', jobTemplate: {spec: {template: {spec: {containers: [{name: c, image: i}]}}}}}\n",
			refs:     []string{"CronJob/c"},
			warnings: []string{"document 1 (test.yaml): CronJob/default/c: batch/v1beta1 CronJob is deprecated (Kubernetes removed it in 1.25); read as batch/v1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs, warnings, err := Decode([]byte(tc.in), "test.yaml")
			if len(tc.errs) > 0 {
				if err == nil {
					t.Fatalf("Decode = nil error, want %q", tc.errs)
				}
				if !errors.Is(err, ErrManifest) {
					t.Errorf("errors.Is(err, ErrManifest) = false: %v", err)
				}
				var de *DecodeError
				if !errors.As(err, &de) {
					t.Errorf("err is %T, want a *DecodeError", err)
				}
				for _, s := range tc.errs {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err.Error(), s)
					}
				}
				if objs != nil {
					t.Errorf("objects = %d on error, want nil", len(objs))
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			var refs []string
			for _, o := range objs {
				refs = append(refs, Ref(o))
			}
			if diff := cmp.Diff(tc.refs, refs); diff != "" {
				t.Errorf("objects (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.warnings, warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeIsCaseSensitive(t *testing.T) {
	objs, _, err := Decode([]byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {Replicas: 4}\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if r := objs[0].(*Deployment).Spec.Replicas; r != nil {
		t.Errorf("replicas = %d, want unset: field names are case-sensitive", *r)
	}
}

func TestLoadFileMissing(t *testing.T) {
	_, _, err := LoadFile(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadFile(missing) = %v, want os.ErrNotExist", err)
	}
}

func TestSuggestKind(t *testing.T) {
	for in, want := range map[string]string{
		"Deploymnet": "Deployment", "statefulset": "StatefulSet", "Cronjob": "CronJob",
		"Servce": "Service", "ConfigMpa": "ConfigMap", "Zebra": "",
	} {
		if got := suggestKind(in); got != want {
			t.Errorf("suggestKind(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNotModelledNamesAreNotModelled guards the table: a field listed as
// unmodelled must not be a field of the Go type (it would never be
// reported).
func TestNotModelledNamesAreNotModelled(t *testing.T) {
	for typ, names := range notModelled {
		fields := fieldsOf(typ).fields
		sorted := append([]string(nil), names...)
		sort.Strings(sorted)
		for _, n := range sorted {
			if _, ok := fields[n]; ok {
				t.Errorf("%s.%s is listed as not modelled but is a field", typ.Name(), n)
			}
		}
	}
}
