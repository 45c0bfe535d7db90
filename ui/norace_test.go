//go:build !race

package ui

// raceEnabled is set when the tests run with the race detector.
const raceEnabled = false
