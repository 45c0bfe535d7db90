package engine

import (
	"context"
	"slices"
	"strings"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/backend"
)

// Logs is jsorc_logs: a piece of the log of a module's action server or of
// a kept-alive service, read through the backend's LogSource (a file on
// the local backend, the pod's log on Kubernetes). A reader follows a log
// by asking again from the answer's Next with its ID.
func (e *Engine) Logs(ctx context.Context, p types.LogsParams) (types.LogsAnswer, error) {
	service := p.Kind == types.LogService
	kind := types.LogModule
	if service {
		kind = types.LogService
		if slices.Contains(engineServices, p.Name) {
			return types.LogsAnswer{}, errorf(ErrConflict, "service %s runs inside the engine: its messages are in the engine's own log", p.Name)
		}
		if _, ok := e.backend().Info()[p.Name]; !ok {
			return types.LogsAnswer{}, errorf(ErrNotFound, "no service %q (service info lists them)", p.Name)
		}
	} else if _, err := e.module(p.Name); err != nil {
		return types.LogsAnswer{}, err
	}
	b := e.backend()
	ls, ok := b.(backend.LogSource)
	if !ok {
		return types.LogsAnswer{}, errorf(ErrNotImplemented, "the %s backend keeps no logs", b.Name())
	}
	limit := p.Max
	if limit == 0 {
		limit = types.DefaultLogBytes
	}
	piece, err := ls.ReadLog(ctx, backend.LogQuery{Owner: p.Name, Service: service, Offset: p.Offset, Max: limit, ID: p.ID})
	if err != nil {
		return types.LogsAnswer{}, fromBackend(err)
	}
	return types.LogsAnswer{
		Name: p.Name, Kind: kind, Source: piece.Source, ID: piece.ID,
		Text:   strings.ToValidUTF8(string(piece.Data), "\uFFFD"),
		Offset: piece.Offset, Next: piece.Offset + int64(len(piece.Data)), Size: piece.Size, Reset: piece.Reset,
	}, nil
}
