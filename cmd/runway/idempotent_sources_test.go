//go:build linux

package main

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// TestCollectIdempotentEverySource: the demo's four sites (Jira, GitHub,
// GitLab, Zendesk) collected with their replayed past (as of 14 and 7 days
// ago, then now), then 4 more times, each time first rewound to the
// cursors one of the earlier collections committed (a seeded pick; the
// last rerun from the earliest), so every window overlaps what is stored.
// After every rerun every answer is the bytes of the first collection's,
// and no table holds two rows of one natural key under FINAL.
// (TestCollectIdempotent does the same for Jira on both backends with the
// binary; this one covers every source, in-process, on the server
// backend: the test process holds the embedded engine already.)
func TestCollectIdempotentEverySource(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	a, clock, srv, stop := pinnedDemoApp(t, ctx, serverDSN(t), "")
	defer stop()
	sites := sitesOf(a)
	collect := func(what string) {
		for _, name := range a.runner.Sources() {
			if _, err := a.runner.RunOnce(ctx, name, nil); err != nil {
				t.Fatalf("%s: %s: %v", what, name, err)
			}
		}
	}
	var earlier [][]warehouse.CursorRow // the cursors after each past collection
	for i, at := range append(pastOf(demoNow), demoNow) {
		clock.Set(at)
		collect("first collection as of " + at.Format(time.RFC3339))
		if i < len(demoPast) {
			earlier = append(earlier, committedCursors(t, ctx, a.db))
		}
	}
	first := askEvery(t, srv.URL, sites, true)
	checkOneRowPerKey(t, ctx, a.db, "first collection")

	r := rand.New(rand.NewPCG(14, 4))
	for run := 2; run <= 5; run++ {
		back := r.IntN(len(earlier))
		if run == 5 {
			back = 0
		}
		rows := earlier[back]
		for i := range rows {
			rows[i].Version = uint64(time.Now().UnixNano()) // newer than what the runs committed
		}
		if err := warehouse.InsertRows(ctx, a.db, rows); err != nil {
			t.Fatal(err)
		}
		what := fmt.Sprintf("run %d (%d cursors rewound to those as of %s)", run, len(rows), pastOf(demoNow)[back].Format(time.DateOnly))
		collect(what)
		compareAnswers(t, what, first, askEvery(t, srv.URL, sites, true))
		checkOneRowPerKey(t, ctx, a.db, what)
	}
}

// committedCursors are every source's cursors as committed now.
func committedCursors(t *testing.T, ctx context.Context, db warehouse.DB) []warehouse.CursorRow {
	t.Helper()
	rows, err := db.Query(ctx, "SELECT source, name, value FROM {db}.cursors FINAL")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []warehouse.CursorRow
	for rows.Next() {
		c := warehouse.CursorRow{RunID: "rewind", Updated: demoNow}
		if err := rows.Scan(&c.Source, &c.Name, &c.Value); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		t.Fatal("no cursor committed")
	}
	return out
}

// checkOneRowPerKey: under FINAL every table holds one row per natural
// key (naturalKeys).
func checkOneRowPerKey(t *testing.T, ctx context.Context, db warehouse.DB, what string) {
	t.Helper()
	for _, table := range slices.Sorted(maps.Keys(naturalKeys)) {
		rows, err := db.Query(ctx, "SELECT toUInt64(count()), toUInt64(uniqExact("+naturalKeys[table]+")) FROM {db}."+table+" FINAL")
		if err != nil {
			t.Fatal(err)
		}
		var n, keys uint64
		for rows.Next() {
			if err := rows.Scan(&n, &keys); err != nil {
				t.Fatal(err)
			}
		}
		rows.Close()
		if n != keys {
			t.Errorf("%s: %s holds %d rows under FINAL for %d keys", what, table, n, keys)
		}
	}
}
