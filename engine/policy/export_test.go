package policy

// Knapsack exposes the knapsack solver to the external tests.
func Knapsack(values []float64, weights []int, capacity int) []bool {
	return knapsack(values, weights, capacity)
}
