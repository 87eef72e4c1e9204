package simulate

import (
	"reflect"
	"testing"
	"time"
)

// eventRow is an event's id, type, time and milestone title (or label
// name, assignee login).
type eventRow struct {
	ID    int64
	Event string
	At    string
	What  any
}

func eventRows(t *testing.T, items []map[string]any) []eventRow {
	t.Helper()
	var out []eventRow
	for _, x := range items {
		r := eventRow{ID: int64(x["id"].(float64)), Event: x["event"].(string), At: x["created_at"].(string)}
		switch {
		case x["milestone"] != nil:
			r.What = x["milestone"]
		case x["label"] != nil:
			r.What = x["label"].(map[string]any)["name"]
		case x["assignee"] != nil:
			r.What = x["assignee"].(map[string]any)["login"]
		}
		out = append(out, r)
	}
	return out
}

// TestGitHubEvents: milestone membership changes as milestoned and
// demilestoned events carrying the title the milestone had then (a move
// is both, at one instant, in that order); closed, reopened and noise
// events; none for values set at creation; pull requests have their own.
func TestGitHubEvents(t *testing.T) {
	g := NewGitHub(ghTinyOrg(t), GitHubOptions{})
	title := func(s string) map[string]any { return map[string]any{"title": s} }
	for n, want := range map[string][]eventRow{
		// Histories 502 (Jan 5) and 503 (Jan 27): ids are history id × 16 + index.
		// Beta was renamed on Jan 26: the event of Jan 5 keeps "Beta".
		"2": {{8032, "milestoned", "2024-01-05T12:00:00Z", title("Beta")},
			{8048, "demilestoned", "2024-01-27T12:00:00Z", title("Beta refresh")},
			{8049, "milestoned", "2024-01-27T12:00:00Z", title("GA")}},
		"1": {{8016, "closed", "2024-01-15T12:00:00Z", nil}}, // created in Alpha: no event
		"3": {{8064, "assigned", "2024-01-10T12:00:00Z", "ada-okafor"}},
		"5": {{8096, "closed", "2024-01-28T12:00:00Z", nil}, {8112, "reopened", "2024-01-29T12:00:00Z", nil}},
		"7": {{9_000_000_000_112, "labeled", "2024-01-05T23:07:41Z", "review needed"}, // the pull request's own
			{9_000_000_000_113, "closed", "2024-01-08T23:06:41Z", nil}},
	} {
		w := ghGet(t, g, "/repos/runway-sim/plat/issues/"+n+"/events")
		if got := eventRows(t, ghList(t, w)); w.Code != 200 || !reflect.DeepEqual(got, want) {
			t.Errorf("events of #%s: %d\n got %v\nwant %v", n, w.Code, got, want)
		}
	}
	first := ghList(t, ghGet(t, g, "/repos/runway-sim/plat/issues/2/events"))[0]
	actor := first["actor"].(map[string]any)
	delete(first, "actor")
	want := map[string]any{"id": 8032.0, "node_id": "MDE1Ok1pbGVzdG9uZWRFdmVudDgwMzI=",
		"url": "https://api.github.test/repos/runway-sim/plat/issues/events/8032", "event": "milestoned",
		"commit_id": nil, "commit_url": nil, "created_at": "2024-01-05T12:00:00Z", "performed_via_github_app": nil,
		"milestone": map[string]any{"title": "Beta"}}
	if !reflect.DeepEqual(first, want) || actor["login"] != "ben-silva" || actor["id"] != 1002.0 {
		t.Errorf("event\n got %v (actor %v)\nwant %v", first, actor, want)
	}

	// Paged, oldest first.
	const list = "https://api.github.test/repos/runway-sim/plat/issues/2/events?per_page=2&page="
	w := ghGet(t, g, "/repos/runway-sim/plat/issues/2/events?per_page=2")
	if got := eventRows(t, ghList(t, w)); len(got) != 2 || got[1].ID != 8048 ||
		w.Header().Get("Link") != `<`+list+`2>; rel="next", <`+list+`2>; rel="last"` {
		t.Errorf("page 1: %v, Link %s", got, w.Header().Get("Link"))
	}

	// As of an earlier clock: only what happened by then.
	at := time.Date(2024, 1, 26, 12, 0, 0, 0, time.UTC)
	early := NewGitHub(ghTinyOrg(t), GitHubOptions{Now: func() time.Time { return at }})
	if got := eventRows(t, ghList(t, ghGet(t, early, "/repos/runway-sim/plat/issues/2/events"))); len(got) != 1 || got[0].ID != 8032 {
		t.Errorf("at Jan 26: %v", got)
	}
	if w := ghGet(t, g, "/repos/runway-sim/plat/issues/6/events"); w.Code != 404 {
		t.Errorf("events of an issue not created yet: %d", w.Code)
	}
}

// TestGitHubRenameLive: a milestone renamed while served: the listing
// shows the new title, events before the rename the old one, and a
// GitHub org's AddToMilestone moves an issue (demilestoned + milestoned).
func TestGitHubRenameLive(t *testing.T) {
	org := ghTinyOrg(t)
	now := ghNow
	g := NewGitHub(org, GitHubOptions{Now: func() time.Time { return now }})
	if err := org.RenameMilestone("10102", "GA 2024", ghNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := org.AddToMilestone("PLAT-3", "10102", ghNow.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	now = ghNow.Add(3 * time.Hour)
	ms := ghList(t, ghGet(t, g, "/repos/runway-sim/plat/milestones?state=all"))
	if len(ms) != 3 || ms[2]["title"] != "GA 2024" || ms[2]["open_issues"] != 3.0 || ms[1]["open_issues"] != 0.0 {
		t.Errorf("milestones after the rename and move: %v", ms)
	}
	got := eventRows(t, ghList(t, ghGet(t, g, "/repos/runway-sim/plat/issues/2/events")))
	if got[2].What.(map[string]any)["title"] != "GA" {
		t.Errorf("an event before the rename: %v", got[2])
	}
	got = eventRows(t, ghList(t, ghGet(t, g, "/repos/runway-sim/plat/issues/3/events")))
	if len(got) != 3 || got[1].Event != "demilestoned" || got[2].Event != "milestoned" || got[1].At != got[2].At ||
		got[2].What.(map[string]any)["title"] != "GA 2024" || got[1].ID+1 != got[2].ID {
		t.Errorf("moved live: %v", got)
	}
}
