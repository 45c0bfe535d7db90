package pubsub

import (
	"context"
	"sync"
)

// DefaultBuffer is how many values a subscriber's queue holds before
// TryPublish drops values for it, when Options.Buffer is zero.
const DefaultBuffer = 64

// Options configure a Broker.
type Options[T any] struct {
	// Buffer bounds a subscriber's queue for TryPublish (default
	// DefaultBuffer). Publish is not bounded by it.
	Buffer int
	// Key, when set, makes the broker coalesce: a subscriber keeps only the
	// latest pending value of each key.
	Key func(T) string
}

// Broker fans values of type T out to subscribers. Its methods are safe for
// concurrent use. The zero value is not usable: make one with NewBroker.
type Broker[T any] struct {
	opts Options[T]

	mu     sync.Mutex
	subs   map[*subscriber[T]]struct{}
	closed bool
}

// NewBroker returns a broker with no subscribers. It starts no goroutine.
func NewBroker[T any](opts Options[T]) *Broker[T] {
	if opts.Buffer <= 0 {
		opts.Buffer = DefaultBuffer
	}
	return &Broker[T]{opts: opts, subs: map[*subscriber[T]]struct{}{}}
}

// Subscribe returns a channel that receives what is published from now on,
// until ctx ends or the broker shuts down; then the channel is closed. Each
// subscription runs one goroutine, which ends with it.
func (b *Broker[T]) Subscribe(ctx context.Context) <-chan T {
	s := &subscriber[T]{
		key:     b.opts.Key,
		pending: map[string]int{},
		wake:    make(chan struct{}, 1),
		quit:    make(chan struct{}),
		out:     make(chan T),
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		close(s.out)
		return s.out
	}
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	go func() {
		defer close(s.out)
		defer b.remove(s)
		s.run(ctx)
	}()
	return s.out
}

// Publish queues v for every subscriber: each receives it, or, on a
// coalescing broker, a later value of the same key.
func (b *Broker[T]) Publish(v T) { b.publish(v, 0) }

// TryPublish queues v for every subscriber whose queue holds fewer than
// Options.Buffer values, and drops it for the others.
func (b *Broker[T]) TryPublish(v T) { b.publish(v, b.opts.Buffer) }

func (b *Broker[T]) publish(v T, limit int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		s.push(v, limit)
	}
}

// Shutdown closes every subscription; later ones are closed at once.
func (b *Broker[T]) Shutdown() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for s := range b.subs {
		delete(b.subs, s)
		close(s.quit)
	}
}

func (b *Broker[T]) remove(s *subscriber[T]) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[s]; ok {
		delete(b.subs, s)
		close(s.quit)
	}
}

// subscriber is one subscription's queue: values in order, or, with a key,
// one pending value per key in the order the keys became pending.
type subscriber[T any] struct {
	key  func(T) string
	wake chan struct{}
	quit chan struct{} // closed when the broker drops the subscription
	out  chan T

	mu      sync.Mutex
	queue   []T
	keys    []string       // with a key: the key of each queued value
	pending map[string]int // with a key: queue index of each pending key, offset by head
	head    int            // values popped since the queue was last compacted
}

// push queues v; a positive limit drops it when the queue is that long.
func (s *subscriber[T]) push(v T, limit int) {
	s.mu.Lock()
	if s.key != nil {
		k := s.key(v)
		if i, ok := s.pending[k]; ok {
			s.queue[i-s.head] = v // the latest value of a pending key wins
			s.mu.Unlock()
			return
		}
		if limit > 0 && len(s.queue) >= limit {
			s.mu.Unlock()
			return
		}
		s.pending[k] = s.head + len(s.queue)
		s.keys = append(s.keys, k)
	} else if limit > 0 && len(s.queue) >= limit {
		s.mu.Unlock()
		return
	}
	s.queue = append(s.queue, v)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// pop takes the oldest queued value.
func (s *subscriber[T]) pop() (T, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var zero T
	if len(s.queue) == 0 {
		return zero, false
	}
	v := s.queue[0]
	s.queue[0] = zero
	s.queue = s.queue[1:]
	if s.key != nil {
		delete(s.pending, s.keys[0])
		s.keys = s.keys[1:]
		s.head++
	}
	if len(s.queue) == 0 {
		// Start over so the backing arrays do not grow without bound.
		s.queue, s.keys, s.head = nil, nil, 0
	}
	return v, true
}

// run hands queued values to the reader until ctx ends or the broker drops
// the subscription.
func (s *subscriber[T]) run(ctx context.Context) {
	for {
		v, ok := s.pop()
		if !ok {
			select {
			case <-s.wake:
				continue
			case <-ctx.Done():
				return
			case <-s.quit:
				return
			}
		}
		select {
		case s.out <- v:
		case <-ctx.Done():
			return
		case <-s.quit:
			return
		}
	}
}
