package scenario

import (
	"bytes"
	"path"
	"strings"

	"errors"
	"fmt"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"os"
	"path/filepath"
	"strconv"
	"time"

	yaml "sigs.k8s.io/yaml/goyaml.v3"

	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/workload"
)

// ErrInvalid is wrapped by every error about a bad scenario; the message
// names the file, the line and the key.
var ErrInvalid = errors.New("scenario: invalid")

// Defaults of SCENARIO.md v1.
var (
	DefaultStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

const defaultSeed = 1

// Scenario is a parsed scenario file (SCENARIO.md, version 1).
type Scenario struct {
	// Source names the file (for errors and warnings); empty for a
	// Scenario built in Go.
	Source string
	// Dir is the directory paths in the scenario are relative to.
	Dir string
	// Start is the virtual time at the beginning; zero means DefaultStart,
	// as for a file without start.
	Start time.Time
	// Seed seeds every random choice.
	Seed int64
	// Run is how long to play, from Start.
	Run time.Duration
	// Nodes are the cluster's nodes at Start.
	Nodes []*workload.Node
	// Objects are the objects applied at Start: the manifests' objects,
	// then the inline ones.
	Objects []workload.Object
	// Warnings are what loading the manifests and objects reported.
	Warnings []string
	// Behaviors are the fake containers' behaviour rules.
	Behaviors []fake.Behavior
	// Steps are the timed steps, in time order.
	Steps []Step
}

// Step is one timed step. Exactly one action field is set.
type Step struct {
	// At is the offset from the scenario's start.
	At time.Duration
	// Line is the step's line in the file.
	Line int

	AddNode           *workload.Node
	RemoveNode        string
	SetNodeLabels     *SetNodeLabels
	SetNodeTaints     *SetNodeTaints
	SetNodeReady      *SetNodeReady
	FailNode          string
	Cordon            string
	Uncordon          string
	DeletePods        *DeletePods
	FailPods          *FailPods
	Apply             []workload.Object
	Delete            *Delete
	StopControlPlane  bool
	StartControlPlane bool

	// key and keyLine name the step's action ("steps[3].delete") and its
	// line, for the errors of playing it; empty in a Step made by hand.
	key     string
	keyLine int
}

// SetNodeLabels merges labels into a node's; a nil value deletes the label.
type SetNodeLabels struct {
	Name   string
	Labels map[string]*string
}

// SetNodeTaints replaces a node's taints.
type SetNodeTaints struct {
	Name   string
	Taints []workload.Taint
}

// SetNodeReady sets a node's Ready condition.
type SetNodeReady struct {
	Name  string
	Ready bool
}

// DeletePods deletes the oldest Count pods matching Selector (all when
// Count is nil), with GracePeriod when set.
type DeletePods struct {
	Selector    string
	Count       *int
	GracePeriod *time.Duration
}

// FailPods makes the container of the oldest Count pods matching Selector
// die with ExitCode.
type FailPods struct {
	Selector string
	Count    *int
	ExitCode int32
}

// Delete deletes one object with a propagation policy.
type Delete struct {
	Kind, Namespace, Name, Propagation string
}

// Load reads and parses a scenario file.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return Parse(data, path)
}

// LoadManifests returns a scenario that plays Kubernetes manifest files as
// they are: their objects applied at the start on nodes nodes named
// node-1, node-2, ..., for run, with the default start, seed and
// behaviours. It is what examples/simulate -f does with a manifest, and
// spares a Go test the wrapper scenario that Load and Parse would need
// (see the package doc). nodes must be 1 to 100000 and run 0 or more;
// errors wrap ErrInvalid and name the argument, or the manifest with its
// bad object and field.
func LoadManifests(nodes int, run time.Duration, paths ...string) (*Scenario, error) {
	switch {
	case len(paths) == 0:
		return nil, fmt.Errorf("%w: LoadManifests: no manifest path", ErrInvalid)
	case nodes < 1 || nodes > 100000:
		return nil, fmt.Errorf("%w: LoadManifests: nodes %d: want 1 to 100000", ErrInvalid, nodes)
	case run < 0:
		return nil, fmt.Errorf("%w: LoadManifests: run %s: want 0 or more", ErrInvalid, run)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "nodes:\n  - count: %d\n    prefix: node-\nrun: %s\nmanifests:\n", nodes, run)
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err == nil {
			// Load each manifest first, so that an error names it
			// rather than a line of the wrapper.
			var objs []workload.Object
			if objs, _, err = workload.LoadFile(abs); err == nil {
				err = validateObjects(objs)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, p, err)
		}
		fmt.Fprintf(&b, "  - %q\n", abs)
	}
	s, err := Parse([]byte(b.String()), "LoadManifests")
	if err != nil {
		return nil, err
	}
	s.Source, s.Dir = strings.Join(paths, ", "), filepath.Dir(paths[0])
	return s, nil
}

// Parse parses a scenario; source is its path (relative paths inside it
// are resolved against source's directory).
func Parse(data []byte, source string) (*Scenario, error) {
	p := &parser{src: source, dir: filepath.Dir(source)}
	return p.parse(data)
}

type parser struct {
	src   string
	dir   string
	nodes map[string]bool
}

func (p *parser) errf(n *yaml.Node, key, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return fmt.Errorf("%w: %s:%d: %s: %s", ErrInvalid, p.src, line, key, fmt.Sprintf(format, args...))
}

// fields checks that n is a mapping whose keys are all allowed, and
// returns key -> value node.
func (p *parser) fields(n *yaml.Node, where string, allowed ...string) (map[string]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.errf(n, where, "want a mapping")
	}
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		if !ok[key] {
			if where == "" && (key == "apiVersion" || key == "kind") {
				return nil, p.errf(k, key, "unknown key: this is a Kubernetes manifest, not a scenario; "+
					"load it with LoadManifests, or list it under a scenario's manifests (examples/simulate -f plays a manifest as it is)")
			}
			return nil, p.errf(k, joinKey(where, key), "unknown key")
		}
		if _, dup := out[key]; dup {
			return nil, p.errf(k, joinKey(where, key), "duplicate key")
		}
		out[key] = v
	}
	return out, nil
}

func joinKey(where, key string) string {
	if where == "" {
		return key
	}
	return where + "." + key
}

func (p *parser) parse(data []byte) (*Scenario, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, p.src, err)
	}
	s := &Scenario{Source: p.src, Dir: p.dir, Start: DefaultStart, Seed: defaultSeed}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return s, nil
	}
	root := doc.Content[0]
	f, err := p.fields(root, "", "start", "seed", "run", "nodes", "manifests", "objects", "behaviors", "steps")
	if err != nil {
		return nil, err
	}
	if n := f["start"]; n != nil {
		t, err := time.Parse(time.RFC3339, n.Value)
		if err != nil {
			return nil, p.errf(n, "start", "want an RFC 3339 time: %v", err)
		}
		s.Start = t.UTC()
	}
	if n := f["seed"]; n != nil {
		v, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			return nil, p.errf(n, "seed", "want an integer")
		}
		s.Seed = v
	}
	runSet := false
	if n := f["run"]; n != nil {
		d, err := p.duration(n, "run")
		if err != nil {
			return nil, err
		}
		s.Run, runSet = d, true
	}
	p.nodes = map[string]bool{}
	if n := f["nodes"]; n != nil {
		if n.Kind != yaml.SequenceNode {
			return nil, p.errf(n, "nodes", "want a list")
		}
		for i, nn := range n.Content {
			nodes, err := p.nodeSpec(nn, fmt.Sprintf("nodes[%d]", i), true)
			if err != nil {
				return nil, err
			}
			for _, node := range nodes {
				if p.nodes[node.Name] {
					return nil, p.errf(nn, fmt.Sprintf("nodes[%d].name", i), "node %q declared twice", node.Name)
				}
				p.nodes[node.Name] = true
				s.Nodes = append(s.Nodes, node)
			}
		}
	}
	if n := f["manifests"]; n != nil {
		if n.Kind != yaml.SequenceNode {
			return nil, p.errf(n, "manifests", "want a list of paths")
		}
		for i, mn := range n.Content {
			path := mn.Value
			if !filepath.IsAbs(path) {
				path = filepath.Join(p.dir, path)
			}
			objs, warns, err := workload.LoadFile(path)
			if err == nil {
				err = validateObjects(objs)
			}
			if err != nil {
				return nil, p.errf(mn, fmt.Sprintf("manifests[%d]", i), "%v", err)
			}
			s.Objects = append(s.Objects, objs...)
			s.Warnings = append(s.Warnings, warns...)
			s.Warnings = append(s.Warnings, p.nodeObjectWarnings(objs)...)
		}
	}
	if n := f["objects"]; n != nil {
		if n.Kind != yaml.SequenceNode {
			return nil, p.errf(n, "objects", "want a list of objects")
		}
		for i, on := range n.Content {
			objs, warns, err := p.objects(on, fmt.Sprintf("objects[%d]", i))
			if err != nil {
				return nil, err
			}
			s.Objects = append(s.Objects, objs...)
			s.Warnings = append(s.Warnings, warns...)
		}
	}
	if n := f["behaviors"]; n != nil {
		if n.Kind != yaml.SequenceNode {
			return nil, p.errf(n, "behaviors", "want a list")
		}
		for i, bn := range n.Content {
			b, err := p.behavior(bn, fmt.Sprintf("behaviors[%d]", i))
			if err != nil {
				return nil, err
			}
			s.Behaviors = append(s.Behaviors, b)
		}
	}
	if n := f["steps"]; n != nil {
		if n.Kind != yaml.SequenceNode {
			return nil, p.errf(n, "steps", "want a list")
		}
		var last time.Duration
		for i, sn := range n.Content {
			st, warns, err := p.step(sn, fmt.Sprintf("steps[%d]", i))
			if err != nil {
				return nil, err
			}
			if st.At < last {
				return nil, p.errf(sn, fmt.Sprintf("steps[%d].at", i), "%v is before the previous step's %v", st.At, last)
			}
			last = st.At
			s.Steps = append(s.Steps, st)
			s.Warnings = append(s.Warnings, warns...)
		}
	}
	if !runSet {
		s.Run = time.Hour
		if len(s.Steps) > 0 {
			s.Run = s.Steps[len(s.Steps)-1].At + time.Hour
		}
	}
	for _, st := range s.Steps {
		if st.At > s.Run {
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s:%d: at %v: after the end of the run (%v): never played", s.Source, st.Line, st.At, s.Run))
		}
	}
	return s, nil
}

func (p *parser) duration(n *yaml.Node, key string) (time.Duration, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, p.errf(n, key, "want a duration such as 30s or 1h30m")
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil || d < 0 {
		return 0, p.errf(n, key, "bad duration %q: want a non-negative Go duration such as 30s or 1h30m", n.Value)
	}
	return d, nil
}

func (p *parser) intValue(n *yaml.Node, key string) (int64, error) {
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if n.Kind != yaml.ScalarNode || err != nil {
		return 0, p.errf(n, key, "want an integer, got %q", n.Value)
	}
	return v, nil
}

func (p *parser) boolValue(n *yaml.Node, key string) (bool, error) {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		return false, p.errf(n, key, "want true or false, got %q", n.Value)
	}
	return b, nil
}

// decodeInto decodes a YAML subtree into v through JSON (so that Kubernetes
// JSON tags apply), naming the key on error.
func (p *parser) decodeInto(n *yaml.Node, key string, v any) error {
	var raw any
	if err := n.Decode(&raw); err != nil {
		return p.errf(n, key, "%v", err)
	}
	b, err := yamlToJSON(n)
	if err != nil {
		return p.errf(n, key, "%v", err)
	}
	if err := jsonUnmarshalStrict(b, v); err != nil {
		return p.errf(n, key, "%v", err)
	}
	return nil
}

// nodeSpec parses a node entry (nodes list or addNode step). With allowCount
// it accepts count and prefix.
func (p *parser) nodeSpec(n *yaml.Node, where string, allowCount bool) ([]*workload.Node, error) {
	allowed := []string{"name", "labels", "taints", "capacity", "unschedulable"}
	if allowCount {
		allowed = append(allowed, "count", "prefix")
	}
	f, err := p.fields(n, where, allowed...)
	if err != nil {
		return nil, err
	}
	base := &workload.Node{}
	if v := f["labels"]; v != nil {
		if err := p.decodeInto(v, where+".labels", &base.Labels); err != nil {
			return nil, err
		}
	}
	if v := f["taints"]; v != nil {
		if err := p.decodeInto(v, where+".taints", &base.Spec.Taints); err != nil {
			return nil, err
		}
		for i, t := range base.Spec.Taints {
			switch t.Effect {
			case workload.TaintEffectNoSchedule, workload.TaintEffectPreferNoSchedule, workload.TaintEffectNoExecute:
			default:
				return nil, p.errf(v, fmt.Sprintf("%s.taints[%d].effect", where, i), "want NoSchedule, PreferNoSchedule or NoExecute, got %q", t.Effect)
			}
			if t.Key == "" {
				return nil, p.errf(v, fmt.Sprintf("%s.taints[%d].key", where, i), "required")
			}
		}
	}
	if v := f["capacity"]; v != nil {
		if err := p.decodeInto(v, where+".capacity", &base.Status.Capacity); err != nil {
			return nil, err
		}
	}
	if v := f["unschedulable"]; v != nil {
		b, err := p.boolValue(v, where+".unschedulable")
		if err != nil {
			return nil, err
		}
		base.Spec.Unschedulable = b
	}
	if c := f["count"]; c != nil {
		count, err := p.intValue(c, where+".count")
		if err != nil {
			return nil, err
		}
		if count < 1 || count > 100000 {
			return nil, p.errf(c, where+".count", "want 1 to 100000, got %d", count)
		}
		if f["name"] != nil {
			return nil, p.errf(f["name"], where+".name", "give either name or count and prefix")
		}
		prefix := "node-"
		if pn := f["prefix"]; pn != nil {
			prefix = pn.Value
		}
		out := make([]*workload.Node, 0, count)
		for i := int64(1); i <= count; i++ {
			nd := base.DeepCopy()
			nd.Name = prefix + strconv.FormatInt(i, 10)
			if errs := validation.IsDNS1123Subdomain(nd.Name); len(errs) > 0 {
				return nil, p.errf(c, where+".prefix", "%q is not a valid node name: %s", nd.Name, strings.Join(errs, "; "))
			}
			if i == 1 {
				if err := p.validNode(n, where, nd, f); err != nil {
					return nil, err
				}
			}
			out = append(out, nd)
		}
		return out, nil
	}
	if f["prefix"] != nil {
		return nil, p.errf(f["prefix"], where+".prefix", "prefix needs count")
	}
	nn := f["name"]
	if nn == nil || nn.Value == "" {
		return nil, p.errf(n, where+".name", "required")
	}
	if errs := validation.IsDNS1123Subdomain(nn.Value); len(errs) > 0 {
		return nil, p.errf(nn, where+".name", "%q is not a valid node name: %s", nn.Value, strings.Join(errs, "; "))
	}
	base.Name = nn.Value
	if err := p.validNode(n, where, base, f); err != nil {
		return nil, err
	}
	return []*workload.Node{base}, nil
}

// validNode checks a node's labels, taints and capacity as the API
// server validates a Node, and names the first bad field's key and line.
func (p *parser) validNode(n *yaml.Node, where string, nd *workload.Node, f map[string]*yaml.Node) error {
	err := workload.Validate(nd)
	var ve *workload.ValidationError
	if err == nil || !errors.As(err, &ve) || len(ve.Errors) == 0 {
		return err
	}
	fe := ve.Errors[0]
	at, k := n, where
	switch {
	case strings.HasPrefix(fe.Path, "metadata.labels"):
		at, k = f["labels"], where+".labels"
	case strings.HasPrefix(fe.Path, "spec.taints"):
		at, k = f["taints"], where+strings.TrimPrefix(fe.Path, "spec")
	case strings.HasPrefix(fe.Path, "status.capacity"):
		at, k = f["capacity"], where+strings.TrimPrefix(fe.Path, "status")
	}
	if at == nil {
		at = n
	}
	return p.errf(at, k, "%s", fe.Error())
}

// objects decodes an inline object (a YAML subtree) with the manifest
// loader.
func (p *parser) objects(n *yaml.Node, where string) ([]workload.Object, []string, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(n); err != nil {
		return nil, nil, p.errf(n, where, "%v", err)
	}
	objs, warns, err := workload.Decode(buf.Bytes(), fmt.Sprintf("%s:%d", p.src, n.Line))
	if err != nil {
		return nil, nil, p.errf(n, where, "%v", err)
	}
	if len(objs) == 0 && len(warns) == 0 {
		return nil, nil, p.errf(n, where, "no object")
	}
	// A kind the library does not model is skipped with a warning, as in
	// a manifest.
	if err := validateObjects(objs); err != nil {
		return nil, nil, p.errf(n, where, "%v", err)
	}
	return objs, append(warns, p.nodeObjectWarnings(objs)...), nil
}

// nodeObjectWarnings warns about each Node among objs that is not a node
// of the scenario at that point: applied, it is a Node object without a
// kubelet (the fake runtime runs the nodes of nodes: and addNode), which
// the node lifecycle marks Unknown and taints unreachable, as Kubernetes
// does a node whose kubelet never posted its status; the steps cannot
// refer to it. (A Node of the scenario applied changes its labels, taints
// and spec.unschedulable through the API.)
func (p *parser) nodeObjectWarnings(objs []workload.Object) []string {
	var out []string
	for _, o := range objs {
		if o.Kind() == "Node" && !p.nodes[o.GetObjectMeta().Name] {
			out = append(out, workload.Ref(o)+": a Node object has no kubelet here: it stays Unknown, tainted unreachable, and runs no pods (declare nodes under nodes: or with addNode)")
		}
	}
	return out
}

func (p *parser) behavior(n *yaml.Node, where string) (fake.Behavior, error) {
	var b fake.Behavior
	f, err := p.fields(n, where, "match", "startDelay", "runFor", "exitCode", "exitCodes", "failFirst",
		"failExitCode", "readyAfter", "crashAfter", "neverReady", "stopAfter")
	if err != nil {
		return b, err
	}
	if m := f["match"]; m != nil {
		mf, err := p.fields(m, where+".match", "image", "labels", "podName", "container")
		if err != nil {
			return b, err
		}
		if v := mf["image"]; v != nil {
			b.Match.Image = v.Value
		}
		if v := mf["labels"]; v != nil {
			if _, err := labels.Parse(v.Value); err != nil {
				return b, p.errf(v, where+".match.labels", "bad label selector %q: %v", v.Value, err)
			}
			b.Match.Labels = v.Value
		}
		for _, k := range []string{"image", "podName"} {
			if v := mf[k]; v != nil {
				if _, err := path.Match(v.Value, ""); err != nil {
					return b, p.errf(v, where+".match."+k, "bad glob %q: %v", v.Value, err)
				}
			}
		}
		if v := mf["podName"]; v != nil {
			b.Match.PodName = v.Value
		}
		if v := mf["container"]; v != nil {
			b.Match.Container = v.Value
		}
	}
	durs := map[string]*time.Duration{"startDelay": &b.StartDelay, "readyAfter": &b.ReadyAfter, "crashAfter": &b.CrashAfter}
	for _, k := range []string{"startDelay", "readyAfter", "crashAfter"} {
		if v := f[k]; v != nil {
			d, err := p.duration(v, where+"."+k)
			if err != nil {
				return b, err
			}
			*durs[k] = d
		}
	}
	if v := f["runFor"]; v != nil {
		d, err := p.duration(v, where+".runFor")
		if err != nil {
			return b, err
		}
		b.RunFor = &d
	}
	if v := f["stopAfter"]; v != nil {
		d, err := p.duration(v, where+".stopAfter")
		if err != nil {
			return b, err
		}
		b.StopAfter = &d
	}
	for _, k := range []string{"exitCode", "failExitCode", "failFirst"} {
		if v := f[k]; v != nil {
			x, err := p.intValue(v, where+"."+k)
			if err != nil {
				return b, err
			}
			if x < 0 || x > 255 && k != "failFirst" {
				return b, p.errf(v, where+"."+k, "want 0 to 255, got %d", x)
			}
			switch k {
			case "exitCode":
				b.ExitCode = int32(x)
			case "failExitCode":
				b.FailExitCode = int32(x)
			case "failFirst":
				b.FailFirst = int(x)
			}
		}
	}
	if v := f["exitCodes"]; v != nil {
		if v.Kind != yaml.SequenceNode {
			return b, p.errf(v, where+".exitCodes", "want a list of exit codes")
		}
		for i, c := range v.Content {
			x, err := p.intValue(c, fmt.Sprintf("%s.exitCodes[%d]", where, i))
			if err != nil {
				return b, err
			}
			if x < 0 || x > 255 {
				return b, p.errf(c, fmt.Sprintf("%s.exitCodes[%d]", where, i), "want 0 to 255, got %d", x)
			}
			b.ExitCodes = append(b.ExitCodes, int32(x))
		}
	}
	if v := f["neverReady"]; v != nil {
		x, err := p.boolValue(v, where+".neverReady")
		if err != nil {
			return b, err
		}
		b.NeverReady = x
	}
	return b, nil
}

// validateObjects checks objects as the cluster will when it applies them
// (defaulted, then validated), so that a bad one is reported with its line
// before anything plays.
func validateObjects(objs []workload.Object) error {
	for _, o := range objs {
		c := o.DeepCopyObject()
		workload.Default(c)
		if err := workload.Validate(c); err != nil {
			return err
		}
		if err := checkSimAnnotations(c); err != nil {
			return err
		}
	}
	return nil
}

// checkSimAnnotations checks the sim.orchestra.dev/* annotations of a pod,
// or of a workload's pod template, as SCENARIO.md defines them (see
// fake.ValidateObject): the error names the object and the field.
func checkSimAnnotations(o workload.Object) error {
	if err := fake.ValidateObject(o); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), fake.ErrInvalid.Error()+": "))
	}
	return nil
}

func (p *parser) nodeRef(n *yaml.Node, key string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Value == "" {
		return "", p.errf(n, key, "want a node name")
	}
	if !p.nodes[n.Value] {
		return "", p.errf(n, key, "node %q does not exist at this step", n.Value)
	}
	return n.Value, nil
}

func (p *parser) step(n *yaml.Node, where string) (Step, []string, error) {
	var st Step
	st.Line = n.Line
	actions := []string{"addNode", "removeNode", "setNodeLabels", "setNodeTaints", "setNodeReady", "failNode",
		"cordon", "uncordon", "deletePods", "failPods", "apply", "applyFile", "delete", "stopControlPlane", "startControlPlane"}
	f, err := p.fields(n, where, append([]string{"at"}, actions...)...)
	if err != nil {
		return st, nil, err
	}
	at := f["at"]
	if at == nil {
		return st, nil, p.errf(n, where+".at", "required")
	}
	if st.At, err = p.duration(at, where+".at"); err != nil {
		return st, nil, err
	}
	var action string
	for _, a := range actions {
		if f[a] != nil {
			if action != "" {
				return st, nil, p.errf(f[a], where+"."+a, "a step has one action; this one also has %s", action)
			}
			action = a
		}
	}
	if action == "" {
		return st, nil, p.errf(n, where, "no action (one of %v)", actions)
	}
	v := f[action]
	key := where + "." + action
	st.key, st.keyLine = key, v.Line
	var warns []string
	switch action {
	case "addNode":
		nodes, err := p.nodeSpec(v, key, false)
		if err != nil {
			return st, nil, err
		}
		if p.nodes[nodes[0].Name] {
			return st, nil, p.errf(v, key+".name", "node %q already exists", nodes[0].Name)
		}
		p.nodes[nodes[0].Name] = true
		st.AddNode = nodes[0]
	case "removeNode":
		name, err := p.nodeRef(v, key)
		if err != nil {
			return st, nil, err
		}
		delete(p.nodes, name)
		st.RemoveNode = name
	case "cordon", "uncordon", "failNode":
		name, err := p.nodeRef(v, key)
		if err != nil {
			return st, nil, err
		}
		switch action {
		case "cordon":
			st.Cordon = name
		case "uncordon":
			st.Uncordon = name
		default:
			st.FailNode = name
		}
	case "setNodeLabels":
		sf, err := p.fields(v, key, "name", "labels")
		if err != nil {
			return st, nil, err
		}
		if sf["name"] == nil {
			return st, nil, p.errf(v, key+".name", "required")
		}
		name, err := p.nodeRef(sf["name"], key+".name")
		if err != nil {
			return st, nil, err
		}
		st.SetNodeLabels = &SetNodeLabels{Name: name, Labels: map[string]*string{}}
		if l := sf["labels"]; l != nil {
			if l.Kind != yaml.MappingNode {
				return st, nil, p.errf(l, key+".labels", "want a mapping")
			}
			for i := 0; i+1 < len(l.Content); i += 2 {
				k, lv := l.Content[i], l.Content[i+1]
				if msgs := validation.IsQualifiedName(k.Value); len(msgs) > 0 {
					return st, nil, p.errf(k, key+".labels", "key %q: %s", k.Value, strings.Join(msgs, "; "))
				}
				if lv.Tag == "!!null" {
					st.SetNodeLabels.Labels[k.Value] = nil
				} else {
					val := lv.Value
					if msgs := validation.IsValidLabelValue(val); len(msgs) > 0 {
						return st, nil, p.errf(lv, key+".labels["+k.Value+"]", "value %q: %s", val, strings.Join(msgs, "; "))
					}
					st.SetNodeLabels.Labels[k.Value] = &val
				}
			}
		}
	case "setNodeTaints":
		sf, err := p.fields(v, key, "name", "taints")
		if err != nil {
			return st, nil, err
		}
		if sf["name"] == nil {
			return st, nil, p.errf(v, key+".name", "required")
		}
		name, err := p.nodeRef(sf["name"], key+".name")
		if err != nil {
			return st, nil, err
		}
		st.SetNodeTaints = &SetNodeTaints{Name: name}
		if t := sf["taints"]; t != nil {
			if err := p.decodeInto(t, key+".taints", &st.SetNodeTaints.Taints); err != nil {
				return st, nil, err
			}
			nd := &workload.Node{ObjectMeta: workload.ObjectMeta{Name: name}, Spec: workload.NodeSpec{Taints: st.SetNodeTaints.Taints}}
			if err := p.validNode(t, key, nd, map[string]*yaml.Node{"taints": t}); err != nil {
				return st, nil, err
			}
		}
	case "setNodeReady":
		sf, err := p.fields(v, key, "name", "ready")
		if err != nil {
			return st, nil, err
		}
		if sf["name"] == nil || sf["ready"] == nil {
			return st, nil, p.errf(v, key, "name and ready are required")
		}
		name, err := p.nodeRef(sf["name"], key+".name")
		if err != nil {
			return st, nil, err
		}
		ready, err := p.boolValue(sf["ready"], key+".ready")
		if err != nil {
			return st, nil, err
		}
		st.SetNodeReady = &SetNodeReady{Name: name, Ready: ready}
	case "deletePods":
		sf, err := p.fields(v, key, "selector", "count", "gracePeriod")
		if err != nil {
			return st, nil, err
		}
		dp := &DeletePods{}
		if s := sf["selector"]; s != nil {
			dp.Selector = s.Value
		}
		if c := sf["count"]; c != nil {
			x, err := p.intValue(c, key+".count")
			if err != nil || x < 0 {
				return st, nil, p.errf(c, key+".count", "want a non-negative integer")
			}
			n := int(x)
			dp.Count = &n
		}
		if g := sf["gracePeriod"]; g != nil {
			d, err := p.duration(g, key+".gracePeriod")
			if err != nil {
				return st, nil, err
			}
			dp.GracePeriod = &d
		}
		if err := checkSelector(dp.Selector); err != nil {
			return st, nil, p.errf(sf["selector"], key+".selector", "%v", err)
		}
		st.DeletePods = dp
	case "failPods":
		sf, err := p.fields(v, key, "selector", "count", "exitCode")
		if err != nil {
			return st, nil, err
		}
		fp := &FailPods{ExitCode: 1}
		if s := sf["selector"]; s != nil {
			fp.Selector = s.Value
		}
		if c := sf["count"]; c != nil {
			x, err := p.intValue(c, key+".count")
			if err != nil || x < 0 {
				return st, nil, p.errf(c, key+".count", "want a non-negative integer")
			}
			n := int(x)
			fp.Count = &n
		}
		if e := sf["exitCode"]; e != nil {
			x, err := p.intValue(e, key+".exitCode")
			if err != nil || x < 0 || x > 255 {
				return st, nil, p.errf(e, key+".exitCode", "want 0 to 255")
			}
			fp.ExitCode = int32(x)
		}
		if err := checkSelector(fp.Selector); err != nil {
			return st, nil, p.errf(sf["selector"], key+".selector", "%v", err)
		}
		st.FailPods = fp
	case "apply":
		objs, w, err := p.objects(v, key)
		if err != nil {
			return st, nil, err
		}
		st.Apply, warns = objs, w
	case "applyFile":
		path := v.Value
		if !filepath.IsAbs(path) {
			path = filepath.Join(p.dir, path)
		}
		objs, w, err := workload.LoadFile(path)
		if err == nil {
			err = validateObjects(objs)
		}
		if err != nil {
			return st, nil, p.errf(v, key, "%v", err)
		}
		st.Apply, warns = objs, append(w, p.nodeObjectWarnings(objs)...)
	case "delete":
		sf, err := p.fields(v, key, "kind", "namespace", "name", "propagation")
		if err != nil {
			return st, nil, err
		}
		d := &Delete{Namespace: "default"}
		if sf["kind"] == nil || sf["name"] == nil {
			return st, nil, p.errf(v, key, "kind and name are required")
		}
		d.Kind, d.Name = sf["kind"].Value, sf["name"].Value
		if workload.New(d.Kind) == nil {
			return st, nil, p.errf(sf["kind"], key+".kind", "unknown kind %q", d.Kind)
		}
		if ns := sf["namespace"]; ns != nil {
			d.Namespace = ns.Value
		}
		if workload.IsClusterScoped(d.Kind) {
			d.Namespace = ""
		}
		if pr := sf["propagation"]; pr != nil {
			switch pr.Value {
			case "Background", "Foreground", "Orphan":
				d.Propagation = pr.Value
			default:
				return st, nil, p.errf(pr, key+".propagation", "want Background, Foreground or Orphan, got %q", pr.Value)
			}
		}
		st.Delete = d
	case "stopControlPlane", "startControlPlane":
		b, err := p.boolValue(v, key)
		if err != nil {
			return st, nil, err
		}
		if !b {
			return st, nil, p.errf(v, key, "only true is meaningful")
		}
		if action == "stopControlPlane" {
			st.StopControlPlane = true
		} else {
			st.StartControlPlane = true
		}
	}
	return st, warns, nil
}
