package forecast

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// The hand-written histories: every milestone closed at closeAt.
var closeAt = time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// steady closes an issue every 56 hours back from closeAt (k = 1..60): any
// 7-day window holds exactly 3, so every weekly sample is 3.
func steady() []time.Time {
	var c []time.Time
	for k := 1; k <= 60; k++ {
		c = append(c, closeAt.Add(-time.Duration(k)*56*time.Hour))
	}
	return c
}

// openAt answers OpenAt from a table keyed by weeks before close.
func openAt(t *testing.T, byWeeks map[int]int) func(time.Time) int {
	return func(at time.Time) int {
		w := int(closeAt.Sub(at) / week)
		n, ok := byWeeks[w]
		if !ok || closeAt.Sub(at) != time.Duration(w)*week {
			t.Fatalf("OpenAt(%v): not a horizon of this history", at)
		}
		return n
	}
}

// histories: A with steady throughput and a scope that moved, B young and
// on its project's samples, C with no throughput at all, D with lumpy
// throughput whose p50 and p85 straddle the close.
func histories(t *testing.T) (a, b, c, d History) {
	a = History{
		Closed: closeAt, Baseline: closeAt.Add(-140 * day), Closures: steady(),
		// 8 weeks out 20 were open, then 6 were added; 4 weeks out 14,
		// then 3 were cut; 2 weeks out the 5 that closed last.
		OpenAt: openAt(t, map[int]int{2: 5, 4: 14, 8: 20}),
		Seed:   Seed("jira", "A"),
	}
	b = History{
		Closed: closeAt, Baseline: closeAt.Add(-21 * day),
		Closures:        []time.Time{closeAt.Add(-20 * day), closeAt.Add(-15 * day)}, // fewer than 5
		ProjectClosures: steady(),
		OpenAt:          openAt(t, map[int]int{2: 9}), // 4 and 8 weeks out it did not exist
		Seed:            Seed("jira", "B"),
	}
	c = History{
		Closed: closeAt, // baseline unknown: no horizon is skipped for it
		OpenAt: openAt(t, map[int]int{2: 4, 4: 4, 8: 4}),
		Seed:   Seed("jira", "C"),
	}
	t4 := closeAt.Add(-4 * week)
	d = History{
		Closed: closeAt, Baseline: closeAt.Add(-20 * week),
		// Two closures in each of two weeks, and one well before: as of
		// 4 weeks out the samples are [2 0 0 0 2 0 0 0].
		Closures: []time.Time{t4.Add(-day), t4.Add(-day - time.Hour), t4.Add(-29 * day), t4.Add(-29*day - time.Hour), t4.Add(-10 * week)},
		OpenAt:   openAt(t, map[int]int{2: 2, 4: 2, 8: 2}),
		Seed:     Seed("jira", "D"),
	}
	return a, b, c, d
}

func TestBacktest(t *testing.T) {
	a, b, c, d := histories(t)
	at := func(weeks int) time.Time { return closeAt.Add(-time.Duration(weeks) * week) }
	fc := func(asOf time.Time, p50, p85 int) Result {
		return Result{P50: asOf.Add(time.Duration(p50) * week), P85: asOf.Add(time.Duration(p85) * week), P50Weeks: p50, P85Weeks: p85}
	}
	none := func(weeks int) Check { return Check{Weeks: weeks, AsOf: at(weeks)} }
	tests := []struct {
		name string
		h    History
		want Outcome
	}{
		{"A: steady, scope moved", a, Outcome{Checks: [3]Check{
			// 5 open at 3 a week: 2 weeks, closes exactly on the forecast.
			{Weeks: 2, AsOf: at(2), OK: true, Forecast: fc(at(2), 2, 2), HeldP50: true, HeldP85: true, ErrorDays: 0},
			// 14 open: 5 weeks, a week after the close (3 were cut later).
			{Weeks: 4, AsOf: at(4), OK: true, Forecast: fc(at(4), 5, 5), HeldP50: true, HeldP85: true, ErrorDays: -7},
			// 20 open: 7 weeks, a week before the close (6 were added later).
			{Weeks: 8, AsOf: at(8), OK: true, Forecast: fc(at(8), 7, 7), ErrorDays: 7},
		}}},
		{"B: young, project samples", b, Outcome{Checks: [3]Check{
			// 9 open at the project's 3 a week: 3 weeks, closed a week early.
			{Weeks: 2, AsOf: at(2), OK: true, Forecast: fc(at(2), 3, 3), HeldP50: true, HeldP85: true, ErrorDays: -7},
			none(4), none(8), // before its baseline
		}}},
		{"C: no throughput", c, Outcome{Checks: [3]Check{none(2), none(4), none(8)}}},
		// Each week brings 2 issues with odds 1/4, so 2 open issues take W
		// weeks, P(W <= w) = 1 - (3/4)^w: p50 = 3 weeks (0.44 < 0.5 <=
		// 0.58) and p85 = 7 (0.82 < 0.85 <= 0.87). 4 weeks out it closed
		// after the p50 and by the p85. 8 weeks out it had 3 closures and
		// the project none: no forecast.
		{"D: lumpy", d, Outcome{Checks: [3]Check{
			{Weeks: 2, AsOf: at(2), OK: true, Forecast: fc(at(2), 3, 7), HeldP50: true, HeldP85: true, ErrorDays: -7},
			{Weeks: 4, AsOf: at(4), OK: true, Forecast: fc(at(4), 3, 7), HeldP85: true, ErrorDays: 7},
			none(8),
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Backtest(tt.h, 0)
			if err != nil {
				t.Fatal(err)
			}
			for i := range got.Checks {
				if got.Checks[i] != tt.want.Checks[i] {
					t.Errorf("%d weeks:\n got %+v\nwant %+v", tt.want.Checks[i].Weeks, got.Checks[i], tt.want.Checks[i])
				}
			}
		})
	}
}

func TestBacktestNoOpenAt(t *testing.T) {
	_, err := Backtest(History{Closed: closeAt}, 0)
	if !errors.Is(err, ErrNoOpenAt) {
		t.Fatalf("err = %v, want ErrNoOpenAt", err)
	}
	if want := "backtest of milestone closed 2024-06-03T09:00:00Z: history has no OpenAt function"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
}

func TestAggregate(t *testing.T) {
	a, b, c, d := histories(t)
	var outcomes []Outcome
	for _, h := range []History{a, b, c, d} {
		o, err := Backtest(h, 0)
		if err != nil {
			t.Fatal(err)
		}
		outcomes = append(outcomes, o)
	}
	got, err := json.Marshal(Aggregate(outcomes))
	if err != nil {
		t.Fatal(err)
	}
	// 2 weeks: A, B, D forecast, all held. 4 weeks: A (held both) and D
	// (held p85 only), errors -7 and +7. 8 weeks: only A, missed. C is
	// counted in milestones and in no share.
	want := `{"milestones":4,"held_p50_2w":1,"held_p85_2w":1,"held_p50_4w":0.5,"held_p85_4w":1,` +
		`"held_p50_8w":0,"held_p85_8w":0,"mean_error_days_4w":0}`
	if string(got) != want {
		t.Errorf("Aggregate JSON\n got %s\nwant %s", got, want)
	}
	if f := Aggregate(outcomes).Forecasts; f != [3]int{3, 2, 1} {
		t.Errorf("Forecasts = %v, want [3 2 1]", f)
	}
}

func TestAggregateEmpty(t *testing.T) {
	got, _ := json.Marshal(Aggregate(nil))
	want := `{"milestones":0,"held_p50_2w":null,"held_p85_2w":null,"held_p50_4w":null,"held_p85_4w":null,` +
		`"held_p50_8w":null,"held_p85_8w":null,"mean_error_days_4w":null}`
	if string(got) != want {
		t.Errorf("Aggregate(nil) JSON\n got %s\nwant %s", got, want)
	}
}
