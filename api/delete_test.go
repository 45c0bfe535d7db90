package api_test

import (
	"context"
	"testing"
)

func TestActionsDelete(t *testing.T) {
	t.Parallel()
	runAdminCases(t, []adminCase{
		{name: "not loaded", endpoint: "jsorc_actions_delete", body: `{"name":"synth"}`, code: 200, want: []string{"deleted module synth"},
			check: func(t *testing.T, f *fixture, a answer) {
				if _, err := f.e.Status("synth"); err == nil {
					t.Errorf("synth still configured after delete")
				}
			}},
		{name: "loaded", endpoint: "jsorc_actions_delete", body: `{"name":"echo"}`, code: 409, setup: loaded("echo"), want: []string{"-force"}},
		{name: "loaded, force", endpoint: "jsorc_actions_delete", body: `{"name":"echo","force":true}`, code: 200, setup: loaded("echo"),
			want: []string{"unloaded echo"}},
		{name: "unknown module", endpoint: "jsorc_actions_delete", body: `{"name":"nosuch"}`, code: 404},
		{name: "missing name", endpoint: "jsorc_actions_delete", body: `{}`, code: 400, want: []string{`"name"`}},
	})
}

// TestModuleLimits: a module name or count past its limit is a 400 that
// names the limit.
func TestModuleLimits(t *testing.T) {
	t.Parallel()
	long := make([]byte, 64)
	for i := range long {
		long[i] = 'a'
	}
	runAdminCases(t, []adminCase{
		{name: "name too long", endpoint: "jsorc_actions_config", body: `{"name":"all","config":"` + string(long) + `: {builtin: echo}"}`, code: 400,
			want: []string{"at most 63 characters"}},
		{name: "upper case", endpoint: "jsorc_actions_config", body: `{"name":"all","config":"UseEnc: {builtin: echo}"}`, code: 400,
			want: []string{"lower-case"}},
		{name: "too many", endpoint: "jsorc_actions_config", body: `{"name":"all","config":"m1: {builtin: echo}\nm2: {builtin: echo}"}`, code: 400,
			setup: func(t *testing.T, f *fixture) {
				if err := f.e.ConfigSet(context.Background(), "META_CONFIG", `{"max_modules": 4}`); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"the limit is 4", "max_modules"}},
	})
}
