package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/actions"
)

// Server is the HTTP face of an engine. Every request passes, in order, the
// Host and Origin checks (guard.go), the token (auth.go) and, for a POST,
// the JSON content type; an API call then has its body bounded and checked
// (limits.go) and its time bounded (deadlines.go) before its endpoint runs.
type Server struct {
	e      *engine.Engine
	log    *slog.Logger
	routes map[string]route
	mux    *http.ServeMux
	auth   authorizer
	guard  guard
	limits Limits
	heavy  heavySlots
	// heartbeat is the event stream's; closing ends every stream.
	heartbeat time.Duration
	closing   chan struct{}
	closeOnce sync.Once
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
		heartbeat: o.Heartbeat, closing: make(chan struct{}),
	}
	s.routes = routeTable(e)
	s.mux.HandleFunc("POST /js_admin/{name}", s.admin)
	s.mux.HandleFunc("POST /js_admin/{name}/", s.admin)
	for _, rt := range s.routes {
		if !strings.HasPrefix(rt.info.Path, types.AdminPrefix) {
			s.mux.HandleFunc("POST "+rt.info.Path, func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, rt) })
		}
	}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"success": true, "status": "ok"})
	})
	s.mux.HandleFunc("GET "+types.EventsPath, s.events)
	s.mux.HandleFunc("GET /js_admin/", s.list)
	s.registerTasks()
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
	out := make([]string, 0, len(s.routes))
	for n, rt := range s.routes {
		if strings.HasPrefix(rt.info.Path, types.AdminPrefix) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func (s *Server) list(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "endpoints": s.Names()})
}

func (s *Server) admin(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSuffix(r.PathValue("name"), "/")
	rt, ok := s.routes[name]
	if !ok || !strings.HasPrefix(rt.info.Path, types.AdminPrefix) {
		writeErr(w, http.StatusNotFound, fmt.Errorf("%w: no admin endpoint %q (GET /js_admin/ lists them)", errNoEndpoint, name))
		return
	}
	s.serve(w, r, rt)
}

// serve answers one call of a route: its body read within its limits, its
// parameters decoded, its time bounded, then the answer with "success"
// (or bare, where JSORC answered bare: types.Bare).
func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt route) {
	name := rt.info.Name
	body, release, err := s.readParams(w, r, rt)
	defer release()
	if err != nil {
		s.refuse(w, name, err)
		return
	}
	start := time.Now()
	r = r.WithContext(types.WithCause(r.Context(), requestCause(r)))
	out, err := rt.serve(w, r, body)
	if strings.HasPrefix(rt.info.Path, types.AdminPrefix) { // app runs record themselves
		s.e.RecordRequest(name, "", time.Since(start), err == nil)
	}
	if err != nil {
		s.refuse(w, name, err)
		return
	}
	s.log.Debug("api call", "endpoint", name, "took", time.Since(start))
	b, err := types.Encode(out)
	if err != nil {
		s.refuse(w, name, fmt.Errorf("%w: encoding the answer of %s: %v", types.ErrInternal, name, err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(b, '\n'))
}

// requestCause is who a request says it comes from, among the causes a
// client may claim; any other says nothing (types.CauseAPI).
func requestCause(r *http.Request) types.Cause {
	claimed := types.Cause(r.Header.Get(types.CauseHeader))
	if slices.Contains(types.Causes(), claimed) {
		return claimed
	}
	return types.CauseAPI
}

// refuse answers a failed call with the status of its error's kind.
func (s *Server) refuse(w http.ResponseWriter, endpoint string, err error) {
	k := kindOf(err)
	s.log.Debug("api call failed", "endpoint", endpoint, "status", k.Status, "code", k.Code, "err", err)
	writeErr(w, k.Status, err)
}

// decodeParams reads an endpoint's parameters strictly: malformed JSON and
// unknown parameters are errors, but for the keys JSORC's clients send to
// every endpoint (jsorcKeys), which are dropped, and a dict parameter sent
// as a JSON string, which is read as the object it holds (jsorcBody). An
// empty body means no parameters. With numbers, they stay json.Number,
// keeping their literal end to end (action arguments).
func decodeParams(body []byte, v any, numbers bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	body, err := jsorcBody(body)
	if err != nil {
		return fmt.Errorf("%w: parameters: %v", errBadRequest, err)
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

// writeErr answers {"success": false, "errors": [...], "code": ...},
// listing every field of an argument error separately. The code is that of
// the error's kind, else that of the status; a kind that says when to come
// back (busy, unavailable) sets Retry-After.
func writeErr(w http.ResponseWriter, status int, err error) {
	msgs := []string{err.Error()}
	var ae *actions.ArgsError
	if errors.As(err, &ae) && len(ae.Fields) > 1 {
		for _, f := range ae.Fields {
			msgs = append(msgs, ae.Action+": "+f.Error())
		}
	}
	k, ok := kindOfWrapped(err)
	if !ok || k.Status != status {
		k, _ = types.KindOfStatus(status)
	}
	if d := retryAfterOf(err); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
	}
	writeJSON(w, status, types.ErrorAnswer{Success: false, Errors: msgs, Code: k.Code})
}
