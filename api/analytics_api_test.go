package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/api"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// The fixture: one Jira source "jira", boards B1 and B2, five sprints, and
// the clock pinned at sprintNow. All times are 2024, UTC.
//
//	sprint board state   start_date  activated   end_date    complete    t0          t1
//	S10    B1    closed  02-01 09:00 02-01 10:00 02-15 09:00 02-15 16:00 02-01 10:00 02-15 16:00
//	S11    B1    active  02-16 09:00 -           03-01 09:00 -           02-16 09:00 now
//	S12    B1    future  03-01 09:00 -           03-15 09:00 -           -           -
//	S21    B2    closed  02-16 09:00 -           02-23 09:00 02-19 09:00 02-16 09:00 02-19 09:00
//	S30    B2    future  -           -           -           -           -           -
//
// with now = 02-20 12:00.
//
// List order (newest start first, then source and id; no dates last):
// S12 (03-01 09:00), S11 and S21 (both 02-16 09:00, so id decides), S10,
// S30. With limit=2 the S11/S21 tie is split across the first two pages.
var sprintNow = at(2, 20, 12, 0, 0)

// at is a 2024 UTC time.
func at(month, day, hour, min, sec int) time.Time {
	return time.Date(2024, time.Month(month), day, hour, min, sec, 0, time.UTC)
}

func tptr(t time.Time) *time.Time { return &t }
func fptr(f float64) *float64     { return &f }

// seedSprints migrates db and writes the fixture.
//
// S10 (t0 02-01 10:00, t1 02-15 16:00) is the worked example:
//   - committed C = 10: C1..C10 entered 01-31 12:00, before t0;
//   - added A = 3: A1 (02-03 09:00), A2 (02-06 09:00), A3 (02-08 09:00);
//   - removed R = 1: C10 left 02-05 12:00, not done;
//   - at t1 the sprint holds C1..C9 and A1..A3 (12 issues). C7 left at
//     15:59:30 and C8, C9, A3 at 16:00:00: completion move-outs (within 60 s
//     of completeDate), so they count as still in, not as removals;
//   - done at t1: C1..C6 (done 02-10) and A1, A2 (done 02-12): D = 8
//     (C7 turns done only on 02-16, after t1; C9 on 02-18);
//   - carried over: C7, C8, C9, A3 = 4;
//   - committed and done at t1: C1..C6 = 6.
//
// So scope_change_rate = (3 + 1) / 10 = 0.4, added_rate = 3 / 10 = 0.3,
// net_change_rate = (3 − 1) / 10 = 0.2, planning_accuracy = 6 / 10 = 0.6,
// completion_rate = 8 / (10 + 3 − 1) = 8 / 12; planned_days = 14 (02-01
// 09:00 to 02-15 09:00), actual_days = 14.25 (02-01 10:00 to 02-15 16:00).
// Points: C1..C10 2 each, A1 3, A2 5, A3 none: committed 20, added 8,
// removed 2 (C10), completed 6×2 + 3 + 5 = 20.
//
// S11 (active; t0 02-16 09:00, t1 = now 02-20 12:00): C7, C8, C9, A3 came
// over at completion of S10 (committed 4); E1 added 02-17 09:00 (A = 1); E2
// enters 02-21, after now (not counted); C7 done 02-16 and C9 done 02-18
// (D = 2, both committed); carried over C8, A3, E1 = 3. Rates: scope
// change, added and net change 1/4 = 0.25, planning accuracy 2/4 = 0.5,
// completion 2 / (4 + 1 − 0) = 0.4. Points: committed 6 (A3 has none),
// added 0, completed 4. actual_days = 4 days 3 hours = 4.125;
// planned_days = 14.
//
// S21 (closed; t0 02-16 09:00, t1 02-19 09:00): F1, F2 committed (entered
// 02-15 12:00); F3 added 02-16 12:00; F2 removed 02-17 09:00, not done; F1
// done 02-18: C = 2, A = 1, R = 1, D = 1, carried over F3 = 1.
// scope_change_rate = 2/2 = 1, added_rate = 0.5, net_change_rate = 0,
// planning_accuracy = 1/2, completion_rate = 1 / (2 + 1 − 1) = 0.5;
// planned_days = 7, actual_days = 3.
//
// S12 (future) has G1 planned in it (entered 02-19); S30 has nothing. Both
// report zeros, null rates and null actual_days.
func seedSprints(t *testing.T, db warehouse.DB) {
	t.Helper()
	ctx := context.Background()
	if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	sprint := func(id, board, state string, start, end, activated, complete *time.Time) warehouse.SprintRow {
		return warehouse.SprintRow{Source: "jira", SprintID: id, BoardID: board, Name: "Sprint " + id, State: state,
			Start: start, End: end, Activated: activated, Complete: complete, CarryOverGrace: 60, Version: 1}
	}
	sprints := []warehouse.SprintRow{
		sprint("S10", "B1", "closed", tptr(at(2, 1, 9, 0, 0)), tptr(at(2, 15, 9, 0, 0)), tptr(at(2, 1, 10, 0, 0)), tptr(at(2, 15, 16, 0, 0))),
		sprint("S11", "B1", "active", tptr(at(2, 16, 9, 0, 0)), tptr(at(3, 1, 9, 0, 0)), nil, nil),
		sprint("S12", "B1", "future", tptr(at(3, 1, 9, 0, 0)), tptr(at(3, 15, 9, 0, 0)), nil, nil),
		sprint("S21", "B2", "closed", tptr(at(2, 16, 9, 0, 0)), tptr(at(2, 23, 9, 0, 0)), nil, tptr(at(2, 19, 9, 0, 0))),
		sprint("S30", "B2", "future", nil, nil, nil, nil),
	}
	if err := warehouse.InsertRows(ctx, db, sprints); err != nil {
		t.Fatal(err)
	}

	var ivs []warehouse.MembershipIntervalRow
	iv := func(sprint, issue string, entered time.Time, exited *time.Time, doneAtLeaving uint8, points *float64) {
		ivs = append(ivs, warehouse.MembershipIntervalRow{Source: "jira", Kind: "sprint", ContainerID: sprint,
			IssueID: issue, Entered: entered, Exited: exited, DoneAtLeaving: doneAtLeaving, Points: points, Version: 1})
	}
	committed := at(1, 31, 12, 0, 0)
	moveOut := at(2, 15, 16, 0, 0) // S10's completeDate
	for i := 1; i <= 6; i++ {
		iv("S10", fmt.Sprintf("C%d", i), committed, nil, 0, fptr(2))
	}
	iv("S10", "C7", committed, tptr(at(2, 15, 15, 59, 30)), 0, fptr(2)) // move-out 30 s before completion
	iv("S10", "C8", committed, tptr(moveOut), 0, fptr(2))
	iv("S10", "C9", committed, tptr(moveOut), 0, fptr(2))
	iv("S10", "C10", committed, tptr(at(2, 5, 12, 0, 0)), 0, fptr(2)) // removed
	iv("S10", "A1", at(2, 3, 9, 0, 0), nil, 0, fptr(3))
	iv("S10", "A2", at(2, 6, 9, 0, 0), nil, 0, fptr(5))
	iv("S10", "A3", at(2, 8, 9, 0, 0), tptr(moveOut), 0, nil)

	iv("S11", "C7", at(2, 15, 15, 59, 30), nil, 0, fptr(2))
	iv("S11", "C8", moveOut, nil, 0, fptr(2))
	iv("S11", "C9", moveOut, nil, 0, fptr(2))
	iv("S11", "A3", moveOut, nil, 0, nil)
	iv("S11", "E1", at(2, 17, 9, 0, 0), nil, 0, nil)
	iv("S11", "E2", at(2, 21, 9, 0, 0), nil, 0, nil) // after now

	iv("S21", "F1", at(2, 15, 12, 0, 0), nil, 0, nil)
	iv("S21", "F2", at(2, 15, 12, 0, 0), tptr(at(2, 17, 9, 0, 0)), 0, nil)
	iv("S21", "F3", at(2, 16, 12, 0, 0), nil, 0, nil)

	iv("S12", "G1", at(2, 19, 9, 0, 0), nil, 0, nil)
	if err := warehouse.InsertRows(ctx, db, ivs); err != nil {
		t.Fatal(err)
	}

	ids := []string{"C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "A1", "A2", "A3", "E1", "E2", "F1", "F2", "F3", "G1"}
	var changes []warehouse.StatusChangeRow
	var issues []warehouse.IssueRow
	for i, id := range ids {
		changes = append(changes, warehouse.StatusChangeRow{Source: "jira", IssueID: id, EventID: "initial",
			At: at(1, 20, 9, 0, 0), ToStatus: "To Do", ToCategory: "new", Version: 1})
		// Keys PLAT-1 .. PLAT-19 in the order above: C1..C10 are PLAT-1..10,
		// A1..A3 are PLAT-11..13.
		issues = append(issues, warehouse.IssueRow{Source: "jira", IssueID: id, Key: fmt.Sprintf("PLAT-%d", i+1),
			Project: "PLAT", Type: "Story", Created: at(1, 20, 9, 0, 0), Updated: at(1, 20, 9, 0, 0),
			SprintIDs: []string{}, MilestoneIDs: []string{}, Labels: []string{}, Version: 1})
	}
	done := func(id string, when time.Time) {
		changes = append(changes, warehouse.StatusChangeRow{Source: "jira", IssueID: id, EventID: "done-" + id,
			At: when, FromStatus: "To Do", ToStatus: "Done", FromCategory: "new", ToCategory: "done", Version: 1})
	}
	for i := 1; i <= 6; i++ {
		done(fmt.Sprintf("C%d", i), at(2, 10, 9, 0, 0))
	}
	done("A1", at(2, 12, 9, 0, 0))
	done("A2", at(2, 12, 9, 0, 0))
	done("C7", at(2, 16, 9, 0, 0)) // after S10's t1: carried over there, done in S11
	done("C9", at(2, 18, 9, 0, 0)) // done in S11
	done("F1", at(2, 18, 9, 0, 0))
	if err := warehouse.InsertRows(ctx, db, changes); err != nil {
		t.Fatal(err)
	}
	if err := warehouse.InsertRows(ctx, db, issues); err != nil {
		t.Fatal(err)
	}
}

// analyticsServer is a server over the seeded fixture with the clock at
// sprintNow and no tokens.
func analyticsServer(t *testing.T, db warehouse.DB) *httptest.Server {
	t.Helper()
	seedSprints(t, db)
	srv := httptest.NewServer(api.New(api.Options{DB: db, Now: func() time.Time { return sprintNow }}).Handler())
	t.Cleanup(srv.Close)
	return srv
}

// get fetches path and returns the status and body, which must be JSON.
func get(t *testing.T, srv *httptest.Server, path string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) {
		t.Fatalf("GET %s: %d, body is not JSON: %s", path, resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	return resp.StatusCode, b
}

// jsonEqual compares two JSON texts as values: key order and spacing do
// not matter, numbers are compared as float64 exactly, strings (times
// included) byte for byte. Numbers under the keys in approx may differ by
// up to 1e-9.
func jsonEqual(t *testing.T, what string, got []byte, want string, approx ...string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: got is not JSON: %v\n%s", what, err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: want is not JSON: %v\n%s", what, err, want)
	}
	if !sameJSON(g, w, "", approx) {
		gi, _ := json.MarshalIndent(g, "", "  ")
		wi, _ := json.MarshalIndent(w, "", "  ")
		t.Errorf("%s:\n got %s\nwant %s", what, gi, wi)
	}
}

func sameJSON(g, w any, key string, approx []string) bool {
	switch w := w.(type) {
	case map[string]any:
		gm, ok := g.(map[string]any)
		if !ok || len(gm) != len(w) {
			return false
		}
		for k, wv := range w {
			gv, ok := gm[k]
			if !ok || !sameJSON(gv, wv, k, approx) {
				return false
			}
		}
		return true
	case []any:
		ga, ok := g.([]any)
		if !ok || len(ga) != len(w) {
			return false
		}
		for i := range w {
			if !sameJSON(ga[i], w[i], "", approx) {
				return false
			}
		}
		return true
	case float64:
		gf, ok := g.(float64)
		if ok && slices.Contains(approx, key) {
			return math.Abs(gf-w) <= 1e-9
		}
		return ok && gf == w
	}
	return reflect.DeepEqual(g, w)
}

// The hand-worked reports (see seedSprints), as the API renders them.
const (
	wantS10 = `{"source":"jira","board":"B1","id":"S10","name":"Sprint S10","state":"closed",
		"start":"2024-02-01T10:00:00Z","end":"2024-02-15T09:00:00Z","complete":"2024-02-15T16:00:00Z",
		"planned_days":14,"actual_days":14.25,
		"committed":10,"added":3,"removed":1,"completed":8,"carried_over":4,
		"scope_change_rate":0.4,"added_rate":0.3,"net_change_rate":0.2,"planning_accuracy":0.6,
		"completion_rate":0.6666666666666666,
		"committed_points":20,"added_points":8,"removed_points":2,"completed_points":20}`
	wantS11 = `{"source":"jira","board":"B1","id":"S11","name":"Sprint S11","state":"active",
		"start":"2024-02-16T09:00:00Z","end":"2024-03-01T09:00:00Z","complete":null,
		"planned_days":14,"actual_days":4.125,
		"committed":4,"added":1,"removed":0,"completed":2,"carried_over":3,
		"scope_change_rate":0.25,"added_rate":0.25,"net_change_rate":0.25,"planning_accuracy":0.5,
		"completion_rate":0.4,
		"committed_points":6,"added_points":0,"removed_points":0,"completed_points":4}`
	wantS12 = `{"source":"jira","board":"B1","id":"S12","name":"Sprint S12","state":"future",
		"start":"2024-03-01T09:00:00Z","end":"2024-03-15T09:00:00Z","complete":null,
		"planned_days":14,"actual_days":null,
		"committed":0,"added":0,"removed":0,"completed":0,"carried_over":0,
		"scope_change_rate":null,"added_rate":null,"net_change_rate":null,"planning_accuracy":null,
		"completion_rate":null,
		"committed_points":0,"added_points":0,"removed_points":0,"completed_points":0}`
	wantS21 = `{"source":"jira","board":"B2","id":"S21","name":"Sprint S21","state":"closed",
		"start":"2024-02-16T09:00:00Z","end":"2024-02-23T09:00:00Z","complete":"2024-02-19T09:00:00Z",
		"planned_days":7,"actual_days":3,
		"committed":2,"added":1,"removed":1,"completed":1,"carried_over":1,
		"scope_change_rate":1,"added_rate":0.5,"net_change_rate":0,"planning_accuracy":0.5,
		"completion_rate":0.5,
		"committed_points":0,"added_points":0,"removed_points":0,"completed_points":0}`
	wantS30 = `{"source":"jira","board":"B2","id":"S30","name":"Sprint S30","state":"future",
		"start":null,"end":null,"complete":null,
		"planned_days":null,"actual_days":null,
		"committed":0,"added":0,"removed":0,"completed":0,"carried_over":0,
		"scope_change_rate":null,"added_rate":null,"net_change_rate":null,"planning_accuracy":null,
		"completion_rate":null,
		"committed_points":0,"added_points":0,"removed_points":0,"completed_points":0}`
)

// The documented order of GET /api/v1/sprints over the fixture.
var wantOrder = []string{"S12", "S11", "S21", "S10", "S30"}

var wantReport = map[string]string{"S10": wantS10, "S11": wantS11, "S12": wantS12, "S21": wantS21, "S30": wantS30}

type sprintPage struct {
	Items      []json.RawMessage `json:"items"`
	NextCursor *string           `json:"next_cursor"`
}

func decodePage(t *testing.T, what string, body []byte) sprintPage {
	t.Helper()
	var p sprintPage
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, body)
	}
	if p.Items == nil || p.NextCursor == nil {
		t.Fatalf("%s: items and next_cursor must both be present: %s", what, body)
	}
	return p
}

func itemID(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var r struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func TestSprintReportsAPI(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		srv := analyticsServer(t, db)

		// One page holds everything, in the documented order, with the
		// hand-worked numbers.
		status, body := get(t, srv, "/api/v1/sprints")
		if status != 200 {
			t.Fatalf("sprints: %d %s", status, body)
		}
		page := decodePage(t, "sprints", body)
		if *page.NextCursor != "" {
			t.Errorf("sprints: one page but next_cursor %q", *page.NextCursor)
		}
		var ids []string
		for _, it := range page.Items {
			id := itemID(t, it)
			ids = append(ids, id)
			if want, ok := wantReport[id]; ok {
				jsonEqual(t, "sprint "+id, it, want)
			}
		}
		if !reflect.DeepEqual(ids, wantOrder) {
			t.Errorf("sprint order %v, want %v", ids, wantOrder)
		}

		// Filters.
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"state=closed", []string{"S21", "S10"}},
			{"state=active", []string{"S11"}},
			{"state=future", []string{"S12", "S30"}},
			{"board=B2", []string{"S21", "S30"}},
			{"source=jira&board=B1&state=closed", []string{"S10"}},
			{"source=other", []string{}},
			// from/to bound t0 and leave unstarted sprints out; a date
			// "to" runs to the end of its day.
			{"from=2024-02-16", []string{"S11", "S21"}},
			{"to=2024-02-01", []string{"S10"}},
			{"from=2024-02-01&to=2024-02-01", []string{"S10"}},
			{"from=2024-02-01T10:00:01Z", []string{"S11", "S21"}},
			// Storage keeps whole seconds: a fractional lower bound rounds up.
			{"from=2024-02-01T10:00:00.5Z", []string{"S11", "S21"}},
			{"from=2024-02-16T09:00:00Z&to=2024-02-16T09:00:00Z", []string{"S11", "S21"}},
			{"from=" + url.QueryEscape("2024-02-16T10:00:00+01:00"), []string{"S11", "S21"}}, // 09:00 UTC
			{"from=2024-02-16T09:00:01Z", []string{}},
			{"to=2024-02-16T08:59:59.999Z", []string{"S10"}},
			// Bounds beyond what both backends read alike (1970 to 2037) are clamped:
			// a far-future "to" means no upper bound on both backends.
			{"to=9999-12-31", []string{"S11", "S21", "S10"}},
			{"from=1900-01-01&to=2200-01-01", []string{"S11", "S21", "S10"}},
			{"from=2200-01-01", []string{}},
		} {
			status, body := get(t, srv, "/api/v1/sprints?"+tc.query)
			if status != 200 {
				t.Errorf("sprints?%s: %d %s", tc.query, status, body)
				continue
			}
			p := decodePage(t, tc.query, body)
			got := []string{}
			for _, it := range p.Items {
				got = append(got, itemID(t, it))
			}
			if !reflect.DeepEqual(got, tc.want) || *p.NextCursor != "" {
				t.Errorf("sprints?%s: %v next %q, want %v", tc.query, got, *p.NextCursor, tc.want)
			}
		}
	})
}

func TestSprintPagination(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		srv := analyticsServer(t, db)
		for _, limit := range []int{1, 2, 3, 4, 5, 6} {
			var seen []string
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > len(wantOrder)+1 {
					t.Fatalf("limit=%d: more pages than sprints; seen %v", limit, seen)
				}
				path := fmt.Sprintf("/api/v1/sprints?limit=%d", limit)
				if cursor != "" {
					path += "&cursor=" + url.QueryEscape(cursor)
				}
				status, body := get(t, srv, path)
				if status != 200 {
					t.Fatalf("%s: %d %s", path, status, body)
				}
				p := decodePage(t, path, body)
				if len(p.Items) > limit {
					t.Fatalf("%s: %d items", path, len(p.Items))
				}
				for _, it := range p.Items {
					id := itemID(t, it)
					seen = append(seen, id)
					jsonEqual(t, fmt.Sprintf("limit=%d %s", limit, id), it, wantReport[id])
				}
				cursor = *p.NextCursor
				if cursor == "" {
					// The last page: it is not empty unless there is
					// nothing at all, and it is a short or exact page.
					if len(p.Items) == 0 {
						t.Errorf("limit=%d: empty last page after a non-empty next_cursor", limit)
					}
					break
				}
				if len(p.Items) != limit {
					t.Errorf("%s: short page (%d) with a next_cursor", path, len(p.Items))
				}
			}
			// Every sprint exactly once, in the documented order.
			if !reflect.DeepEqual(seen, wantOrder) {
				t.Errorf("limit=%d: pages gave %v, want %v", limit, seen, wantOrder)
			}
		}

		// The limit=2 pages, spelled out: the S11/S21 tie is split.
		var pages [][]string
		var cursors []string
		cursor := ""
		for {
			path := "/api/v1/sprints?limit=2"
			if cursor != "" {
				path += "&cursor=" + cursor // cursors are URL-safe as they are
			}
			_, body := get(t, srv, path)
			p := decodePage(t, path, body)
			var ids []string
			for _, it := range p.Items {
				ids = append(ids, itemID(t, it))
			}
			pages = append(pages, ids)
			cursors = append(cursors, *p.NextCursor)
			if cursor = *p.NextCursor; cursor == "" {
				break
			}
		}
		if want := [][]string{{"S12", "S11"}, {"S21", "S10"}, {"S30"}}; !reflect.DeepEqual(pages, want) {
			t.Errorf("limit=2 pages %v, want %v", pages, want)
		}
		if len(cursors) != 3 || cursors[0] == "" || cursors[1] == "" || cursors[2] != "" {
			t.Errorf("limit=2 cursors %q", cursors)
		}

		// A cursor keeps working with filters: closed sprints one by one.
		status, body := get(t, srv, "/api/v1/sprints?state=closed&limit=1")
		p := decodePage(t, "closed page 1", body)
		if status != 200 || len(p.Items) != 1 || itemID(t, p.Items[0]) != "S21" || *p.NextCursor == "" {
			t.Fatalf("closed page 1: %d %s", status, body)
		}
		status, body = get(t, srv, "/api/v1/sprints?state=closed&limit=1&cursor="+*p.NextCursor)
		p = decodePage(t, "closed page 2", body)
		if status != 200 || len(p.Items) != 1 || itemID(t, p.Items[0]) != "S10" || *p.NextCursor != "" {
			t.Fatalf("closed page 2: %d %s", status, body)
		}
	})
}

func TestSprintDetailAPI(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		srv := analyticsServer(t, db)

		// S10's events, in time order, then kind, then issue key: A1..A3
		// added, C10 removed, and the four carried-over issues at their
		// move-out times (C7 at 15:59:30; A3 = PLAT-13, C8 = PLAT-8 and
		// C9 = PLAT-9 at 16:00, keys compared as strings).
		wantEvents := `[
			{"issue_id":"A1","issue_key":"PLAT-11","at":"2024-02-03T09:00:00Z","kind":"added","done_at_leaving":false,"points":3},
			{"issue_id":"C10","issue_key":"PLAT-10","at":"2024-02-05T12:00:00Z","kind":"removed","done_at_leaving":false,"points":2},
			{"issue_id":"A2","issue_key":"PLAT-12","at":"2024-02-06T09:00:00Z","kind":"added","done_at_leaving":false,"points":5},
			{"issue_id":"A3","issue_key":"PLAT-13","at":"2024-02-08T09:00:00Z","kind":"added","done_at_leaving":false,"points":null},
			{"issue_id":"C7","issue_key":"PLAT-7","at":"2024-02-15T15:59:30Z","kind":"carried_over","done_at_leaving":false,"points":2},
			{"issue_id":"A3","issue_key":"PLAT-13","at":"2024-02-15T16:00:00Z","kind":"carried_over","done_at_leaving":false,"points":null},
			{"issue_id":"C8","issue_key":"PLAT-8","at":"2024-02-15T16:00:00Z","kind":"carried_over","done_at_leaving":false,"points":2},
			{"issue_id":"C9","issue_key":"PLAT-9","at":"2024-02-15T16:00:00Z","kind":"carried_over","done_at_leaving":false,"points":2}
		]`
		status, body := get(t, srv, "/api/v1/sprints/jira/S10")
		if status != 200 {
			t.Fatalf("S10: %d %s", status, body)
		}
		jsonEqual(t, "S10 detail", body, strings.TrimSuffix(wantS10, "}")+`,"events":`+wantEvents+`}`)

		// The event counts agree with the report.
		var d struct {
			Events []struct{ Kind string } `json:"events"`
		}
		if err := json.Unmarshal(body, &d); err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, e := range d.Events {
			kinds[e.Kind]++
		}
		if want := map[string]int{"added": 3, "removed": 1, "carried_over": 4}; !reflect.DeepEqual(kinds, want) {
			t.Errorf("S10 event kinds %v, want %v", kinds, want)
		}

		// S11, active: t1 is now, so carried_over lists what is open now,
		// at now (keys as strings: PLAT-13 < PLAT-14 < PLAT-8); C7 and C9
		// are done; E2 (entering tomorrow) is not an event.
		status, body = get(t, srv, "/api/v1/sprints/jira/S11")
		if status != 200 {
			t.Fatalf("S11: %d %s", status, body)
		}
		jsonEqual(t, "S11 detail", body, strings.TrimSuffix(wantS11, "}")+`,"events":[
			{"issue_id":"E1","issue_key":"PLAT-14","at":"2024-02-17T09:00:00Z","kind":"added","done_at_leaving":false,"points":null},
			{"issue_id":"A3","issue_key":"PLAT-13","at":"2024-02-20T12:00:00Z","kind":"carried_over","done_at_leaving":false,"points":null},
			{"issue_id":"E1","issue_key":"PLAT-14","at":"2024-02-20T12:00:00Z","kind":"carried_over","done_at_leaving":false,"points":null},
			{"issue_id":"C8","issue_key":"PLAT-8","at":"2024-02-20T12:00:00Z","kind":"carried_over","done_at_leaving":false,"points":2}
		]}`)

		// Unstarted sprints: the report and an empty (not null) event list.
		for _, id := range []string{"S12", "S30"} {
			status, body = get(t, srv, "/api/v1/sprints/jira/"+id)
			if status != 200 {
				t.Fatalf("%s: %d %s", id, status, body)
			}
			jsonEqual(t, id+" detail", body, strings.TrimSuffix(wantReport[id], "}")+`,"events":[]}`)
		}

		// Unknown sprints are a 404 in the error shape.
		for _, tc := range []struct{ path, msg string }{
			{"/api/v1/sprints/jira/NOPE", `not found: sprint "NOPE" of source "jira"`},
			{"/api/v1/sprints/other/S10", `not found: sprint "S10" of source "other"`},
		} {
			status, body = get(t, srv, tc.path)
			want := fmt.Sprintf(`{"error":{"code":"not_found","message":%q}}`, tc.msg)
			if status != 404 {
				t.Errorf("%s: %d %s", tc.path, status, body)
			}
			jsonEqual(t, tc.path, body, want)
		}
	})
}

func TestRollupsAPI(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		srv := analyticsServer(t, db)
		for _, tc := range []struct{ path, want string }{
			// Started sprints only (S12 and S30 are left out). B1: S10 + S11
			// = 10 + 4 committed, 3 + 1 added, 1 + 0 removed, rate 5/14.
			// B2: S21 = 2, 1, 1, rate 2/2.
			{"/api/v1/scope-change?entity=sprint&group_by=board", `{"items":[
				{"group":"B1","source":"jira","sprints":2,"committed":14,"added":4,"removed":1,"scope_change_rate":0.35714285714285715},
				{"group":"B2","source":"jira","sprints":1,"committed":2,"added":1,"removed":1,"scope_change_rate":1}
			],"next_cursor":""}`},
			// The default grouping is board.
			{"/api/v1/scope-change", `{"items":[
				{"group":"B1","source":"jira","sprints":2,"committed":14,"added":4,"removed":1,"scope_change_rate":0.35714285714285715},
				{"group":"B2","source":"jira","sprints":1,"committed":2,"added":1,"removed":1,"scope_change_rate":1}
			],"next_cursor":""}`},
			// By month of t0: S10 in 2024-02 ... and so are S11 and S21:
			// 16 committed, 5 added, 2 removed: 7/16 = 0.4375.
			{"/api/v1/scope-change?group_by=month", `{"items":[
				{"group":"2024-02","sprints":3,"committed":16,"added":5,"removed":2,"scope_change_rate":0.4375}
			],"next_cursor":""}`},
			// from/to bound t0: only S11 and S21 start on or after 02-16.
			{"/api/v1/scope-change?group_by=board&from=2024-02-16&source=jira", `{"items":[
				{"group":"B1","source":"jira","sprints":1,"committed":4,"added":1,"removed":0,"scope_change_rate":0.25},
				{"group":"B2","source":"jira","sprints":1,"committed":2,"added":1,"removed":1,"scope_change_rate":1}
			],"next_cursor":""}`},
			{"/api/v1/scope-change?source=other", `{"items":[],"next_cursor":""}`},
			// Rollups page like every list: the cursor is base64url of {"o":1}.
			{"/api/v1/scope-change?group_by=board&limit=1", `{"items":[
				{"group":"B1","source":"jira","sprints":2,"committed":14,"added":4,"removed":1,"scope_change_rate":0.35714285714285715}
			],"next_cursor":"eyJvIjoxfQ"}`},
			{"/api/v1/scope-change?group_by=board&limit=1&cursor=eyJvIjoxfQ", `{"items":[
				{"group":"B2","source":"jira","sprints":1,"committed":2,"added":1,"removed":1,"scope_change_rate":1}
			],"next_cursor":""}`},

			// Actual durations: S10 14.25 days, S11 4.125 (02-16 09:00 to
			// now, 02-20 12:00), S21 3. B1: mean (14.25 + 4.125) / 2 =
			// 9.1875, and the p50 of two values is their midpoint, 9.1875.
			// p90 interpolates linearly between the sorted values at position
			// 0.9 × (n − 1): closed (3, 14.25): 3 + 0.9 × 11.25 = 13.125; B1
			// (4.125, 14.25): 4.125 + 0.9 × 10.125 = 13.2375; all (3, 4.125,
			// 14.25) at 1.8: 4.125 + 0.8 × 10.125 = 12.225. Products of 0.9
			// and 0.8 are not exact in binary, so p90_days is compared to
			// within 1e-9 and everything else exactly.
			{"/api/v1/durations?entity=sprint&group_by=state", `{"items":[
				{"group":"active","count":1,"mean_days":4.125,"p50_days":4.125,"p90_days":4.125,"max_days":4.125},
				{"group":"closed","count":2,"mean_days":8.625,"p50_days":8.625,"p90_days":13.125,"max_days":14.25}
			],"next_cursor":""}`},
			{"/api/v1/durations?entity=sprint&group_by=board", `{"items":[
				{"group":"B1","source":"jira","count":2,"mean_days":9.1875,"p50_days":9.1875,"p90_days":13.2375,"max_days":14.25},
				{"group":"B2","source":"jira","count":1,"mean_days":3,"p50_days":3,"p90_days":3,"max_days":3}
			],"next_cursor":""}`},
			{"/api/v1/durations", `{"items":[
				{"group":"all","count":3,"mean_days":7.125,"p50_days":4.125,"p90_days":12.225,"max_days":14.25}
			],"next_cursor":""}`},
			{"/api/v1/durations?group_by=month&to=2024-02-15", `{"items":[
				{"group":"2024-02","count":1,"mean_days":14.25,"p50_days":14.25,"p90_days":14.25,"max_days":14.25}
			],"next_cursor":""}`},
		} {
			status, body := get(t, srv, tc.path)
			if status != 200 {
				t.Errorf("%s: %d %s", tc.path, status, body)
				continue
			}
			jsonEqual(t, tc.path, body, tc.want, "p90_days")
		}
	})
}

func TestAnalyticsBadRequests(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		srv := analyticsServer(t, db)
		const sprintParams = "source, board, state, from, to, limit, cursor"
		for _, tc := range []struct{ path, msg string }{
			{"/api/v1/sprints?soruce=jira", "unknown parameter(s): soruce (allowed: " + sprintParams + ")"},
			{"/api/v1/sprints?b=1&a=2", "unknown parameter(s): a, b (allowed: " + sprintParams + ")"},
			{"/api/v1/sprints?state=closed&state=active", `parameter "state" given 2 times; give it once`},
			{"/api/v1/sprints?state=bogus", `parameter state: unknown value "bogus" (want one of future, active, closed)`},
			{"/api/v1/sprints?limit=0", `parameter limit: "0" is not a whole number from 1 to 1000`},
			{"/api/v1/sprints?limit=1001", `parameter limit: "1001" is not a whole number from 1 to 1000`},
			{"/api/v1/sprints?limit=abc", `parameter limit: "abc" is not a whole number from 1 to 1000`},
			{"/api/v1/sprints?limit=-1", `parameter limit: "-1" is not a whole number from 1 to 1000`},
			{"/api/v1/sprints?from=yesterday", `parameter from: "yesterday" is neither RFC 3339 (2024-01-31T00:00:00Z) nor a date (2024-01-31)`},
			{"/api/v1/sprints?to=2024-13-01", `parameter to: "2024-13-01" is neither RFC 3339 (2024-01-31T00:00:00Z) nor a date (2024-01-31)`},
			{"/api/v1/sprints?from=2024-02-10&to=2024-02-01", "parameter to is before from"},
			{"/api/v1/sprints?from=2024-02-01T12:00:00Z&to=2024-02-01T11:59:59Z", "parameter to is before from"},
			{"/api/v1/sprints?cursor=garbage", "parameter cursor: not a cursor returned by this API"},
			{"/api/v1/sprints?cursor=%25%25%25", "parameter cursor: not a cursor returned by this API"},
			{"/api/v1/sprints/jira/S10?verbose=1", "unknown parameter(s): verbose (this endpoint takes no query parameters)"},
			{"/api/v1/scope-change?group_by=team", `parameter group_by: unknown value "team" (want one of board, project, month, kind, type)`},
			{"/api/v1/scope-change?entity=bogus", `parameter entity: unknown value "bogus" (want one of sprint, milestone)`},
			{"/api/v1/scope-change?entity=milestone&group_by=board", `invalid argument: group_by "board" for milestones (want project, kind or type)`},
			{"/api/v1/scope-change?group_by=kind", `invalid argument: group_by "kind" for sprints (want board or month)`},
			{"/api/v1/scope-change?group_by=project", `not supported yet: group_by "project" for sprints`},
			{"/api/v1/scope-change?from=2024-03-01&to=2024-02-01", "parameter to is before from"},
			{"/api/v1/scope-change?board=B1", "unknown parameter(s): board (allowed: entity, group_by, source, from, to, limit, cursor)"},
			{"/api/v1/durations?entity=bogus", `parameter entity: unknown value "bogus" (want one of sprint, milestone, project, ticket)`},
			{"/api/v1/durations?entity=milestone&group_by=state", `invalid argument: group_by "state" for milestones (want project, kind or type)`},
			{"/api/v1/durations?entity=project&group_by=kind", `invalid argument: group_by "kind" for projects (want type)`},
			{"/api/v1/durations?group_by=type", `invalid argument: group_by "type" for sprints (want board, state or month)`},
			{"/api/v1/durations?entity=ticket&group_by=board", `invalid argument: group_by "board" for tickets (want priority or group)`},
			{"/api/v1/durations?group_by=team", `parameter group_by: unknown value "team" (want one of board, state, month, project, kind, type, priority, group)`},
			{"/api/v1/durations?group_by=bogus", `parameter group_by: unknown value "bogus" (want one of board, state, month, project, kind, type, priority, group)`},
			{"/api/v1/durations?source=jira", "unknown parameter(s): source (allowed: entity, group_by, from, to, limit, cursor)"},
			{"/api/v1/durations?to=tomorrow", `parameter to: "tomorrow" is neither RFC 3339 (2024-01-31T00:00:00Z) nor a date (2024-01-31)`},
		} {
			status, body := get(t, srv, tc.path)
			if status != 400 {
				t.Errorf("%s: %d %s, want 400", tc.path, status, body)
				continue
			}
			jsonEqual(t, tc.path, body, fmt.Sprintf(`{"error":{"code":"invalid_argument","message":%q}}`, tc.msg))
		}
	})
}
