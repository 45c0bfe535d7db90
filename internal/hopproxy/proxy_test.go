package hopproxy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// echoServer answers every connection with what it reads and closes its
// write side at EOF. It stops when the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				if _, err := io.Copy(c, c); err == nil {
					c.(*net.TCPConn).CloseWrite()
				}
			})
		}
	})
	return ln.Addr().String()
}

// startProxy runs a proxy in front of target until the test ends. The
// returned stop ends it at once and fails the test unless Serve returns nil
// within 5 s; it is safe to call more than once.
func startProxy(t *testing.T, cfg Config) (*Proxy, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	p, err := Listen(ctx, "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Serve(ctx) }()
	stop := sync.OnceFunc(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve after stop: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return within 5 s of its context ending")
		}
	})
	t.Cleanup(stop)
	return p, stop
}

func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// roundTrips sends one byte n times through c and returns each round trip.
func roundTrips(t *testing.T, c net.Conn, n int) []time.Duration {
	t.Helper()
	out := make([]time.Duration, n)
	b := []byte{0}
	for i := range out {
		start := time.Now()
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, b); err != nil {
			t.Fatal(err)
		}
		out[i] = time.Since(start)
	}
	return out
}

func TestDelayAndJitter(t *testing.T) {
	echo := echoServer(t)
	base := roundTrips(t, dial(t, echo), 20)
	slices.Sort(base)
	baseMed := base[len(base)/2]
	for _, tc := range []struct {
		name          string
		delay, jitter time.Duration
	}{
		{"fixed 2ms", 2 * time.Millisecond, 0},
		{"0.5ms+U[0,4ms)", 500 * time.Microsecond, 4 * time.Millisecond},
		{"5ms+U[0,1ms)", 5 * time.Millisecond, time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := startProxy(t, Config{Target: echo, Delay: tc.delay, Jitter: tc.jitter, Seed: 7})
			rt := roundTrips(t, dial(t, p.Addr()), 40)
			slices.Sort(rt)
			// A chunk is never delivered early: every round trip pays both
			// directions' fixed delay.
			if rt[0] < 2*tc.delay {
				t.Errorf("fastest round trip %v < 2 × delay %v", rt[0], 2*tc.delay)
			}
			// The median of two uniform draws is their mean: delay + jitter/2
			// each way. Timers and a loaded machine only add, so allow a
			// margin above and none below beyond a quarter of the jitter.
			want := 2*tc.delay + tc.jitter
			med := rt[len(rt)/2] - baseMed
			if med < want-tc.jitter/2 || med > want+tc.jitter/2+3*time.Millisecond {
				t.Errorf("median added round trip %v, want %v (−%v, +%v)", med, want, tc.jitter/2, tc.jitter/2+3*time.Millisecond)
			}
			if tc.jitter > 0 {
				// 40 sums of two U[0,J) draws span well over J/2.
				if spread := rt[len(rt)*9/10] - rt[len(rt)/10]; spread < tc.jitter/4 {
					t.Errorf("10–90%% spread %v, want ≥ %v with jitter %v", spread, tc.jitter/4, tc.jitter)
				}
			}
			if st := p.Stats(); st.Conns != 1 || st.Up != 40 || st.Down < 39 { // the last answer may be read before its count
				t.Errorf("stats %+v, want 1 connection, 40 bytes up, ≥ 39 down", st)
			}
		})
	}
}

// TestNoLossNoReorder streams a random megabyte through the proxy in
// random-sized writes while reading the echo, and compares.
func TestNoLossNoReorder(t *testing.T) {
	echo := echoServer(t)
	p, _ := startProxy(t, Config{Target: echo, Delay: 500 * time.Microsecond, Jitter: 2 * time.Millisecond, Seed: 3})
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	const conns = 3
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for range conns {
		c := dial(t, p.Addr())
		wg.Go(func() {
			go func() {
				r := rand.New(rand.NewPCG(uint64(len(data)), 9))
				for off := 0; off < len(data); {
					n := min(len(data)-off, 1+r.IntN(40000))
					if _, err := c.Write(data[off : off+n]); err != nil {
						return
					}
					off += n
				}
				c.CloseWrite()
			}()
			got, err := io.ReadAll(c)
			switch {
			case err != nil:
				errs <- err
			case !bytes.Equal(got, data):
				i := 0
				for i < min(len(got), len(data)) && got[i] == data[i] {
					i++
				}
				errs <- errors.New("echo differs: got " + itoa(len(got)) + " bytes, first difference at " + itoa(i))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if st := p.Stats(); st.Up != conns*uint64(len(data)) || st.Down != st.Up {
		t.Errorf("stats %+v, want %d bytes each way", st, conns*len(data))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestCleanClose: a half-close travels through the proxy after the data
// before it; stopping the proxy closes what it carries and Serve returns.
func TestCleanClose(t *testing.T) {
	echo := echoServer(t)
	p, _ := startProxy(t, Config{Target: echo, Delay: 3 * time.Millisecond})
	c := dial(t, p.Addr())
	if _, err := c.Write([]byte("last words")); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "last words" {
		t.Fatalf("after half-close read %q, %v; want the echo then EOF", got, err)
	}

	q, stop := startProxy(t, Config{Target: echo, Delay: time.Millisecond})
	open := dial(t, q.Addr())
	roundTrips(t, open, 1)
	stop()
	open.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := open.Read(make([]byte, 1)); err == nil {
		t.Fatalf("read %d bytes from a connection the stopped proxy should have closed", n)
	} else if errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("the stopped proxy left its connection open")
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no target", Config{}, "no target"},
		{"no port", Config{Target: "localhost"}, "want host:port"},
		{"negative delay", Config{Target: "127.0.0.1:1", Delay: -1}, "delay"},
		{"huge jitter", Config{Target: "127.0.0.1:1", Jitter: time.Hour}, "jitter"},
		{"fine", Config{Target: "127.0.0.1:1", Delay: time.Millisecond, Jitter: time.Millisecond}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want an error naming %q", err, tc.want)
			}
		})
	}
}
