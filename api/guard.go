package api

import (
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// guard refuses what a web page could send: a request through a DNS name
// that is not the engine's (DNS rebinding), a request from a browser page of
// another origin (CSRF), a POST that is not JSON. The token stops them too;
// these checks hold even if it leaked into a browser.
type guard struct {
	hosts   map[string]bool // accepted host names, lower case, besides loopback names and IPs
	anyHost bool
	origins map[string]bool // accepted origins, normalised
}

func newGuard(o Options) (guard, error) {
	g := guard{hosts: map[string]bool{}, origins: map[string]bool{}}
	for _, h := range o.AllowHosts {
		h = normHost(h)
		if h == "*" {
			g.anyHost = true
		}
		if h != "" {
			g.hosts[h] = true
		}
	}
	if o.ListenAddr != "" {
		if h, _, err := net.SplitHostPort(o.ListenAddr); err == nil && h != "" {
			g.hosts[normHost(h)] = true
		}
	}
	for _, raw := range o.AllowOrigins {
		origin, err := normOrigin(raw)
		if err != nil {
			return guard{}, err
		}
		g.origins[origin] = true
	}
	return g, nil
}

// normHost lower-cases a host name and drops a trailing dot and IPv6
// brackets.
func normHost(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.TrimSuffix(h, ".")
}

// normOrigin checks and normalises a configured origin: scheme://host[:port].
func normOrigin(raw string) (string, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(raw), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
		return "", fmt.Errorf("api: allowed origin %q: want scheme://host[:port], e.g. https://dashboard.example:8443", raw)
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

// hostOK reports whether the Host header names this engine: a loopback
// name, an IP address (which no DNS answer can rebind), the listening host,
// or a configured name.
func (g guard) hostOK(hostport string) bool {
	if hostport == "" {
		return false
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = normHost(host)
	switch {
	case host == "":
		return false
	case g.anyHost, g.hosts[host]:
		return true
	case host == "localhost", strings.HasSuffix(host, ".localhost"):
		return true
	}
	return net.ParseIP(host) != nil
}

// originOK reports whether a request's Origin header is absent (not a
// browser, or a same-origin GET) or configured.
func (g guard) originOK(r *http.Request) (origin string, ok bool) {
	origin = r.Header.Get("Origin")
	if origin == "" {
		// A browser that sends no Origin on a cross-site request still
		// says where it came from in Sec-Fetch-Site.
		site := r.Header.Get("Sec-Fetch-Site")
		return "", site == "" || site == "same-origin" || site == "none"
	}
	norm, err := normOrigin(origin)
	return origin, err == nil && g.origins[norm]
}

// check answers a refused request and reports whether to go on. An
// allowed origin's CORS preflight is answered here, without a token (a
// browser sends none on a preflight).
func (s *Server) guardRequest(w http.ResponseWriter, r *http.Request) bool {
	g := s.guard
	if !g.hostOK(r.Host) {
		writeErr(w, http.StatusForbidden, fmt.Errorf("refused Host %q: this engine answers to loopback names, IP addresses and %s (a DNS name pointing here may be a DNS-rebinding attack; allow a name with `jsorc serve --allow-host NAME`)", r.Host, g.hostList()))
		return false
	}
	origin, ok := g.originOK(r)
	if !ok {
		what := fmt.Sprintf("Origin %q", origin)
		if origin == "" {
			what = fmt.Sprintf("cross-site request (Sec-Fetch-Site %q)", r.Header.Get("Sec-Fetch-Site"))
		}
		writeErr(w, http.StatusForbidden, fmt.Errorf("refused %s: the API serves no web page but those allowed with `jsorc serve --allow-origin ORIGIN`", what))
		return false
	}
	if origin == "" {
		return true
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		h.Set("Access-Control-Allow-Methods", "GET, POST")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return false
	}
	return true
}

// hostList names the configured host names (not addresses, which are
// always accepted) for an error message.
func (g guard) hostList() string {
	names := make([]string, 0, len(g.hosts))
	for h := range g.hosts {
		if net.ParseIP(h) == nil {
			names = append(names, h)
		}
	}
	if len(names) == 0 {
		return "no other name"
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// requireJSON answers 415 to a POST whose body is not declared JSON: a web
// page can send text/plain and form bodies to any address without asking,
// but not JSON. The Prometheus proxy also takes Prometheus' own form posts,
// and a POST without any body needs no type.
func requireJSON(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		return true
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" && r.ContentLength == 0 {
		// No body at all, so nothing to misread: JSORC's scripts post
		// the bodiless calls (benchmark and trackact start and stop) so,
		// with Python requests' defaults.
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && mt == "application/json" {
		return true
	}
	if err == nil && mt == "application/x-www-form-urlencoded" && strings.HasPrefix(r.URL.Path, "/prometheus/") {
		return true
	}
	sent := fmt.Sprintf("Content-Type %q", ct)
	if ct == "" {
		sent = "no Content-Type"
	}
	writeErr(w, http.StatusUnsupportedMediaType, fmt.Errorf("POST needs `Content-Type: application/json`; this request sent %s", sent))
	return false
}
