package truthcheck

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/runway-analytics/runway/api/analytics"
)

// Sprints compares every sprint report of the site's source as of now
// (analytics.Sprints: the warehouse's SQL) with the org's sprint truth,
// sprint by sprint (a sprint's id is the org's), and returns how many it
// compared. A sprint the truth has and the reports lack is an error.
func Sprints(t testing.TB, s Site, now time.Time) int {
	t.Helper()
	reports, err := analytics.Sprints(context.Background(), s.DB, analytics.SprintFilter{Source: s.Source, Now: now,
		Limit: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]analytics.SprintReport{}
	for _, r := range reports {
		got[r.ID] = r
	}
	n := 0
	for id, tr := range s.Org.AllSprintTruths(now) {
		if sp := s.Org.Sprint(atoi(id)); sp == nil || sp.Created.After(now) {
			continue // not created yet at now: the site does not list it
		}
		r, ok := got[id]
		if !ok {
			t.Errorf("at %v: sprint %s (%s) not reported", now, id, tr.Name)
			continue
		}
		have := fmt.Sprintf("state=%s C=%d A=%d R=%d D=%d O=%d", r.State, r.Committed, r.Added, r.Removed, r.Completed, r.CarriedOver)
		want := fmt.Sprintf("state=%s C=%d A=%d R=%d D=%d O=%d", tr.State, tr.Committed, tr.Added, tr.Removed, tr.Completed, tr.CarriedOver)
		if have != want {
			t.Errorf("at %v: sprint %s (%s):\n got %s\nwant %s", now, id, tr.Name, have, want)
		}
		n++
	}
	return n
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
