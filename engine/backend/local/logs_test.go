package local_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/enginetest"
)

// TestLogsFollow reads the log of a real action server through the
// engine, follows it as it grows, and starts again after a rotation.
func TestLogsFollow(t *testing.T) {
	dir := t.TempDir()
	e := openEngine(t, dir).Engine
	ctx := ctxT(t)
	if _, err := e.Logs(ctx, types.LogsParams{Name: "echo", Offset: -1, Max: 1024}); !errors.Is(err, engine.ErrConflict) || !strings.Contains(err.Error(), "no log yet") {
		t.Fatalf("the log of a module never loaded remotely: %v; want a conflict saying there is no log yet", err)
	}
	load(t, e, "echo", "remote")
	path := filepath.Join(dir, "logs", "action-echo.log")
	var first types.LogsAnswer
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		first, err = e.Logs(ctx, types.LogsParams{Name: "echo", Offset: -1, Max: 64 << 10})
		if err == nil && first.Text != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log of echo's action server after 10s: %+v, %v", first, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if first.Source != path || first.Next != first.Offset+int64(len(first.Text)) || first.ID == "" {
		t.Fatalf("first piece %+v; want source %s, next = offset + len(text), an id", first, path)
	}
	// Follow: what is appended comes next, nothing else.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cur := first
	var got strings.Builder
	for i := range 3 {
		line := "appended line " + string(rune('a'+i)) + "\n"
		if _, err := f.WriteString(line); err != nil {
			t.Fatal(err)
		}
		for !strings.Contains(got.String(), line) {
			next, err := e.Logs(ctx, types.LogsParams{Name: "echo", Offset: cur.Next, ID: cur.ID})
			if err != nil {
				t.Fatal(err)
			}
			if next.Reset || next.Offset != cur.Next {
				t.Fatalf("piece after %d: %+v; want one starting there", cur.Next, next)
			}
			got.WriteString(next.Text)
			cur = next
		}
	}
	// Rotation: a new file under the same name is read from its start.
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("fresh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rot, err := e.Logs(ctx, types.LogsParams{Name: "echo", Offset: cur.Next, ID: cur.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !rot.Reset || rot.Offset != 0 || rot.Text != "fresh\n" {
		t.Fatalf("after a rotation: %+v; want reset, the new file from 0", rot)
	}
	// Bad names and kinds.
	for _, p := range []types.LogsParams{{Name: "nosuch"}, {Name: "nosuch", Kind: types.LogService}} {
		if _, err := e.Logs(ctx, p); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("Logs(%+v): %v; want not found", p, err)
		}
	}
}

// TestDescribe: a module's actions come with their parameters, in-process
// with their types, remote from the server's spec; its loads are in its
// history and its log path is named.
func TestDescribe(t *testing.T) {
	dir := t.TempDir()
	e := openEngine(t, dir).Engine
	ctx := ctxT(t)
	d, err := e.Describe(ctx, "echo")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Actions) != 0 || !strings.Contains(d.LogNote, "no log yet") {
		t.Fatalf("echo before any load: %d actions, log note %q", len(d.Actions), d.LogNote)
	}
	enginetest.Load(t, e, "echo", "module")
	d, err = e.Describe(ctx, "echo")
	if err != nil {
		t.Fatal(err)
	}
	echo := findSpec(d.Actions, "echo.echo")
	if echo == nil || len(echo.Params) != 1 || echo.Params[0] != (types.ParamSpec{Name: "value", Kind: types.ParamRequired, Type: "any"}) {
		t.Fatalf("echo.echo in module mode: %+v", echo)
	}
	load(t, e, "echo", "remote")
	d, err = e.Describe(ctx, "echo")
	if err != nil {
		t.Fatal(err)
	}
	echo = findSpec(d.Actions, "echo.echo")
	if echo == nil || len(echo.Params) != 1 || echo.Params[0].Name != "value" || echo.Params[0].Kind != types.ParamRequired {
		t.Fatalf("echo.echo in remote mode: %+v", echo)
	}
	if d.Log != filepath.Join(dir, "logs", "action-echo.log") || d.Backend != "local" {
		t.Fatalf("log %q backend %q", d.Log, d.Backend)
	}
	loads := 0
	for _, ev := range d.History {
		if ev.Type == types.EventLoad {
			loads++
		}
	}
	if loads != 2 || !strings.Contains(string(d.Config), `"builtin":"echo"`) {
		t.Fatalf("history %+v (want 2 loads), config %s", d.History, d.Config)
	}
}

func findSpec(specs []types.ActionSpec, name string) *types.ActionSpec {
	for i := range specs {
		if specs[i].Name == name {
			return &specs[i]
		}
	}
	return nil
}
