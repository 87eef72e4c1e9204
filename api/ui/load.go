package ui

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"

	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// Source is what the overview is computed from: the server's warehouse,
// clock reading and options, so the page answers what the API answers.
type Source struct {
	DB    warehouse.DB
	Now   time.Time // one reading for every report of the page
	Kinds analytics.KindRules
	SLA   map[string]time.Duration
}

// Load runs the page's reports, concurrently (each is a few statements;
// the milestone reading is shared through analytics' cache), and arranges
// them. The calls are the API handlers' with their default parameters.
func Load(ctx context.Context, src Source) (*Overview, error) {
	var (
		r    reports
		errs [7]error
		wg   sync.WaitGroup
	)
	db, now := src.DB, src.Now
	wg.Go(func() {
		r.projects, errs[0] = analytics.Projects(ctx, db, src.Kinds, now)
	})
	wg.Go(func() {
		r.milestones, errs[1] = analytics.Milestones(ctx, db,
			analytics.MilestoneFilter{Kinds: src.Kinds, Now: now, Limit: math.MaxInt32})
	})
	wg.Go(func() {
		r.sprints, errs[2] = analytics.RecentSprints(ctx, db, closedPerBoard, now)
	})
	wg.Go(func() {
		r.boards, errs[3] = analytics.ScopeChange(ctx, db, analytics.ScopeChangeFilter{
			Entity: analytics.EntitySprint, GroupBy: analytics.GroupByBoard, Kinds: src.Kinds, Now: now})
	})
	wg.Go(func() {
		r.tickets, errs[4] = analytics.TicketSummary(ctx, db, analytics.TicketFilter{
			GroupBy: analytics.TicketsByPriority, SLA: src.SLA, Now: now})
	})
	wg.Go(func() {
		r.load, errs[5] = analytics.SupportLoad(ctx, db, analytics.SupportLoadFilter{
			GroupBy: analytics.SupportByProject, SLA: src.SLA, Now: now})
	})
	wg.Go(func() {
		r.boardNames, errs[6] = analytics.BoardNames(ctx, db)
	})
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return arrange(now, r), nil
}
