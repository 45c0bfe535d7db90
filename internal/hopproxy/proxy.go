package hopproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// MaxDelay bounds Delay and Jitter: a hop longer than this is a typing
// mistake, not a link.
const MaxDelay = 10 * time.Second

// chunkBytes is the most one read takes, and so the largest chunk.
const chunkBytes = 32 << 10

// queueChunks is how many chunks may wait for their delivery time per
// direction before reading stops (back-pressure, as a full link gives).
const queueChunks = 256

// Config says where a proxy forwards and how late.
type Config struct {
	// Target is the host:port every accepted connection is forwarded to.
	Target string
	// Delay is the fixed one-way delay added to every chunk, per direction.
	Delay time.Duration
	// Jitter is the width of the uniform extra delay drawn per chunk:
	// each chunk waits Delay + U[0, Jitter). Delivery stays in order, so a
	// chunk never overtakes the one before it.
	Jitter time.Duration
	// Seed seeds the jitter draws (0 is a valid seed).
	Seed uint64
}

// Validate checks the config and names the bad field.
func (c Config) Validate() error {
	if c.Target == "" {
		return errors.New("hopproxy: no target: give the host:port to forward to")
	}
	if _, _, err := net.SplitHostPort(c.Target); err != nil {
		return fmt.Errorf("hopproxy: target %q: want host:port: %w", c.Target, err)
	}
	if c.Delay < 0 || c.Delay > MaxDelay {
		return fmt.Errorf("hopproxy: delay %v: want 0..%v", c.Delay, MaxDelay)
	}
	if c.Jitter < 0 || c.Jitter > MaxDelay {
		return fmt.Errorf("hopproxy: jitter %v: want 0..%v", c.Jitter, MaxDelay)
	}
	return nil
}

// Stats counts what a proxy carried.
type Stats struct {
	// Conns is the number of connections accepted.
	Conns uint64
	// Up and Down are the bytes carried towards the target and back (the
	// bytes written to the far side; a Stats read just after the peer got
	// them may miss the last chunk's count).
	Up, Down uint64
}

// Proxy is a listening hop. Listen makes one; Serve runs it.
type Proxy struct {
	cfg Config
	ln  net.Listener

	mu    sync.Mutex
	rng   *rand.Rand
	conns map[net.Conn]struct{}

	nconn, up, down atomic.Uint64
}

// Listen binds addr ("127.0.0.1:0" picks a free port) for a proxy with cfg.
// Nothing is accepted until Serve runs.
func Listen(ctx context.Context, addr string, cfg Config) (*Proxy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("hopproxy: listening on %s: %w", addr, err)
	}
	return &Proxy{
		cfg:   cfg,
		ln:    ln,
		rng:   rand.New(rand.NewPCG(cfg.Seed, 0x6a6f7263)),
		conns: map[net.Conn]struct{}{},
	}, nil
}

// Addr is the address the proxy listens on.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Stats returns what the proxy carried so far.
func (p *Proxy) Stats() Stats {
	return Stats{Conns: p.nconn.Load(), Up: p.up.Load(), Down: p.down.Load()}
}

// Serve accepts connections and forwards each to the target until ctx is
// done; it then closes the listener and every connection, waits for their
// goroutines and returns nil. A connection whose target cannot be dialled
// is closed at once. It returns an error only if accepting fails otherwise.
func (p *Proxy) Serve(ctx context.Context) error {
	var wg sync.WaitGroup
	stop := context.AfterFunc(ctx, func() {
		p.ln.Close()
		p.mu.Lock()
		for c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
	})
	defer func() {
		stop()
		p.ln.Close()
		p.mu.Lock()
		for c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		wg.Wait()
	}()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("hopproxy on %s: accept: %w", p.Addr(), err)
		}
		p.nconn.Add(1)
		wg.Go(func() { p.carry(ctx, c) })
	}
}

// track registers c for closing at shutdown; false if shutdown began.
func (p *Proxy) track(ctx context.Context, c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ctx.Err() != nil {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// carry forwards one accepted connection in both directions.
func (p *Proxy) carry(ctx context.Context, client net.Conn) {
	defer client.Close()
	if !p.track(ctx, client) {
		return
	}
	defer p.untrack(client)
	d := net.Dialer{Timeout: 5 * time.Second}
	server, err := d.DialContext(ctx, "tcp", p.cfg.Target)
	if err != nil {
		return
	}
	defer server.Close()
	if !p.track(ctx, server) {
		return
	}
	defer p.untrack(server)
	var wg sync.WaitGroup
	wg.Go(func() { p.pipe(ctx, client, server, &p.up) })
	wg.Go(func() { p.pipe(ctx, server, client, &p.down) })
	wg.Wait()
}

// chunk is bytes read and the time they are due at the other side.
type chunk struct {
	b   []byte
	due time.Time
}

// draw returns one chunk's delay.
func (p *Proxy) draw() time.Duration {
	if p.cfg.Jitter <= 0 {
		return p.cfg.Delay
	}
	p.mu.Lock()
	j := time.Duration(p.rng.Int64N(int64(p.cfg.Jitter)))
	p.mu.Unlock()
	return p.cfg.Delay + j
}

// pipe carries src to dst, each chunk delivered at its due time. When src
// ends cleanly, dst's write side is closed after the last chunk (the peer
// sees EOF, as it would without the proxy); on an error both ends close.
func (p *Proxy) pipe(ctx context.Context, src, dst net.Conn, count *atomic.Uint64) {
	q := make(chan chunk, queueChunks)
	readErr := make(chan error, 1)
	go func() {
		defer close(q)
		for {
			buf := make([]byte, chunkBytes)
			n, err := src.Read(buf)
			if n > 0 {
				q <- chunk{b: buf[:n], due: time.Now().Add(p.draw())}
			}
			if err != nil {
				readErr <- err
				return
			}
		}
	}()
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	failed := false
	for c := range q {
		if failed {
			continue // drain so the reader can finish
		}
		if wait := time.Until(c.due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				failed = true
				src.Close()
				dst.Close()
				continue
			}
		}
		n, err := dst.Write(c.b)
		count.Add(uint64(n))
		if err != nil {
			failed = true
			src.Close()
			dst.Close()
		}
	}
	if err := <-readErr; failed || !errors.Is(err, io.EOF) {
		src.Close()
		dst.Close()
		return
	}
	if cw, ok := dst.(interface{ CloseWrite() error }); ok {
		if cw.CloseWrite() == nil {
			return
		}
	}
	dst.Close()
}
