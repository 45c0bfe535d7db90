// Package pubsub is a small typed broker: publishers hand it values, each
// subscriber reads them from a channel of its own, and a slow subscriber
// never blocks a publisher or another subscriber.
//
// Two ways to publish: [Broker.Publish] delivers to every subscriber
// (must-deliver: results, state changes), [Broker.TryPublish] drops the
// value for a subscriber whose queue is already full (lossy: samples and
// other high-rate values whose next one supersedes them). A broker made
// with a key ([Options.Key]) coalesces: a subscriber holds at most one
// pending value per key, the latest, delivered in the order the keys first
// became pending. Such a queue is bounded by the number of keys, so nothing
// of the latest state is lost however slowly a subscriber reads.
//
// It knows nothing of what flows through it, and imports nothing of this
// project: the engine's events and the kube client's watch events both use
// it.
package pubsub
