package local

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// ErrUnknownPlaceholder is wrapped by Expand's error when an argument names a
// placeholder that vars does not define.
var ErrUnknownPlaceholder = errors.New("unknown placeholder")

// ErrBadTemplate is wrapped by Expand's error when an argument is not a
// well-formed template: an unterminated "{", an empty "{}", or a lone "}".
var ErrBadTemplate = errors.New("malformed template")

// Expand returns a copy of argv in which every "{name}" placeholder is
// replaced by vars[name], for example "--port={port}" with vars
// {"port": "6380"} becomes "--port=6380". "{{" stands for a literal "{" and
// "}}" for a literal "}" (as in Python's str.format), so "{{x}}" expands to
// "{x}". Substituted values are inserted verbatim and are not expanded again.
//
// An unknown placeholder is an error wrapping ErrUnknownPlaceholder that names
// the placeholder and the argument; a malformed argument is an error wrapping
// ErrBadTemplate. On error Expand returns a nil slice. argv itself is never
// modified.
func Expand(argv []string, vars map[string]string) ([]string, error) {
	out := make([]string, len(argv))
	for i, arg := range argv {
		s, err := expandArg(arg, vars)
		if err != nil {
			return nil, fmt.Errorf("local: argument %d %q: %w", i, arg, err)
		}
		out[i] = s
	}
	return out, nil
}

// expandArg expands one argument; see Expand.
func expandArg(arg string, vars map[string]string) (string, error) {
	if !strings.ContainsAny(arg, "{}") {
		return arg, nil
	}
	var b strings.Builder
	b.Grow(len(arg))
	for i := 0; i < len(arg); {
		switch c := arg[i]; c {
		case '{':
			if i+1 < len(arg) && arg[i+1] == '{' {
				b.WriteByte('{')
				i += 2
				continue
			}
			end := strings.IndexByte(arg[i+1:], '}')
			if end < 0 {
				return "", fmt.Errorf("%w: unterminated %q at offset %d", ErrBadTemplate, "{", i)
			}
			name := arg[i+1 : i+1+end]
			if name == "" {
				return "", fmt.Errorf("%w: empty placeholder at offset %d", ErrBadTemplate, i)
			}
			if strings.IndexByte(name, '{') >= 0 {
				return "", fmt.Errorf("%w: %q inside placeholder at offset %d", ErrBadTemplate, "{", i)
			}
			v, ok := vars[name]
			if !ok {
				return "", fmt.Errorf("%w {%s}", ErrUnknownPlaceholder, name)
			}
			b.WriteString(v)
			i += end + 2
		case '}':
			if i+1 < len(arg) && arg[i+1] == '}' {
				b.WriteByte('}')
				i += 2
				continue
			}
			return "", fmt.Errorf("%w: lone %q at offset %d (write %q for a literal brace)", ErrBadTemplate, "}", i, "}}")
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), nil
}

// FreePort returns a TCP port that was free on host a moment ago: it listens
// on host:0, reads the port the kernel chose and closes the listener. host
// must be a loopback address ("127.0.0.1", "::1", any 127/8 address) or
// "localhost" or "", both meaning 127.0.0.1; anything else is refused, since
// the local backend only ever binds loopback. No name resolution happens, so
// FreePort does not block.
//
// The port is not reserved: another process may take it before the caller's
// child binds it. Supervisor mitigates this by calling Prepare (and so
// FreePort) afresh before every restart.
func FreePort(host string) (int, error) {
	if host == "" || host == "localhost" {
		host = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return 0, fmt.Errorf("local: free port: host %q is not an IP address or \"localhost\": %w", host, err)
	}
	if !ip.IsLoopback() {
		return 0, fmt.Errorf("local: free port: host %q is not a loopback address", host)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	if err != nil {
		return 0, fmt.Errorf("local: free port on %s: %w", host, err)
	}
	addr, ok := ln.Addr().(*net.TCPAddr)
	cerr := ln.Close()
	if !ok {
		return 0, fmt.Errorf("local: free port on %s: unexpected listener address %v", host, ln.Addr())
	}
	if cerr != nil {
		return 0, fmt.Errorf("local: free port on %s: close: %w", host, cerr)
	}
	return addr.Port, nil
}
