package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine"
)

// TestMeasuringEndpoints walks JSORC's measuring APIs through their life:
// errors before start, start, a report with the app's numbers, stop
// clearing the active flag (JSORC never did), errors after stop.
func TestMeasuringEndpoints(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.e.Load(ctx, "echo", "module", engine.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.ConfigureApps(context.Background(), "test", []byte("ping: {steps: [{action: echo.echo, args: {value: \"$ctx\"}}]}")); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		endpoint string
		code     int
		want     string
	}{
		{"jsorc_benchmark_report", http.StatusConflict, "jsorc benchmark start"},
		// Stops of what does not run: JSORC's empties, or with strict
		// (jsorc's CLI and console) a conflict.
		{"jsorc_benchmark_stop", http.StatusOK, "{}"},
		{"jsorc_trackact_stop", http.StatusOK, "[]"},
		{"jsorc_tracksys_stop", http.StatusOK, `{"active":false,"states":[]}`},
		{"jsorc_benchmark_stop strict", http.StatusConflict, "not running"},
		{"jsorc_trackact_stop strict", http.StatusConflict, "not running"},
		{"jsorc_tracksys_stop strict", http.StatusConflict, "not running"},
		{"jsorc_benchmark_start", http.StatusOK, ""},
		{"jsorc_benchmark_start", http.StatusConflict, ""},
		{"jsorc_trackact_start", http.StatusOK, ""},
		{"jsorc_tracksys_start", http.StatusOK, ""},
	}
	for _, s := range steps {
		body := `{}`
		if name, ok := strings.CutSuffix(s.endpoint, " strict"); ok {
			s.endpoint, body = name, `{"strict":true}`
		}
		a := f.admin(t, s.endpoint, body)
		if a.code != s.code || !strings.Contains(a.raw, s.want) {
			t.Fatalf("%s: HTTP %d %s, want %d containing %q", s.endpoint, a.code, a.raw, s.code, s.want)
		}
	}
	for i := range 20 {
		if _, err := f.e.RunApp(ctx, "ping", map[string]any{"i": float64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	a := f.admin(t, "jsorc_benchmark_report", `{}`)
	run, _ := a.body[engine.ReqTypeApp].(map[string]any)
	ping, _ := run["ping"].(map[string]any)
	all, _ := run["all"].(map[string]any)
	if ping == nil || all == nil || ping["throughput"] == nil || ping["99th_latency"] == nil {
		t.Fatalf("benchmark report %s", a.raw)
	}
	// trackact and tracksys tick once per second.
	time.Sleep(2100 * time.Millisecond)
	sys := f.admin(t, "jsorc_tracksys_report", `{}`)
	if sys.body["active"] != true || sys.body["states"] == nil || !strings.Contains(sys.raw, `"jsorc"`) {
		t.Fatalf("tracksys report %s", sys.raw)
	}
	act := f.admin(t, "jsorc_trackact_stop", `{}`)
	hist, _ := act.value.([]any) // JSORC's bare list
	if act.code != http.StatusOK || len(hist) == 0 || !strings.Contains(act.raw, "echo.echo") {
		t.Fatalf("trackact stop %s", act.raw)
	}
	stop := f.admin(t, "jsorc_benchmark_stop", `{"report": false}`)
	if stop.code != http.StatusOK || stop.body == nil || len(stop.body) != 0 { // JSORC's {}
		t.Fatalf("benchmark stop without report: %s", stop.raw)
	}
	if a := f.admin(t, "jsorc_benchmark_report", `{}`); a.code != http.StatusConflict {
		t.Fatalf("report after stop: HTTP %d, want 409 (stop clears the active flag)", a.code)
	}
	if a := f.admin(t, "jsorc_tracksys_stop", `{}`); a.code != http.StatusOK || a.body["active"] != false {
		t.Fatalf("tracksys stop: %s", a.raw)
	}
}
