//go:build !race

package relay

const raceOn = false
