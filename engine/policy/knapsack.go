package policy

// maxKnapsackCells bounds the dynamic-programming table (items × capacity
// units) to a few MB.
const maxKnapsackCells = 1 << 22

// knapsack solves the 0/1 knapsack: it chooses the items maximising the sum
// of values with the sum of weights at most capacity, exactly, by dynamic
// programming over the capacity in whole units (MB for the policies).
// Items of value ≤ 0 are never chosen; items of weight ≤ 0 with a positive
// value always are (when capacity ≥ 0). Ties go to leaving items out.
//
// When items × capacity exceeds maxKnapsackCells, weights and capacity are
// counted in coarser units (weights rounded up, capacity down): the answer
// still fits, but may then fall short of the optimum by at most the value of
// what the rounding excluded.
func knapsack(values []float64, weights []int, capacity int) []bool {
	take := make([]bool, len(values))
	if capacity < 0 {
		return take
	}
	var idx []int
	sumW := 0
	for i, v := range values {
		switch {
		case !(v > 0): // also NaN
		case weights[i] <= 0:
			take[i] = true
		case weights[i] <= capacity:
			idx = append(idx, i)
			sumW += weights[i]
		}
	}
	if sumW <= capacity {
		for _, i := range idx {
			take[i] = true
		}
		return take
	}
	unit := 1
	if cells := len(idx) * (capacity + 1); cells > maxKnapsackCells {
		unit = (cells + maxKnapsackCells - 1) / maxKnapsackCells
	}
	units := capacity / unit
	ws := make([]int, len(idx))
	for k, i := range idx {
		ws[k] = (weights[i] + unit - 1) / unit
	}
	row := units + 1
	best := make([]float64, row)
	keep := make([]bool, len(idx)*row)
	for k, i := range idx {
		w, v := ws[k], values[i]
		for c := units; c >= w; c-- {
			if s := best[c-w] + v; s > best[c] {
				best[c] = s
				keep[k*row+c] = true
			}
		}
	}
	c := units
	for k := len(idx) - 1; k >= 0; k-- {
		if keep[k*row+c] {
			take[idx[k]] = true
			c -= ws[k]
		}
	}
	return take
}
