package simulate

import "time"

// The business calendar of every business-hours figure (business minutes
// in metric sets, update_status events, truths, SLA targets with
// business_hours): Monday to Friday, BusinessOpen to BusinessClose UTC,
// no holidays.
const (
	BusinessOpen  = 9 * time.Hour
	BusinessClose = 17 * time.Hour
)

// BusinessDuration is how much of [from, to) falls in business hours
// (Monday to Friday, BusinessOpen to BusinessClose UTC).
func BusinessDuration(from, to time.Time) time.Duration {
	var sum time.Duration
	from, to = from.UTC(), to.UTC()
	for d0 := midnight(from); d0.Before(to); d0 = d0.AddDate(0, 0, 1) {
		if weekend(d0) {
			continue
		}
		lo, hi := maxT(d0.Add(BusinessOpen), from), minT(d0.Add(BusinessClose), to)
		if hi.After(lo) {
			sum += hi.Sub(lo)
		}
	}
	return sum
}

// businessAdd is the earliest time at or after from by which d of
// business hours have passed.
func businessAdd(from time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return from
	}
	from = from.UTC()
	for d0 := midnight(from); ; d0 = d0.AddDate(0, 0, 1) {
		if weekend(d0) {
			continue
		}
		lo, hi := maxT(d0.Add(BusinessOpen), from), d0.Add(BusinessClose)
		if !hi.After(lo) {
			continue
		}
		if left := hi.Sub(lo); d <= left {
			return lo.Add(d)
		} else {
			d -= left
		}
	}
}

func midnight(t time.Time) time.Time {
	y, m, dd := t.UTC().Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
}

func weekend(t time.Time) bool { return t.Weekday() == time.Saturday || t.Weekday() == time.Sunday }

// DeskMinutes is a span in whole minutes (rounded down), in calendar
// time and in business hours.
type DeskMinutes struct{ Calendar, Business int }

// minutesBetween is [from, to) as DeskMinutes.
func minutesBetween(from, to time.Time) DeskMinutes {
	return DeskMinutes{Calendar: int(to.Sub(from) / time.Minute), Business: int(BusinessDuration(from, to) / time.Minute)}
}
