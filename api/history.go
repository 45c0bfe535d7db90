package api

import (
	"context"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// history answers the graph history of the engine or of one module.
func (h handlers) history(_ context.Context, p types.HistoryParams) (types.SeriesAnswer, error) {
	if err := p.Check(); err != nil {
		return types.SeriesAnswer{}, err
	}
	if p.Module != "" {
		if _, err := h.e.Status(p.Module); err != nil {
			return types.SeriesAnswer{}, err
		}
	}
	span := time.Duration(p.SpanS * float64(time.Second))
	return types.SeriesAnswer{Module: p.Module, Points: h.e.History(p.Module, p.Since, span)}, nil
}

// recentEvents answers the events the engine keeps, for a watcher that
// starts (the event stream follows from the answer's Seq on).
func (h handlers) recentEvents(_ context.Context, p types.EventsParams) (types.EventsAnswer, error) {
	if err := p.Check(); err != nil {
		return types.EventsAnswer{}, err
	}
	// The number first: an event published between the two reads is in
	// the list, and the stream started at Seq sends it again (a watcher
	// drops it by its number).
	a := types.EventsAnswer{Boot: h.e.EventBoot(), Seq: h.e.EventSeq()}
	evs, complete := h.e.EventsSince(p.Since)
	if p.Limit > 0 && len(evs) > p.Limit {
		evs, complete = evs[len(evs)-p.Limit:], false
	}
	if evs == nil {
		evs = []types.Event{}
	}
	a.Events, a.Complete = evs, complete
	return a, nil
}
