package simulate

import (
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"
)

// glIterNow is the clock of glIterOrg.
var glIterNow = time.Date(2024, 1, 20, 12, 0, 0, 0, time.UTC)

// glIterOrg is a hand-built org laid out as GitLab iterations: boards 1
// (Atlas, PLAT: cadence 3001) and 2 (Borealis, MOB: cadence 3002), served
// at glIterNow (Jan 20 12:00). Days are of January 2024; every sprint
// runs from 00:00 of its start day to 23:59:59 of its due day.
//
//	1 Atlas Sprint 1     Jan 1–14   closed    created Dec 20 10:00, goal "Ship beta"
//	2 Borealis Sprint 1  Jan 8–21   current   created Dec 28 10:00
//	3 Atlas Sprint 2     Jan 15–28  current   created Jan 2 10:00
//	4 Atlas Sprint 3     Jan 29–Feb 11 upcoming created Jan 16 10:00
//	5 Borealis Sprint 2  Jan 22–Feb 4 created Feb 1: not there yet
//
//	PLAT-1 Dec 28 09:00 into 1; done Jan 10 12:00                  (stays in 1)
//	PLAT-2 Dec 29 09:00; into 1 Dec 31 23:57; In Progress Jan 5;
//	       rolled over 1 → 3 Jan 14 23:59:59; done Jan 18 10:00
//	PLAT-3 Jan 2 09:00; into 1 Jan 3 10:00; out Jan 5 11:00; in again
//	       Jan 6 10:00; done Jan 9 10:00; reopened Jan 11 10:00;
//	       rolled over 1 → 3 Jan 14 23:59:59
//	PLAT-4 Jan 2 10:00; into 1 Jan 2 11:00; out Jan 8 10:00 (open);
//	       into 2 Jan 16 10:00; out Jan 22 10:00 (after the clock)
//	MOB-1  Jan 7 09:00 into 2; done Jan 19 10:00
//
// History ids are 701 on, in time order.
func glIterOrg(t *testing.T) *Org {
	t.Helper()
	d := func(day, h, m, s int) time.Time { return time.Date(2024, 1, day, h, m, s, 0, time.UTC) }
	sp := func(from, to []int) Item { return Item{Field: FieldSprint, FromSprints: from, ToSprints: to} }
	st := func(from, to string) Item { return Item{Field: FieldStatus, FromStatus: from, ToStatus: to} }
	h := func(id int, at time.Time, items ...Item) History {
		return History{ID: strconv.Itoa(id), At: at, AuthorID: "u2", Items: items}
	}
	issue := func(key, id string, created time.Time, initial []int, hs ...History) *Issue {
		return &Issue{ID: id, Key: key, Project: key[:len(key)-2], Type: "Story", Summary: "Work " + key, Created: created,
			AssigneeID: "u1", InitialStatus: StatusToDo, InitialSprints: initial, Histories: hs}
	}
	sprint := func(id, board int, name string, created time.Time, start time.Time, days int) *Sprint {
		end := start.AddDate(0, 0, days).Add(-time.Second)
		s := &Sprint{ID: id, Name: name, OriginBoardID: board, Created: created, Start: tp(start), End: tp(end), State: SprintFuture}
		if !start.After(glIterNow) {
			s.State, s.Activated = SprintActive, tp(start)
		}
		if end.Before(glIterNow) {
			s.State, s.Complete = SprintClosed, tp(end)
		}
		return s
	}
	none, one, two, three := []int{}, []int{1}, []int{2}, []int{3}
	o := &Org{Seed: 5, Now: glIterNow, Vendor: VendorGitLab,
		Projects: []Project{{ID: "10000", Key: "PLAT", Name: "Platform"}, {ID: "10001", Key: "MOB", Name: "Mobile"}},
		Users:    []User{{AccountID: "u1", DisplayName: "Ada Okafor"}, {AccountID: "u2", DisplayName: "Ben Silva"}},
		Boards: []Board{{ID: 1, Name: "Atlas board", Type: "scrum", ProjectKey: "PLAT"},
			{ID: 2, Name: "Borealis board", Type: "scrum", ProjectKey: "MOB"}},
		Sprints: []*Sprint{
			sprint(1, 1, "Atlas Sprint 1", time.Date(2023, 12, 20, 10, 0, 0, 0, time.UTC), d(1, 0, 0, 0), 14),
			sprint(2, 2, "Borealis Sprint 1", time.Date(2023, 12, 28, 10, 0, 0, 0, time.UTC), d(8, 0, 0, 0), 14),
			sprint(3, 1, "Atlas Sprint 2", d(2, 10, 0, 0), d(15, 0, 0, 0), 14),
			sprint(4, 1, "Atlas Sprint 3", d(16, 10, 0, 0), d(29, 0, 0, 0), 14),
			sprint(5, 2, "Borealis Sprint 2", time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC), d(22, 0, 0, 0), 14),
		},
	}
	o.Sprints[0].Goal = "Ship beta"
	o.Issues = []*Issue{
		issue("PLAT-1", "30001", time.Date(2023, 12, 28, 9, 0, 0, 0, time.UTC), one, h(709, d(10, 12, 0, 0), st(StatusToDo, StatusDone))),
		issue("PLAT-2", "30002", time.Date(2023, 12, 29, 9, 0, 0, 0, time.UTC), nil,
			h(701, time.Date(2023, 12, 31, 23, 57, 0, 0, time.UTC), sp(none, one)),
			h(704, d(5, 10, 0, 0), st(StatusToDo, StatusInProgress)), h(711, d(14, 23, 59, 59), sp(one, three)),
			h(714, d(18, 10, 0, 0), st(StatusInProgress, StatusDone))),
		issue("PLAT-3", "30003", d(2, 9, 0, 0), nil, h(703, d(3, 10, 0, 0), sp(none, one)), h(705, d(5, 11, 0, 0), sp(one, none)),
			h(706, d(6, 10, 0, 0), sp(none, one)), h(708, d(9, 10, 0, 0), st(StatusToDo, StatusDone)),
			h(710, d(11, 10, 0, 0), st(StatusDone, StatusInProgress)), h(712, d(14, 23, 59, 59), sp(one, three))),
		issue("PLAT-4", "30004", d(2, 10, 0, 0), nil, h(702, d(2, 11, 0, 0), sp(none, one)), h(707, d(8, 10, 0, 0), sp(one, none)),
			h(713, d(16, 10, 0, 0), sp(none, two)), h(716, d(22, 10, 0, 0), sp(two, none))),
		issue("MOB-1", "30005", d(7, 9, 0, 0), two, h(715, d(19, 10, 0, 0), st(StatusToDo, StatusDone))),
	}
	for _, is := range o.Issues {
		is.Updated = o.lastEvent(is)
	}
	if err := o.Index(); err != nil {
		t.Fatal(err)
	}
	return o
}

// glIterRow is an iteration's id, iid, sequence, state, dates, updated_at
// and cadence.
type glIterRow struct {
	ID, IID, Seq int
	State        any
	Start, Due   string
	Updated      string
	Cadence      int
}

func glIterRows(items []map[string]any) []glIterRow {
	out := []glIterRow{}
	for _, x := range items {
		out = append(out, glIterRow{int(x["id"].(float64)), int(x["iid"].(float64)), int(x["sequence"].(float64)), x["state"],
			x["start_date"].(string), x["due_date"].(string), x["updated_at"].(string), int(x["iteration_cadence_id"].(float64))})
	}
	return out
}

// TestGitLabIterations: the group's iterations (a project's too) with
// GitLab's fields, dates as days, states by the clock's day, sequences per
// cadence, the documented filters, and the order by due date.
func TestGitLabIterations(t *testing.T) {
	g := NewGitLab(glIterOrg(t), GitLabOptions{})
	first := map[string]any{"id": 1.0, "iid": 1.0, "sequence": 1.0, "group_id": 1000.0, "title": "Atlas Sprint 1",
		"description": "Ship beta", "state": 3.0, "created_at": "2023-12-20T10:00:00.000Z",
		"updated_at": "2024-01-15T00:00:00.000Z", "start_date": "2024-01-01", "due_date": "2024-01-14",
		"web_url": "https://gitlab.test/groups/runway-sim/-/iterations/1", "iteration_cadence_id": 3001.0}
	want := []glIterRow{
		{1, 1, 1, 3.0, "2024-01-01", "2024-01-14", "2024-01-15T00:00:00.000Z", 3001},
		{2, 2, 1, 2.0, "2024-01-08", "2024-01-21", "2024-01-08T00:00:00.000Z", 3002},
		{3, 3, 2, 2.0, "2024-01-15", "2024-01-28", "2024-01-15T00:00:00.000Z", 3001},
		{4, 4, 3, 1.0, "2024-01-29", "2024-02-11", "2024-01-16T10:00:00.000Z", 3001},
	}
	for _, path := range []string{"/api/v4/groups/1000/iterations", "/api/v4/groups/runway-sim/iterations?include_ancestors=true",
		"/api/v4/projects/runway-sim%2Fmob/iterations", "/api/v4/projects/2000/iterations?include_ancestors=false"} {
		its := glList(t, glGet(t, g, path))
		if got := glIterRows(its); !reflect.DeepEqual(got, want) || !reflect.DeepEqual(its[0], first) {
			t.Errorf("%s\n got %+v\nwant %+v\nfirst %v\nwant  %v", path, got, want, its[0], first)
		}
		if its[3]["description"] != nil || its[1]["title"] != "Borealis Sprint 1" {
			t.Errorf("%s: %v %v", path, its[3], its[1])
		}
	}
	for q, want := range map[string][]int{
		"?state=all": {1, 2, 3, 4}, "?state=opened": {2, 3, 4}, "?state=upcoming": {4}, "?state=current": {2, 3},
		"?state=started": {2, 3}, "?state=closed": {1},
		"?search=BOREALIS": {2}, "?search=sprint%202": {3}, "?search=board": {},
		"?search=borealis&in=cadence_title": {2}, "?search=atlas+board&in[]=title&in[]=cadence_title": {1, 3, 4},
		"?updated_after=2024-01-15T00:00:00Z": {1, 3, 4}, "?updated_before=2024-01-08T00:00:00Z": {2},
		"?per_page=3&page=2": {4},
	} {
		if got := glInts(glList(t, glGet(t, g, "/api/v4/groups/1000/iterations"+q)), "id"); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
	}
	w := glGet(t, g, "/api/v4/groups/1000/iterations?per_page=3")
	if w.Header().Get("X-Total") != "4" || w.Header().Get("X-Next-Page") != "2" || w.Header().Get("X-Total-Pages") != "2" {
		t.Errorf("paging headers %v", w.Header())
	}
	for path, code := range map[string]int{"/groups/1000/iterations?state=active": 400, "/groups/1000/iterations?in=description": 400,
		"/groups/1000/iterations?updated_after=soon": 400, "/groups/999/iterations": 404, "/projects/2009/iterations": 404} {
		if w := glGet(t, g, "/api/v4"+path); w.Code != code {
			t.Errorf("%s: %d %s", path, w.Code, w.Body)
		}
	}

	// Newer GitLab names the states.
	named := NewGitLab(glIterOrg(t), GitLabOptions{IterationStateNames: true})
	if got := glList(t, glGet(t, named, "/api/v4/groups/1000/iterations")); got[0]["state"] != "closed" ||
		got[1]["state"] != "current" || got[3]["state"] != "upcoming" {
		t.Errorf("state names: %v %v %v", got[0]["state"], got[1]["state"], got[3]["state"])
	}
}

// TestGitLabIterationsAsOfClock: the state turns with the clock's day (an
// iteration is current through its due day's last second), updated_at
// follows, and an iteration created later appears with its sequence.
func TestGitLabIterationsAsOfClock(t *testing.T) {
	for at, want := range map[time.Time][]glIterRow{
		time.Date(2024, 1, 14, 23, 59, 59, 0, time.UTC): {
			{1, 1, 1, 2.0, "2024-01-01", "2024-01-14", "2024-01-01T00:00:00.000Z", 3001},
			{2, 2, 1, 2.0, "2024-01-08", "2024-01-21", "2024-01-08T00:00:00.000Z", 3002},
			{3, 3, 2, 1.0, "2024-01-15", "2024-01-28", "2024-01-02T10:00:00.000Z", 3001}},
		time.Date(2024, 2, 1, 12, 0, 0, 0, time.UTC): {
			{1, 1, 1, 3.0, "2024-01-01", "2024-01-14", "2024-01-15T00:00:00.000Z", 3001},
			{2, 2, 1, 3.0, "2024-01-08", "2024-01-21", "2024-01-22T00:00:00.000Z", 3002},
			{3, 3, 2, 3.0, "2024-01-15", "2024-01-28", "2024-01-29T00:00:00.000Z", 3001},
			{5, 5, 2, 2.0, "2024-01-22", "2024-02-04", "2024-02-01T10:00:00.000Z", 3002},
			{4, 4, 3, 2.0, "2024-01-29", "2024-02-11", "2024-01-29T00:00:00.000Z", 3001}},
	} {
		g := NewGitLab(glIterOrg(t), GitLabOptions{Now: func() time.Time { return at }})
		if got := glIterRows(glList(t, glGet(t, g, "/api/v4/groups/1000/iterations"))); !reflect.DeepEqual(got, want) {
			t.Errorf("at %s\n got %+v\nwant %+v", at, got, want)
		}
	}
}

// TestGitLabIssueIteration: an issue shows the full object of the
// iteration it is in at the clock, or null.
func TestGitLabIssueIteration(t *testing.T) {
	g := NewGitLab(glIterOrg(t), GitLabOptions{})
	its := map[float64]map[string]any{}
	for _, x := range glList(t, glGet(t, g, "/api/v4/groups/1000/iterations")) {
		its[x["id"].(float64)] = x
	}
	for path, want := range map[string]map[string]any{
		"/api/v4/projects/2000/issues/1": its[1], "/api/v4/projects/2000/issues/2": its[3],
		"/api/v4/projects/2000/issues/3": its[3], "/api/v4/projects/2000/issues/4": its[2], "/api/v4/projects/2001/issues/1": its[2],
	} {
		var got map[string]any
		if err := jsonInto(glGet(t, g, path).Body.Bytes(), &got); err != nil || !reflect.DeepEqual(got["iteration"], want) {
			t.Errorf("%s: iteration %v, want %v (%v)", path, got["iteration"], want, err)
		}
	}
	later := time.Date(2024, 1, 22, 12, 0, 0, 0, time.UTC)
	lg := NewGitLab(glIterOrg(t), GitLabOptions{Now: func() time.Time { return later }})
	if x := glList(t, glGet(t, lg, "/api/v4/projects/2000/issues?order_by=created_at&sort=asc"))[3]; x["iid"] != 4.0 ||
		x["iteration"] != nil {
		t.Errorf("PLAT-4 after leaving its iteration: %v", x["iteration"])
	}
	for _, x := range glList(t, glGet(t, NewGitLab(glTinyOrg(t), GitLabOptions{}), "/api/v4/projects/2000/issues")) {
		if v, ok := x["iteration"]; !ok || v != nil {
			t.Errorf("an issue without an iteration: %v %v", v, ok)
		}
	}
}
