package github

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// The payloads below are GitHub's documented examples ("List milestones",
// "List repository issues": docs.github.com/en/rest/issues) where they
// exist, with the fields Runway reads set to hand-chosen values, and the
// shape of the real milestone events GitHub sends (only the title; see
// shared fixture issue_events_milestoned_demilestoned).

// docsMilestone is the "List milestones" example, verbatim but for the
// values given.
func docsMilestone(id, number int, title, state, created, closed, due string) string {
	null := func(s string) string {
		if s == "" {
			return "null"
		}
		return `"` + s + `"`
	}
	return fmt.Sprintf(`{
    "url": "https://api.github.com/repos/octocat/Hello-World/milestones/%[2]d",
    "html_url": "https://github.com/octocat/Hello-World/milestones/%[3]s",
    "labels_url": "https://api.github.com/repos/octocat/Hello-World/milestones/%[2]d/labels",
    "id": %[1]d,
    "node_id": "MDk6TWlsZXN0b25lMTAwMjYwNA==",
    "number": %[2]d,
    "state": "%[4]s",
    "title": "%[3]s",
    "description": "Tracking milestone for version 1.0",
    "creator": {"login": "octocat", "id": 1, "node_id": "MDQ6VXNlcjE=", "type": "User", "site_admin": false},
    "open_issues": 4,
    "closed_issues": 8,
    "created_at": "%[5]s",
    "updated_at": "2014-03-03T18:58:10Z",
    "closed_at": %[6]s,
    "due_on": %[7]s
  }`, id, number, title, state, created, null(closed), null(due))
}

// docsIssue is an item of "List repository issues" in the documented
// shape; pr adds the pull_request object that marks a pull request.
func docsIssue(id, number int, state, created, updated, closed, milestone string, pr bool) string {
	closedAt := "null"
	if closed != "" {
		closedAt = `"` + closed + `"`
	}
	if milestone == "" {
		milestone = "null"
	}
	pull := ""
	if pr {
		pull = fmt.Sprintf(`"pull_request": {"url": "https://api.github.com/repos/octocat/Hello-World/pulls/%[1]d",
      "html_url": "https://github.com/octocat/Hello-World/pull/%[1]d",
      "diff_url": "https://github.com/octocat/Hello-World/pull/%[1]d.diff",
      "patch_url": "https://github.com/octocat/Hello-World/pull/%[1]d.patch"},`, number)
	}
	return fmt.Sprintf(`{
    "id": %[1]d,
    "node_id": "MDU6SXNzdWUx",
    "url": "https://api.github.com/repos/octocat/Hello-World/issues/%[2]d",
    "html_url": "https://github.com/octocat/Hello-World/issues/%[2]d",
    "number": %[2]d,
    "state": "%[3]s",
    "title": "Found a bug",
    "body": "I'm having a problem with this.",
    "user": {"login": "octocat", "id": 1},
    "labels": [{"id": 208045946, "node_id": "MDU6TGFiZWwyMDgwNDU5NDY=", "name": "bug", "description": "Something isn't working", "color": "f29513", "default": true}],
    "assignee": {"login": "octocat", "id": 1},
    "milestone": %[7]s,
    "locked": false,
    "comments": 0,
    %[8]s
    "closed_at": %[6]s,
    "created_at": "%[4]s",
    "updated_at": "%[5]s",
    "author_association": "COLLABORATOR",
    "state_reason": null
  }`, id, number, state, created, updated, closedAt, milestone, pull)
}

// milestoneEvent is a milestoned or demilestoned event as GitHub sends it.
func milestoneEvent(id int, kind, title, at string) string {
	return fmt.Sprintf(`{"id": %d, "node_id": "MDE1OkRlbWlsZXN0b25lZEV2ZW50MQ==",
    "url": "https://api.github.com/repos/octocat/Hello-World/issues/events/%[1]d",
    "actor": {"login": "octocat", "id": 1}, "event": %q, "commit_id": null, "commit_url": null,
    "created_at": %q, "milestone": {"title": %q}, "performed_via_github_app": null}`, id, kind, at, title)
}

func stateEvent(id int, kind, at string) string {
	return fmt.Sprintf(`{"id": %d, "node_id": "MDEwOklzc3VlRXZlbnQx", "actor": {"login": "octocat", "id": 1},
    "event": %q, "commit_id": null, "commit_url": null, "created_at": %q, "performed_via_github_app": null}`, id, kind, at)
}

// fakeRepo serves one repository, octocat/hello-world: its milestone
// listing (one page, with an ETag), its issues (filtered by since, by
// update), and each issue's events. Tests change it between runs.
type fakeRepo struct {
	mu sync.Mutex
	// answers, when set, answer the next requests instead of the repo.
	answers    []func(w http.ResponseWriter)
	milestones []string
	issues     []fakeIssue
	events     map[int][]string
	requests   []string
}

type fakeIssue struct {
	json    string
	updated time.Time
}

func (f *fakeRepo) etag() string {
	return fmt.Sprintf(`W/"%x"`, len(strings.Join(f.milestones, ""))+len(f.milestones))
}

func (f *fakeRepo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.URL.Path)
	if len(f.answers) > 0 {
		answer := f.answers[0]
		f.answers = f.answers[1:]
		answer(w)
		return
	}
	if r.Header.Get("Authorization") != "Bearer t0ken" || r.Header.Get("X-GitHub-Api-Version") != "2022-11-28" {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	const base = "/repos/octocat/hello-world"
	switch p := r.URL.Path; {
	case p == base+"/milestones":
		if r.URL.Query().Get("state") != "all" {
			http.Error(w, "want state=all", http.StatusBadRequest)
			return
		}
		if r.Header.Get("If-None-Match") == f.etag() {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", f.etag())
		fmt.Fprint(w, "["+strings.Join(f.milestones, ",")+"]")
	case p == base+"/issues":
		since, _ := time.Parse(time.RFC3339, r.URL.Query().Get("since"))
		var out []string
		for _, is := range f.issues {
			if !is.updated.Before(since) {
				out = append(out, is.json)
			}
		}
		fmt.Fprint(w, "["+strings.Join(out, ",")+"]")
	case strings.HasPrefix(p, base+"/issues/") && strings.HasSuffix(p, "/events"):
		var n int
		fmt.Sscanf(strings.TrimPrefix(p, base+"/issues/"), "%d", &n)
		fmt.Fprint(w, "["+strings.Join(f.events[n], ",")+"]")
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`)
	}
}

func (f *fakeRepo) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.requests
	f.requests = nil
	return out
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func newTestSource(t *testing.T, site http.Handler, now time.Time) *collectortest.Harness {
	t.Helper()
	cfg := config.Source{Name: "gh", Token: "t0ken", Settings: &Config{Repos: []string{"octocat/hello-world"}}}
	return collectortest.NewHarness(t, SourceType, cfg, site, collectortest.HarnessOptions{Now: now})
}

// intervals renders the membership intervals of rows, sorted, one line
// each: issue container entered exited done.
func intervals(rows []warehouse.MembershipIntervalRow) []string {
	var out []string
	for _, r := range rows {
		ex := "-"
		if r.Exited != nil {
			ex = r.Exited.UTC().Format(time.RFC3339)
		}
		out = append(out, fmt.Sprintf("%s %s %s %s %d", r.IssueID, r.ContainerID, r.Entered.UTC().Format(time.RFC3339), ex, r.DoneAtLeaving))
	}
	slices.Sort(out)
	return out
}

// TestCollectHandWorked: one repository, worked out by hand.
//
// Milestones: 1002604 "v1.0" (open, due_on 2012-10-09T23:39:01Z: due the
// end of 2012-10-09) and 1002605 "v2.0" (closed 2013-03-01T10:00:00Z).
// Items: #1347, a pull request (never an issue); #1, created 09-01 into
// v1.0 (no event: initial membership); #2, milestoned v2.0 on 09-03, then
// moved to v1.0 on 09-10 (demilestoned and milestoned in the same second,
// in id order), closed 09-20; #3, milestoned v1.0 on 09-05 and
// demilestoned on 09-06 while open (a removal).
//
// A second run finds nothing new: the listing answers 304 and the issue
// list is empty, two requests, no row. Then v1.0 is renamed "v1.0 final"
// and #4 is updated: its event of 09-12 names "v1.0", which the title log
// resolves to 1002604.
func TestCollectHandWorked(t *testing.T) {
	v1 := func(title string) string {
		return docsMilestone(1002604, 1, title, "open", "2011-04-10T20:09:31Z", "", "2012-10-09T23:39:01Z")
	}
	v2 := docsMilestone(1002605, 2, "v2.0", "closed", "2012-08-01T09:00:00Z", "2013-03-01T10:00:00Z", "2013-03-01T08:00:00Z")
	site := &fakeRepo{milestones: []string{v1("v1.0"), v2}, events: map[int][]string{
		2: {milestoneEvent(101, "milestoned", "v2.0", "2012-09-03T10:00:00Z"),
			milestoneEvent(103, "milestoned", "v1.0", "2012-09-10T10:00:00Z"),
			milestoneEvent(102, "demilestoned", "v2.0", "2012-09-10T10:00:00Z"),
			stateEvent(104, "closed", "2012-09-20T10:00:00Z")},
		3: {milestoneEvent(105, "milestoned", "v1.0", "2012-09-05T10:00:00Z"),
			milestoneEvent(106, "demilestoned", "v1.0", "2012-09-06T10:00:00Z")},
	}}
	site.issues = []fakeIssue{
		{docsIssue(1, 1347, "open", "2011-04-22T13:33:48Z", "2012-09-01T12:00:00Z", "", v1("v1.0"), true), ts("2012-09-01T12:00:00Z")},
		{docsIssue(11, 1, "open", "2012-09-01T10:00:00Z", "2012-09-02T10:00:00Z", "", v1("v1.0"), false), ts("2012-09-02T10:00:00Z")},
		{docsIssue(13, 3, "open", "2012-09-04T10:00:00Z", "2012-09-06T10:00:00Z", "", "", false), ts("2012-09-06T10:00:00Z")},
		{docsIssue(12, 2, "closed", "2012-09-02T10:00:00Z", "2012-09-20T10:00:00Z", "2012-09-20T10:00:00Z", v1("v1.0"), false), ts("2012-09-20T10:00:00Z")},
	}
	now := ts("2012-10-01T00:00:00Z")
	h := newTestSource(t, site, now)
	sink := collectortest.NewMemSink(nil)
	if _, err := h.Run(context.Background(), sink); err != nil {
		t.Fatal(err)
	}

	ms := collectortest.RowsOf[warehouse.MilestoneRow](sink)
	if len(ms) != 2 {
		t.Fatalf("%d milestone rows, want 2", len(ms))
	}
	got := fmt.Sprintf("%s %s %s %s %s %v", ms[0].MilestoneID, ms[0].Title, ms[0].State, ms[0].Project, ms[0].Due.Format(time.RFC3339), ms[0].Closed)
	if want := "1002604 v1.0 open octocat/hello-world 2012-10-09T23:59:59Z <nil>"; got != want {
		t.Errorf("milestone:\n got %s\nwant %s", got, want)
	}
	if c := ms[1].Closed; ms[1].State != "closed" || c == nil || !c.Equal(ts("2013-03-01T10:00:00Z")) || !ms[1].Due.Equal(ts("2013-03-01T23:59:59Z")) {
		t.Errorf("closed milestone: %+v", ms[1])
	}
	if n := len(collectortest.RowsOf[warehouse.MilestoneSnapshotRow](sink)); n != 2 {
		t.Errorf("%d snapshots, want 2", n)
	}
	issues := collectortest.RowsOf[warehouse.IssueRow](sink)
	var keys []string
	for _, is := range issues {
		keys = append(keys, is.Key+" "+is.StatusCategory+" "+strings.Join(is.MilestoneIDs, ","))
	}
	if want := "[octocat/hello-world#1 new 1002604 octocat/hello-world#3 new  octocat/hello-world#2 done 1002604]"; fmt.Sprint(keys) != want {
		t.Errorf("issues (the pull request left out):\n got %v\nwant %s", keys, want)
	}
	wantIv := []string{
		"11 1002604 2012-09-01T10:00:00Z - 0",
		"12 1002604 2012-09-10T10:00:00Z - 0",
		"12 1002605 2012-09-03T10:00:00Z 2012-09-10T10:00:00Z 0",
		"13 1002604 2012-09-05T10:00:00Z 2012-09-06T10:00:00Z 0",
	}
	if got := intervals(collectortest.RowsOf[warehouse.MembershipIntervalRow](sink)); !slices.Equal(got, wantIv) {
		t.Errorf("intervals:\n got %q\nwant %q", got, wantIv)
	}
	if c := sink.Committed()[cursorName(CursorIssues, "octocat/hello-world")]; c != "2012-09-20T10:00:00Z|12" {
		t.Errorf("issue cursor %q", c)
	}
	site.take()

	// Nothing changed: a 304 and an empty list.
	next := collectortest.NewMemSink(sink.Committed())
	h.Clock.Set(now.Add(time.Hour))
	if _, err := h.Run(context.Background(), next); err != nil {
		t.Fatal(err)
	}
	if reqs := site.take(); len(reqs) != 2 || len(next.Rows()) != 0 {
		t.Errorf("unchanged repository: requests %v, %d rows; want the listing (304) and the issue list, no row", reqs, len(next.Rows()))
	}

	// Renamed, and an issue whose event names the old title.
	site.milestones[0] = v1("v1.0 final")
	site.issues = append(site.issues, fakeIssue{docsIssue(14, 4, "open", "2012-09-11T10:00:00Z", "2012-10-01T02:00:00Z", "",
		v1("v1.0 final"), false), ts("2012-10-01T02:00:00Z")})
	site.events[4] = []string{milestoneEvent(107, "milestoned", "v1.0", "2012-09-12T10:00:00Z")}
	third := collectortest.NewMemSink(next.Committed())
	h.Clock.Set(now.Add(3 * time.Hour))
	if _, err := h.Run(context.Background(), third); err != nil {
		t.Fatal(err)
	}
	if got := intervals(collectortest.RowsOf[warehouse.MembershipIntervalRow](third)); !slices.Equal(got, []string{"14 1002604 2012-09-12T10:00:00Z - 0"}) {
		t.Errorf("after the rename: %q", got)
	}
	if ms := collectortest.RowsOf[warehouse.MilestoneRow](third); len(ms) != 2 || ms[0].Title != "v1.0 final" {
		t.Errorf("renamed listing: %+v", ms)
	}
	var log titleLog
	if err := json.Unmarshal([]byte(third.Committed()[cursorName(CursorTitles, "octocat/hello-world")]), &log); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(log["1002604"]); got != fmt.Sprintf("[{v1.0 %d} {v1.0 final %d}]", ts("2011-04-10T20:09:31Z").Unix(), now.Add(3*time.Hour).Unix()) {
		t.Errorf("title log of 1002604: %s", got)
	}
}

// TestMalformedListingFailsTheRun: a milestone page with an item that has
// no id, or a wrongly typed one, fails the run; the cursors stay where the
// last run left them.
func TestMalformedListingFailsTheRun(t *testing.T) {
	for name, item := range map[string]string{
		"no id":      `{"number": 1, "title": "v1.0", "state": "open", "created_at": "2011-04-10T20:09:31Z"}`,
		"wrong type": `{"id": "1002604", "number": 1, "title": "v1.0", "state": "open", "created_at": "2011-04-10T20:09:31Z"}`,
	} {
		t.Run(name, func(t *testing.T) {
			site := &fakeRepo{milestones: []string{item}, events: map[int][]string{}}
			h := newTestSource(t, site, ts("2012-10-01T00:00:00Z"))
			before := map[string]string{cursorName(CursorIssues, "octocat/hello-world"): "2012-09-01T00:00:00Z|"}
			sink := collectortest.NewMemSink(before)
			_, err := h.Run(context.Background(), sink)
			if err == nil || !strings.Contains(err.Error(), "octocat/hello-world") {
				t.Fatalf("err = %v, want a failure naming the repository", err)
			}
			if got := sink.Committed(); fmt.Sprint(got) != fmt.Sprint(before) || len(sink.CommittedRows()) != 0 {
				t.Errorf("after a failed run: cursors %v, %d rows committed", got, len(sink.CommittedRows()))
			}
		})
	}
}

// TestRateLimitsWaitedOut: the primary limit (403, remaining 0, a reset
// ten minutes away) and a secondary one (429 with retry-after) are waited
// out, as long as they say, and the run succeeds.
func TestRateLimitsWaitedOut(t *testing.T) {
	reset := time.Now().Add(10 * time.Minute).Unix() // httpx reads the reset against the wall clock
	site := &fakeRepo{events: map[int][]string{}, answers: []func(w http.ResponseWriter){
		func(w http.ResponseWriter) {
			w.Header().Set("X-RateLimit-Limit", "5000")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", fmt.Sprint(reset))
			w.Header().Set("X-RateLimit-Resource", "core")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"message":"API rate limit exceeded for user ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}`)
		},
		func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "60")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`)
		},
	}}
	h := newTestSource(t, site, ts("2012-10-01T00:00:00Z"))
	if _, err := h.Run(context.Background(), collectortest.NewMemSink(nil)); err != nil {
		t.Fatal(err)
	}
	sleeps := h.Sleeps()
	if len(sleeps) != 2 || sleeps[0] < 9*time.Minute || sleeps[0] > 11*time.Minute || sleeps[1] != 60*time.Second {
		t.Errorf("waits %v, want ~10m (the reset) then 60s (retry-after)", sleeps)
	}
}
