package api

import (
	"github.com/gin-gonic/gin"

	"github.com/runway-analytics/runway/api/ui"
)

// The built-in overview page (package ui). GET / is public so that a
// browser can open it: without tokens it holds the data, with tokens it is
// a shell whose script asks for a read token and fetches GET /ui/overview
// (read scope) with it.

func (s *Server) overviewPage(c *gin.Context, _ query) error {
	if len(s.tokens) > 0 {
		return ui.WriteShell(c.Writer)
	}
	o, err := s.overview(c)
	if err != nil {
		return err
	}
	return ui.WritePage(c.Writer, o)
}

func (s *Server) overviewFragment(c *gin.Context, _ query) error {
	o, err := s.overview(c)
	if err != nil {
		return err
	}
	return ui.WriteFragment(c.Writer, o)
}

// overview computes the page's data as the API handlers compute theirs:
// the server's clock, milestone kinds and SLA targets.
func (s *Server) overview(c *gin.Context) (*ui.Overview, error) {
	return ui.Load(c.Request.Context(), ui.Source{DB: s.db, Now: s.now(), Kinds: s.kinds, SLA: s.sla})
}
