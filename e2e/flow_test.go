package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Texts for textenc: two close sentences and an unrelated one.
const (
	textCat     = "the quick brown fox jumps over the lazy dog"
	textCatToo  = "the quick brown fox jumped over a lazy dog"
	textFar     = "quarterly revenue of the semiconductor division"
	encodeHello = `{"text":"hello world"}`
)

func cosSimCtx(a, b string) string {
	ctx, _ := json.Marshal(map[string]string{"text1": a, "text2": b})
	return string(ctx)
}

// textencAnswers are the results of the same textenc calls in one mode.
type textencAnswers struct {
	similar, unrelated float64
	vector             []any
}

func callTextenc(t *testing.T, e *engine) textencAnswers {
	t.Helper()
	var a textencAnswers
	var ok bool
	sim := e.call(t, "textenc.cos_sim", cosSimCtx(textCat, textCatToo))
	if a.similar, ok = sim.(float64); !ok {
		t.Fatalf("cos_sim result %v (%T): want a number", sim, sim)
	}
	far := e.call(t, "textenc.cos_sim", cosSimCtx(textCat, textFar))
	if a.unrelated, ok = far.(float64); !ok {
		t.Fatalf("cos_sim result %v (%T): want a number", far, far)
	}
	vec := e.call(t, "textenc.encode", encodeHello)
	if a.vector, ok = vec.([]any); !ok {
		t.Fatalf("encode result %T: want a list", vec)
	}
	return a
}

// TestREADMEFlow walks the README: serve → config → load module → call →
// load remote (STARTING → READY) → call → unload auto → status.
func TestREADMEFlow(t *testing.T) {
	slow(t)
	t.Parallel()
	e := startEngine(t, t.TempDir())

	out := e.mustCLI(t, "actions", "config", "textenc", "builtin")
	if !strings.Contains(out, "textenc") {
		t.Errorf("actions config textenc builtin printed %q; want it to name textenc", out)
	}
	if st := e.status(t, "textenc"); st.mode() != "null" || st.Module.Loaded {
		t.Fatalf("before load: mode %s loaded %v; want null, false", st.mode(), st.Module.Loaded)
	}

	// Module mode.
	st := e.load(t, "textenc", "module")
	if st.mode() != `"module"` || st.Serving != "module" || !st.Module.Loaded {
		t.Fatalf("load module: mode %s serving %q loaded %v; want \"module\", module, true", st.mode(), st.Serving, st.Module.Loaded)
	}
	for _, a := range []string{"encode", "cos_sim", "topk"} {
		if !contains(st.Actions, a) {
			t.Errorf("load module: actions %v lack %q", st.Actions, a)
		}
	}
	inModule := callTextenc(t, e)
	if !(inModule.similar > inModule.unrelated) {
		t.Errorf("module mode: cos_sim(similar) = %v, not above cos_sim(unrelated) = %v", inModule.similar, inModule.unrelated)
	}
	if inModule.similar <= 0.5 || inModule.similar > 1+1e-9 {
		t.Errorf("module mode: cos_sim of near-identical sentences = %v; want in (0.5, 1]", inModule.similar)
	}
	if n := len(inModule.vector); n != 256 {
		t.Errorf("module mode: encode gave %d dimensions; want 256", n)
	}
	if norm := l2(t, inModule.vector); math.Abs(norm-1) > 1e-6 {
		t.Errorf("module mode: |encode(hello world)| = %v; want 1 (L2-normalised)", norm)
	}

	// Remote mode: the load answers at once, STARTING (or READY if fast);
	// JSORC's mode is the serving one, the previous until then.
	st = e.load(t, "textenc", "remote")
	if st.requested() != `"remote"` || (st.mode() != `"module"` && st.mode() != `"remote"`) {
		t.Errorf("load remote: mode %s requested %s; want module or remote, \"remote\"", st.mode(), st.requested())
	}
	if st.Remote.Status != "STARTING" && st.Remote.Status != "READY" {
		t.Errorf("load remote: remote.status %q; want STARTING or READY", st.Remote.Status)
	}
	// Make-before-break: while the server starts, calls are still served.
	if got := callTextenc(t, e); !reflect.DeepEqual(got, inModule) {
		t.Errorf("call during the switch: %v, want %v", got.similar, inModule.similar)
	}

	st = e.waitReady(t, "textenc")
	if st.Remote.PID <= 0 || !strings.HasPrefix(st.Remote.URL, "http://127.0.0.1:") {
		t.Fatalf("READY: remote pid %d url %q; want a child pid and a loopback URL", st.Remote.PID, st.Remote.URL)
	}
	if st.Module.Loaded {
		t.Errorf("READY in remote mode, the in-process module is still loaded")
	}
	serverPID := st.Remote.PID
	requireProcAlive(t, serverPID)
	code, body := httpGet(t, st.Remote.URL+"/jaseci_actions_spec/")
	if code != 200 || !strings.Contains(body, `"textenc.encode"`) {
		t.Errorf("GET %s/jaseci_actions_spec/: %d %s; want 200 naming textenc.encode", st.Remote.URL, code, body)
	}

	inRemote := callTextenc(t, e)
	if !reflect.DeepEqual(inRemote, inModule) {
		t.Errorf("remote mode answers differ from module mode:\n remote cos_sim %v / %v\n module cos_sim %v / %v\n vectors equal: %v",
			inRemote.similar, inRemote.unrelated, inModule.similar, inModule.unrelated, reflect.DeepEqual(inRemote.vector, inModule.vector))
	}

	// Unload auto: mode null, the action server retired.
	var un struct {
		Message string `json:"message"`
	}
	e.cliJSON(t, &un, "actions", "unload", "textenc", "-mode", "auto")
	if un.Message == "" {
		t.Errorf("unload: empty message")
	}
	st = e.status(t, "textenc")
	if st.mode() != "null" || st.Serving != "" || st.Module.Loaded {
		t.Errorf("after unload: mode %s serving %q loaded %v; want null, \"\", false", st.mode(), st.Serving, st.Module.Loaded)
	}
	waitProcGone(t, serverPID, 5*time.Second)
	if r := e.cli(t, "actions", "call", "textenc.encode", "-ctx", encodeHello); r.Code == 0 || !strings.Contains(r.Stderr, "not loaded") {
		t.Errorf("call after unload: want a \"not loaded\" failure, got %v", r)
	}
}

// TestLoadRemoteWait: `-wait` answers READY directly.
func TestLoadRemoteWait(t *testing.T) {
	slow(t)
	t.Parallel()
	e := startEngine(t, t.TempDir())

	start := time.Now()
	st := e.load(t, "textenc", "remote", "-wait")
	if st.Remote.Status != "READY" || st.Serving != "remote" || st.mode() != `"remote"` {
		t.Fatalf("load -wait: mode %s status %q serving %q; want \"remote\", READY, remote", st.mode(), st.Remote.Status, st.Serving)
	}
	t.Logf("load -mode remote -wait took %v", time.Since(start).Round(time.Millisecond))
	requireProcAlive(t, st.Remote.PID)
	got := e.call(t, "textenc.cos_sim", cosSimCtx(textCat, textCat))
	if f, ok := got.(float64); !ok || math.Abs(f-1) > 1e-9 {
		t.Errorf("cos_sim of a text with itself, remote: %v; want 1", got)
	}

	// The table form says READY too, and a second -wait is immediate.
	r := e.cli(t, "actions", "load", "textenc", "-mode", "remote", "-wait")
	if r.Code != 0 || !strings.Contains(r.Stdout, "READY") {
		t.Errorf("second load -wait (table): want READY, got %v", r)
	}
	if again := e.status(t, "textenc"); again.Remote.PID != st.Remote.PID {
		t.Errorf("a second remote load replaced the server: pid %d → %d", st.Remote.PID, again.Remote.PID)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// l2 is the Euclidean norm of a decoded JSON list of numbers.
func l2(t *testing.T, v []any) float64 {
	t.Helper()
	var sum float64
	for i, x := range v {
		f, ok := x.(float64)
		if !ok {
			t.Fatalf("element %d is %T, not a number", i, x)
		}
		sum += f * f
	}
	return math.Sqrt(sum)
}

// TestLoadRemoteAnswersAtOnce: a remote load without -wait answers at once,
// and the answer already says the server is STARTING (or READY): a caller
// polling on that answer must never see a remote load with no status.
// Repeated, from nothing and from module mode, because the answer races
// the engine's reconciler.
func TestLoadRemoteAnswersAtOnce(t *testing.T) {
	slow(t)
	t.Parallel()
	e := startEngine(t, t.TempDir())
	const rounds = 12
	for _, from := range []string{"none", "module"} {
		t.Run("from_"+from, func(t *testing.T) {
			bad := 0
			var example string
			for i := 0; i < rounds; i++ {
				if from == "module" {
					e.load(t, "echo", "module")
				}
				start := time.Now()
				st := e.load(t, "echo", "remote")
				if took := time.Since(start); took > 2*time.Second {
					t.Errorf("round %d: load -mode remote without -wait took %v; want an answer at once", i, took)
				}
				if st.requested() != `"remote"` {
					t.Errorf("round %d: load remote answered requested mode %s", i, st.requested())
				}
				if st.Remote.Status != "STARTING" && st.Remote.Status != "READY" {
					bad++
					example = fmt.Sprintf("remote.status %q serving %q url %q", st.Remote.Status, st.Serving, st.Remote.URL)
				}
				e.waitReady(t, "echo")
				e.cliJSON(t, nil, "actions", "unload", "echo", "-mode", "auto")
			}
			if bad > 0 {
				t.Errorf("%d of %d `actions load echo -mode remote` answers (from %s) had no STARTING/READY status, e.g. %s",
					bad, rounds, from, example)
			}
		})
	}
}

// TestLoadRemoteWaitTimeout: `-wait` gives up after -timeout with a clear
// error when the server crashes or never answers its spec, and unload
// still ends the server the engine started.
func TestLoadRemoteWaitTimeout(t *testing.T) {
	slow(t)
	t.Parallel()
	e := startEngine(t, t.TempDir())
	cfg := writeFile(t, t.TempDir(), "bad.yaml", `
crasher:
  local: {command: ["/bin/false"]}
mute:
  local: {command: ["sleep", "300"]}
`)
	e.mustCLI(t, "actions", "config", "all", cfg)

	for _, tc := range []struct {
		module, status string
	}{
		{"crasher", "CRASHED"},
		{"mute", "STARTING"},
	} {
		t.Run(tc.module, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			r := e.cli(t, "actions", "load", tc.module, "-mode", "remote", "-wait", "-timeout", "2")
			took := time.Since(start)
			if r.Code == 0 {
				t.Fatalf("load %s -wait: want a failure, got %v", tc.module, r)
			}
			if took < 1500*time.Millisecond || took > 6*time.Second {
				t.Errorf("load %s -wait -timeout 2 gave up after %v; want about 2s", tc.module, took)
			}
			if !strings.Contains(r.Stderr, tc.module) || !strings.Contains(r.Stderr, "remote") {
				t.Errorf("load %s -wait: stderr %q; want it to name the module and the mode", tc.module, r.Stderr)
			}
			st := e.status(t, tc.module)
			if st.Remote.Status != tc.status || st.Serving != "" {
				t.Errorf("%s after the timeout: remote.status %q serving %q; want %s, nothing serving", tc.module, st.Remote.Status, st.Serving, tc.status)
			}
			if r := e.cli(t, "actions", "call", tc.module+".x", "-ctx", "{}"); r.Code == 0 {
				t.Errorf("call on %s with no server: want a failure, got %v", tc.module, r)
			}
			pid := st.Remote.PID
			e.cliJSON(t, nil, "actions", "unload", tc.module, "-mode", "auto")
			if st := e.status(t, tc.module); st.mode() != "null" || st.Remote.Status != "" {
				t.Errorf("%s after unload: mode %s remote.status %q; want null, \"\"", tc.module, st.mode(), st.Remote.Status)
			}
			if tc.module == "mute" {
				waitProcGone(t, pid, 5*time.Second)
			}
		})
	}
}
