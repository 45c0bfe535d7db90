package cli

import (
	"context"
	"flag"

	"github.com/jsorc/jsorc/engine/backend/kube"
	"github.com/jsorc/jsorc/internal/verbs"
)

// commands is the CLI's table of verbs: the verbs of internal/verbs (the
// same paths, usage, summaries and flags as the console's `:` line), each
// with how the CLI runs it and the flags only the CLI takes.
func commands() []command {
	runs := runners()
	extra := cliFlags()
	vs := verbs.All()
	out := make([]command, 0, len(vs))
	for i := range vs {
		v := &vs[i]
		c := command{path: v.Path, usage: v.Usage, summary: v.Summary, min: v.Min, max: v.Max,
			offline: offline[v.Path], verb: v}
		more := extra[v.Path]
		c.flags = func(fs *flag.FlagSet, o *opts) {
			o.vals = v.Define(fs)
			if more != nil {
				more(fs, o)
			}
		}
		c.run = runs[v.Path]
		if c.run == nil && v.Endpoint != "" {
			c.run = runAPI
		}
		out = append(out, c)
	}
	return out
}

// offline marks the verbs that talk to no engine: they take no token.
var offline = map[string]bool{"serve-action": true, "simulate": true, "doctor": true, "version": true}

// runners are the verbs the CLI runs its own way: those that run here, and
// the API verbs whose call is more than one request and an answer.
func runners() map[string]func(context.Context, *runner, []string) error {
	return map[string]func(context.Context, *runner, []string) error{
		"console":      runConsole,
		"serve":        runServe,
		"serve-action": runServeAction,
		"simulate":     runSimulate,
		"doctor":       runDoctor,
		"version":      runVersion,
		"app run":      runAppRun,
		"loadtest":     runLoadtest,
		"logs":         runLogs,
	}
}

// cliFlags are the flags only the CLI takes, by verb: how an engine is run
// and where, and serve-action's and simulate's settings.
func cliFlags() map[string]func(fs *flag.FlagSet, o *opts) {
	return map[string]func(fs *flag.FlagSet, o *opts){
		"console": consoleFlags,
		"serve":   serveFlags,
		"serve-action": func(fs *flag.FlagSet, o *opts) {
			fs.StringVar(&o.addr, "addr", "127.0.0.1:0", "address to listen on (port 0 picks a free one)")
			fs.StringVar(&o.socket, "socket", "", "also listen on this Unix domain socket (the local backend's engine calls its servers there)")
			fs.StringVar(&o.name, "name", "", "module name the spec reports (default MODULE, or the file's name)")
			fs.StringVar(&o.params, "params", "", "JSON object of the module's parameters")
			fs.StringVar(&o.wasm, "wasm", "", "serve this WebAssembly module (docs/wasm-abi.md) instead of a built-in")
			fs.StringVar(&o.wasmConfig, "wasm-config", "", "JSON object of the wasm module's settings: env, args, dirs, instances, memory_limit_mb, timeout, sha256")
			fs.StringVar(&o.wasmCache, "wasm-cache", "", "directory of the compiled-code cache (default: none, compile at start)")
			fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
		},
		"simulate": simulateFlags,
		"doctor": func(fs *flag.FlagSet, o *opts) {
			fs.StringVar(&o.data, "data", "", "data directory (default $JSORC_DATA or the user's data directory)")
			fs.BoolVar(&o.recover, "recover", false, "if jsorc.db is damaged, keep it as jsorc.db.damaged-<time> and replace it with what can be salvaged (stop the engine first)")
		},
	}
}

func serveFlags(fs *flag.FlagSet, o *opts) {
	serveTrustFlags(fs, o)
	fs.StringVar(&o.addr, "addr", "", "address of the API (default "+defaultAddrHelp+")")
	fs.StringVar(&o.data, "data", "", "data directory (default $JSORC_DATA or the user's data directory)")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&o.backend, "backend", "", "where remote action servers and kept-alive services run: local or kube (default local)")
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kube backend: kubeconfig of the cluster (default $KUBECONFIG, then META_CONFIG's kubernetes field, then ~/.kube/config)")
	fs.BoolVar(&o.inCluster, "in-cluster", false, "kube backend: use the service account of the pod jsorc runs in")
	fs.StringVar(&o.namespace, "namespace", "", "kube backend: namespace to work in (default META_CONFIG's namespace)")
	fs.StringVar(&o.image, "image", "", "kube backend: image of the built-in action servers (default $JSORC_IMAGE or "+kube.DefaultImage+")")
	fs.BoolVar(&o.recover, "recover", false, "if jsorc.db is damaged, keep it as jsorc.db.damaged-<time>, salvage what can be read and start from that")
}
