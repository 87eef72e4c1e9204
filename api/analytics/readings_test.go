package analytics

import (
	"context"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestWarm: after Warm, the whole-org answers it prepares cost only the
// parts fingerprint (and a page its own sprints), at the same clock and
// a second later.
func TestWarm(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seed(t, db)
		seedTickets(t, db)
		ctx := context.Background()
		cdb := &countingDB{DB: db}
		sla := map[string]time.Duration{"urgent": 4 * time.Hour}
		now := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC) // after every fixture event
		if err := Warm(ctx, cdb, now, sla); err != nil {
			t.Fatal(err)
		}
		for _, at := range []time.Time{now, now.Add(time.Second)} {
			for _, c := range []struct {
				what string
				want int64
				call func() error
			}{
				{"milestones", 1, func() error { _, err := Milestones(ctx, cdb, MilestoneFilter{Now: at}); return err }},
				{"sprints", 2, func() error { _, err := Sprints(ctx, cdb, SprintFilter{Now: at}); return err }},
				{"ticket summary", 1, func() error {
					_, err := TicketSummary(ctx, cdb, TicketFilter{SLA: sla, Now: at})
					return err
				}},
				{"tickets by source", 1, func() error {
					_, err := TicketsBySource(ctx, cdb, TicketFilter{SLA: sla, Now: at})
					return err
				}},
				{"forecast accuracy", 1, func() error { _, err := ForecastAccuracy(ctx, cdb, AccuracyFilter{Now: at}); return err }},
			} {
				before := cdb.calls.Load()
				if err := c.call(); err != nil {
					t.Fatalf("%s: %v", c.what, err)
				}
				if n := cdb.calls.Load() - before; n != c.want {
					t.Errorf("%s at %s after Warm: %d statements, want %d", c.what, at, n, c.want)
				}
			}
		}

		// The support load is shared by the requests of one second.
		support := func(at time.Time) int64 {
			t.Helper()
			before := cdb.calls.Load()
			if _, err := SupportLoad(ctx, cdb, SupportLoadFilter{SLA: sla, Now: at}); err != nil {
				t.Fatal(err)
			}
			return cdb.calls.Load() - before
		}
		if n := support(now.Add(2 * time.Second)); n < 3 {
			t.Errorf("support load: %d statements, want it computed", n)
		}
		if n := support(now.Add(2*time.Second + 500*time.Millisecond)); n != 1 {
			t.Errorf("support load in the same second: %d statements, want 1 (the fingerprint)", n)
		}
		if n := support(now.Add(3 * time.Second)); n < 3 {
			t.Errorf("support load a second later: %d statements, want it computed again", n)
		}
	})
}
