package kube

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/backend"
	k8s "github.com/jsorc/jsorc/kube"
)

// The CPU and memory of the action servers' pods, from the cluster's
// resource metrics API (metrics.k8s.io). Whether the cluster serves it is
// asked of discovery at the first reading and again every metricsRecheck
// (a metrics-server installed or removed while the engine runs), not at
// every reading; a reading is one list of the namespace's PodMetrics.

// metricsRecheck is how often discovery is asked again whether the
// cluster serves the metrics API; metricsRetry how soon after discovery
// itself failed (a timeout, an aggregated API whose server is down).
const (
	metricsRecheck = 3 * time.Minute
	metricsRetry   = 20 * time.Second
)

// metricsAPI remembers discovery's latest answer.
type metricsAPI struct {
	mu      sync.Mutex
	next    time.Time // when to ask discovery again
	served  error     // its answer: nil when served
	asked   bool
	reading *k8s.MetricsReader
}

// servedErr answers whether the cluster serves the metrics API, asking
// discovery when the last answer is due again.
func (kb *Backend) servedErr(ctx context.Context, now time.Time) error {
	m := &kb.metrics
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.asked && now.Before(m.next) {
		return m.served
	}
	if m.reading == nil {
		m.reading = kb.kc.Metrics()
	}
	err := m.reading.Served(ctx)
	m.asked, m.served = true, err
	switch {
	case err == nil || errors.Is(err, k8s.ErrNoMetricsAPI):
		m.next = now.Add(metricsRecheck)
	default:
		m.next = now.Add(metricsRetry)
	}
	if err != nil {
		kb.log.Debug("kube: no metrics API", "err", err)
	}
	return err
}

// forget makes the next reading ask discovery again.
func (m *metricsAPI) forget() {
	m.mu.Lock()
	m.asked = false
	m.mu.Unlock()
}

// ReadUsage implements backend.UsageReader: the PodMetrics of the
// namespace, one list, each pod given to its module by its Deployment's
// selector (from the informer cache) and summed per module. It fails with
// backend.ErrNoUsageSource when the cluster serves no metrics.k8s.io.
func (kb *Backend) ReadUsage(ctx context.Context) (backend.UsageReading, error) {
	if err := kb.servedErr(ctx, time.Now()); err != nil {
		if errors.Is(err, k8s.ErrNoMetricsAPI) {
			return backend.UsageReading{}, backend.Errorf(backend.ErrNoUsageSource, "%w", err)
		}
		return backend.UsageReading{}, err
	}
	kb.metrics.mu.Lock()
	r := kb.metrics.reading
	kb.metrics.mu.Unlock()
	pods, err := r.PodMetrics(ctx, "")
	if err != nil {
		if apierrors.IsNotFound(err) {
			// Removed since discovery said it was there.
			kb.metrics.forget()
			return backend.UsageReading{}, backend.Errorf(backend.ErrNoUsageSource, "%w (its PodMetrics answer 404)", k8s.ErrNoMetricsAPI)
		}
		return backend.UsageReading{}, err
	}
	return usageReading(pods, kb.observer.OwnerSelectors(), kb.observer.OwnerOfPod), nil
}

// usageReading sums pods per module; the pods of kept-alive services are
// left out.
func usageReading(pods []k8s.PodUsage, owners []k8s.OwnerSelector, ownerOfName func(string) string) backend.UsageReading {
	sums, podOwner := k8s.SumByOwner(pods, owners, ownerOfName)
	out := backend.UsageReading{Source: types.SourceMetricsAPI, Owners: map[string]backend.Usage{}, Pods: map[string]backend.Usage{}}
	for owner, s := range sums {
		if strings.HasPrefix(owner, serviceOwnerPrefix) {
			continue
		}
		out.Owners[owner] = backend.Usage{CPUCores: s.Cores(), MemBytes: uint64(max(0, s.MemBytes)), Pods: s.Pods}
	}
	for _, p := range pods {
		if owner := podOwner[p.Name]; owner != "" && !strings.HasPrefix(owner, serviceOwnerPrefix) {
			out.Pods[p.Name] = backend.Usage{CPUCores: p.Cores(), MemBytes: uint64(max(0, p.MemBytes)), Pods: 1}
		}
	}
	return out
}
