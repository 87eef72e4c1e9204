package simulate

import (
	"net/url"
	"reflect"
	"sync"
	"testing"
	"time"
)

// zdClock is a settable site clock.
type zdClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *zdClock) now() time.Time   { c.mu.Lock(); defer c.mu.Unlock(); return c.at }
func (c *zdClock) set(at time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.at = at }
func mar18(h, m, s int) time.Time   { return time.Date(2024, 3, 18, h, m, s, 0, time.UTC) }
func exportURL(cursor string) string {
	return PathZendeskTicketExport + "?cursor=" + url.QueryEscape(cursor)
}
func metricSets(v map[string]any) []any { s, _ := v["metric_sets"].([]any); return s }

// TestZendeskExportPaged: three pages of two to the end of the stream,
// following after_url; cursors of the last ticket, then of the cutoff;
// deleted and merged tickets; metric sets for all but the deleted one.
func TestZendeskExportPaged(t *testing.T) {
	z := NewZendesk(TinyDesk(), ZendeskOptions{PageSize: 2})
	const endCursor = "MTcxMDc2MzE0MC4wfHw3fA==" // "1710763140.0||7|": 11:59:00, the cutoff
	want := []struct {
		tickets, sets []int64
		cursor        string
		end           bool
	}{
		{[]int64{1, 4}, []int64{1}, "MTcxMDIzNzkwMC4wfHw0fA==", false}, // "1710237900.0||4|": Tue 10:05, ticket 4
		{[]int64{2, 5}, []int64{2, 5}, EncodeZendeskCursor(time.Date(2024, 3, 15, 15, 40, 0, 0, time.UTC), 5), false},
		{[]int64{6, 3}, []int64{6, 3}, endCursor, true},
	}
	next := PathZendeskTicketExport + "?start_time=0&include=metric_sets"
	for i, w := range want {
		v := zdJSON(t, zdGet(t, z, next))
		tickets := ids(v["tickets"], "id")
		if !reflect.DeepEqual(tickets, w.tickets) || !reflect.DeepEqual(ids(v["metric_sets"], "ticket_id"), w.sets) ||
			v["after_cursor"] != w.cursor || v["end_of_stream"] != w.end || v["before_cursor"] != nil {
			t.Fatalf("page %d: tickets %v sets %v cursor %v end %v", i+1, tickets, ids(v["metric_sets"], "ticket_id"),
				v["after_cursor"], v["end_of_stream"])
		}
		if au := zdBase + exportURL(w.cursor) + "&include=metric_sets"; v["after_url"] != au {
			t.Fatalf("page %d after_url %v, want %s", i+1, v["after_url"], au)
		}
		for _, x := range v["tickets"].([]any) {
			tk := x.(map[string]any)
			switch tk["id"] {
			case 4.0:
				if tk["status"] != "deleted" || tk["updated_at"] != "2024-03-12T10:05:00Z" {
					t.Errorf("deleted ticket: %v", tk)
				}
			case 5.0:
				if tk["status"] != "closed" || !reflect.DeepEqual(tk["tags"], []any{"admin", "closed_by_merge"}) {
					t.Errorf("merged ticket: %v", tk)
				}
			case 1.0:
				if tk["url"] != zdBase+"/api/v2/tickets/1.json" || tk["subject"] != "Invoice PDF will not download" ||
					tk["priority"] != "normal" || tk["status"] != "solved" || tk["type"] != "question" ||
					tk["group_id"] != 360000100001.0 || tk["created_at"] != "2024-03-08T16:30:00Z" ||
					tk["updated_at"] != "2024-03-11T11:00:00Z" || tk["generated_timestamp"] != 1710154800.0 ||
					tk["via"].(map[string]any)["channel"] != "email" || tk["requester_id"] != 380000000001.0 {
					t.Errorf("ticket 1: %v", tk)
				}
			}
		}
		next = v["after_url"].(string)
	}
	// Nothing new: no tickets, no cursor (keep the one you have).
	v := zdJSON(t, zdGet(t, z, exportURL(endCursor)))
	if len(v["tickets"].([]any)) != 0 || v["after_cursor"] != nil || v["after_url"] != nil || v["end_of_stream"] != true {
		t.Errorf("after the end: %v", v)
	}
	// exclude_deleted and per_page.
	v = zdJSON(t, zdGet(t, z, PathZendeskTicketExport+"?start_time=0&exclude_deleted=true&per_page=1"))
	if got := ids(v["tickets"], "id"); !reflect.DeepEqual(got, []int64{1}) || v["end_of_stream"] != false {
		t.Errorf("per_page=1: %v", got)
	}
	v = zdJSON(t, zdGet(t, z, exportURL(v["after_cursor"].(string))+"&exclude_deleted=true"))
	if got := ids(v["tickets"], "id"); !reflect.DeepEqual(got, []int64{2, 5}) || metricSets(v) != nil {
		t.Errorf("exclude_deleted: %v", got)
	}
}

// TestZendeskExportLastMinute: nothing updated in the last minute is
// exported, a start_time in it is refused, and the cursor never passes
// the cutoff.
func TestZendeskExportLastMinute(t *testing.T) {
	clock := &zdClock{at: mar18(12, 0, 0)}
	z := NewZendesk(TinyDesk(), ZendeskOptions{Now: clock.now})
	cutoff := mar18(11, 59, 0).Unix() // ticket 3 was updated then; ticket 7 created at 11:59:30
	w := zdGet(t, z, PathZendeskTicketExport+"?start_time=1710763141")
	if w.Code != 422 || w.Body.String() != `{"description":"Too recent start_time. Use a start_time older than 1 minute","error":"InvalidValue"}`+"\n" {
		t.Errorf("start_time in the last minute: %d %s", w.Code, w.Body)
	}
	for _, q := range []string{"", "?start_time=soon"} {
		if w := zdGet(t, z, PathZendeskTicketExport+q); w.Code != 400 {
			t.Errorf("%q: %d %s", q, w.Code, w.Body)
		}
	}
	v := zdJSON(t, zdGet(t, z, PathZendeskTicketExport+"?start_time=1710763140"))
	if got := ids(v["tickets"], "id"); cutoff != 1710763140 || !reflect.DeepEqual(got, []int64{3}) ||
		v["after_cursor"] != EncodeZendeskCursor(mar18(11, 59, 0), 7) || v["end_of_stream"] != true {
		t.Fatalf("at the cutoff: %v %v", got, v["after_cursor"])
	}
	clock.set(mar18(12, 0, 31))
	v = zdJSON(t, zdGet(t, z, exportURL(v["after_cursor"].(string))))
	if got := ids(v["tickets"], "id"); !reflect.DeepEqual(got, []int64{7}) || v["after_cursor"] != EncodeZendeskCursor(mar18(11, 59, 31), 7) {
		t.Errorf("31 s later: %v %v", got, v["after_cursor"])
	}
}

// TestZendeskExportIncremental: a saved cursor returns exactly the
// tickets changed since, as they are now.
func TestZendeskExportIncremental(t *testing.T) {
	clock := &zdClock{at: mar18(12, 0, 0)}
	desk := TinyDesk()
	z := NewZendesk(desk, ZendeskOptions{Now: clock.now, PageSize: 2})
	v := zdJSON(t, zdGet(t, z, PathZendeskTicketExport+"?start_time=1710500000")) // Fri 03-15 10:53
	if got := ids(v["tickets"], "id"); !reflect.DeepEqual(got, []int64{5, 6}) {
		t.Fatalf("since Friday: %v", got)
	}
	v = zdJSON(t, zdGet(t, z, v["after_url"].(string)))
	saved := v["after_cursor"].(string)
	if got := ids(v["tickets"], "id"); !reflect.DeepEqual(got, []int64{3}) || v["end_of_stream"] != true {
		t.Fatalf("page 2: %v", got)
	}
	for _, u := range []struct {
		id int64
		e  TicketEvent
	}{
		{1, TicketEvent{At: mar18(12, 5, 0), Status: TicketClosed}},
		{6, TicketEvent{At: mar18(12, 10, 0), Reply: true}},
		{6, TicketEvent{At: mar18(12, 30, 0), Status: TicketSolved}}, // after the clock: not visible yet
	} {
		if err := desk.Update(u.id, u.e); err != nil {
			t.Fatal(err)
		}
	}
	if err := desk.AddTicket(&Ticket{ID: 8, Subject: "Later", Type: "task", Channel: "api", Events: []TicketEvent{
		{At: mar18(12, 20, 0), Status: TicketNew, Priority: PriorityLow, GroupID: 360_000_100_002}}}); err != nil {
		t.Fatal(err)
	}
	clock.set(mar18(12, 15, 0))
	var got []int64
	var status []any
	sets := map[int64]map[string]any{}
	for next := exportURL(saved) + "&include=metric_sets"; next != ""; {
		v := zdJSON(t, zdGet(t, z, next))
		got = append(got, ids(v["tickets"], "id")...)
		for _, x := range v["tickets"].([]any) {
			status = append(status, x.(map[string]any)["status"])
		}
		for _, s := range metricSets(v) {
			sets[int64(s.(map[string]any)["ticket_id"].(float64))] = s.(map[string]any)
		}
		if next = ""; v["end_of_stream"] == false {
			next = v["after_url"].(string)
		}
	}
	if !reflect.DeepEqual(got, []int64{7, 1, 6}) || !reflect.DeepEqual(status, []any{"new", "closed", "open"}) {
		t.Fatalf("since the saved cursor: %v %v", got, status)
	}
	// Closed after solved: no new resolution. Ticket 6: two replies now.
	if s := sets[1]; s["solved_at"] != "2024-03-11T11:00:00Z" || s["updated_at"] != "2024-03-18T12:05:00Z" ||
		!reflect.DeepEqual(s["full_resolution_time_in_minutes"], map[string]any{"calendar": 3990.0, "business": 150.0}) {
		t.Errorf("ticket 1 closed: %v", s)
	}
	if s := sets[6]; s["replies"] != 2.0 || s["solved_at"] != nil || s["full_resolution_time_in_minutes"].(map[string]any)["calendar"] != nil {
		t.Errorf("ticket 6: %v", s)
	}
}

// TestZendeskMetricSets: the reopened ticket's metric set, and calendar
// against business minutes over a weekend.
func TestZendeskMetricSets(t *testing.T) {
	z := NewZendesk(TinyDesk(), ZendeskOptions{})
	sets := map[float64]map[string]any{}
	for _, s := range metricSets(zdJSON(t, zdGet(t, z, PathZendeskTicketExport+"?start_time=0&include=metric_sets"))) {
		sets[s.(map[string]any)["ticket_id"].(float64)] = s.(map[string]any)
	}
	m := func(c, b any) map[string]any { return map[string]any{"calendar": c, "business": b} }
	want := map[string]any{
		"url": zdBase + "/api/v2/ticket_metrics/410000000002.json", "id": 410000000002.0, "ticket_id": 2.0,
		"created_at": "2024-03-13T10:00:00Z", "updated_at": "2024-03-13T15:30:00Z",
		"group_stations": 1.0, "assignee_stations": 1.0, "reopens": 1.0, "replies": 2.0,
		"assignee_updated_at": "2024-03-13T14:10:00Z", "requester_updated_at": "2024-03-13T10:00:00Z",
		"status_updated_at": "2024-03-13T15:30:00Z", "custom_status_updated_at": "2024-03-13T15:30:00Z",
		"initially_assigned_at": "2024-03-13T10:00:00Z", "assigned_at": "2024-03-13T10:00:00Z",
		"solved_at": "2024-03-13T15:30:00Z", "latest_comment_added_at": "2024-03-13T14:10:00Z",
		"reply_time_in_minutes": m(20.0, 20.0), "reply_time_in_seconds": map[string]any{"calendar": 1200.0},
		"first_resolution_time_in_minutes": m(90.0, 90.0), "full_resolution_time_in_minutes": m(330.0, 330.0),
		"requester_wait_time_in_minutes": m(140.0, 140.0), "agent_wait_time_in_minutes": m(40.0, 40.0),
		"on_hold_time_in_minutes": m(0.0, 0.0),
	}
	if !reflect.DeepEqual(sets[2], want) {
		t.Errorf("ticket 2 (reopened)\n got %v\nwant %v", sets[2], want)
	}
	s1 := sets[1]
	if !reflect.DeepEqual(s1["reply_time_in_minutes"], m(3915.0, 75.0)) ||
		!reflect.DeepEqual(s1["full_resolution_time_in_minutes"], m(3990.0, 150.0)) ||
		!reflect.DeepEqual(s1["reply_time_in_seconds"], map[string]any{"calendar": 234900.0}) {
		t.Errorf("ticket 1 (over a weekend): %v", s1)
	}
	if s3 := sets[3]; !reflect.DeepEqual(s3["reply_time_in_minutes"], m(nil, nil)) || s3["replies"] != 0.0 ||
		s3["latest_comment_added_at"] != "2024-03-18T11:59:00Z" || s3["solved_at"] != nil {
		t.Errorf("ticket 3 (no reply): %v", s3)
	}
	if s6 := sets[6]; s6["group_stations"] != 1.0 || s6["status_updated_at"] != "2024-03-18T10:00:00Z" ||
		!reflect.DeepEqual(s6["on_hold_time_in_minutes"], m(nil, nil)) {
		t.Errorf("ticket 6 (open): %v", s6)
	}
}

// TestZendeskExpiredCursor: an expired or undecodable cursor answers 400
// InvalidPaginationParameter; the export restarts from a start_time.
func TestZendeskExpiredCursor(t *testing.T) {
	var refuse string
	z := NewZendesk(TinyDesk(), ZendeskOptions{PageSize: 2, ExpireCursor: func(c string) bool { return c == refuse }})
	v := zdJSON(t, zdGet(t, z, PathZendeskTicketExport+"?start_time=0"))
	c := v["after_cursor"].(string)
	const body = `{"description":"The cursor is invalid or has expired","error":"InvalidPaginationParameter"}` + "\n"
	z.ExpireCursorNext(1)
	if w := zdGet(t, z, exportURL(c)); w.Code != 400 || w.Body.String() != body {
		t.Errorf("expired: %d %s", w.Code, w.Body)
	}
	if got := ids(zdJSON(t, zdGet(t, z, exportURL(c)))["tickets"], "id"); !reflect.DeepEqual(got, []int64{2, 5}) {
		t.Errorf("the next request: %v", got)
	}
	refuse = c
	for _, bad := range []string{c, "bm9wZQ==", "%%%"} {
		if w := zdGet(t, z, PathZendeskTicketExport+"?cursor="+url.QueryEscape(bad)); w.Code != 400 || w.Body.String() != body {
			t.Errorf("cursor %q: %d %s", bad, w.Code, w.Body)
		}
	}
}
