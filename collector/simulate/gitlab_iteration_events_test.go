package simulate

import (
	"reflect"
	"testing"
	"time"
)

// glItEventRow is an iteration event's id, action, time, iteration and
// the state.
type glItEventRow struct {
	ID        int64
	Action    string
	At        string
	Iteration int
	State     string
}

func glItEventRows(items []map[string]any) []glItEventRow {
	out := []glItEventRow{}
	for _, x := range items {
		out = append(out, glItEventRow{int64(x["id"].(float64)), x["action"].(string), x["created_at"].(string),
			int(x["iteration"].(map[string]any)["id"].(float64)), x["state"].(string)})
	}
	return out
}

// TestGitLabIterationEvents: one event per iteration left or entered,
// ids GitLabIterationEventIDBase + history id × 16 + its place in the
// history; a rollover is a remove and an add at the completion instant
// (the add alone with MoveAsOneEvent); none for membership at creation,
// none after the clock.
func TestGitLabIterationEvents(t *testing.T) {
	g := NewGitLab(glIterOrg(t), GitLabOptions{})
	const plat = "/api/v4/projects/2000/issues/"
	const b = GitLabIterationEventIDBase
	for path, want := range map[string][]glItEventRow{
		plat + "1": {}, // created in Atlas Sprint 1: no event
		plat + "2": {{b + 701*16, "add", "2023-12-31T23:57:00.000Z", 1, "opened"},
			{b + 711*16, "remove", "2024-01-14T23:59:59.000Z", 1, "opened"},
			{b + 711*16 + 1, "add", "2024-01-14T23:59:59.000Z", 3, "opened"}},
		plat + "3": {{b + 703*16, "add", "2024-01-03T10:00:00.000Z", 1, "opened"},
			{b + 705*16, "remove", "2024-01-05T11:00:00.000Z", 1, "opened"},
			{b + 706*16, "add", "2024-01-06T10:00:00.000Z", 1, "opened"},
			{b + 712*16, "remove", "2024-01-14T23:59:59.000Z", 1, "opened"},
			{b + 712*16 + 1, "add", "2024-01-14T23:59:59.000Z", 3, "opened"}},
		plat + "4": {{b + 702*16, "add", "2024-01-02T11:00:00.000Z", 1, "opened"},
			{b + 707*16, "remove", "2024-01-08T10:00:00.000Z", 1, "opened"},
			{b + 713*16, "add", "2024-01-16T10:00:00.000Z", 2, "opened"}}, // its exit on Jan 22 is after the clock
		"/api/v4/projects/runway-sim%2Fmob/issues/1": {},
	} {
		if got := glItEventRows(glList(t, glGet(t, g, path+"/resource_iteration_events"))); !reflect.DeepEqual(got, want) {
			t.Errorf("%s\n got %v\nwant %v", path, got, want)
		}
	}
	first := glList(t, glGet(t, g, plat+"2/resource_iteration_events"))[0]
	it1 := glList(t, glGet(t, g, "/api/v4/groups/1000/iterations?state=closed"))[0]
	want := map[string]any{"id": float64(b + 701*16), "created_at": "2023-12-31T23:57:00.000Z", "resource_type": "Issue",
		"resource_id": 30002.0, "iteration": it1, "action": "add", "state": "opened"}
	if user := first["user"].(map[string]any); !reflect.DeepEqual(glPick(first, keysOf(want)...), want) ||
		user["username"] != "ben-silva" || len(first) != 8 {
		t.Errorf("event\n got %v\nwant %v", first, want)
	}

	// Paged, oldest first.
	w := glGet(t, g, plat+"3/resource_iteration_events?per_page=2&page=3")
	if got := glItEventRows(glList(t, w)); len(got) != 1 || got[0].ID != b+712*16+1 || w.Header().Get("X-Total") != "5" {
		t.Errorf("page 3: %v %v", got, w.Header())
	}
	// A rollover as GitLab records it: the add alone.
	one := NewGitLab(glIterOrg(t), GitLabOptions{MoveAsOneEvent: true})
	if got := glItEventRows(glList(t, glGet(t, one, plat+"2/resource_iteration_events"))); len(got) != 2 ||
		got[1] != (glItEventRow{b + 711*16 + 1, "add", "2024-01-14T23:59:59.000Z", 3, "opened"}) {
		t.Errorf("MoveAsOneEvent: %v", got)
	}
	// PLAT-4 leaving Borealis Sprint 1 after the clock; done PLAT-2's state.
	later := time.Date(2024, 1, 25, 0, 0, 0, 0, time.UTC)
	lg := NewGitLab(glIterOrg(t), GitLabOptions{Now: func() time.Time { return later }})
	if got := glItEventRows(glList(t, glGet(t, lg, plat+"4/resource_iteration_events"))); len(got) != 4 ||
		got[3] != (glItEventRow{b + 716*16, "remove", "2024-01-22T10:00:00.000Z", 2, "opened"}) {
		t.Errorf("later: %v", got)
	}
	for path, code := range map[string]int{plat + "9/resource_iteration_events": 404, plat + "x/resource_state_events": 404,
		"/api/v4/projects/2009/issues/1/resource_iteration_events": 404} {
		if w := glGet(t, g, path); w.Code != code {
			t.Errorf("%s: %d", path, w.Code)
		}
	}
}

// TestGitLabStateEvents: one event per change into the done category
// ("closed") or out of it ("reopened"), none for other status changes.
func TestGitLabStateEvents(t *testing.T) {
	g := NewGitLab(glIterOrg(t), GitLabOptions{})
	type row struct {
		ID    int64
		At    string
		State string
	}
	const b = GitLabStateEventIDBase
	for path, want := range map[string][]row{
		"/api/v4/projects/2000/issues/1": {{b + 709*16, "2024-01-10T12:00:00.000Z", "closed"}},
		"/api/v4/projects/2000/issues/2": {{b + 714*16, "2024-01-18T10:00:00.000Z", "closed"}}, // not To Do → In Progress
		"/api/v4/projects/2000/issues/3": {{b + 708*16, "2024-01-09T10:00:00.000Z", "closed"},
			{b + 710*16, "2024-01-11T10:00:00.000Z", "reopened"}},
		"/api/v4/projects/2000/issues/4": {},
		"/api/v4/projects/2001/issues/1": {{b + 715*16, "2024-01-19T10:00:00.000Z", "closed"}},
	} {
		items := glList(t, glGet(t, g, path+"/resource_state_events"))
		got := []row{}
		for _, x := range items {
			got = append(got, row{int64(x["id"].(float64)), x["created_at"].(string), x["state"].(string)})
			if len(x) != 6 || x["resource_type"] != "Issue" || x["user"].(map[string]any)["username"] != "ben-silva" {
				t.Errorf("%s: %v", path, x)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s\n got %v\nwant %v", path, got, want)
		}
	}
	if x := glList(t, glGet(t, g, "/api/v4/projects/2000/issues/3/resource_state_events"))[0]; x["resource_id"] != 30003.0 {
		t.Errorf("resource_id %v", x["resource_id"])
	}
}

// TestGitLabIterationTruthHandWorked: the truths of glIterOrg's sprints,
// worked out by hand, and what replaying the served events gives.
//
// Atlas Sprint 1 (closed; t0 Jan 1 00:00, t1 Jan 14 23:59:59): committed
// PLAT-1 (created in it) and PLAT-2 (Dec 31 23:57, 3 minutes before t0):
// C = 2; added PLAT-4 (Jan 2) and PLAT-3 twice (Jan 3, Jan 6): A = 3;
// removed PLAT-3 (Jan 5) and PLAT-4 (Jan 8), both open: R = 2; PLAT-2 and
// PLAT-3 rolled over at t1 open: carried over 2, not removed; PLAT-1
// done: D = 1, planning done 1 (scope change (3 + 2) / 2, completion
// 1 / (2 + 3 − 2)).
// Atlas Sprint 2 (current; t1 = the clock): PLAT-2 and PLAT-3 entered at
// Jan 14 23:59:59, before t0 (Jan 15): C = 2; PLAT-2 done Jan 18: D = 1,
// planning done 1, carried 1. Borealis Sprint 1 (current): MOB-1
// committed and done, PLAT-4 added Jan 16: C = 1, A = 1, D = 1, planning
// done 1, carried 1.
func TestGitLabIterationTruthHandWorked(t *testing.T) {
	org := glIterOrg(t)
	want := map[int]glCounts{
		1: {State: SprintClosed, C: 2, A: 3, R: 2, D: 1, Carried: 2, PlanningDone: 1},
		3: {State: SprintActive, C: 2, D: 1, Carried: 1, PlanningDone: 1},
		2: {State: SprintActive, C: 1, A: 1, D: 1, Carried: 1, PlanningDone: 1},
		4: {State: SprintFuture},
	}
	replayed := glReplaySprints(t, NewGitLab(org, GitLabOptions{}))
	for id, w := range want {
		if got := truthCounts(org.SprintTruth(sid(id), glIterNow)); got != w {
			t.Errorf("sprint %d truth %+v, want %+v", id, got, w)
		}
		if got := replayed[id]; got != w {
			t.Errorf("sprint %d replayed %+v, want %+v", id, got, w)
		}
	}
}
