package api

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
)

// DefaultAddr is where `jsorc serve` listens unless told otherwise.
const DefaultAddr = "127.0.0.1:8799"

// Client calls a running engine's API.
type Client struct {
	base  string
	token string
	http  *http.Client
}

// ClientOption configures NewClient.
type ClientOption func(*clientConfig)

type clientConfig struct {
	token string
	tls   *tls.Config
}

// WithToken sends token with every request ("Authorization: Bearer").
func WithToken(token string) ClientOption { return func(c *clientConfig) { c.token = token } }

// WithTLS uses cfg for an https:// engine (e.g. RootCAs holding the
// engine's own certificate).
func WithTLS(cfg *tls.Config) ClientOption { return func(c *clientConfig) { c.tls = cfg } }

// NewClient returns a client of the engine at base (e.g.
// "http://127.0.0.1:8799"); a bare HOST:PORT gets http:// added, or
// https:// when a TLS config is given.
func NewClient(base string, opts ...ClientOption) *Client {
	var cfg clientConfig
	for _, o := range opts {
		o(&cfg)
	}
	if !strings.Contains(base, "://") {
		scheme := "http://"
		if cfg.tls != nil {
			scheme = "https://"
		}
		base = scheme + base
	}
	return &Client{
		base:  strings.TrimRight(base, "/"),
		token: cfg.token,
		http: &http.Client{Transport: &http.Transport{
			Proxy: nil, MaxIdleConnsPerHost: 8, IdleConnTimeout: 30 * time.Second,
			TLSClientConfig: cfg.tls,
		}},
	}
}

// Base returns the engine's URL.
func (c *Client) Base() string { return c.base }

// Error is an answer with "success": false.
type Error struct {
	Status int
	Errors []string
}

// Error joins the engine's messages.
func (e *Error) Error() string {
	if len(e.Errors) == 0 {
		return fmt.Sprintf("engine answered HTTP %d", e.Status)
	}
	return strings.Join(e.Errors, "; ")
}

// Admin calls POST /js_admin/<name> with params and decodes the answer into
// out (which may be nil). A failed answer is an *Error; an engine that is
// not running gives a message saying how to start one.
func (c *Client) Admin(ctx context.Context, name string, params, out any) error {
	return c.post(ctx, "/js_admin/"+name, params, out)
}

// AppRun calls POST /js/app_run.
func (c *Client) AppRun(ctx context.Context, name string, reqCtx map[string]any, out any) error {
	return c.post(ctx, "/js/app_run", CallParams{Name: name, Ctx: reqCtx}, out)
}

func (c *Client) post(ctx context.Context, path string, params, out any) error {
	if params == nil {
		params = struct{}{}
	}
	body, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("encoding the parameters: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if isConnRefused(err) {
			return fmt.Errorf("no engine at %s: start one with `jsorc serve` (or point --server / JSORC_SERVER at one)", c.base)
		}
		return fmt.Errorf("calling %s%s: %w", c.base, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("reading the answer of %s: %w", path, err)
	}
	if resp.StatusCode/100 != 2 {
		var fail struct {
			Errors []string `json:"errors"`
		}
		if json.Unmarshal(raw, &fail) != nil || len(fail.Errors) == 0 {
			fail.Errors = []string{strings.TrimSpace(string(raw))}
		}
		return &Error{Status: resp.StatusCode, Errors: fail.Errors}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decoding the answer of %s: %w", path, err)
	}
	return nil
}

func isConnRefused(err error) bool {
	var op *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) || (errors.As(err, &op) && op.Op == "dial")
}
