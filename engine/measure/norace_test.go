//go:build !race

package measure_test

// raceEnabled is true when the tests run under the race detector, which
// makes atomic operations about ten times slower.
const raceEnabled = false
