package services_test

import (
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/services"
)

func TestBundledDefinitionsValid(t *testing.T) {
	t.Parallel()
	b := services.Bundled()
	for _, name := range []string{services.Redis, services.Promon, services.DB} {
		d, ok := b[name]
		if !ok {
			t.Fatalf("no bundled %s", name)
		}
		if d.Name != name || d.Doc == "" {
			t.Errorf("%s: name %q, doc %q", name, d.Name, d.Doc)
		}
		if err := d.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Each call returns fresh values.
	b[services.Redis].Command[0] = "changed"
	if services.Bundled()[services.Redis].Command[0] != "redis-server" {
		t.Error("Bundled shares state between calls")
	}
}

func TestReadDefinitions(t *testing.T) {
	t.Parallel()
	path := filepath.Join("testdata", "services.yaml")
	defs, err := services.ReadDefinitions(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) != 3 {
		t.Fatalf("got %d definitions, want 3", len(defs))
	}
	docs := defs["docs"]
	if docs.Name != "docs" || docs.Port != 18080 || docs.StartTimeout != 20*time.Second ||
		docs.Env["DOCS_ROOT"] != "{data}/www" ||
		!reflect.DeepEqual(docs.Files, []services.File{{Path: "www/index.html", Content: "<h1>jsorc</h1>\n", Mode: 0o644}}) ||
		docs.Probe != (services.Probe{Kind: services.ProbeHTTP, Path: "/index.html"}) {
		t.Errorf("docs = %+v", docs)
	}
	pg := defs["pg16"]
	if pg.User != "postgres" || !pg.Password || pg.StopSignal != syscall.SIGINT || len(pg.Init) != 1 || pg.Init[0].Creates != "PG_VERSION" ||
		pg.SearchPath[0] != "/usr/lib/postgresql/*/bin" || len(pg.Manifests) != 1 || pg.Manifests[0]["kind"] != "Service" ||
		pg.Probe.User != "app" {
		t.Errorf("pg16 = %+v", pg)
	}
	if mc := defs["memcached"]; mc.StopGrace != 3*time.Second || mc.Probe.Kind != services.ProbeTCP {
		t.Errorf("memcached = %+v", mc)
	}

	_, err = services.ReadDefinitions(filepath.Join("testdata", "missing.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestParseDefinitionsErrors(t *testing.T) {
	t.Parallel()
	const ok = "    command: [srv, --port, \"{port}\"]\n    probe: {kind: tcp}\n"
	tests := []struct {
		name    string
		yaml    string
		want    string // substring of the error, after "svc.yaml: "
		invalid bool   // the error wraps ErrInvalid
	}{
		{"empty file", "", `no services (want a top-level "services:" map`, true},
		{"no services", "services: {}\n", "no services", true},
		{"not yaml", "services: [\n", "yaml:", false},
		{"unknown top-level field", "service:\n  a:\n" + ok, `unknown field "service"`, true},
		{"duplicate key", "services:\n  a:\n" + ok + "  a:\n" + ok, `key "a" already set`, false},
		{"unknown field", "services:\n  a:\n" + ok + "    colour: red\n", `services.a: unknown field "colour"`, true},
		{"unknown nested field", "services:\n  a:\n    command: [x]\n    probe: {kind: tcp, paht: /}\n", `services.a: unknown field "paht"`, true},
		{"wrong type", "services:\n  a:\n" + ok + "    port: http\n", `services.a.port: want an integer, got string`, true},
		{"command not a list", "services:\n  a:\n    command: srv\n    probe: {kind: tcp}\n", `services.a.command: want a list, got string`, true},
		{"empty definition", "services:\n  a:\n", "services.a: empty definition", true},
		{"bad name", "services:\n  A_b:\n" + ok, `services.A_b.name: "A_b" is not a valid service name`, true},
		{"name differs", "services:\n  a:\n    name: b\n" + ok, `services.a.name: "b" differs from the key "a"`, true},
		{"no command", "services:\n  a:\n    probe: {kind: tcp}\n", "services.a.command: missing program", true},
		{"no probe", "services:\n  a:\n    command: [srv]\n", "services.a.probe: missing", true},
		{"unknown probe kind", "services:\n  a:\n    command: [srv]\n    probe: {kind: rdis}\n", `services.a.probe.kind: unknown probe kind "rdis" (want redis, http, postgres or tcp)`, true},
		{"http without path", "services:\n  a:\n    command: [srv]\n    probe: {kind: http}\n", `services.a.probe.path: "" must start with "/"`, true},
		{"path on redis", "services:\n  a:\n    command: [srv]\n    probe: {kind: redis, path: /x}\n", "services.a.probe.path: only an http probe has a path", true},
		{"user on http", "services:\n  a:\n    command: [srv]\n    probe: {kind: http, path: /, user: x}\n", "services.a.probe: only a postgres probe", true},
		{"unknown placeholder", "services:\n  a:\n    command: [srv, \"--port={prot}\"]\n    probe: {kind: tcp}\n", `services.a.command[1]: "--port={prot}": unknown placeholder {prot} (known: {port}, {host}, {addr}, {data}, {config} when files are given, {password_file} with a password)`, true},
		{"config without files", "services:\n  a:\n    command: [srv, \"{config}\"]\n    probe: {kind: tcp}\n", `services.a.command[1]: "{config}": unknown placeholder {config}`, true},
		{"malformed template", "services:\n  a:\n    command: [srv, \"{port\"]\n    probe: {kind: tcp}\n", `services.a.command[1]: "{port": malformed template`, true},
		{"bad env template", "services:\n  a:\n" + ok + "    env: {X: \"{nope}\"}\n", `services.a.env.X: "{nope}": unknown placeholder`, true},
		{"bad env name", "services:\n  a:\n" + ok + "    env: {\"A=B\": x}\n", `services.a.env: bad variable name "A=B"`, true},
		{"port out of range", "services:\n  a:\n" + ok + "    port: 70000\n", "services.a.port: 70000 is out of range", true},
		{"file escapes", "services:\n  a:\n" + ok + "    files: [{path: ../x, content: hi}]\n", `services.a.files[0].path: "../x" must be a relative path inside the data directory`, true},
		{"absolute file", "services:\n  a:\n" + ok + "    files: [{path: /etc/x, content: hi}]\n", `services.a.files[0].path: "/etc/x" must be a relative path`, true},
		{"file twice", "services:\n  a:\n" + ok + "    files: [{path: x}, {path: ./x}]\n", `services.a.files[1].path: "./x" is listed twice`, true},
		{"unquoted mode", "services:\n  a:\n" + ok + "    files: [{path: x, mode: 0644}]\n", `services.a.files[0].mode: write the mode as a quoted octal string such as "0644", not 420`, true},
		{"bad mode", "services:\n  a:\n" + ok + "    files: [{path: x, mode: \"rw\"}]\n", `services.a.files[0].mode: "rw" is not an octal permission`, true},
		{"bad content template", "services:\n  a:\n" + ok + "    files: [{path: x, content: \"{oops}\"}]\n", `services.a.files[0].content: "{oops}": unknown placeholder`, true},
		{"init without command", "services:\n  a:\n" + ok + "    init: [{creates: X}]\n", "services.a.init[0].command: missing program", true},
		{"init creates escapes", "services:\n  a:\n" + ok + "    init: [{command: [x], creates: /X}]\n", `services.a.init[0].creates: "/X" must be a relative path`, true},
		{"relative search path", "services:\n  a:\n" + ok + "    search_path: [bin]\n", `services.a.search_path[0]: "bin" is not an absolute path`, true},
		{"bad glob", "services:\n  a:\n" + ok + "    search_path: [\"/x/[\"]\n", `services.a.search_path[0]: bad pattern`, true},
		{"targets file escapes", "services:\n  a:\n" + ok + "    targets_file: ../t.json\n", `services.a.targets_file: "../t.json" must be a relative path`, true},
		{"unknown signal", "services:\n  a:\n" + ok + "    stop_signal: SIGNOPE\n", `services.a.stop_signal: unknown signal "SIGNOPE"`, true},
		{"bad duration", "services:\n  a:\n" + ok + "    stop_grace: soon\n", `services.a.stop_grace: "soon" is not a duration such as "10s"`, true},
		{"negative duration", "services:\n  a:\n" + ok + "    start_timeout: -1s\n", "services.a.start_timeout: -1s is negative", true},
		{"password on a command line", "services:\n  a:\n    password: true\n    command: [srv, \"--pass={password}\"]\n    probe: {kind: tcp}\n", `services.a.command[1]: "--pass={password}": unknown placeholder {password} (a command line is readable by every user: use {password_file}`, true},
		{"password without password", "services:\n  a:\n    command: [srv, \"{password_file}\"]\n    probe: {kind: tcp}\n", `unknown placeholder {password_file} (only a service with password: true has a password)`, true},
		{"rekey without password", "services:\n  a:\n" + ok + "    init: [{command: [x], rekey: true}]\n", "services.a.init[0].rekey: only a service with a password has steps that set it", true},
		{"bad stdin template", "services:\n  a:\n" + ok + "    init: [{command: [x], stdin: \"{nope}\"}]\n", `services.a.init[0].stdin: "{nope}": unknown placeholder`, true},
		{"first error by name", "services:\n  b:\n    command: [x]\n  a:\n    command: [x]\n", "services.a.probe: missing", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defs, err := services.ParseDefinitions("svc.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("no error; got %+v", defs)
			}
			if !strings.HasPrefix(err.Error(), "svc.yaml: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nwant it to name the file and contain %q", err, tt.want)
			}
			if errors.Is(err, services.ErrInvalid) != tt.invalid {
				t.Errorf("errors.Is(%v, ErrInvalid) = %v, want %v", err, !tt.invalid, tt.invalid)
			}
		})
	}
}

func TestParseDefinitionsAcceptsSignals(t *testing.T) {
	t.Parallel()
	for spelling, want := range map[string]syscall.Signal{"SIGINT": syscall.SIGINT, "int": syscall.SIGINT, "QUIT": syscall.SIGQUIT, "sigterm": syscall.SIGTERM} {
		y := "services:\n  a:\n    command: [x]\n    probe: {kind: tcp}\n    stop_signal: " + spelling + "\n"
		defs, err := services.ParseDefinitions("s.yaml", []byte(y))
		if err != nil {
			t.Errorf("%s: %v", spelling, err)
			continue
		}
		if got := defs["a"].StopSignal; got != want {
			t.Errorf("%s: %v, want %v", spelling, got, want)
		}
	}
}
