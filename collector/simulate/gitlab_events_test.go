package simulate

import (
	"reflect"
	"testing"
	"time"
)

// glEventRow is an event's id, action, time, milestone id and title, and
// the state.
type glEventRow struct {
	ID        int
	Action    string
	At        string
	Milestone int
	Title     string
	State     string
}

func glEventRows(items []map[string]any) []glEventRow {
	out := []glEventRow{}
	for _, x := range items {
		m := x["milestone"].(map[string]any)
		out = append(out, glEventRow{int(x["id"].(float64)), x["action"].(string), x["created_at"].(string),
			int(m["id"].(float64)), m["title"].(string), x["state"].(string)})
	}
	return out
}

// TestGitLabMilestoneEvents: one event per membership change, naming the
// milestone by id with its current object (a milestone renamed since
// shows its new title); a move is a remove then an add at one instant (or
// the add alone, as GitLab records it, with MoveAsOneEvent); none for
// membership set at creation.
func TestGitLabMilestoneEvents(t *testing.T) {
	g := NewGitLab(glTinyOrg(t), GitLabOptions{})
	const plat, mob = "/api/v4/projects/2000/issues/", "/api/v4/projects/runway-sim%2Fmob/issues/"
	for path, want := range map[string][]glEventRow{
		// Histories 502 (Jan 5) and 503 (Jan 27): ids are history id × 16 + the item's index.
		// Beta was renamed on Jan 26: every event shows its title now.
		plat + "2": {{8032, "add", "2024-01-05T12:00:00.000Z", 10101, "Beta refresh", "opened"},
			{8048, "remove", "2024-01-27T12:00:00.000Z", 10101, "Beta refresh", "opened"},
			{8049, "add", "2024-01-27T12:00:00.000Z", 10102, "GA", "opened"}},
		plat + "1": {}, // created in Alpha: no event
		plat + "3": {},
		mob + "1": {{8128, "remove", "2024-01-12T12:00:00.000Z", 10200, "MOB 1", "opened"},
			{8129, "add", "2024-01-12T12:00:00.000Z", 10100, "Alpha", "opened"}},
		mob + "2": {{8144, "add", "2024-01-07T09:00:00.000Z", 10201, "MOB 2", "opened"},
			{8176, "remove", "2024-01-08T09:00:00.000Z", 10201, "MOB 2", "closed"}},
	} {
		w := glGet(t, g, path+"/resource_milestone_events")
		if got := glEventRows(glList(t, w)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s\n got %v\nwant %v", path, got, want)
		}
	}
	first := glList(t, glGet(t, g, plat+"2/resource_milestone_events"))[0]
	beta := glList(t, glGet(t, g, "/api/v4/groups/1000/milestones?iids[]=2"))[0]
	want := map[string]any{"id": 8032.0, "created_at": "2024-01-05T12:00:00.000Z", "resource_type": "Issue",
		"resource_id": 20002.0, "milestone": beta, "action": "add", "state": "opened"}
	if user := first["user"].(map[string]any); !reflect.DeepEqual(glPick(first, keysOf(want)...), want) ||
		user["username"] != "ben-silva" || user["id"] != 1002.0 || len(first) != 8 {
		t.Errorf("event\n got %v\nwant %v", first, want)
	}

	// Paged, oldest first.
	w := glGet(t, g, plat+"2/resource_milestone_events?per_page=2&page=2")
	if got := glEventRows(glList(t, w)); len(got) != 1 || got[0].ID != 8049 || w.Header().Get("X-Total") != "3" ||
		w.Header().Get("X-Prev-Page") != "1" {
		t.Errorf("page 2: %v %v", got, w.Header())
	}

	// A move as GitLab records it.
	one := NewGitLab(glTinyOrg(t), GitLabOptions{MoveAsOneEvent: true})
	if got := glEventRows(glList(t, glGet(t, one, plat+"2/resource_milestone_events"))); len(got) != 2 ||
		got[0].ID != 8032 || got[1].ID != 8049 || got[1].Action != "add" || got[1].Milestone != 10102 {
		t.Errorf("MoveAsOneEvent: %v", got)
	}
	// As of an earlier clock: only what happened by then, titles then.
	at := time.Date(2024, 1, 25, 12, 0, 0, 0, time.UTC)
	early := NewGitLab(glTinyOrg(t), GitLabOptions{Now: func() time.Time { return at }})
	if got := glEventRows(glList(t, glGet(t, early, plat+"2/resource_milestone_events"))); len(got) != 1 || got[0].Title != "Beta" {
		t.Errorf("at Jan 25: %v", got)
	}
	if w := glGet(t, g, plat+"6/resource_milestone_events"); w.Code != 404 {
		t.Errorf("events of an issue not created yet: %d", w.Code)
	}
}

// TestGitLabRenameAndMoveLive: a milestone renamed and an issue moved
// while served: every event shows the new title; a GitLab org's
// AddToMilestone moves an issue (remove + add); events of a deleted
// milestone are not listed.
func TestGitLabRenameAndMoveLive(t *testing.T) {
	org := glTinyOrg(t)
	now := glNow
	g := NewGitLab(org, GitLabOptions{Now: func() time.Time { return now }})
	if err := org.RenameMilestone("10102", "GA 2024", glNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := org.AddToMilestone("PLAT-3", "10102", glNow.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	now = glNow.Add(3 * time.Hour)
	got := glEventRows(glList(t, glGet(t, g, "/api/v4/projects/2000/issues/2/resource_milestone_events")))
	if got[2].Title != "GA 2024" {
		t.Errorf("an event before the rename: %v", got[2])
	}
	got = glEventRows(glList(t, glGet(t, g, "/api/v4/projects/2000/issues/3/resource_milestone_events")))
	if len(got) != 2 || got[0].Action != "remove" || got[0].Milestone != 10101 || got[1].Action != "add" ||
		got[1].Title != "GA 2024" || got[0].At != got[1].At || got[0].ID+1 != got[1].ID {
		t.Errorf("moved live: %v", got)
	}
	if m := glList(t, glGet(t, g, "/api/v4/projects/2000/issues?state=opened"))[2]["milestone"].(map[string]any); m["title"] != "GA 2024" {
		t.Errorf("PLAT-3's milestone %v", m)
	}
	if err := org.DeleteMilestone("10201"); err != nil {
		t.Fatal(err)
	}
	if got := glList(t, glGet(t, g, "/api/v4/projects/2001/issues/2/resource_milestone_events")); len(got) != 0 {
		t.Errorf("events of a deleted milestone: %v", got)
	}
	if got := glInts(glList(t, glGet(t, g, "/api/v4/projects/2001/milestones")), "iid"); len(got) != 1 || got[0] != 1 {
		t.Errorf("MOB milestones after a deletion: iids %v", got)
	}
}
