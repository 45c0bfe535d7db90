package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/actions"
)

// endpoint handles one admin API call: it decodes its parameters from body
// and returns the fields of a successful answer ("success" is added).
type endpoint func(ctx context.Context, body []byte) (map[string]any, error)

// Server is the HTTP face of an engine. Every request passes, in order, the
// Host and Origin checks (guard.go), the token (auth.go) and, for a POST,
// the JSON content type; an API call then has its body bounded and checked
// (limits.go) and its time bounded (deadlines.go) before its endpoint runs.
type Server struct {
	e         *engine.Engine
	log       *slog.Logger
	endpoints map[string]endpoint
	mux       *http.ServeMux
	auth      authorizer
	guard     guard
	limits    Limits
	heavy     heavySlots
}

// NewServer returns the API handler of engine e. Options must carry the
// token.
func NewServer(e *engine.Engine, o Options) (*Server, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	g, err := newGuard(o)
	if err != nil {
		return nil, err
	}
	s := &Server{
		e: e, log: o.Logger, mux: http.NewServeMux(),
		auth: newAuthorizer(o.Token), guard: g,
		limits: o.Limits, heavy: make(heavySlots, o.Limits.Heavy),
	}
	s.endpoints = map[string]endpoint{
		"jsorc_actions_config":   s.actionsConfig,
		"jsorc_actions_load":     s.actionsLoad,
		"jsorc_actions_status":   s.actionsStatus,
		"jsorc_actions_unload":   s.actionsUnload,
		"actions_call":           s.actionsCall,
		"jsorc_actionpolicy_set": s.policySet,
		"jsorc_actionpolicy_get": s.policyGet,
		"config_set":             s.configSet,
		"config_get":             s.configGet,
		"service_refresh":        s.serviceRefresh,
		"service_info":           s.noParams(func() (map[string]any, error) { return map[string]any{"services": s.e.ServiceInfo()}, nil }),
		"service_config":         s.serviceConfig,
		"app_config":             s.appConfig,
		"app_list":               s.appList,
		"jsorc_stats":            s.stats,
		"jsorc_benchmark_start":  s.noParams(func() (map[string]any, error) { return nil, s.e.BenchmarkStart() }),
		"jsorc_benchmark_report": s.noParams(s.benchmarkReport),
		"jsorc_benchmark_stop":   s.benchmarkStop,
		"jsorc_trackact_start":   s.noParams(func() (map[string]any, error) { return nil, s.e.TrackActStart() }),
		"jsorc_trackact_stop":    s.noParams(s.trackactStop),
		"jsorc_tracksys_start":   s.noParams(func() (map[string]any, error) { return nil, s.e.TrackSysStart() }),
		"jsorc_tracksys_report":  s.noParams(s.tracksysReport),
		"jsorc_tracksys_stop":    s.noParams(s.tracksysStop),
		"jsorc_loadtest":         s.loadtest,
		"jsorc_reports":          s.reports,
		"jsorc_loadtest_status": s.noParams(func() (map[string]any, error) {
			return structFields(s.e.LoadTestProgress())
		}),
	}
	for name, what := range notBuilt() {
		s.endpoints[name] = notImplemented(name, what)
	}
	s.mux.HandleFunc("POST /js_admin/{name}", s.admin)
	s.mux.HandleFunc("POST /js_admin/{name}/", s.admin)
	s.mux.HandleFunc("POST /js/app_run", s.appRun)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"success": true, "status": "ok"})
	})
	s.mux.HandleFunc("GET /js_admin/", s.list)
	s.mux.Handle("GET /metrics", metricsHandler(e))
	s.mux.HandleFunc("/prometheus/", s.prometheusProxy)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, http.StatusNotFound, fmt.Errorf("no endpoint %s %s (the admin API is POST /js_admin/<name>; GET /js_admin/ lists the names)", r.Method, r.URL.Path))
	})
	return s, nil
}

// ServeHTTP serves the API; a panic in a handler becomes a 500 answer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic in API handler", "path", r.URL.Path, "panic", p)
			writeErr(w, http.StatusInternalServerError, fmt.Errorf("internal error: %v", p))
		}
	}()
	if !s.guardRequest(w, r) || !s.requireToken(w, r) || !requireJSON(w, r) {
		return
	}
	s.mux.ServeHTTP(w, r)
}

// Names lists the admin endpoints, sorted.
func (s *Server) Names() []string {
	out := make([]string, 0, len(s.endpoints))
	for n := range s.endpoints {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (s *Server) list(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "endpoints": s.Names()})
}

func (s *Server) admin(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSuffix(r.PathValue("name"), "/")
	ep, ok := s.endpoints[name]
	if !ok {
		writeErr(w, http.StatusNotFound, fmt.Errorf("no admin endpoint %q (GET /js_admin/ lists them)", name))
		return
	}
	body, release, err := s.readParams(w, r, name)
	defer release()
	if err != nil {
		s.refuse(w, name, err)
		return
	}
	ctx, cancel := withBudget(w, r, budget(name, body))
	defer cancel()
	start := time.Now()
	out, err := ep(ctx, body)
	if err != nil {
		s.refuse(w, name, err)
		return
	}
	s.log.Debug("api call", "endpoint", name, "took", time.Since(start))
	if out == nil {
		out = map[string]any{}
	}
	out["success"] = true
	writeJSON(w, http.StatusOK, out)
}

// refuse answers a failed call with the status of its error.
func (s *Server) refuse(w http.ResponseWriter, endpoint string, err error) {
	code := statusOf(err)
	s.log.Debug("api call failed", "endpoint", endpoint, "status", code, "err", err)
	if code == http.StatusTooManyRequests {
		writeBusy(w, err)
		return
	}
	writeErr(w, code, err)
}

// decode reads an endpoint's parameters strictly: malformed JSON and
// unknown parameters are errors. An empty body means no parameters.
func decode(body []byte, v any) error { return decodeParams(body, v, false) }

// decodeArgs is decode for the endpoints that carry action arguments:
// their numbers stay json.Number, keeping their literal end to end.
func decodeArgs(body []byte, v any) error { return decodeParams(body, v, true) }

func decodeParams(body []byte, v any, numbers bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if numbers {
		dec.UseNumber()
	}
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: parameters: %v", errBadRequest, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: parameters: trailing data after the JSON object", errBadRequest)
	}
	return nil
}

func required(name, value string) error {
	if value == "" {
		return fmt.Errorf("%w: missing parameter %q", errBadRequest, name)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code = http.StatusInternalServerError
		b = []byte(`{"success":false,"errors":["encoding the answer failed"]}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

// writeErr answers {"success": false, "errors": [...]}, listing every field
// of an argument error separately.
func writeErr(w http.ResponseWriter, code int, err error) {
	msgs := []string{err.Error()}
	var ae *actions.ArgsError
	if errors.As(err, &ae) && len(ae.Fields) > 1 {
		for _, f := range ae.Fields {
			msgs = append(msgs, ae.Action+": "+f.Error())
		}
	}
	writeJSON(w, code, map[string]any{"success": false, "errors": msgs})
}
