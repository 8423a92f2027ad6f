package process_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orchestra-go/orchestra/process"
	"github.com/orchestra-go/orchestra/workload"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "1", "EMPTY": "", "B": "two words"}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"$(A)", "1"},
		{"x$(A)y$(B)z", "x1ytwo wordsz"},
		{"$(EMPTY)", ""},
		{"$(MISSING)", "$(MISSING)"},
		{"$$(A)", "$(A)"},
		{"$$", "$"},
		{"$$$(A)", "$1"},
		{"$A", "$A"},
		{"$", "$"},
		{"a$", "a$"},
		{"$(A", "$(A"},
		{"$()", "$()"},
		{"$(A)$(A)", "11"},
		{"100$", "100$"},
	}
	for _, tc := range tests {
		if got := process.Expand(tc.in, lookup); got != tc.want {
			t.Errorf("Expand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestArgv(t *testing.T) {
	env := []string{"POD_IP=127.1.0.2", "PORT=80", "PORT=8080"}
	tests := []struct {
		name     string
		c        workload.Container
		want     []string
		noComand bool
	}{
		{name: "command and args", c: workload.Container{Command: []string{"/bin/web", "-v"}, Args: []string{"--addr=$(POD_IP):$(PORT)"}},
			want: []string{"/bin/web", "-v", "--addr=127.1.0.2:8080"}},
		{name: "command only", c: workload.Container{Command: []string{"sleep", "1"}}, want: []string{"sleep", "1"}},
		{name: "args only", c: workload.Container{Args: []string{"echo", "$(POD_IP)"}}, want: []string{"echo", "127.1.0.2"}},
		{name: "no shell", c: workload.Container{Command: []string{"echo", "$HOME; rm -rf /"}}, want: []string{"echo", "$HOME; rm -rf /"}},
		{name: "neither", c: workload.Container{Image: "busybox"}, noComand: true},
		{name: "empty program", c: workload.Container{Command: []string{""}, Args: []string{"x"}}, noComand: true},
		{name: "empty args program", c: workload.Container{Args: []string{"", "x"}}, noComand: true},
	}
	for _, tc := range tests {
		tc.c.Name = "main"
		got, err := process.Argv(&tc.c, env)
		if tc.noComand {
			if !errors.Is(err, process.ErrNoCommand) {
				t.Errorf("%s: %v, %v; want ErrNoCommand", tc.name, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: argv (-want +got):\n%s", tc.name, diff)
		}
	}
}
