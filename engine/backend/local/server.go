package local

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jsorc/jsorc/engine/backend"
	supervise "github.com/jsorc/jsorc/engine/local"
)

// Launch prepares the supervisor of a module's action server: spec.Command
// (with its placeholders) or, for a built-in, `{jsorc} serve-action`.
func (b *Backend) Launch(spec backend.ServerSpec, report func(backend.State)) (backend.Server, error) {
	argv, env, err := serverCommand(spec)
	if err != nil {
		return nil, err
	}
	return &server{b: b, module: spec.Module, argv: argv, env: env, report: report}, nil
}

// serverCommand returns the argv template and environment of a module's
// action server.
func serverCommand(spec backend.ServerSpec) ([]string, []string, error) {
	if len(spec.Command) > 0 {
		var env []string
		for _, k := range slices.Sorted(maps.Keys(spec.Env)) {
			env = append(env, k+"="+spec.Env[k])
		}
		return spec.Command, env, nil
	}
	if spec.Wasm != nil {
		return wasmCommand(spec)
	}
	if spec.Builtin == "" {
		return nil, nil, backend.Errorf(backend.ErrConflict, "module %q: no way to run its server on the local backend (give local.command or url)", spec.Module)
	}
	argv := []string{"{jsorc}", "serve-action", spec.Builtin, "--name", "{name}", "--addr", "{addr}", "--socket", "{socket}"}
	if len(spec.Params) > 0 {
		p, err := json.Marshal(spec.Params)
		if err != nil {
			return nil, nil, fmt.Errorf("module %q: encoding params: %w", spec.Module, err)
		}
		argv = append(argv, "--params", escapeBraces(string(p)))
	}
	return argv, nil, nil
}

// wasmCommand is `{jsorc} serve-action --wasm FILE` for a WebAssembly
// module, with its settings and the data directory's compiled-code cache,
// so the server starts from the code the engine compiled.
func wasmCommand(spec backend.ServerSpec) ([]string, []string, error) {
	cfg, err := json.Marshal(spec.Wasm)
	if err != nil {
		return nil, nil, fmt.Errorf("module %q: encoding its wasm settings: %w", spec.Module, err)
	}
	return []string{"{jsorc}", "serve-action", "--wasm", escapeBraces(spec.Wasm.Path), "--wasm-config", escapeBraces(string(cfg)),
		"--wasm-cache", "{data}/wasm-cache", "--name", "{name}", "--addr", "{addr}", "--socket", "{socket}"}, nil, nil
}

// escapeBraces keeps literal text intact through the expansion of the
// command's placeholders ({addr}, ...).
func escapeBraces(s string) string { return strings.NewReplacer("{", "{{", "}", "}}").Replace(s) }

// server is a module's action server as a supervised child process: each
// (re)start gets a fresh loopback port, readiness is the spec endpoint
// answering, and a crash restarts it with back-off.
type server struct {
	b      *Backend
	module string
	argv   []string
	env    []string
	report func(backend.State)

	mu   sync.Mutex
	spec map[string][]string // what the last successful probe read
	// addr is the TCP address of the current start, whose socket the
	// backend's dialer knows (see Backend.DialContext).
	addr string
}

// Start supervises the process until ctx ends, then stops it.
func (s *server) Start(ctx context.Context) error {
	name := "action-" + s.module
	sup := supervise.NewSupervisor(supervise.Spec{Name: name}, supervise.SupervisorOptions{
		Prepare: s.prepare,
		Probe:   s.probe,
		OnState: s.onState,
	})
	defer s.forgetSocket()
	if err := sup.Run(ctx); err != nil && ctx.Err() == nil {
		return fmt.Errorf("the supervisor of %s ended: %w", name, err)
	}
	return nil
}

// Retire does nothing: the process ended with Start.
func (s *server) Retire(context.Context) error { return nil }

// prepare picks a port and expands the command for one start.
func (s *server) prepare(context.Context) (supervise.Spec, string, error) {
	host, data := s.b.opts.Host, s.b.dataDir
	port, err := supervise.FreePort(host)
	if err != nil {
		return supervise.Spec{}, "", err
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	sock := s.b.socketPath(port)
	args, err := supervise.Expand(s.argv, map[string]string{
		"jsorc":  s.b.opts.Executable,
		"addr":   addr,
		"host":   host,
		"port":   strconv.Itoa(port),
		"name":   s.module,
		"data":   data,
		"socket": sock,
	})
	if err != nil {
		return supervise.Spec{}, "", fmt.Errorf("module %q: server command: %w", s.module, err)
	}
	s.forgetSocket()
	if sock != "" && slices.Contains(s.argv, "{socket}") {
		s.b.sockets.Store(addr, sock)
	}
	s.mu.Lock()
	s.spec, s.addr = nil, addr
	s.mu.Unlock()
	return supervise.Spec{
		Name:    "action-" + s.module,
		Argv:    args,
		Env:     s.env,
		LogPath: LogPath(data, s.module, false),
	}, "http://" + addr, nil
}

// forgetSocket drops the socket of the server's last start from the
// backend's dialer.
func (s *server) forgetSocket() {
	s.mu.Lock()
	addr := s.addr
	s.addr = ""
	s.mu.Unlock()
	if addr != "" {
		s.b.sockets.Delete(addr)
	}
}

// probe reads the spec endpoint: the server is ready once it answers.
func (s *server) probe(ctx context.Context, url string) error {
	spec, err := s.b.client.Spec(ctx, url)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.spec = spec
	s.mu.Unlock()
	return nil
}

// onState reports the supervisor's states in the backend's terms.
func (s *server) onState(st supervise.State) {
	rs := backend.State{PID: st.PID, Restarts: st.Restarts, LastError: st.LastError, URL: st.Endpoint, Since: st.Since}
	switch st.Phase {
	case supervise.PhaseStarting:
		rs.Phase = backend.PhaseStarting
	case supervise.PhaseReady:
		s.mu.Lock()
		rs.Phase, rs.Spec = backend.PhaseReady, s.spec
		s.mu.Unlock()
	case supervise.PhaseCrashed:
		rs.Phase = backend.PhaseCrashed
	case supervise.PhaseNotInstalled:
		rs.Phase = backend.PhaseNotInstalled
	default:
		return
	}
	s.report(rs)
}
