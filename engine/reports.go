package engine

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// Stored reports: every benchmark, trackact and tracksys stop and every load
// test is kept in the store, newest last, and pruned by age and count.
const (
	reportKeep   = 100
	reportMaxAge = 30 * 24 * time.Hour
)

// ReportKinds are the kinds of stored reports.
var reportKinds = []string{"benchmark", "trackact", "tracksys", "loadtest"}

// StoredReport is one stored report with when it was made (api/types).
type StoredReport = types.StoredReport

// saveReport stores a report of one kind and prunes the old ones, logging
// a failure.
func (e *Engine) saveReport(kind string, now time.Time, v any) {
	if err := e.storeReport(kind, now, v); err != nil {
		e.log.Warn("storing a report", "kind", kind, "err", err)
	}
}

// storeReport stores a report of one kind and prunes the old ones. A report
// that could not be stored (a full disk) is an error of kind ErrStorage; a
// failed pruning is only logged.
func (e *Engine) storeReport(kind string, now time.Time, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("engine: encoding the %s report: %w", kind, err)
	}
	if err := e.store.AppendReport(kind, now, b); err != nil {
		return errorf(ErrStorage, "the %s report could not be stored in %s: %w", kind, e.store.Path(), err)
	}
	if _, err := e.store.PruneReports(kind, now.Add(-reportMaxAge), reportKeep); err != nil {
		e.log.Warn("pruning reports", "kind", kind, "err", err)
	}
	return nil
}

// Reports returns the stored reports of a kind (benchmark, trackact,
// tracksys, loadtest), oldest first, at most limit of the newest (all when
// limit ≤ 0).
func (e *Engine) Reports(kind string, limit int) ([]StoredReport, error) {
	known := false
	for _, k := range reportKinds {
		known = known || k == kind
	}
	if !known {
		return nil, errorf(ErrInvalid, "report kind %q: want one of %v", kind, reportKinds)
	}
	rs, err := e.store.Reports(kind, time.Time{}, 0)
	if err != nil {
		return nil, fmt.Errorf("engine: reading %s reports: %w", kind, err)
	}
	if limit > 0 && len(rs) > limit {
		rs = rs[len(rs)-limit:]
	}
	out := make([]StoredReport, len(rs))
	for i, r := range rs {
		out[i] = StoredReport{TS: r.TS, Report: r.Value}
	}
	return out, nil
}
