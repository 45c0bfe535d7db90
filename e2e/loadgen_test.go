package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	jsorc "github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/enginetest"
	"github.com/jsorc/jsorc/engine/measure"
)

// BenchmarkLoadGeneratorVsWrk drives the same endpoint — one call of the
// built-in synth module (2 ms of real CPU) in module mode through the
// engine's HTTP API — with jsorc's load generator and with wrk, each a
// closed loop on one connection (so neither client competes with the server
// for the two cores), and reports both tools' mean and median latency and
// their ratio (target: within 10%). It needs wrk (apt-get install wrk).
func BenchmarkLoadGeneratorVsWrk(b *testing.B) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("*** SKIPPED: wrk is not installed (apt-get install wrk) ***")
	}
	e := startEngine(b, b.TempDir())
	e.load(b, "synth", "module")
	const clients = 1
	const dur = 5 * time.Second
	body := []byte(`{"name":"synth.infer","ctx":{"data":"hello"}}`)
	url := e.URL + "/js_admin/actions_call"
	auth := "Bearer " + e.token(b)
	for b.Loop() {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
		res, err := measure.Load(context.Background(), func(ctx context.Context) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", auth)
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("HTTP %d", resp.StatusCode)
			}
			return nil
		}, measure.LoadOptions{Clients: clients, Duration: dur})
		if err != nil {
			b.Fatal(err)
		}
		s := res.Latency.Snapshot()
		if s.Errors > 0 {
			b.Fatalf("%d of %d requests failed", s.Errors, s.Count)
		}
		ourMean, ourP50 := ms(s.Mean()), ms(s.Quantile(0.5))

		script := filepath.Join(b.TempDir(), "post.lua")
		lua := fmt.Sprintf("wrk.method = \"POST\"\nwrk.body = '%s'\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = \"%s\"\n", body, auth)
		if err := os.WriteFile(script, []byte(lua), 0o600); err != nil {
			b.Fatal(err)
		}
		out, err := exec.Command(wrk, "-t", "1", "-c", strconv.Itoa(clients), "-d", fmt.Sprintf("%ds", int(dur.Seconds())),
			"-s", script, "--latency", url).CombinedOutput()
		if err != nil {
			b.Fatalf("wrk: %v\n%s", err, out)
		}
		wrkMean := wrkLatency(b, out, `Latency\s+(\S+)`)
		wrkP50 := wrkLatency(b, out, `50%\s+(\S+)`)
		b.ReportMetric(res.Throughput(), "ours-req/s")
		b.ReportMetric(ourMean, "ours-mean-ms")
		b.ReportMetric(ourP50, "ours-p50-ms")
		b.ReportMetric(wrkMean, "wrk-mean-ms")
		b.ReportMetric(wrkP50, "wrk-p50-ms")
		b.ReportMetric(ourMean/wrkMean, "mean-ratio")
		b.ReportMetric(ourP50/wrkP50, "p50-ratio")
	}
}

// BenchmarkLoadGeneratorModuleMode is the load generator's own ceiling:
// closed-loop requests that call the echo module in module mode in-process
// (target: at least 20,000 requests/s on two cores).
func BenchmarkLoadGeneratorModuleMode(b *testing.B) {
	e := enginetest.Start(b, jsorc.Options{DataDir: b.TempDir()})
	if _, err := e.Load(context.Background(), "echo", "module", jsorc.LoadOptions{}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := measure.Load(context.Background(), func(ctx context.Context) error {
			_, err := e.Call(ctx, "echo.echo", map[string]any{"value": "hello"})
			return err
		}, measure.LoadOptions{Clients: 4, Duration: 3 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(res.Throughput(), "req/s")
	}
}

// wrkLatency reads one latency figure from wrk's output, in ms.
func wrkLatency(b *testing.B, out []byte, pattern string) float64 {
	b.Helper()
	m := regexp.MustCompile(pattern).FindSubmatch(out)
	if m == nil {
		b.Fatalf("wrk output lacks %q:\n%s", pattern, out)
	}
	d, err := time.ParseDuration(string(m[1]))
	if err != nil {
		b.Fatalf("wrk latency %q: %v", m[1], err)
	}
	return ms(d)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
