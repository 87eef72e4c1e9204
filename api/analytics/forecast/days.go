package forecast

import (
	"math"
	"time"
)

// gridPerDay is the resolution of every day value returned here. A power of
// two keeps the values exact in float64, so parts that must add up to a
// total do so with ==; 86400 s / 65536 is 1.318359375 s, finer than the
// warehouse's whole-second DateTime.
const gridPerDay = 1 << 16

// gridUnit is one grid step as a Duration: exactly 1,318,359,375 ns.
const gridUnit = 24 * time.Hour / gridPerDay

// maxUnits bounds a computed part (±10 million days) so that an absurd
// throughput cannot overflow int64 or lose float64 exactness (2^53).
const maxUnits = 10_000_000 * gridPerDay

// Days converts d to days on the 1/65536-day grid, rounding half away from
// zero. Use it for every day value that is added to or compared with the
// attribution parts (forecast_slip_days, slip_days).
func Days(d time.Duration) float64 {
	return fromUnits(durationUnits(d))
}

func durationUnits(d time.Duration) int64 {
	// Integer arithmetic: d is exact in nanoseconds, a float would not be.
	// gridUnit is odd, so there is no exact half to break a tie on.
	q, r := d/gridUnit, d%gridUnit
	switch {
	case 2*r >= gridUnit:
		q++
	case -2*r >= gridUnit:
		q--
	}
	return int64(q)
}

// dayUnits rounds a day count to the grid. NaN counts as 0 and values
// beyond maxUnits are clamped: only reachable with absurd inputs.
func dayUnits(days float64) int64 {
	if math.IsNaN(days) {
		return 0
	}
	u := math.Round(days * gridPerDay)
	switch {
	case u > maxUnits:
		return maxUnits
	case u < -maxUnits:
		return -maxUnits
	}
	return int64(u)
}

func fromUnits(u int64) float64 { return float64(u) / gridPerDay }
