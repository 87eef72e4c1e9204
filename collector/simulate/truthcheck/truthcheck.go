// Package truthcheck compares what Runway reports from a warehouse with
// the simulator's truth, for the collection tests of every source: the
// comparison lives once, whichever vendor's simulator and collector fill
// the warehouse.
package truthcheck

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// DefaultKinds are the default milestone kind rules (config), compiled.
func DefaultKinds(t testing.TB) analytics.KindRules {
	t.Helper()
	var kinds []string
	var pats [][]string
	for _, k := range config.DefaultMilestoneKinds.Kinds() {
		kinds, pats = append(kinds, k.Kind), append(pats, k.Patterns)
	}
	rules, err := analytics.NewKindRules(kinds, pats)
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

// Site is a simulated site collected into a warehouse: what a comparison
// needs to know about it.
type Site struct {
	DB     warehouse.DB
	Source string // the collecting source's name
	Org    *simulate.Org
	// Rules are the vendor's milestone rules (simulate.JiraMilestones...).
	Rules simulate.MilestoneRules
	// Project is the upstream project a vendor names an org project by (a
	// GitHub repository); nil: the project key.
	Project func(key string) string
}

// Milestones compares every milestone report of the site's source, as of
// the last of runs, with the org's truth for those runs, and returns the
// reports by milestone id. A milestone the truth has and the reports lack,
// or the other way round, is an error.
func Milestones(t testing.TB, s Site, runs []time.Time) map[string]analytics.MilestoneReport {
	t.Helper()
	db, source, org, rules := s.DB, s.Source, s.Org, s.Rules
	project := s.Project
	if project == nil {
		project = func(key string) string { return key }
	}
	now := runs[len(runs)-1]
	reports, err := analytics.Milestones(context.Background(), db, analytics.MilestoneFilter{Source: source, Now: now,
		Kinds: DefaultKinds(t), Limit: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	truths := org.AllMilestoneTruthsWith(rules, runs)
	got := map[string]analytics.MilestoneReport{}
	for _, r := range reports {
		got[r.ID] = r
	}
	if len(got) != len(truths) {
		t.Errorf("at %v: %d milestone reports, the truth has %d", now, len(got), len(truths))
	}
	for id, tr := range truths {
		r, ok := got[id]
		if !ok {
			t.Errorf("at %v: milestone %s (%s) not reported", now, id, tr.Name)
			continue
		}
		have := fmt.Sprintf("state=%s original_due=%s due_changes=%d baseline=%s initial=%d added=%d removed=%d open=%d closed=%d",
			r.State, Day(r.OriginalDue), r.DueChanges, Day(r.Start), r.InitialScope, r.Added, r.Removed,
			r.OpenIssues, r.ClosedIssues)
		want := fmt.Sprintf("state=%s original_due=%s due_changes=%d baseline=%s initial=%d added=%d removed=%d open=%d closed=%d",
			tr.State, Day(tr.OriginalDue), tr.DueChanges, Day(tr.Baseline), tr.InitialScope, tr.Added, tr.Removed,
			tr.OpenIssues, tr.ClosedIssues)
		if have != want {
			t.Errorf("at %v: milestone %s (%s, %s):\n got %s\nwant %s", now, id, tr.Name, tr.Scenario, have, want)
		}
		if r.Title != tr.Name || r.Project != project(tr.Project) || !sameTime(r.Due, tr.Due) {
			t.Errorf("at %v: milestone %s: title %q project %s due %s, want %q %s %s", now, id, r.Title, r.Project,
				Day(r.Due), tr.Name, project(tr.Project), Day(tr.Due))
		}
	}
	return got
}

// Day renders an optional time for comparisons ("none" for nil).
func Day(p *time.Time) string {
	if p == nil {
		return "none"
	}
	return p.UTC().Format(time.RFC3339)
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
