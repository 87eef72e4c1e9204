package zendesk

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// The payloads follow Zendesk's documented shapes (developer.zendesk.com:
// "Incremental Exports" with include=metric_sets, "Ticket Metrics",
// "Ticket Metric Events", "SLA Policies", "Groups"), values hand-chosen.

func docsTicket(id int, status, priority string, group int64, tags, created, updated string) string {
	return fmt.Sprintf(`{"url": "https://acme.zendesk.com/api/v2/tickets/%[1]d.json", "id": %[1]d, "external_id": null,
    "via": {"channel": "web", "source": {"from": {}, "to": {}, "rel": null}}, "created_at": %[6]q, "updated_at": %[7]q,
    "generated_timestamp": 1708014261, "type": null, "subject": "Saving meeting chat conversations",
    "description": "Is there a way to save the chat?", "priority": %[3]q, "status": %[2]q, "requester_id": 26363656426259,
    "submitter_id": 26363656426259, "assignee_id": 26363624373267, "organization_id": null, "group_id": %[4]d,
    "collaborator_ids": [], "follower_ids": [], "problem_id": null, "has_incidents": false, "is_public": true,
    "due_at": null, "tags": [%[5]s], "custom_fields": [], "satisfaction_rating": {"score": "unoffered"}}`,
		id, status, priority, group, tags, created, updated)
}

func docsMetricSet(ticket int, reply, replyBiz, full, fullBiz float64, solved string) string {
	s := "null"
	if solved != "" {
		s = `"` + solved + `"`
	}
	return fmt.Sprintf(`{"url": "https://acme.zendesk.com/api/v2/ticket_metrics/%[1]d.json", "id": %[1]d, "ticket_id": %[1]d,
    "created_at": "2024-02-15T16:24:04Z", "updated_at": "2024-02-15T16:24:20Z", "group_stations": 1, "assignee_stations": 1,
    "reopens": 0, "replies": 1, "solved_at": %[6]s,
    "reply_time_in_minutes": {"calendar": %[2]v, "business": %[3]v},
    "first_resolution_time_in_minutes": {"calendar": %[4]v, "business": %[5]v},
    "full_resolution_time_in_minutes": {"calendar": %[4]v, "business": %[5]v}}`, ticket, reply, replyBiz, full, fullBiz, s)
}

// fakeDesk serves groups, one SLA policy, a two-page ticket export and
// one page of metric events; refuseCursor makes the next cursor request
// answer 422.
type fakeDesk struct {
	mu           sync.Mutex
	refuseCursor bool
	badSecond    bool     // the export's second page has a ticket without an id
	limitOnce    bool     // the next export request answers 429, Retry-After: 7
	starts       []string // start_time of each cursorless export request
}

func (f *fakeDesk) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u, p, ok := r.BasicAuth(); !ok || u != "bot@acme.com/token" || p != "zd-t0ken" {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"Couldn't authenticate you"}`)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	q := r.URL.Query()
	switch r.URL.Path {
	case "/api/v2/groups":
		fmt.Fprint(w, `{"groups": [{"id": 100, "name": "Checkout support"}, {"id": 200, "name": "Billing"}],
    "meta": {"has_more": false, "after_cursor": null}, "links": {"next": null}}`)
	case "/api/v2/slas/policies":
		fmt.Fprint(w, `{"sla_policies": [{"id": 36000643450, "title": "Incidents", "position": 3,
    "filter": {"all": [{"field": "type", "operator": "is", "value": "incident"}], "any": []},
    "policy_metrics": [{"priority": "urgent", "metric": "first_reply_time", "target": 10, "business_hours": false},
      {"priority": "high", "metric": "requester_wait_time", "target": 140, "business_hours": true}]}],
    "next_page": null, "previous_page": null, "count": 1}`)
	case "/api/v2/incremental/tickets/cursor.json":
		if f.limitOnce {
			f.limitOnce = false
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error": "APIRateLimitExceeded"}`)
			return
		}
		if q.Get("include") != "metric_sets" {
			http.Error(w, "want include=metric_sets", http.StatusBadRequest)
			return
		}
		switch c := q.Get("cursor"); {
		case c != "" && f.refuseCursor:
			f.refuseCursor = false
			w.WriteHeader(http.StatusUnprocessableEntity)
			fmt.Fprint(w, `{"error": "InvalidPaginationParameter", "description": "cursor is invalid"}`)
		case c == "":
			f.starts = append(f.starts, q.Get("start_time"))
			if q.Get("start_time") == "1708083900" { // the restart after a refused cursor
				fmt.Fprintf(w, `{"tickets": [%s], "metric_sets": [], "after_cursor": "c9", "end_of_stream": true}`,
					docsTicket(8, "new", "low", 200, "", "2024-02-17T09:00:00Z", "2024-02-17T09:00:00Z"))
				return
			}
			fmt.Fprintf(w, `{"tickets": [%s], "metric_sets": [%s], "after_url": "https://acme.zendesk.com/api/v2/incremental/tickets/cursor.json?cursor=c1",
    "after_cursor": "c1", "before_url": null, "before_cursor": null, "end_of_stream": false}`,
				docsTicket(5, "solved", "urgent", 100, `"inquiry"`, "2024-02-15T16:24:04Z", "2024-02-15T18:00:00Z"),
				docsMetricSet(5, 12, 12, 95, 60, "2024-02-15T18:00:00Z"))
		case c == "c1" && f.badSecond:
			fmt.Fprint(w, `{"tickets": [{"subject": "no id", "status": "open", "updated_at": "2024-02-16T09:00:00Z"}], "after_cursor": "c2", "end_of_stream": true}`)
		case c == "c1":
			fmt.Fprintf(w, `{"tickets": [%s, %s], "metric_sets": [%s], "after_cursor": "c2", "end_of_stream": true}`,
				docsTicket(6, "deleted", "normal", 100, "", "2024-02-16T08:00:00Z", "2024-02-16T09:00:00Z"),
				docsTicket(7, "closed", "high", 300, `"closed_by_merge"`, "2024-02-16T10:00:00Z", "2024-02-16T11:45:00Z"),
				docsMetricSet(7, 30, 20, 105, 90, "2024-02-16T11:45:00Z"))
		default:
			fmt.Fprintf(w, `{"tickets": [], "metric_sets": [], "after_cursor": %q, "end_of_stream": true}`, c)
		}
	case "/api/v2/incremental/ticket_metric_events.json":
		fmt.Fprint(w, `{"ticket_metric_events": [
      {"id": 9001, "ticket_id": 5, "metric": "reply_time", "instance_id": 1, "type": "apply_sla", "time": "2024-02-15T16:24:05Z",
       "sla": {"target": 10, "business_hours": false, "policy": {"id": 36000643450, "title": "Incidents", "description": "Urgent"}}},
      {"id": 9002, "ticket_id": 5, "metric": "reply_time", "instance_id": 1, "type": "breach", "time": "2024-02-15T16:34:04Z"}],
    "next_page": "https://acme.zendesk.com/api/v2/incremental/ticket_metric_events.json?start_time=1708100000",
    "count": 2, "end_of_stream": true, "end_time": 1708100000}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":"InvalidEndpoint","description":"Not found"}`)
	}
}

// TestCollectHandWorked: ticket 5 (urgent, Checkout support) was solved
// with its first reply after 12 minutes and full resolution after 95 (60
// business); 6 was deleted; 7 was merged into another (closed with
// closed_by_merge) in a group the listing does not have. One policy gives
// two targets; ticket 5's reply SLA was applied and breached. A second
// run finds its cursor refused and starts over from the newest update
// collected (ticket 7's, 2024-02-16T11:45Z = 1708083900), with a warning.
func TestCollectHandWorked(t *testing.T) {
	var logs collectortest.LogBuffer
	site := &fakeDesk{}
	now := time.Date(2024, 2, 17, 12, 0, 0, 0, time.UTC)
	cfg := config.Source{Name: "zd", Token: "zd-t0ken", Since: config.Span(30 * 24 * time.Hour),
		Settings: &Config{Email: "bot@acme.com", RequestsPerMinute: 6000}}
	h := collectortest.NewHarness(t, SourceType, cfg, site, collectortest.HarnessOptions{Now: now,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	sink := collectortest.NewMemSink(nil)
	if _, err := h.Run(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range collectortest.RowsOf[warehouse.TicketRow](sink) {
		got = append(got, fmt.Sprintf("%s %s %s %q [%s] reply=%s/%s resolution=%s/%s solved=%s", r.TicketID, r.Status,
			r.Priority, r.Group, strings.Join(r.Tags, ","), num(r.FirstReplyMinutes), num(r.FirstReplyBusinessMinutes),
			num(r.ResolutionMinutes), num(r.ResolutionBusinessMinutes), when(r.Solved)))
	}
	want := `[5 solved urgent "Checkout support" [inquiry] reply=12/12 resolution=95/60 solved=2024-02-15T18:00:00Z` +
		` 6 deleted normal "Checkout support" [] reply=-/- resolution=-/- solved=-` +
		` 7 closed high "300" [closed_by_merge] reply=30/20 resolution=105/90 solved=2024-02-16T11:45:00Z]`
	if fmt.Sprint(got) != want {
		t.Errorf("tickets:\n got %v\nwant %s", got, want)
	}
	if n := len(collectortest.RowsOf[warehouse.SLAPolicyRow](sink)); n != 2 {
		t.Errorf("%d SLA policy rows, want 2 (one per priority and metric)", n)
	}
	evs := collectortest.RowsOf[warehouse.TicketMetricEventRow](sink)
	if len(evs) != 2 || evs[0].Type != "apply_sla" || evs[0].SLAPolicy != "Incidents" || num(evs[0].TargetMinutes) != "10" ||
		evs[1].Type != "breach" || evs[1].Metric != "reply_time" {
		t.Errorf("metric events: %+v", evs)
	}
	c := sink.Committed()
	if c[CursorTickets] != "c2" || c[CursorTicketsStart] != "1708083900" || c[CursorMetricEvents] != "1708100000" {
		t.Errorf("cursors %v", c)
	}

	site.refuseCursor = true
	next := collectortest.NewMemSink(c)
	if _, err := h.Run(context.Background(), next); err != nil {
		t.Fatal(err)
	}
	if got := site.starts; len(got) != 2 || got[1] != "1708083900" {
		t.Errorf("export starts %v, want the first run's and then the newest update collected", got)
	}
	if !strings.Contains(logs.String(), "refused the stored cursor") {
		t.Errorf("no warning about the refused cursor:\n%s", logs.String())
	}
}

func num(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

func when(p *time.Time) string {
	if p == nil {
		return "-"
	}
	return p.UTC().Format(time.RFC3339)
}

// TestBadPageAndRateLimit: a 429 from the export is waited out as its
// Retry-After asks; a page with a ticket without an id fails the run,
// which keeps the first page (checkpointed with its cursor) and moves the
// cursor no further.
func TestBadPageAndRateLimit(t *testing.T) {
	site := &fakeDesk{badSecond: true, limitOnce: true}
	now := time.Date(2024, 2, 17, 12, 0, 0, 0, time.UTC)
	h := collectortest.NewHarness(t, SourceType, config.Source{Name: "zd", Token: "zd-t0ken",
		Settings: &Config{Email: "bot@acme.com", RequestsPerMinute: 6000}}, site, collectortest.HarnessOptions{Now: now})
	sink := collectortest.NewMemSink(nil)
	_, err := h.Run(context.Background(), sink)
	if err == nil || !strings.Contains(err.Error(), "missing id") {
		t.Fatalf("err = %v, want the malformed page named", err)
	}
	if got := h.Sleeps(); len(got) != 1 || got[0] != 7*time.Second {
		t.Errorf("waits %v, want the 7 s Retry-After", got)
	}
	if c := sink.Committed(); c[CursorTickets] != "c1" || len(collectortest.RowsOf[warehouse.TicketRow](sink)) != 1 {
		t.Errorf("after the failure: cursors %v, %d tickets kept; want the first page's", c, len(collectortest.RowsOf[warehouse.TicketRow](sink)))
	}
}
