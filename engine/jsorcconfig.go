package engine

// This file reads JSORC's ACTION_CONFIGS (the dict a Jaseci action package
// such as jaseci_ai_kit.config or jac_nlp.config defines) exported as a JSON
// or YAML file, and maps it onto jsorc's action configs.

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// actionConfigsKey is the name of JSORC's dict; an export may keep it as
// the document's one top-level key.
const actionConfigsKey = "ACTION_CONFIGS"

// pythonModulePath matches what JSORC's `actions config` took: the import
// path of a Python module ("jaseci_ai_kit.config").
var pythonModulePath = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$`)

// PythonModuleHint tells a JSORC user who gave a Python module's import
// path as the source of `actions config` (JSORC's form, e.g.
// "jaseci_ai_kit.config") what to give instead; ok is false for a source
// that does not look like one.
func PythonModuleHint(source string) (hint string, ok bool) {
	if !pythonModulePath.MatchString(strings.TrimSpace(source)) {
		return "", false
	}
	return notAFileHint(source), true
}

// notAFileHint tells a JSORC user who gave a Python module's import path what
// to give instead.
func notAFileHint(source string) string {
	mod := strings.TrimSpace(source)
	return fmt.Sprintf("%q is a Python module's import path, which JSORC imported to read its ACTION_CONFIGS dict; "+
		"jsorc reads that dict from a JSON or YAML file instead: export it with "+
		"`python3 -c 'import json, %s as c; print(json.dumps(c.ACTION_CONFIGS))' > action_configs.json` "+
		"(where the package is installed), then give the file: `jsorc actions config NAME action_configs.json`", mod, mod)
}

// jsorcEntry is one module of ACTION_CONFIGS, with jsorc's keys allowed
// beside JSORC's.
type jsorcEntry struct {
	Module              string                    `json:"module"`
	LoadedModule        string                    `json:"loaded_module"`
	Local               json.RawMessage           `json:"local"`
	LocalMemRequirement float64                   `json:"local_mem_requirement"`
	Remote              map[string]map[string]any `json:"remote"`
	// jsorc's own keys, for what ACTION_CONFIGS cannot say.
	Builtin  string         `json:"builtin"`
	Params   map[string]any `json:"params"`
	URL      string         `json:"url"`
	KeepWarm bool           `json:"keep_warm"`
	Timeout  string         `json:"timeout"`
}

// fromJSORC maps ACTION_CONFIGS (as JSON) onto jsorc's configs, or reports
// that the document is not in that format (ok false). ParseActionConfigs
// tries it for a document that is not in jsorc's format.
func fromJSORC(js []byte) (map[string]ActionConfig, bool, error) {
	var doc map[string]json.RawMessage
	if json.Unmarshal(js, &doc) != nil {
		return nil, false, nil
	}
	if inner, ok := doc[actionConfigsKey]; ok && len(doc) == 1 {
		doc = nil
		if err := json.Unmarshal(inner, &doc); err != nil {
			return nil, true, errorf(ErrInvalid, "action configs: %s: %v", actionConfigsKey, err)
		}
	} else if !isJSORCFormat(doc) {
		return nil, false, nil
	}
	out := make(map[string]ActionConfig, len(doc))
	for name, raw := range doc {
		var e jsorcEntry
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return nil, true, errorf(ErrInvalid, "action configs: %s (JSORC's ACTION_CONFIGS format): %v", name, err)
		}
		c, err := e.config(name)
		if err != nil {
			return nil, true, err
		}
		out[name] = c
	}
	return out, true, nil
}

// isJSORCFormat reports whether some module of doc says something only
// ACTION_CONFIGS says: remote manifests by kind, or local as a file path.
func isJSORCFormat(doc map[string]json.RawMessage) bool {
	for _, raw := range doc {
		var keys map[string]json.RawMessage
		if json.Unmarshal(raw, &keys) != nil {
			continue
		}
		if _, ok := keys["remote"]; ok {
			return true
		}
		var path string
		if local, ok := keys["local"]; ok && json.Unmarshal(local, &path) == nil {
			return true
		}
	}
	return false
}

// config maps one ACTION_CONFIGS entry: remote manifests to the kube
// backend (the Service's port as its port), the ConfigMap's server command
// (Jaseci's uvicorn line) to the local backend's command, with {host} and
// {port} in place of the address it listened on.
func (e jsorcEntry) config(name string) (ActionConfig, error) {
	c := ActionConfig{
		Builtin: e.Builtin, Params: e.Params, URL: e.URL, KeepWarm: e.KeepWarm, Timeout: e.Timeout,
		LocalMemRequirement: e.LocalMemRequirement,
		Module:              e.Module, LoadedModule: e.LoadedModule,
	}
	if len(e.Local) > 0 && string(e.Local) != "null" {
		var path string
		if json.Unmarshal(e.Local, &path) != nil { // JSORC's local is a file path; jsorc's a command
			var ls LocalServer
			if err := json.Unmarshal(e.Local, &ls); err != nil {
				return c, errorf(ErrInvalid, "action configs: %s: local: want JSORC's file path or jsorc's {command: [...]}: %v", name, err)
			}
			c.Local = &ls
		}
	}
	if len(e.Remote) > 0 {
		c.Kube = &KubeServer{}
		for _, kind := range slices.Sorted(maps.Keys(e.Remote)) {
			obj := cleanManifest(e.Remote[kind])
			if _, ok := obj["kind"]; !ok {
				obj["kind"] = kind
			}
			c.Kube.Manifests = append(c.Kube.Manifests, obj)
			if kind == "Service" {
				c.Kube.Port = servicePort(obj)
			}
			if kind == "ConfigMap" && c.Local == nil {
				if cmd := serverCommand(obj); cmd != nil {
					c.Local = &LocalServer{Command: cmd}
				}
			}
		}
	}
	return c, c.validate(name)
}

// cleanManifest drops what a kubectl dump leaves in ACTION_CONFIGS' manifests
// (creationTimestamp: null, status: {}), which no apply should carry.
func cleanManifest(obj map[string]any) map[string]any {
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		if k == "status" {
			continue
		}
		if m, ok := v.(map[string]any); ok {
			v = cleanManifest(m)
		} else if k == "creationTimestamp" && v == nil {
			continue
		}
		out[k] = v
	}
	return out
}

// servicePort is the first port of a Service manifest (0 if none).
func servicePort(svc map[string]any) int {
	spec, _ := svc["spec"].(map[string]any)
	ports, _ := spec["ports"].([]any)
	if len(ports) == 0 {
		return 0
	}
	p, _ := ports[0].(map[string]any)
	n, _ := p["port"].(float64)
	return int(n)
}

// serverCommand reads the action server's command from the ConfigMap JSORC
// mounted as the pod's script (its prod_up, or its one entry): a one-line
// command, with the values of --host and --port replaced by {host} and
// {port}. A script it cannot read as one command gives nil.
func serverCommand(cm map[string]any) []string {
	data, _ := cm["data"].(map[string]any)
	line, _ := data["prod_up"].(string)
	if line == "" && len(data) == 1 {
		for _, v := range data {
			line, _ = v.(string)
		}
	}
	line = strings.TrimSpace(line)
	if line == "" || strings.ContainsAny(line, "\n;&|`$<>") {
		return nil
	}
	args := strings.Fields(line)
	for i := 0; i < len(args); i++ {
		switch {
		case (args[i] == "--host" || args[i] == "--port") && i+1 < len(args):
			args[i+1] = "{" + strings.TrimPrefix(args[i], "--") + "}"
			i++
		case strings.HasPrefix(args[i], "--host="):
			args[i] = "--host={host}"
		case strings.HasPrefix(args[i], "--port="):
			if _, err := strconv.Atoi(strings.TrimPrefix(args[i], "--port=")); err == nil {
				args[i] = "--port={port}"
			}
		}
	}
	return args
}
