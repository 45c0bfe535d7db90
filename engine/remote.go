package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jsorc/jsorc/engine/local"
)

// Phase is the life stage of a module's remote action server.
type Phase int

// Phases of a remote action server.
const (
	PhaseNone Phase = iota
	PhaseStarting
	PhaseReady
	PhaseCrashed
	PhaseNotInstalled
)

// Status is the phase as JSORC's action status spells it.
func (p Phase) Status() string {
	switch p {
	case PhaseStarting:
		return "STARTING"
	case PhaseReady:
		return "READY"
	case PhaseCrashed:
		return "CRASHED"
	case PhaseNotInstalled:
		return "NOT_INSTALLED"
	}
	return ""
}

// RemoteState is what the engine knows of a module's remote action server.
type RemoteState struct {
	Phase     Phase
	URL       string
	PID       int
	Restarts  int
	LastError string
	// External is true for a server someone else runs (the config's url).
	External bool
	// Spec is the server's action spec, read by the readiness probe.
	Spec  map[string][]string
	Since time.Time
}

// remoteServer is a running remote action server the engine looks after.
type remoteServer interface {
	// start begins running (or watching) the server until stop. It is
	// called once the module knows the server, so no state report can
	// arrive before that. ctx carries values only: its end does not stop
	// the server.
	start(ctx context.Context)
	// stop ends the server (or, for an external one, stops watching it).
	// retire also removes what the backend keeps beyond the engine's life.
	stop(ctx context.Context, retire bool)
}

// serverLoop is the goroutine of a local or an external server: run until
// stop.
type serverLoop struct {
	run    func(ctx context.Context)
	cancel context.CancelFunc
	done   chan struct{}
}

func newServerLoop(run func(ctx context.Context)) *serverLoop {
	return &serverLoop{run: run, done: make(chan struct{})}
}

func (s *serverLoop) start(ctx context.Context) {
	ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	go func() {
		defer close(s.done)
		s.run(ctx)
	}()
}

func (s *serverLoop) stop(ctx context.Context, _ bool) {
	s.cancel()
	select {
	case <-s.done:
	case <-ctx.Done():
	}
}

// launchServer prepares the module's remote action server on the engine's
// backend, or starts watching the external server its config names.
func (e *Engine) launchServer(_ context.Context, m *module, cfg ActionConfig) (remoteServer, error) {
	if cfg.URL != "" {
		return e.watchExternal(m, cfg.URL), nil
	}
	if e.kube != nil {
		srv, err := e.launchKube(m, cfg)
		if err != nil {
			return nil, err
		}
		return srv, nil
	}
	argv, env, err := e.serverCommand(m.name, cfg)
	if err != nil {
		return nil, err
	}
	return e.superviseLocal(m, argv, env), nil
}

// serverCommand returns the argv template and environment of a module's
// local action server.
func (e *Engine) serverCommand(name string, cfg ActionConfig) ([]string, []string, error) {
	var env []string
	if cfg.Local != nil {
		for _, k := range sortedKeys(cfg.Local.Env) {
			env = append(env, k+"="+cfg.Local.Env[k])
		}
		return cfg.Local.Command, env, nil
	}
	if cfg.Builtin == "" {
		return nil, nil, errorf(ErrConflict, "module %q: no way to run its server on the local backend (give local.command or url)", name)
	}
	argv := []string{"{jsorc}", "serve-action", cfg.Builtin, "--name", "{name}", "--addr", "{addr}"}
	if len(cfg.Params) > 0 {
		p, err := json.Marshal(cfg.Params)
		if err != nil {
			return nil, nil, fmt.Errorf("module %q: encoding params: %w", name, err)
		}
		// The template is expanded ({addr}, ...): escape the JSON's braces.
		esc := strings.NewReplacer("{", "{{", "}", "}}").Replace(string(p))
		argv = append(argv, "--params", esc)
	}
	return argv, env, nil
}

// localServer is a module's action server run by the local backend as a
// supervised child process.
type localServer struct {
	*serverLoop

	mu   sync.Mutex
	spec map[string][]string
}

// lastSpec is the action spec the last successful probe read.
func (s *localServer) lastSpec() map[string][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spec
}

// superviseLocal starts the supervisor of a module's local action server:
// each (re)start gets a fresh loopback port, readiness is the spec endpoint
// answering, and a crash restarts it with back-off.
func (e *Engine) superviseLocal(m *module, argv, env []string) *localServer {
	srv := &localServer{}
	host := e.opts.Host
	prepare := func(context.Context) (local.Spec, string, error) {
		port, err := local.FreePort(host)
		if err != nil {
			return local.Spec{}, "", err
		}
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		args, err := local.Expand(argv, map[string]string{
			"jsorc": e.opts.Executable,
			"addr":  addr,
			"host":  host,
			"port":  strconv.Itoa(port),
			"name":  m.name,
			"data":  e.opts.DataDir,
		})
		if err != nil {
			return local.Spec{}, "", fmt.Errorf("module %q: server command: %w", m.name, err)
		}
		srv.mu.Lock()
		srv.spec = nil
		srv.mu.Unlock()
		return local.Spec{
			Name:    "action-" + m.name,
			Argv:    args,
			Env:     env,
			LogPath: filepath.Join(e.opts.DataDir, "logs", "action-"+m.name+".log"),
		}, "http://" + addr, nil
	}
	probe := func(ctx context.Context, url string) error {
		spec, err := e.client.Spec(ctx, url)
		if err != nil {
			return err
		}
		srv.mu.Lock()
		srv.spec = spec
		srv.mu.Unlock()
		return nil
	}
	onState := func(st local.State) {
		rs := RemoteState{PID: st.PID, Restarts: st.Restarts, LastError: st.LastError, URL: st.Endpoint, Since: st.Since}
		switch st.Phase {
		case local.PhaseStarting:
			rs.Phase = PhaseStarting
		case local.PhaseReady:
			rs.Phase, rs.Spec = PhaseReady, srv.lastSpec()
		case local.PhaseCrashed:
			rs.Phase = PhaseCrashed
		case local.PhaseNotInstalled:
			rs.Phase = PhaseNotInstalled
		default:
			return
		}
		m.onServerState(srv, rs)
		if rs.Phase == PhaseReady {
			if err := e.updateScrapeTargets(); err != nil {
				e.log.Warn("updating scrape targets", "err", err)
			}
		}
	}
	sup := local.NewSupervisor(local.Spec{Name: "action-" + m.name}, local.SupervisorOptions{Prepare: prepare, Probe: probe, OnState: onState})
	srv.serverLoop = newServerLoop(func(ctx context.Context) {
		if err := sup.Run(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("action server supervisor ended", "module", m.name, "err", err)
		}
	})
	return srv
}

// watchExternal polls an external server's spec until it answers (READY),
// then checks its health periodically, reporting every change.
func (e *Engine) watchExternal(m *module, url string) *serverLoop {
	var srv *serverLoop
	srv = newServerLoop(func(ctx context.Context) {
		interval := 100 * time.Millisecond
		var last RemoteState
		for {
			pctx, pcancel := context.WithTimeout(ctx, time.Second)
			spec, err := e.client.Spec(pctx, url)
			pcancel()
			st := RemoteState{Phase: PhaseReady, URL: url, External: true, Spec: spec, Since: last.Since}
			if err != nil {
				st = RemoteState{Phase: PhaseStarting, URL: url, External: true, LastError: err.Error(), Since: last.Since}
			}
			if st.Phase != last.Phase || st.LastError != last.LastError {
				st.Since = time.Now()
				m.onServerState(srv, st)
				last = st
			}
			if st.Phase == PhaseReady {
				interval = 5 * time.Second
			} else if interval < time.Second {
				interval *= 2
			} else {
				interval = time.Second
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(interval):
			}
		}
	})
	return srv
}
