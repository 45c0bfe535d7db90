package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/backend/kube"
	"github.com/jsorc/jsorc/engine/backend/local"
	"github.com/jsorc/jsorc/internal/run"
	"github.com/jsorc/jsorc/store"
)

const defaultAddrHelp = "$JSORC_ADDR or " + types.DefaultAddr

// DataDir returns the engine's data directory: flag, then $JSORC_DATA, then
// $XDG_DATA_HOME/jsorc, then ~/.local/share/jsorc.
func DataDir(flagValue string, getenv func(string) string) (string, error) {
	for _, d := range []string{flagValue, getenv("JSORC_DATA")} {
		if d != "" {
			return d, nil
		}
	}
	if x := getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "jsorc"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the data directory (set --data or JSORC_DATA): %w", err)
	}
	return filepath.Join(home, ".local", "share", "jsorc"), nil
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: --log-level %q: want debug, info, warn or error", ErrUsage, level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// BackendOptions choose where the engine runs remote action servers and
// kept-alive services (see engine.Options).
type BackendOptions struct {
	// Backend is local.Name (also when empty) or kube.Name.
	Backend string
	// Kubeconfig, InCluster, Namespace and Image configure the kube backend.
	Kubeconfig string
	InCluster  bool
	Namespace  string
	Image      string
}

// opener is the backend b chooses, with its settings.
func (b BackendOptions) opener() engine.BackendOpener {
	if b.Backend == kube.Name {
		return kube.Options{Kubeconfig: b.Kubeconfig, InCluster: b.InCluster, Namespace: b.Namespace, Image: b.Image}
	}
	return local.Options{}
}

// backendOptions reads serve's backend flags, with KUBECONFIG and
// JSORC_IMAGE as defaults.
func (r *runner) backendOptions() (BackendOptions, error) {
	b := BackendOptions{
		Backend:    r.o.backend,
		Kubeconfig: r.o.kubeconfig,
		InCluster:  r.o.inCluster,
		Namespace:  r.o.namespace,
		Image:      r.o.image,
	}
	switch b.Backend {
	case "", local.Name:
		if b.Kubeconfig != "" || b.InCluster || b.Namespace != "" || b.Image != "" {
			return b, fmt.Errorf("%w: --kubeconfig, --in-cluster, --namespace and --image go with --backend %s", ErrUsage, kube.Name)
		}
		return b, nil
	case kube.Name:
	default:
		return b, fmt.Errorf("%w: --backend %q: want %s or %s", ErrUsage, b.Backend, local.Name, kube.Name)
	}
	if b.Kubeconfig != "" && b.InCluster {
		return b, fmt.Errorf("%w: --kubeconfig and --in-cluster exclude each other", ErrUsage)
	}
	// A KUBECONFIG holding a list of files is left to client-go's loading
	// rules, which merge them.
	if env := r.env.Getenv("KUBECONFIG"); b.Kubeconfig == "" && !b.InCluster && env != "" && !strings.Contains(env, string(os.PathListSeparator)) {
		b.Kubeconfig = env
	}
	if b.Image == "" {
		b.Image = r.env.Getenv("JSORC_IMAGE")
	}
	return b, nil
}

// ServeOptions configure ServeEngine.
type ServeOptions struct {
	Addr    string
	DataDir string
	Logger  *slog.Logger
	// Backend chooses the engine's backend; the zero value is local.
	Backend BackendOptions
	// Token is the API token, and TokenSource where it came from; an empty
	// Token means the file in the data directory, created at first start.
	Token, TokenSource string
	// AllowOrigins, AllowHosts and MaxConns are api.Options' and
	// api.HTTPOptions'; TLSCert and TLSKey make the API serve HTTPS.
	AllowOrigins, AllowHosts []string
	MaxConns                 int
	TLSCert, TLSKey          string
	// Recover repairs a damaged database before the engine opens it
	// (store.Recover): the damaged file is kept, what can be read is
	// salvaged.
	Recover bool
	// Ready is called with the engine and the API's bound address.
	Ready func(e *engine.Engine, addr string)
	// Warn, when set, is given warnings for the user (a listening address
	// reachable from other machines without TLS) besides the log.
	Warn func(msg string)
}

// TokenDescription says where the engine's token is, for the start banner.
func (o ServeOptions) TokenDescription() string {
	if o.Token != "" {
		return "API token from " + o.TokenSource
	}
	return "API token in " + api.TokenPath(o.DataDir)
}

// ServeEngine opens an engine and serves its API until ctx is done, then
// shuts both down cleanly: the engine's loops and the API server run in one
// group, which stops the API first, then the engine's loops, its modules
// and its backend; the store closes last.
func ServeEngine(ctx context.Context, o ServeOptions) error {
	if o.Recover {
		if err := recoverStore(o.DataDir, o.Logger); err != nil {
			return err
		}
	}
	g := run.NewGroup(run.Options{Logger: o.Logger})
	e, err := engine.New(ctx, engine.Options{
		DataDir: o.DataDir,
		Logger:  o.Logger,
		Group:   g,
		Backend: o.Backend.opener(),
	})
	if err != nil {
		return err
	}
	defer func() {
		if err := e.Close(); err != nil {
			o.Logger.Error("closing the engine", "err", err)
			return
		}
		o.Logger.Info("engine stopped")
	}()
	srv, err := newAPIServer(e, &o)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("API address %s: %w", o.Addr, err)
	}
	var removeURL func() error
	as := &apiServer{
		ln:  ln,
		srv: srv,
		ready: func(addr string) {
			o.Logger.Info("engine API listening", "addr", addr, "tls", srv.TLS(), "data", o.DataDir, "backend", e.Backend())
			// A CLI or console given this data directory finds the API
			// there, as it finds the token.
			if rm, err := api.WriteURLFile(o.DataDir, api.ClientURL(addr, srv.TLS())); err != nil {
				o.Logger.Warn("the CLI will not find this engine from its data directory (give it --server)", "err", err)
			} else {
				removeURL = rm
			}
			// promon scrapes the engine's /metrics there.
			e.SetAPIAddr(addr)
			if o.Ready != nil {
				o.Ready(e, addr)
			}
		},
	}
	if _, err := g.Add(run.StageServe, "API server", as); err != nil {
		_ = ln.Close()
		return err
	}
	err = g.Run(ctx)
	if removeURL != nil { // set by the API server's start, which g.Run waited for
		if rerr := removeURL(); rerr != nil {
			o.Logger.Warn("removing the API URL file", "err", rerr)
		}
	}
	return err
}

// apiShutdownTimeout bounds the wait for in-flight API requests at
// shutdown; connections still open then are closed.
const apiShutdownTimeout = 10 * time.Second

// apiServer serves the engine's API on a listener (a run.Runnable).
type apiServer struct {
	ln    net.Listener
	srv   *api.HTTPServer
	ready func(addr string)
}

// Start serves until ctx ends, then stops accepting and waits for the
// requests in flight (at most apiShutdownTimeout).
func (a *apiServer) Start(ctx context.Context) error {
	a.ready(a.ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- a.srv.Serve(a.ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), apiShutdownTimeout)
	defer cancel()
	if err := a.srv.Shutdown(sctx); err != nil {
		_ = a.srv.Close()
		return fmt.Errorf("stopping: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func runServe(ctx context.Context, r *runner, _ []string) error {
	log, err := newLogger(r.env.Stderr, r.o.logLevel)
	if err != nil {
		return err
	}
	dir, err := DataDir(r.o.data, r.env.Getenv)
	if err != nil {
		return err
	}
	so, err := r.serveOptions(dir, log)
	if err != nil {
		return err
	}
	scheme := "http"
	if so.TLSCert != "" {
		scheme = "https"
	}
	so.Warn = func(msg string) { fmt.Fprintln(r.env.Stderr, "jsorc: WARNING:", msg) }
	so.Ready = func(e *engine.Engine, a string) {
		fmt.Fprintf(r.env.Stdout, "jsorc engine serving on %s://%s (data %s, %s backend; %s); Ctrl+C stops it\n", scheme, a, dir, e.Backend(), so.TokenDescription())
	}
	return ServeEngine(ctx, so)
}

// serveOptions gathers what serve and console share to run an engine: the
// API address (--addr, $JSORC_ADDR, the default), the backend, and the
// logger, to which client-go's logs are routed too.
func (r *runner) serveOptions(dir string, log *slog.Logger) (ServeOptions, error) {
	addr := r.o.addr
	if addr == "" {
		addr = r.env.Getenv("JSORC_ADDR")
	}
	if addr == "" {
		addr = types.DefaultAddr
	}
	backend, err := r.backendOptions()
	if err != nil {
		return ServeOptions{}, err
	}
	tok, source, err := r.serverToken()
	if err != nil {
		return ServeOptions{}, err
	}
	r.routeLogs(log)
	return ServeOptions{
		Addr: addr, DataDir: dir, Logger: log, Backend: backend,
		Token: tok, TokenSource: source,
		AllowOrigins: r.o.allowOrigins, AllowHosts: r.o.allowHosts, MaxConns: r.o.maxConns,
		TLSCert: r.o.tlsCert, TLSKey: r.o.tlsKey,
		Recover: r.o.recover,
	}, nil
}

// recoverStore repairs a damaged database in dir before an engine opens
// it, and logs what it did; a healthy one is left alone.
func recoverStore(dir string, log *slog.Logger) error {
	rec, err := store.Recover(dir, time.Now())
	if err != nil {
		return err
	}
	if rec.Recovered {
		log.Warn("recovered a damaged database", "db", rec.Check.Path, "damage", strings.Join(rec.Check.Damage, "; "),
			"kept", rec.Kept, "records", rec.Records, "from_snapshot", rec.BackupRecords, "lost_pages", rec.LostPages)
	}
	return nil
}

// routeLogs hands the engine's logger to Env.RouteLogs, if set.
func (r *runner) routeLogs(log *slog.Logger) {
	if r.env.RouteLogs != nil {
		r.env.RouteLogs(log)
	}
}

func runServeAction(ctx context.Context, r *runner, pos []string) error {
	log, err := newLogger(r.env.Stderr, r.o.logLevel)
	if err != nil {
		return err
	}
	var builtin string
	switch {
	case len(pos) == 1 && r.o.wasm != "":
		return fmt.Errorf("%w: serve-action takes a built-in MODULE or --wasm FILE, not both", ErrUsage)
	case len(pos) == 1:
		builtin = pos[0]
	case r.o.wasm == "":
		return fmt.Errorf("%w: serve-action MODULE (a built-in) or serve-action --wasm FILE", ErrUsage)
	}
	what := strings.TrimSpace(builtin)
	if r.o.wasm != "" {
		what = r.o.wasm
	}
	return engine.ServeAction(ctx, engine.ServeActionOptions{
		Builtin:    builtin,
		Name:       r.o.name,
		Addr:       r.o.addr,
		Socket:     r.o.socket,
		Params:     r.o.params,
		Logger:     log,
		Wasm:       r.o.wasm,
		WasmConfig: r.o.wasmConfig,
		WasmCache:  r.o.wasmCache,
		Ready: func(addr string) {
			fmt.Fprintf(r.env.Stdout, "serving %s on http://%s\n", what, addr)
		},
	})
}
