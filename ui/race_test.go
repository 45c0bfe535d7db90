//go:build race

package ui

// raceEnabled is set when the tests run with the race detector, which
// multiplies CPU time and memory: cost figures are then reported, not judged.
const raceEnabled = true
