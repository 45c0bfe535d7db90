package pubsub_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jsorc/jsorc/internal/pubsub"
)

// drain reads n values, failing the test if they do not come within a
// second.
func drain[T any](t *testing.T, ch <-chan T, n int) []T {
	t.Helper()
	var out []T
	for len(out) < n {
		select {
		case v, ok := <-ch:
			if !ok {
				t.Fatalf("channel closed after %d of %d values", len(out), n)
			}
			out = append(out, v)
		case <-time.After(time.Second):
			t.Fatalf("got %d of %d values", len(out), n)
		}
	}
	return out
}

// A subscriber that never reads blocks neither the publisher nor another
// subscriber.
func TestSlowSubscriberBlocksNoOne(t *testing.T) {
	b := pubsub.NewBroker(pubsub.Options[int]{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_ = b.Subscribe(ctx) // never read
	fast := b.Subscribe(ctx)
	const n = 1000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			b.Publish(i)
		}
	}()
	got := drain(t, fast, n)
	<-done
	for i, v := range got {
		if v != i {
			t.Fatalf("value %d is %d", i, v)
		}
	}
}

func TestEnd(t *testing.T) {
	tests := []struct {
		name string
		end  func(b *pubsub.Broker[int], cancel context.CancelFunc)
	}{
		{"context ends", func(_ *pubsub.Broker[int], cancel context.CancelFunc) { cancel() }},
		{"broker shuts down", func(b *pubsub.Broker[int], _ context.CancelFunc) { b.Shutdown() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := pubsub.NewBroker(pubsub.Options[int]{})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ch := b.Subscribe(ctx)
			b.Publish(1)
			tt.end(b, cancel)
			deadline := time.After(time.Second)
			for {
				select {
				case _, ok := <-ch:
					if !ok {
						b.Publish(2) // publishing to no one is fine
						return
					}
				case <-deadline:
					t.Fatal("channel not closed")
				}
			}
		})
	}
}

func TestSubscribeAfterShutdown(t *testing.T) {
	b := pubsub.NewBroker(pubsub.Options[int]{})
	b.Shutdown()
	if _, ok := <-b.Subscribe(context.Background()); ok {
		t.Fatal("a subscription after Shutdown delivered a value")
	}
}

// Many publishers and subscribers at once, for the race detector: every
// subscriber gets every value of a must-deliver broker.
func TestConcurrentPublishers(t *testing.T) {
	b := pubsub.NewBroker(pubsub.Options[string]{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	subs := make([]<-chan string, 4)
	for i := range subs {
		subs[i] = b.Subscribe(ctx)
	}
	const pubs, each = 4, 100
	var wg sync.WaitGroup
	for p := range pubs {
		wg.Go(func() {
			for i := range each {
				b.Publish(fmt.Sprintf("%d/%d", p, i))
			}
		})
	}
	for _, ch := range subs {
		got := drain(t, ch, pubs*each)
		slices.Sort(got)
		if len(slices.Compact(got)) != pubs*each {
			t.Errorf("a subscriber got duplicates or lost values")
		}
	}
	wg.Wait()
}
