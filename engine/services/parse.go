package services

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"sigs.k8s.io/yaml"
)

// fileFormat is the top level of a definitions file:
//
//	services:
//	  NAME:
//	    doc: ...
//	    command: [my-server, --port, "{port}"]
//	    probe: {kind: http, path: /healthz}
type fileFormat struct {
	Services map[string]json.RawMessage `json:"services"`
}

// fileDefinition is one service as a definitions file spells it.
type fileDefinition struct {
	Name         string            `json:"name"`
	Doc          string            `json:"doc"`
	Command      []string          `json:"command"`
	SearchPath   []string          `json:"search_path"`
	Env          map[string]string `json:"env"`
	Port         int               `json:"port"`
	User         string            `json:"user"`
	Password     bool              `json:"password"`
	Init         []fileStep        `json:"init"`
	Files        []fileFile        `json:"files"`
	TargetsFile  string            `json:"targets_file"`
	Probe        *fileProbe        `json:"probe"`
	StopSignal   string            `json:"stop_signal"`
	StopGrace    string            `json:"stop_grace"`
	StartTimeout string            `json:"start_timeout"`
	Manifests    []map[string]any  `json:"manifests"`
}

type fileStep struct {
	Command []string `json:"command"`
	Creates string   `json:"creates"`
	Stdin   string   `json:"stdin"`
	Rekey   bool     `json:"rekey"`
}

type fileFile struct {
	Path    string `json:"path"`
	Content string `json:"content"`
	Mode    any    `json:"mode"`
}

type fileProbe struct {
	Kind     string `json:"kind"`
	Path     string `json:"path"`
	User     string `json:"user"`
	Database string `json:"database"`
}

// parseMode parses a permission mode written as a quoted octal string,
// "0644". YAML reads an unquoted 0644 as octal but 644 as decimal, so
// numbers are refused rather than guessed.
func parseMode(field string, v any) (fs.FileMode, error) {
	switch v := v.(type) {
	case nil:
		return 0, nil
	case string:
		m, err := strconv.ParseUint(v, 8, 32)
		if err != nil || m > 0o777 {
			return 0, invalid(field, "%q is not an octal permission such as \"0644\"", v)
		}
		return fs.FileMode(m), nil
	default:
		return 0, invalid(field, "write the mode as a quoted octal string such as \"0644\", not %v", v)
	}
}

// ReadDefinitions reads and parses the definitions file at path; see
// ParseDefinitions.
func ReadDefinitions(path string) (map[string]Definition, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("service definitions: %w", err)
	}
	return ParseDefinitions(path, data)
}

// ParseDefinitions parses a YAML definitions file (file names it in
// errors) into validated definitions keyed by name. Decoding is strict:
// unknown fields, duplicate keys and wrongly typed values are errors, as is
// a file without services. Errors wrap ErrInvalid when the file is
// well-formed YAML but a definition is not, and read like
// `my.yaml: services.cache.probe.kind: unknown probe kind "rdis" (want …)`.
//
// The format is a top-level "services" map from name to definition, with
// the fields of Definition in snake_case; durations are strings ("10s"),
// stop_signal a name ("SIGINT"), a file mode a quoted octal string.
func ParseDefinitions(file string, data []byte) (map[string]Definition, error) {
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var top fileFormat
	if err := decodeStrict(js, &top); err != nil {
		return nil, at(file, "", describeJSONError(err))
	}
	if len(top.Services) == 0 {
		return nil, at(file, "", &fieldError{msg: "no services (want a top-level \"services:\" map of name to definition)"})
	}
	names := make([]string, 0, len(top.Services))
	for name := range top.Services {
		names = append(names, name)
	}
	slices.Sort(names)
	defs := make(map[string]Definition, len(names))
	for _, name := range names {
		prefix := "services." + name
		var fd fileDefinition
		raw := top.Services[name]
		if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			return nil, at(file, prefix, &fieldError{msg: "empty definition"})
		}
		if err := decodeStrict(raw, &fd); err != nil {
			return nil, at(file, prefix, describeJSONError(err))
		}
		def, err := fd.definition(name)
		if err == nil {
			err = def.Validate()
		}
		if err != nil {
			return nil, at(file, prefix, err)
		}
		defs[name] = def
	}
	return defs, nil
}

// decodeStrict decodes one JSON value into v, refusing unknown fields and
// trailing data.
func decodeStrict(js []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the document")
	}
	return nil
}

// describeJSONError rewrites encoding/json's messages in terms of the
// file's fields; the result wraps ErrInvalid.
func describeJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return invalid(te.Field, "want %s, got %s", jsonKind(te.Type.Kind().String()), te.Value)
	}
	return &fieldError{msg: strings.TrimPrefix(err.Error(), "json: ")}
}

// jsonKind names a Go kind the way a YAML author thinks of it.
func jsonKind(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "an integer"
	case kind == "slice":
		return "a list"
	case kind == "map", kind == "struct", kind == "ptr":
		return "a map"
	default:
		return "a " + kind
	}
}

// at places err, from the definition of prefix, in the file: field errors
// read "file: prefix.field: message", others "file: prefix: message".
func at(file, prefix string, err error) error {
	var fe *fieldError
	switch {
	case prefix == "":
		return fmt.Errorf("%s: %w", file, err)
	case errors.As(err, &fe) && fe.field != "":
		return fmt.Errorf("%s: %s.%w", file, prefix, err)
	default:
		return fmt.Errorf("%s: %s: %w", file, prefix, err)
	}
}

// definition converts fd, the file form of the service called name.
func (fd fileDefinition) definition(name string) (Definition, error) {
	if fd.Name != "" && fd.Name != name {
		return Definition{}, invalid("name", "%q differs from the key %q", fd.Name, name)
	}
	d := Definition{
		Name:        name,
		Doc:         fd.Doc,
		Command:     fd.Command,
		SearchPath:  fd.SearchPath,
		Env:         fd.Env,
		Port:        fd.Port,
		User:        fd.User,
		Password:    fd.Password,
		TargetsFile: fd.TargetsFile,
		Manifests:   fd.Manifests,
	}
	for _, s := range fd.Init {
		d.Init = append(d.Init, Step(s))
	}
	for i, f := range fd.Files {
		mode, err := parseMode(fmt.Sprintf("files[%d].mode", i), f.Mode)
		if err != nil {
			return Definition{}, err
		}
		d.Files = append(d.Files, File{Path: f.Path, Content: f.Content, Mode: mode})
	}
	if fd.Probe == nil {
		return Definition{}, invalid("probe", "missing (every service needs a probe: redis, http, postgres or tcp)")
	}
	d.Probe = Probe{Kind: ProbeKind(fd.Probe.Kind), Path: fd.Probe.Path, User: fd.Probe.User, Database: fd.Probe.Database}
	if fd.StopSignal != "" {
		name := strings.ToUpper(fd.StopSignal)
		if !strings.HasPrefix(name, "SIG") {
			name = "SIG" + name
		}
		sig := unix.SignalNum(name)
		if sig == 0 {
			return Definition{}, invalid("stop_signal", "unknown signal %q", fd.StopSignal)
		}
		d.StopSignal = syscall.Signal(sig)
	}
	var err error
	if d.StopGrace, err = parseDuration("stop_grace", fd.StopGrace); err != nil {
		return Definition{}, err
	}
	if d.StartTimeout, err = parseDuration("start_timeout", fd.StartTimeout); err != nil {
		return Definition{}, err
	}
	return d, nil
}

// parseDuration parses an optional duration field.
func parseDuration(field, s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, invalid(field, "%q is not a duration such as \"10s\"", s)
	}
	return d, nil
}
