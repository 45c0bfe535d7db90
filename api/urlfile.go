package api

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
)

// URLFileName is the file in the engine's data directory that holds the
// URL its API answers on while it runs, so that a CLI or console given the
// same data directory finds an engine listening elsewhere than the default
// address, as it finds its token.
const URLFileName = "api-url"

// URLPath returns where the engine on dataDir records its API's URL.
func URLPath(dataDir string) string { return filepath.Join(dataDir, URLFileName) }

// ClientURL is the URL a client on this machine reaches an API bound to
// addr (HOST:PORT) on: an unspecified host (0.0.0.0, ::) becomes the
// loopback address of its family.
func ClientURL(addr string, tls bool) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = addr, ""
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip.To4() == nil {
			host = "::1"
		}
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	if port == "" {
		return scheme + "://" + host
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// WriteURLFile records u as the URL of the engine on dataDir (written to a
// temporary file and renamed, so a reader never sees half of it). The
// function it returns removes the file if it still holds u: an engine
// started later on the same directory keeps its own.
func WriteURLFile(dataDir, u string) (remove func() error, err error) {
	path := URLPath(dataDir)
	tmp, err := os.CreateTemp(dataDir, URLFileName+".*")
	if err != nil {
		return nil, fmt.Errorf("API URL file: %w", err)
	}
	_, werr := tmp.WriteString(u + "\n")
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		_ = os.Remove(tmp.Name())
		return nil, fmt.Errorf("API URL file %s: %w", path, werr)
	}
	return func() error {
		got, err := ReadURLFile(dataDir)
		if err != nil || got != u {
			return nil // gone, or another engine's now
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("API URL file: %w", err)
		}
		return nil
	}, nil
}

// ReadURLFile reads the URL recorded in dataDir: an error matching
// fs.ErrNotExist when there is none, another naming the file when what it
// holds is not an http(s) URL.
func ReadURLFile(dataDir string) (string, error) {
	path := URLPath(dataDir)
	s, err := readFirstLine(path, "API URL file", "one URL")
	if err != nil {
		return "", err
	}
	if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("API URL file: %s holds %q, not an http:// or https:// URL (delete it; the engine writes it at its start)", path, s)
	}
	return s, nil
}
