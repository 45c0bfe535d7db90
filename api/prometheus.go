package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"strings"
)

// promonName is the kept-alive Prometheus.
const promonName = "promon"

// maxPromBody bounds the body of a proxied POST (a query's form).
const maxPromBody = 1 << 20

// prometheusProxy serves the kept-alive Prometheus (promon) under
// /prometheus/, so it has one fixed URL whatever port it runs on. It
// proxies only to a Prometheus the engine itself started and verified (on
// the local backend, the socket listening on promon's port belongs to the
// process jsorc started; on Kubernetes, the bundled objects jsorc applied),
// so redefining promon with a fixed port cannot point the proxy at another
// loopback service. It forwards only GET, HEAD and POST of Prometheus's
// own read paths, and never the caller's credentials.
func (s *Server) prometheusProxy(w http.ResponseWriter, r *http.Request) {
	p, code, err := promPath(r.Method, r.URL.Path)
	if err != nil {
		if code == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", "GET, HEAD, POST")
		}
		writeErr(w, code, err)
		return
	}
	info, ok := s.e.ServiceInfo()[promonName]
	base := s.e.ServiceURL(promonName)
	switch {
	case !ok || base == "":
		writeErr(w, http.StatusServiceUnavailable, errors.New("promon (Prometheus) is not running: add it to META_CONFIG's keep_alive with automation on, then `jsorc service refresh meta`"))
		return
	case !info.Verified:
		writeErr(w, http.StatusServiceUnavailable, errors.New("promon answers, but not as the Prometheus jsorc started (what listens on its port is another process): not proxied; `jsorc service info` shows it"))
		return
	}
	target, err := url.Parse(base)
	if err != nil {
		writeErr(w, http.StatusBadGateway, fmt.Errorf("promon URL %q: %w", base, err))
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxPromBody)
	}
	promProxy(target, p).ServeHTTP(w, r)
}

// promProxy forwards a request to the Prometheus at target, at path p.
func promProxy(target *url.URL, p string) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.URL.Path, pr.Out.URL.RawPath = p, ""
			pr.Out.Host = target.Host
			// The caller's credentials are for jsorc, not for Prometheus.
			for name := range pr.Out.Header {
				if isCredentialHeader(name) {
					pr.Out.Header.Del(name)
				}
			}
		},
		ModifyResponse: func(resp *http.Response) error {
			// Prometheus redirects within its own root ("/" → "/graph"),
			// or, told its external URL, within /prometheus/ already.
			if loc := resp.Header.Get("Location"); strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//") &&
				loc != "/prometheus" && !strings.HasPrefix(loc, "/prometheus/") {
				resp.Header.Set("Location", "/prometheus"+loc)
			}
			resp.Header.Del("Set-Cookie")
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			writeErr(w, http.StatusBadGateway, fmt.Errorf("promon: %w", err))
		},
	}
}

// isCredentialHeader reports whether a request header carries the caller's
// credentials.
func isCredentialHeader(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Authorization", "Proxy-Authorization", "Cookie":
		return true
	}
	return strings.HasPrefix(http.CanonicalHeaderKey(name), "X-Jsorc")
}

// promPath returns the Prometheus path a request under /prometheus/ is for,
// or the status and error that refuse it: 405 for a method other than GET,
// HEAD or POST; 403 for a path that is not one of Prometheus's read paths
// (its API but /api/v1/admin and the write receivers, its web UI and
// assets, its readiness and health, federation). POST is for the API.
func promPath(method, raw string) (string, int, error) {
	rest := strings.TrimPrefix(raw, "/prometheus")
	p := path.Clean("/" + rest)
	if strings.HasSuffix(rest, "/") && p != "/" {
		p += "/"
	}
	switch method {
	case http.MethodGet, http.MethodHead:
	case http.MethodPost:
		if !strings.HasPrefix(p, "/api/v1/") {
			return "", http.StatusMethodNotAllowed, fmt.Errorf("%s %s: only Prometheus's API takes POST here", method, raw)
		}
	default:
		return "", http.StatusMethodNotAllowed, fmt.Errorf("%s %s: the Prometheus proxy takes GET, HEAD and POST", method, raw)
	}
	if promAllowed(p) {
		return p, 0, nil
	}
	return "", http.StatusForbidden, fmt.Errorf("%s %s: %s is not a Prometheus read path jsorc proxies (its API, web UI, /-/ready, /-/healthy, /federate)", method, raw, p)
}

// promAllowed reports whether p is one of Prometheus's read paths.
func promAllowed(p string) bool {
	for _, denied := range []string{"/api/v1/admin/", "/api/v1/write", "/api/v1/otlp/"} {
		if strings.HasPrefix(p, denied) || p+"/" == denied {
			return false
		}
	}
	for _, prefix := range []string{"/api/v1/", "/static/", "/assets/", "/classic/"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	switch p {
	case "/", "/graph", "/query", "/alerts", "/rules", "/targets", "/service-discovery", "/status",
		"/flags", "/config", "/tsdb-status", "/agent", "/alertmanager-discovery",
		"/-/ready", "/-/healthy", "/federate", "/favicon.ico", "/favicon.svg", "/manifest.json":
		return true
	}
	return false
}
