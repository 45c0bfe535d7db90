package testbed

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/policy"
	"github.com/jsorc/jsorc/engine/protocol"
)

// Options configure a Runtime.
type Options struct {
	// Exe is the program StartServer runs for remote servers (the test
	// binary; see ChildMain).
	Exe string
	// Hop gives the delay in front of each module's remote server (nil:
	// no delay). Real servers are not all equally far.
	Hop func(module string) Hop
	// Clients is the number of closed-loop clients sending requests.
	Clients int
	// HandleCPUMs is the runtime's own CPU per request (walker work),
	// burnt in-process before the request's calls.
	HandleCPUMs float64
	// Seed seeds the hops' jitter.
	Seed uint64
}

// Runtime is the in-process runtime of the testbed: it serves app requests
// from closed-loop clients, calling each module in-process or through its
// remote server.
type Runtime struct {
	opts    Options
	client  *protocol.Client
	handle  actions.Func
	closers []func()

	mods  map[string]*modState
	names []string

	app      atomic.Pointer[App]
	requests stat
	errors   atomic.Uint64
}

// modState is one module: its mode, its in-process instance and its stats.
type modState struct {
	spec Module
	srv  *Server

	mu    sync.RWMutex // calls in module mode hold it shared; a switch holds it
	mode  policy.Mode
	inst  actions.Instance
	fns   map[string]actions.Func
	since time.Time

	local, remote stat
}

// NewRuntime starts a remote server for every module and returns the
// runtime with all of them in remote mode. Close stops the servers.
func NewRuntime(ctx context.Context, mods []Module, opts Options) (*Runtime, error) {
	if opts.Clients <= 0 {
		return nil, fmt.Errorf("testbed: %d clients: want at least 1", opts.Clients)
	}
	h, err := actions.NewSynth(actions.SynthParams{CPUMs: opts.HandleCPUMs, ResponseBytes: 1, Actions: []string{"handle"}})
	if err != nil {
		return nil, fmt.Errorf("testbed: request handling: %w", err)
	}
	r := &Runtime{
		opts:   opts,
		client: protocol.NewClient(protocol.ClientOptions{MaxIdleConnsPerHost: 4 * opts.Clients}),
		handle: h.Actions()[0].Fn,
		mods:   make(map[string]*modState, len(mods)),
	}
	r.closers = append(r.closers, func() { h.Close() })
	for i, m := range mods {
		var hop Hop
		if opts.Hop != nil {
			hop = opts.Hop(m.Name)
		}
		srv, err := StartServer(ctx, opts.Exe, m, hop, opts.Seed+uint64(i))
		if err != nil {
			r.Close()
			return nil, err
		}
		r.closers = append(r.closers, srv.Stop)
		r.mods[m.Name] = &modState{spec: m, srv: srv, mode: policy.ModeRemote, since: time.Now()}
		r.names = append(r.names, m.Name)
	}
	slices.Sort(r.names)
	return r, nil
}

// Close unloads the in-process modules and stops the servers.
func (r *Runtime) Close() {
	for _, m := range r.mods {
		m.mu.Lock()
		if m.inst != nil {
			m.inst.Close()
			m.inst, m.fns = nil, nil
		}
		m.mu.Unlock()
	}
	for _, c := range slices.Backward(r.closers) {
		c()
	}
	r.client.CloseIdleConnections()
}

// Placement returns every module's mode.
func (r *Runtime) Placement() policy.Placement {
	p := make(policy.Placement, len(r.mods))
	for n, m := range r.mods {
		m.mu.RLock()
		p[n] = m.mode
		m.mu.RUnlock()
	}
	return p
}

// SetApp makes the clients send requests of app from their next request on.
func (r *Runtime) SetApp(app App) { r.app.Store(&app) }

// Apply puts every module p names in its mode, moves out first, and
// returns the number of switches made.
func (r *Runtime) Apply(p policy.Placement) (int, error) {
	n := 0
	for _, want := range []policy.Mode{policy.ModeRemote, policy.ModeModule} {
		for _, name := range r.names {
			if p[name] != want {
				continue
			}
			switched, err := r.Set(name, want)
			if err != nil {
				return n, err
			}
			if switched {
				n++
			}
		}
	}
	return n, nil
}

// Set switches one module's mode and reports whether it changed. Moving
// in-process loads the module (its memory allocated and touched) before
// calls reach it; moving out closes it once its calls have returned.
func (r *Runtime) Set(name string, mode policy.Mode) (bool, error) {
	m, ok := r.mods[name]
	if !ok {
		return false, fmt.Errorf("testbed: no module %q", name)
	}
	m.mu.RLock()
	cur := m.mode
	m.mu.RUnlock()
	if cur == mode {
		return false, nil
	}
	switch mode {
	case policy.ModeModule:
		inst, err := actions.NewSynth(m.spec.Synth)
		if err != nil {
			return false, fmt.Errorf("testbed: loading %s in-process: %w", name, err)
		}
		fns := map[string]actions.Func{}
		for _, a := range inst.Actions() {
			fns[a.Name] = a.Fn
		}
		m.mu.Lock()
		m.mode, m.inst, m.fns, m.since = mode, inst, fns, time.Now()
		m.mu.Unlock()
	case policy.ModeRemote:
		m.mu.Lock()
		inst := m.inst
		m.mode, m.inst, m.fns, m.since = mode, nil, nil, time.Now()
		m.mu.Unlock()
		if inst != nil {
			if err := inst.Close(); err != nil {
				return true, fmt.Errorf("testbed: unloading %s: %w", name, err)
			}
		}
	default:
		return false, fmt.Errorf("testbed: module %s: mode %q, want module or remote", name, mode)
	}
	return true, nil
}

// Run sends requests from the configured number of closed-loop clients
// until ctx is done.
func (r *Runtime) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range r.opts.Clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				app := r.app.Load()
				if app == nil {
					select {
					case <-ctx.Done():
					case <-time.After(10 * time.Millisecond):
					}
					continue
				}
				start := time.Now()
				if err := r.request(ctx, app); err != nil {
					if ctx.Err() == nil {
						r.errors.Add(1)
					}
					continue
				}
				r.requests.add(time.Since(start), 0, 0)
			}
		})
	}
	wg.Wait()
}

// request runs one request: the runtime's own handling, then each call.
func (r *Runtime) request(ctx context.Context, app *App) error {
	data, err := r.handle(ctx, map[string]any{"data": app.Name})
	if err != nil {
		return err
	}
	for _, s := range app.Steps {
		if data, err = r.call(ctx, s, data); err != nil {
			return err
		}
	}
	return nil
}

// call runs one step where its module serves now and records its latency.
func (r *Runtime) call(ctx context.Context, s Step, data any) (any, error) {
	m := r.mods[s.Module]
	args := map[string]any{"data": data}
	start := time.Now()
	m.mu.RLock()
	if m.mode == policy.ModeModule {
		res, err := m.fns[s.Action](ctx, args)
		m.mu.RUnlock()
		if err == nil {
			m.local.add(time.Since(start), 0, 0)
		}
		return res, err
	}
	m.mu.RUnlock()
	res, mt, err := r.client.CallMeasured(ctx, m.srv.URL, s.Action, args)
	if err == nil {
		m.remote.add(time.Since(start), mt.Bytes, mt.Server)
	}
	return res, err
}

// Measure waits for d and returns what the window saw. Counters restart
// at its start, so calls of an earlier window never leak into it.
func (r *Runtime) Measure(ctx context.Context, d time.Duration) Window {
	r.take(time.Time{})
	w := Window{Start: time.Now()}
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
	return r.take(w.Start)
}

// take collects the counters into a window that started at start.
func (r *Runtime) take(start time.Time) Window {
	w := Window{Start: start, End: time.Now(), Errors: r.errors.Swap(0)}
	req := r.requests.take()
	w.Requests, w.MeanMs, w.SdMs = req.n, req.mean, req.sd
	for _, name := range r.names {
		m := r.mods[name]
		m.mu.RLock()
		o := policy.ModuleObs{Name: name, Mode: m.mode, Since: m.since, MemMB: m.spec.MemMB}
		m.mu.RUnlock()
		o.Module = callStats(m.local.take())
		o.Remote = callStats(m.remote.take())
		w.Modules = append(w.Modules, o)
	}
	return w
}
