package api

import (
	"context"

	"github.com/jsorc/jsorc/api/types"
)

// The handlers of JSORC's measuring tools: the benchmark, trackact and
// tracksys, and the stored reports.

func (h handlers) benchmarkStart(ctx context.Context, _ types.NoParams) (types.Empty, error) {
	return types.Empty{}, h.e.BenchmarkStart(ctx)
}

func (h handlers) benchmarkReport(context.Context, types.NoParams) (types.BenchmarkAnswer, error) {
	r, err := h.e.BenchmarkReport()
	return types.BenchmarkAnswer{Report: r}, err
}

func (h handlers) benchmarkStop(ctx context.Context, p types.BenchmarkStopParams) (types.BenchmarkAnswer, error) {
	r, err := h.e.BenchmarkStop(ctx)
	if err != nil || (p.Report != nil && !*p.Report) {
		return types.BenchmarkAnswer{}, err
	}
	return types.BenchmarkAnswer{Report: r}, nil
}

func (h handlers) trackactStart(ctx context.Context, _ types.NoParams) (types.Empty, error) {
	return types.Empty{}, h.e.TrackActStart(ctx)
}

func (h handlers) trackactStop(ctx context.Context, _ types.NoParams) (types.HistoryAnswer, error) {
	hist, err := h.e.TrackActStop(ctx)
	if err != nil {
		return types.HistoryAnswer{}, err
	}
	if hist == nil {
		hist = []types.Entry{}
	}
	return types.HistoryAnswer{History: hist}, nil
}

func (h handlers) tracksysStart(ctx context.Context, _ types.NoParams) (types.Empty, error) {
	return types.Empty{}, h.e.TrackSysStart(ctx)
}

func (h handlers) tracksysReport(context.Context, types.NoParams) (types.SysReport, error) {
	return h.e.TrackSysReport(), nil
}

func (h handlers) tracksysStop(ctx context.Context, _ types.NoParams) (types.SysReport, error) {
	return h.e.TrackSysStop(ctx)
}

func (h handlers) reports(_ context.Context, p types.ReportsParams) (types.ReportsAnswer, error) {
	if err := required("kind", p.Kind); err != nil {
		return types.ReportsAnswer{}, err
	}
	if err := p.Check(); err != nil {
		return types.ReportsAnswer{}, err
	}
	rs, err := h.e.Reports(p.Kind, p.Limit)
	return types.ReportsAnswer{Reports: rs}, err
}
