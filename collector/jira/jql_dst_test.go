package jira

import (
	"testing"
	"time"
)

// TestBuildJQLFirstOfRepeatedHour: a cursor in the first instance of a
// local hour that the end of daylight saving repeats (00:08 UTC on
// 2027-10-31 is 02:08 CEST, and 02:08 CET follows an hour later) must not
// be written as that local time, which Jira reads as the second instance:
// the issues updated in between would be skipped for good.
func TestBuildJQLFirstOfRepeatedHour(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2027, 10, 31, 0, 8, 0, 0, time.UTC)
	q, at := buildJQL(nil, from, berlin)
	check(t, "jql", q, `updated >= "2027-10-31 00:08" ORDER BY updated ASC`)
	if at.After(from) {
		t.Errorf("the date literal stands for %v, after the cursor %v", at.UTC(), from)
	}
}
