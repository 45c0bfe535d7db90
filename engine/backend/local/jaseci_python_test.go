package local_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsorc/jsorc/internal/pytool"
)

// TestJaseciPythonServerManaged does what docs/from-jsorc.md shows: JSORC's
// ACTION_CONFIGS for test_module (examples/jaseci_action_server) configured
// as it is, its action server — a Jaseci-style Python server — started by
// the local backend from local.command, loaded, called as Jaseci's client
// called it, switched to module mode (jsorc's built-in test_module) and back
// with calls in flight and none failing, then retired: its process ends.
func TestJaseciPythonServerManaged(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a Python action server")
	}
	py := pytool.Find(t, "python3")
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "examples/jaseci_action_server/action_configs.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The example names python3 and a path from the repository's root.
	cfg := strings.Replace(string(raw), `"python3", "examples/`, `"`+py+`", "`+root+`/examples/`, 1)
	e := openEngine(t, t.TempDir()).Engine
	ctx := context.Background()
	if _, err := e.ConfigureActions(ctx, "test_module", "action_configs.json", []byte(cfg)); err != nil {
		t.Fatal(err)
	}
	st := load(t, e, "test_module", "remote")
	if st.Remote.PID == 0 || !pidAlive(st.Remote.PID) {
		t.Fatalf("status %+v: no running server", st)
	}
	if cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(st.Remote.PID) + "/cmdline"); !strings.Contains(string(cmdline), "test_module.py") {
		t.Fatalf("the server is %q, not the Python one", cmdline)
	}
	got, dropped, err := e.CallKeywords(ctx, "test_module.call", map[string]any{"a": 5, "colour": "red"})
	if err != nil || got != "test module received 5." || len(dropped) != 1 {
		t.Fatalf("call: %v %v %v", got, dropped, err)
	}

	// Switch to jsorc's built-in and back while callers call.
	stop := make(chan struct{})
	var calls, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := e.Call(ctx, "test_module.call", map[string]any{"a": "x"})
				calls.Add(1)
				if err != nil || res != "test module received x." {
					failed.Add(1)
					if err != nil {
						firstErr.CompareAndSwap(nil, err)
					}
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
	for _, mode := range []string{"module", "remote", "module", "remote"} {
		if s := load(t, e, "test_module", mode); s.Serving != mode {
			t.Fatalf("serving %q after load -mode %s", s.Serving, mode)
		}
	}
	close(stop)
	wg.Wait()
	if failed.Load() != 0 || calls.Load() == 0 {
		t.Fatalf("%d of %d calls failed during the switches: %v", failed.Load(), calls.Load(), firstErr.Load())
	}
	st, err = e.Status("test_module")
	if err != nil {
		t.Fatal(err)
	}
	pid := st.Remote.PID
	if _, err := e.Unload(ctx, "test_module", "auto", true); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for pid != 0 && pidAlive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("the retired server (pid %d) still runs", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("%d calls across 4 switches, none failed; server %d retired", calls.Load(), pid)
}
