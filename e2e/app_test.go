package e2e

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

const greetApps = `# one request: encode the text, then echo the vector back
greet:
  doc: encode a greeting and echo it
  steps:
    - action: textenc.encode
      args: {text: "$ctx.text"}
    - action: echo.echo
      args: {value: "$prev"}
`

// appAnswer is the answer of `app run -o json`.
type appAnswer struct {
	Result    any       `json:"result"`
	StepsMS   []float64 `json:"steps_ms"`
	LatencyMS float64   `json:"latency_ms"`
}

// TestAppRun: an app chains textenc.encode into echo.echo; the request's
// result is the 256-float vector, the same as a direct encode.
func TestAppRun(t *testing.T) {
	t.Parallel()
	e := startEngine(t, t.TempDir())
	file := writeFile(t, t.TempDir(), "apps.yaml", greetApps)
	if out := e.mustCLI(t, "app", "config", file); !strings.Contains(out, "greet") {
		t.Errorf("app config printed %q; want it to name greet", out)
	}
	if out := e.mustCLI(t, "app", "list"); !strings.Contains(out, "greet") {
		t.Errorf("app list printed %q; want greet", out)
	}

	// Not loaded yet: the request fails and says why.
	if r := e.cli(t, "app", "run", "greet", "-ctx", `{"text":"hello"}`); r.Code == 0 || !strings.Contains(r.Stderr, "not loaded") {
		t.Errorf("app run with nothing loaded: want a \"not loaded\" failure, got %v", r)
	}

	e.load(t, "textenc", "module")
	e.load(t, "echo", "module")
	var ans appAnswer
	e.cliJSON(t, &ans, "app", "run", "greet", "-ctx", `{"text":"hello"}`)
	vec, ok := ans.Result.([]any)
	if !ok {
		t.Fatalf("app run greet: result is %T; want a list", ans.Result)
	}
	if len(vec) != 256 {
		t.Fatalf("app run greet: result has %d elements; want 256", len(vec))
	}
	if n := l2(t, vec); math.Abs(n-1) > 1e-6 {
		t.Errorf("app run greet: |result| = %v; want 1", n)
	}
	if len(ans.StepsMS) != 2 {
		t.Errorf("app run greet: steps_ms %v; want one figure per step (2)", ans.StepsMS)
	}
	if ans.LatencyMS <= 0 {
		t.Errorf("app run greet: latency_ms %v; want > 0", ans.LatencyMS)
	}
	direct := e.call(t, "textenc.encode", `{"text":"hello"}`)
	if !reflect.DeepEqual(ans.Result, direct) {
		t.Errorf("app result differs from textenc.encode(hello) called directly")
	}

	// Different text, different vector: $ctx.text really reaches the step.
	var other appAnswer
	e.cliJSON(t, &other, "app", "run", "greet", "-ctx", `{"text":"goodbye"}`)
	if reflect.DeepEqual(other.Result, ans.Result) {
		t.Errorf("app run greet gave the same vector for hello and goodbye")
	}

	// Missing context field: a clear failure, not a silent null.
	if r := e.cli(t, "app", "run", "greet", "-ctx", `{}`); r.Code == 0 {
		t.Errorf("app run greet without ctx.text: want a failure, got %v", r)
	}
}
