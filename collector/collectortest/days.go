package collectortest

import "time"

// Day is one instant the date guards run the simulator-truth suites at,
// with the time zone of the simulated Jira user (in which Jira reads JQL
// dates).
type Day struct {
	Name string
	Now  time.Time
	Zone string // IANA name
}

// Days spread over a year: month ends, a leap day, the turn of the year,
// and the daylight-saving switches of a European and a US zone, each read
// in that zone, an hour or less after the switch (when the incremental
// window straddles it). A date-dependent assertion fails on one of these
// here rather than on some later day in CI.
var Days = []Day{
	{"new-year", time.Date(2027, 1, 1, 0, 0, 30, 0, time.UTC), "Etc/UTC"},
	{"january-end", time.Date(2027, 1, 31, 23, 59, 59, 0, time.UTC), "Etc/UTC"},
	{"february-end", time.Date(2027, 2, 28, 12, 0, 0, 0, time.UTC), "Etc/UTC"},
	{"us-dst-start", time.Date(2027, 3, 14, 7, 30, 0, 0, time.UTC), "America/New_York"},
	{"eu-dst-start", time.Date(2027, 3, 28, 1, 30, 0, 0, time.UTC), "Europe/Berlin"},
	{"april-end", time.Date(2027, 4, 30, 23, 0, 0, 0, time.UTC), "Asia/Tokyo"},
	{"august-end", time.Date(2027, 8, 31, 12, 0, 0, 0, time.UTC), "Etc/UTC"},
	{"eu-dst-end", time.Date(2027, 10, 31, 1, 30, 0, 0, time.UTC), "Europe/Berlin"},
	{"us-dst-end", time.Date(2027, 11, 7, 6, 30, 0, 0, time.UTC), "America/New_York"},
	{"year-end", time.Date(2027, 12, 31, 23, 59, 59, 0, time.UTC), "Etc/UTC"},
	{"leap-day", time.Date(2028, 2, 29, 23, 59, 59, 0, time.UTC), "Etc/UTC"},
}
