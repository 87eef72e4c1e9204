package forecast

import "time"

const (
	// SampleWeeks is how many trailing weeks of throughput a forecast samples.
	SampleWeeks = 8
	// MinMilestoneClosures is the fewest closures a milestone needs for its
	// own samples; below it the project's stand in (DESIGN.md §5).
	MinMilestoneClosures = 5
)

const week = 7 * 24 * time.Hour

// WeeklySamples counts closures in each of the trailing weeks whole 7-day
// windows ending at asOf: window i is (asOf-(i+1)*7d, asOf-i*7d], so a
// closure exactly at asOf is in window 0 and one exactly 7 days earlier in
// window 1. Closures after asOf are ignored, which is what lets a forecast
// be made as of a past date. weeks <= 0 gives nil.
func WeeklySamples(closures []time.Time, asOf time.Time, weeks int) []int {
	if weeks <= 0 {
		return nil
	}
	samples := make([]int, weeks)
	for _, c := range closures {
		if c.After(asOf) {
			continue
		}
		// Sub saturates for closures centuries back (or a zero time): they
		// land far outside every window instead of wrapping around.
		if i := asOf.Sub(c) / week; i < time.Duration(weeks) {
			samples[i]++
		}
	}
	return samples
}

// ChooseSamples applies DESIGN.md §5: the milestone's own samples, or the
// project's when the milestone has fewer than MinMilestoneClosures
// closures. fromProject says which one was chosen.
func ChooseSamples(milestone, project []int, milestoneClosures int) (samples []int, fromProject bool) {
	if milestoneClosures < MinMilestoneClosures {
		return project, true
	}
	return milestone, false
}

// ClosedBy counts the closures at or before asOf.
func ClosedBy(closures []time.Time, asOf time.Time) int {
	n := 0
	for _, c := range closures {
		if !c.After(asOf) {
			n++
		}
	}
	return n
}

// Throughput is what a forecast and its slip attribution need from the
// closures known as of one date.
type Throughput struct {
	// Samples are the SampleWeeks weekly counts the Monte Carlo draws from,
	// most recent first.
	Samples []int
	// FromProject is true when the milestone had too few closures and the
	// project's samples (and rates) stand in.
	FromProject bool
	// Current is T2: the mean of Samples, in issues per week.
	Current float64
	// FirstHalf is T1: closures in (baseline, midpoint] per week, midpoint
	// halfway from baseline to asOf; 0 (unknown) while that half is
	// shorter than a week.
	FirstHalf float64
}

// MeasureThroughput computes the samples and rates as of asOf from the
// close times of the milestone's issues and of its project's issues. Both
// the live report and the backtest call it, so they apply the same rule.
func MeasureThroughput(milestone, project []time.Time, baseline, asOf time.Time) Throughput {
	closures := milestone
	samples, fromProject := ChooseSamples(
		WeeklySamples(milestone, asOf, SampleWeeks),
		WeeklySamples(project, asOf, SampleWeeks),
		ClosedBy(milestone, asOf))
	if fromProject {
		closures = project
	}
	return Throughput{
		Samples:     samples,
		FromProject: fromProject,
		Current:     MeanPerWeek(samples),
		FirstHalf:   FirstHalfRate(closures, baseline, asOf),
	}
}

// MeanPerWeek is the mean of weekly samples (0 for none).
func MeanPerWeek(samples []int) float64 {
	if len(samples) == 0 {
		return 0
	}
	sum := 0
	for _, s := range samples {
		sum += s
	}
	return float64(sum) / float64(len(samples))
}

// FirstHalfRate is the closures per week in (baseline, mid], mid halfway
// from baseline to asOf. A half shorter than one week is too short to say
// anything and gives 0, which attribution reads as "unknown"; so does a
// zero (unknown) baseline.
func FirstHalfRate(closures []time.Time, baseline, asOf time.Time) float64 {
	half := asOf.Sub(baseline) / 2
	if baseline.IsZero() || half < week {
		return 0
	}
	mid := baseline.Add(half)
	n := 0
	for _, c := range closures {
		if c.After(baseline) && !c.After(mid) {
			n++
		}
	}
	return float64(n) / (float64(half) / float64(week))
}
