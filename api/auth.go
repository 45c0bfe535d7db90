package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strings"
)

// tokenHelp says, in every 401 answer, where the token is and how to send
// it. It names no path: the caller may be anyone.
const tokenHelp = "every request needs the engine's API token as the header `Authorization: Bearer TOKEN` (or JSORC's `Authorization: token TOKEN`). " +
	"The token is in the file " + TokenFileName + " of the engine's data directory (mode 0600, written at its first start), " +
	"unless the engine was given one (--token-file, JSORC_TOKEN). " +
	"The jsorc CLI and console read it from that directory (--data DIR or JSORC_DATA); elsewhere pass --token TOKEN or set JSORC_TOKEN"

// authorizer checks bearer tokens in constant time.
type authorizer struct {
	sum [sha256.Size]byte
}

func newAuthorizer(token string) authorizer {
	return authorizer{sum: sha256.Sum256([]byte(token))}
}

// check returns nil when r carries the token, else the reason to refuse it.
// The comparison runs over digests of equal length, so its time tells
// nothing of the token.
func (a authorizer) check(r *http.Request) error {
	h := r.Header.Get("Authorization")
	if h == "" {
		return errors.New("missing API token: " + tokenHelp)
	}
	scheme, tok, _ := strings.Cut(h, " ")
	// "token" is the scheme JSORC's server (Django REST knox) took: a
	// script written for it sends `Authorization: token TOKEN`.
	if !strings.EqualFold(scheme, "Bearer") && !strings.EqualFold(scheme, "token") {
		return errors.New("the Authorization header is not a bearer token: " + tokenHelp)
	}
	if !a.valid(tok) {
		return errors.New("wrong API token (not this engine's): " + tokenHelp)
	}
	return nil
}

// valid reports, in constant time, whether tok is the token.
func (a authorizer) valid(tok string) bool {
	sum := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	return subtle.ConstantTimeCompare(sum[:], a.sum[:]) == 1
}

// openPath reports whether a request needs no token: GET /healthz always,
// GET /metrics from a loopback peer (the local Prometheus scrapes it).
func openPath(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	switch r.URL.Path {
	case "/healthz":
		return true
	case "/metrics":
		return loopbackPeer(r)
	}
	return false
}

// loopbackPeer reports whether the request came from this machine.
func loopbackPeer(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// requireToken answers 401 to a request without the token.
func (s *Server) requireToken(w http.ResponseWriter, r *http.Request) bool {
	if openPath(r) {
		return true
	}
	if isPromPath(r.URL.Path) {
		if ok, answered := s.promBrowserAuth(w, r); ok || answered {
			return ok
		}
	}
	if err := s.auth.check(r); err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="jsorc"`)
		writeErr(w, http.StatusUnauthorized, err)
		return false
	}
	return true
}
