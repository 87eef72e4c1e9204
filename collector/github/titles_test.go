package github

import (
	"testing"
	"time"
)

// TestTitleResolve: a rename is known to have happened between two
// observations, so an event in that gap matches either title; before the
// first observation the first title holds; a title no milestone had at the
// time falls back to a milestone that had it, one that existed then first.
func TestTitleResolve(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2025, 3, d, 12, 0, 0, 0, time.UTC) }
	log := titleLog{}
	log.observe("7", "Beta", day(1))
	log.observe("7", "Beta 1", day(10)) // renamed between day 1 and day 10
	log.observe("9", "Beta", day(12))   // a new milestone takes the old title
	if log.observe("9", "Beta", day(13)) {
		t.Error("the same title again is no news")
	}
	for _, c := range []struct {
		title string
		at    time.Time
		want  string
		ok    bool
	}{
		{"Beta", day(2), "7", true},    // in the gap: the old title
		{"Beta 1", day(2), "7", true},  // in the gap: the new title too
		{"Beta 1", day(11), "7", true}, // after the rename was seen
		{"Beta", day(20), "9", true},   // the new holder
		{"Beta", day(11), "7", true},   // no match (9 did not exist yet): the one that had it and existed
		{"Beta", day(0), "9", true},    // before either existed: the last to have it
		{"Gamma", day(5), "", false},
	} {
		got, ok := log.resolve(c.title, c.at)
		if got != c.want || ok != c.ok {
			t.Errorf("resolve(%q, %s) = %q %v, want %q %v", c.title, c.at.Format(time.DateOnly), got, ok, c.want, c.ok)
		}
	}
	back, err := parseTitleLog(log.String())
	if err != nil || back.String() != log.String() {
		t.Errorf("round trip: %v %v", back, err)
	}
	if _, err := parseTitleLog("{not json"); err == nil {
		t.Error("a corrupt title log must fail")
	}
}
