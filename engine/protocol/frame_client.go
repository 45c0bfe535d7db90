package protocol

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Frame client limits.
const (
	// frameIdleKeep is how long an idle frame connection is kept for the
	// next call: shorter than the server's frameIdleTimeout, so the
	// client, not the server, ends a quiet connection.
	frameIdleKeep = 90 * time.Second
	// framePruneEvery is how often returning a connection also closes the
	// pool's expired ones and those of sockets no longer served.
	framePruneEvery = 10 * time.Second
)

// aLongTimeAgo is a deadline that has passed: setting it wakes a blocked
// read or write at once.
var aLongTimeAgo = time.Unix(1, 0)

// frameTransport is an http.RoundTripper that sends the requests for hosts
// served on a Unix socket as frames on that socket, and every other
// request (or one whose socket does not answer) through next. A call takes
// a kept-alive connection, writes its frame and reads the answer on the
// calling goroutine.
type frameTransport struct {
	socket  func(hostport string) (path string, ok bool)
	next    http.RoundTripper
	dialer  net.Dialer
	maxIdle int

	mu        sync.Mutex
	idle      map[string][]*frameConn // by socket path, most recent last
	httpOnly  map[string]time.Time    // sockets that answered no preface, since
	lastPrune time.Time
	// nHTTPOnly is len(httpOnly), read without the lock on every call.
	nHTTPOnly atomic.Int32
}

// frameConn is one client connection.
type frameConn struct {
	c        net.Conn
	path     string
	br       *bufio.Reader
	bw       *bufio.Writer
	fresh    bool // the server's preface is still to be read
	idleFrom time.Time
	scratch  [256]byte
	head     []byte
}

func newFrameTransport(socket func(string) (string, bool), next http.RoundTripper, maxIdle int) *frameTransport {
	return &frameTransport{
		socket:   socket,
		next:     next,
		dialer:   net.Dialer{Timeout: 5 * time.Second},
		maxIdle:  maxIdle,
		idle:     make(map[string][]*frameConn),
		httpOnly: make(map[string]time.Time),
	}
}

// RoundTrip sends req as a frame when its host has a socket.
func (t *frameTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	path, ok := t.socket(req.URL.Host)
	method, known := methodCode(req.Method)
	if !ok || !known || req.URL.Scheme != "http" || t.speaksHTTPOnly(path) {
		return t.next.RoundTrip(req)
	}
	ctx := req.Context()
	body, err := readBody(req)
	if err != nil {
		return nil, err
	}
	deadline, _ := ctx.Deadline()
	for attempt := 0; ; attempt++ {
		fc, reused, err := t.get(ctx, path, attempt > 0)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			// The socket does not answer (its server died and left the
			// file): the server's TCP port says what became of it.
			return t.next.RoundTrip(withBody(req, body))
		}
		resp, err := t.exchange(ctx, fc, req, method, deadline, body)
		if err == nil {
			return resp, nil
		}
		_ = fc.c.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		if errors.Is(err, errNotFrames) {
			// Something else listens there (a server given {socket} that
			// speaks HTTP on it): it read no call; TCP takes it, and the
			// next ones for a while.
			t.markHTTPOnly(path)
			return t.next.RoundTrip(withBody(req, body))
		}
		if errors.Is(err, errNotWritten) && reused && attempt == 0 {
			// The server had closed the kept-alive connection: nothing
			// reached it, so a new connection takes the call. The pool's
			// other connections to that socket are likely as stale (a
			// server shutting down closes them all): they go too, and the
			// retry dials.
			t.dropIdle(path)
			continue
		}
		return nil, err
	}
}

// errNotWritten marks a request whose frame could not be written.
var errNotWritten = errors.New("frame not written")

// exchange writes one request on fc and reads its answer's head; the
// answer's body is read through the response.
func (t *frameTransport) exchange(ctx context.Context, fc *frameConn, req *http.Request, method byte, deadline time.Time, body []byte) (*http.Response, error) {
	stop := context.AfterFunc(ctx, func() { _ = fc.c.SetDeadline(aLongTimeAgo) })
	var err error
	fc.head, err = appendRequestHead(fc.head[:0], method, deadline, req.URL.EscapedPath(), int64(len(body)))
	if err != nil {
		stop()
		return nil, err
	}
	_, _ = fc.bw.Write(fc.head)
	_, _ = fc.bw.Write(body)
	if err := fc.bw.Flush(); err != nil {
		stop()
		if errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
			return nil, fmt.Errorf("%w: %w: %w", errNotWritten, ErrNotRead, err)
		}
		return nil, fmt.Errorf("writing the call to %s: %w", fc.path, err)
	}
	if fc.fresh {
		pre := fc.scratch[:len(FramePreface)]
		if _, err := io.ReadFull(fc.br, pre); err != nil || string(pre) != FramePreface {
			stop()
			if ctx.Err() != nil {
				return nil, fmt.Errorf("reading the preface from %s: %w", fc.path, ctx.Err())
			}
			return nil, fmt.Errorf("socket %s: %w (%q, %v)", fc.path, errNotFrames, pre, err)
		}
		fc.fresh = false
	}
	head, err := readAnswerHead(fc.br, fc.scratch[:])
	if err != nil {
		stop()
		return nil, fmt.Errorf("reading the answer from %s: %w", fc.path, answerErr(err))
	}
	hdr := make(http.Header, 1)
	if head.class != "" {
		hdr[ErrorClassHeader] = []string{head.class}
	}
	if head.server > 0 {
		hdr[ServerTimingHeader] = []string{formatServerTiming(head.server)}
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", head.status, http.StatusText(head.status)),
		StatusCode:    head.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        hdr,
		ContentLength: head.bodyLen,
		Body:          &frameBody{t: t, fc: fc, r: io.LimitedReader{R: fc.br, N: head.bodyLen}, stop: stop},
		Request:       req,
	}, nil
}

// answerErr says what an error before the first byte of an answer means.
// On Linux a Unix socket closed with data it had not read makes its peer's
// next read fail with ECONNRESET, where a server that read the call and
// then died gives EOF: the call did not run, and may go elsewhere.
func answerErr(err error) error {
	if runtime.GOOS == "linux" && errors.Is(err, syscall.ECONNRESET) {
		return fmt.Errorf("%w: %w", ErrNotRead, err)
	}
	return noEOF(err)
}

// httpOnlyFor is how long a socket that answered no frame preface is
// left alone before it is tried again (a new server may take its path).
const httpOnlyFor = time.Minute

// speaksHTTPOnly reports whether path recently answered no preface.
func (t *frameTransport) speaksHTTPOnly(path string) bool {
	if t.nHTTPOnly.Load() == 0 {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	since, ok := t.httpOnly[path]
	if ok && time.Since(since) >= httpOnlyFor {
		delete(t.httpOnly, path)
		t.nHTTPOnly.Store(int32(len(t.httpOnly)))
		return false
	}
	return ok
}

func (t *frameTransport) markHTTPOnly(path string) {
	t.mu.Lock()
	t.httpOnly[path] = time.Now()
	t.nHTTPOnly.Store(int32(len(t.httpOnly)))
	t.mu.Unlock()
}

// get takes an idle connection to path, or dials one (always when dial).
func (t *frameTransport) get(ctx context.Context, path string, dial bool) (*frameConn, bool, error) {
	now := time.Now()
	t.mu.Lock()
	for l := t.idle[path]; len(l) > 0 && !dial; l = t.idle[path] {
		fc := l[len(l)-1]
		t.idle[path] = l[:len(l)-1]
		if now.Sub(fc.idleFrom) < frameIdleKeep {
			t.mu.Unlock()
			return fc, true, nil
		}
		_ = fc.c.Close()
	}
	t.mu.Unlock()
	c, err := t.dialer.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, false, err
	}
	fc := &frameConn{c: c, path: path, br: bufio.NewReaderSize(c, frameBufSize), bw: bufio.NewWriterSize(c, frameBufSize), fresh: true}
	_, _ = fc.bw.WriteString(FramePreface) // goes out with the first call
	return fc, false, nil
}

// dropIdle closes the idle connections to path.
func (t *frameTransport) dropIdle(path string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, fc := range t.idle[path] {
		_ = fc.c.Close()
	}
	delete(t.idle, path)
}

// put returns a connection whose answer was read to its end.
func (t *frameTransport) put(fc *frameConn) {
	now := time.Now()
	fc.idleFrom = now
	t.mu.Lock()
	defer t.mu.Unlock()
	if l := t.idle[fc.path]; len(l) < t.maxIdle {
		t.idle[fc.path] = append(l, fc)
	} else {
		_ = fc.c.Close()
	}
	if now.Sub(t.lastPrune) >= framePruneEvery {
		t.lastPrune = now
		t.pruneLocked(now)
	}
}

// pruneLocked closes the expired idle connections and those to sockets
// that are gone (their server stopped).
func (t *frameTransport) pruneLocked(now time.Time) {
	for path, l := range t.idle {
		served := socketExists(path)
		keep := l[:0]
		for _, fc := range l {
			if served && now.Sub(fc.idleFrom) < frameIdleKeep {
				keep = append(keep, fc)
			} else {
				_ = fc.c.Close()
			}
		}
		clear(l[len(keep):])
		if len(keep) == 0 {
			delete(t.idle, path)
		} else {
			t.idle[path] = keep
		}
	}
}

// CloseIdleConnections closes every idle frame connection and those of
// next.
func (t *frameTransport) CloseIdleConnections() {
	t.mu.Lock()
	for path, l := range t.idle {
		for _, fc := range l {
			_ = fc.c.Close()
		}
		delete(t.idle, path)
	}
	t.mu.Unlock()
	if ci, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// frameBody is an answer's body, read from its connection; closing it
// after the last byte returns the connection to the pool.
type frameBody struct {
	t    *frameTransport
	fc   *frameConn
	r    io.LimitedReader
	stop func() bool
	done bool
}

func (b *frameBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.r.Read(p)
	if err == io.EOF && b.r.N > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// WriteTo lets a bytes.Buffer read the body without its own chunking.
func (b *frameBody) WriteTo(w io.Writer) (int64, error) {
	return io.Copy(w, struct{ io.Reader }{b})
}

func (b *frameBody) Close() error {
	if b.done {
		return nil
	}
	b.done = true
	// The connection goes back only if the answer was read to its end
	// and the call's context did not cut it.
	if b.r.N == 0 && b.stop() {
		b.t.put(b.fc)
		return nil
	}
	return b.fc.c.Close()
}

// readBody takes a request's body whole: a frame starts with its length.
func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	defer req.Body.Close()
	var (
		b   []byte
		err error
	)
	if n := req.ContentLength; n > 0 {
		b = make([]byte, n)
		_, err = io.ReadFull(req.Body, b)
	} else {
		b, err = io.ReadAll(req.Body)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the request body: %w", err)
	}
	return b, nil
}

// withBody gives req a fresh copy of body for another transport.
func withBody(req *http.Request, body []byte) *http.Request {
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return r
}

// socketExists reports whether path is a Unix socket.
func socketExists(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode().Type() == os.ModeSocket
}
