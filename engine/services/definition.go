package services

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/jsorc/jsorc/engine/local"
)

// Definition is a service jsorc keeps alive: how to run it on the local
// backend, how to tell that it works, and what to apply on Kubernetes.
//
// Command, Init commands, Env values, File contents and Init stdin are
// templates in which local.Expand fills the placeholders {port} (the
// service's TCP port), {host} (the loopback address it binds), {addr}
// (host and port joined, "127.0.0.1:40123" or "[::1]:40123"), {data} (its
// data directory, DATA/services/<name>) and {config} (the path of
// Files[0]). A service with a Password also has {password_file} (the file
// holding it) and, in Env, File contents and Init stdin only — never on a
// command line, which every user can read — {password} and
// {password_scram} (PostgreSQL's SCRAM-SHA-256 verifier of it). In YAML,
// quote an argument that starts with a placeholder: [srv, "{port}"].
type Definition struct {
	// Name is the service's name, as keep_alive spells it: lower-case
	// letters, digits and inner dashes, at most 63 characters.
	Name string
	// Doc is a one-line description for consoles.
	Doc string
	// Command is the argv template of the server, run in the foreground.
	Command []string
	// SearchPath lists absolute directory glob patterns searched for
	// Command[0] and Init commands before PATH, e.g.
	// "/usr/lib/postgresql/*/bin"; among several matches of one pattern the
	// highest version (natural order of the path) wins.
	SearchPath []string
	// Env holds extra environment variables; values are templates.
	Env map[string]string
	// Port is a fixed TCP port; zero picks a free one at the first start
	// and keeps it while it stays free.
	Port int
	// User, when the engine runs as root, is the user the service and its
	// Init steps run as (PostgreSQL refuses root); "nobody" when that user
	// does not exist. Ignored otherwise.
	User string
	// Password makes jsorc generate a password for the service once per
	// data directory (DATA/services/<name>.password, mode 0600), fill it in
	// the templates and give it to the probe.
	Password bool
	// Init steps run, in order, before every start; a step whose Creates
	// file exists is skipped, which makes one-time set-up idempotent.
	Init []Step
	// Files are written into the data directory before every start.
	Files []File
	// TargetsFile, if set, is a path relative to the data directory that
	// the Manager keeps filled with the scrape targets given to
	// SetScrapeTargets, in Prometheus' file_sd JSON format.
	TargetsFile string
	// Probe tells whether the service works.
	Probe Probe
	// StopSignal is sent first on stop; zero means SIGTERM.
	StopSignal syscall.Signal
	// StopGrace is how long a stop waits before SIGKILL; zero means
	// local.DefaultStopGrace.
	StopGrace time.Duration
	// StartTimeout bounds the wait for the first successful probe after a
	// start; zero means the Manager's default.
	StartTimeout time.Duration
	// Manifests are the Kubernetes objects of the service for the kube
	// backend, opaque to this package.
	Manifests []map[string]any
}

// Step is one initialisation command of a service.
type Step struct {
	// Command is the argv template of the step.
	Command []string
	// Creates is a path relative to the data directory; when it exists the
	// step is skipped. Empty means the step runs before every start.
	Creates string
	// Stdin is a template written to the step's standard input.
	Stdin string
	// Rekey makes the step run only when jsorc generated the password at
	// this start for a data directory that was already in use (data from
	// before jsorc gave the service a password, or whose password file
	// was deleted): it sets the new password in that data.
	Rekey bool
}

// File is a file written into a service's data directory before it starts.
type File struct {
	// Path is relative to the data directory and stays inside it.
	Path string
	// Content is a template, written after expansion.
	Content string
	// Mode is the file's permission bits; zero means 0600.
	Mode fs.FileMode
}

// ProbeKind names a probe protocol.
type ProbeKind string

// The probe kinds.
const (
	// ProbeRedis sends the RESP commands AUTH (when the service has a
	// password) and PING and expects +OK and +PONG.
	ProbeRedis ProbeKind = "redis"
	// ProbeHTTP sends GET Probe.Path and expects status 200.
	ProbeHTTP ProbeKind = "http"
	// ProbePostgres opens a real PostgreSQL session (protocol 3.0, with
	// SCRAM-SHA-256 or MD5 when the service has a password) and expects
	// ReadyForQuery.
	ProbePostgres ProbeKind = "postgres"
	// ProbeTCP only connects.
	ProbeTCP ProbeKind = "tcp"
)

// Probe describes how to check a service.
type Probe struct {
	// Kind selects the protocol.
	Kind ProbeKind
	// Path is the HTTP path for ProbeHTTP, starting with "/".
	Path string
	// User is the PostgreSQL user for ProbePostgres; empty means "jsorc".
	User string
	// Database is the PostgreSQL database for ProbePostgres; empty means
	// "postgres".
	Database string
}

// ErrInvalid is wrapped by the errors of Validate and ParseDefinitions.
var ErrInvalid = errors.New("invalid service definition")

// namePattern is what a service name must match: a DNS label, so that the
// kube backend can use it in object names.
var namePattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// fieldError is a validation failure of one field.
type fieldError struct {
	field string
	msg   string
}

func (e *fieldError) Error() string {
	if e.field == "" {
		return e.msg
	}
	return e.field + ": " + e.msg
}

func (e *fieldError) Unwrap() error { return ErrInvalid }

// invalid returns a *fieldError for field.
func invalid(field, format string, args ...any) error {
	return &fieldError{field: field, msg: fmt.Sprintf(format, args...)}
}

// Validate reports the first problem of d as an error wrapping ErrInvalid
// that names the field, e.g. `command[1]: unknown placeholder {prot}`.
func (d Definition) Validate() error {
	if !namePattern.MatchString(d.Name) {
		return invalid("name", "%q is not a valid service name (lower-case letters, digits and inner dashes, at most 63)", d.Name)
	}
	if err := checkArgv("command", d.Command, d); err != nil {
		return err
	}
	for i, p := range d.SearchPath {
		if !filepath.IsAbs(p) {
			return invalid(fmt.Sprintf("search_path[%d]", i), "%q is not an absolute path", p)
		}
		if _, err := filepath.Match(p, ""); err != nil {
			return invalid(fmt.Sprintf("search_path[%d]", i), "bad pattern %q: %v", p, err)
		}
	}
	for k, v := range d.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return invalid("env", "bad variable name %q", k)
		}
		if err := checkTemplate("env."+k, v, d, true); err != nil {
			return err
		}
	}
	if d.Port < 0 || d.Port > 65535 {
		return invalid("port", "%d is out of range 0-65535", d.Port)
	}
	for i, s := range d.Init {
		field := fmt.Sprintf("init[%d]", i)
		if err := checkArgv(field+".command", s.Command, d); err != nil {
			return err
		}
		if s.Creates != "" && !filepath.IsLocal(s.Creates) {
			return invalid(field+".creates", "%q must be a relative path inside the data directory", s.Creates)
		}
		if err := checkTemplate(field+".stdin", s.Stdin, d, true); err != nil {
			return err
		}
		if s.Rekey && !d.Password {
			return invalid(field+".rekey", "only a service with a password has steps that set it")
		}
	}
	seen := map[string]bool{}
	for i, f := range d.Files {
		field := fmt.Sprintf("files[%d]", i)
		if !filepath.IsLocal(f.Path) {
			return invalid(field+".path", "%q must be a relative path inside the data directory", f.Path)
		}
		if seen[filepath.Clean(f.Path)] {
			return invalid(field+".path", "%q is listed twice", f.Path)
		}
		seen[filepath.Clean(f.Path)] = true
		if f.Mode&^fs.ModePerm != 0 {
			return invalid(field+".mode", "%v has bits other than permissions", f.Mode)
		}
		if err := checkTemplate(field+".content", f.Content, d, true); err != nil {
			return err
		}
	}
	if d.TargetsFile != "" && !filepath.IsLocal(d.TargetsFile) {
		return invalid("targets_file", "%q must be a relative path inside the data directory", d.TargetsFile)
	}
	if err := d.Probe.validate(); err != nil {
		return err
	}
	if d.StopSignal < 0 {
		return invalid("stop_signal", "%d is not a signal", int(d.StopSignal))
	}
	if d.StopGrace < 0 {
		return invalid("stop_grace", "%s is negative", d.StopGrace)
	}
	if d.StartTimeout < 0 {
		return invalid("start_timeout", "%s is negative", d.StartTimeout)
	}
	return nil
}

// validate checks p.
func (p Probe) validate() error {
	switch p.Kind {
	case ProbeRedis, ProbeTCP, ProbePostgres:
		if p.Path != "" {
			return invalid("probe.path", "only an http probe has a path")
		}
	case ProbeHTTP:
		if !strings.HasPrefix(p.Path, "/") {
			return invalid("probe.path", "%q must start with \"/\"", p.Path)
		}
	case "":
		return invalid("probe.kind", "missing (want redis, http, postgres or tcp)")
	default:
		return invalid("probe.kind", "unknown probe kind %q (want redis, http, postgres or tcp)", p.Kind)
	}
	if p.Kind != ProbePostgres && (p.User != "" || p.Database != "") {
		return invalid("probe", "only a postgres probe has a user and a database")
	}
	return nil
}

// checkArgv checks a non-empty argv template.
func checkArgv(field string, argv []string, d Definition) error {
	if len(argv) == 0 || argv[0] == "" {
		return invalid(field, "missing program")
	}
	for i, a := range argv {
		if err := checkTemplate(fmt.Sprintf("%s[%d]", field, i), a, d, false); err != nil {
			return err
		}
	}
	return nil
}

// checkTemplate checks that s expands with the placeholders d provides;
// private templates (env, files, stdin) may hold the password itself.
func checkTemplate(field, s string, d Definition, private bool) error {
	vars := templateVars(d, private, "1", "h", "h:1", "d", "c", "p", "pw", "scram")
	if _, err := local.Expand([]string{s}, vars); err != nil {
		msg := strings.TrimPrefix(err.Error(), "local: argument 0 ")
		if errors.Is(err, local.ErrUnknownPlaceholder) {
			switch {
			case d.Password && !private && (strings.Contains(s, "{password}") || strings.Contains(s, "{password_scram}")):
				msg += " (a command line is readable by every user: use {password_file}, or pass the password in env, a file or stdin)"
			case !d.Password && strings.Contains(s, "{password"):
				msg += " (only a service with password: true has a password)"
			default:
				msg += " (known: {port}, {host}, {addr}, {data}, {config} when files are given, {password_file} with a password)"
			}
		}
		return invalid(field, "%s", msg)
	}
	return nil
}

// templateVars builds the placeholders a template of d may use.
func templateVars(d Definition, private bool, port, host, addr, data, config, passwordFile, password, scram string) map[string]string {
	vars := map[string]string{"port": port, "host": host, "addr": addr, "data": data}
	if len(d.Files) > 0 {
		vars["config"] = config
	}
	if d.Password {
		vars["password_file"] = passwordFile
		if private {
			vars["password"], vars["password_scram"] = password, scram
		}
	}
	return vars
}

// clone returns a deep copy of d's slices and maps (manifests are copied
// one level deep; their contents are never modified here).
func (d Definition) clone() Definition {
	d.Command = append([]string(nil), d.Command...)
	d.SearchPath = append([]string(nil), d.SearchPath...)
	if d.Env != nil {
		env := make(map[string]string, len(d.Env))
		for k, v := range d.Env {
			env[k] = v
		}
		d.Env = env
	}
	init := make([]Step, len(d.Init))
	for i, s := range d.Init {
		s.Command = append([]string(nil), s.Command...)
		init[i] = s
	}
	if d.Init != nil {
		d.Init = init
	}
	d.Files = append([]File(nil), d.Files...)
	d.Manifests = append([]map[string]any(nil), d.Manifests...)
	return d
}
