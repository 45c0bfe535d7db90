package engine

import (
	"errors"
	"slices"
	"time"

	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/services"
)

// Backend is where the engine runs remote action servers and kept-alive
// services (see package backend): the local backend, the kube backend, or
// a test's.
type Backend = backend.Backend[services.Definition, services.Info]

// BackendOpener opens a Backend; the Options of each backend package is
// one.
type BackendOpener = backend.Opener[services.Definition, services.Info]

// fromBackend gives a backend's error the engine's kind of the same name
// (so the API answers the right status); other errors pass unchanged.
func fromBackend(err error) error {
	for _, k := range []struct{ from, to error }{
		{backend.ErrInvalid, ErrInvalid},
		{backend.ErrConflict, ErrConflict},
		{backend.ErrUnavailable, ErrUnavailable},
	} {
		if errors.Is(err, k.from) {
			return errorf(k.to, "%w", err)
		}
	}
	return err
}

// backendMeta is what a backend reads of META_CONFIG.
func backendMeta(m MetaConfig) backend.Meta {
	bm := backend.Meta{
		KeepAlive:  backendServices(m.KeepAlive),
		Automation: m.Automation,
		Interval:   time.Duration(m.BackoffInterval) * time.Second,
		Namespace:  m.Namespace,
		InCluster:  m.Kubernetes.InCluster,
	}
	if m.Kubernetes.Config != nil {
		bm.Kubeconfig = *m.Kubernetes.Config
	}
	return bm
}

// engineServices are the kept-alive services the engine runs itself, not
// its backend.
var engineServices = []string{TaskServiceName, MailServiceName}

// backendServices is keep_alive without the engine's own services.
func backendServices(keep []string) []string {
	out := make([]string, 0, len(keep))
	for _, s := range keep {
		if !slices.Contains(engineServices, s) {
			out = append(out, s)
		}
	}
	return out
}
