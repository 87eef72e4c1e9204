package gauges_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/runway-analytics/runway/api/gauges"
	"github.com/runway-analytics/runway/api/gauges/gaugestest"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestTombstonedSprintHasNoSeries: a closed sprint deleted upstream (a
// tombstone) has no series, and its board's last three closed sprints are
// the last three that still exist: with 104 tombstoned, board 12 shows 105,
// 103 and 102.
func TestTombstonedSprintHasNoSeries(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		if err := gaugestest.Seed(ctx, db); err != nil {
			t.Fatal(err)
		}
		// A tombstone that keeps every column of the row but deleted (the
		// state is still closed): the last-closed pick itself must skip it.
		start := time.Date(2025, 2, 17, 9, 0, 0, 0, time.UTC)
		complete := time.Date(2025, 2, 28, 17, 0, 0, 0, time.UTC)
		tomb := warehouse.SprintRow{Source: gaugestest.Source, SprintID: "104", BoardID: "12", Name: "Sprint 104", State: "closed",
			Start: &start, Complete: &complete, Version: uint64(gaugestest.Now.UnixNano()), Deleted: 1}
		if err := warehouse.InsertRows(ctx, db, []warehouse.SprintRow{tomb}); err != nil {
			t.Fatal(err)
		}
		reg := prometheus.NewRegistry()
		reg.MustRegister(gauges.New(db, nil, func() time.Time { return gaugestest.Now }, 30*time.Second))
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		closed := map[string]bool{}
		for _, mf := range mfs {
			if mf.GetName() != "runway_sprint_issues" {
				continue
			}
			for _, m := range mf.GetMetric() {
				labels := map[string]string{}
				for _, l := range m.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				if labels["board"] == "12" && labels["state"] == "closed" {
					closed[labels["sprint"]] = true
				}
			}
		}
		if len(closed) != 3 || !closed["105"] || !closed["103"] || !closed["102"] {
			t.Errorf("board 12's closed sprints with series: %v, want 102, 103 and 105", closed)
		}
	})
}
