//go:build race

package main

// raceEnabled says the race detector is on: it multiplies the memory a
// process uses, so that TestMemoryBudget measures nothing of feedd's.
const raceEnabled = true
