package api

import (
	"context"
	"errors"

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

// The stops of a tool that does not run answer JSORC's empties: {}, [],
// {"active": false, "states": []}. (A report asked of a benchmark that
// does not run is still refused: JSORC had none to give either.)

func (h handlers) benchmarkStop(ctx context.Context, p types.BenchmarkStopParams) (types.BenchmarkAnswer, error) {
	r, err := h.e.BenchmarkStop(ctx)
	if errors.Is(err, types.ErrNotStarted) && !p.Strict {
		return types.BenchmarkAnswer{}, nil
	}
	if err != nil || (p.Report != nil && !*p.Report) {
		return types.BenchmarkAnswer{}, err
	}
	return types.BenchmarkAnswer{Report: r}, nil
}

func (h handlers) trackactStart(ctx context.Context, _ types.NoParams) (types.Empty, error) {
	return types.Empty{}, h.e.TrackActStart(ctx)
}

func (h handlers) trackactStop(ctx context.Context, p types.StopParams) (types.HistoryAnswer, error) {
	hist, err := h.e.TrackActStop(ctx)
	if errors.Is(err, types.ErrNotStarted) && !p.Strict {
		return types.HistoryAnswer{History: []types.Entry{}}, nil
	}
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

func (h handlers) tracksysStop(ctx context.Context, p types.StopParams) (types.SysReport, error) {
	r, err := h.e.TrackSysStop(ctx)
	if errors.Is(err, types.ErrNotStarted) && !p.Strict {
		return types.SysReport{States: []types.SysState{}}, nil
	}
	return r, err
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
