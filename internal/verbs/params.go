package verbs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	// go.yaml.in's v2, not sigs.k8s.io/yaml: the console imports this
	// package and must link nothing of Kubernetes.
	"go.yaml.in/yaml/v2"

	"github.com/jsorc/jsorc/api/types"
)

// How each verb's arguments become its endpoint's parameters. The files a
// verb names are read here, on the caller's side, and sent as text with
// their absolute path as the source.

func noParams(Input) (any, error) { return types.NoParams{}, nil }

func actionsConfig(in Input) (any, error) {
	name, source := in.Args[0], in.Args[1]
	p := types.ActionsConfigParams{Name: name, Config: types.BuiltinSourceName}
	if source == types.BuiltinSourceName {
		return p, nil
	}
	text, abs, err := readFile(in, source, "config source")
	if errors.Is(err, fs.ErrNotExist) && importPath.MatchString(source) {
		// No such file, but JSORC's form: the import path of a Python
		// module. The engine answers it with how to export its
		// ACTION_CONFIGS to a file.
		p.Config, p.Source = source, source
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	p.Config, p.Source = text, abs
	if isWasm(text) {
		// A module compiled to WebAssembly is configured directly: the
		// config is `NAME: {wasm: FILE}`, and the module's bytes travel
		// with it, for an engine on another machine.
		if name == "all" || name == "*" {
			return nil, fmt.Errorf("%w: a .wasm source configures one module: actions config NAME %s", ErrUsage, source)
		}
		cfg, err := json.Marshal(map[string]map[string]string{name: {"wasm": abs}})
		if err != nil {
			return nil, err
		}
		p.Config, p.Files = string(cfg), map[string][]byte{abs: []byte(text)}
		return p, nil
	}
	p.Files = wasmFiles(in, text, abs)
	return p, nil
}

// wasmFiles reads the WebAssembly modules a config file names (`wasm:`,
// relative to the file's directory), so they travel with the config. What
// cannot be read or parsed here is left to the engine to report.
func wasmFiles(in Input, text, abs string) map[string][]byte {
	var set map[string]any
	if yaml.Unmarshal([]byte(text), &set) != nil {
		return nil
	}
	var files map[string][]byte
	for _, entry := range set {
		m, _ := entry.(map[any]any)
		wasm, _ := m["wasm"].(string)
		if wasm == "" {
			continue
		}
		path := wasm
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(abs), path)
		}
		b, err := in.ReadFile(path)
		if err != nil || !isWasm(string(b)) {
			continue
		}
		if files == nil {
			files = map[string][]byte{}
		}
		files[wasm] = b
	}
	return files
}

// importPath matches a Python module's import path ("jaseci_ai_kit.config").
var importPath = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$`)

// isWasm tells a WebAssembly module by its magic number.
func isWasm(text string) bool { return strings.HasPrefix(text, "\x00asm") }

func actionsLoad(in Input) (any, error) {
	mode := in.Flags["mode"]
	if mode == "" {
		return nil, fmt.Errorf("%w: actions load NAME -mode module|local|remote", ErrUsage)
	}
	return types.ActionsLoadParams{Name: in.Args[0], Mode: mode, Wait: in.Flags.Bool("wait"), Timeout: in.Flags.Number("timeout")}, nil
}

func actionsStatus(in Input) (any, error) {
	if len(in.Args) == 1 {
		return types.ActionsStatusParams{Name: in.Args[0]}, nil
	}
	return types.ActionsStatusParams{}, nil
}

func actionsUnload(in Input) (any, error) {
	retire := in.Flags.Bool("retire_svc")
	return types.ActionsUnloadParams{Name: in.Args[0], Mode: in.Flags["mode"], RetireSvc: &retire}, nil
}

func actionsDelete(in Input) (any, error) {
	return types.ActionsDeleteParams{Name: in.Args[0], Force: in.Flags.Bool("force")}, nil
}

func actionsScale(in Input) (any, error) {
	if strings.EqualFold(in.Args[1], "auto") {
		return types.ActionsScaleParams{Name: in.Args[0], Auto: true}, nil
	}
	n, err := strconv.Atoi(in.Args[1])
	if err != nil || n < 1 {
		return nil, fmt.Errorf("%w: replicas %q: give a whole number, at least 1 (e.g. actions scale %s 3), or auto", ErrUsage, in.Args[1], in.Args[0])
	}
	return types.ActionsScaleParams{Name: in.Args[0], Replicas: n}, nil
}

func actionsCall(in Input) (any, error) {
	args, err := Arguments("-ctx", in.Flags["ctx"])
	return types.CallParams{Name: in.Args[0], Ctx: args}, err
}

func appRun(in Input) (any, error) { return actionsCall(in) }

func appConfig(in Input) (any, error) {
	text, abs, err := readFile(in, in.Args[0], "apps file")
	return types.AppConfigParams{Config: text, Source: abs}, err
}

func serviceConfig(in Input) (any, error) {
	text, abs, err := readFile(in, in.Args[0], "services file")
	return types.AppConfigParams{Config: text, Source: abs}, err
}

func policySet(in Input) (any, error) {
	var params map[string]any
	if s := in.Flags["params"]; s != "" {
		if err := json.Unmarshal([]byte(s), &params); err != nil {
			return nil, fmt.Errorf("%w: -params is not a JSON object: %v", ErrUsage, err)
		}
	}
	return types.PolicySetParams{PolicyName: in.Args[0], PolicyParams: params}, nil
}

func configSet(in Input) (any, error) {
	value, err := json.Marshal(in.Args[1])
	if err != nil {
		return nil, fmt.Errorf("encoding the value: %w", err)
	}
	return types.ConfigParams{Name: in.Args[0], Value: value}, nil
}

func configGet(in Input) (any, error) { return types.ConfigParams{Name: in.Args[0]}, nil }

func serviceRefresh(in Input) (any, error) { return types.NameParams{Name: in.Args[0]}, nil }

func nameParam(in Input) (any, error) { return types.NameParams{Name: in.Args[0]}, nil }

func actionsList(in Input) (any, error) { return types.ActionsListParams{Name: in.Flags["name"]}, nil }

func moduleList(in Input) (any, error) {
	return types.ModuleListParams{Detailed: in.Flags.Bool("detailed")}, nil
}

func reports(in Input) (any, error) {
	return types.ReportsParams{Kind: in.Args[0], Limit: int(in.Flags.Number("limit"))}, nil
}

func loadTest(in Input) (any, error) {
	f := in.Flags
	p := types.LoadTestParams{
		Test: f["test"], Experiment: f["experiment"], Policy: f["policy"],
		Mem: f.Number("mem"), MemScale: f.Number("mem_scale"),
		ExperimentDuration: f.Number("experiment_duration"),
		EvalPhase:          f.Number("eval_phase"), PerfPhase: f.Number("perf_phase"),
		Clients: int(f.Number("clients")), Rate: f.Number("rate"),
	}
	args, err := Arguments("-ctx", f["ctx"])
	p.Ctx = args
	return p, err
}

// Arguments decodes a flag holding a JSON object of arguments ("" is
// none). Numbers keep their literal (json.Number): 1.0 stays 1.0 on its way
// to the action, as through Jaseci's client.
func Arguments(flag, s string) (map[string]any, error) {
	if s == "" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var args map[string]any
	if err := dec.Decode(&args); err != nil {
		return nil, fmt.Errorf("%w: %s is not a JSON object: %v%s", ErrUsage, flag, err, quotingHint(s))
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: %s holds more than one JSON value", ErrUsage, flag)
	}
	return args, nil
}

// quotingHint explains the usual cause of a JSON object that does not
// parse on a command line: quotes a shell (or the console's line) removed.
func quotingHint(s string) string {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "{") && !strings.Contains(t, `"`) && strings.Contains(t, ":") {
		return ` (the keys and strings need double quotes; quote the whole object in single quotes: -ctx '{"text": "hi"}')`
	}
	return ""
}

// readFile reads a file the verb names, what it is for people, and its
// absolute path (the source the engine shows).
func readFile(in Input, path, what string) (text, abs string, err error) {
	if in.ReadFile == nil {
		return "", "", fmt.Errorf("reading %s %s: no file access here", what, path)
	}
	b, err := in.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("reading %s: %w", what, err)
	}
	if abs, err = filepath.Abs(path); err != nil {
		abs = path
	}
	return string(b), abs, nil
}

func logs(in Input) (any, error) {
	p := types.LogsParams{Name: in.Args[0], Kind: types.LogModule, Offset: -1, Max: int(in.Flags.Number("bytes"))}
	if in.Flags.Bool("service") {
		p.Kind = types.LogService
	}
	if p.Max <= 0 || p.Max > types.MaxLogBytes {
		return nil, fmt.Errorf("%w: logs: -bytes %d: want 1 to %d", ErrUsage, p.Max, types.MaxLogBytes)
	}
	return p, nil
}
