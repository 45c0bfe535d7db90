package protocol

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jsorc/jsorc/engine/actions"
)

// Client defaults.
const (
	// DefaultTimeout bounds a call whose context has no earlier deadline.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxIdleConnsPerHost is how many keep-alive connections the
	// client holds open to each action server.
	DefaultMaxIdleConnsPerHost = 64
	// DefaultMaxResponseBytes bounds the answers the client reads.
	DefaultMaxResponseBytes = 256 << 20
)

// maxDetail bounds how much of a non-JSON error body a StatusError quotes.
const maxDetail = 512

// ErrUnknownAction is matched (errors.Is) by the error of a call the server
// answered 404: it has no such action.
var ErrUnknownAction = errors.New("action server has no such action")

// StatusError is a non-2xx answer other than 422 and 404, or a 404 from a
// path other than an action.
type StatusError struct {
	// Code is the HTTP status.
	Code int
	// Detail is the answer's "detail" (as text), or the start of its body
	// when it is not JSON.
	Detail string
	// URL is the address that answered.
	URL string
	// Class is what failed on a jsorc action server's 500: ClassAction,
	// ClassPanic or ClassEncoding; empty for other answers and servers.
	Class string
}

// Error reports the status, the URL and the detail.
func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "action server answered %d %s", e.Code, http.StatusText(e.Code))
	if e.URL != "" {
		b.WriteString(" for ")
		b.WriteString(e.URL)
	}
	if e.Class != "" {
		b.WriteString(" (")
		b.WriteString(e.Class)
		b.WriteString(")")
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// ClientOptions tunes NewClient. The zero value is ready to use.
type ClientOptions struct {
	// Timeout bounds each call whose context has no earlier deadline
	// (0: DefaultTimeout).
	Timeout time.Duration
	// MaxIdleConnsPerHost is the keep-alive pool size per server
	// (0 or less than DefaultMaxIdleConnsPerHost: DefaultMaxIdleConnsPerHost).
	MaxIdleConnsPerHost int
	// MaxResponseBytes bounds answers (0: DefaultMaxResponseBytes).
	MaxResponseBytes int64
	// DialContext, when set, opens the connections to action servers
	// instead of a plain TCP dialer; the Kubernetes backend uses it to reach
	// in-cluster servers through port-forwards from outside the cluster.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// FrameSocket, when set, names the Unix socket on which the action
	// server at a host:port also answers the frame protocol (frame.go);
	// the client calls it there instead of over HTTP. The local backend
	// sets it for its own action servers.
	FrameSocket func(hostport string) (path string, ok bool)
}

// Client calls action servers. It holds one pool of keep-alive connections,
// shared by every server it talks to, and is safe for concurrent use.
type Client struct {
	hc      *http.Client
	tr      *http.Transport
	frames  *frameTransport // nil without ClientOptions.FrameSocket
	timeout time.Duration
	maxResp int64
	bufs    sync.Pool // of *jsonBuffer
	jsonCT  []string  // shared header value
}

// NewClient returns a client with its own connection pool. It never uses a
// proxy: action servers are reached directly.
func NewClient(opts ClientOptions) *Client {
	c := &Client{
		timeout: opts.Timeout,
		maxResp: opts.MaxResponseBytes,
		jsonCT:  []string{"application/json"},
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxResp <= 0 {
		c.maxResp = DefaultMaxResponseBytes
	}
	perHost := max(opts.MaxIdleConnsPerHost, DefaultMaxIdleConnsPerHost)
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	dial := dialer.DialContext
	if opts.DialContext != nil {
		dial = opts.DialContext
	}
	c.tr = &http.Transport{
		Proxy:               nil,
		DialContext:         dial,
		MaxIdleConns:        4 * perHost,
		MaxIdleConnsPerHost: perHost,
		IdleConnTimeout:     90 * time.Second,
		// Action servers do not compress; asking would only cost a header.
		DisableCompression: true,
	}
	c.hc = &http.Client{Transport: c.tr}
	if opts.FrameSocket != nil {
		c.frames = newFrameTransport(opts.FrameSocket, c.tr, perHost)
		c.hc.Transport = c.frames
	}
	c.bufs.New = func() any { return newJSONBuffer() }
	return c
}

// CloseIdleConnections closes the pooled connections not in use.
func (c *Client) CloseIdleConnections() {
	if c.frames != nil {
		c.frames.CloseIdleConnections() // and the HTTP ones
		return
	}
	c.tr.CloseIdleConnections()
}

// Call runs action (its short name, as Jaseci's client sends it) on the
// action server at baseURL with named arguments and returns the decoded
// result; JSON numbers come back as json.Number, keeping their literal. Top-level null arguments are
// left out so that the server's defaults apply; nulls nested inside values are
// kept. The call posts to baseURL/action/ — with the trailing slash, so a
// Jaseci server answers without a redirect.
//
// A 422 answer is returned as an *actions.ArgsError listing the server's
// complaints, a 404 as an error matching ErrUnknownAction, any other non-2xx
// answer as a *StatusError. Without an earlier deadline on ctx the call is
// bounded by the client's timeout.
func (c *Client) Call(ctx context.Context, baseURL, action string, args map[string]any) (any, error) {
	res, _, err := c.CallMeasured(ctx, baseURL, action, args)
	return res, err
}

// Measured is what a call's transport saw besides its answer.
type Measured struct {
	// Bytes is the payload the call moved: the request body's bytes plus
	// the answer's.
	Bytes int
	// Server is how long the action ran on the server, as its answer
	// reported (ServerTimingHeader); 0 when it reported nothing.
	Server time.Duration
}

// CallMeasured is Call that also returns what the call moved and how long
// its server reported the action ran.
func (c *Client) CallMeasured(ctx context.Context, baseURL, action string, args map[string]any) (any, Measured, error) {
	u := joinURL(baseURL, url.PathEscape(action), "/")
	body, err := c.encodeArgs(args)
	if err != nil {
		return nil, Measured{}, fmt.Errorf("action %s: encoding arguments: %w", action, err)
	}
	res, m, err := c.post(ctx, u, action, body)
	m.Bytes += len(body)
	return res, m, err
}

// post sends one encoded call and decodes its answer, returning the
// answer's size and the server's time.
func (c *Client) post(ctx context.Context, u, action string, body []byte) (any, Measured, error) {
	ctx, cancel, bounded := c.bound(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, Measured{}, fmt.Errorf("action %s: %w", action, err)
	}
	req.Header["Content-Type"] = c.jsonCT
	req.Header["Accept"] = c.jsonCT

	a, err := c.do(req, bounded)
	if err != nil {
		return nil, Measured{}, fmt.Errorf("action %s: %w", action, err)
	}
	defer c.putBuffer(a.buf)
	data := a.buf.Bytes()
	m := Measured{Bytes: len(data), Server: a.server}
	switch code := a.code; {
	case code >= 200 && code < 300:
		if len(bytes.TrimSpace(data)) == 0 {
			return nil, m, nil
		}
		result, err := decodeNumbers(data)
		if err != nil {
			return nil, m, fmt.Errorf("action %s: decoding the answer of %s: %w", action, u, err)
		}
		return result, m, nil
	case code == http.StatusUnprocessableEntity:
		return nil, m, argsError(action, data)
	case code == http.StatusNotFound:
		return nil, m, fmt.Errorf("action %s: %w: %w", action, ErrUnknownAction,
			&StatusError{Code: code, Detail: detailText(code, data), URL: u})
	default:
		return nil, m, fmt.Errorf("action %s: %w", action, &StatusError{Code: code, Detail: detailText(code, data), URL: u, Class: a.class})
	}
}

// Spec fetches the server's action spec: full action name to parameter
// names. A nil error means the server is ready; callers probing readiness
// put a short deadline on ctx.
func (c *Client) Spec(ctx context.Context, baseURL string) (map[string][]string, error) {
	u := joinURL(baseURL, SpecPath[1:], "")
	a, err := c.get(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("action spec: %w", err)
	}
	defer c.putBuffer(a.buf)
	if a.code != http.StatusOK {
		return nil, fmt.Errorf("action spec: %w", &StatusError{Code: a.code, Detail: detailText(a.code, a.buf.Bytes()), URL: u})
	}
	var spec map[string][]string
	if err := json.Unmarshal(a.buf.Bytes(), &spec); err != nil {
		return nil, fmt.Errorf("action spec: decoding the answer of %s: %w", u, err)
	}
	return spec, nil
}

// Healthz checks a jsorc action server's /healthz. Jaseci's servers have
// none (they answer 404); probe those with Spec.
func (c *Client) Healthz(ctx context.Context, baseURL string) error {
	u := joinURL(baseURL, HealthzPath[1:], "")
	a, err := c.get(ctx, u)
	if err != nil {
		return fmt.Errorf("healthz: %w", err)
	}
	defer c.putBuffer(a.buf)
	if a.code < 200 || a.code >= 300 {
		return fmt.Errorf("healthz: %w", &StatusError{Code: a.code, Detail: detailText(a.code, a.buf.Bytes()), URL: u})
	}
	return nil
}

// get performs a GET bounded like a call.
func (c *Client) get(ctx context.Context, u string) (answer, error) {
	ctx, cancel, bounded := c.bound(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return answer{}, err
	}
	req.Header["Accept"] = c.jsonCT
	return c.do(req, bounded)
}

// bound applies the client's timeout unless ctx already ends sooner; bounded
// reports whether it did.
func (c *Client) bound(ctx context.Context) (_ context.Context, _ context.CancelFunc, bounded bool) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= c.timeout {
		return ctx, func() {}, false
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	return ctx, cancel, true
}

// answer is an answer's status, body and the headers the client reads.
type answer struct {
	code int
	// class is the ErrorClassHeader of a 500.
	class string
	// server is the ServerTimingHeader's duration of a 2xx (0: none).
	server time.Duration
	// buf holds the body; the caller returns it with putBuffer.
	buf *jsonBuffer
}

// do sends req and reads the whole answer into a pooled buffer.
// Reading to the end and closing lets the connection go back to the pool.
func (c *Client) do(req *http.Request, bounded bool) (answer, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		if bounded && errors.Is(err, context.DeadlineExceeded) {
			return answer{}, fmt.Errorf("no answer within the client timeout of %v: %w", c.timeout, err)
		}
		return answer{}, err
	}
	defer resp.Body.Close()
	buf := c.getBuffer()
	if n := resp.ContentLength; n > 0 && n <= c.maxResp {
		buf.Grow(int(n) + bytes.MinRead)
	}
	buf.limited = io.LimitedReader{R: resp.Body, N: c.maxResp + 1}
	_, err = buf.ReadFrom(&buf.limited)
	buf.limited.R = nil
	if err != nil {
		c.putBuffer(buf)
		return answer{}, fmt.Errorf("reading the answer of %s: %w", req.URL, err)
	}
	if int64(buf.Len()) > c.maxResp {
		c.putBuffer(buf)
		return answer{}, fmt.Errorf("the answer of %s is larger than %d bytes", req.URL, c.maxResp)
	}
	a := answer{code: resp.StatusCode, buf: buf}
	switch {
	case a.code == http.StatusInternalServerError:
		a.class = resp.Header.Get(ErrorClassHeader)
	case a.code >= 200 && a.code < 300:
		if v := resp.Header[ServerTimingHeader]; len(v) > 0 {
			a.server, _ = parseServerTiming(v[0])
		}
	}
	return a, nil
}

// encodeArgs encodes args as a JSON object without its top-level nulls. The
// encoding happens in a pooled buffer; the request gets its own copy, since
// the transport may still read a request body after the answer has come.
func (c *Client) encodeArgs(args map[string]any) ([]byte, error) {
	buf := c.getBuffer()
	defer c.putBuffer(buf)
	buf.WriteByte('{')
	first := true
	for k, v := range args {
		if v == nil {
			continue
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		if err := buf.encodeKey(k); err != nil {
			return nil, err
		}
		buf.WriteByte(':')
		if err := buf.encode(v); err != nil {
			return nil, fmt.Errorf("argument %q: %w", k, err)
		}
	}
	buf.WriteByte('}')
	return bytes.Clone(buf.Bytes()), nil
}

func (c *Client) getBuffer() *jsonBuffer {
	b := c.bufs.Get().(*jsonBuffer)
	b.Reset()
	return b
}

func (c *Client) putBuffer(b *jsonBuffer) {
	if b.Cap() <= maxPooledBuffer {
		c.bufs.Put(b)
	}
}

// joinURL appends a relative path and a suffix to a base URL, with exactly
// one slash between base and path whether or not the base ends in one.
func joinURL(base, rel, suffix string) string {
	return strings.TrimRight(base, "/") + "/" + rel + suffix
}

// argsError turns a 422 answer into an *actions.ArgsError.
func argsError(action string, body []byte) error {
	ae := &actions.ArgsError{Action: action}
	var list struct {
		Detail []actions.FieldError `json:"detail"`
	}
	if err := json.Unmarshal(body, &list); err == nil && len(list.Detail) > 0 {
		ae.Fields = list.Detail
		return ae
	}
	ae.Fields = []actions.FieldError{{
		Loc:  []any{"body"},
		Msg:  detailText(http.StatusUnprocessableEntity, body),
		Type: "value_error",
	}}
	return ae
}

// detailText extracts the "detail" of an error answer as text: a string as
// is, other JSON compacted; the text after "Internal Server Error: " of a
// 500 in plain text (jsorc's and Jaseci's); any other body quoted, trimmed.
func detailText(code int, body []byte) string {
	var v struct {
		Detail json.RawMessage `json:"detail"`
	}
	if err := json.Unmarshal(body, &v); err == nil && len(v.Detail) > 0 {
		var s string
		if json.Unmarshal(v.Detail, &s) == nil {
			return s
		}
		var b bytes.Buffer
		if json.Compact(&b, v.Detail) == nil {
			return b.String()
		}
	}
	text := strings.TrimSpace(string(body))
	if rest, ok := strings.CutPrefix(text, InternalErrorText+": "); ok {
		text = rest
	}
	if len(text) > maxDetail {
		text = text[:maxDetail] + "…"
	}
	if text == "" {
		text = http.StatusText(code)
	}
	return text
}
