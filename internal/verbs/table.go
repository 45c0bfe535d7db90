package verbs

import "github.com/jsorc/jsorc/api/types"

// Flag lists shared by several verbs.
var (
	loadModes   = []string{"module", "local", "remote"}
	unloadModes = []string{"auto", "module", "local", "remote"}
	reportKinds = []string{"benchmark", "trackact", "tracksys", "loadtest"}
)

// ctxFlag is the JSON object of arguments of a call.
func ctxFlag(usage string) Flag { return Flag{Name: "ctx", Usage: usage} }

// All is the table of every verb, in the order help lists them.
func All() []Verb {
	vs := []Verb{
		{Path: "console", Usage: "[--theme NAME|FILE] [--data DIR] [--addr HOST:PORT] [--attach URL] [--readonly]",
			Summary: "open the operations console (the default with no command)",
			Here:    "opens a console: this is one already"},
		{Path: "serve", Usage: "[--addr HOST:PORT] [--data DIR] [--backend local|kube] [--kubeconfig PATH | --in-cluster] [--namespace NS] [--image IMAGE]",
			Summary: "run the engine headless, serving its API",
			Here:    "runs an engine of its own: this console already shows one (run it in a shell to serve another)"},
		{Path: "serve-action", Usage: "MODULE|--wasm FILE --addr HOST:PORT [--name NAME] [--params JSON] [--wasm-config JSON]", Min: 0, Max: 1,
			Summary: "serve a built-in or WebAssembly module over the Jaseci action protocol",
			Here:    "runs an action server in the foreground: run it in a shell (the engine starts its own with actions load -mode remote)"},
		{Path: "actions config", Usage: "NAME SOURCE", Min: 2, Max: 2, Args: ArgModule,
			Summary:  "configure module NAME (or all) from SOURCE: a YAML/JSON file, a .wasm module, or `builtin`",
			Endpoint: types.ActionsConfig.Name(), Params: actionsConfig},
		{Path: "actions load", Usage: "NAME -mode module|local|remote [-wait] [-timeout SECONDS]", Min: 1, Max: 1, Args: ArgModule,
			Summary: "load a module in-process or as a remote action server",
			Flags: []Flag{
				{Name: "mode", Usage: "where the module runs", Values: loadModes},
				{Name: "wait", Kind: Bool, Default: "false", Usage: "block until a remote server is READY"},
				{Name: "timeout", Kind: Number, Default: "60", Usage: "seconds to wait with -wait"},
			},
			Endpoint: types.ActionsLoad.Name(), Params: actionsLoad},
		{Path: "actions status", Usage: "[NAME]", Max: 1, Args: ArgModule,
			Summary:  "status of one module, or of all",
			Endpoint: types.ActionsStatus.Name(), Params: actionsStatus},
		{Path: "actions describe", Usage: "NAME", Min: 1, Max: 1, Args: ArgModule,
			Summary:  "one module in full: config, actions with their parameters, history, log",
			Endpoint: types.ActionsDescribe.Name(), Params: func(in Input) (any, error) { return types.NameParams{Name: in.Args[0]}, nil }},
		{Path: "actions unload", Usage: "NAME [-mode auto|module|remote] [-retire_svc true|false]", Min: 1, Max: 1, Args: ArgModule,
			Summary: "unload a module (retire_svc also stops its remote server)",
			Flags: []Flag{
				{Name: "mode", Default: "auto", Usage: "the mode to unload from", Values: unloadModes},
				{Name: "retire_svc", Kind: Bool, Default: "true", Usage: "stop the remote action server too"},
			},
			Endpoint: types.ActionsUnload.Name(), Params: actionsUnload},
		{Path: "actions delete", Usage: "NAME [-force]", Min: 1, Max: 1, Args: ArgModule,
			Summary:  "forget a module's config (-force unloads a loaded one and retires its server first)",
			Flags:    []Flag{{Name: "force", Kind: Bool, Default: "false", Usage: "unload the module and retire its action server if it is loaded"}},
			Endpoint: types.ActionsDelete.Name(), Params: actionsDelete},
		{Path: "actions scale", Usage: "NAME REPLICAS|auto", Min: 2, Max: 2, Args: ArgModule,
			Summary: "set how many replicas of its remote action server a module runs (within its config's replicas: {min, max}); " +
				"a count set by hand is pinned: the autoscaler leaves the module alone until `actions scale NAME auto` hands it back",
			Endpoint: types.ActionsScale.Name(), Params: actionsScale},
		{Path: "actions call", Usage: "MODULE.ACTION [-ctx JSON]", Min: 1, Max: 1, Args: ArgAction,
			Summary:  "call one action with a JSON object of arguments",
			Flags:    []Flag{ctxFlag("JSON object of arguments")},
			Endpoint: types.ActionsCall.Name(), Params: actionsCall},
		{Path: "actions list", Usage: "[-name PREFIX]", Max: 0,
			Summary:  "list the actions that answer calls now (JSORC's actions_list)",
			Flags:    []Flag{{Name: "name", Usage: "only the actions whose name starts with this"}},
			Endpoint: types.ActionsList.Name(), Params: actionsList},
		{Path: "actions module list", Usage: "[-detailed]", Max: 0,
			Summary:  "list the modules that serve in-process (JSORC's actions_module_list)",
			Flags:    []Flag{{Name: "detailed", Kind: Bool, Default: "false", Usage: "with each module's actions"}},
			Endpoint: types.ModuleList.Name(), Params: moduleList},
		{Path: "app config", Usage: "FILE", Min: 1, Max: 1, Args: ArgFile,
			Summary:  "define the apps (request flows) of a YAML/JSON file",
			Endpoint: types.AppConfig.Name(), Params: appConfig},
		{Path: "app list", Summary: "list the defined apps",
			Endpoint: types.AppList.Name(), Params: noParams},
		{Path: "app run", Usage: "NAME [-ctx JSON]", Min: 1, Max: 1, Args: ArgApp,
			Summary:  "run one request of an app",
			Flags:    []Flag{ctxFlag("JSON object of arguments")},
			Endpoint: types.AppRun.Name(), Params: appRun},
		{Path: "actionpolicy set", Usage: "NAME [-params JSON]", Min: 1, Max: 1, Args: ArgPolicy,
			Summary:  "set the action policy",
			Flags:    []Flag{{Name: "params", Usage: "JSON object of policy parameters (every policy also takes the autoscaler's per_replica, up_slowdown, down_slowdown, down_ticks, down_util; see docs/policies.md)"}},
			Endpoint: types.PolicySet.Name(), Params: policySet},
		{Path: "actionpolicy get", Summary: "show the action policy",
			Endpoint: types.PolicyGet.Name(), Params: noParams},
		{Path: "config set", Usage: "NAME VALUE", Min: 2, Max: 2,
			Summary:  "set a config (META_CONFIG) to a JSON string",
			Endpoint: types.ConfigSet.Name(), Params: configSet},
		{Path: "config get", Usage: "NAME", Min: 1, Max: 1,
			Summary:  "show a config (META_CONFIG)",
			Endpoint: types.ConfigGet.Name(), Params: configGet},
		{Path: "config list", Summary: "list the configs that hold a value",
			Endpoint: types.ConfigList.Name(), Params: noParams},
		{Path: "config exists", Usage: "NAME", Min: 1, Max: 1,
			Summary:  "say whether a config holds a value (true or false)",
			Endpoint: types.ConfigExists.Name(), Params: nameParam},
		{Path: "config delete", Usage: "NAME", Min: 1, Max: 1,
			Summary:  "delete a config (META_CONFIG goes back to its defaults)",
			Endpoint: types.ConfigDelete.Name(), Params: nameParam},
		{Path: "refresh", Summary: "apply the stored META_CONFIG again and show the keep-alive loop's config (JSORC's jsorc refresh)",
			Endpoint: types.JsorcRefresh.Name(), Params: noParams},
		{Path: "service refresh", Usage: "NAME", Min: 1, Max: 1,
			Summary:  "apply META_CONFIG to the keep-alive loop (meta) or re-create a service",
			Endpoint: types.ServiceRefresh.Name(), Params: serviceRefresh},
		{Path: "service info", Summary: "state of every kept-alive service",
			Endpoint: types.Services.Name(), Params: noParams},
		{Path: "service config", Usage: "FILE", Min: 1, Max: 1, Args: ArgFile,
			Summary:  "define services to keep alive (YAML/JSON)",
			Endpoint: types.ServiceConfig.Name(), Params: serviceConfig},
		measuring("trackact start", "start tracking action calls", types.TrackActStart.Name()),
		stopping("trackact stop", "stop tracking and print the history", types.TrackActStop.Name()),
		measuring("benchmark start", "start a request benchmark", types.BenchmarkStart.Name()),
		measuring("benchmark report", "print the running benchmark's report", types.BenchmarkReport.Name()),
		{Path: "benchmark stop", Summary: "stop the benchmark and print its report",
			Endpoint: types.BenchmarkStop.Name(), Params: func(Input) (any, error) { return types.BenchmarkStopParams{Strict: true}, nil }},
		measuring("tracksys start", "start sampling CPU, memory and network", types.TrackSysStart.Name()),
		measuring("tracksys report", "print the system samples", types.TrackSysReport.Name()),
		stopping("tracksys stop", "stop sampling and print the samples", types.TrackSysStop.Name()),
		{Path: "loadtest", Usage: "-experiment APP -policy POLICY[,POLICY] [-mem GB] [-experiment_duration S] [-clients N | -rate R] [-plot FILE.svg]",
			Summary: "run JSORC's load test experiment", Max: 0, Long: true,
			Flags:    loadTestFlags(),
			Endpoint: types.LoadTest.Name(), Params: loadTest},
		{Path: "simulate", Usage: "[-seed N]", Max: 0,
			Summary: "compare the policies on JSORC's experiment in a deterministic simulation",
			Here:    "runs offline and prints a table: run it in a shell"},
		{Path: "reports", Usage: "KIND [-limit N]", Min: 1, Max: 1, Args: ArgReportKind,
			Summary:  "stored reports: benchmark, trackact, tracksys or loadtest",
			Flags:    []Flag{{Name: "limit", Kind: Number, Default: "10", Usage: "how many of the newest"}},
			Endpoint: types.Reports.Name(), Params: reports},
		{Path: "engine info", Summary: "where the engine runs action servers and services: backend, cluster, namespace",
			Endpoint: types.EngineInfo.Name(), Params: noParams},
		{Path: "logs", Usage: "NAME [-service] [-bytes N] [-f]", Min: 1, Max: 1, Args: ArgModule,
			Summary: "the log of a module's action server (or, with -service, of a kept-alive service); -f follows it",
			Flags: []Flag{
				{Name: "service", Kind: Bool, Default: "false", Usage: "NAME is a kept-alive service, not a module"},
				{Name: "bytes", Kind: Number, Default: "8192", Usage: "how much of the log's end to show first"},
				{Name: "f", Kind: Bool, Default: "false", Usage: "follow the log as it grows (ctrl+c ends)", CLI: true},
			},
			Endpoint: types.Logs.Name(), Params: logs},
		{Path: "doctor", Usage: "[--data DIR] [--recover]", Max: 0,
			Summary: "check a data directory (database, lock, secrets' modes, services); --recover repairs a damaged database",
			Here:    "checks a data directory while no engine uses it: run it in a shell with the engine stopped"},
		{Path: "version", Summary: "print jsorc's version",
			Here: "prints the version of the jsorc binary: run `jsorc version` in a shell"},
	}
	return vs
}

// measuring is a verb of a measuring tool: no arguments.
func measuring(path, summary, endpoint string) Verb {
	return Verb{Path: path, Summary: summary, Endpoint: endpoint, Params: noParams}
}

// stopping is the stop verb of a measuring tool: stopping one that does
// not run is an error here (the API answers JSORC's empty report then).
func stopping(path, summary, endpoint string) Verb {
	return Verb{Path: path, Summary: summary, Endpoint: endpoint,
		Params: func(Input) (any, error) { return types.StopParams{Strict: true}, nil }}
}

// loadTestFlags are the load test's parameters, with JSORC's names.
func loadTestFlags() []Flag {
	return []Flag{
		{Name: "test", Usage: "name of the run in the stored report"},
		{Name: "experiment", Usage: "the app to drive"},
		{Name: "policy", Usage: "all_local, all_remote, evaluation, costmodel (several: comma-separated)"},
		{Name: "mem", Kind: Number, Usage: "node memory in GB the placement must fit (JSORC's 4, 6, 8)"},
		{Name: "mem_scale", Kind: Number, Usage: "scale of mem to the modules' memory (0.1 for testdata's modules)"},
		{Name: "experiment_duration", Kind: Number, Usage: "seconds per run (default 180)"},
		{Name: "eval_phase", Kind: Number, Usage: "evaluation policy: seconds per candidate"},
		{Name: "perf_phase", Kind: Number, Usage: "evaluation policy: seconds to hold the best"},
		{Name: "clients", Kind: Number, Usage: "closed loop of N clients (default 1)"},
		{Name: "rate", Kind: Number, Usage: "open loop at this many requests per second"},
		ctxFlag("JSON object: each request's context"),
		{Name: "plot", Usage: "write an SVG plot of latency over time per policy to this file", CLI: true},
	}
}
