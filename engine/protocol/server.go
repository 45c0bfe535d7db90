package protocol

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/internal/jsonscan"
)

// Paths served besides the actions.
const (
	// SpecPath is the Jaseci spec endpoint, the readiness probe.
	SpecPath = "/jaseci_actions_spec/"
	// HealthzPath is jsorc's liveness endpoint.
	HealthzPath = "/healthz"
	// MetricsPath is the Prometheus exposition endpoint.
	MetricsPath = "/metrics"
)

// DefaultMaxBodyBytes is the largest request body an action server reads
// unless HandlerOptions.MaxBodyBytes says otherwise.
const DefaultMaxBodyBytes = 64 << 20

// DefaultMaxDepth is how deeply a request body may nest arrays and objects
// unless HandlerOptions.MaxDepth says otherwise. Jaseci's server (Python's
// json) gave up near 1000 levels with FastAPI's 400.
const DefaultMaxDepth = 512

// ErrorClassHeader names the class of a 500 answer ("action_error",
// "panic", "result_encoding"), for jsorc's client: the body is plain text,
// as Jaseci's server answered, so that Jaseci's client sees a failure.
const ErrorClassHeader = "X-Jsorc-Error"

// InternalErrorText starts the body of every 500 answer, as Starlette's
// error middleware words it; the detail follows after ": ".
const InternalErrorText = "Internal Server Error"

// parseErrorText is FastAPI's detail for a body it cannot decode at all.
const parseErrorText = "There was an error parsing the body"

// Bodies of the fixed answers, as FastAPI (Jaseci's server) words them.
const (
	notFoundBody         = `{"detail":"Not Found"}`
	methodNotAllowedBody = `{"detail":"Method Not Allowed"}`
)

// Classes of a 500 answer, sent in ErrorClassHeader.
const (
	// ClassAction: the action returned an error.
	ClassAction = "action_error"
	// ClassPanic: the action panicked.
	ClassPanic = "panic"
	// ClassEncoding: the action's result is not JSON-encodable.
	ClassEncoding = "result_encoding"
)

// maxPooledBuffer is the capacity above which a buffer is dropped rather than
// pooled, so that one huge call does not pin its memory.
const maxPooledBuffer = 1 << 20

// HandlerOptions tunes NewHandler. The zero value is ready to use.
type HandlerOptions struct {
	// Logger receives failed and panicking calls (nil: discard).
	Logger *slog.Logger
	// Registerer receives the handler's metrics. Nil: a private registry,
	// which also carries the process and Go collectors, is created and
	// served on /metrics. Handlers for different modules may share one
	// registerer; their series are told apart by the module label.
	Registerer prometheus.Registerer
	// Gatherer is what /metrics serves. Nil: the private registry, or
	// Registerer when it is also a Gatherer (a *prometheus.Registry is);
	// failing both, /metrics answers 404.
	Gatherer prometheus.Gatherer
	// MaxBodyBytes bounds request bodies (0: DefaultMaxBodyBytes); larger
	// ones are answered 413.
	MaxBodyBytes int64
	// MaxDepth bounds the nesting of request bodies (0: DefaultMaxDepth);
	// deeper ones, like bodies that are not UTF-8, are answered 400.
	MaxDepth int
}

// handler serves one module. It is immutable after NewHandler apart from its
// buffer pool and metrics.
type handler struct {
	module   string
	routes   map[string]*route // by short and by full name
	spec     []byte
	healthz  []byte
	metrics  http.Handler // nil when there is no gatherer
	inst     *serverMetrics
	log      *slog.Logger
	maxBody  int64
	maxDepth int
	bufs     sync.Pool // of *jsonBuffer
	jsonCT   []string  // shared Content-Type header value
}

// route is one servable action.
type route struct {
	act     actions.Action
	full    string
	aliases actions.Aliases
	metrics actionMetrics
}

// alias maps a key a client may send ("*rest") to the parameter name.

// jsonBuffer is a pooled buffer with an encoder writing into it.
type jsonBuffer struct {
	bytes.Buffer
	enc *json.Encoder
	// limited bounds reads into the buffer without allocating a reader.
	limited io.LimitedReader
}

func newJSONBuffer() *jsonBuffer {
	b := &jsonBuffer{}
	b.enc = json.NewEncoder(&b.Buffer)
	b.enc.SetEscapeHTML(false)
	return b
}

// encodeKey appends s as a JSON string. Plain ASCII keys, the usual case,
// are written as they are; anything else goes through the encoder.
func (b *jsonBuffer) encodeKey(s string) error {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return b.encode(s)
		}
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
	return nil
}

// encode appends v as JSON without the encoder's trailing newline.
func (b *jsonBuffer) encode(v any) error {
	if err := b.enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1)
	return nil
}

// NewHandler returns the HTTP handler of an action server serving inst as
// module: the Jaseci spec and action endpoints plus /healthz and /metrics.
// The instance's action list is read once, here.
func NewHandler(module string, inst actions.Instance, opts HandlerOptions) http.Handler {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("module", module)
	h := &handler{
		module:   module,
		routes:   make(map[string]*route),
		log:      log,
		maxBody:  opts.MaxBodyBytes,
		maxDepth: opts.MaxDepth,
		jsonCT:   []string{"application/json"},
	}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	if h.maxDepth <= 0 {
		h.maxDepth = DefaultMaxDepth
	}
	h.bufs.New = func() any { return newJSONBuffer() }
	h.inst = newServerMetrics(module, opts, log)
	if h.inst.gatherer != nil {
		h.metrics = promhttp.HandlerFor(h.inst.gatherer, promhttp.HandlerOpts{})
	}

	for _, a := range inst.Actions() {
		if _, dup := h.routes[a.Name]; dup || a.Name == "" {
			log.Warn("action skipped: empty or duplicate name", "action", a.Name)
			continue
		}
		rt := &route{act: a, full: actions.FullName(module, a.Name), metrics: h.inst.forAction(a.Name)}
		if rt.act.Fn == nil {
			full := rt.full
			rt.act.Fn = func(context.Context, map[string]any) (any, error) {
				return nil, fmt.Errorf("action %s has no implementation", full)
			}
		}
		rt.aliases = actions.VariadicAliases(&rt.act)
		h.routes[a.Name] = rt
		h.routes[rt.full] = rt
	}

	var err error
	if h.spec, err = json.Marshal(actions.Spec(module, inst)); err != nil {
		// A map of strings to string lists always encodes.
		panic(fmt.Sprintf("protocol: encoding spec: %v", err))
	}
	if h.healthz, err = json.Marshal(map[string]string{"status": "ok", "module": module}); err != nil {
		panic(fmt.Sprintf("protocol: encoding healthz: %v", err))
	}
	return h
}

// ServeHTTP routes a request. Actions are looked up first for POST, so that a
// module may have an action called "healthz" or "metrics"; the fixed paths
// answer GET and HEAD.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if r.Method == http.MethodPost {
		if rt := h.lookup(path); rt != nil {
			h.serveAction(w, r, rt)
			return
		}
	}
	switch path {
	case SpecPath, SpecPath[:len(SpecPath)-1]:
		h.serveFixed(w, r, h.spec)
		return
	case HealthzPath, HealthzPath + "/":
		h.serveFixed(w, r, h.healthz)
		return
	case MetricsPath, MetricsPath + "/":
		if h.metrics != nil {
			if !getOrHead(r.Method) {
				h.writeRaw(w, http.StatusMethodNotAllowed, methodNotAllowedBody, "GET, HEAD")
				return
			}
			h.metrics.ServeHTTP(w, r)
			return
		}
	}
	if h.lookup(path) != nil {
		h.writeRaw(w, http.StatusMethodNotAllowed, methodNotAllowedBody, http.MethodPost)
		return
	}
	h.writeRaw(w, http.StatusNotFound, notFoundBody, "")
}

// lookup finds the action addressed by "/name/" or "/name".
func (h *handler) lookup(path string) *route {
	name := strings.TrimPrefix(path, "/")
	name = strings.TrimSuffix(name, "/")
	if name == "" || strings.Contains(name, "/") {
		return nil
	}
	return h.routes[name]
}

func getOrHead(method string) bool {
	return method == http.MethodGet || method == http.MethodHead
}

// serveFixed answers GET and HEAD with a pre-encoded body.
func (h *handler) serveFixed(w http.ResponseWriter, r *http.Request, body []byte) {
	if !getOrHead(r.Method) {
		h.writeRaw(w, http.StatusMethodNotAllowed, methodNotAllowedBody, "GET, HEAD")
		return
	}
	h.writeJSON(w, http.StatusOK, body)
}

func (h *handler) writeRaw(w http.ResponseWriter, code int, body, allow string) {
	if allow != "" {
		w.Header().Set("Allow", allow)
	}
	h.writeJSON(w, code, []byte(body))
}

// writeJSON writes a complete JSON answer. A failed write means the client
// went away; there is no one left to tell.
func (h *handler) writeJSON(w http.ResponseWriter, code int, body []byte) {
	hdr := w.Header()
	hdr["Content-Type"] = h.jsonCT
	hdr["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// serveAction runs one call and records its duration and status.
func (h *handler) serveAction(w http.ResponseWriter, r *http.Request, rt *route) {
	start := time.Now()
	h.inst.inFlight.Inc()
	code := h.call(w, r, rt)
	h.inst.inFlight.Dec()
	rt.metrics.observe(code, time.Since(start).Seconds())
}

// call decodes, validates, runs and answers one call, returning the status
// it answered with.
func (h *handler) call(w http.ResponseWriter, r *http.Request, rt *route) int {
	buf := h.getBuffer()
	defer h.putBuffer(buf)

	if cl := r.ContentLength; cl > 0 && cl <= h.maxBody {
		buf.Grow(int(cl) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, h.maxBody)); err != nil {
		if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return h.writeDetail(w, buf, http.StatusRequestEntityTooLarge,
				fmt.Sprintf("request body larger than %d bytes", mbe.Limit))
		}
		return h.writeDetail(w, buf, http.StatusBadRequest, "reading request body: "+err.Error())
	}

	if err := jsonscan.Check(buf.Bytes(), h.maxDepth, 0); err != nil {
		return h.writeDetail(w, buf, http.StatusBadRequest, parseErrorText+": "+err.Error())
	}
	args, fieldErr := decodeArgs(buf.Bytes())
	if fieldErr != nil {
		return h.writeFieldErrors(w, r, buf, rt, []actions.FieldError{*fieldErr})
	}
	args, errs := rt.aliases.Apply(args)
	if errs == nil {
		args, errs = actions.Validate(&rt.act, args)
	}
	if errs != nil {
		return h.writeFieldErrors(w, r, buf, rt, errs)
	}

	ran := time.Now()
	result, err, panicked := h.run(r.Context(), rt, args)
	took := time.Since(ran)
	if err != nil {
		if ae, ok := errors.AsType[*actions.ArgsError](err); ok && len(ae.Fields) > 0 {
			return h.writeFieldErrors(w, r, buf, rt, ae.Fields)
		}
		class := ClassAction
		if panicked {
			class = ClassPanic
		} else {
			h.log.Warn("action failed", "action", rt.full, "err", err)
		}
		return h.writeInternal(w, buf, err.Error(), class)
	}

	buf.Reset()
	if err := buf.encode(result); err != nil {
		h.log.Error("action result is not JSON", "action", rt.full, "err", err)
		return h.writeInternal(w, buf, fmt.Sprintf("action %s: encoding result: %v", rt.full, err), ClassEncoding)
	}
	w.Header()[ServerTimingHeader] = []string{formatServerTiming(took)}
	h.writeJSON(w, http.StatusOK, buf.Bytes())
	return http.StatusOK
}

// run calls the action, turning a panic into an error.
func (h *handler) run(ctx context.Context, rt *route, args map[string]any) (result any, err error, panicked bool) {
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("action panicked", "action", rt.full, "panic", p, "stack", string(debug.Stack()))
			result, err, panicked = nil, fmt.Errorf("action %s panicked: %v", rt.full, p), true
		}
	}()
	result, err = rt.act.Fn(ctx, args)
	return result, err, false
}

// decodeArgs parses a request body, which must be a JSON object. Numbers
// decode as json.Number, so that they keep their literal (1.0 stays 1.0,
// 9007199254740993 stays exact) as they did through Jaseci's Python. A
// problem comes back in the shape FastAPI gives it.
func decodeArgs(body []byte) (map[string]any, *actions.FieldError) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &actions.FieldError{Loc: []any{"body"}, Msg: "field required", Type: "value_error.missing"}
	}
	v, err := decodeNumbers(body)
	if err != nil {
		offset := int64(0)
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			offset = se.Offset
		}
		return nil, &actions.FieldError{
			Loc:  []any{"body", offset},
			Msg:  fmt.Sprintf("invalid JSON at byte %d: %v", offset, err),
			Type: "value_error.jsondecode",
		}
	}
	switch args := v.(type) {
	case map[string]any:
		return args, nil
	case nil:
		return nil, &actions.FieldError{Loc: []any{"body"}, Msg: "field required", Type: "value_error.missing"}
	default:
		return nil, &actions.FieldError{Loc: []any{"body"}, Msg: "value is not a valid dict", Type: "type_error.dict"}
	}
}

// fieldErrorsBody is the 422 answer.
type fieldErrorsBody struct {
	Detail []actions.FieldError `json:"detail"`
}

// detailBody is every other error answer.
type detailBody struct {
	Detail string `json:"detail"`
}

func (h *handler) writeFieldErrors(w http.ResponseWriter, r *http.Request, buf *jsonBuffer, rt *route, errs []actions.FieldError) int {
	if h.log.Enabled(r.Context(), slog.LevelDebug) {
		h.log.Debug("invalid arguments", "action", rt.full, "err", (&actions.ArgsError{Action: rt.full, Fields: errs}).Error())
	}
	buf.Reset()
	if err := buf.encode(fieldErrorsBody{Detail: errs}); err != nil {
		// Loc holds strings and numbers only; this cannot fail.
		return h.writeDetail(w, buf, http.StatusUnprocessableEntity, "invalid arguments")
	}
	h.writeJSON(w, http.StatusUnprocessableEntity, buf.Bytes())
	return http.StatusUnprocessableEntity
}

// writeInternal answers 500 the way Jaseci's server did, in plain text that
// no JSON decoder takes for a result: "Internal Server Error: <detail>". The
// class goes in ErrorClassHeader.
func (h *handler) writeInternal(w http.ResponseWriter, buf *jsonBuffer, detail, class string) int {
	buf.Reset()
	buf.WriteString(InternalErrorText)
	buf.WriteString(": ")
	buf.WriteString(detail)
	hdr := w.Header()
	hdr.Set("Content-Type", "text/plain; charset=utf-8")
	hdr.Set(ErrorClassHeader, class)
	hdr.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write(buf.Bytes())
	return http.StatusInternalServerError
}

func (h *handler) writeDetail(w http.ResponseWriter, buf *jsonBuffer, code int, detail string) int {
	buf.Reset()
	// A struct of two strings always encodes.
	_ = buf.encode(detailBody{Detail: detail})
	h.writeJSON(w, code, buf.Bytes())
	return code
}

func (h *handler) getBuffer() *jsonBuffer {
	b := h.bufs.Get().(*jsonBuffer)
	b.Reset()
	return b
}

func (h *handler) putBuffer(b *jsonBuffer) {
	if b.Cap() <= maxPooledBuffer {
		h.bufs.Put(b)
	}
}
