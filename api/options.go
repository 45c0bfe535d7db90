package api

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Options configure a Server: who may call it and what one call may cost.
type Options struct {
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
	// Token is the secret every request must carry as "Authorization:
	// Bearer TOKEN", loopback included; only GET /healthz is open, and GET
	// /metrics from a loopback peer. Required.
	Token string
	// AllowOrigins are the browser origins ("https://dash.example:8443")
	// whose requests are served; a request with any other Origin header is
	// refused, as a cross-site request from a web page.
	AllowOrigins []string
	// AllowHosts are host names accepted in the Host header besides
	// loopback names (localhost), IP addresses and the listening host: the
	// names clients reach the engine by (a cluster Service, the machine's
	// name). Any other name is refused (DNS rebinding).
	AllowHosts []string
	// ListenAddr is the address the API listens on; its host is accepted in
	// the Host header.
	ListenAddr string
	// Limits bound each request; the zero value takes DefaultLimits.
	Limits Limits
	// Heartbeat is how often a quiet event stream says it is alive
	// (default DefaultHeartbeat); a reader that hears nothing for a few
	// heartbeats knows the stream is dead.
	Heartbeat time.Duration
}

// errNoToken is NewServer's answer to Options without a token.
var errNoToken = errors.New("api: no token: every request must be authenticated (see EnsureToken)")

// check validates o and fills its defaults.
func (o *Options) check() error {
	if o.Token == "" {
		return errNoToken
	}
	if err := CheckToken(o.Token); err != nil {
		return fmt.Errorf("api: %w", err)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Limits = o.Limits.withDefaults()
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	return nil
}
