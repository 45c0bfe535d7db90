package api

import (
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

// prometheusProxy serves the kept-alive Prometheus (promon) under
// /prometheus/, so it has one fixed URL whatever port it runs on.
func (s *Server) prometheusProxy(w http.ResponseWriter, r *http.Request) {
	base := s.e.ServiceURL("promon")
	if base == "" {
		writeErr(w, http.StatusServiceUnavailable, fmt.Errorf("promon (Prometheus) is not running: add it to META_CONFIG's keep_alive with automation on, then `jsorc service refresh meta`"))
		return
	}
	target, err := url.Parse(base)
	if err != nil {
		writeErr(w, http.StatusBadGateway, fmt.Errorf("promon URL %q: %w", base, err))
		return
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.URL.Path = "/" + strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/prometheus"), "/")
			pr.Out.URL.RawPath = ""
		},
	}
	proxy.ServeHTTP(w, r)
}
