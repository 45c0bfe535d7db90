package cli

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/api/client"
	"github.com/jsorc/jsorc/api/types"
)

// This file holds how the CLI and the console find the engine's API token
// and trust its TLS certificate, and the trust flags of serve.

// listFlag is a flag that may be given several times, each a value or a
// comma-separated list of values.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// clientFlags defines the flags of every verb that talks to an engine:
// where it is, the token, the data directory the token is read from, and
// the certificate authority of an HTTPS engine.
func clientFlags(fs *flag.FlagSet, o *opts) {
	fs.StringVar(&o.token, "token", "", "the engine's API token (default $JSORC_TOKEN, else the file "+api.TokenFileName+" in the data directory); other users can see it in ps, so prefer $JSORC_TOKEN")
	if fs.Lookup("data") == nil {
		fs.StringVar(&o.data, "data", "", "data directory of the engine, to read its API token (default $JSORC_DATA or the user's data directory)")
	}
	fs.StringVar(&o.tlsCA, "tls-ca", "", "PEM certificate(s) to trust for an https:// engine, besides the system's (default $JSORC_TLS_CA)")
}

// clientToken finds the token to send: --token, $JSORC_TOKEN, then the file
// in the data directory. It also says where the token came from, for the
// message of a refused call; a missing file is not an error (the engine
// will say what it wants).
func (r *runner) clientToken() (token, source string, err error) {
	if r.o.token != "" {
		return r.o.token, "the token given with --token", nil
	}
	if t := r.env.Getenv("JSORC_TOKEN"); t != "" {
		return t, "the token in $JSORC_TOKEN", nil
	}
	dir, err := DataDir(r.o.data, r.env.Getenv)
	if err != nil {
		return "", "no token (no data directory)", nil
	}
	path := api.TokenPath(dir)
	t, err := api.ReadTokenFile(path)
	switch {
	case err == nil:
		return t, "the token in " + path, nil
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Sprintf("no token: no --token, no $JSORC_TOKEN, and no file %s (is the engine's data directory another one? give it with --data)", path), nil
	}
	return "", "", err
}

// tlsClientConfig trusts the certificates of --tls-ca or $JSORC_TLS_CA
// besides the system's; nil when neither is given.
func (r *runner) tlsClientConfig() (*tls.Config, error) {
	path := r.o.tlsCA
	if path == "" {
		path = r.env.Getenv("JSORC_TLS_CA")
	}
	if path == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--tls-ca: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--tls-ca %s: no PEM certificate in it", path)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}, nil
}

// client returns a client of the engine named by --server, JSORC_SERVER,
// the URL file of the data directory (written by the engine running on it)
// or the default loopback address, with the token and the TLS trust found.
func (r *runner) client() (*client.Client, error) {
	s := r.o.server
	if s == "" {
		s = r.env.Getenv("JSORC_SERVER")
	}
	if s == "" {
		if dir, err := DataDir(r.o.data, r.env.Getenv); err == nil {
			u, err := api.ReadURLFile(dir)
			switch {
			case err == nil:
				s, r.serverSource = u, api.URLPath(dir)
			case !errors.Is(err, fs.ErrNotExist):
				return nil, err
			}
		}
	}
	if s == "" {
		s = types.DefaultAddr
	}
	return r.clientOf(s)
}

// clientOf returns a client of the engine at base.
func (r *runner) clientOf(base string) (*client.Client, error) {
	tok, source, err := r.clientToken()
	if err != nil {
		return nil, err
	}
	r.tokenSource = source
	cause := types.CauseCLI
	if r.path == "console" {
		cause = types.CauseConsole
	}
	opts := []client.Option{client.WithCause(cause)}
	if tok != "" {
		opts = append(opts, client.WithToken(tok))
	}
	cfg, err := r.tlsClientConfig()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if cfg != nil {
		opts = append(opts, client.WithTLS(cfg))
	}
	return client.New(base, opts...), nil
}

// explain adds to an engine's 401 what token this CLI sent.
func (r *runner) explain(err error) error {
	var apiErr *client.Error
	if errors.As(err, &apiErr) && apiErr.Status == 401 && r.tokenSource != "" {
		return fmt.Errorf("%w\n(this CLI sent %s)", err, r.tokenSource)
	}
	// No answer at all (not an engine's 503): the recorded address may be
	// stale.
	if r.serverSource != "" && errors.Is(err, types.ErrUnavailable) && !errors.As(err, &apiErr) {
		return fmt.Errorf("%w\n(the address is from %s, written by the engine last started on that data directory; if it was killed, delete the file)", err, r.serverSource)
	}
	return err
}

// serveTrustFlags defines serve's and the console's flags of who may call
// the API and how it is reached.
func serveTrustFlags(fs *flag.FlagSet, o *opts) {
	fs.StringVar(&o.tokenFile, "token-file", "", "read the API token from this file (default $JSORC_TOKEN_FILE; else $JSORC_TOKEN, else the data directory's "+api.TokenFileName+", created at first start)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate (with --tls-key)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "the PEM key of --tls-cert")
	fs.Var(&o.allowOrigins, "allow-origin", "a browser origin (https://host:port) allowed to call the API; repeat or comma-separate (default none)")
	fs.Var(&o.allowHosts, "allow-host", "a host name clients reach the API by, besides loopback names and IP addresses; repeat or comma-separate")
	fs.IntVar(&o.maxConns, "max-conns", api.DefaultMaxConns, "most open API connections; at the limit the longest idle one is closed")
}

// serverToken finds the token serve was given: --token, $JSORC_TOKEN,
// --token-file, $JSORC_TOKEN_FILE. Empty means the data directory's file.
func (r *runner) serverToken() (token, source string, err error) {
	if r.o.token != "" {
		if err := api.CheckToken(r.o.token); err != nil {
			return "", "", fmt.Errorf("%w: --token: %v", ErrUsage, err)
		}
		return r.o.token, "--token", nil
	}
	if t := r.env.Getenv("JSORC_TOKEN"); t != "" {
		if err := api.CheckToken(t); err != nil {
			return "", "", fmt.Errorf("$JSORC_TOKEN: %w", err)
		}
		return t, "$JSORC_TOKEN", nil
	}
	path := r.o.tokenFile
	if path == "" {
		path = r.env.Getenv("JSORC_TOKEN_FILE")
	}
	if path == "" {
		return "", "", nil
	}
	t, err := api.ReadTokenFile(path)
	if err != nil {
		return "", "", err
	}
	return t, path, nil
}
