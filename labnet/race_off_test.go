//go:build !race

package labnet

const raceOn = false
