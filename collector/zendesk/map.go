package zendesk

import (
	"slices"
	"strconv"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// mapper turns Zendesk payloads into warehouse rows for one run.
type mapper struct {
	source  string
	now     time.Time
	version uint64
	groups  map[int64]string // group id → name
}

// ticketRow maps a ticket and its metric set (nil: none sent). The
// group is named (projects match support groups by name). A ticket merged
// into another is closed with the closed_by_merge tag: it is kept with
// that tag, and reports leave it out of solved work; a deleted one has
// status "deleted".
func (m *mapper) ticketRow(t ticket, ms *metricSet) warehouse.TicketRow {
	row := warehouse.TicketRow{Source: m.source, TicketID: strconv.FormatInt(t.ID, 10), Subject: t.Subject,
		Status: t.Status, Tags: slices.Clone(t.Tags), Created: t.CreatedAt.UTC(), Updated: t.UpdatedAt.UTC(),
		Version: m.version}
	if row.Tags == nil {
		row.Tags = []string{}
	}
	if t.Priority != nil {
		row.Priority = *t.Priority
	}
	if t.GroupID != nil {
		row.Group = m.groups[*t.GroupID]
		if row.Group == "" {
			row.Group = strconv.FormatInt(*t.GroupID, 10) // a group the listing did not have
		}
	}
	if t.Assignee != nil {
		row.Assignee = strconv.FormatInt(*t.Assignee, 10)
	}
	if t.OrgID != nil {
		row.Organization = strconv.FormatInt(*t.OrgID, 10)
	}
	if ms != nil {
		if ms.SolvedAt != nil {
			s := ms.SolvedAt.UTC()
			row.Solved = &s
		}
		row.FirstReplyMinutes, row.FirstReplyBusinessMinutes = ms.ReplyTime.Calendar, ms.ReplyTime.Business
		row.ResolutionMinutes, row.ResolutionBusinessMinutes = ms.FullResolutionTime.Calendar, ms.FullResolutionTime.Business
	}
	return row
}

// policyRows maps an SLA policy into one row per priority and metric. A
// policy without an id (Zendesk always sends one) cannot be keyed: it
// gives no rows, rather than rows under id 0 that every other such policy
// would replace.
func (m *mapper) policyRows(p policy) []warehouse.Row {
	if p.ID == 0 {
		return nil
	}
	var out []warehouse.Row
	for _, pm := range p.PolicyMetrics {
		var bh uint8
		if pm.BusinessHours {
			bh = 1
		}
		out = append(out, warehouse.SLAPolicyRow{Source: m.source, PolicyID: strconv.FormatInt(p.ID, 10), Title: p.Title,
			Priority: pm.Priority, Metric: pm.Metric, TargetMinutes: float64(pm.Target), BusinessHours: bh, Version: m.version})
	}
	return out
}

// eventRow maps a ticket metric event; apply_sla events carry the policy
// and target.
func (m *mapper) eventRow(e metricEvent) warehouse.TicketMetricEventRow {
	row := warehouse.TicketMetricEventRow{Source: m.source, TicketID: strconv.FormatInt(e.TicketID, 10),
		EventID: strconv.FormatInt(e.ID, 10), Metric: e.Metric, Type: e.Type, At: e.Time.UTC(), Version: m.version}
	if e.SLA != nil {
		row.SLAPolicy, row.TargetMinutes = e.SLA.Policy.Title, e.SLA.Target
		if e.SLA.BusinessHours {
			row.BusinessHours = 1
		}
	}
	return row
}
