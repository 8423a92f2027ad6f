package workload

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// ErrManifest is matched (errors.Is) by every error Decode and LoadFile
// return for bad input: a document that is not YAML or JSON, a kind or
// apiVersion that does not exist or was removed, a field of the wrong
// type. The error is a *DecodeError (or several, joined) naming the
// document, its first line and, where known, the object and field.
var ErrManifest = errors.New("workload: bad manifest")

// DecodeError is one bad document of a manifest.
type DecodeError struct {
	Source   string // the file name or label given to Decode
	Document int    // 1-based document number in the stream
	Line     int    // 1-based line where the document starts
	Object   string // "Kind/namespace/name" when known
	Path     string // field path when known
	Msg      string
}

// Error reads "workload: bad manifest: document 2 (web.yaml, line 14):
// Deployment/default/web: spec.replicas: expected an integer, got string
// \"three\"".
func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString(ErrManifest.Error())
	b.WriteString(": ")
	b.WriteString(docLabel(e.Source, e.Document, e.Line))
	if e.Object != "" {
		b.WriteString(": ")
		b.WriteString(e.Object)
	}
	if e.Path != "" {
		b.WriteString(": ")
		b.WriteString(e.Path)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Is reports whether target is ErrManifest.
func (e *DecodeError) Is(target error) bool { return target == ErrManifest }

func docLabel(source string, doc, line int) string {
	s := "document " + strconv.Itoa(doc)
	switch {
	case source != "" && line > 0:
		s += " (" + source + ", line " + strconv.Itoa(line) + ")"
	case source != "":
		s += " (" + source + ")"
	case line > 0:
		s += " (line " + strconv.Itoa(line) + ")"
	}
	return s
}

// LoadFile reads path and decodes it with Decode, using the file's base
// name as the source in messages.
func LoadFile(path string) ([]Object, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("workload: load manifest: %w", err)
	}
	return Decode(data, filepath.Base(path))
}

// Decode reads a stream of Kubernetes manifests: YAML (block or flow
// style) or JSON, one or more documents separated by "---" lines (a
// leading "---", documents holding only comments or nothing, and CRLF line
// ends are fine), and "kind: List" documents whose items are objects.
// Objects come back as written, in order, with their apiVersion and kind
// set; Decode does not default them (call Default) nor validate them
// (call Validate). source names the input in messages (a file name).
//
// Warnings, never fatal, each naming the document and the object:
//   - a kind Kubernetes has but orchestra does not model (ConfigMap,
//     Secret, RBAC, PodDisruptionBudget, ...) or a custom resource:
//     "document 3 (app.yaml): ConfigMap/default/x: kind ConfigMap is not
//     modelled; skipped";
//   - batch/v1beta1 CronJob: loaded as batch/v1 with a deprecation warning;
//   - a Kubernetes field orchestra does not model: "...
//     StatefulSet/default/mysql: spec.template.spec.volumes is not
//     modelled", once per object and path, list indexes collapsed to "[]"
//     ("spec.template.spec.containers[].volumeMounts"); the field is not
//     read further;
//   - a field that is not a Kubernetes field at all (a typo such as
//     "replcas"): "... spec.replcas is an unknown field; ignored (did you
//     mean replicas?)". Kubernetes' strict decoding rejects such a field;
//     orchestra warns, so that a manifest written for a newer Kubernetes
//     still loads.
//
// Commands, args and probes are modelled (the inproc and process runtimes
// use them), so Decode does not warn about them, although the fake runtime
// runs none of them: a fake container runs, exits and becomes ready as its
// fake.Behavior says. scenario.Play (and examples/simulate) warns about
// each of them once per object, in Result.Warnings.
//
// Field names match exactly (case-sensitive), as in Kubernetes.
//
// Errors (*DecodeError, matching ErrManifest; one per bad document, joined):
// a document that does not parse, a missing apiVersion or kind, a kind or
// apiVersion that does not exist ("Deploymnet", "apps/v2"), a version
// Kubernetes removed (extensions/v1beta1 Deployment), and a value of the
// wrong type ("replicas: three"), each naming the field. When err is not
// nil, objs is nil: a partly bad file is not half applied.
func Decode(data []byte, source string) (objs []Object, warnings []string, err error) {
	var errs []error
	for _, d := range splitDocuments(data) {
		d.source = source
		o, w, e := d.decode()
		objs = append(objs, o...)
		warnings = append(warnings, w...)
		errs = append(errs, e...)
	}
	if len(errs) > 0 {
		return nil, warnings, errors.Join(errs...)
	}
	return objs, warnings, nil
}

// document is one YAML document of a stream.
type document struct {
	source string
	index  int // 1-based
	line   int // 1-based line of its first line
	text   []byte
}

func (d *document) label() string { return docLabel(d.source, d.index, 0) }

func (d *document) fail(object, path, msg string) *DecodeError {
	return &DecodeError{Source: d.source, Document: d.index, Line: d.line, Object: object, Path: path, Msg: msg}
}

// splitDocuments cuts a stream at its "---" (and "...") marker lines.
// Content after "--- " on a marker line belongs to the new document. The
// part before a leading marker is not a document when it holds only blank
// lines, comments and directives.
func splitDocuments(data []byte) []*document {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	lines := strings.SplitAfter(string(data), "\n")
	var docs []*document
	cur := &document{line: 1}
	var buf strings.Builder
	flush := func(next int) {
		cur.text = []byte(buf.String())
		docs = append(docs, cur)
		buf.Reset()
		cur = &document{line: next}
	}
	for i, l := range lines {
		bare := strings.TrimRight(l, "\n")
		switch {
		case bare == "---" || strings.HasPrefix(bare, "--- ") || strings.HasPrefix(bare, "---\t"):
			flush(i + 1)
			if rest := strings.TrimSpace(bare[3:]); rest != "" && !strings.HasPrefix(rest, "#") {
				buf.WriteString(bare[3:] + "\n")
			} else {
				cur.line = i + 2
			}
		case bare == "..." || strings.HasPrefix(bare, "... "):
			flush(i + 2)
		default:
			if buf.Len() == 0 && strings.TrimSpace(bare) == "" {
				cur.line = i + 2 // report the first non-blank line
			}
			buf.WriteString(l)
		}
	}
	flush(0)
	// Drop the blank preamble before a leading marker and the blank tail
	// after a final one, then number what is left.
	if len(docs) > 1 && isBlankYAML(docs[0].text) {
		docs = docs[1:]
	}
	if n := len(docs); n > 1 && isBlankYAML(docs[n-1].text) {
		docs = docs[:n-1]
	}
	for i, d := range docs {
		d.index = i + 1
	}
	return docs
}

func isBlankYAML(b []byte) bool {
	for _, l := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(l)
		if t != "" && !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "%") {
			return false
		}
	}
	return true
}

func (d *document) decode() ([]Object, []string, []error) {
	if isBlankYAML(d.text) {
		return nil, nil, nil
	}
	js, err := yaml.YAMLToJSON(d.text)
	if err != nil {
		return nil, nil, []error{d.fail("", "", "not valid YAML or JSON: "+err.Error())}
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, nil, []error{d.fail("", "", "not valid YAML or JSON: "+err.Error())}
	}
	if v == nil {
		return nil, nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, nil, []error{d.fail("", "", fmt.Sprintf("a document must be an object, not %s", jsonKind(v)))}
	}
	if kind, _ := m["kind"].(string); kind == "List" || strings.HasSuffix(kind, "List") && m["items"] != nil {
		items, ok := m["items"].([]any)
		if !ok && m["items"] != nil {
			return nil, nil, []error{d.fail("", "items", "expected a list, got "+jsonKind(m["items"]))}
		}
		var objs []Object
		var warns []string
		var errs []error
		for i, it := range items {
			im, ok := it.(map[string]any)
			if !ok {
				errs = append(errs, d.fail("", index("items", i), "expected an object, got "+jsonKind(it)))
				continue
			}
			o, w, e := d.decodeObject(im, index("items", i)+": ")
			if o != nil {
				objs = append(objs, o)
			}
			warns = append(warns, w...)
			errs = append(errs, e...)
		}
		return objs, warns, errs
	}
	o, w, e := d.decodeObject(m, "")
	if o == nil {
		return nil, w, e
	}
	return []Object{o}, w, e
}

// decodeObject turns one object's map into an Object. prefix labels an
// item of a List.
func (d *document) decodeObject(m map[string]any, prefix string) (Object, []string, []error) {
	apiVersion, _ := m["apiVersion"].(string)
	kind, _ := m["kind"].(string)
	ref := mapRef(m, kind)
	var errs []error
	if apiVersion == "" {
		errs = append(errs, d.fail(prefix+ref, "apiVersion", "apiVersion is required"))
	}
	if kind == "" {
		errs = append(errs, d.fail(prefix+ref, "kind", "kind is required"))
	}
	if len(errs) > 0 {
		return nil, nil, errs
	}
	r := resolveKind(apiVersion, kind)
	if r.err != "" {
		return nil, nil, []error{d.fail(prefix+ref, "", r.err)}
	}
	var warns []string
	warn := func(msg string) { warns = append(warns, d.label()+": "+prefix+ref+": "+msg) }
	if r.skip != "" {
		warn(r.skip)
		return nil, warns, nil
	}
	if r.deprecated != "" {
		warn(r.deprecated)
	}
	obj := New(kind)
	w := &walker{seen: map[string]bool{}}
	w.walk(m, reflect.TypeOf(obj).Elem(), "", "")
	for _, msg := range w.warnings {
		warn(msg)
	}
	for _, te := range w.errors {
		errs = append(errs, d.fail(prefix+ref, te.path, te.msg))
	}
	if len(errs) > 0 {
		return nil, warns, errs
	}
	clean, err := json.Marshal(m)
	if err == nil {
		err = json.Unmarshal(clean, obj)
	}
	if err != nil {
		path := ""
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			path = ute.Field
		}
		return nil, warns, []error{d.fail(prefix+ref, path, err.Error())}
	}
	tm := obj.GetTypeMeta()
	tm.Kind = kind
	tm.APIVersion = r.apiVersion
	if path, spec := podSpecOf(obj); spec != nil && spec.TerminationGracePeriodSeconds != nil && *spec.TerminationGracePeriodSeconds < 0 {
		// Kubernetes' warningsForPodSpecAndMeta.
		warn(path + "terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be treated as 1")
	}
	return obj, warns, nil
}

// podSpecOf returns the pod spec of a Pod or of a workload's pod template,
// with its path ("spec.template.spec."), or nil.
func podSpecOf(obj Object) (string, *PodSpec) {
	switch o := obj.(type) {
	case *Pod:
		return "spec.", &o.Spec
	case *Deployment:
		return "spec.template.spec.", &o.Spec.Template.Spec
	case *ReplicaSet:
		return "spec.template.spec.", &o.Spec.Template.Spec
	case *StatefulSet:
		return "spec.template.spec.", &o.Spec.Template.Spec
	case *DaemonSet:
		return "spec.template.spec.", &o.Spec.Template.Spec
	case *Job:
		return "spec.template.spec.", &o.Spec.Template.Spec
	case *CronJob:
		return "spec.jobTemplate.spec.template.spec.", &o.Spec.JobTemplate.Spec.Template.Spec
	}
	return "", nil
}

// mapRef builds "Kind/namespace/name" from an undecoded object, with the
// namespace "default" for a namespaced kind that names none.
func mapRef(m map[string]any, kind string) string {
	if kind == "" {
		kind = "<no kind>"
	}
	md, _ := m["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	if name == "" {
		if g, _ := md["generateName"].(string); g != "" {
			name = g + "*"
		} else {
			name = "<unnamed>"
		}
	}
	ns, _ := md["namespace"].(string)
	if ns == "" && !IsClusterScopedKind(kind) {
		ns = DefaultNamespace
	}
	if ns == "" {
		return kind + "/" + name
	}
	return kind + "/" + ns + "/" + name
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

// ---- kinds and versions ----

type kindInfo struct {
	versions []string // apiVersions Kubernetes serves it under
	cluster  bool     // cluster-scoped
}

// unmodelledKinds are Kubernetes kinds orchestra skips with a warning.
var unmodelledKinds = map[string]kindInfo{
	"ConfigMap":                        {versions: []string{"v1"}},
	"Secret":                           {versions: []string{"v1"}},
	"ServiceAccount":                   {versions: []string{"v1"}},
	"LimitRange":                       {versions: []string{"v1"}},
	"ResourceQuota":                    {versions: []string{"v1"}},
	"ReplicationController":            {versions: []string{"v1"}},
	"PodTemplate":                      {versions: []string{"v1"}},
	"Binding":                          {versions: []string{"v1"}},
	"PersistentVolume":                 {versions: []string{"v1"}, cluster: true},
	"ComponentStatus":                  {versions: []string{"v1"}, cluster: true},
	"Role":                             {versions: []string{"rbac.authorization.k8s.io/v1"}},
	"RoleBinding":                      {versions: []string{"rbac.authorization.k8s.io/v1"}},
	"ClusterRole":                      {versions: []string{"rbac.authorization.k8s.io/v1"}, cluster: true},
	"ClusterRoleBinding":               {versions: []string{"rbac.authorization.k8s.io/v1"}, cluster: true},
	"PodDisruptionBudget":              {versions: []string{"policy/v1"}},
	"Ingress":                          {versions: []string{"networking.k8s.io/v1"}},
	"NetworkPolicy":                    {versions: []string{"networking.k8s.io/v1"}},
	"IngressClass":                     {versions: []string{"networking.k8s.io/v1"}, cluster: true},
	"IPAddress":                        {versions: []string{"networking.k8s.io/v1"}, cluster: true},
	"ServiceCIDR":                      {versions: []string{"networking.k8s.io/v1"}, cluster: true},
	"HorizontalPodAutoscaler":          {versions: []string{"autoscaling/v2", "autoscaling/v1"}},
	"StorageClass":                     {versions: []string{"storage.k8s.io/v1"}, cluster: true},
	"CSIDriver":                        {versions: []string{"storage.k8s.io/v1"}, cluster: true},
	"CSINode":                          {versions: []string{"storage.k8s.io/v1"}, cluster: true},
	"VolumeAttachment":                 {versions: []string{"storage.k8s.io/v1"}, cluster: true},
	"VolumeAttributesClass":            {versions: []string{"storage.k8s.io/v1"}, cluster: true},
	"CSIStorageCapacity":               {versions: []string{"storage.k8s.io/v1"}},
	"CustomResourceDefinition":         {versions: []string{"apiextensions.k8s.io/v1"}, cluster: true},
	"PriorityClass":                    {versions: []string{"scheduling.k8s.io/v1"}, cluster: true},
	"ValidatingWebhookConfiguration":   {versions: []string{"admissionregistration.k8s.io/v1"}, cluster: true},
	"MutatingWebhookConfiguration":     {versions: []string{"admissionregistration.k8s.io/v1"}, cluster: true},
	"ValidatingAdmissionPolicy":        {versions: []string{"admissionregistration.k8s.io/v1"}, cluster: true},
	"ValidatingAdmissionPolicyBinding": {versions: []string{"admissionregistration.k8s.io/v1"}, cluster: true},
	"Lease":                            {versions: []string{"coordination.k8s.io/v1"}},
	"RuntimeClass":                     {versions: []string{"node.k8s.io/v1"}, cluster: true},
	"CertificateSigningRequest":        {versions: []string{"certificates.k8s.io/v1"}, cluster: true},
	"FlowSchema":                       {versions: []string{"flowcontrol.apiserver.k8s.io/v1"}, cluster: true},
	"PriorityLevelConfiguration":       {versions: []string{"flowcontrol.apiserver.k8s.io/v1"}, cluster: true},
	"APIService":                       {versions: []string{"apiregistration.k8s.io/v1"}, cluster: true},
	"ResourceClaim":                    {versions: []string{"resource.k8s.io/v1"}},
	"ResourceClaimTemplate":            {versions: []string{"resource.k8s.io/v1"}},
	"DeviceClass":                      {versions: []string{"resource.k8s.io/v1"}, cluster: true},
	"ResourceSlice":                    {versions: []string{"resource.k8s.io/v1"}, cluster: true},
}

// removedVersions are group versions Kubernetes no longer serves, by
// "apiVersion kind", with the release that removed them.
var removedVersions = map[string]string{
	"extensions/v1beta1 Deployment":                         "1.16",
	"extensions/v1beta1 DaemonSet":                          "1.16",
	"extensions/v1beta1 ReplicaSet":                         "1.16",
	"extensions/v1beta1 NetworkPolicy":                      "1.16",
	"extensions/v1beta1 PodSecurityPolicy":                  "1.16",
	"extensions/v1beta1 Ingress":                            "1.22",
	"apps/v1beta1 Deployment":                               "1.16",
	"apps/v1beta1 StatefulSet":                              "1.16",
	"apps/v1beta1 ControllerRevision":                       "1.16",
	"apps/v1beta2 Deployment":                               "1.16",
	"apps/v1beta2 DaemonSet":                                "1.16",
	"apps/v1beta2 ReplicaSet":                               "1.16",
	"apps/v1beta2 StatefulSet":                              "1.16",
	"apps/v1beta2 ControllerRevision":                       "1.16",
	"batch/v2alpha1 CronJob":                                "1.21",
	"discovery.k8s.io/v1beta1 EndpointSlice":                "1.25",
	"events.k8s.io/v1beta1 Event":                           "1.25",
	"policy/v1beta1 PodDisruptionBudget":                    "1.25",
	"policy/v1beta1 PodSecurityPolicy":                      "1.25",
	"autoscaling/v2beta1 HorizontalPodAutoscaler":           "1.25",
	"autoscaling/v2beta2 HorizontalPodAutoscaler":           "1.26",
	"networking.k8s.io/v1beta1 Ingress":                     "1.22",
	"networking.k8s.io/v1beta1 IngressClass":                "1.22",
	"rbac.authorization.k8s.io/v1beta1 Role":                "1.22",
	"rbac.authorization.k8s.io/v1beta1 RoleBinding":         "1.22",
	"rbac.authorization.k8s.io/v1beta1 ClusterRole":         "1.22",
	"rbac.authorization.k8s.io/v1beta1 ClusterRoleBinding":  "1.22",
	"apiextensions.k8s.io/v1beta1 CustomResourceDefinition": "1.22",
	"scheduling.k8s.io/v1beta1 PriorityClass":               "1.17",
	"storage.k8s.io/v1beta1 CSIStorageCapacity":             "1.27",
}

// IsClusterScopedKind reports whether Kubernetes serves kind
// cluster-scoped, for the kinds orchestra models (IsClusterScoped) and the
// built-in ones it only recognizes (ClusterRole, PersistentVolume, ...).
// It reports false for a kind it does not know.
func IsClusterScopedKind(kind string) bool {
	if IsClusterScoped(kind) {
		return true
	}
	return unmodelledKinds[kind].cluster
}

// versionsOf returns the apiVersions Kubernetes serves kind under, or nil
// for a kind Kubernetes does not have.
func versionsOf(kind string) []string {
	switch kind {
	case "CronJob":
		return []string{"batch/v1"}
	case "Event":
		return []string{"v1", "events.k8s.io/v1"}
	}
	if v := APIVersionOf(kind); v != "" {
		return []string{v}
	}
	return unmodelledKinds[kind].versions
}

func groupOf(apiVersion string) string {
	g, _, ok := strings.Cut(apiVersion, "/")
	if !ok {
		return "" // the core group: "v1"
	}
	return g
}

// builtinGroup reports whether group belongs to Kubernetes itself rather
// than to a custom resource.
func builtinGroup(group string) bool {
	switch group {
	case "", "apps", "batch", "autoscaling", "policy", "extensions":
		return true
	}
	return group == "k8s.io" || strings.HasSuffix(group, ".k8s.io")
}

type resolved struct {
	apiVersion string // the apiVersion the object is read as
	skip       string // warning for a skipped document
	deprecated string // warning for a deprecated version
	err        string // error for a kind or version that does not exist
}

func resolveKind(apiVersion, kind string) resolved {
	group := groupOf(apiVersion)
	if !builtinGroup(group) {
		return resolved{skip: fmt.Sprintf("kind %s of %s is a custom resource, not modelled; skipped", kind, apiVersion)}
	}
	if apiVersion == "batch/v1beta1" && kind == "CronJob" {
		return resolved{apiVersion: "batch/v1", deprecated: "batch/v1beta1 CronJob is deprecated (Kubernetes removed it in 1.25); read as batch/v1"}
	}
	if rel, ok := removedVersions[apiVersion+" "+kind]; ok {
		now := versionsOf(kind)
		if New(kind) == nil {
			return resolved{skip: fmt.Sprintf("kind %s is not modelled (and %s was removed in Kubernetes %s); skipped", kind, apiVersion, rel)}
		}
		return resolved{err: fmt.Sprintf("%s %s was removed in Kubernetes %s; use %s", apiVersion, kind, rel, strings.Join(now, " or "))}
	}
	versions := versionsOf(kind)
	if versions == nil {
		msg := fmt.Sprintf("kind %q does not exist in %s", kind, apiVersion)
		if s := suggestKind(kind); s != "" {
			msg += " (did you mean " + s + "?)"
		}
		return resolved{err: msg}
	}
	for _, v := range versions {
		if v != apiVersion {
			continue
		}
		if New(kind) == nil || (kind == "Event" && apiVersion != "v1") {
			return resolved{skip: fmt.Sprintf("kind %s is not modelled; skipped", kind)}
		}
		return resolved{apiVersion: apiVersion}
	}
	return resolved{err: fmt.Sprintf("apiVersion %q does not exist for kind %s; use %s", apiVersion, kind, strings.Join(versions, " or "))}
}

// suggestKind returns the known kind closest to a misspelt one, if any is
// within two edits.
func suggestKind(kind string) string {
	best, bestD := "", 3
	try := func(k string) {
		if d := editDistance(strings.ToLower(kind), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	for _, k := range Kinds {
		try(k)
	}
	for _, k := range sortedKeys(unmodelledKinds) {
		try(k)
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// ---- the field walk ----

// notModelled lists, per Go type, the fields Kubernetes has on the
// matching API type that orchestra does not model. A field found in a
// manifest that is neither modelled nor listed here is an unknown field.
var notModelled = map[reflect.Type][]string{
	reflect.TypeFor[ObjectMeta](): {"selfLink", "managedFields", "clusterName"},
	reflect.TypeFor[PodSpec](): {
		"volumes", "serviceAccountName", "serviceAccount", "automountServiceAccountToken",
		"securityContext", "imagePullSecrets", "dnsPolicy", "dnsConfig", "hostPID", "hostIPC",
		"hostUsers", "shareProcessNamespace", "priorityClassName", "preemptionPolicy",
		"runtimeClassName", "enableServiceLinks", "overhead",
		"setHostnameAsFQDN", "os", "hostAliases", "ephemeralContainers",
		"resourceClaims", "resources", "hostnameOverride",
	},
	reflect.TypeFor[Container](): {
		"volumeMounts", "volumeDevices", "imagePullPolicy", "securityContext", "envFrom",
		"terminationMessagePath", "terminationMessagePolicy", "stdin", "stdinOnce",
		"tty", "resizePolicy", "restartPolicyRules",
	},
	reflect.TypeFor[Lifecycle]():            {"postStart", "stopSignal"},
	reflect.TypeFor[LifecycleHandler]():     {"tcpSocket"},
	reflect.TypeFor[EnvVarSource]():         {"configMapKeyRef", "secretKeyRef", "fileKeyRef"},
	reflect.TypeFor[ResourceRequirements](): {"claims"},
	reflect.TypeFor[Probe]():                {"grpc"},
	reflect.TypeFor[ServiceSpec](): {
		"loadBalancerIP", "loadBalancerSourceRanges", "loadBalancerClass", "externalIPs",
		"topologyKeys",
	},
	reflect.TypeFor[ServiceStatus]():       {"conditions"},
	reflect.TypeFor[LoadBalancerIngress](): {"ports", "ipMode"},
	reflect.TypeFor[PersistentVolumeClaimSpec](): {
		"selector", "dataSource", "dataSourceRef", "volumeAttributesClassName",
	},
	reflect.TypeFor[PersistentVolumeClaimStatus](): {
		"accessModes", "capacity", "conditions", "allocatedResources", "allocatedResourceStatuses",
		"currentVolumeAttributesClassName", "modifyVolumeStatus",
	},
	reflect.TypeFor[NodeSpec](): {"providerID", "configSource", "externalID"},
	reflect.TypeFor[NodeStatus](): {
		"phase", "nodeInfo", "images", "daemonEndpoints", "volumesInUse", "volumesAttached",
		"config", "runtimeHandlers", "features", "declaredFeatures",
	},
	reflect.TypeFor[PodStatus](): {
		"nominatedNodeName", "ephemeralContainerStatuses", "resize",
		"resourceClaimStatuses", "observedGeneration", "extendedResourceClaimStatus",
	},
	reflect.TypeFor[PodCondition](): {"observedGeneration"},
	reflect.TypeFor[ContainerStatus](): {
		"imageID", "allocatedResources", "allocatedResourcesStatus", "resources", "volumeMounts",
		"user", "stopSignal",
	},
	reflect.TypeFor[Event](): {
		"action", "related", "reportingComponent", "reportingInstance", "series", "eventTime",
	},
	reflect.TypeFor[Endpoint](): {"deprecatedTopology"},
}

var (
	timeType     = reflect.TypeFor[Time]()
	intstrType   = reflect.TypeFor[intstr.IntOrString]()
	quantityType = reflect.TypeFor[resource.Quantity]()
	rawType      = reflect.TypeFor[json.RawMessage]()
)

// structFields maps the JSON names of a struct type's fields (embedded
// inline structs flattened) to their types, and lists the unmodelled
// Kubernetes fields of the type and of its inline parts.
type structFields struct {
	fields      map[string]reflect.Type
	notModelled map[string]bool
}

var fieldCache sync.Map // reflect.Type -> *structFields

func fieldsOf(t reflect.Type) *structFields {
	if sf, ok := fieldCache.Load(t); ok {
		return sf.(*structFields)
	}
	sf := &structFields{fields: map[string]reflect.Type{}, notModelled: map[string]bool{}}
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for _, n := range notModelled[t] {
			sf.notModelled[n] = true
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				add(f.Type)
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			sf.fields[name] = f.Type
		}
	}
	add(t)
	fieldCache.Store(t, sf)
	return sf
}

type typeError struct{ path, msg string }

// walker checks an undecoded object against a Go type: it records
// warnings for unmodelled and unknown fields (once per collapsed path) and
// deletes them from the map, and records type errors with exact paths.
type walker struct {
	seen     map[string]bool
	warnings []string
	errors   []typeError
}

func (w *walker) warnOnce(collapsed, msg string) {
	if w.seen[collapsed] {
		return
	}
	w.seen[collapsed] = true
	w.warnings = append(w.warnings, msg)
}

func (w *walker) fail(path, msg string) { w.errors = append(w.errors, typeError{path, msg}) }

func describe(v any) string {
	switch x := v.(type) {
	case string:
		return "string " + strconv.Quote(x)
	case json.Number:
		return "number " + x.String()
	case bool:
		return "boolean " + strconv.FormatBool(x)
	}
	return jsonKind(v)
}

func (w *walker) walk(v any, t reflect.Type, path, collapsed string) {
	if v == nil {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case timeType:
		s, ok := v.(string)
		if !ok {
			w.fail(path, "expected an RFC 3339 time, got "+describe(v))
		} else if _, err := time.Parse(time.RFC3339, s); err != nil {
			w.fail(path, "expected an RFC 3339 time, got "+describe(v))
		}
		return
	case intstrType:
		switch x := v.(type) {
		case string:
		case json.Number:
			if n, err := x.Int64(); err != nil || n < math.MinInt32 || n > math.MaxInt32 {
				w.fail(path, "expected an integer or a string, got "+describe(v))
			}
		default:
			w.fail(path, "expected an integer or a string, got "+describe(v))
		}
		return
	case quantityType:
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case json.Number:
			s = x.String()
		default:
			w.fail(path, "expected a quantity such as \"500m\" or \"128Mi\", got "+describe(v))
			return
		}
		if _, err := resource.ParseQuantity(s); err != nil {
			w.fail(path, "expected a quantity such as \"500m\" or \"128Mi\", got "+describe(v))
		}
		return
	case rawType:
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			w.fail(path, "expected an object, got "+describe(v))
			return
		}
		sf := fieldsOf(t)
		for _, k := range sortedKeys(m) {
			fp, fc := child(path, k), child(collapsed, k)
			if ft, ok := sf.fields[k]; ok {
				w.walk(m[k], ft, fp, fc)
				continue
			}
			delete(m, k)
			if sf.notModelled[k] {
				w.warnOnce(fc, fc+" is not modelled")
				continue
			}
			msg := fc + " is an unknown field; ignored"
			if s := suggestField(k, sf.fields); s != "" {
				msg += " (did you mean " + s + "?)"
			}
			w.warnOnce(fc, msg)
		}
	case reflect.Slice:
		l, ok := v.([]any)
		if !ok {
			w.fail(path, "expected a list, got "+describe(v))
			return
		}
		for i, e := range l {
			w.walk(e, t.Elem(), index(path, i), collapsed+"[]")
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			w.fail(path, "expected an object, got "+describe(v))
			return
		}
		for _, k := range sortedKeys(m) {
			w.walk(m[k], t.Elem(), key(path, k), collapsed+"[]")
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			w.fail(path, "expected a string, got "+describe(v))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			w.fail(path, "expected a boolean, got "+describe(v))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			w.fail(path, "expected an integer, got "+describe(v))
			return
		}
		i, err := n.Int64()
		bits := t.Bits()
		if err != nil || i < -(1<<(bits-1)) || i > 1<<(bits-1)-1 {
			w.fail(path, fmt.Sprintf("expected an integer of %d bits, got %s", bits, describe(v)))
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(json.Number)
		if !ok {
			w.fail(path, "expected an unsigned integer, got "+describe(v))
			return
		}
		if _, err := strconv.ParseUint(n.String(), 10, t.Bits()); err != nil {
			w.fail(path, "expected an unsigned integer, got "+describe(v))
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := v.(json.Number); !ok {
			w.fail(path, "expected a number, got "+describe(v))
		}
	}
}

// suggestField returns the modelled field closest to a misspelt one.
func suggestField(name string, fields map[string]reflect.Type) string {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(strings.ToLower(name), strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}
