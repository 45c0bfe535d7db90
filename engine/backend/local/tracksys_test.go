package local_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/services"
)

// TestTrackSysPerModuleRates runs the kept-alive Prometheus against the
// engine (its API's /metrics, job "jsorc") and two action servers (a job
// each, named by its module) and wants tracksys to read, from that real
// Prometheus, a non-zero CPU rate for the busy server and the engine, and
// a figure for each module apart: rates over windows of several scrapes.
func TestTrackSysPerModuleRates(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus")
	}
	needBinary(t, "prometheus")
	e := openEngine(t, reachableDir(t)).Engine
	const token = "tracksys-test-token-0123456789"
	h, err := api.NewServer(e, api.Options{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e.SetAPIAddr(strings.TrimPrefix(srv.URL, "http://"))
	if err := e.ConfigSet(context.Background(), engine.MetaConfigName, `{"automation": true, "backoff_interval": 5, "keep_alive": ["promon"]}`); err != nil {
		t.Fatal(err)
	}
	if err := e.ServiceRefresh(context.Background(), "meta"); err != nil {
		t.Fatal(err)
	}
	waitService(t, e, "promon", func(i services.Info) bool { return i.State == services.StateReady })
	load(t, e, "textenc", "remote")
	load(t, e, "echo", "remote")
	if err := e.TrackSysStart(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	busy := make(chan struct{})
	go func() { // keep textenc's server (and the engine calling it) busy
		defer close(busy)
		text := strings.Repeat("the quick brown fox jumps over the lazy dog ", 200)
		for ctx.Err() == nil {
			_, _ = e.Call(ctx, "textenc.encode", map[string]any{"text": text})
		}
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := e.TrackSysReport()
		if n := len(r.States); n > 0 {
			last := r.States[n-1]
			p := last.Prometheus
			if last.Source == "prometheus" && p["textenc"].CPUCores > 0 && p["jsorc"].CPUCores > 0 && p["echo"].MemBytes > 0 {
				t.Logf("from Prometheus: textenc %.3f cores, jsorc %.3f cores, echo %.1f MB",
					p["textenc"].CPUCores, p["jsorc"].CPUCores, float64(p["echo"].MemBytes)/(1<<20))
				if last.Actions["textenc"].Mode != "remote" {
					t.Errorf("state's actions %+v", last.Actions)
				}
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("tracksys never read non-zero rates per module from Prometheus: %+v", r.States[max(0, len(r.States)-1):])
		}
		time.Sleep(500 * time.Millisecond)
	}
	cancel()
	<-busy
	if _, err := e.TrackSysStop(context.Background()); err != nil {
		t.Fatal(err)
	}
}
