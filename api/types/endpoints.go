package types

// The API's endpoints: JSORC's names (DESIGN §4) and jsorc's own. This is
// the one description of the API: the server binds a handler to each, the
// client and the in-process engine call them through [Call], and the
// command table of the CLI and the console names them.
var (
	ActionsConfig = admin[ActionsConfigParams, ConfiguredAnswer]("jsorc_actions_config",
		"configure a module (or all) from a config's text or `builtin`")
	ActionsLoad = admin[ActionsLoadParams, StatusAnswer]("jsorc_actions_load",
		"load a module in-process or as a remote action server")
	ActionsStatus = admin[ActionsStatusParams, ActionsStatusAnswer]("jsorc_actions_status",
		"the status of one module, or of every module")
	ActionsUnload = admin[ActionsUnloadParams, MessageAnswer]("jsorc_actions_unload",
		"unload a module, retiring its remote server unless told not to")
	ActionsDelete = admin[ActionsDeleteParams, MessageAnswer]("jsorc_actions_delete",
		"forget a module's config; force unloads a loaded one and retires its server first")
	ActionsScale = admin[ActionsScaleParams, MessageAnswer]("jsorc_actions_scale",
		"set how many replicas of its remote action server a module runs, within its config's replicas range")
	ActionsCall = admin[CallParams, CallAnswer]("actions_call",
		"call one action with a JSON object of arguments")
	PolicySet = admin[PolicySetParams, MessageAnswer]("jsorc_actionpolicy_set",
		"set the action policy")
	PolicyGet = admin[NoParams, PolicyAnswer]("jsorc_actionpolicy_get",
		"the action policy, what it does and its last moves")
	ConfigSet = admin[ConfigParams, Empty]("config_set",
		"set a config (META_CONFIG, MAIL_CONFIG) to a JSON string or object")
	ConfigGet = admin[ConfigParams, ConfigValueAnswer]("config_get",
		"a config (META_CONFIG, MAIL_CONFIG) as a JSON string")
	ConfigList = admin[NoParams, ConfigListAnswer]("config_list",
		"the configs that hold a value")
	ConfigExists = admin[NameParams, ConfigExistsAnswer]("config_exists",
		"whether a config holds a value")
	ConfigDelete = admin[NameParams, ConfigDeleteAnswer]("config_delete",
		"delete a config (META_CONFIG goes back to its defaults)")
	ActionsList = admin[ActionsListParams, ActionsListAnswer]("actions_list",
		"the actions that answer calls now, optionally those starting with name")
	ModuleList = admin[ModuleListParams, ModuleListAnswer]("actions_module_list",
		"the modules that serve in-process (detailed: with their actions)")
	JsorcRefresh = admin[NoParams, RefreshAnswer]("jsorc_refresh",
		"apply the stored META_CONFIG again and show the keep-alive loop's config")
	ServiceRefresh = admin[NameParams, MessageAnswer]("service_refresh",
		"apply META_CONFIG to the keep-alive loop (meta) or re-create a service")
	Services = admin[NoParams, ServicesAnswer]("service_info",
		"the state of every kept-alive service")
	ServiceConfig = admin[AppConfigParams, ServiceNamesAnswer]("service_config",
		"define services to keep alive from a YAML/JSON text")
	AppConfig = admin[AppConfigParams, AppNamesAnswer]("app_config",
		"define apps (request flows) from a YAML/JSON text")
	AppList = admin[NoParams, AppsAnswer]("app_list",
		"every defined app")
	AppRun = Endpoint[CallParams, AppResult]{name: "app_run", path: "/js/app_run",
		doc: "run one request of an app"}
	EngineStats = admin[StatsParams, StatsAnswer]("jsorc_stats",
		"the engine's measurements and its recent time series")
	BenchmarkStart = admin[NoParams, Empty]("jsorc_benchmark_start",
		"start a request benchmark")
	BenchmarkReport = admin[NoParams, BenchmarkAnswer]("jsorc_benchmark_report",
		"the running benchmark's report")
	BenchmarkStop = admin[BenchmarkStopParams, BenchmarkAnswer]("jsorc_benchmark_stop",
		"stop the benchmark and answer its report")
	TrackActStart = admin[NoParams, Empty]("jsorc_trackact_start",
		"start tracking action calls")
	TrackActStop = admin[StopParams, HistoryAnswer]("jsorc_trackact_stop",
		"stop tracking action calls and answer the history")
	TrackSysStart = admin[NoParams, Empty]("jsorc_tracksys_start",
		"start sampling CPU, memory and network")
	TrackSysReport = admin[NoParams, SysReport]("jsorc_tracksys_report",
		"the system samples so far")
	TrackSysStop = admin[StopParams, SysReport]("jsorc_tracksys_stop",
		"stop sampling and answer the samples")
	LoadTest = admin[LoadTestParams, LoadTestAnswer]("jsorc_loadtest",
		"run JSORC's load test experiment")
	LoadTestProgress = admin[NoParams, LoadTestStatus]("jsorc_loadtest_status",
		"what the running load test is doing")
	Reports = admin[ReportsParams, ReportsAnswer]("jsorc_reports",
		"the newest stored reports of one kind")
	ActionsDescribe = admin[NameParams, DescribeAnswer]("jsorc_actions_describe",
		"one module in full: status, config, actions with their parameters, recent history, log")
	EngineInfo = admin[NoParams, EngineInfoAnswer]("jsorc_engine_info",
		"where the engine runs action servers and services: the backend, and on Kubernetes the context, server and namespace")
	Logs = admin[LogsParams, LogsAnswer]("jsorc_logs",
		"a piece of the log of a module's action server or of a service, from an offset (follow: ask again from next)")
	History = admin[HistoryParams, SeriesAnswer]("jsorc_history",
		"the graph history of the engine or of one module, downsampled with age")
	RecentEvents = admin[EventsParams, EventsAnswer]("jsorc_events",
		"the engine's latest kept events (the stream at /js_admin/events follows them live)")
)

// Endpoints lists every endpoint of the API.
func Endpoints() []EndpointInfo {
	return []EndpointInfo{
		ActionsConfig.Info(), ActionsLoad.Info(), ActionsStatus.Info(), ActionsUnload.Info(),
		ActionsDelete.Info(), ActionsScale.Info(), ActionsCall.Info(), PolicySet.Info(), PolicyGet.Info(), ConfigSet.Info(), ConfigGet.Info(),
		ConfigList.Info(), ConfigExists.Info(), ConfigDelete.Info(), ActionsList.Info(), ModuleList.Info(), JsorcRefresh.Info(),
		ServiceRefresh.Info(), Services.Info(), ServiceConfig.Info(), AppConfig.Info(),
		AppList.Info(), AppRun.Info(), EngineStats.Info(), BenchmarkStart.Info(), BenchmarkReport.Info(),
		BenchmarkStop.Info(), TrackActStart.Info(), TrackActStop.Info(), TrackSysStart.Info(),
		TrackSysReport.Info(), TrackSysStop.Info(), LoadTest.Info(), LoadTestProgress.Info(),
		Reports.Info(), Logs.Info(), ActionsDescribe.Info(), EngineInfo.Info(), History.Info(), RecentEvents.Info(),
	}
}

// Reads lists the endpoints that change nothing: what a read-only client
// (the console's --readonly) may call. Every other endpoint changes the
// engine or runs actions.
func Reads() []string {
	return []string{
		ActionsStatus.Name(), ActionsDescribe.Name(), PolicyGet.Name(), ConfigGet.Name(),
		Services.Name(), AppList.Name(), EngineStats.Name(), BenchmarkReport.Name(),
		TrackSysReport.Name(), LoadTestProgress.Name(), Reports.Name(), Logs.Name(), EngineInfo.Name(),
	}
}

// IsRead reports whether the endpoint of a name changes nothing.
func IsRead(name string) bool {
	for _, r := range Reads() {
		if r == name {
			return true
		}
	}
	return false
}
