// Package forecast holds the pure arithmetic behind milestone forecasts
// (DESIGN.md §5): weekly throughput samples, the seeded Monte Carlo that
// turns them into p50/p85 completion dates, milestone status, slip
// attribution and the forecast backtest. It does no I/O and reads no clock:
// every time is a parameter, so a forecast can be made "as of" any past
// date from the history known then.
//
// # Throughput
//
// Weekly samples are the closures in each of the trailing 8 whole 7-day
// windows ending at asOf; window i is (asOf-(i+1)*7d, asOf-i*7d], index 0
// the most recent. Closures after asOf are ignored. A milestone with fewer
// than 5 closures at or before asOf uses its project's samples instead.
//
// # Monte Carlo
//
// Each trial draws weekly samples uniformly with replacement (PCG from
// math/rand/v2, seeded per milestone by Seed) and adds them until the
// remaining open issues are done; w weeks give completion asOf + w*7d.
// p50 and p85 are nearest-rank percentiles of the trials' weeks: the
// ceil(p*n)-th smallest of n trials (the 5,000th and 8,500th of 10,000).
// A trial stops at MaxWeeks (520) weeks and counts as never finishing; if
// the p85 trial is one of those (more than 15% of trials capped), there is
// no forecast. Empty or all-zero samples give no forecast; nothing remaining
// gives asOf itself.
//
// # Days
//
// Every day value this package returns is a whole number of 1/65536 days
// (about 1.3 s; see Days), so sums of them are exact in float64 in any
// order: the attribution identity below holds with ==, not within a
// tolerance.
//
// # Slip attribution
//
// For an open milestone with a forecast, with R the open issues now, N the
// net scope added after the baseline (added - removed, may be negative), T1
// the first-half throughput and T2 the current throughput (issues/week, see
// MeasureThroughput):
//
//	forecast_slip_days        = p85 - current due
//	due_moved_days            = current due - original due
//	total                     = forecast_slip_days + due_moved_days  (= p85 - original due)
//	slip_from_scope_days      = 7 * N / T2                  (0 when T2 <= 0)
//	slip_from_throughput_days = 7 * (R / T2 - R / T1)       (0 when T1 <= 0 or T2 <= 0)
//	slip_from_plan_days       = total - slip_from_scope_days - slip_from_throughput_days
//
// Each value is rounded to the 1/65536-day grid before the remainder is
// taken, so slip_from_scope_days + slip_from_throughput_days +
// slip_from_plan_days == total exactly. Scope is what the net added work
// costs at today's pace; throughput is what the drop from T1 to T2 costs on
// the work still open (negative when the team sped up); plan is the rest,
// the lateness already in the plan at baseline (and forecast spread).
//
// T2 is the mean of the forecast's weekly samples. T1 is the closures in
// the first half of the milestone's life so far, (baseline, midpoint], per
// week of that half, counted from the same closures the samples came from
// (the project's when the milestone fell back to them); it is 0, meaning
// unknown, while that half is shorter than one week.
//
// # Backtest
//
// For a closed milestone, the forecast is made as of close - 2, 4 and 8
// weeks from the history known then, with the milestone's own seed; it
// held at p50 (p85) when the milestone closed at or before that date. The
// error is close - p50 in days (positive: closed later than forecast).
// Shares are over the milestones that had a forecast at that horizon; a
// milestone without one (no throughput, or not started yet) is left out of
// that horizon's shares and counted only in milestones.
package forecast
