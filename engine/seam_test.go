package engine_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/backend/fake"
	"github.com/jsorc/jsorc/engine/enginetest"
)

// The engine computes the scrape targets once for every backend: each
// action server it runs, by module, from its URL; an external server is
// not its to scrape; a retired server leaves the targets.
func TestScrapeTargets(t *testing.T) {
	fb := fake.New(nil)
	e := enginetest.Start(t, engine.Options{DataDir: t.TempDir(), Backend: fb}).Engine
	ext := startEchoServer(t)
	if _, err := e.ConfigureActions(context.Background(), "ext_echo", "test", []byte("ext_echo: {url: \""+ext+"\"}")); err != nil {
		t.Fatal(err)
	}
	st := load(t, e, "echo", "remote")
	load(t, e, "ext_echo", "remote")
	u, err := url.Parse(st.Remote.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := net.SplitHostPort(u.Host); err != nil {
		t.Fatalf("echo's URL %q has no host:port", st.Remote.URL)
	}
	if got := fb.ScrapeTargets().Servers; len(got) != 1 || got["echo"] != u.Host {
		t.Errorf("targets %v, want echo at %s only", got, u.Host)
	}
	e.SetAPIAddr("127.0.0.1:8799")
	if got := fb.ScrapeTargets().Engine; got != "127.0.0.1:8799" {
		t.Errorf("engine target %q", got)
	}
	if _, err := e.Unload(ctxT(t), "echo", "auto", true); err != nil {
		t.Fatal(err)
	}
	if got := fb.ScrapeTargets().Servers; len(got) != 0 {
		t.Errorf("targets after retiring echo: %v", got)
	}
	if got := fb.Running(); len(got) != 0 {
		t.Errorf("servers still running after retire: %v", got)
	}
}

// Events carry their type, the module or policy, a time and what happened.
func TestEvents(t *testing.T) {
	e := newEngine(t)
	events, stop := e.Subscribe()
	defer stop()
	before := time.Now()
	load(t, e, "echo", "module")
	if _, err := e.PolicySet(context.Background(), "costmodel", nil); err != nil {
		t.Fatal(err)
	}
	seen := map[engine.EventType]engine.Event{}
	deadline := time.After(5 * time.Second)
	for seen[engine.EventModule].Name != "echo" || seen[engine.EventPolicy].Name == "" {
		select {
		case ev := <-events:
			if ev.At.Before(before) {
				t.Errorf("event %+v stamped before it happened", ev)
			}
			seen[ev.Type] = ev
		case <-deadline:
			t.Fatalf("events seen: %+v", seen)
		}
	}
	if p := seen[engine.EventPolicy]; p.Name != "costmodel" || p.Message != "policy set to costmodel" {
		t.Errorf("policy event %+v", p)
	}
}

// Reading the stats never waits for a sample: while tracksys's query to
// Prometheus hangs (until its 800 ms timeout), Stats answers at once.
func TestStatsDoNotWaitForPrometheus(t *testing.T) {
	queried := make(chan struct{}, 1)
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case queried <- struct{}{}:
		default:
		}
		<-r.Context().Done() // hangs until the engine gives up
	}))
	defer prom.Close()
	e := startTrackSys(t, fake.New(map[string]string{"promon": prom.URL}))
	select {
	case <-queried:
	case <-time.After(10 * time.Second):
		t.Fatal("tracksys never queried the Prometheus")
	}
	// The sample in progress holds the query for up to 800 ms; a read
	// that waited for it would take most of that.
	start := time.Now()
	e.Stats(0)
	if d := time.Since(start); d > 300*time.Millisecond {
		t.Errorf("Stats took %v while a Prometheus query hung: it waited for the sample", d)
	}
	if _, err := e.TrackSysStop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestTrackSysRateWindowSpansScrapes: tracksys's rate queries span at least
// four of the backend's scrape intervals (a window shorter than two scrapes
// reads 0 on a real Prometheus): 10 s at the local backend's 2 s scrapes,
// 60 s at the cluster's 15 s.
func TestTrackSysRateWindowSpansScrapes(t *testing.T) {
	for _, tc := range []struct {
		interval time.Duration
		window   string
	}{{2 * time.Second, "[10s]"}, {15 * time.Second, "[60s]"}} {
		t.Run(tc.window, func(t *testing.T) {
			queries := make(chan string, 16)
			prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				select {
				case queries <- r.Form.Get("query"):
				default:
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[]}}`))
			}))
			defer prom.Close()
			fb := fake.New(map[string]string{"promon": prom.URL})
			fb.SetScrapeInterval(tc.interval)
			e := startTrackSys(t, fb)
			defer func() { _, _ = e.TrackSysStop(context.Background()) }()
			deadline := time.After(10 * time.Second)
			for {
				select {
				case q := <-queries:
					if strings.Contains(q, "rate(") {
						if !strings.Contains(q, tc.window) {
							t.Fatalf("rate query %q, want a window of %s", q, tc.window)
						}
						return
					}
				case <-deadline:
					t.Fatal("tracksys made no rate query")
				}
			}
		})
	}
}

// startTrackSys runs an engine on fb with promon kept alive and tracksys
// started.
func startTrackSys(t *testing.T, fb *fake.Backend) *engine.Engine {
	t.Helper()
	e := enginetest.Start(t, engine.Options{DataDir: t.TempDir(), Backend: fb}).Engine
	if err := e.ConfigSet(context.Background(), engine.MetaConfigName, `{"keep_alive": ["promon"]}`); err != nil {
		t.Fatal(err)
	}
	if err := e.ServiceRefresh(context.Background(), "meta"); err != nil {
		t.Fatal(err)
	}
	if err := e.TrackSysStart(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}
