package engine

import "context"

// KubeKeepAliveTick runs one keep-alive tick of an engine on the kube
// backend over every kept service, as its loop does every backoff_interval.
// Benchmarks call it to count the API requests of a tick.
func KubeKeepAliveTick(ctx context.Context, e *Engine) {
	e.kube.keeper.tick(ctx, true)
}
