package engine_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/protocol"
	"github.com/jsorc/jsorc/internal/run"
)

func TestLoadCallUnloadModule(t *testing.T) {
	e := newEngine(t)
	st := load(t, e, "textenc", "local")
	if st.Mode == nil || *st.Mode != "module" || st.Serving != "module" || !st.Module.Loaded {
		t.Fatalf("after load: %+v", st)
	}
	if got := st.Actions; len(got) != 3 || got[0] != "cos_sim" {
		t.Errorf("actions %v, want cos_sim, encode, topk", got)
	}
	sim, err := e.Call(ctxT(t), "textenc.cos_sim", map[string]any{"text1": "the cat sat on the mat", "text2": "a cat sat on a mat"})
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := sim.(float64); s < 0.3 {
		t.Errorf("cos_sim of similar texts = %v, want > 0.3", sim)
	}
	msg, err := e.Unload(ctxT(t), "textenc", "auto", true)
	if err != nil {
		t.Fatal(err)
	}
	if msg != "unloaded textenc from module mode" {
		t.Errorf("unload message %q", msg)
	}
	st, _ = e.Status("textenc")
	if st.Mode != nil || st.RequestedMode != nil || st.Serving != "" || st.Module.Loaded {
		t.Errorf("after unload: %+v", st)
	}
	if _, err := e.Call(ctxT(t), "textenc.encode", map[string]any{"text": "x"}); !errors.Is(err, engine.ErrNotLoaded) {
		t.Errorf("call after unload: %v, want ErrNotLoaded", err)
	}
}

func TestRequestErrors(t *testing.T) {
	e := newEngine(t)
	load(t, e, "echo", "module")
	external := []byte("ext:\n  url: http://127.0.0.1:1\n")
	if _, err := e.ConfigureActions(context.Background(), "ext", "ext.yaml", external); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"bad load mode", func() error { _, err := e.Load(ctxT(t), "echo", "cloud", engine.LoadOptions{}); return err }, engine.ErrInvalid},
		{"load unknown module", func() error { _, err := e.Load(ctxT(t), "nope", "module", engine.LoadOptions{}); return err }, engine.ErrNotFound},
		{"module mode of a URL-only module", func() error { _, err := e.Load(ctxT(t), "ext", "module", engine.LoadOptions{}); return err }, engine.ErrConflict},
		{"unload not loaded", func() error { _, err := e.Unload(ctxT(t), "textenc", "auto", true); return err }, engine.ErrConflict},
		{"unload wrong mode", func() error { _, err := e.Unload(ctxT(t), "echo", "remote", true); return err }, engine.ErrConflict},
		{"bad unload mode", func() error { _, err := e.Unload(ctxT(t), "echo", "sideways", true); return err }, engine.ErrInvalid},
		{"call without module", func() error { _, err := e.Call(ctxT(t), "echo", nil); return err }, engine.ErrInvalid},
		{"call unconfigured", func() error { _, err := e.Call(ctxT(t), "nope.x", nil); return err }, engine.ErrNotFound},
		{"call not loaded", func() error { _, err := e.Call(ctxT(t), "synth.infer", nil); return err }, engine.ErrNotLoaded},
		{"call unknown action", func() error { _, err := e.Call(ctxT(t), "echo.nope", nil); return err }, engine.ErrNotFound},
		{"call missing param", func() error { _, err := e.Call(ctxT(t), "echo.echo", nil); return err }, engine.ErrInvalid},
		{"call extra param", func() error {
			_, err := e.Call(ctxT(t), "echo.echo", map[string]any{"value": 1.0, "bogus": 2.0})
			return err
		}, engine.ErrInvalid},
		{"unknown config", func() error { _, err := e.ConfigGet("OTHER"); return err }, engine.ErrNotFound},
		{"backoff below floor", func() error {
			return e.ConfigSet(context.Background(), engine.MetaConfigName, `{"backoff_interval": 2}`)
		}, engine.ErrInvalid},
		{"backoff above limit", func() error {
			return e.ConfigSet(context.Background(), engine.MetaConfigName, `{"backoff_interval": 10000000000}`)
		}, engine.ErrInvalid},
		{"meta unknown field", func() error { return e.ConfigSet(context.Background(), engine.MetaConfigName, `{"automatic": true}`) }, engine.ErrInvalid},
		{"unknown policy", func() error { _, err := e.PolicySet(context.Background(), "random", nil); return err }, engine.ErrInvalid},
		{"unknown app", func() error { _, err := e.RunApp(ctxT(t), "nope", nil); return err }, engine.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want one wrapping %v", err, tt.want)
			}
			if err.Error() == "" {
				t.Fatal("empty message")
			}
		})
	}
}

func TestParseActionConfigs(t *testing.T) {
	tests := []struct {
		name, src string
		ok        bool
	}{
		{"builtin with params", "m:\n  builtin: synth\n  params: {mem_mb: 1}\n  local_mem_requirement: 1\n", true},
		{"url only", `{"m": {"url": "http://127.0.0.1:9000"}}`, true},
		{"local command", "m:\n  local: {command: [\"/bin/server\", \"--addr\", \"{addr}\"]}\n", true},
		{"unknown field", "m:\n  builtin: echo\n  colour: red\n", false},
		{"nothing runnable", "m:\n  local_mem_requirement: 5\n", false},
		{"empty command", "m:\n  local: {command: []}\n", false},
		{"negative memory", "m:\n  builtin: echo\n  local_mem_requirement: -1\n", false},
		{"not a URL", "m:\n  url: ftp://x\n", false},
		{"bad timeout", "m:\n  builtin: echo\n  timeout: soon\n", false},
		{"replicas", "m:\n  builtin: echo\n  replicas: {min: 1, max: 4}\n", true},
		{"one replica exactly", "m:\n  builtin: echo\n  replicas: {min: 2, max: 2}\n", true},
		{"replicas min 0", "m:\n  builtin: echo\n  replicas: {min: 0, max: 4}\n", false},
		{"replicas max below min", "m:\n  builtin: echo\n  replicas: {min: 3, max: 2}\n", false},
		{"replicas max too high", "m:\n  builtin: echo\n  replicas: {min: 1, max: 65}\n", false},
		{"replicas of a url", "m:\n  url: http://127.0.0.1:9000\n  replicas: {min: 1, max: 2}\n", false},
		{"replicas not a range", "m:\n  builtin: echo\n  replicas: 3\n", false},
		{"bad name", "\"a b\":\n  builtin: echo\n", false},
		{"JSORC's names", "use_enc: {builtin: echo}\ntext_seg: {builtin: echo}\nsbert-sim2: {builtin: echo}\n", true},
		{"name of 63 characters", strings.Repeat("a", 63) + ": {builtin: echo}\n", true},
		{"name of 64 characters", strings.Repeat("a", 64) + ": {builtin: echo}\n", false},
		{"name of 10k characters", strings.Repeat("a", 10_000) + ": {builtin: echo}\n", false},
		{"upper case", "Use_Enc: {builtin: echo}\n", false},
		{"leading underscore", "_enc: {builtin: echo}\n", false},
		{"trailing dash", "enc-: {builtin: echo}\n", false},
		{"dot", "use.enc: {builtin: echo}\n", false},
		{"path", "../enc: {builtin: echo}\n", false},
		{"empty", "{}", false},
		{"not yaml", "m: [", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := engine.ParseActionConfigs([]byte(tt.src))
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, engine.ErrInvalid) {
				t.Fatalf("err %v does not wrap ErrInvalid", err)
			}
		})
	}
}

// startEchoServer runs an echo action server that the engine did not start,
// as someone else's server would be.
func startEchoServer(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(protocol.NewHandler("ext_echo", echoInstance(t), protocol.HandlerOptions{}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestExternalServer(t *testing.T) {
	url := startEchoServer(t)
	e := newEngine(t)
	if _, err := e.ConfigureActions(context.Background(), "ext_echo", "test", []byte("ext_echo: {url: \""+url+"\"}")); err != nil {
		t.Fatal(err)
	}
	st := load(t, e, "ext_echo", "remote")
	if st.Remote.Status != "READY" || !st.Remote.External || st.Remote.URL != url || st.Remote.PID != 0 {
		t.Fatalf("status %+v", st)
	}
	got, err := e.Call(ctxT(t), "ext_echo.echo", map[string]any{"value": []any{1.0, map[string]any{"a": nil}}})
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := got.([]any); len(l) != 2 {
		t.Fatalf("echo returned %v", got)
	}
	if _, err := e.Unload(ctxT(t), "ext_echo", "auto", true); err != nil {
		t.Fatal(err)
	}
	// Remote calls count the payload they moved; the sampler publishes it.
	deadline := time.Now().Add(5 * time.Second)
	for e.Stats(0).Actions["ext_echo.echo/remote"].Bytes == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("remote call bytes never counted: %+v", e.Stats(0).Actions)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Retiring an external server only stops watching it: it is not ours.
	c := protocol.NewClient(protocol.ClientOptions{})
	if _, err := c.Spec(ctxT(t), url); err != nil {
		t.Fatalf("external server gone after unload: %v", err)
	}
}

func TestSecondEngineOnSameDataDir(t *testing.T) {
	dir := t.TempDir()
	openEngine(t, dir)
	start := time.Now()
	_, err := engine.New(context.Background(), engine.Options{DataDir: dir, LockTimeout: 200 * time.Millisecond, Group: run.NewGroup(run.Options{})})
	if err == nil {
		t.Fatal("second engine opened the same data directory")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("second engine took %v to fail", d)
	}
	t.Logf("second engine: %v", err)
}

func TestAppRun(t *testing.T) {
	e := newEngine(t)
	apps := []byte(`
pipeline:
  steps:
    - {action: textenc.encode, args: {text: "$ctx.text"}}
    - {action: echo.args, args: {first: "$prev", second: ["$ctx.tag", "$ctx"]}}
`)
	if _, err := e.ConfigureApps(context.Background(), "test", apps); err != nil {
		t.Fatal(err)
	}
	if _, err := e.RunApp(ctxT(t), "pipeline", map[string]any{"text": "hi"}); !errors.Is(err, engine.ErrNotLoaded) {
		t.Fatalf("run before load: %v, want ErrNotLoaded", err)
	}
	load(t, e, "textenc", "module")
	load(t, e, "echo", "module")
	res, err := e.RunApp(ctxT(t), "pipeline", map[string]any{"text": "hello world", "tag": "t1"})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := res.Result.(map[string]any)
	vec, _ := out["first"].([]float64)
	second, _ := out["second"].([]any)
	if len(vec) != 256 || len(second) != 2 || second[0] != "t1" {
		t.Fatalf("result %#v", res.Result)
	}
	if len(res.StepsMS) != 2 || res.LatencyMS <= 0 {
		t.Errorf("timings %+v", res)
	}
}

func TestMetaConfig(t *testing.T) {
	dir := t.TempDir()
	e := openEngine(t, dir)
	if err := e.ConfigSet(context.Background(), engine.MetaConfigName, `{"automation": true, "backoff_interval": 7, "keep_alive": ["redis"]}`); err != nil {
		t.Fatal(err)
	}
	closeEngine(t, e)
	e2 := openEngine(t, dir)
	m := e2.Meta()
	if !m.Automation || m.BackoffInterval != 7 || len(m.KeepAlive) != 1 || m.Namespace != "default" {
		t.Fatalf("META_CONFIG after restart: %+v", m)
	}
}

// echoInstance loads the built-in echo module outside any engine.
func echoInstance(t testing.TB) actions.Instance {
	t.Helper()
	b, err := actions.NewRegistry().Lookup("echo")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := b.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

func TestStatsCountCalls(t *testing.T) {
	e := newEngine(t)
	load(t, e, "echo", "module")
	const n = 250
	for i := range n {
		if _, err := e.Call(ctxT(t), "echo.echo", map[string]any{"value": float64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := e.Stats(0)
		if m := s.Modules["echo"]; m.Calls == n {
			a := s.Actions["echo.echo/module"]
			if a.Calls != n || len(s.Series) == 0 {
				t.Fatalf("action stats %+v, %d samples", a, len(s.Series))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats never counted %d calls: %+v", n, s.Modules)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
