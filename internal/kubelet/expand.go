package kubelet

import "strings"

// Expand expands $(VAR) references in s as Kubernetes does in command,
// args and env values: $(VAR) becomes lookup(VAR) when it is defined and
// stays as written otherwise; $$ becomes $; any other $ is kept.
func Expand(s string, lookup func(string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := lookup(name); ok && name != "" {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

// ExpandEnv returns env ("KEY=value" entries) with $(VAR) in each value
// expanded from the entries before it, as Kubernetes expands dependent
// environment variables.
func ExpandEnv(env []string) []string {
	out := make([]string, 0, len(env))
	seen := map[string]string{}
	lookup := func(k string) (string, bool) { v, ok := seen[k]; return v, ok }
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		v = Expand(v, lookup)
		seen[k] = v
		out = append(out, k+"="+v)
	}
	return out
}

// ExpandArgs returns the container's command followed by its args, with
// $(VAR) expanded from env (already expanded entries, the last definition
// winning).
func ExpandArgs(command, args, env []string) []string {
	m := make(map[string]string, len(env))
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		m[k] = v
	}
	lookup := func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	out := make([]string, 0, len(command)+len(args))
	for _, s := range command {
		out = append(out, Expand(s, lookup))
	}
	for _, s := range args {
		out = append(out, Expand(s, lookup))
	}
	return out
}
