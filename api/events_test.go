package api_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/api/client"
	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/enginetest"
)

// next waits for the next event of one of the types, up to d.
func next(t *testing.T, events <-chan types.Event, d time.Duration, want ...types.EventType) types.Event {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("the stream closed while waiting for %v", want)
			}
			for _, w := range want {
				if ev.Type == w {
					return ev
				}
			}
		case <-timeout:
			t.Fatalf("no %v event within %v", want, d)
		}
	}
}

// TestEventStreamCarriesOtherClients: a change made by another client
// reaches a subscribed client within a second, saying who made it.
func TestEventStreamCarriesOtherClients(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watcher := client.New(f.srv.URL, client.WithToken(testToken), client.WithCause(types.CauseConsole))
	events, err := watcher.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cli := client.New(f.srv.URL, client.WithToken(testToken), client.WithCause(types.CauseCLI))
	start := time.Now()
	if _, err := types.Call(ctx, cli, types.ActionsLoad, types.ActionsLoadParams{Name: "echo", Mode: "module"}); err != nil {
		t.Fatal(err)
	}
	ev := next(t, events, time.Second, types.EventLoad)
	t.Logf("the load reached the watcher %v after it was asked", time.Since(start))
	if ev.Name != "echo" || ev.Cause != types.CauseCLI || ev.Seq == 0 || !strings.Contains(ev.Message, "module") {
		t.Errorf("load event %+v, want echo's, caused by the CLI, numbered", ev)
	}
	sw := next(t, events, time.Second, types.EventSwitch)
	if sw.Name != "echo" || sw.Cause != types.CauseCLI || sw.Message != "none → module" || sw.Seq <= ev.Seq {
		t.Errorf("switch event %+v after load %d", sw, ev.Seq)
	}
	// A measuring tool started by another client, and by the console.
	if _, err := types.Call(ctx, cli, types.TrackActStart, types.NoParams{}); err != nil {
		t.Fatal(err)
	}
	if m := next(t, events, time.Second, types.EventMeasure); m.Name != "trackact" || m.Message != "started" || m.Cause != types.CauseCLI {
		t.Errorf("measure event %+v", m)
	}
	if _, err := types.Call(ctx, api.Local(f.e, types.CauseConsole), types.PolicySet, types.PolicySetParams{PolicyName: "default"}); err != nil {
		t.Fatal(err)
	}
	if p := next(t, events, time.Second, types.EventPolicy); p.Cause != types.CauseConsole {
		t.Errorf("policy event %+v, want the console's", p)
	}
	cancel()
	for range events { // closed once ctx ends
	}
}

// TestEventStreamOutlivesTimeouts: a stream left idle for 10 s on a server
// whose read and write timeouts are 300 ms stays open, heartbeats keep it
// alive, and the next event comes on the same connection.
func TestEventStreamOutlivesTimeouts(t *testing.T) {
	t.Parallel()
	e, addr := serveHTTPWith(t, api.HTTPOptions{ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond},
		api.Options{Token: testToken, Heartbeat: time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Read the raw stream, to count its heartbeats and see it never ends.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+types.EventsPath, nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("HTTP %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	idle := time.After(10 * time.Second)
	beats := 0
wait:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the stream ended after %d heartbeats", beats)
			}
			if l == ": heartbeat" {
				beats++
			}
		case <-idle:
			break wait
		}
	}
	if beats < 5 {
		t.Errorf("%d heartbeats in 10 s at one a second", beats)
	}
	if _, err := e.Load(context.Background(), "echo", "module", engine.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(2 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the stream ended instead of carrying the load")
			}
			if l == "event: load" {
				return
			}
		case <-deadline:
			t.Fatal("the load never came on the idle stream")
		}
	}
}

// TestEventStreamResumes: a client that reconnects with the last id it saw
// gets what it missed; one whose id the engine cannot serve is told to
// reset; a client whose connection drops resumes by itself.
func TestEventStreamResumes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	open := func(lastID string) (*bufio.Scanner, func()) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+types.EventsPath, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		if lastID != "" {
			req.Header.Set("Last-Event-ID", lastID)
		}
		resp, err := f.srv.Client().Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("stream: %v %v", resp, err)
		}
		return bufio.NewScanner(resp.Body), func() { resp.Body.Close() }
	}
	// readUntil returns the stream's lines up to and including the first
	// that starts with want.
	readUntil := func(sc *bufio.Scanner, want string) []string {
		t.Helper()
		var got []string
		for sc.Scan() {
			got = append(got, sc.Text())
			if strings.HasPrefix(sc.Text(), want) {
				return got
			}
		}
		t.Fatalf("the stream ended before %q: %q", want, got)
		return nil
	}
	boot, seq := f.e.EventBoot(), f.e.EventSeq()
	// Two loads happen while nobody listens.
	f.loadModule(t, "echo")
	f.loadModule(t, "textenc")
	sc, closeIt := open(types.EventID(boot, seq))
	got := strings.Join(readUntil(sc, "event: switch"), "\n")
	closeIt()
	if !strings.Contains(got, `"name":"echo"`) || strings.Contains(got, "event: reset") {
		t.Errorf("resuming after %d replayed:\n%s", seq, got)
	}
	for _, id := range []string{"otherboot.3", "garbage", types.EventID(boot, 1<<40)} {
		sc, closeIt := open(id)
		got := strings.Join(readUntil(sc, `data: {"type":"reset"`), "\n")
		closeIt()
		if !strings.Contains(got, "event: reset") {
			t.Errorf("Last-Event-ID %q: %s", id, got)
		}
	}

	// The client reconnects by itself and misses nothing.
	c := client.New(f.srv.URL, client.WithToken(testToken))
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, err := c.Events(cctx)
	if err != nil {
		t.Fatal(err)
	}
	f.srv.CloseClientConnections() // the stream drops
	if _, err := f.e.Unload(ctx, "echo", "auto", true); err != nil {
		t.Fatal(err)
	}
	ev := next(t, events, 5*time.Second, types.EventUnload, types.EventReset)
	if ev.Type != types.EventUnload || ev.Name != "echo" {
		t.Errorf("after the drop: %+v, want echo's unload", ev)
	}
}

// TestEventStreamEndsWithEngine: when the engine's API goes away the
// channel closes (after the reconnection time), and a server shutting
// down ends its streams at once instead of waiting for them.
func TestEventStreamEndsWithEngine(t *testing.T) {
	t.Parallel()
	e := enginetest.Start(t, engine.Options{DataDir: t.TempDir()}).Engine
	h, err := api.NewServer(e, api.Options{Token: testToken, Heartbeat: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.NewHTTPServer(h, api.HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	c := client.New(ln.Addr().String(), client.WithToken(testToken), client.WithReconnectFor(2*time.Second))
	events, err := c.Events(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with a stream open: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("shutdown took %v: it waited for the stream", d)
	}
	closed := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-events:
			if !ok {
				t.Logf("channel closed %v after the engine's API went", time.Since(start))
				return
			}
		case <-closed:
			t.Fatal("the channel is still open 10 s after the engine went")
		}
	}
}

// TestEventStreamRefused: a stream needs the token, and an old engine
// without one is an error of Events, not a silent channel.
func TestEventStreamRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, err := client.New(f.srv.URL).Events(context.Background())
	if !errors.Is(err, types.ErrUnauthorized) {
		t.Errorf("without a token: %v", err)
	}
	_, err = client.New(deadAddr(t)).Events(context.Background())
	if !errors.Is(err, types.ErrUnavailable) {
		t.Errorf("no engine: %v", err)
	}
}
