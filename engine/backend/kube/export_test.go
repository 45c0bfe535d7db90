package kube

import "context"

// KeepAliveTick runs one keep-alive tick over every kept service, as the
// loop does every backoff_interval. Benchmarks call it to count the API
// requests of a tick.
func (kb *Backend) KeepAliveTick(ctx context.Context) {
	kb.keeper.tick(ctx, true)
}
