package testbed

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/protocol"
	"github.com/jsorc/jsorc/internal/hopproxy"
)

// serverEnv is the environment variable that turns a re-executed test
// binary into one remote action server (see ChildMain).
const serverEnv = "JSORC_TESTBED_SERVER"

// Hop is the network between the runtime and a remote server.
type Hop struct {
	// Delay and Jitter are added to every chunk, each way (hopproxy.Config).
	Delay, Jitter time.Duration
}

// serverSpec is what a child server is told.
type serverSpec struct {
	Module string              `json:"module"`
	Synth  actions.SynthParams `json:"synth"`
	Delay  time.Duration       `json:"delay"`
	Jitter time.Duration       `json:"jitter"`
	Seed   uint64              `json:"seed"`
}

// ChildMain serves as a remote action server and exits when the process
// was started as one by StartServer; otherwise it returns at once. Call it
// first in the TestMain of a package that uses the testbed: the servers are
// the test binary itself, re-executed, so no other program is needed.
func ChildMain() {
	raw := os.Getenv(serverEnv)
	if raw == "" {
		return
	}
	if err := serveChild(raw); err != nil {
		fmt.Fprintln(os.Stderr, "testbed server:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// serveChild runs the action server and its hop proxy until stdin closes
// (the parent is done or gone) or a SIGTERM, printing the proxy's address.
func serveChild(raw string) error {
	var spec serverSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		return fmt.Errorf("%s: %w", serverEnv, err)
	}
	spec.Synth.MemMB = 0 // its memory is another machine's
	inst, err := actions.NewSynth(spec.Synth)
	if err != nil {
		return err
	}
	defer inst.Close()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	bound := make(chan string, 1)
	served := make(chan error, 1)
	go func() {
		served <- protocol.Serve(ctx, "127.0.0.1:0", protocol.NewHandler(spec.Module, inst, protocol.HandlerOptions{}),
			func(addr string) { bound <- addr })
	}()
	var addr string
	select {
	case addr = <-bound:
	case err := <-served:
		return err
	}
	px, err := hopproxy.Listen(ctx, "127.0.0.1:0", hopproxy.Config{Target: addr, Delay: spec.Delay, Jitter: spec.Jitter, Seed: spec.Seed})
	if err != nil {
		return err
	}
	proxied := make(chan error, 1)
	go func() { proxied <- px.Serve(ctx) }()
	fmt.Printf("ADDR %s\n", px.Addr())
	return errors.Join(<-served, <-proxied)
}

// Server is a running remote action server: a child process serving one
// module behind its hop proxy.
type Server struct {
	// URL is the proxy's base URL: calls to it cross the hop.
	URL   string
	cmd   *exec.Cmd
	stdin io.Closer
}

// StartServer starts module's action server, running exe (the test binary,
// whose TestMain calls ChildMain) with the hop in front. It returns once
// the server listens.
func StartServer(ctx context.Context, exe string, m Module, hop Hop, seed uint64) (*Server, error) {
	spec, err := json.Marshal(serverSpec{Module: m.Name, Synth: m.Synth, Delay: hop.Delay, Jitter: hop.Jitter, Seed: seed})
	if err != nil {
		return nil, fmt.Errorf("testbed: server %s: %w", m.Name, err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), serverEnv+"="+string(spec))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("testbed: server %s: %w", m.Name, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("testbed: server %s: %w", m.Name, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("testbed: starting server %s: %w", m.Name, err)
	}
	s := &Server{cmd: cmd, stdin: stdin}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
				line <- addr
				break
			}
		}
		io.Copy(io.Discard, stdout)
		close(line)
	}()
	select {
	case addr, ok := <-line:
		if !ok {
			s.Stop()
			return nil, fmt.Errorf("testbed: server %s ended before listening (see its stderr)", m.Name)
		}
		s.URL = "http://" + addr
		return s, nil
	case <-time.After(30 * time.Second):
		s.Stop()
		return nil, fmt.Errorf("testbed: server %s did not listen within 30 s", m.Name)
	case <-ctx.Done():
		s.Stop()
		return nil, fmt.Errorf("testbed: starting server %s: %w", m.Name, ctx.Err())
	}
}

// Stop ends the server: it closes its stdin, which it takes as the signal
// to shut down, and kills it if it has not exited within 10 s.
func (s *Server) Stop() {
	s.stdin.Close()
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}
