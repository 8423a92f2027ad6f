package workload

import (
	"math/rand/v2"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

// randomName draws strings near the edges of the name rules: short ones
// of the characters that matter, and long ones built from valid labels.
func randomName(r *rand.Rand) string {
	const alphabet = "ab0Z-._/"
	var b strings.Builder
	switch r.IntN(4) {
	case 0: // long: dot-separated labels around the 63 and 253 limits
		for b.Len() < 240+r.IntN(20) {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(strings.Repeat("a", 1+r.IntN(70)))
		}
		if r.IntN(2) == 0 {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
	case 1: // around 63
		b.WriteString(strings.Repeat("a", 60+r.IntN(6)))
		if r.IntN(2) == 0 {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
	default:
		for range r.IntN(8) {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
	}
	return b.String()
}

// The byte-loop checks say "valid" exactly when apimachinery's functions
// return no error: on edge cases, every short string of the characters
// that matter, and random names near the limits.
func TestFastChecksAgreeWithApimachinery(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	edge := []string{"", "a", "-", "a-", "-a", "a.b", "a..b", ".a", "a.", "a-.b", "a.-b", "A", "a_b", "_a", "a/b", "/a", "a/", "a//b",
		"example.com/name", "Example.com/name", "a/B_c.d-e", strings.Repeat("a", 63), strings.Repeat("a", 64),
		strings.Repeat("a", 253), strings.Repeat("a", 254), strings.Repeat("a", 63) + "/" + strings.Repeat("b", 63)}
	check := func(s string) {
		t.Helper()
		for _, c := range []struct {
			name string
			fast bool
			msgs []string
		}{
			{"DNS1123Label", dns1123LabelOK(s), validation.IsDNS1123Label(s)},
			{"DNS1123Subdomain", dns1123SubdomainOK(s, false), validation.IsDNS1123Subdomain(s)},
			{"DNS1123Subdomain+a", dns1123SubdomainOK(s, true), validation.IsDNS1123Subdomain(s + "a")},
			{"LabelValue", labelValueOK(s), validation.IsValidLabelValue(s)},
			{"QualifiedName", qualifiedNameOK(s), validation.IsQualifiedName(s)},
		} {
			if c.fast != (len(c.msgs) == 0) {
				t.Errorf("%s(%q): fast check says %v, apimachinery says %q", c.name, s, c.fast, c.msgs)
			}
		}
	}
	for _, s := range edge {
		check(s)
	}
	// Every string of up to 4 characters of the alphabet that matters,
	// then random ones near the length limits.
	short := []string{""}
	for range 4 {
		var next []string
		for _, s := range short {
			for _, c := range "ab0Z-._/" {
				next = append(next, s+string(c))
			}
		}
		for _, s := range next {
			check(s)
		}
		short = next
	}
	for range 20000 {
		check(randomName(r))
	}
}

// Whenever the fast path passes an object's metadata, the full check
// finds nothing wrong with it either.
func TestObjectMetaFastPathOnlyPassesValidMetadata(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	kinds := []string{"Pod", "ReplicaSet", "Job", "Node", "Deployment", "ConfigMap"}
	pick := func() string {
		if r.IntN(3) == 0 {
			return randomName(r)
		}
		return []string{"", "web", "web-1", "app.example.com", "kube-system", "x-"}[r.IntN(6)]
	}
	passed := 0
	for range 100000 {
		m := &ObjectMeta{Name: pick(), GenerateName: pick(), Namespace: pick(), Generation: int64(r.IntN(3) - 1)}
		for range r.IntN(3) {
			if m.Labels == nil {
				m.Labels, m.Annotations = map[string]string{}, map[string]string{}
			}
			m.Labels[pick()] = pick()
			m.Annotations[pick()] = pick()
		}
		for range r.IntN(3) {
			m.OwnerReferences = append(m.OwnerReferences, OwnerReference{APIVersion: "v1", Kind: pick(), Name: pick(), UID: "u",
				Controller: Ptr(r.IntN(2) == 0)})
		}
		for range r.IntN(3) {
			m.Finalizers = append(m.Finalizers, []string{"orphan", "foregroundDeletion", "example.com/f", "a/b/c"}[r.IntN(4)])
		}
		kind := kinds[r.IntN(len(kinds))]
		if !objectMetaOK(kind, m) {
			continue
		}
		passed++
		v := &validator{}
		v.objectMetaFull(kind, m)
		if len(v.errs) > 0 {
			t.Fatalf("%s %+v: fast path passed it, the full check finds %v", kind, m, v.errs)
		}
	}
	if passed < 1000 {
		t.Fatalf("only %d of 100000 random objects passed the fast path: the test checks too little", passed)
	}
}
