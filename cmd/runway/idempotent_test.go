//go:build linux

package main

// Idempotency (issue 14, item 4): the same site collected 5 times with
// overlapping windows gives identical API answers and never two rows of
// one natural key under FINAL.

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/jira"
	"github.com/runway-analytics/runway/collector/simulate"
)

func idempotentOrg() simulate.Options {
	return simulate.Options{Seed: 4, Now: collectortest.Now(time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC)),
		Teams: 2, Months: 6, IssuesPerSprint: 10, Projects: []string{"PLAT"}}
}

var summaryRows = regexp.MustCompile(`^sim: ok in \S+, \d+ requests \(0 retries\), (\d+) rows\n$`)

// TestCollectIdempotent: a backfill, then 4 more runs of the same site,
// each from an issue cursor rewound to a seeded earlier update (the last
// one to before the first issue: everything again), so every window
// overlaps what was collected. After every run the API answers exactly
// what it answered after the first, on both backends, every table holds
// one row per natural key under FINAL, and the entity tables hold the
// same rows.
func TestCollectIdempotent(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var table []faultRow
	t.Cleanup(func() { logFaults(t, table) })
	for i, backend := range []string{"chdb", "clickhouse"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			sim := newSimJira(t, idempotentOrg(), 0)
			st := newTarget(t, backend, t.TempDir(), "idem")
			cfg := sim.collectConfig(t, st.dsn, termGrace)
			byUpdate := slices.SortedFunc(slices.Values(sim.org.Issues), func(a, b *simulate.Issue) int {
				return a.Updated.Compare(b.Updated)
			})
			r := rand.New(rand.NewPCG(4, uint64(i)))

			var first storeState
			rewind := ""
			for run := 1; run <= 5; run++ {
				what := fmt.Sprintf("%s: run %d", backend, run)
				res := sim.collect(t, cfg, nil, 0)
				m := summaryRows.FindStringSubmatch(res.stdout)
				if res.code != 0 || m == nil {
					t.Fatalf("%s: exit %d\n%s%s", what, res.code, res.stdout, res.stderr)
				}
				window := len(sim.org.Issues)
				if rewind != "" {
					// The run searched from the rewound cursor, less the
					// overlap, and wrote every issue updated since again.
					resumedFrom(t, what, res.searches, rewind)
					cur, _ := time.Parse(time.RFC3339, rewind)
					from := cur.Add(-5 * time.Minute).Truncate(time.Minute)
					window = 0
					for _, is := range sim.org.Issues {
						if !is.Updated.Before(from) {
							window++
						}
					}
				}
				if rows, _ := strconv.Atoi(m[1]); rows < window || window == 0 {
					t.Errorf("%s: wrote %d rows for a window of %d issues", what, rows, window)
				}

				// The next window starts at a seeded issue's update; the
				// last one before the first issue.
				next := ""
				if run < 5 {
					at := byUpdate[r.IntN(len(byUpdate))].Updated
					if run == 4 {
						at = byUpdate[0].Updated.Add(-time.Hour)
					}
					next = at.UTC().Format(time.RFC3339)
				}
				// The API's answers after every run on the embedded store;
				// on the server (whose answers cost this process the most)
				// after the first and the last.
				api := backend == "chdb" || run == 1 || run == 5
				got := sim.inspectAndRewind(t, st, api, run == 1, next)
				checkNoDuplicates(t, what, got)
				for _, e := range got.Truth {
					t.Errorf("%s: %s", what, e)
				}
				if run == 1 {
					first = got
					if len(first.API) < 20 || first.SprintsChecked == 0 || first.MilestonesChecked == 0 {
						t.Fatalf("%s: %d API answers, %d sprints and %d milestones compared with the truth", what, len(first.API),
							first.SprintsChecked, first.MilestonesChecked)
					}
				} else {
					if api {
						sameAnswers(t, what, got.API, first.API)
					}
					for _, tbl := range entityTables {
						if g, w := got.Tables[tbl].Final, first.Tables[tbl].Final; g != w {
							t.Errorf("%s: %s holds %d rows under FINAL, %d after the first run", what, tbl, g, w)
						}
					}
					for id, is := range got.Issues {
						if !maps.Equal(is.Children, first.Issues[id].Children) || !is.Updated.Equal(first.Issues[id].Updated) {
							t.Errorf("%s: issue %s holds %v, %v after the first run", what, id, is.Children, first.Issues[id].Children)
						}
					}
				}
				if !maps.Equal(positions(got.Cursors), positions(first.Cursors)) {
					t.Errorf("%s: cursors %v, %v after the first run", what, got.Cursors, first.Cursors)
				}
				mu.Lock()
				table = append(table, faultRow{fault: fmt.Sprintf("%s, window: %s", what, windowName(rewind, window)),
					outcome: fmt.Sprintf("%s; FINAL = distinct keys in all %d tables", answersSaid(run, len(got.API)), len(got.Tables)),
					lost:    "none", recovery: res.took.Round(10 * time.Millisecond).String()})
				mu.Unlock()
				rewind = next
			}
		})
	}
}

func answersSaid(run, n int) string {
	switch {
	case n == 0:
		return "same rows as after run 1"
	case run == 1:
		return fmt.Sprintf("%d API answers; the org's truth", n)
	}
	return fmt.Sprintf("%d API answers identical to run 1's", n)
}

func windowName(rewind string, issues int) string {
	if rewind == "" {
		return fmt.Sprintf("backfill, %d issues", issues)
	}
	return fmt.Sprintf("updated ≥ %s − 5 min, %d issues", rewind, issues)
}

// inspectAndRewind inspects the target (with the API's answers when api
// is set, the comparison with the truth when truth is) and then, with
// next set, rewinds the issue cursor to it.
func (s *simJira) inspectAndRewind(t *testing.T, st storeTarget, api, truth bool, next string) storeState {
	t.Helper()
	req := storeReq{DSN: st.dsn, Source: simSource, Org: s.opts, API: api, Truth: truth}
	if next != "" {
		req.Cursors = map[string]string{jira.CursorIssues: next}
	}
	return s.inspectReq(t, st, req)
}

// sameAnswers compares two sets of API answers path by path.
func sameAnswers(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for _, p := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[p]
		switch {
		case !ok:
			t.Errorf("%s: GET %s not asked", what, p)
		case g != want[p]:
			t.Errorf("%s: GET %s answers differently:\n got %s\nwant %s", what, p, clipDiff(g, want[p]), clipDiff(want[p], g))
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: GET %s is new", what, p)
		}
	}
}

// clipDiff shows a from a little before where it first differs from b.
func clipDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-80)
	return "…" + a[lo:min(len(a), i+160)] + "…"
}
