package forecast

import (
	"reflect"
	"testing"
	"time"
)

// asOf is a fixed "now" for every test: never the wall clock.
var asOf = time.Date(2024, 3, 4, 12, 0, 0, 0, time.UTC)

func TestWeeklySamples(t *testing.T) {
	closures := []time.Time{
		asOf,                                     // exactly at asOf: window 0
		asOf.Add(-time.Nanosecond),               // window 0
		asOf.Add(-week + time.Nanosecond),        // last instant of window 0
		asOf.Add(-week),                          // exactly 7d back: window 1
		asOf.Add(-2 * week),                      // window 2
		asOf.Add(-8*week + time.Second),          // window 7
		asOf.Add(-8 * week),                      // window 8: outside 8 weeks
		asOf.Add(time.Nanosecond),                // after asOf: ignored
		{},                                       // zero time (a NULL): ignored
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), // Sub saturates: ignored
	}
	tests := []struct {
		name  string
		weeks int
		want  []int
	}{
		{"eight weeks", 8, []int{3, 1, 1, 0, 0, 0, 0, 1}},
		{"nine weeks reach window 8", 9, []int{3, 1, 1, 0, 0, 0, 0, 1, 1}},
		{"one week", 1, []int{3}},
		{"zero weeks", 0, nil},
		{"negative weeks", -1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WeeklySamples(closures, asOf, tt.weeks); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("WeeklySamples = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestChooseSamples(t *testing.T) {
	m, p := []int{1, 1}, []int{9, 9}
	tests := []struct {
		closures    int
		want        []int
		fromProject bool
	}{
		{0, p, true},
		{4, p, true}, // fewer than 5
		{5, m, false},
		{50, m, false},
	}
	for _, tt := range tests {
		got, fromProject := ChooseSamples(m, p, tt.closures)
		if !reflect.DeepEqual(got, tt.want) || fromProject != tt.fromProject {
			t.Errorf("ChooseSamples(%d closures) = %v, %v; want %v, %v", tt.closures, got, fromProject, tt.want, tt.fromProject)
		}
	}
}

func TestClosedBy(t *testing.T) {
	c := []time.Time{asOf.Add(-week), asOf, asOf.Add(time.Second)}
	if got := ClosedBy(c, asOf); got != 2 {
		t.Errorf("ClosedBy = %d, want 2 (at asOf counts, after does not)", got)
	}
}

func TestFirstHalfRate(t *testing.T) {
	base := asOf.Add(-4 * week) // half = 2 weeks, mid = base + 14d
	closures := []time.Time{
		base,                           // at baseline: not after it
		base.Add(24 * time.Hour),       // in
		base.Add(2 * week),             // at mid: in
		base.Add(2*week + time.Second), // second half
		base.Add(3 * week),             // second half
	}
	tests := []struct {
		name     string
		baseline time.Time
		want     float64
	}{
		{"two closures in a two-week half", base, 1},
		// (asOf-14d, asOf-7d] holds base+2w+1s and base+3w (at mid); base+2w
		// is the baseline itself.
		{"half of exactly one week", asOf.Add(-2 * week), 2},
		{"half shorter than a week", asOf.Add(-2*week + time.Second), 0},
		{"baseline after asOf", asOf.Add(week), 0},
		{"baseline unknown", time.Time{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FirstHalfRate(closures, tt.baseline, asOf); got != tt.want {
				t.Errorf("FirstHalfRate = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMeanPerWeek(t *testing.T) {
	if got := MeanPerWeek([]int{4, 5, 0, 3}); got != 3 {
		t.Errorf("MeanPerWeek = %v, want 3", got)
	}
	if got := MeanPerWeek(nil); got != 0 {
		t.Errorf("MeanPerWeek(nil) = %v, want 0", got)
	}
}

func TestMeasureThroughput(t *testing.T) {
	base := asOf.Add(-4 * week)
	// The project closes 2 issues a week, one each at asOf-1d-7d*i.
	var project []time.Time
	for i := range 8 {
		d := asOf.Add(-24*time.Hour - time.Duration(i)*week)
		project = append(project, d, d.Add(-time.Hour))
	}
	t.Run("own samples from five closures", func(t *testing.T) {
		own := []time.Time{asOf, asOf.Add(-time.Hour), asOf.Add(-week), asOf.Add(-3 * week), asOf.Add(-3*week - time.Hour)}
		got := MeasureThroughput(own, project, base, asOf)
		want := Throughput{
			Samples:   []int{2, 1, 0, 2, 0, 0, 0, 0},
			Current:   5.0 / 8,
			FirstHalf: 1, // asOf-3w and asOf-3w-1h in (base, base+2w], over 2 weeks
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("MeasureThroughput = %+v, want %+v", got, want)
		}
	})
	t.Run("project stands in below five", func(t *testing.T) {
		own := []time.Time{asOf, asOf.Add(-time.Hour), asOf.Add(-week), asOf.Add(-3 * week), asOf.Add(time.Hour)} // the last is after asOf
		got := MeasureThroughput(own, project, base, asOf)
		want := Throughput{
			Samples:     []int{2, 2, 2, 2, 2, 2, 2, 2},
			FromProject: true,
			Current:     2,
			FirstHalf:   2, // the project's at asOf-15d, -15d1h, -22d, -22d1h are in (asOf-28d, asOf-14d]: 4 over 2 weeks
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("MeasureThroughput = %+v, want %+v", got, want)
		}
	})
}
