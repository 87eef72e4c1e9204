package forecast

import "time"

// Status is a milestone status of DESIGN.md §5, as served by the API.
type Status string

// The statuses, in the order Statuses lists them.
const (
	StatusDone       Status = "done"        // closed at or before due (or with no due date)
	StatusDoneLate   Status = "done_late"   // closed after due
	StatusOverdue    Status = "overdue"     // open, past due at now
	StatusSlipping   Status = "slipping"    // open, p50 (and so p85) after due
	StatusAtRisk     Status = "at_risk"     // open, p50 on time, p85 after due
	StatusOnTrack    Status = "on_track"    // open, p85 on time
	StatusNoDueDate  Status = "no_due_date" // open, no due date
	StatusNoForecast Status = "no_forecast" // open, due ahead, no forecast (zero throughput)
)

// Statuses lists every status, for validating a status filter.
func Statuses() []Status {
	return []Status{StatusDone, StatusDoneLate, StatusOverdue, StatusSlipping,
		StatusAtRisk, StatusOnTrack, StatusNoDueDate, StatusNoForecast}
}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool {
	for _, v := range Statuses() {
		if s == v {
			return true
		}
	}
	return false
}

// MilestoneStatus decides a milestone's status. closed is its close time
// (nil while open), due its current due date (nil when it has none), now
// the report's clock and fc its forecast (nil when there is none).
//
// Precedence, first match wins:
//  1. closed: done_late when closed after due, else done (no due date
//     counts as done: nothing to be late against);
//  2. no due date: no_due_date;
//  3. now after due: overdue, whatever the forecast says;
//  4. no forecast: no_forecast;
//  5. p50 after due: slipping; p85 after due: at_risk; else on_track.
//
// Due dates are compared as the instants stored (the warehouse's UTC
// DateTime), strictly: closing, or a p85, exactly at due is on time, and a
// milestone becomes overdue the instant after its due. A collector that
// means "end of the due day" stores that instant.
func MilestoneStatus(closed, due *time.Time, now time.Time, fc *Result) Status {
	switch {
	case closed != nil && due != nil && closed.After(*due):
		return StatusDoneLate
	case closed != nil:
		return StatusDone
	case due == nil:
		return StatusNoDueDate
	case now.After(*due):
		return StatusOverdue
	case fc == nil:
		return StatusNoForecast
	case fc.P50.After(*due):
		return StatusSlipping
	case fc.P85.After(*due):
		return StatusAtRisk
	}
	return StatusOnTrack
}
