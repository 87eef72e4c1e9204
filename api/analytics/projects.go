package analytics

import (
	"context"
	"fmt"
	"time"

	"github.com/runway-analytics/runway/api/analytics/forecast"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// Project types and their expected duration ranges in days (DESIGN §5);
// ongoing support has none.
var expectedDays = map[string][2]float64{
	"short_term": {90, 183},
	"long_term":  {365, 730},
}

// ProjectReport is one configured project (DESIGN §7).
type ProjectReport struct {
	Key             string         `json:"key"`
	Name            string         `json:"name"`
	Type            string         `json:"type"`
	Start           *time.Time     `json:"start"`
	End             *time.Time     `json:"end"` // the last milestone closed, when all are
	ForecastEnd     *time.Time     `json:"forecast_end"`
	DurationDays    *float64       `json:"duration_days"`
	ExpectedMinDays *float64       `json:"expected_min_days"`
	ExpectedMaxDays *float64       `json:"expected_max_days"`
	WithinExpected  *bool          `json:"within_expected"`
	Milestones      map[string]int `json:"milestones"` // counts by status
	// Support is the project's support load beside its delivery per
	// month (ProjectSupport), where the projects API adds it.
	Support []SupportLoadGroup `json:"support,omitempty"`
}

// sprintStartsSQL is the first sprint start per upstream project (the
// project of the sprint's board), tombstoned sprints left out.
const sprintStartsSQL = "SELECT project, toInt64(toUInt32(min(t0))) AS first\n" +
	"FROM (\n" +
	"    SELECT source, board_id, ifNull(activated_date, start_date) AS t0\n" +
	"    FROM {db}.sprints FINAL\n" +
	"    WHERE deleted = 0 AND state != '" + StateFuture + "' AND isNotNull(ifNull(activated_date, start_date))\n" +
	") AS s\n" +
	"ALL INNER JOIN (\n" +
	"    SELECT source, board_id, project FROM {db}.boards FINAL\n" +
	") AS b USING (source, board_id)\n" +
	"GROUP BY project"

// sprintStartReadings keep each upstream project's first sprint start
// while the data is unchanged (no clock in it; callers only read it).
var sprintStartReadings readingCache[map[string]time.Time]

// Projects reports every configured project: its span from the first
// sprint or milestone start to the last milestone closed (or now, or the
// latest forecast while milestones are open), against its type's range.
func Projects(ctx context.Context, db warehouse.DB, kinds KindRules, now time.Time) ([]ProjectReport, error) {
	now, err := reportNow(now)
	if err != nil {
		return nil, err
	}
	c, err := allMilestoneData(ctx, db, now)
	if err != nil {
		return nil, err
	}
	return c.projectReports(ctx, db, c.reports(kinds, now), now)
}

// Portfolio returns what RecentMilestones and Projects return, from one
// reading of the milestones: the business gauges' milestone and project
// sets.
func Portfolio(ctx context.Context, db warehouse.DB, closedWithin time.Duration, now time.Time) ([]MilestoneReport, []ProjectReport, error) {
	now, err := reportNow(now)
	if err != nil {
		return nil, nil, err
	}
	if closedWithin < 0 {
		return nil, nil, fmt.Errorf("%w: closed within %s is negative", ErrInvalidArgument, closedWithin)
	}
	c, err := allMilestoneData(ctx, db, now)
	if err != nil {
		return nil, nil, err
	}
	all := c.reports(nil, now)
	projects, err := c.projectReports(ctx, db, all, now)
	if err != nil {
		return nil, nil, err
	}
	return recent(all, closedWithin, now), projects, nil
}

// projectReports computes the project reports from the milestone data and
// every milestone's report.
func (c *milestoneData) projectReports(ctx context.Context, db warehouse.DB, reports []MilestoneReport, now time.Time) ([]ProjectReport, error) {
	firstSprint, _, err := sprintStartReadings.get(ctx, db, "", now, false,
		func(*cachedReading[map[string]time.Time], time.Time) bool { return true },
		func(ctx context.Context) (map[string]time.Time, error) {
			first := map[string]time.Time{}
			err := each(ctx, db, "project sprint starts", frag{sql: sprintStartsSQL}, func(r warehouse.Rows) error {
				var p string
				var t int64
				if err := r.Scan(&p, &t); err != nil {
					return err
				}
				first[p] = time.Unix(t, 0).UTC()
				return nil
			})
			return first, err
		})
	if err != nil {
		return nil, err
	}
	out := make([]ProjectReport, 0, len(c.projects))
	for _, p := range c.projects {
		pr := ProjectReport{Key: p.key, Name: p.name, Type: p.typ, Milestones: map[string]int{}}
		earliest := func(t *time.Time) {
			if t != nil && (pr.Start == nil || t.Before(*pr.Start)) {
				pr.Start = ptrTime(*t)
			}
		}
		for _, up := range p.matches {
			if t, ok := firstSprint[up]; ok {
				earliest(&t)
			}
		}
		open := false
		var lastClosed, lastForecast *time.Time
		for _, m := range reports {
			if m.ProjectKey != p.key {
				continue
			}
			pr.Milestones[m.Status]++
			earliest(m.Start)
			switch {
			case m.State == MilestoneOpen:
				open = true
				if m.ForecastP85 != nil && (lastForecast == nil || m.ForecastP85.After(*lastForecast)) {
					lastForecast = m.ForecastP85
				}
			case m.Closed != nil && (lastClosed == nil || m.Closed.After(*lastClosed)):
				lastClosed = m.Closed
			}
		}
		end := now
		if !open && lastClosed != nil {
			pr.End, end = lastClosed, *lastClosed
		}
		if open {
			pr.ForecastEnd = lastForecast
		}
		if pr.Start != nil {
			pr.DurationDays = ptrF(forecast.Days(end.Sub(*pr.Start)))
		}
		if r, ok := expectedDays[p.typ]; ok {
			pr.ExpectedMinDays, pr.ExpectedMaxDays = ptrF(r[0]), ptrF(r[1])
			// Judged on the duration, or on the forecast end while open.
			span := pr.DurationDays
			if pr.ForecastEnd != nil && pr.Start != nil {
				span = ptrF(forecast.Days(pr.ForecastEnd.Sub(*pr.Start)))
			}
			if span != nil {
				in := *span >= r[0] && *span <= r[1]
				pr.WithinExpected = &in
			}
		}
		out = append(out, pr)
	}
	return out, nil
}
