package api

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// A browser cannot send the bearer token, so Prometheus's web UI under
// /prometheus/ also takes it once in the address, /prometheus/?token=TOKEN:
// the engine answers with a cookie holding it, limited to /prometheus/,
// HttpOnly and SameSite=Strict (no other site can make the browser send
// it), and redirects to the same page without the token. The proxy never
// forwards the cookie to Prometheus.

// promCookie is the cookie of a browser logged in to /prometheus/.
const promCookie = "jsorc_prometheus_token"

// isPromPath reports whether p is under the Prometheus proxy.
func isPromPath(p string) bool { return p == "/prometheus" || strings.HasPrefix(p, "/prometheus/") }

// promBrowserAuth lets a browser in: ok when its cookie holds the token;
// answered when it has answered itself (the login's redirect, or a wrong
// token in the address). Neither: the bearer token decides.
func (s *Server) promBrowserAuth(w http.ResponseWriter, r *http.Request) (ok, answered bool) {
	if c, err := r.Cookie(promCookie); err == nil && s.auth.valid(c.Value) {
		return true, false
	}
	q := r.URL.Query()
	tok := q.Get("token")
	if tok == "" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return false, false
	}
	if !s.auth.valid(tok) {
		writeErr(w, http.StatusUnauthorized, errors.New("wrong API token in the address (not this engine's): "+tokenHelp))
		return false, true
	}
	http.SetCookie(w, &http.Cookie{
		Name: promCookie, Value: tok, Path: "/prometheus/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	q.Del("token")
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	if u.Path == "/prometheus" {
		u.Path = "/prometheus/"
	}
	http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
	return false, true
}
