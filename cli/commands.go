package cli

import (
	"flag"

	"github.com/jsorc/jsorc/engine/backend/kube"
)

// commands is the table of every verb.
func commands() []command {
	modeFlag := func(def string) func(fs *flag.FlagSet, o *opts) {
		return func(fs *flag.FlagSet, o *opts) { fs.StringVar(&o.mode, "mode", def, "mode") }
	}
	return []command{
		{path: "console", usage: "[--theme NAME|FILE] [--data DIR] [--addr HOST:PORT] [--attach URL]", summary: "open the operations console (the default with no command)", max: 0,
			flags: consoleFlags, run: runConsole},
		{path: "serve", usage: "[--addr HOST:PORT] [--data DIR] [--backend local|kube] [--kubeconfig PATH | --in-cluster] [--namespace NS] [--image IMAGE]", summary: "run the engine headless, serving its API", max: 0,
			flags: serveFlags, run: runServe},
		{path: "serve-action", usage: "MODULE|--wasm FILE --addr HOST:PORT [--name NAME] [--params JSON] [--wasm-config JSON]", summary: "serve a built-in or WebAssembly module over the Jaseci action protocol", min: 0, max: 1,
			flags: func(fs *flag.FlagSet, o *opts) {
				fs.StringVar(&o.addr, "addr", "127.0.0.1:0", "address to listen on (port 0 picks a free one)")
				fs.StringVar(&o.name, "name", "", "module name the spec reports (default MODULE, or the file's name)")
				fs.StringVar(&o.params, "params", "", "JSON object of the module's parameters")
				fs.StringVar(&o.wasm, "wasm", "", "serve this WebAssembly module (docs/wasm-abi.md) instead of a built-in")
				fs.StringVar(&o.wasmConfig, "wasm-config", "", "JSON object of the wasm module's settings: env, args, dirs, instances, memory_limit_mb, timeout, sha256")
				fs.StringVar(&o.wasmCache, "wasm-cache", "", "directory of the compiled-code cache (default: none, compile at start)")
				fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
			}, run: runServeAction, offline: true},
		{path: "actions config", usage: "NAME SOURCE", summary: "configure module NAME (or all) from SOURCE: a YAML/JSON file, a .wasm module, or `builtin`", min: 2, max: 2, run: runActionsConfig},
		{path: "actions load", usage: "NAME -mode module|local|remote [-wait] [-timeout SECONDS]", summary: "load a module in-process or as a remote action server", min: 1, max: 1,
			flags: func(fs *flag.FlagSet, o *opts) {
				modeFlag("")(fs, o)
				fs.BoolVar(&o.wait, "wait", false, "block until a remote server is READY")
				fs.Float64Var(&o.timeout, "timeout", 60, "seconds to wait with -wait")
			}, run: runActionsLoad},
		{path: "actions status", usage: "[NAME]", summary: "status of one module, or of all", max: 1, run: runActionsStatus},
		{path: "actions unload", usage: "NAME [-mode auto|module|remote] [-retire_svc true|false]", summary: "unload a module (retire_svc also stops its remote server)", min: 1, max: 1,
			flags: func(fs *flag.FlagSet, o *opts) {
				modeFlag("auto")(fs, o)
				fs.BoolVar(&o.retire, "retire_svc", true, "stop the remote action server too")
			}, run: runActionsUnload},
		{path: "actions delete", usage: "NAME [-force]", summary: "forget a module's config (-force unloads a loaded one and retires its server first)", min: 1, max: 1,
			flags: func(fs *flag.FlagSet, o *opts) {
				fs.BoolVar(&o.force, "force", false, "unload the module and retire its action server if it is loaded")
			}, run: runActionsDelete},
		{path: "actions call", usage: "MODULE.ACTION [-ctx JSON]", summary: "call one action with a JSON object of arguments", min: 1, max: 1,
			flags: ctxFlag, run: runActionsCall},
		{path: "app config", usage: "FILE", summary: "define the apps (request flows) of a YAML/JSON file", min: 1, max: 1, run: runAppConfig},
		{path: "app list", summary: "list the defined apps", run: runAppList},
		{path: "app run", usage: "NAME [-ctx JSON]", summary: "run one request of an app", min: 1, max: 1, flags: ctxFlag, run: runAppRun},
		{path: "actionpolicy set", usage: "NAME [-params JSON]", summary: "set the action policy", min: 1, max: 1,
			flags: func(fs *flag.FlagSet, o *opts) {
				fs.StringVar(&o.params, "params", "", "JSON object of policy parameters")
			},
			run: runPolicySet},
		{path: "actionpolicy get", summary: "show the action policy", run: runPolicyGet},
		{path: "config set", usage: "NAME VALUE", summary: "set a config (META_CONFIG) to a JSON string", min: 2, max: 2, run: runConfigSet},
		{path: "config get", usage: "NAME", summary: "show a config (META_CONFIG)", min: 1, max: 1, run: runConfigGet},
		{path: "service refresh", usage: "NAME", summary: "apply META_CONFIG to the keep-alive loop (meta) or re-create a service", min: 1, max: 1, run: runServiceRefresh},
		{path: "service info", summary: "state of every kept-alive service", run: runServiceInfo},
		{path: "service config", usage: "FILE", summary: "define services to keep alive (YAML/JSON)", min: 1, max: 1, run: runServiceConfig},
		{path: "trackact start", summary: "start tracking action calls", run: plain("jsorc_trackact_start")},
		{path: "trackact stop", summary: "stop tracking and print the history", run: plain("jsorc_trackact_stop")},
		{path: "benchmark start", summary: "start a request benchmark", run: plain("jsorc_benchmark_start")},
		{path: "benchmark report", summary: "print the running benchmark's report", run: plain("jsorc_benchmark_report")},
		{path: "benchmark stop", summary: "stop the benchmark and print its report", run: plain("jsorc_benchmark_stop")},
		{path: "tracksys start", summary: "start sampling CPU, memory and network", run: plain("jsorc_tracksys_start")},
		{path: "tracksys report", summary: "print the system samples", run: plain("jsorc_tracksys_report")},
		{path: "tracksys stop", summary: "stop sampling and print the samples", run: plain("jsorc_tracksys_stop")},
		{path: "loadtest", usage: "-experiment APP -policy POLICY[,POLICY] [-mem GB] [-experiment_duration S] [-clients N | -rate R] [-plot FILE.svg]", summary: "run JSORC's load test experiment", flags: loadtestFlags, run: runLoadtest},
		{path: "simulate", usage: "[-seed N]", summary: "compare the policies on JSORC's experiment in a deterministic simulation", max: 0, flags: simulateFlags, run: runSimulate, offline: true},
		{path: "reports", usage: "KIND [-limit N]", summary: "stored reports: benchmark, trackact, tracksys or loadtest", min: 1, max: 1,
			flags: func(fs *flag.FlagSet, o *opts) { fs.Float64Var(&o.limit, "limit", 10, "how many of the newest") },
			run:   runReports},
		{path: "doctor", usage: "[--data DIR] [--recover]", summary: "check a data directory (database, lock, secrets' modes, services); --recover repairs a damaged database", max: 0,
			flags: func(fs *flag.FlagSet, o *opts) {
				fs.StringVar(&o.data, "data", "", "data directory (default $JSORC_DATA or the user's data directory)")
				fs.BoolVar(&o.recover, "recover", false, "if jsorc.db is damaged, keep it as jsorc.db.damaged-<time> and replace it with what can be salvaged (stop the engine first)")
			}, run: runDoctor, offline: true},
		{path: "version", summary: "print jsorc's version", run: runVersion, offline: true},
	}
}

func ctxFlag(fs *flag.FlagSet, o *opts) {
	fs.StringVar(&o.ctxJSON, "ctx", "", "JSON object of arguments")
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
