package analytics

import (
	"context"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// Every milestone report of the whole org (the list, projects, rollups,
// the backtest, the gauges) is computed from one reading of every
// milestone: five statements that cost ~250 ms at 5,000 milestones, while
// the arithmetic over them costs ~15 ms (see readings.go).
//
// The reading also depends on the clock, through the window of the
// throughput fallback (closures since now − 8 weeks): one made at t holds
// every closure a later clock needs, so it is reused for clocks from t up
// to t + maxReadingAge, never for an earlier one.

// maxReadingAge bounds how long one reading serves later clocks, so no
// clock-dependent reading outlives a few refreshes.
const maxReadingAge = 5 * time.Minute

var milestoneReadings readingCache[*milestoneData]

// allMilestoneData returns the reading of every milestone as of now: the
// cached one when the warehouse's data is unchanged and it was made at
// most maxReadingAge before now, else a new one.
func allMilestoneData(ctx context.Context, db warehouse.DB, now time.Time) (*milestoneData, error) {
	data, _, err := milestoneReadings.get(ctx, db, "", now, false, milestoneReadingServes,
		func(ctx context.Context) (*milestoneData, error) {
			return collectMilestones(ctx, db, milestoneSel{}, now)
		})
	return data, err
}

// milestoneDataOf returns the reading when one serves now, else reads
// the milestones sel selects (one milestone's report does not wait for
// the whole org).
func milestoneDataOf(ctx context.Context, db warehouse.DB, sel milestoneSel, now time.Time) (*milestoneData, error) {
	data, ok, err := milestoneReadings.get(ctx, db, "", now, true, milestoneReadingServes, nil)
	if err != nil || ok {
		return data, err
	}
	return collectMilestones(ctx, db, sel, now)
}

func milestoneReadingServes(r *cachedReading[*milestoneData], now time.Time) bool {
	return !now.Before(r.now) && now.Sub(r.now) <= maxReadingAge
}
