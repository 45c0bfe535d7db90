package protocol

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestFrameHeads: request and answer heads read back as written, and
// malformed ones are refused with what is wrong.
func TestFrameHeads(t *testing.T) {
	dl := time.Unix(1700000000, 123456789)
	reqs := []struct {
		name     string
		method   byte
		deadline time.Time
		path     string
		body     string
	}{
		{"post with deadline", 'P', dl, "/echo/", `{"text":"hi"}`},
		{"get without deadline", 'G', time.Time{}, "/jaseci_actions_spec/", ""},
		{"head", 'H', dl, "/healthz", ""},
		{"escaped path", 'P', dl, "/a%20b%2Fc/", "{}"},
	}
	var scratch [256]byte
	for _, tc := range reqs {
		t.Run(tc.name, func(t *testing.T) {
			b, err := appendRequestHead(nil, tc.method, tc.deadline, tc.path, int64(len(tc.body)))
			if err != nil {
				t.Fatal(err)
			}
			r := bytes.NewReader(append(b, tc.body...))
			h, err := readRequestHead(r, scratch[:])
			if err != nil {
				t.Fatal(err)
			}
			want, _ := methodName(tc.method)
			if h.method != want || !h.deadline.Equal(tc.deadline) || h.path != tc.path || h.bodyLen != int64(len(tc.body)) {
				t.Fatalf("read back %+v", h)
			}
			rest, _ := io.ReadAll(r)
			if string(rest) != tc.body {
				t.Fatalf("body %q, want %q", rest, tc.body)
			}
		})
	}
	bad := []struct {
		name  string
		frame []byte
		want  string
	}{
		{"unknown method", []byte{0, 0, 0, 12, 'X', 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, '/'}, "unknown method"},
		{"path longer than the frame", []byte{0, 0, 0, 12, 'P', 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, '/'}, "path of 9 bytes"},
		{"relative path", []byte{0, 0, 0, 12, 'P', 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 'x'}, "does not start with /"},
		{"cut in the path", []byte{0, 0, 0, 14, 'P', 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, '/'}, "unexpected EOF"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readRequestHead(bytes.NewReader(tc.frame), scratch[:])
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("read %v, want an error with %q", err, tc.want)
			}
		})
	}
	t.Run("answer", func(t *testing.T) {
		b := appendAnswerHead(nil, 500, 0, ClassPanic, 4)
		h, err := readAnswerHead(bytes.NewReader(append(b, "boom"...)), scratch[:])
		if err != nil || h.status != 500 || h.class != ClassPanic || h.bodyLen != 4 || h.server != 0 {
			t.Fatalf("read back %+v, %v", h, err)
		}
		b = appendAnswerHead(nil, 200, 1234567*time.Nanosecond, "", 2)
		h, err = readAnswerHead(bytes.NewReader(append(b, "{}"...)), scratch[:])
		if err != nil || h.status != 200 || h.server != 1234*time.Microsecond || h.bodyLen != 2 {
			t.Fatalf("read back %+v, %v (want 1.234 ms of server time)", h, err)
		}
		if _, err := readAnswerHead(bytes.NewReader([]byte{0, 0, 0, 1, 0, 200, 0, 0, 0, 0, 0}), scratch[:]); err == nil {
			t.Fatal("an answer shorter than its head was read")
		}
	})
}

// FuzzFrameServer feeds a frame connection arbitrary bytes after the
// preface: the server answers or hangs up, never panics, never hands the
// handler more body than a frame declares, and ends once the client does.
func FuzzFrameServer(f *testing.F) {
	ok, _ := appendRequestHead(nil, 'P', time.Time{}, "/x/", 2)
	f.Add(append(ok, "{}"...))
	f.Add(append(append(ok, "{}"...), ok...))
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 'P', 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, '/'})
	f.Fuzz(func(t *testing.T, in []byte) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n, _ := io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
			if n > r.ContentLength {
				t.Errorf("read %d body bytes of a frame declaring %d", n, r.ContentLength)
			}
			w.WriteHeader(http.StatusTeapot)
		})
		s := newFrameServer(h, nil)
		client, server := net.Pipe()
		st := &frameConnState{c: server, idle: true}
		s.conns[st] = struct{}{}
		s.wg.Add(1)
		done := make(chan struct{})
		go func() { s.serveConn(st); close(done) }()
		go func() { _, _ = io.Copy(io.Discard, client) }()
		_, _ = client.Write([]byte(FramePreface))
		_, _ = client.Write(in)
		_ = client.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("the server did not end after its client closed")
		}
	})
}
