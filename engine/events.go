package engine

import "sync"

// Event tells a watcher that something of the engine changed: a module's
// state (Kind "module"), the policy, or the apps. Watchers re-read what they
// show through the API; events carry no state of their own.
type Event struct {
	Kind string
	Name string
}

// broker fans events out to subscribers. Publishing never blocks: a
// subscriber that is behind misses events, which is harmless because each
// event only says "look again".
type broker struct {
	mu     sync.Mutex
	subs   map[chan Event]struct{}
	closed bool
}

func newBroker() *broker { return &broker{subs: make(map[chan Event]struct{})} }

func (b *broker) publish(ev Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- ev:
		default:
		}
	}
}

func (b *broker) subscribe(size int) (<-chan Event, func()) {
	ch := make(chan Event, size)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		close(ch)
		return ch, func() {}
	}
	b.subs[ch] = struct{}{}
	return ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if _, ok := b.subs[ch]; ok {
			delete(b.subs, ch)
			close(ch)
		}
	}
}

func (b *broker) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for ch := range b.subs {
		delete(b.subs, ch)
		close(ch)
	}
}

// Subscribe returns a channel of engine events and a function that ends the
// subscription. The channel is closed when the engine closes.
func (e *Engine) Subscribe() (<-chan Event, func()) { return e.events.subscribe(64) }

// publish tells subscribers that module name changed.
func (e *Engine) publish(name string) { e.events.publish(Event{Kind: "module", Name: name}) }
