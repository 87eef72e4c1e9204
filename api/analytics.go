package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/runway-analytics/runway/api/analytics"
)

// analyticsRoutes registers the report endpoints (sprints, scope change,
// durations).
func (s *Server) analyticsRoutes(g *gin.RouterGroup) {
	g.GET("/sprints", s.listSprints)
	g.GET("/sprints/:source/:id", s.getSprint)
	g.GET("/scope-change", s.scopeChange)
	g.GET("/durations", s.durations)
}

// analyticsErr maps report errors to API errors: bad filters are the
// caller's to fix (400), everything else is ours (500).
func analyticsErr(err error) error {
	switch {
	case errors.Is(err, analytics.ErrInvalidArgument), errors.Is(err, analytics.ErrUnsupported):
		return invalid(err.Error())
	case errors.Is(err, analytics.ErrNotFound):
		return notFound(err.Error())
	}
	return err
}

// sprintCursor is the keyset position behind next_cursor.
type sprintCursor struct {
	Start  *time.Time `json:"s,omitempty"`
	Source string     `json:"src"`
	ID     string     `json:"id"`
}

func (s *Server) listSprints(c *gin.Context) {
	q, err := parseQuery(c.Request.URL.Query(), "source", "board", "state", "from", "to", "limit", "cursor")
	if err != nil {
		s.fail(c, err)
		return
	}
	f := analytics.SprintFilter{Source: q.str("source"), Board: q.str("board"), Now: s.now()}
	if f.State, err = q.oneOf("state", analytics.StateFuture, analytics.StateActive, analytics.StateClosed); err != nil {
		s.fail(c, err)
		return
	}
	if f.From, f.To, err = q.timeRange(); err != nil {
		s.fail(c, err)
		return
	}
	limit, err := q.limit()
	if err != nil {
		s.fail(c, err)
		return
	}
	var cur sprintCursor
	if ok, err := q.cursor(&cur); err != nil {
		s.fail(c, err)
		return
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
		s.fail(c, analyticsErr(err))
		return
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
}

func (s *Server) getSprint(c *gin.Context) {
	if _, err := parseQuery(c.Request.URL.Query()); err != nil {
		s.fail(c, err)
		return
	}
	d, err := analytics.Sprint(c.Request.Context(), s.db, c.Param("source"), c.Param("id"), s.now())
	if err != nil {
		s.fail(c, analyticsErr(err))
		return
	}
	if d.Events == nil {
		d.Events = []analytics.SprintEvent{}
	}
	c.JSON(http.StatusOK, d)
}

func (s *Server) scopeChange(c *gin.Context) {
	q, err := parseQuery(c.Request.URL.Query(), "entity", "group_by", "source", "from", "to", "limit", "cursor")
	if err != nil {
		s.fail(c, err)
		return
	}
	f := analytics.ScopeChangeFilter{Source: q.str("source"), Now: s.now()}
	if f.Entity, err = q.oneOf("entity", "sprint", "milestone"); err != nil {
		s.fail(c, err)
		return
	}
	if f.GroupBy, err = q.oneOf("group_by", "board", "project", "month"); err != nil {
		s.fail(c, err)
		return
	}
	if f.GroupBy == "" {
		f.GroupBy = "board"
	}
	if f.From, f.To, err = q.timeRange(); err != nil {
		s.fail(c, err)
		return
	}
	pg, err := q.offsetPage()
	if err != nil {
		s.fail(c, err)
		return
	}
	groups, err := analytics.ScopeChange(c.Request.Context(), s.db, f)
	if err != nil {
		s.fail(c, analyticsErr(err))
		return
	}
	out, err := cut(pg, groups)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) durations(c *gin.Context) {
	q, err := parseQuery(c.Request.URL.Query(), "entity", "group_by", "from", "to", "limit", "cursor")
	if err != nil {
		s.fail(c, err)
		return
	}
	f := analytics.DurationFilter{Now: s.now()}
	if f.Entity, err = q.oneOf("entity", "sprint", "milestone", "project", "ticket"); err != nil {
		s.fail(c, err)
		return
	}
	// Sprint durations group by board, state or month; the other entities
	// (and their groupings) arrive with their sources.
	if f.GroupBy, err = q.oneOf("group_by", "board", "state", "month"); err != nil {
		s.fail(c, err)
		return
	}
	if f.From, f.To, err = q.timeRange(); err != nil {
		s.fail(c, err)
		return
	}
	pg, err := q.offsetPage()
	if err != nil {
		s.fail(c, err)
		return
	}
	groups, err := analytics.Durations(c.Request.Context(), s.db, f)
	if err != nil {
		s.fail(c, analyticsErr(err))
		return
	}
	out, err := cut(pg, groups)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}
