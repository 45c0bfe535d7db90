package protocol

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Frame server timeouts, as the HTTP server's.
const (
	// frameIdleTimeout closes a connection that sends no request.
	frameIdleTimeout = 2 * time.Minute
	// frameReadTimeout bounds reading one request once it has begun.
	frameReadTimeout = 2 * time.Minute
	// frameBufSize is each connection's read and write buffer.
	frameBufSize = 16 << 10
)

// frameServer serves the frame protocol on a listener with an HTTP
// handler, and shuts down as http.Server does: it stops accepting, closes
// the connections waiting for a request, and lets the calls in flight
// answer.
type frameServer struct {
	h   http.Handler
	log *slog.Logger
	// base is every request's parent context; cancelled when the server
	// gives up waiting for calls in flight.
	base   context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	conns   map[*frameConnState]struct{}
	closing bool
	wg      sync.WaitGroup // the connections' goroutines
}

// frameConnState is one server connection and whether it is between
// requests (idle), so that a shutdown may close it.
type frameConnState struct {
	c    net.Conn
	idle bool
}

func newFrameServer(h http.Handler, log *slog.Logger) *frameServer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base, cancel := context.WithCancel(context.Background())
	return &frameServer{h: h, log: log, base: base, cancel: cancel, conns: make(map[*frameConnState]struct{})}
}

// serve accepts connections until ln is closed; the error is nil then.
func (s *frameServer) serve(ln net.Listener) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if closing || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		st := &frameConnState{c: c, idle: true}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			_ = c.Close()
			continue
		}
		s.conns[st] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serveConn(st)
	}
}

// setIdle marks a connection idle or busy; it reports false when the
// server is closing and the connection should end instead.
func (s *frameServer) setIdle(st *frameConnState, idle bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st.idle = idle
	return !s.closing
}

// serveConn answers one connection's requests in order until it ends.
func (s *frameServer) serveConn(st *frameConnState) {
	c := st.c
	defer func() {
		_ = c.Close()
		s.mu.Lock()
		delete(s.conns, st)
		s.mu.Unlock()
		s.wg.Done()
	}()
	br := bufio.NewReaderSize(c, frameBufSize)
	bw := bufio.NewWriterSize(c, frameBufSize)
	var scratch [256]byte
	// The preface goes out before anything is read: a client that gets
	// none knows its call was not read by a frame server.
	_ = c.SetDeadline(time.Now().Add(frameReadTimeout))
	if _, err := c.Write([]byte(FramePreface)); err != nil {
		return
	}
	_ = c.SetWriteDeadline(time.Time{})
	pre := scratch[:len(FramePreface)]
	if _, err := io.ReadFull(br, pre); err != nil || string(pre) != FramePreface {
		return // not a frame client: nothing it could read would help
	}
	w := &frameWriter{header: make(http.Header)}
	for {
		if !s.setIdle(st, true) {
			return
		}
		_ = c.SetReadDeadline(time.Now().Add(frameIdleTimeout))
		if _, err := br.Peek(1); err != nil {
			return // closed by the client, by a shutdown, or idle too long
		}
		if !s.setIdle(st, false) {
			return
		}
		_ = c.SetReadDeadline(time.Now().Add(frameReadTimeout))
		head, err := readRequestHead(br, scratch[:])
		if err != nil {
			s.log.Warn("frame connection: bad request", "err", err)
			return
		}
		body := &io.LimitedReader{R: br, N: head.bodyLen}
		s.answer(w, head, body)
		if body.N > 0 {
			if body.N > maxDrain {
				return
			}
			if _, err := io.Copy(io.Discard, body); err != nil {
				return
			}
		}
		if head.method == http.MethodHead {
			w.body.Reset()
		}
		var hb [4 + answerHeaderLen + 255]byte
		var server time.Duration
		if v := w.header[ServerTimingHeader]; len(v) > 0 {
			server, _ = parseServerTiming(v[0])
		}
		out := appendAnswerHead(hb[:0], w.code, server, w.header.Get(ErrorClassHeader), w.body.Len())
		_, _ = bw.Write(out)
		_, _ = bw.Write(w.body.Bytes())
		if err := bw.Flush(); err != nil {
			return // the caller went away
		}
		w.reset()
	}
}

// answer runs the handler on one request, under its caller's deadline.
func (s *frameServer) answer(w *frameWriter, head requestHead, body io.Reader) {
	ctx, cancel := s.base, context.CancelFunc(func() {})
	if !head.deadline.IsZero() {
		ctx, cancel = context.WithDeadline(ctx, head.deadline)
	}
	defer cancel()
	u, err := url.ParseRequestURI(head.path)
	if err != nil {
		w.code = http.StatusBadRequest
		_, _ = w.body.WriteString(`{"detail":"bad path"}`)
		return
	}
	r := (&http.Request{
		Method:        head.method,
		URL:           u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{},
		Body:          io.NopCloser(body),
		ContentLength: head.bodyLen,
		Host:          "frames",
		RemoteAddr:    "unix",
		RequestURI:    head.path,
	}).WithContext(ctx)
	s.h.ServeHTTP(w, r)
	if w.code == 0 {
		w.code = http.StatusOK
	}
}

// shutdown stops the server: it closes the idle connections at once,
// lets busy ones finish their call until ctx is done, then cuts them.
// ln must already be closed.
func (s *frameServer) shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for st := range s.conns {
		if st.idle {
			_ = st.c.Close()
		}
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
	}
	s.cancel()
	s.mu.Lock()
	for st := range s.conns {
		_ = st.c.Close()
	}
	s.mu.Unlock()
	<-done
	return ctx.Err()
}

// frameWriter is the http.ResponseWriter of a frame request: it keeps the
// answer until the handler returns, since the frame starts with its
// length.
type frameWriter struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (w *frameWriter) Header() http.Header { return w.header }

func (w *frameWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *frameWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.body.Write(p)
}

// reset readies the writer for the next request, keeping a modest buffer.
func (w *frameWriter) reset() {
	clear(w.header)
	w.code = 0
	if w.body.Cap() > maxPooledBuffer {
		w.body = bytes.Buffer{}
	}
	w.body.Reset()
}
