package api

import (
	"context"
	"net/http"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
)

// route is one endpoint of api/types as the server serves it: its handler,
// and what one call of it may cost.
type route struct {
	info types.EndpointInfo
	// serve decodes a request's body into the endpoint's parameters, bounds
	// the call's time and calls the handler.
	serve func(w http.ResponseWriter, r *http.Request, body []byte) (any, error)
	// call calls the handler in-process (Local): params and answer are the
	// endpoint's types.
	call func(ctx context.Context, params, answer any) error
	// large marks an endpoint that takes a file's text or call arguments,
	// and so a body up to Limits.LargeBody.
	large bool
	// heavy marks an endpoint whose work is heavy whatever its body's
	// size: it parses a configuration or reads stored reports.
	heavy bool
	// within is how long a call may take over HTTP, when its parameters
	// do not say (defaultBudget).
	within time.Duration
	// numbers keeps the numbers of the parameters as json.Number, their
	// literal end to end: the endpoints that carry action arguments.
	numbers bool
}

// routeOption sets what a route may cost.
type routeOption func(*route)

// large lets a route take a body up to Limits.LargeBody.
func large(r *route) { r.large = true }

// heavy makes every call of a route take a heavy slot.
func heavy(r *route) { r.heavy = true }

// numbers keeps a route's numbers as they were written (action arguments).
func numbers(r *route) { r.numbers = true }

// within lets a route's calls take d over HTTP.
func within(d time.Duration) routeOption { return func(r *route) { r.within = d } }

// bind serves endpoint ep with handler h. budget, when set, says how long
// a call with parameters p may take over HTTP.
func bind[P, A any](ep types.Endpoint[P, A], h func(context.Context, P) (A, error), budget func(P) time.Duration, opts ...routeOption) route {
	rt := route{info: ep.Info(), call: types.Bind(ep, h), within: defaultBudget}
	for _, o := range opts {
		o(&rt)
	}
	within, keepNumbers := rt.within, rt.numbers
	rt.serve = func(w http.ResponseWriter, r *http.Request, body []byte) (any, error) {
		var p P
		if err := decodeParams(body, &p, keepNumbers); err != nil {
			return nil, err
		}
		d := within
		if budget != nil {
			d = budget(p)
		}
		ctx, cancel := withBudget(w, r, d)
		defer cancel()
		return h(ctx, p)
	}
	return rt
}

// handlers are the API's endpoint handlers: each checks its parameters,
// calls the engine and shapes the answer. They serve HTTP (Server) and
// in-process callers (Local) alike.
type handlers struct {
	e *engine.Engine
}

// routes binds every endpoint of api/types to its handler: the one table
// of the API on the server's side.
func (h handlers) routes() []route {
	return []route{
		bind(types.ActionsConfig, h.actionsConfig, nil, large, heavy),
		bind(types.ActionsLoad, h.actionsLoad, loadBudget),
		bind(types.ActionsStatus, h.actionsStatus, nil),
		bind(types.ActionsUnload, h.actionsUnload, nil, within(unloadBudget)),
		bind(types.ActionsDelete, h.actionsDelete, nil, within(unloadBudget)),
		bind(types.ActionsScale, h.actionsScale, nil, within(unloadBudget)),
		bind(types.ActionsCall, h.actionsCall, nil, within(callBudget), large, numbers),
		bind(types.PolicySet, h.policySet, nil),
		bind(types.PolicyGet, h.policyGet, nil),
		bind(types.ConfigSet, h.configSet, nil),
		bind(types.ConfigGet, h.configGet, nil),
		bind(types.ConfigList, h.configList, nil),
		bind(types.ConfigExists, h.configExists, nil),
		bind(types.ConfigDelete, h.configDelete, nil),
		bind(types.ActionsList, h.actionsList, nil),
		bind(types.ModuleList, h.moduleList, nil),
		bind(types.JsorcRefresh, h.jsorcRefresh, nil),
		bind(types.ServiceRefresh, h.serviceRefresh, nil),
		bind(types.Services, h.serviceInfo, nil),
		bind(types.ServiceConfig, h.serviceConfig, nil, large, heavy),
		bind(types.AppConfig, h.appConfig, nil, large, heavy),
		bind(types.AppList, h.appList, nil),
		bind(types.AppRun, h.appRun, nil, within(callBudget), large, numbers),
		bind(types.EngineStats, h.stats, nil),
		bind(types.BenchmarkStart, h.benchmarkStart, nil),
		bind(types.BenchmarkReport, h.benchmarkReport, nil),
		bind(types.BenchmarkStop, h.benchmarkStop, nil),
		bind(types.TrackActStart, h.trackactStart, nil),
		bind(types.TrackActStop, h.trackactStop, nil),
		bind(types.TrackSysStart, h.tracksysStart, nil),
		bind(types.TrackSysReport, h.tracksysReport, nil),
		bind(types.TrackSysStop, h.tracksysStop, nil),
		bind(types.LoadTest, h.loadtest, loadTestBudget, large),
		bind(types.LoadTestProgress, h.loadTestProgress, nil),
		bind(types.Reports, h.reports, nil, heavy),
		bind(types.Logs, h.logs, nil),
		bind(types.ActionsDescribe, h.actionsDescribe, nil),
		bind(types.EngineInfo, h.engineInfo, nil),
		bind(types.History, h.history, nil),
		bind(types.RecentEvents, h.recentEvents, nil),
	}
}

// routeTable indexes routes by endpoint name.
func routeTable(e *engine.Engine) map[string]route {
	rs := handlers{e: e}.routes()
	out := make(map[string]route, len(rs))
	for _, r := range rs {
		out[r.info.Name] = r
	}
	return out
}
