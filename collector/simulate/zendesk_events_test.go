package simulate

import (
	"reflect"
	"strconv"
	"testing"
	"time"
)

// TestZendeskMetricEventsPaged: time-based pages of 20 to the end of the
// stream; each next page repeats the last second of the one before.
func TestZendeskMetricEventsPaged(t *testing.T) {
	z := NewZendesk(TinyDesk(), ZendeskOptions{PageSize: 20})
	const wed10, thu1645, cutoff = 1710324000, 1710434700, 1710763140 // Wed 03-13 10:00, Thu 03-14 16:45, Mon 11:59
	want := []struct {
		start, count, end int64
		eos               bool
	}{{0, 20, wed10, false}, {wed10, 20, thu1645, false}, {thu1645, 17, cutoff, true}}
	seen := map[int64]map[string]any{}
	var order []int64
	next := PathZendeskMetricEvents + "?start_time=0"
	for i, w := range want {
		v := zdJSON(t, zdGet(t, z, next))
		evs := v["ticket_metric_events"].([]any)
		nextWant := zdBase + PathZendeskMetricEvents + "?start_time=" + strconv.FormatInt(w.end, 10)
		if int64(len(evs)) != w.count || v["count"] != float64(w.count) || v["end_time"] != float64(w.end) ||
			v["end_of_stream"] != w.eos || v["next_page"] != nextWant {
			t.Fatalf("page %d: %d events, count %v, end_time %v, end %v, next %v", i+1, len(evs), v["count"], v["end_time"],
				v["end_of_stream"], v["next_page"])
		}
		for _, x := range evs {
			e := x.(map[string]any)
			id := int64(e["id"].(float64))
			if seen[id] == nil {
				order = append(order, id)
			}
			seen[id] = e
		}
		next = v["next_page"].(string)
	}
	if len(seen) != 51 {
		t.Fatalf("%d distinct events, want 51", len(seen))
	}

	// Ticket 2: first reply in time; requester wait paused while pending,
	// fulfilled, reopened, breached at 140 − 20 = 120 minutes, fulfilled.
	type ev struct{ metric, typ, at string }
	var got []ev
	for _, id := range order {
		if e := seen[id]; e["ticket_id"] == 2.0 {
			got = append(got, ev{e["metric"].(string), e["type"].(string), e["time"].(string)[11:16]})
		}
	}
	wantEvs := []ev{
		{"reply_time", "activate", "10:00"}, {"reply_time", "apply_sla", "10:00"},
		{"requester_wait_time", "activate", "10:00"}, {"requester_wait_time", "apply_sla", "10:00"},
		{"reply_time", "fulfill", "10:20"}, {"reply_time", "update_status", "10:20"}, {"requester_wait_time", "pause", "10:20"},
		{"requester_wait_time", "activate", "11:00"},
		{"requester_wait_time", "fulfill", "11:30"}, {"requester_wait_time", "update_status", "11:30"},
		{"requester_wait_time", "activate", "14:00"}, {"requester_wait_time", "breach", "15:10"},
		{"requester_wait_time", "fulfill", "15:30"}, {"requester_wait_time", "update_status", "15:30"},
	}
	if !reflect.DeepEqual(got, wantEvs) {
		t.Errorf("ticket 2 events\n got %v\nwant %v", got, wantEvs)
	}
	const t2 = zdMetricEventBase + 2*10000
	checks := map[int64]map[string]any{
		t2: {"id": float64(t2), "ticket_id": 2.0, "metric": "reply_time", "instance_id": 1.0, "type": "activate",
			"time": "2024-03-13T10:00:00Z"},
		t2 + 1001: {"id": float64(t2 + 1001), "ticket_id": 2.0, "metric": "requester_wait_time", "instance_id": 0.0,
			"type": "apply_sla", "time": "2024-03-13T10:00:00Z",
			"sla": map[string]any{"target": 120.0, "target_in_seconds": 7200.0, "business_hours": false,
				"policy": map[string]any{"id": 360000200001.0, "title": "Incidents", "description": "Urgent and high incidents, in calendar time"}}},
		t2 + 1007: {"id": float64(t2 + 1007), "ticket_id": 2.0, "metric": "requester_wait_time", "instance_id": 0.0,
			"type": "breach", "time": "2024-03-13T15:10:00Z", "deleted": false},
		t2 + 1009: {"id": float64(t2 + 1009), "ticket_id": 2.0, "metric": "requester_wait_time", "instance_id": 0.0,
			"type": "update_status", "time": "2024-03-13T15:30:00Z", "status": map[string]any{"calendar": 140.0, "business": 140.0}},
		// Ticket 1: first reply over a weekend, in calendar and business minutes.
		zdMetricEventBase + 10003: {"id": float64(zdMetricEventBase + 10003), "ticket_id": 1.0, "metric": "reply_time",
			"instance_id": 1.0, "type": "update_status", "time": "2024-03-11T09:45:00Z",
			"status": map[string]any{"calendar": 3915.0, "business": 75.0}},
		// Ticket 3: 120 business minutes from Friday 15:00 run out at the close.
		zdMetricEventBase + 30002: {"id": float64(zdMetricEventBase + 30002), "ticket_id": 3.0, "metric": "reply_time",
			"instance_id": 1.0, "type": "breach", "time": "2024-03-15T17:00:00Z", "deleted": false},
	}
	for id, w := range checks {
		if !reflect.DeepEqual(seen[id], w) {
			t.Errorf("event %d\n got %v\nwant %v", id, seen[id], w)
		}
	}
	// Ticket 6: priority raised after its breach: the SLA applies again.
	if e := seen[zdMetricEventBase+61003]; e["type"] != "apply_sla" || e["time"] != "2024-03-18T10:00:00Z" ||
		e["sla"].(map[string]any)["target"] != 120.0 {
		t.Errorf("ticket 6 re-applied: %v", e)
	}
	if e := seen[zdMetricEventBase+61002]; e["type"] != "breach" || e["time"] != "2024-03-14T20:00:00Z" {
		t.Errorf("ticket 6 breach: %v", e)
	}
}

// TestZendeskMetricEventsSeconds: a page never splits a second; the last
// minute is out of reach.
func TestZendeskMetricEventsSeconds(t *testing.T) {
	z := NewZendesk(TinyDesk(), ZendeskOptions{PageSize: 18})
	v := zdJSON(t, zdGet(t, z, PathZendeskMetricEvents+"?start_time=0"))
	if v["count"] != 20.0 || v["end_time"] != 1710324000.0 { // events 17-20 are all at Wed 10:00
		t.Errorf("page of 18: count %v end_time %v", v["count"], v["end_time"])
	}
	z = NewZendesk(TinyDesk(), ZendeskOptions{PageSize: 2})
	v = zdJSON(t, zdGet(t, z, PathZendeskMetricEvents+"?start_time=1710324000"))
	if v["count"] != 4.0 || v["end_time"] != 1710324001.0 || v["end_of_stream"] != false {
		t.Errorf("a page of one second: count %v end_time %v", v["count"], v["end_time"])
	}
	if w := zdGet(t, z, PathZendeskMetricEvents+"?start_time=1710763141"); w.Code != 422 {
		t.Errorf("start_time in the last minute: %d", w.Code)
	}
	v = zdJSON(t, zdGet(t, z, PathZendeskMetricEvents+"?start_time=1710763140"))
	if v["count"] != 0.0 || v["end_of_stream"] != true || v["end_time"] != 1710763140.0 {
		t.Errorf("nothing since the cutoff: %v", v)
	}
}

// TestGenerateDesk: a seeded desk holds every scenario; the same seed
// builds the same desk.
func TestGenerateDesk(t *testing.T) {
	now := time.Date(2025, 6, 4, 15, 30, 0, 0, time.UTC)
	for _, seed := range []int64{1, 2, 3, 42} {
		d := GenerateDesk(DeskOptions{Seed: seed, Now: now})
		tr := d.Truth()
		count := map[string]int{}
		groups, prios := map[int64]bool{}, map[string]bool{}
		for _, tt := range tr.Tickets {
			count[tt.Status]++
			groups[tt.GroupID], prios[tt.Priority] = true, true
			if tt.Reopens > 0 {
				count["reopened"]++
			}
			if tt.MergedInto != 0 {
				if target, _ := tr.Ticket(tt.MergedInto); target.Status != TicketOpen {
					t.Errorf("seed %d: ticket %d merged into %d, %s", seed, tt.ID, tt.MergedInto, target.Status)
				}
				count["merged"]++
			}
			for m, s := range tt.SLA {
				if s.Breached {
					count["breach "+m]++
				}
			}
			if tt.Updated.After(now) {
				t.Errorf("seed %d: ticket %d updated after now", seed, tt.ID)
			}
		}
		backlog := count[TicketNew] + count[TicketOpen] + count[TicketPending] + count[TicketHold]
		if len(tr.Tickets) != 80 || backlog < 15 || count[TicketDeleted] < 1 || count["merged"] < 1 || count["reopened"] < 1 ||
			count["breach reply_time"] < 5 || count["breach requester_wait_time"] < 5 || count[TicketClosed] < 20 ||
			len(groups) != 4 || len(prios) != 4 || !d.Now.Equal(now) {
			t.Errorf("seed %d: %d tickets, backlog %d, %v, %d groups, %d priorities", seed, len(tr.Tickets), backlog, count,
				len(groups), len(prios))
		}
	}
	a, b := GenerateDesk(DeskOptions{Seed: 7, Now: now}), GenerateDesk(DeskOptions{Seed: 7, Now: now})
	if !reflect.DeepEqual(a.Truth(), b.Truth()) || reflect.DeepEqual(a.Truth(), GenerateDesk(DeskOptions{Seed: 8, Now: now}).Truth()) {
		t.Error("same seed, different desks (or different seeds, same desk)")
	}
	// Served: the whole export in pages of 25, every ticket once.
	z := NewZendesk(a, ZendeskOptions{PageSize: 25})
	seen := map[int64]bool{}
	for next, pages := PathZendeskTicketExport+"?start_time=0&include=metric_sets", 0; next != ""; pages++ {
		v := zdJSON(t, zdGet(t, z, next))
		for _, id := range ids(v["tickets"], "id") {
			seen[id] = true
		}
		if next = ""; v["end_of_stream"] == false {
			next = v["after_url"].(string)
		}
		if pages > 5 {
			t.Fatal("no end of stream")
		}
	}
	if len(seen) != 80 {
		t.Errorf("exported %d tickets, want 80", len(seen))
	}
}
