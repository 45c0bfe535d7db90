package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// Client calls a running engine's API.
type Client struct {
	base         string
	token        string
	cause        types.Cause
	reconnectFor time.Duration
	http         *http.Client
}

// Option configures New.
type Option func(*config)

type config struct {
	token        string
	tls          *tls.Config
	cause        types.Cause
	reconnectFor time.Duration
}

// WithToken sends token with every request ("Authorization: Bearer").
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithTLS uses cfg for an https:// engine (e.g. RootCAs holding the
// engine's own certificate).
func WithTLS(cfg *tls.Config) Option { return func(c *config) { c.tls = cfg } }

// WithCause says who the client is (types.CauseCLI, types.CauseConsole);
// the engine records it as the cause of the changes the client makes.
func WithCause(c types.Cause) Option { return func(cfg *config) { cfg.cause = c } }

// WithReconnectFor sets how long Events tries to reconnect to an engine
// whose stream ended before it closes the channel (DefaultReconnectFor).
func WithReconnectFor(d time.Duration) Option { return func(c *config) { c.reconnectFor = d } }

// New returns a client of the engine at base (e.g.
// "http://127.0.0.1:8799"); a bare HOST:PORT gets http:// added, or
// https:// when a TLS config is given.
func New(base string, opts ...Option) *Client {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.reconnectFor <= 0 {
		cfg.reconnectFor = DefaultReconnectFor
	}
	if !strings.Contains(base, "://") {
		scheme := "http://"
		if cfg.tls != nil {
			scheme = "https://"
		}
		base = scheme + base
	}
	return &Client{
		base:         strings.TrimRight(base, "/"),
		token:        cfg.token,
		cause:        cfg.cause,
		reconnectFor: cfg.reconnectFor,
		http: &http.Client{Transport: &http.Transport{
			Proxy: nil, MaxIdleConnsPerHost: 8, IdleConnTimeout: 30 * time.Second,
			TLSClientConfig: cfg.tls,
		}},
	}
}

// Base returns the engine's URL.
func (c *Client) Base() string { return c.base }

// Call calls the endpoint of api/types named endpoint with params and
// decodes its answer into answer (which may be nil). It makes the client a
// types.Caller: types.Call(ctx, c, types.ActionsLoad, p) is the typed form.
func (c *Client) Call(ctx context.Context, endpoint string, params, answer any) error {
	return c.post(ctx, types.PathOf(endpoint), params, answer)
}

// Admin calls POST /js_admin/<name> with params and decodes the answer into
// out (which may be nil), whatever the name: an endpoint this version does
// not know is called all the same. A failed answer is an *Error; an engine
// that is not running gives a message saying how to start one.
func (c *Client) Admin(ctx context.Context, name string, params, out any) error {
	return c.post(ctx, types.AdminPrefix+name, params, out)
}

// AppRun calls POST /js/app_run and decodes the answer into out.
func (c *Client) AppRun(ctx context.Context, name string, reqCtx map[string]any, out any) error {
	return c.post(ctx, types.AppRun.Path(), types.CallParams{Name: name, Ctx: reqCtx}, out)
}

// request builds a request of the API with the token and who is asking.
func (c *Client) request(ctx context.Context, method, path string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, fmt.Errorf("building the request: %w", err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.cause != "" {
		req.Header.Set(types.CauseHeader, string(c.cause))
	}
	return req, nil
}

func (c *Client) post(ctx context.Context, path string, params, out any) error {
	if params == nil {
		params = struct{}{}
	}
	body, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("encoding the parameters: %w", err)
	}
	req, err := c.request(ctx, http.MethodPost, path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return c.transportError(path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("reading the answer of %s: %w", path, err)
	}
	if resp.StatusCode/100 != 2 {
		return answerError(resp, raw)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decoding the answer of %s: %w", path, err)
	}
	return nil
}

// transportError explains a request that got no answer.
func (c *Client) transportError(path string, err error) error {
	if isConnRefused(err) {
		return types.Errorf(types.ErrUnavailable, "no engine at %s: start one with `jsorc serve` (or point --server / JSORC_SERVER at one)", c.base)
	}
	return fmt.Errorf("calling %s%s: %w", c.base, path, err)
}

func isConnRefused(err error) bool {
	var op *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) || (errors.As(err, &op) && op.Op == "dial")
}
