package track_test

import (
	"math"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/track"
)

func TestBucketBoundsContiguous(t *testing.T) {
	lo0, _ := track.BucketBounds(0)
	if lo0 != 0 {
		t.Fatalf("bucket 0 starts at %v, want 0", lo0)
	}
	for i := range track.NumBuckets {
		lo, hi := track.BucketBounds(i)
		if hi <= lo {
			t.Fatalf("bucket %d: empty range [%d, %d)", i, lo, hi)
		}
		if got := track.BucketIndex(lo); got != i {
			t.Errorf("BucketIndex(%d) = %d, want %d (its lower bound)", lo, got, i)
		}
		if got := track.BucketIndex(hi - 1); got != i {
			t.Errorf("BucketIndex(%d) = %d, want %d (its last value)", hi-1, got, i)
		}
		if i+1 < track.NumBuckets {
			next, _ := track.BucketBounds(i + 1)
			if next != hi {
				t.Errorf("bucket %d ends at %d but bucket %d starts at %d", i, hi, i+1, next)
			}
		}
		// Resolution: half a bucket never exceeds MaxRelativeError of its
		// lower bound (exact single-value buckets trivially qualify).
		if i < track.NumBuckets-1 && hi-lo > 1 {
			if half := float64(hi-lo) / 2; half > float64(lo)*track.MaxRelativeError {
				t.Errorf("bucket %d [%d, %d): half width %v exceeds %v of its lower bound",
					i, lo, hi, half, track.MaxRelativeError)
			}
		}
	}
	if _, hi := track.BucketBounds(track.NumBuckets - 1); hi != math.MaxInt64 {
		t.Errorf("overflow bucket ends at %d, want MaxInt64", hi)
	}
}

func TestBucketIndex(t *testing.T) {
	last := track.NumBuckets - 1
	tests := []struct {
		name string
		d    time.Duration
		want int // -1: any bucket but the overflow one
	}{
		{"negative is zero", -time.Second, 0},
		{"zero", 0, 0},
		{"exact region", 31, 31},
		{"first split octave", 32, 32},
		{"first split octave, second value", 33, 32},
		{"first split octave, next bucket", 34, 33},
		{"100ns resolved", 100 * time.Nanosecond, -1},
		{"100s resolved", 100 * time.Second, -1},
		{"largest resolved", 1<<37 - 1, last - 1},
		{"overflow starts", 1 << 37, last},
		{"overflow max", math.MaxInt64, last},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := track.BucketIndex(tt.d)
			switch {
			case tt.want < 0 && (got < 0 || got >= last):
				t.Errorf("BucketIndex(%v) = %d, want a resolved bucket below %d", tt.d, got, last)
			case tt.want >= 0 && got != tt.want:
				t.Errorf("BucketIndex(%v) = %d, want %d", tt.d, got, tt.want)
			}
		})
	}
}

func TestBucketBoundsPanics(t *testing.T) {
	for _, i := range []int{-1, track.NumBuckets} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("BucketBounds(%d) did not panic", i)
				}
			}()
			track.BucketBounds(i)
		}()
	}
}
