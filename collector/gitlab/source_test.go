package gitlab

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// The payloads are GitLab's documented examples (docs.gitlab.com/ee/api:
// "Milestones API", "Group milestones API", "Issues API", "Resource
// milestone events API"), their fields set to hand-chosen values.

// docsMilestone is the "List project milestones" example; owner is
// `"project_id": N` or `"group_id": N`.
func docsMilestone(id, iid int, owner, title, state, start, due string) string {
	q := func(s string) string {
		if s == "" {
			return "null"
		}
		return `"` + s + `"`
	}
	return fmt.Sprintf(`{"id": %d, "iid": %d, %s, "title": %q, "description": "Version", "due_date": %s,
    "start_date": %s, "state": %q, "updated_at": "2013-10-02T09:24:18Z", "created_at": "2013-10-02T09:24:18Z",
    "expired": false, "web_url": "https://gitlab.example.com/group/project/-/milestones/%[2]d"}`,
		id, iid, owner, title, q(due), q(start), state)
}

// docsIssue is an item of "List project issues", trimmed to its
// documented fields that matter here.
func docsIssue(id, iid int, state, created, updated, closed, milestone string) string {
	if milestone == "" {
		milestone = "null"
	}
	closedAt := "null"
	if closed != "" {
		closedAt = `"` + closed + `"`
	}
	return fmt.Sprintf(`{"project_id": 16, "milestone": %s, "author": {"state": "active", "id": 18, "username": "eileen.lowe",
    "name": "Alexandra Bashirian"}, "description": "Omnis vero earum sunt corporis dolor et placeat.", "state": %q,
    "iid": %d, "assignees": [{"state": "active", "id": 1, "name": "Administrator", "username": "root"}],
    "labels": ["foo", "bar"], "upvotes": 4, "downvotes": 0, "merge_requests_count": 0, "id": %d,
    "title": "Consequatur vero maxime deserunt laboriosam est voluptas dolorem.", "created_at": %q,
    "updated_at": %q, "closed_at": %s, "closed_by": null, "user_notes_count": 1, "due_date": null,
    "web_url": "http://gitlab.example.com/group/project/issues/%[3]d", "issue_type": "issue"}`,
		milestone, state, iid, id, created, updated, closedAt)
}

// docsEvent is a "Resource milestone events" item; ms is the milestone.
func docsEvent(id int, created, action, state, ms string) string {
	return fmt.Sprintf(`{"id": %d, "user": {"id": 1, "name": "Administrator", "username": "root", "state": "active",
    "web_url": "http://gitlab.example.com/root"}, "created_at": %q, "resource_type": "Issue", "resource_id": 253,
    "milestone": %s, "action": %q, "state": %q}`, id, created, ms, action, state)
}

// fakeGitLab serves one project, group/project (id 16) in group "group"
// (id 5): its milestones with its group's, its issues (by updated_after)
// and their milestone events.
type fakeGitLab struct {
	milestones []string
	issues     map[string]string // updated_at → issue, one per second
	events     map[int][]string  // by iid
}

func (f *fakeGitLab) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("PRIVATE-TOKEN") != "glpat-t0ken" {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"message":"401 Unauthorized"}`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	list := func(items []string) { fmt.Fprint(w, "["+strings.Join(items, ",")+"]") }
	switch p := r.URL.EscapedPath(); {
	case p == "/projects/group%2Fproject":
		fmt.Fprint(w, `{"id": 16, "path_with_namespace": "group/project", "namespace": {"id": 5, "full_path": "group", "kind": "group"}}`)
	case p == "/groups/5":
		fmt.Fprint(w, `{"id": 5, "full_path": "group", "name": "group"}`)
	case p == "/projects/16/milestones":
		if r.URL.Query().Get("include_ancestors") != "true" {
			list(nil)
			return
		}
		list(f.milestones)
	case p == "/projects/16/issues":
		since, _ := time.Parse(time.RFC3339, r.URL.Query().Get("updated_after"))
		var keys, out []string
		for k := range f.issues {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if t, _ := time.Parse(time.RFC3339, k); !t.Before(since) {
				out = append(out, f.issues[k])
			}
		}
		w.Header().Set("X-Next-Page", "")
		list(out)
	case strings.HasPrefix(p, "/projects/16/issues/") && strings.HasSuffix(p, "/resource_milestone_events"):
		var iid int
		fmt.Sscanf(strings.TrimPrefix(p, "/projects/16/issues/"), "%d", &iid)
		list(f.events[iid])
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"404 Not found"}`)
	}
}

// TestCollectHandWorked: project group/project.
//
// Milestones: 12 "10.0" (the project's; 2013-11-10 to 2013-11-29, due the
// end of that day), 61 "v1.2" (the project's, no dates) and 70 "Q4" (the
// group's: it belongs to "group"). Issues: #1 (id 76), created 11-01 in
// 10.0 (no event: initial membership, from creation); #2 (id 253) added
// to v1.2 on 2018-08-20 and removed the next day while closed (the event
// says so: done at leaving, no removal); #3 (id 300) added to Q4 on 11-12;
// #4 (id 400) added to 10.0 on 11-14 and to v1.2 on 11-20 (a change of
// milestone, which GitLab records as the new one's add alone).
func TestCollectHandWorked(t *testing.T) {
	ms := func(id, iid int, owner, title, start, due string) string {
		return docsMilestone(id, iid, owner, title, "active", start, due)
	}
	m12 := ms(12, 3, `"project_id": 16`, "10.0", "2013-11-10", "2013-11-29")
	m61 := ms(61, 9, `"project_id": 16`, "v1.2", "", "")
	m70 := ms(70, 1, `"group_id": 5`, "Q4", "", "")
	site := &fakeGitLab{milestones: []string{m12, m61, m70},
		issues: map[string]string{
			"2013-11-02T00:00:00Z": docsIssue(76, 1, "opened", "2013-11-01T10:00:00Z", "2013-11-02T00:00:00Z", "", m12),
			"2013-11-12T10:00:00Z": docsIssue(300, 3, "opened", "2013-11-11T10:00:00Z", "2013-11-12T10:00:00Z", "", m70),
			"2018-08-21T14:38:21Z": docsIssue(253, 2, "closed", "2018-08-19T10:00:00Z", "2018-08-21T14:38:21Z", "2018-08-21T10:00:00Z", ""),
			"2013-11-20T10:00:00Z": docsIssue(400, 4, "opened", "2013-11-13T10:00:00Z", "2013-11-20T10:00:00Z", "", m61),
		},
		events: map[int][]string{
			2: {docsEvent(143, "2018-08-21T14:38:20.077Z", "remove", "closed", m61),
				docsEvent(142, "2018-08-20T13:38:20.077Z", "add", "opened", m61)},
			3: {docsEvent(144, "2013-11-12T10:00:00Z", "add", "opened", m70)},
			// GitLab records a change of milestone as the new one's "add".
			4: {docsEvent(145, "2013-11-14T10:00:00Z", "add", "opened", m12),
				docsEvent(146, "2013-11-20T10:00:00Z", "add", "opened", m61)},
		}}
	now := time.Date(2018, 9, 1, 0, 0, 0, 0, time.UTC)
	cfg := config.Source{Name: "gl", Token: "glpat-t0ken", Since: config.Span(10 * 365 * 24 * time.Hour),
		Settings: &Config{Projects: []string{"group/project"}, TokenType: TokenPrivate}}
	h := collectortest.NewHarness(t, SourceType, cfg, site, collectortest.HarnessOptions{Now: now})
	sink := collectortest.NewMemSink(nil)
	if _, err := h.Run(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range collectortest.RowsOf[warehouse.MilestoneRow](sink) {
		got = append(got, fmt.Sprintf("%s %s %s %s %s", m.MilestoneID, m.Title, m.Project, show(m.Start), show(m.Due)))
	}
	want := []string{"12 10.0 group/project 2013-11-10T00:00:00Z 2013-11-29T23:59:59Z",
		"61 v1.2 group/project - -", "70 Q4 group - -"}
	if !slices.Equal(got, want) {
		t.Errorf("milestones:\n got %q\nwant %q", got, want)
	}
	got = nil
	for _, iv := range collectortest.RowsOf[warehouse.MembershipIntervalRow](sink) {
		got = append(got, fmt.Sprintf("%s %s %s %s %d", iv.IssueID, iv.ContainerID, show(&iv.Entered), show(iv.Exited), iv.DoneAtLeaving))
	}
	slices.Sort(got)
	want = []string{
		"253 61 2018-08-20T13:38:20Z 2018-08-21T14:38:20Z 1",
		"300 70 2013-11-12T10:00:00Z - 0",
		"400 12 2013-11-14T10:00:00Z 2013-11-20T10:00:00Z 0",
		"400 61 2013-11-20T10:00:00Z - 0",
		"76 12 2013-11-01T10:00:00Z - 0",
	}
	if !slices.Equal(got, want) {
		t.Errorf("intervals:\n got %q\nwant %q", got, want)
	}
	if c := sink.Committed()[CursorIssues+":16"]; c != "2018-08-21T14:38:21Z|253" {
		t.Errorf("cursor %q", c)
	}
}

func show(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}
