package local_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/services"
)

// needBinary skips a test whose server is not installed, loudly, and fails
// it under CI, where .ci/run installs it.
func needBinary(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed, and CI must install it (.ci/run)", name)
		}
		t.Skipf("*** SKIPPED: %s is not installed (apt-get install redis-server) ***", name)
	}
}

// TestKeepAliveRedis: META_CONFIG names redis with automation on; after
// service_refresh meta the engine runs it, answers PING through service
// info, and brings it back after a kill -9.
func TestKeepAliveRedis(t *testing.T) {
	needBinary(t, "redis-server")
	e := openEngine(t, reachableDir(t)).Engine
	if err := e.ConfigSet(context.Background(), engine.MetaConfigName, `{"automation": true, "backoff_interval": 5, "keep_alive": ["redis", "elastic"]}`); err != nil {
		t.Fatal(err)
	}
	if err := e.ServiceRefresh(context.Background(), "meta"); err != nil {
		t.Fatal(err)
	}
	info := waitService(t, e, "redis", func(i services.Info) bool { return i.State == services.StateReady && i.PID > 0 })
	if got := e.ServiceInfo()["elastic"].State; got != services.StateUnknown {
		t.Errorf("elastic (no definition): state %q, want %q", got, services.StateUnknown)
	}
	conn, err := net.DialTimeout("tcp", info.Endpoint, time.Second)
	if err != nil {
		t.Fatalf("redis at %s: %v", info.Endpoint, err)
	}
	conn.Close()
	if err := syscall.Kill(info.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	back := waitService(t, e, "redis", func(i services.Info) bool {
		return i.State == services.StateReady && i.PID > 0 && i.PID != info.PID
	})
	if back.Restarts < 1 {
		t.Errorf("restarts %d after a kill", back.Restarts)
	}
}

// reachableDir is a fresh data directory that a service's own user (redis,
// prometheus, when the tests run as root) may search its way into.
func reachableDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func waitService(t *testing.T, e *engine.Engine, name string, ok func(services.Info) bool) services.Info {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		i := e.ServiceInfo()[name]
		if ok(i) {
			return i
		}
		if time.Now().After(deadline) {
			t.Fatalf("service %s: %+v", name, i)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTrackSysWithPrometheus runs the kept-alive Prometheus, which scrapes
// the engine's action servers; tracksys then reads their memory from it,
// and the figure agrees with the server's own /proc within a tolerance.
func TestTrackSysWithPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus")
	}
	needBinary(t, "prometheus")
	e := openEngine(t, reachableDir(t)).Engine
	if err := e.ConfigSet(context.Background(), engine.MetaConfigName, `{"automation": true, "backoff_interval": 5, "keep_alive": ["promon"]}`); err != nil {
		t.Fatal(err)
	}
	if err := e.ServiceRefresh(context.Background(), "meta"); err != nil {
		t.Fatal(err)
	}
	waitService(t, e, "promon", func(i services.Info) bool { return i.State == services.StateReady })
	st := load(t, e, "textenc", "remote")
	if err := e.TrackSysStart(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(40 * time.Second)
	for {
		r := e.TrackSysReport()
		if n := len(r.States); n > 0 {
			last := r.States[n-1]
			if last.Source == "prometheus" && last.Prometheus["textenc"].MemBytes > 0 {
				got := float64(last.Prometheus["textenc"].MemBytes)
				want := float64(rssOf(t, st.Remote.PID))
				if got < 0.7*want || got > 1.3*want {
					t.Fatalf("Prometheus says textenc's server uses %.0f bytes, /proc says %.0f", got, want)
				}
				t.Logf("textenc server RSS: Prometheus %.1f MB, /proc %.1f MB", got/(1<<20), want/(1<<20))
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("tracksys never read from Prometheus: %+v", r)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if _, err := e.TrackSysStop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// rssOf reads a process's resident memory from /proc.
func rssOf(t *testing.T, pid int) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		t.Fatal(err)
	}
	var size, rss uint64
	if _, err := fmt.Sscan(string(b), &size, &rss); err != nil {
		t.Fatal(err)
	}
	return rss * uint64(os.Getpagesize())
}
