package forecast

import "time"

// SlipInput is what slip attribution needs about an open milestone with a
// forecast.
type SlipInput struct {
	OriginalDue time.Time // first due date ever observed
	CurrentDue  time.Time // due date now
	P85         time.Time // forecast p85 completion
	// Remaining is R, the milestone's open issues now.
	Remaining int
	// NetScopeAdded is N, issues added minus issues removed after the
	// baseline; negative when more was cut than added.
	NetScopeAdded int
	// FirstHalf is T1 and Current T2, in issues per week
	// (Throughput.FirstHalf and Throughput.Current); <= 0 means unknown.
	FirstHalf, Current float64
}

// Slip splits the forecast slip against the original due date
// (p85 - original due) into scope, throughput and plan; the package doc
// has the formulas. All values are days on the 1/65536-day grid, so
// ScopeDays + ThroughputDays + PlanDays == TotalDays exactly, and
// TotalDays == Days(P85-CurrentDue) + DueMovedDays exactly.
type Slip struct {
	ScopeDays      float64 `json:"slip_from_scope_days"`
	ThroughputDays float64 `json:"slip_from_throughput_days"`
	PlanDays       float64 `json:"slip_from_plan_days"`
	DueMovedDays   float64 `json:"due_moved_days"`
	// TotalDays is p85 - original due, the sum of the three parts; the
	// API serves it as forecast_slip_days + due_moved_days.
	TotalDays float64 `json:"-"`
}

// Attribute computes the slip attribution. Divisions by a throughput that
// is zero or unknown give 0 for that part, which leaves its share in plan.
func Attribute(in SlipInput) Slip {
	// Total is built from the two served parts so that it is their sum
	// exactly, not a third rounding of p85 - original due.
	moved := durationUnits(in.CurrentDue.Sub(in.OriginalDue))
	total := durationUnits(in.P85.Sub(in.CurrentDue)) + moved

	r, n, t1, t2 := float64(in.Remaining), float64(in.NetScopeAdded), in.FirstHalf, in.Current
	var scope, throughput int64
	if t2 > 0 {
		scope = dayUnits(7 * n / t2)
		if t1 > 0 {
			throughput = dayUnits(7 * (r/t2 - r/t1))
		}
	}
	// Plan is the remainder, computed in integer grid units: exact.
	plan := total - scope - throughput
	return Slip{
		ScopeDays:      fromUnits(scope),
		ThroughputDays: fromUnits(throughput),
		PlanDays:       fromUnits(plan),
		DueMovedDays:   fromUnits(moved),
		TotalDays:      fromUnits(total),
	}
}
