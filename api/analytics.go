package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/runway-analytics/runway/api/analytics"
)

// The report endpoints: sprints, scope change, durations.

// sprintCursor is the keyset position behind next_cursor.
type sprintCursor struct {
	Start  *time.Time `json:"s,omitempty"`
	Source string     `json:"src"`
	ID     string     `json:"id"`
}

func (c sprintCursor) valid() bool {
	return storable(c.Start) && len(c.Source) <= maxNameLen && len(c.ID) <= maxNameLen
}

func (s *Server) listSprints(c *gin.Context, q query) error {
	var err error
	f := analytics.SprintFilter{Source: q.str("source"), Board: q.str("board"), Now: s.now()}
	if f.State, err = q.oneOf("state", analytics.StateFuture, analytics.StateActive, analytics.StateClosed); err != nil {
		return err
	}
	if f.From, f.To, err = q.timeRange(); err != nil {
		return err
	}
	limit, err := q.limit()
	if err != nil {
		return err
	}
	var cur sprintCursor
	if ok, err := q.cursor(&cur); err != nil {
		return err
	} else if ok {
		k := analytics.SprintKey{Source: cur.Source, ID: cur.ID}
		if cur.Start != nil {
			k.Start = *cur.Start
		}
		f.After = &k
	}
	// One extra row says whether there is a next page.
	f.Limit = limit + 1
	items, err := analytics.Sprints(c.Request.Context(), s.db, f)
	if err != nil {
		return err
	}
	out := list[analytics.SprintReport]{Items: items}
	if len(items) > limit {
		out.Items = items[:limit]
		last := out.Items[limit-1]
		out.NextCursor = encodeCursor(sprintCursor{Start: last.Start, Source: last.Source, ID: last.ID})
	}
	if out.Items == nil {
		out.Items = []analytics.SprintReport{}
	}
	c.JSON(http.StatusOK, out)
	return nil
}

func (s *Server) getSprint(c *gin.Context, _ query) error {
	d, err := analytics.Sprint(c.Request.Context(), s.db, c.Param("source"), c.Param("id"), s.now())
	if err != nil {
		return err
	}
	if d.Events == nil {
		d.Events = []analytics.SprintEvent{}
	}
	c.JSON(http.StatusOK, d)
	return nil
}

func (s *Server) scopeChange(c *gin.Context, q query) error {
	var err error
	f := analytics.ScopeChangeFilter{Source: q.str("source"), Now: s.now()}
	if f.Entity, err = q.oneOf("entity", "sprint", "milestone"); err != nil {
		return err
	}
	if f.GroupBy, err = q.oneOf("group_by", "board", "project", "month", "kind", "type"); err != nil {
		return err
	}
	if f.GroupBy == "" && f.Entity != analytics.EntityMilestone {
		f.GroupBy = "board"
	}
	f.Kinds = s.kinds
	if f.From, f.To, err = q.timeRange(); err != nil {
		return err
	}
	pg, err := q.offsetPage()
	if err != nil {
		return err
	}
	groups, err := analytics.ScopeChange(c.Request.Context(), s.db, f)
	if err != nil {
		return err
	}
	return answer(c, pg, groups)
}

func (s *Server) durations(c *gin.Context, q query) error {
	var err error
	f := analytics.DurationFilter{Now: s.now()}
	if f.Entity, err = q.oneOf("entity", "sprint", "milestone", "project", "ticket"); err != nil {
		return err
	}
	// Sprints group by board, state or month; milestones by project, kind
	// or project type; projects by type; tickets by priority or group
	// (analytics checks the pairs).
	if f.GroupBy, err = q.oneOf("group_by", "board", "state", "month", "project", "kind", "type", "priority", "group"); err != nil {
		return err
	}
	f.Kinds = s.kinds
	if f.From, f.To, err = q.timeRange(); err != nil {
		return err
	}
	pg, err := q.offsetPage()
	if err != nil {
		return err
	}
	groups, err := analytics.Durations(c.Request.Context(), s.db, f)
	if err != nil {
		return err
	}
	return answer(c, pg, groups)
}
