package forecast

import (
	"math"
	"testing"
	"time"
)

func TestDays(t *testing.T) {
	const unit = 1.0 / gridPerDay
	tests := []struct {
		d    time.Duration
		want float64
	}{
		{0, 0},
		{24 * time.Hour, 1},
		{12 * time.Hour, 0.5},
		{-36 * time.Hour, -1.5},
		{35 * 24 * time.Hour, 35},
		{gridUnit, unit},
		// Half a grid step is 659,179,687.5 ns: just below rounds down,
		// just above rounds up, on both sides of zero.
		{659179687, 0},
		{659179688, unit},
		{-659179687, 0},
		{-659179688, -unit},
		// 5 h = 13,653.33 steps.
		{5 * time.Hour, 13653 * unit},
		// The longest Duration (a saturated Sub) stays exact: 6,996,098,493
		// steps remainder 184,853,932 ns, rounded down.
		{math.MaxInt64, 6996098493 * unit},
	}
	for _, tt := range tests {
		if got := Days(tt.d); got != tt.want {
			t.Errorf("Days(%v) = %v, want %v", tt.d, got, tt.want)
		}
	}
	if gridUnit != 1318359375 {
		t.Errorf("gridUnit = %d ns, want exactly 1318359375", gridUnit)
	}
}

func TestDayUnits(t *testing.T) {
	tests := []struct {
		days float64
		want int64
	}{
		{10.5, 10.5 * gridPerDay},
		{-7, -7 * gridPerDay},
		{math.NaN(), 0},
		{math.Inf(1), maxUnits},
		{math.Inf(-1), -maxUnits},
		{1e300, maxUnits},
	}
	for _, tt := range tests {
		if got := dayUnits(tt.days); got != tt.want {
			t.Errorf("dayUnits(%v) = %d, want %d", tt.days, got, tt.want)
		}
	}
}
