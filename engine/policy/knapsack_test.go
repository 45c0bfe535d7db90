package policy_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/jsorc/jsorc/engine/policy"
)

// bruteKnapsack returns the best value of any subset that fits.
func bruteKnapsack(values []float64, weights []int, capacity int) float64 {
	best := 0.0
	for mask := range 1 << len(values) {
		v, w := 0.0, 0
		for i := range values {
			if mask>>i&1 == 1 {
				v += values[i]
				w += weights[i]
			}
		}
		if w <= capacity && v > best {
			best = v
		}
	}
	return best
}

func TestKnapsackOptimal(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		maxWeight int
		maxCap    int
		negative  bool
	}{
		{"tiny", 3, 10, 20, false},
		{"small weights", 8, 20, 60, false},
		{"MB-sized", 12, 4000, 8000, false},
		{"with losers and zero weights", 10, 50, 120, true},
	}
	rng := rand.New(rand.NewPCG(6, 6))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for trial := range 300 {
				n := rng.IntN(tc.n + 1)
				values := make([]float64, n)
				weights := make([]int, n)
				for i := range n {
					values[i] = rng.Float64() * 10
					if tc.negative && rng.IntN(4) == 0 {
						values[i] = -values[i]
					}
					weights[i] = rng.IntN(tc.maxWeight + 1)
					if !tc.negative && weights[i] == 0 {
						weights[i] = 1
					}
				}
				capacity := rng.IntN(tc.maxCap + 1)
				take := policy.Knapsack(values, weights, capacity)
				got, w := 0.0, 0
				for i, ok := range take {
					if ok {
						got += values[i]
						w += weights[i]
					}
				}
				want := bruteKnapsack(values, weights, capacity)
				if w > capacity {
					t.Fatalf("trial %d: weight %d over capacity %d", trial, w, capacity)
				}
				if math.Abs(got-want) > 1e-9 {
					t.Fatalf("trial %d: value %v, brute force %v (values %v weights %v cap %d)", trial, got, want, values, weights, capacity)
				}
			}
		})
	}
}

func TestKnapsackEdges(t *testing.T) {
	if got := policy.Knapsack([]float64{5}, []int{1}, -1); got[0] {
		t.Error("negative capacity took an item")
	}
	if got := policy.Knapsack([]float64{math.NaN(), 0, -1}, []int{1, 1, 1}, 10); got[0] || got[1] || got[2] {
		t.Errorf("took a worthless item: %v", got)
	}
	// A capacity too large for an exact table still answers within it.
	values := make([]float64, 30)
	weights := make([]int, 30)
	for i := range values {
		values[i], weights[i] = float64(i+1), 400_000+i*1000
	}
	take := policy.Knapsack(values, weights, 5_000_000)
	w := 0
	for i, ok := range take {
		if ok {
			w += weights[i]
		}
	}
	if w > 5_000_000 || w == 0 {
		t.Errorf("coarse knapsack weight %d", w)
	}
}
