package e2e

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// nonZero in a table means "any failing exit code".
const nonZero = -1

// TestCLIWithoutEngine: commands that need an engine say how to start one.
func TestCLIWithoutEngine(t *testing.T) {
	t.Parallel()
	url := "http://" + freeAddr(t) // nothing listens there
	for _, args := range [][]string{
		{"actions", "status"},
		{"actions", "load", "textenc", "-mode", "module"},
		{"config", "get", "META_CONFIG", "-o", "json"},
	} {
		t.Run(strings.Join(args, "_"), func(t *testing.T) {
			r := runCLI(t, append(args, "--server", url)...)
			if r.Code == 0 {
				t.Fatalf("want a failure with no engine, got %v", r)
			}
			for _, want := range []string{"no engine at", url, "jsorc serve"} {
				if !strings.Contains(r.Stderr, want) {
					t.Errorf("stderr %q lacks %q", r.Stderr, want)
				}
			}
			if r.Stdout != "" {
				t.Errorf("stdout %q; want nothing on failure", r.Stdout)
			}
		})
	}

	// JSORC_SERVER is honoured the same way.
	t.Run("env", func(t *testing.T) {
		// runCLI drops JSORC_SERVER; set it on this one command.
		r := runCLIEnv(t, []string{"JSORC_SERVER=" + url}, "actions", "status")
		if r.Code == 0 || !strings.Contains(r.Stderr, "no engine at "+url) {
			t.Errorf("JSORC_SERVER=%s actions status: want \"no engine at %s\", got %v", url, url, r)
		}
	})
}

// TestCLIErrors: usage errors exit 2; engine-side errors exit non-zero with a
// message naming the problem; -o json prints the API answer.
func TestCLIErrors(t *testing.T) {
	t.Parallel()
	e := startEngine(t, t.TempDir())
	e.load(t, "textenc", "module")

	for _, tc := range []struct {
		name string
		args []string
		code int
		want []*regexp.Regexp // on stderr
	}{
		{"unknown command", []string{"nosuch"}, 2, rx(`nosuch`)},
		{"unknown subcommand", []string{"actions", "frobnicate"}, 2, rx(`frobnicate`)},
		{"load without mode", []string{"actions", "load", "textenc"}, 2, rx(`-mode`)},
		{"load without name", []string{"actions", "load", "-mode", "module"}, 2, rx(`(?i)usage`)},
		{"call without action", []string{"actions", "call"}, 2, rx(`(?i)usage`)},
		{"unknown flag", []string{"actions", "status", "-bogusflag"}, 2, rx(`bogusflag`)},
		{"load unconfigured", []string{"actions", "load", "nosuch", "-mode", "module"}, nonZero, rx(`nosuch`, `not configured`)},
		{"bad mode", []string{"actions", "load", "textenc", "-mode", "sideways"}, nonZero, rx(`mode`, `sideways`)},
		{"bad unload mode", []string{"actions", "unload", "textenc", "-mode", "sideways"}, nonZero, rx(`mode`, `sideways`)},
		{"unknown parameter", []string{"actions", "call", "textenc.encode", "-ctx", `{"bogus":1}`}, nonZero, rx(`bogus`, `\btext\b`)},
		{"missing parameter", []string{"actions", "call", "textenc.cos_sim", "-ctx", `{"text1":"a"}`}, nonZero, rx(`text2`)},
		{"unknown action", []string{"actions", "call", "textenc.nosuch", "-ctx", `{}`}, nonZero, rx(`nosuch`)},
		{"module not loaded", []string{"actions", "call", "echo.echo", "-ctx", `{"value":1}`}, nonZero, rx(`echo`, `not loaded`)},
		{"malformed ctx", []string{"actions", "call", "textenc.encode", "-ctx", `{"text":`}, nonZero, rx(`(?i)json`)},
		{"status of unknown module", []string{"actions", "status", "nosuch"}, nonZero, rx(`nosuch`)},
		{"missing config source", []string{"actions", "config", "textenc", "/nonexistent/jsorc-e2e.yaml"}, nonZero, rx(`nonexistent`)},
		{"unknown config name", []string{"config", "get", "NOSUCH_CONFIG"}, nonZero, rx(`NOSUCH_CONFIG`)},
		{"unknown app", []string{"app", "run", "nosuch", "-ctx", `{}`}, nonZero, rx(`nosuch`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.cli(t, tc.args...)
			switch {
			case tc.code == nonZero && r.Code == 0:
				t.Errorf("want a failure, got %v", r)
			case tc.code != nonZero && r.Code != tc.code:
				t.Errorf("want exit %d, got %v", tc.code, r)
			}
			for _, re := range tc.want {
				if !re.MatchString(r.Stderr) {
					t.Errorf("stderr %q does not match %q", r.Stderr, re)
				}
			}
		})
	}

	// A failed call leaves the module working.
	got := e.call(t, "textenc.cos_sim", cosSimCtx(textCat, textCat))
	if f, ok := got.(float64); !ok || f < 1-1e-9 || f > 1+1e-9 {
		t.Errorf("cos_sim after the failures: %v; want 1", got)
	}
}

// TestCLIJSONOutput: every -o json answer is one JSON object with
// "success": true, but those JSORC answered bare (config get: a JSON
// string), and the table form prints something else.
func TestCLIJSONOutput(t *testing.T) {
	t.Parallel()
	e := startEngine(t, t.TempDir())
	for _, args := range [][]string{
		{"actions", "status"},
		{"actions", "status", "textenc"},
		{"actions", "config", "textenc", "builtin"},
		{"actions", "load", "echo", "-mode", "module"},
		{"actions", "call", "echo.echo", "-ctx", `{"value": "x"}`},
		{"actions", "unload", "echo", "-mode", "auto"},
	} {
		t.Run(strings.Join(args, "_"), func(t *testing.T) {
			var ans map[string]any
			e.cliJSON(t, &ans, args...)
			if len(ans) < 2 {
				t.Errorf("answer %v carries nothing besides success", ans)
			}
		})
	}

	// META_CONFIG: the default of DESIGN §4 on a fresh data dir.
	var meta struct{ Value string }
	if err := json.Unmarshal([]byte(e.mustCLI(t, "config", "get", "META_CONFIG", "-o", "json")), &meta.Value); err != nil {
		t.Fatalf("config get -o json is not JSORC's JSON string: %v", err)
	}
	var cfg struct {
		Automation      *bool    `json:"automation"`
		BackoffInterval float64  `json:"backoff_interval"`
		Namespace       string   `json:"namespace"`
		KeepAlive       []string `json:"keep_alive"`
	}
	if err := json.Unmarshal([]byte(meta.Value), &cfg); err != nil {
		t.Fatalf("META_CONFIG value %q is not JSON: %v", meta.Value, err)
	}
	if cfg.Automation == nil || *cfg.Automation || cfg.BackoffInterval != 10 || cfg.Namespace != "default" || len(cfg.KeepAlive) == 0 {
		t.Errorf("default META_CONFIG = %s; want automation false, backoff_interval 10, namespace default, keep_alive set", meta.Value)
	}

	// The table form of status is not JSON and lists the built-ins.
	table := e.mustCLI(t, "actions", "status")
	if json.Valid([]byte(table)) {
		t.Errorf("actions status without -o json printed JSON:\n%s", table)
	}
	for _, m := range []string{"echo", "synth", "textenc"} {
		if !strings.Contains(table, m) {
			t.Errorf("actions status table lacks %s:\n%s", m, table)
		}
	}
}

func rx(patterns ...string) []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(patterns))
	for i, p := range patterns {
		out[i] = regexp.MustCompile(p)
	}
	return out
}
