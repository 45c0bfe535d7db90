package local

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/jsorc/jsorc/engine/backend"
	supervise "github.com/jsorc/jsorc/engine/local"
)

// LogPath is the log file of a module's action server (service false) or
// of a kept-alive service in the data directory dataDir.
func LogPath(dataDir, owner string, service bool) string {
	prefix := "action-"
	if service {
		prefix = "service-"
	}
	return filepath.Join(dataDir, "logs", prefix+owner+".log")
}

// ReadLog reads a piece of an action server's or a service's log file (a
// backend.LogSource). A log that does not exist yet is an ErrConflict
// naming the file it would be.
func (b *Backend) ReadLog(_ context.Context, q backend.LogQuery) (backend.LogPiece, error) {
	path := LogPath(b.dataDir, q.Owner, q.Service)
	p, err := supervise.ReadLog(path, q.Offset, q.Max, q.ID)
	if errors.Is(err, supervise.ErrNoLog) {
		what := "the action server of " + q.Owner + " has not run"
		if q.Service {
			what = "service " + q.Owner + " has not run"
		}
		return backend.LogPiece{Source: path}, backend.Errorf(backend.ErrConflict, "no log yet: %s on this engine's machine (its log will be %s)", what, path)
	}
	if err != nil {
		return backend.LogPiece{Source: path}, err
	}
	return backend.LogPiece{Source: path, ID: p.ID, Data: p.Data, Offset: p.Offset, Size: p.Size, Reset: p.Reset}, nil
}
