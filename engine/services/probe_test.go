package services_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/services"
)

// fakeServer serves each connection on a loopback port with handle and
// returns the address.
func fakeServer(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				handle(c)
			})
		}
	})
	return ln.Addr().String()
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// redisReply answers one command with reply.
func redisReply(reply string) func(net.Conn) {
	return func(c net.Conn) {
		buf := make([]byte, 64)
		if _, err := c.Read(buf); err != nil {
			return
		}
		_, _ = io.WriteString(c, reply)
	}
}

// pgMsg frames a backend message.
func pgMsg(typ byte, payload ...[]byte) []byte {
	body := bytes.Join(payload, nil)
	out := []byte{typ}
	out = binary.BigEndian.AppendUint32(out, uint32(len(body)+4))
	return append(out, body...)
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// pgServer plays a PostgreSQL server: it checks the startup message and
// answers with reply; terminated receives whether the client sent
// Terminate.
func pgServer(t *testing.T, reply []byte, terminated chan<- bool) func(net.Conn) {
	return func(c net.Conn) {
		r := bufio.NewReader(c)
		var n uint32
		if err := binary.Read(r, binary.BigEndian, &n); err != nil {
			t.Errorf("fake postgres: %v", err)
			return
		}
		msg := make([]byte, n-4)
		if _, err := io.ReadFull(r, msg); err != nil {
			t.Errorf("fake postgres: %v", err)
			return
		}
		if v := binary.BigEndian.Uint32(msg); v != 3<<16 {
			t.Errorf("protocol version %#x, want 3.0", v)
		}
		params := strings.Split(strings.TrimRight(string(msg[4:]), "\x00"), "\x00")
		got := map[string]string{}
		for i := 0; i+1 < len(params); i += 2 {
			got[params[i]] = params[i+1]
		}
		if got["user"] != "jsorc" || got["database"] != "postgres" {
			t.Errorf("startup parameters %v, want user jsorc, database postgres", got)
		}
		_, _ = c.Write(reply)
		if terminated != nil {
			b := make([]byte, 5)
			_, err := io.ReadFull(r, b)
			terminated <- err == nil && bytes.Equal(b, []byte{'X', 0, 0, 0, 4})
		}
	}
}

func TestProbeCheck(t *testing.T) {
	t.Parallel()
	httpStatus := func(code int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/-/ready" {
				http.NotFound(w, r)
				return
			}
			if code == http.StatusFound {
				http.Redirect(w, r, "/elsewhere", code)
				return
			}
			w.WriteHeader(code)
			_, _ = io.WriteString(w, "Service Unavailable for now")
		}))
		t.Cleanup(srv.Close)
		return strings.TrimPrefix(srv.URL, "http://")
	}
	pgOK := bytes.Join([][]byte{
		pgMsg('R', u32(0)),
		pgMsg('S', []byte("server_version\x0015.0\x00")),
		pgMsg('K', u32(1), u32(2)),
		pgMsg('Z', []byte("I")),
	}, nil)
	terminated := make(chan bool, 1)
	redis := services.Probe{Kind: services.ProbeRedis}
	httpReady := services.Probe{Kind: services.ProbeHTTP, Path: "/-/ready"}
	pg := services.Probe{Kind: services.ProbePostgres}
	tcp := services.Probe{Kind: services.ProbeTCP}

	tests := []struct {
		name  string
		probe services.Probe
		addr  string
		want  string // substring of the error; empty: success
	}{
		{"redis PONG", redis, fakeServer(t, redisReply("+PONG\r\n")), ""},
		{"redis NOAUTH", redis, fakeServer(t, redisReply("-NOAUTH Authentication required.\r\n")), `PING answered "-NOAUTH Authentication required.": the server requires a password`},
		{"redis hangs up", redis, fakeServer(t, func(net.Conn) {}), "read reply to PING"},
		{"redis refused", redis, closedPort(t), "connection refused"},
		{"http 200", httpReady, httpStatus(http.StatusOK), ""},
		{"http 503", httpReady, httpStatus(http.StatusServiceUnavailable), "GET /-/ready: 503 Service Unavailable: Service Unavailable for now"},
		{"http redirect not followed", httpReady, httpStatus(http.StatusFound), "302 Found"},
		{"http refused", httpReady, closedPort(t), "connection refused"},
		{"postgres ok", pg, fakeServer(t, pgServer(t, pgOK, terminated)), ""},
		{"postgres md5", pg, fakeServer(t, pgServer(t, pgMsg('R', u32(5), u32(0xdeadbeef)), nil)), "server asks for a password (MD5) and the probe has none"},
		{"postgres starting up", pg, fakeServer(t, pgServer(t, pgMsg('E', []byte("SFATAL\x00C57P03\x00Mthe database system is starting up\x00\x00")), nil)), "server error: FATAL 57P03: the database system is starting up"},
		{"postgres ready before auth", pg, fakeServer(t, pgServer(t, pgMsg('Z', []byte("I")), nil)), "ReadyForQuery before AuthenticationOk"},
		{"postgres not postgres", pg, fakeServer(t, pgServer(t, []byte("HTTP/1.1 400 Bad Request\r\n\r\n"), nil)), "bad length"},
		{"postgres hangs up", pg, fakeServer(t, pgServer(t, nil, nil)), "read message"},
		{"tcp ok", tcp, fakeServer(t, func(net.Conn) {}), ""},
		{"tcp refused", tcp, closedPort(t), "connection refused"},
		{"unknown kind", services.Probe{Kind: "smtp"}, closedPort(t), `unknown probe kind "smtp"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			err := tt.probe.Check(ctx, tt.addr)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Check: %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("Check: no error, want %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("Check: %v\nwant it to contain %q", err, tt.want)
			case err != nil && !strings.Contains(err.Error(), tt.addr):
				t.Errorf("error %q does not name the address %s", err, tt.addr)
			}
		})
	}
	select {
	case ok := <-terminated:
		if !ok {
			t.Error("the postgres probe did not end its session with Terminate")
		}
	case <-time.After(3 * time.Second):
		t.Error("the fake postgres server never saw the end of the session")
	}
}

// TestProbeTimeout: a server that accepts and never answers costs the
// probe no more than its context allows.
func TestProbeTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	silent := fakeServer(t, func(net.Conn) { <-release })
	t.Cleanup(func() { close(release) })
	for _, p := range []services.Probe{
		{Kind: services.ProbeRedis},
		{Kind: services.ProbeHTTP, Path: "/"},
		{Kind: services.ProbePostgres},
	} {
		t.Run(string(p.Kind), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := p.Check(ctx, silent)
			if took := time.Since(start); err == nil || took > time.Second {
				t.Errorf("Check against a silent server: %v after %s; want an error after about 200ms", err, took)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		err := services.Probe{Kind: services.ProbeRedis}.Check(ctx, silent)
		if took := time.Since(start); err == nil || took > time.Second {
			t.Errorf("Check cancelled after 100ms: %v after %s", err, took)
		}
	})
}

// TestProbeSCRAMImpostor: a server that lets the probe in without SCRAM's
// last step, or signs it with a key it does not have, is not the server
// that holds the password, and the probe says so.
func TestProbeSCRAMImpostor(t *testing.T) {
	t.Parallel()
	readMsg := func(r *bufio.Reader) []byte {
		head := make([]byte, 5)
		if _, err := io.ReadFull(r, head); err != nil {
			return nil
		}
		body := make([]byte, binary.BigEndian.Uint32(head[1:])-4)
		_, _ = io.ReadFull(r, body)
		return body
	}
	impostor := func(final bool) func(net.Conn) {
		return func(c net.Conn) {
			r := bufio.NewReader(c)
			var n uint32
			if binary.Read(r, binary.BigEndian, &n) != nil {
				return
			}
			_, _ = io.ReadFull(r, make([]byte, n-4))
			_, _ = c.Write(pgMsg('R', u32(10), []byte("SCRAM-SHA-256\x00\x00")))
			first := readMsg(r) // mechanism, length, client-first-message
			if !final {
				_, _ = c.Write(append(pgMsg('R', u32(0)), pgMsg('Z', []byte("I"))...))
				return
			}
			i := bytes.Index(first, []byte("r="))
			nonce := string(first[i+2:])
			_, _ = c.Write(pgMsg('R', u32(11), []byte("r="+nonce+"server,s=c2FsdHNhbHQ=,i=4096")))
			readMsg(r) // the proof, which an impostor cannot check
			_, _ = c.Write(pgMsg('R', u32(12), []byte("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")))
			_, _ = c.Write(append(pgMsg('R', u32(0)), pgMsg('Z', []byte("I"))...))
		}
	}
	pg := services.Probe{Kind: services.ProbePostgres}
	for _, tt := range []struct {
		name  string
		final bool
		want  string
	}{
		{"lets in without SCRAM's last step", false, "without proving that it knows the password"},
		{"signs with the wrong key", true, "the server's signature is wrong"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := pg.CheckWithPassword(t.Context(), fakeServer(t, impostor(tt.final)), "secret")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("probe of an impostor: %v, want %q", err, tt.want)
			}
		})
	}
}
