package api

import (
	"github.com/gin-gonic/gin"

	"github.com/runway-analytics/runway/api/analytics"
)

// ticketSummary answers GET /api/v1/tickets/summary.
func (s *Server) ticketSummary(c *gin.Context, q query) error {
	var err error
	f := analytics.TicketFilter{Source: q.str("source"), SLA: s.sla, Now: s.now()}
	if f.GroupBy, err = q.oneOf("group_by", analytics.TicketsByPriority, analytics.TicketsByStatus,
		analytics.TicketsByGroup); err != nil {
		return err
	}
	if f.From, f.To, err = q.timeRange(); err != nil {
		return err
	}
	pg, err := q.offsetPage()
	if err != nil {
		return err
	}
	groups, err := analytics.TicketSummary(c.Request.Context(), s.db, f)
	if err != nil {
		return err
	}
	return answer(c, pg, groups)
}

// supportLoad answers GET /api/v1/support-load.
func (s *Server) supportLoad(c *gin.Context, q query) error {
	var err error
	f := analytics.SupportLoadFilter{SLA: s.sla, Now: s.now()}
	if f.GroupBy, err = q.oneOf("group_by", analytics.SupportByProject, analytics.SupportByMonth); err != nil {
		return err
	}
	if f.From, f.To, err = q.timeRange(); err != nil {
		return err
	}
	pg, err := q.offsetPage()
	if err != nil {
		return err
	}
	groups, err := analytics.SupportLoad(c.Request.Context(), s.db, f)
	if err != nil {
		return err
	}
	return answer(c, pg, groups)
}
