package forecast

import (
	"errors"
	"fmt"
	"time"
)

// backtestWeeks are the horizons of the forecast-accuracy report: the
// forecast is made this many weeks before the milestone closed.
var backtestWeeks = [3]int{2, 4, 8}

// History is what the backtest needs about one closed milestone.
type History struct {
	// Closed is when the milestone closed.
	Closed time.Time
	// Baseline is when it started (DESIGN.md §5 baseline). A horizon before
	// it had no milestone to forecast and is left out; zero means unknown,
	// and then no horizon is left out for it.
	Baseline time.Time
	// Closures are the close times of the milestone's issues and
	// ProjectClosures those of its project's issues; later ones are
	// ignored at each horizon.
	Closures, ProjectClosures []time.Time
	// OpenAt returns how many issues were in the milestone and open at t:
	// the remaining work a forecast made then would have seen. Required.
	OpenAt func(t time.Time) int
	// Seed is the milestone's Seed, so a backtest forecast is the one the
	// live report would have served then.
	Seed uint64
	// Forecast computes each horizon's forecast; nil is Forecast (a caller
	// may memoise it: the answer depends only on its arguments).
	Forecast func(remaining int, samples []int, asOf time.Time, seed uint64, trials int) (Result, bool)
}

// Check is the forecast made at one horizon and how it fared.
type Check struct {
	Weeks int       // horizon: weeks before close
	AsOf  time.Time // Closed - Weeks*7d
	// OK is false when there was no forecast then (zero throughput, capped
	// trials, or before the baseline); the fields below are then zero.
	OK       bool
	Forecast Result
	// HeldP50 and HeldP85 say the milestone closed at or before that date.
	HeldP50, HeldP85 bool
	// ErrorDays is Closed - P50 in days: positive when it closed later
	// than the median forecast.
	ErrorDays float64
}

// Outcome is the backtest of one milestone, one Check per horizon
// (2, 4 and 8 weeks, in that order).
type Outcome struct {
	Checks [3]Check
}

// ErrNoOpenAt means a History lacks its OpenAt function.
var ErrNoOpenAt = errors.New("history has no OpenAt function")

// Backtest forecasts h as of 2, 4 and 8 weeks before it closed, each from
// the closures known then (MeasureThroughput) and OpenAt(as of), with
// trials Monte Carlo trials (DefaultTrials when <= 0).
func Backtest(h History, trials int) (Outcome, error) {
	if h.OpenAt == nil {
		return Outcome{}, fmt.Errorf("backtest of milestone closed %s: %w", h.Closed.Format(time.RFC3339), ErrNoOpenAt)
	}
	var out Outcome
	for i, weeks := range backtestWeeks {
		out.Checks[i] = check(h, weeks, trials)
	}
	return out, nil
}

func check(h History, weeks, trials int) Check {
	asOf := h.Closed.Add(-time.Duration(weeks) * week)
	c := Check{Weeks: weeks, AsOf: asOf}
	if !h.Baseline.IsZero() && asOf.Before(h.Baseline) {
		return c
	}
	tp := MeasureThroughput(h.Closures, h.ProjectClosures, h.Baseline, asOf)
	run := h.Forecast
	if run == nil {
		run = Forecast
	}
	fc, ok := run(h.OpenAt(asOf), tp.Samples, asOf, h.Seed, trials)
	if !ok {
		return c
	}
	c.OK, c.Forecast = true, fc
	c.HeldP50 = !h.Closed.After(fc.P50)
	c.HeldP85 = !h.Closed.After(fc.P85)
	c.ErrorDays = Days(h.Closed.Sub(fc.P50))
	return c
}

// Accuracy aggregates backtests over a group of closed milestones, as
// /api/v1/forecast-accuracy serves them. A share is nil (JSON null) when
// no milestone of the group had a forecast at that horizon.
type Accuracy struct {
	// Milestones counts every milestone backtested, with or without a
	// forecast at any horizon.
	Milestones     int      `json:"milestones"`
	HeldP50At2Week *float64 `json:"held_p50_2w"`
	HeldP85At2Week *float64 `json:"held_p85_2w"`
	HeldP50At4Week *float64 `json:"held_p50_4w"`
	HeldP85At4Week *float64 `json:"held_p85_4w"`
	HeldP50At8Week *float64 `json:"held_p50_8w"`
	HeldP85At8Week *float64 `json:"held_p85_8w"`
	// MeanErrorDaysAt4Week is the mean of Closed - P50 at 4 weeks, signed:
	// it shows bias (positive: milestones close later than forecast), and
	// early and late misses cancel.
	MeanErrorDaysAt4Week *float64 `json:"mean_error_days_4w"`
	// Forecasts counts the milestones with a forecast at 2, 4 and 8 weeks:
	// the denominators of the shares.
	Forecasts [3]int `json:"-"`
}

// Aggregate turns outcomes into shares. Each horizon's shares are over the
// milestones that had a forecast at that horizon.
func Aggregate(outcomes []Outcome) Accuracy {
	var held50, held85 [3]int
	var errSum float64
	a := Accuracy{Milestones: len(outcomes)}
	for _, o := range outcomes {
		for i, c := range o.Checks {
			if !c.OK {
				continue
			}
			a.Forecasts[i]++
			held50[i] += b2i(c.HeldP50)
			held85[i] += b2i(c.HeldP85)
			if c.Weeks == 4 {
				errSum += c.ErrorDays
			}
		}
	}
	share := func(held, n int) *float64 {
		if n == 0 {
			return nil
		}
		v := float64(held) / float64(n)
		return &v
	}
	a.HeldP50At2Week, a.HeldP85At2Week = share(held50[0], a.Forecasts[0]), share(held85[0], a.Forecasts[0])
	a.HeldP50At4Week, a.HeldP85At4Week = share(held50[1], a.Forecasts[1]), share(held85[1], a.Forecasts[1])
	a.HeldP50At8Week, a.HeldP85At8Week = share(held50[2], a.Forecasts[2]), share(held85[2], a.Forecasts[2])
	if n := a.Forecasts[1]; n > 0 {
		v := errSum / float64(n)
		a.MeanErrorDaysAt4Week = &v
	}
	return a
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
