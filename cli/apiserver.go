package cli

import (
	"fmt"
	"os"

	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/engine"
)

// newAPIServer builds the engine's API server from o: the token (creating
// the data directory's token file at first start), the Host and Origin
// allowances, TLS, and a warning when the API can be reached from other
// machines in clear text.
func newAPIServer(e *engine.Engine, o *ServeOptions) (*api.HTTPServer, error) {
	if o.Token == "" {
		tok, created, err := api.EnsureToken(o.DataDir)
		if err != nil {
			return nil, err
		}
		o.Token, o.TokenSource = tok, ""
		if created {
			o.Logger.Info("API token created", "file", api.TokenPath(o.DataDir))
		}
	}
	hosts := o.AllowHosts
	if !api.Loopback(o.Addr) {
		// Clients on other machines may use this machine's name.
		if name, err := os.Hostname(); err == nil && name != "" {
			hosts = append(hosts, name)
		}
		if o.TLSCert == "" {
			warn(o, fmt.Sprintf("the API listens on %s, which other machines can reach, without TLS: the token and every call cross the network in clear text. "+
				"Serve HTTPS with --tls-cert and --tls-key, or listen on 127.0.0.1 and reach it through an SSH tunnel or `kubectl port-forward`", o.Addr))
		}
	}
	h, err := api.NewServer(e, api.Options{
		Logger:       o.Logger,
		Token:        o.Token,
		AllowOrigins: o.AllowOrigins,
		AllowHosts:   hosts,
		ListenAddr:   o.Addr,
	})
	if err != nil {
		return nil, err
	}
	return api.NewHTTPServer(h, api.HTTPOptions{
		MaxConns: o.MaxConns,
		TLSCert:  o.TLSCert,
		TLSKey:   o.TLSKey,
		Logger:   o.Logger,
	})
}

// warn logs a warning for the user and hands it to o.Warn.
func warn(o *ServeOptions, msg string) {
	o.Logger.Warn(msg)
	if o.Warn != nil {
		o.Warn(msg)
	}
}
