package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/api/analytics/forecast"
)

// The milestone and project endpoints.

// milestoneCursor is the keyset position behind next_cursor.
type milestoneCursor struct {
	Due    *time.Time `json:"d,omitempty"`
	Source string     `json:"src"`
	ID     string     `json:"id"`
}

func (c milestoneCursor) valid() bool {
	return storable(c.Due) && len(c.Source) <= maxNameLen && len(c.ID) <= maxNameLen
}

func milestoneStatuses() []string {
	var out []string
	for _, s := range forecast.Statuses() {
		out = append(out, string(s))
	}
	return out
}

func (s *Server) listMilestones(c *gin.Context, q query) error {
	var err error
	f := analytics.MilestoneFilter{Source: q.str("source"), Project: q.str("project"), Kinds: s.kinds, Now: s.now()}
	if f.State, err = q.oneOf("state", analytics.MilestoneOpen, analytics.MilestoneClosed, analytics.MilestoneArchived); err != nil {
		return err
	}
	if f.Status, err = q.oneOf("status", milestoneStatuses()...); err != nil {
		return err
	}
	if f.Kind, err = q.oneOf("kind", analytics.KindPrototype, analytics.KindBeta, analytics.KindProduction, analytics.KindOther); err != nil {
		return err
	}
	limit, err := q.limit()
	if err != nil {
		return err
	}
	var cur milestoneCursor
	if ok, err := q.cursor(&cur); err != nil {
		return err
	} else if ok {
		f.After = &analytics.MilestoneKey{Due: cur.Due, Source: cur.Source, ID: cur.ID}
	}
	f.Limit = limit + 1 // one more says whether there is a next page
	items, err := analytics.Milestones(c.Request.Context(), s.db, f)
	if err != nil {
		return err
	}
	out := list[analytics.MilestoneReport]{Items: items}
	if len(items) > limit {
		out.Items = items[:limit]
		last := out.Items[limit-1]
		out.NextCursor = encodeCursor(milestoneCursor{Due: last.Due, Source: last.Source, ID: last.ID})
	}
	c.JSON(http.StatusOK, out)
	return nil
}

func (s *Server) getMilestone(c *gin.Context, _ query) error {
	d, err := analytics.Milestone(c.Request.Context(), s.db, c.Param("source"), c.Param("id"), s.kinds, s.now())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, d)
	return nil
}

func (s *Server) listProjects(c *gin.Context, q query) error {
	pg, err := q.offsetPage()
	if err != nil {
		return err
	}
	now := s.now()
	ps, err := analytics.Projects(c.Request.Context(), s.db, s.kinds, now)
	if err != nil {
		return err
	}
	support, err := analytics.ProjectSupport(c.Request.Context(), s.db, s.sla, now)
	if err != nil {
		return err
	}
	for i := range ps {
		ps[i].Support = support[ps[i].Key]
	}
	return answer(c, pg, ps)
}

// forecastAccuracy backtests the milestones closed in [from, to].
func (s *Server) forecastAccuracy(c *gin.Context, q query) error {
	var err error
	f := analytics.AccuracyFilter{Kinds: s.kinds, Now: s.now()}
	if f.GroupBy, err = q.oneOf("group_by", analytics.GroupByProject, analytics.GroupByKind); err != nil {
		return err
	}
	if f.From, f.To, err = q.timeRange(); err != nil {
		return err
	}
	pg, err := q.offsetPage()
	if err != nil {
		return err
	}
	groups, err := analytics.ForecastAccuracy(c.Request.Context(), s.db, f)
	if err != nil {
		return err
	}
	return answer(c, pg, groups)
}
