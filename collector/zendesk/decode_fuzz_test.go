package zendesk

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// The shapes Zendesk sends (developer.zendesk.com): the groups list with
// cursor pagination's meta and links; SLA policies with their filter and
// policy metrics (calendar and business hours); a page of the cursor
// ticket export with sideloaded metric sets (a ticket without a group or
// priority, one in a group the listing lacks, a merged one closed with
// its tag, one without a metric set); a page of the time-based ticket
// metric event export with apply_sla, breach and measure events.
var (
	fuzzZDGroups = `{"groups":[{"url":"https://acme.zendesk.com/api/v2/groups/360001.json","id":360001,"is_public":true,
	"name":"Support","description":"","default":true,"deleted":false,"created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z"},
	{"id":360002,"name":"Escalations"}],"meta":{"has_more":false,"after_cursor":"xxx","before_cursor":"yyy"},
	"links":{"prev":"https://acme.zendesk.com/api/v2/groups.json?page%5Bbefore%5D=yyy","next":"https://acme.zendesk.com/api/v2/groups.json?page%5Bafter%5D=xxx"}}`
	fuzzZDPolicies = `{"sla_policies":[{"url":"https://acme.zendesk.com/api/v2/slas/policies/36000643450.json","id":36000643450,
	"title":"Incidents","description":"Urgent incidents answered in 10 minutes","position":3,
	"filter":{"all":[{"field":"type","operator":"is","value":"incident"}],"any":[]},
	"policy_metrics":[{"priority":"normal","metric":"first_reply_time","target":30,"business_hours":false},
	{"priority":"urgent","metric":"first_reply_time","target":10,"business_hours":true},
	{"priority":"low","metric":"requester_wait_time","target":180,"business_hours":false}],
	"created_at":"2018-11-23T16:05:12Z","updated_at":"2018-11-23T16:05:12Z"}],"next_page":null,"previous_page":null,"count":1}`
	fuzzZDTickets = `{"tickets":[{"url":"https://acme.zendesk.com/api/v2/tickets/5.json","id":5,"external_id":null,
	"via":{"channel":"web","source":{"from":{},"to":{},"rel":null}},"created_at":"2024-02-15T16:24:04Z","updated_at":"2024-02-15T16:24:20Z",
	"generated_timestamp":1708014261,"type":"incident","subject":"Saving meeting chat conversations","priority":"urgent","status":"solved",
	"requester_id":26363656426259,"assignee_id":26363624373267,"organization_id":null,"group_id":360002,
	"tags":["inquiry","standard_customer"],"custom_fields":[{"id":26363655924371,"value":"standard_customer"}]},
	{"id":6,"created_at":"2024-02-16T10:00:00Z","updated_at":"2024-02-17T10:00:00Z","subject":"No group","priority":null,
	"status":"new","group_id":null,"assignee_id":null,"organization_id":42,"tags":[]},
	{"id":7,"created_at":"2024-02-16T10:00:00Z","updated_at":"2024-02-18T10:00:00Z","subject":"Merged","priority":"low",
	"status":"closed","group_id":999,"tags":["closed_by_merge"]},
	{"id":8,"created_at":"2024-02-16T10:00:00Z","updated_at":"2024-02-18T10:00:00Z","subject":"Deleted","status":"deleted","tags":null}],
	"metric_sets":[{"url":"https://acme.zendesk.com/api/v2/ticket_metrics/5.json","id":105,"ticket_id":5,
	"created_at":"2024-02-15T16:24:04Z","updated_at":"2024-02-15T16:24:20Z","group_stations":1,"assignee_stations":1,"reopens":1,
	"replies":2,"solved_at":"2024-02-15T18:00:00Z","reply_time_in_minutes":{"calendar":7,"business":null},
	"first_resolution_time_in_minutes":{"calendar":90,"business":60},"full_resolution_time_in_minutes":{"calendar":96,"business":61.5},
	"agent_wait_time_in_minutes":{"calendar":0,"business":0}},
	{"ticket_id":6,"reply_time_in_minutes":{"calendar":null,"business":null},"solved_at":null}],
	"after_url":"https://acme.zendesk.com/api/v2/incremental/tickets/cursor.json?cursor=MTcwODAxNDI2MC4wfHw1fA%3D%3D",
	"after_cursor":"MTcwODAxNDI2MC4wfHw1fA==","before_url":null,"before_cursor":null,"end_of_stream":true}`
	fuzzZDEvents = `{"ticket_metric_events":[{"id":26363626661651,"ticket_id":5,"metric":"reply_time","instance_id":1,
	"type":"apply_sla","time":"2024-02-15T16:24:05Z","sla":{"target":10,"business_hours":true,"policy":{"id":36000643450,
	"title":"Incidents","description":"Urgent incidents"}}},
	{"id":26363626661652,"ticket_id":5,"metric":"reply_time","instance_id":1,"type":"breach","time":"2024-02-15T16:34:05Z"},
	{"id":26363626661653,"ticket_id":5,"metric":"agent_work_time","instance_id":0,"type":"measure","time":"2024-02-15T16:23:07Z"},
	{"id":26363626661653,"ticket_id":5,"metric":"agent_work_time","instance_id":0,"type":"measure","time":"2024-02-15T16:23:07Z"}],
	"next_page":"https://acme.zendesk.com/api/v2/incremental/ticket_metric_events.json?start_time=1735108434",
	"count":4,"end_of_stream":true,"end_time":1735108434}`
)

// FuzzDecodeZendesk: whatever Zendesk answers for the groups, the SLA
// policies, a page of the ticket export with metric sets and a page of the
// ticket metric event export, the client decodes and the mapper maps into
// rows, or one of them fails with an error — never a panic, and allocating
// in proportion to what it was sent. Every row mapped (rows before an
// error may have been checkpointed) carries the source's name and
// non-empty natural ids, and once the runner has fitted its times
// (FitDateTimes) every time is one a DateTime column holds.
func FuzzDecodeZendesk(f *testing.F) {
	for _, s := range [][4]string{
		{fuzzZDGroups, fuzzZDPolicies, fuzzZDTickets, fuzzZDEvents},
		{`{}`, `{}`, `{"end_of_stream":true}`, `{"end_of_stream":true}`},
		{`null`, `null`, `{"tickets":[{"id":1,"status":"open","updated_at":"2024-01-01T00:00:00Z"}],"metric_sets":[{}],"after_cursor":"c"}`, `null`},
		{`{"groups":[{"id":1,"name":""}],"meta":{"has_more":true},"links":{"next":"/api/v2/groups?page=2"}}`,
			`{"sla_policies":[{"id":1,"policy_metrics":null},{"id":2,"title":"x","policy_metrics":[{"target":-1}]}]}`,
			`{"tickets":[{"id":1,"status":"open","created_at":"0001-01-01T00:00:00Z","updated_at":"2106-02-07T06:28:16Z"}],
			"metric_sets":[{"ticket_id":1,"solved_at":"1900-01-01T00:00:00Z","reply_time_in_minutes":{"calendar":-1e308}}],"end_of_stream":true}`,
			`{"ticket_metric_events":[{"id":1,"ticket_id":1,"time":"1960-01-01T00:00:00Z","sla":{"target":null}}],"end_of_stream":false,"next_page":"https://other.example/x"}`},
		{`[]`, `[]`, `[]`, `[]`},
		{`{"groups":[]}`, `{"sla_policies":[{"id":10,"title":"","policy_metrics":[{"priority":"","metric":"","target":0}]}]}`,
			`{"tickets":[],"end_of_stream":true}`, `{"ticket_metric_events":[],"end_of_stream":true}`},
	} {
		f.Add([]byte(s[0]), []byte(s[1]), []byte(s[2]), []byte(s[3]))
	}
	f.Fuzz(func(t *testing.T, groups, policies, tickets, events []byte) {
		rows, _ := fuzzCollect(t, groups, policies, tickets, events) // rows or an error; the rows before one are checked too
		collectortest.CheckRows(t, "zd-fuzz", naturalIDs, rows)
	})
}

// TestFuzzZendeskSeed: FuzzDecodeZendesk's main seed collects what the
// payloads hold: a row per policy metric, the four tickets, and the three
// distinct metric events.
func TestFuzzZendeskSeed(t *testing.T) {
	rows, err := fuzzCollect(t, []byte(fuzzZDGroups), []byte(fuzzZDPolicies), []byte(fuzzZDTickets), []byte(fuzzZDEvents))
	if err != nil {
		t.Fatal(err)
	}
	collectortest.CheckRows(t, "zd-fuzz", naturalIDs, rows)
	tables := map[string]int{}
	for _, r := range rows {
		tables[r.Table()]++
	}
	if want := map[string]int{"sla_policies": 3, "tickets": 4, "ticket_metric_events": 3}; !maps.Equal(tables, want) {
		t.Errorf("rows by table %v, want %v", tables, want)
	}
	for _, r := range rows {
		if tr, ok := r.(warehouse.TicketRow); ok && tr.TicketID == "5" && (tr.Group != "Escalations" || tr.ResolutionMinutes == nil) {
			t.Errorf("ticket 5 = %+v, want it in Escalations with its metric set", tr)
		}
	}
}

// TestPolicyWithoutID: an SLA policy without an id gives no rows (the
// input FuzzDecodeZendesk found, testdata/fuzz/FuzzDecodeZendesk/
// policy-without-id, wrote its metrics under policy "0", where every
// other policy without an id would replace them).
func TestPolicyWithoutID(t *testing.T) {
	m := &mapper{source: "zd", groups: map[int64]string{}}
	p := policy{Title: "Incidents"}
	p.PolicyMetrics = append(p.PolicyMetrics, struct {
		Priority      string `json:"priority"`
		Metric        string `json:"metric"`
		Target        int64  `json:"target"`
		BusinessHours bool   `json:"business_hours"`
	}{Priority: "urgent", Metric: "first_reply_time", Target: 10})
	if rows := m.policyRows(p); len(rows) != 0 {
		t.Errorf("a policy without an id: %d rows %v, want none", len(rows), rows)
	}
	p.ID = 36000643450
	if rows := m.policyRows(p); len(rows) != 1 || rows[0].(warehouse.SLAPolicyRow).PolicyID != "36000643450" {
		t.Errorf("a policy with an id: rows %v, want one under its id", rows)
	}
}

// fuzzCollect decodes and maps Zendesk's payloads, served by the fuzzer's
// bodies, as a run does (source.Collect, tickets, metricEvents, without
// their paging: a next page is a 404): the groups' names, each SLA
// policy's rows, each ticket of the export page with its metric set, each
// distinct metric event. It returns the rows mapped so far and the first
// error.
func fuzzCollect(t *testing.T, groups, policies, tickets, events []byte) ([]warehouse.Row, error) {
	t.Helper()
	site := &collectortest.FuzzSite{NotFound: []byte(`{"error":"InvalidEndpoint","description":"Not found"}`), ContentType: "", Route: func(path string) []byte {
		switch path {
		case "/api/v2/groups":
			return groups
		case "/api/v2/slas/policies":
			return policies
		case "/api/v2/incremental/tickets/cursor.json":
			return tickets
		case "/api/v2/incremental/ticket_metric_events.json":
			return events
		}
		return nil
	}}
	ctx := context.Background()
	c := client{http: site.Client("https://acme.zendesk.test")} // no pace: the fuzzer's site has no rate limit
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	m := &mapper{source: "zd-fuzz", now: now, version: uint64(now.UnixNano()), groups: map[int64]string{}}
	var rows []warehouse.Row
	before := collectortest.HeapAllocBytes()
	defer func() { site.CheckAllocs(t, collectortest.HeapAllocBytes()-before) }()

	gs, err := c.groups(ctx)
	if err != nil {
		return rows, err
	}
	for _, g := range gs {
		m.groups[g.ID] = g.Name
	}
	ps, err := c.policies(ctx)
	if err != nil {
		return rows, err
	}
	for _, p := range ps {
		rows = append(rows, m.policyRows(p)...)
	}
	p, err := c.tickets(ctx, now.Unix(), "", pageSize)
	if err != nil {
		return rows, err
	}
	sets := make(map[int64]*metricSet, len(p.MetricSets))
	for i := range p.MetricSets {
		sets[p.MetricSets[i].TicketID] = &p.MetricSets[i]
	}
	for _, tk := range p.Tickets {
		rows = append(rows, m.ticketRow(tk, sets[tk.ID]))
	}
	ep, err := c.metricEvents(ctx, now.Unix(), "")
	if err != nil {
		return rows, err
	}
	seen := map[int64]bool{}
	for _, e := range ep.Events {
		if !seen[e.ID] {
			seen[e.ID] = true
			rows = append(rows, m.eventRow(e))
		}
	}
	return rows, nil
}

// naturalIDs are the columns that identify a row of each table the source
// writes (its sorting key but source and version): none may be empty or
// "0" (an id Zendesk never gives: a missing one).
var naturalIDs = map[string][]string{
	"tickets":              {"ticket_id"},
	"ticket_metric_events": {"ticket_id", "event_id"},
	"sla_policies":         {"policy_id"},
}
