package ui

import (
	"context"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/measure"
	"github.com/jsorc/jsorc/engine/services"
)

// Backend is what the console needs of an engine. The in-process engine
// (through Local) and an attached remote engine (*api.Client) both provide
// it, so the console shows and drives either the same way.
type Backend interface {
	StatusAll(ctx context.Context) (map[string]engine.ActionStatus, error)
	Load(ctx context.Context, name, mode string, wait bool) (engine.ActionStatus, error)
	Unload(ctx context.Context, name, mode string, retire bool) (string, error)
	PolicyGet(ctx context.Context) (engine.PolicyState, error)
	PolicySet(ctx context.Context, name string, params map[string]any) (string, error)
	Stats(ctx context.Context, n int) (engine.Stats, error)
	Call(ctx context.Context, name string, args map[string]any) (any, error)
	ServiceInfo(ctx context.Context) (map[string]services.Info, error)
	BenchmarkStart(ctx context.Context) error
	BenchmarkReport(ctx context.Context) (measure.Report, error)
	BenchmarkStop(ctx context.Context) (measure.Report, error)
	TrackActStart(ctx context.Context) error
	TrackActStop(ctx context.Context) ([]measure.Entry, error)
	TrackSysStart(ctx context.Context) error
	TrackSysReport(ctx context.Context) (measure.SysReport, error)
	TrackSysStop(ctx context.Context) (measure.SysReport, error)
	LoadTestProgress(ctx context.Context) (engine.LoadTestStatus, error)
}

// Local adapts an in-process engine to Backend.
func Local(e *engine.Engine) Backend { return localBackend{e} }

type localBackend struct{ e *engine.Engine }

func (l localBackend) StatusAll(context.Context) (map[string]engine.ActionStatus, error) {
	return l.e.StatusAll(), nil
}

func (l localBackend) Load(ctx context.Context, name, mode string, wait bool) (engine.ActionStatus, error) {
	return l.e.Load(ctx, name, mode, engine.LoadOptions{Wait: wait})
}

func (l localBackend) Unload(ctx context.Context, name, mode string, retire bool) (string, error) {
	return l.e.Unload(ctx, name, mode, retire)
}

func (l localBackend) PolicyGet(context.Context) (engine.PolicyState, error) {
	return l.e.PolicyGet(), nil
}

func (l localBackend) PolicySet(_ context.Context, name string, params map[string]any) (string, error) {
	return l.e.PolicySet(name, params)
}

func (l localBackend) Stats(_ context.Context, n int) (engine.Stats, error) { return l.e.Stats(n), nil }

func (l localBackend) ServiceInfo(context.Context) (map[string]services.Info, error) {
	return l.e.ServiceInfo(), nil
}

func (l localBackend) BenchmarkStart(context.Context) error { return l.e.BenchmarkStart() }

func (l localBackend) BenchmarkReport(context.Context) (measure.Report, error) {
	return l.e.BenchmarkReport()
}

func (l localBackend) BenchmarkStop(context.Context) (measure.Report, error) {
	return l.e.BenchmarkStop()
}

func (l localBackend) TrackActStart(context.Context) error { return l.e.TrackActStart() }

func (l localBackend) TrackActStop(context.Context) ([]measure.Entry, error) {
	return l.e.TrackActStop()
}

func (l localBackend) TrackSysStart(context.Context) error { return l.e.TrackSysStart() }

func (l localBackend) TrackSysReport(context.Context) (measure.SysReport, error) {
	return l.e.TrackSysReport(), nil
}

func (l localBackend) TrackSysStop(context.Context) (measure.SysReport, error) {
	return l.e.TrackSysStop()
}

func (l localBackend) LoadTestProgress(context.Context) (engine.LoadTestStatus, error) {
	return l.e.LoadTestProgress(), nil
}

func (l localBackend) Call(ctx context.Context, name string, args map[string]any) (any, error) {
	return l.e.Call(ctx, name, args)
}
