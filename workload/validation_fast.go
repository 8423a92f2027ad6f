package workload

import "slices"

// The checks below are byte loops that say whether a string passes one of
// apimachinery's validation functions (validation.IsDNS1123Subdomain and
// the rest), without the regular expressions, string splits and error
// lists those build. They answer only "valid"; the metadata check falls
// back to apimachinery for any object one of them refuses, so the errors
// a caller sees are always apimachinery's. TestFastChecksAgreeWithApimachinery
// holds them to it.

func isAlnumLower(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

func isAlnum(c byte) bool { return isAlnumLower(c) || c >= 'A' && c <= 'Z' }

// dns1123LabelOK is validation.IsDNS1123Label returning no error:
// [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters.
func dns1123LabelOK(s string) bool {
	if len(s) == 0 || len(s) > 63 || !isAlnumLower(s[0]) || !isAlnumLower(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !isAlnumLower(c) && c != '-' {
			return false
		}
	}
	return true
}

// dns1123SubdomainOK is validation.IsDNS1123Subdomain returning no error:
// dot-separated [a-z0-9]([-a-z0-9]*[a-z0-9])? labels (of any length), at
// most 253 characters. With endsInA the string is checked as if an "a"
// followed it: a generateName prefix that may end in "-".
func dns1123SubdomainOK(s string, endsInA bool) bool {
	n := len(s)
	if endsInA {
		n++
	}
	if n == 0 || n > 253 {
		return false
	}
	at := func(i int) byte {
		if i == len(s) {
			return 'a'
		}
		return s[i]
	}
	start := true // at the first character of a label
	for i := range n {
		c := at(i)
		switch {
		case isAlnumLower(c):
			start = false
		case c == '-' && !start && i+1 < n && at(i+1) != '.':
		case c == '.' && !start && i+1 < n:
			start = true
		default:
			return false
		}
	}
	return true
}

// qualifiedNamePartOK is the name part of validation.IsQualifiedName:
// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], 1 to 63 characters.
func qualifiedNamePartOK(s string) bool {
	return len(s) <= 63 && labelValueOK(s) && s != ""
}

// labelValueOK is validation.IsValidLabelValue returning no error: empty,
// or ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] of at most 63 characters.
func labelValueOK(s string) bool {
	if s == "" {
		return true
	}
	if len(s) > 63 || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// qualifiedNameOK is validation.IsQualifiedName returning no error: a name
// part, optionally after a DNS subdomain prefix and one "/".
func qualifiedNameOK(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return i > 0 && dns1123SubdomainOK(s[:i], false) && qualifiedNamePartOK(s[i+1:])
		}
	}
	return qualifiedNamePartOK(s)
}

// hasUpper reports whether s holds an ASCII upper-case letter.
func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

// objectMetaOK reports, without allocating, that objectMeta would find
// nothing wrong with m: the common case of a controller's object (a pod
// from generateName with a few labels and one owner reference). false
// means "not sure": objectMeta then runs the full check.
func objectMetaOK(kind string, m *ObjectMeta) bool {
	switch kind {
	case "Service", "Namespace", "StatefulSet", "CronJob":
		// Other name rules, or a length rule of their own.
		return false
	}
	switch {
	case m.Name != "":
		if !dns1123SubdomainOK(m.Name, false) {
			return false
		}
	case m.GenerateName == "":
		return false
	}
	if g := m.GenerateName; g != "" {
		trimmed := g[len(g)-1] == '-'
		if trimmed {
			g = g[:len(g)-1]
		}
		if !dns1123SubdomainOK(g, trimmed) {
			return false
		}
	}
	if IsClusterScoped(kind) {
		if m.Namespace != "" {
			return false
		}
	} else if m.Namespace != "" && !dns1123LabelOK(m.Namespace) {
		return false
	}
	if m.Generation < 0 || m.DeletionGracePeriodSeconds != nil && *m.DeletionGracePeriodSeconds < 0 {
		return false
	}
	for k, val := range m.Labels {
		if !qualifiedNameOK(k) || !labelValueOK(val) {
			return false
		}
	}
	total := 0
	for k, val := range m.Annotations {
		if hasUpper(k) || !qualifiedNameOK(k) {
			return false
		}
		total += len(k) + len(val)
	}
	if total > TotalAnnotationSizeLimit {
		return false
	}
	controllers := 0
	for i := range m.OwnerReferences {
		r := &m.OwnerReferences[i]
		if r.APIVersion == "" || r.Kind == "" || r.Name == "" || r.UID == "" {
			return false
		}
		if r.Controller != nil && *r.Controller {
			controllers++
		}
	}
	if controllers > 1 {
		return false
	}
	for _, f := range m.Finalizers {
		if !qualifiedNameOK(f) {
			return false
		}
	}
	return !(slices.Contains(m.Finalizers, "orphan") && slices.Contains(m.Finalizers, "foregroundDeletion"))
}
