package jira

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zone tests must not depend on the host's database

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/httpx"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/warehouse"
)

var (
	runAt = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	day0  = time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
)

func days(n int) time.Time { return day0.Add(time.Duration(n) * 24 * time.Hour) }

// org is the hand-built Jira the source tests collect, as of runAt: 6
// boards (3 pages of 2) in three projects, a kanban one among them and a
// team-managed ("simple") one; 5+2 sprints on two boards (sprint 15 shown
// on both); 6 issues (3 search pages), one of which has a 5-history
// changelog (2 embedded, bulk-fetched in 3 pages). Edit it before acmeJira
// serves it.
func org() *simulate.Org {
	o := &simulate.Org{Now: runAt,
		Statuses: []simulate.Status{simulate.DefaultStatuses[0], simulate.DefaultStatuses[1], simulate.DefaultStatuses[3]},
		Projects: []simulate.Project{{ID: "10001", Key: "PLAT", Name: "Platform"}, {ID: "10002", Key: "WEB", Name: "Web"},
			{ID: "10003", Key: "OTHER", Name: "Other"}},
		Users: []simulate.User{{AccountID: "5b10a", DisplayName: "Ann"}},
		Boards: []simulate.Board{
			{ID: 1, Name: "PLAT board", Type: "scrum", ProjectKey: "PLAT"}, {ID: 2, Name: "PLAT ops", Type: "scrum", ProjectKey: "PLAT"},
			{ID: 3, Name: "WEB board", Type: "scrum", ProjectKey: "WEB"}, {ID: 4, Name: "PLAT kanban", Type: "kanban", ProjectKey: "PLAT"},
			{ID: 5, Name: "Other", Type: "scrum", ProjectKey: "OTHER"}, {ID: 6, Name: "WEB team-managed", Type: "simple", ProjectKey: "WEB"},
		},
	}
	sp := func(id int, state string, start int, boards ...int) {
		s := &simulate.Sprint{ID: id, Name: fmt.Sprintf("Sprint %d", id), State: state, OriginBoardID: boards[0],
			BoardIDs: boards, Created: days(start - 7)}
		if state != simulate.SprintFuture {
			s0, s1, act := days(start), days(start+14), days(start).Add(time.Hour)
			s.Start, s.End, s.Activated = &s0, &s1, &act
		}
		if state == simulate.SprintClosed {
			s.Complete = s.End
		}
		o.Sprints = append(o.Sprints, s)
	}
	closed, active, future := simulate.SprintClosed, simulate.SprintActive, simulate.SprintFuture
	sp(11, closed, 0, 1)
	sp(12, closed, 14, 1)
	sp(13, closed, 28, 1)
	sp(14, active, 42, 1)
	sp(15, future, 56, 1, 2)
	sp(21, active, 42, 2)
	sp(51, active, 42, 5)
	two := 2.0
	for i := range 5 {
		o.Issues = append(o.Issues, &simulate.Issue{ID: fmt.Sprint(10001 + i), Key: fmt.Sprintf("PLAT-%d", i+1),
			Project: "PLAT", Type: "Story", Points: &two, Created: days(i), Updated: days(10 + i),
			InitialStatus: simulate.StatusToDo, InitialSprints: []int{14}})
	}
	hist := func(id string, day int, it simulate.Item) simulate.History {
		return simulate.History{ID: id, At: days(day), AuthorID: "5b10a", Items: []simulate.Item{it}}
	}
	sprints := func(from, to []int) simulate.Item {
		return simulate.Item{Field: simulate.FieldSprint, FromSprints: from, ToSprints: to}
	}
	status := func(from, to string) simulate.Item {
		return simulate.Item{Field: simulate.FieldStatus, FromStatus: from, ToStatus: to}
	}
	o.Issues = append(o.Issues, &simulate.Issue{ID: "20001", Key: "WEB-1", Project: "WEB", Type: "Story", Points: &two,
		Created: days(0), Updated: days(20), InitialStatus: simulate.StatusToDo,
		Histories: []simulate.History{
			hist("501", 1, sprints(nil, []int{11})),
			hist("502", 3, status(simulate.StatusToDo, simulate.StatusInProgress)),
			hist("503", 14, sprints([]int{11}, []int{11, 12})),
			hist("504", 16, status(simulate.StatusInProgress, simulate.StatusDone)),
			hist("505", 18, simulate.Item{Field: "labels", ToString: "x"}),
		}})
	return o
}

// acmeJira indexes o and serves it as the Jira Cloud newHarness signs in
// to, with pages of 2 and 2 embedded histories (opts may say otherwise).
// Board 6 does not support sprints: its sprint list answers 400.
func acmeJira(t *testing.T, o *simulate.Org, opts simulate.JiraOptions) *simulate.Jira {
	t.Helper()
	if err := o.Index(); err != nil {
		t.Fatal(err)
	}
	opts.Email, opts.Token = fakeUser, fakeToken
	opts.PageSize = cmp.Or(opts.PageSize, 2)
	opts.ChangelogEmbedLimit = cmp.Or(opts.ChangelogEmbedLimit, 2)
	site := simulate.NewJira(o, opts)
	site.FailNext(pathSprints(6), http.StatusBadRequest, math.MaxInt32, "")
	return site
}

// acmeRequests is how many requests a run over org's PLAT and WEB boards
// makes per path, given its search requests: one each for fields, statuses
// and the user's zone, 3 board pages, 3+1+1+1 sprint pages (board 4, kanban,
// is not asked), one version page per project, and WEB-1's changelog (3
// pages of the bulk fetch).
func acmeRequests(searches int) map[string]int {
	return map[string]int{simulate.PathField: 1, simulate.PathStatus: 1, simulate.PathMyself: 1,
		pathBoards: 3, pathSprints(1): 3, pathSprints(2): 1, pathSprints(3): 1, pathSprints(6): 1,
		"/rest/api/3/project/PLAT/version": 1, "/rest/api/3/project/WEB/version": 1,
		simulate.PathSearch: searches, simulate.PathBulkFetch: 3}
}

func TestCollectPagingAndRows(t *testing.T) {
	site := acmeJira(t, org(), simulate.JiraOptions{})
	h := newHarness(t, site, jiraSource(Config{Projects: []string{"PLAT", "WEB"}}), runAt)
	sink := collectortest.NewMemSink(nil)
	if err := h.src.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}

	// Paging over ≥ 3 pages on every paged endpoint, and nothing else.
	check(t, "requests", site.Requests(), acmeRequests(5))
	// Keyset paging: each page starts the search over from the minute of
	// its last issue, which pages of 2 read twice.
	check(t, "JQL", site.SearchJQLs(), []string{
		`project in ("PLAT", "WEB") AND updated >= "2023-03-02 12:00" ORDER BY updated ASC`,
		`project in ("PLAT", "WEB") AND updated >= "2024-01-12 09:00" ORDER BY updated ASC`,
		`project in ("PLAT", "WEB") AND updated >= "2024-01-13 09:00" ORDER BY updated ASC`,
		`project in ("PLAT", "WEB") AND updated >= "2024-01-14 09:00" ORDER BY updated ASC`,
		`project in ("PLAT", "WEB") AND updated >= "2024-01-15 09:00" ORDER BY updated ASC`,
	})
	for _, q := range h.Requests.Queries(simulate.PathSearch) {
		check(t, "fields", q.Get("fields"), "summary,status,issuetype,project,created,updated,resolutiondate,assignee,parent,labels,fixVersions,customfield_10020,customfield_10016")
		check(t, "expand", q.Get("expand"), "changelog")
	}
	boards := sortedBy(collectortest.RowsOf[warehouse.BoardRow](sink), func(b warehouse.BoardRow) string { return b.BoardID })
	var ids []string
	for _, b := range boards {
		ids = append(ids, b.BoardID+"/"+b.Project+"/"+b.Type)
	}
	check(t, "boards", ids, []string{"1/PLAT/scrum", "2/PLAT/scrum", "3/WEB/scrum", "4/PLAT/kanban", "6/WEB/simple"})

	sprints := sortedBy(collectortest.RowsOf[warehouse.SprintRow](sink), func(s warehouse.SprintRow) string { return s.SprintID })
	ids = nil
	for _, s := range sprints {
		ids = append(ids, s.SprintID+"@"+s.BoardID+":"+s.State)
	}
	check(t, "sprints", ids, []string{"11@1:closed", "12@1:closed", "13@1:closed", "14@1:active", "15@1:future", "21@2:active"})
	if s := sprints[0]; s.Activated == nil || !s.Activated.Equal(day0.Add(time.Hour)) || s.Complete == nil || !s.Complete.Equal(days(14)) {
		t.Errorf("sprint 11 dates: %+v", s)
	}

	check(t, "statuses", len(collectortest.RowsOf[warehouse.StatusRow](sink)), 3)
	issues := collectortest.RowsOf[warehouse.IssueRow](sink)
	check(t, "issues", len(issues), 6)
	check(t, "progress", sink.ProgressOf("issues"), [2]int{6, 0})
	check(t, "cursor", sink.Set(), map[string]string{CursorIssues: "2024-01-21T09:00:00Z", CursorProjects: "PLAT,WEB"})

	// WEB-1's history came from the bulk fetch: the sprint-11 entry
	// (history 501) is older than anything embedded.
	var web []string
	for _, iv := range collectortest.RowsOf[warehouse.MembershipIntervalRow](sink) {
		if iv.IssueID == "20001" {
			web = append(web, fmt.Sprintf("%s %s %v", iv.ContainerID, iv.Entered.Format(time.DateOnly), iv.Exited))
		}
	}
	check(t, "WEB-1 intervals", web, []string{"11 2024-01-02 <nil>", "12 2024-01-15 <nil>"})
	var sc []string
	for _, c := range collectortest.RowsOf[warehouse.StatusChangeRow](sink) {
		if c.IssueID == "20001" {
			sc = append(sc, c.EventID+" "+c.ToCategory)
		}
	}
	// Into Done, history 504 holds a resolution item before the status one.
	check(t, "WEB-1 status changes", sc, []string{"initial new", "502:0 indeterminate", "504:1 done"})
}

func TestCollectBoardFilters(t *testing.T) {
	site := acmeJira(t, org(), simulate.JiraOptions{})
	h := newHarness(t, site, jiraSource(Config{Boards: []int64{5, 2}}), runAt)
	sink := collectortest.NewMemSink(nil)
	if err := h.src.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	check(t, "boards", len(collectortest.RowsOf[warehouse.BoardRow](sink)), 2)
	// Projects derived from the boards.
	check(t, "JQL", site.SearchJQLs()[0], `project in ("OTHER", "PLAT") AND updated >= "2023-03-02 12:00" ORDER BY updated ASC`)

	h = newHarness(t, acmeJira(t, org(), simulate.JiraOptions{}), jiraSource(Config{Boards: []int64{99}}), runAt)
	err := h.src.Collect(context.Background(), collectortest.NewMemSink(nil))
	if err == nil || !strings.Contains(err.Error(), "board 99") {
		t.Fatalf("err = %v, want board 99 not visible", err)
	}
}

func TestCollectRetriesRateLimitAndServerErrors(t *testing.T) {
	site := acmeJira(t, org(), simulate.JiraOptions{})
	site.FailNext(pathBoards, http.StatusTooManyRequests, 1, "1")
	site.FailNext(simulate.PathSearch, http.StatusInternalServerError, 1, "")
	h := newHarness(t, site, jiraSource(Config{Projects: []string{"PLAT", "WEB"}}), runAt)
	sink := collectortest.NewMemSink(nil)
	if err := h.src.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	check(t, "retries", h.Stats.Retries.Load(), int64(2))
	if sleeps := h.Sleeps(); len(sleeps) != 2 || sleeps[0] != time.Second {
		t.Errorf("sleeps = %v, want Retry-After's 1s then a backoff", sleeps)
	}
	want := acmeRequests(6)
	want[pathBoards]++
	check(t, "requests", site.Requests(), want)
	check(t, "issues", len(collectortest.RowsOf[warehouse.IssueRow](sink)), 6)
	check(t, "cursor", sink.Set()[CursorIssues], "2024-01-21T09:00:00Z")
}

func TestCollectMalformedPayloads(t *testing.T) {
	corrupt := func(path, mode string) func(*simulate.Jira) {
		return func(site *simulate.Jira) { site.CorruptNext(path, mode) }
	}
	search, bulk := simulate.PathSearch, simulate.PathBulkFetch
	cases := []struct {
		name       string
		org        func(*simulate.Org)  // edits the org before it is served
		site       func(*simulate.Jira) // injects a fault
		path, body string               // a payload the simulator never sends, answered on path
		want       []string             // substrings of the error
	}{
		{name: "truncated fields", site: corrupt(simulate.PathField, simulate.CorruptTruncate),
			want: []string{"GET " + simulate.PathField, "decoding response"}},
		{name: "statuses not an array", path: simulate.PathStatus, body: `{"id":"1"}`,
			want: []string{"GET " + simulate.PathStatus}},
		{name: "status without id", site: corrupt(simulate.PathStatus, simulate.CorruptMissingFields),
			want: []string{"GET " + simulate.PathStatus, "missing id"}},
		{name: "truncated boards", site: corrupt(pathBoards, simulate.CorruptTruncate),
			want: []string{"GET " + pathBoards, "decoding response"}},
		{name: "board without id", path: pathBoards, body: `{"isLast":true,"values":[{"name":"x","type":"scrum"}]}`,
			want: []string{"GET " + pathBoards, "missing id"}},
		{name: "board id wrong type", site: corrupt(pathBoards, simulate.CorruptWrongTypes),
			want: []string{"GET " + pathBoards, "id"}},
		{name: "truncated sprints", site: corrupt(pathSprints(1), simulate.CorruptTruncate),
			want: []string{"GET " + pathSprints(1)}},
		{name: "sprint without id", path: pathSprints(1), body: `{"isLast":true,"values":[{"name":"Sprint 1","state":"active"}]}`,
			want: []string{"GET " + pathSprints(1), "missing id"}},
		{name: "sprint id wrong type", site: corrupt(pathSprints(1), simulate.CorruptWrongTypes),
			want: []string{"GET " + pathSprints(1)}},
		{name: "sprint bad date", path: pathSprints(1), body: `{"isLast":true,"values":[{"id":11,"startDate":"soon"}]}`,
			want: []string{"GET " + pathSprints(1), "sprint 11: startDate"}},
		{name: "truncated search", site: corrupt(search, simulate.CorruptTruncate),
			want: []string{"GET " + search, "decoding response"}},
		{name: "issue id wrong type", site: corrupt(search, simulate.CorruptWrongTypes),
			want: []string{"GET " + search, "issue PLAT-1"}},
		{name: "issue without created", path: search,
			body: `{"issues":[{"id":"1","key":"PLAT-1","fields":{"updated":"2024-01-01T00:00:00.000+0000"}}],"isLast":true}`,
			want: []string{"GET " + search, "issue PLAT-1: field created: missing"}},
		{name: "issue without fields", path: search, body: `{"issues":[{"id":"1","key":"PLAT-1"}],"isLast":true}`,
			want: []string{"GET " + search, "issue PLAT-1: missing fields"}},
		{name: "bad sprint field", org: func(o *simulate.Org) {
			// Sprint 0 lies on board 5, which the source does not collect.
			o.Sprints = append(o.Sprints, &simulate.Sprint{ID: 0, Name: "Sprint 0", State: simulate.SprintFuture,
				OriginBoardID: 5, Created: days(0)})
			o.Issues[2].InitialSprints = []int{0}
		}, want: []string{"GET " + search, "issue PLAT-3: field customfield_10020 (Sprint): sprint #0: bad id 0"}},
		{name: "truncated bulk changelogs", site: corrupt(bulk, simulate.CorruptTruncate),
			want: []string{"POST " + bulk, "decoding response"}},
		{name: "bulk changelogs not JSON", site: corrupt(bulk, simulate.CorruptHTML),
			want: []string{"POST " + bulk, "decoding response"}},
		{name: "bulk changelogs without issueChangeLogs", path: bulk, body: `{"nextPageToken":null}`,
			want: []string{"POST " + bulk, "page without issueChangeLogs"}},
		{name: "bulk history created wrong type", path: bulk,
			body: `{"issueChangeLogs":[{"issueId":"20001","changeHistories":[{"id":"501","created":5,"items":[]}]}]}`,
			want: []string{"POST " + bulk, "decoding response", "created"}},
		{name: "bulk history without id", site: corrupt(bulk, simulate.CorruptMissingFields),
			want: []string{"POST " + bulk, "issue 20001: changelog history #0: missing id"}},
		{name: "bulk history without created", path: bulk,
			body: `{"issueChangeLogs":[{"issueId":"20001","changeHistories":[{"id":"499","items":[]}]}]}`,
			want: []string{"GET " + search, "issue WEB-1: changelog history 499: missing created"}},
		{name: "bulk answer without the issue", path: bulk, body: `{"issueChangeLogs":[]}`,
			want: []string{"POST " + bulk, "issue 20001: missing from the answer"}},
		{name: "bulk answer with an issue not asked for", path: bulk,
			body: `{"issueChangeLogs":[{"issueId":"20001","changeHistories":[]},{"issueId":"10001","changeHistories":[]}]}`,
			want: []string{"POST " + bulk, `issue "10001": not asked for`}},
		{name: "bulk nextPageToken repeats", path: bulk,
			body: `{"issueChangeLogs":[{"issueId":"20001","changeHistories":[]}],"nextPageToken":"again"}`,
			want: []string{"POST " + bulk, "nextPageToken repeats"}},
		{name: "bulk changelogs rejected", site: func(site *simulate.Jira) { site.FailNext(bulk, http.StatusBadRequest, 1, "") },
			want: []string{"POST " + bulk, "400"}},
		{name: "truncated versions page", path: "/rest/api/3/project/PLAT/version",
			body: `{"startAt":0,"maxResults":50,"isLast":false,"values":[{"id":"10000","name":"v1"`,
			want: []string{"GET /rest/api/3/project/PLAT/version", "decoding response"}},
		{name: "version without id", path: "/rest/api/3/project/PLAT/version",
			body: `{"startAt":0,"maxResults":50,"isLast":true,"values":[{"name":"Beta 1","released":false}]}`,
			want: []string{"GET /rest/api/3/project/PLAT/version", `version #0 ("Beta 1"): missing id`}},
		{name: "version bad releaseDate", path: "/rest/api/3/project/PLAT/version",
			body: `{"startAt":0,"maxResults":50,"isLast":true,"values":[{"id":"10001","name":"Beta 1","releaseDate":"31/Jan/2025"}]}`,
			want: []string{"GET /rest/api/3/project/PLAT/version", `version 10001: releaseDate: bad date "31/Jan/2025"`}},
		{name: "versions rejected", site: func(site *simulate.Jira) {
			site.FailNext("/rest/api/3/project/WEB/version", http.StatusBadRequest, 1, "")
		}, want: []string{"GET /rest/api/3/project/WEB/version", "400"}},
		{name: "search rejected", site: func(site *simulate.Jira) { site.FailNext(search, http.StatusBadRequest, 1, "") },
			want: []string{"GET " + search, "400"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := org()
			if c.org != nil {
				c.org(o)
			}
			site := acmeJira(t, o, simulate.JiraOptions{})
			if c.site != nil {
				c.site(site)
			}
			var handler http.Handler = site
			if c.path != "" {
				// The site, but c.path answers c.body.
				handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path != c.path {
						site.ServeHTTP(w, r)
						return
					}
					w.Header().Set("Content-Type", "application/json;charset=UTF-8")
					io.WriteString(w, c.body)
				})
			}
			h := newHarness(t, handler, jiraSource(Config{Projects: []string{"PLAT", "WEB"}}), runAt)
			sink := collectortest.NewMemSink(nil)
			err := h.src.Collect(context.Background(), sink)
			if err == nil {
				t.Fatal("Collect succeeded, want an error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if len(sink.Set()) != 0 {
				t.Errorf("cursor set on failure: %v", sink.Set())
			}
		})
	}
}

func TestCollectIncremental(t *testing.T) {
	site := acmeJira(t, org(), simulate.JiraOptions{})
	h := newHarness(t, site, jiraSource(Config{Projects: []string{"PLAT", "WEB"}}), runAt)
	first := collectortest.NewMemSink(nil)
	if err := h.src.Collect(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	cursor := first.Set()[CursorIssues]
	check(t, "first cursor", cursor, "2024-01-21T09:00:00Z")

	// PLAT-2 changes after the first run: it leaves sprint 14.
	if err := site.Org().SetSprints("PLAT-2", nil, days(25).Add(7*time.Minute)); err != nil {
		t.Fatal(err)
	}
	hs := site.Org().Issue("PLAT-2").Histories
	left := hs[len(hs)-1].ID
	site.ResetRequests()

	// Without CursorProjects (a cursor stored before it existed) the run
	// searches from the cursor and stores the projects.
	second := collectortest.NewMemSink(map[string]string{CursorIssues: cursor})
	h.Clock.Set(runAt.Add(time.Hour))
	if err := h.src.Collect(context.Background(), second); err != nil {
		t.Fatal(err)
	}
	check(t, "JQLs", site.SearchJQLs(), []string{`project in ("PLAT", "WEB") AND updated >= "2024-01-21 08:55" ORDER BY updated ASC`})
	var keys []string
	for _, r := range collectortest.RowsOf[warehouse.IssueRow](second) {
		keys = append(keys, r.Key)
	}
	// WEB-1 (updated at the cursor, re-read by the overlap) and PLAT-2.
	check(t, "issues", keys, []string{"WEB-1", "PLAT-2"})
	// 1 search page and WEB-1's changelog (3 bulk pages) again: nothing else.
	check(t, "second run's requests", site.Requests(), acmeRequests(1))
	check(t, "second cursor", second.Set(), map[string]string{CursorIssues: "2024-01-26T09:07:00Z", CursorProjects: "PLAT,WEB"})
	var removed []string
	for _, e := range collectortest.RowsOf[warehouse.MembershipEventRow](second) {
		if e.Action == "removed" {
			removed = append(removed, e.IssueID+" "+e.ContainerID+" "+e.EventID)
		}
	}
	check(t, "removed", removed, []string{"10002 14 " + left + ":0:14"})

	// A run that finds nothing new keeps the cursor as it is.
	third := collectortest.NewMemSink(map[string]string{CursorIssues: "2024-02-20T00:00:00Z", CursorProjects: "PLAT,WEB"})
	if err := h.src.Collect(context.Background(), third); err != nil {
		t.Fatal(err)
	}
	check(t, "third cursor", third.Set(), map[string]string{})

	bad := collectortest.NewMemSink(map[string]string{CursorIssues: "last tuesday"})
	if err := h.src.Collect(context.Background(), bad); err == nil || !strings.Contains(err.Error(), CursorIssues) {
		t.Errorf("bad cursor: err = %v", err)
	}
}

func TestCollectCancelled(t *testing.T) {
	h := newHarness(t, acmeJira(t, org(), simulate.JiraOptions{}), config.Source{}, runAt)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sink := collectortest.NewMemSink(nil)
	if err := h.src.Collect(ctx, sink); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	check(t, "cursor", len(sink.Set()), 0)
}

// TestCollectClientErrorNotRetried: a wrong API token gets Jira's 401,
// which is not retried.
func TestCollectClientErrorNotRetried(t *testing.T) {
	site := acmeJira(t, org(), simulate.JiraOptions{})
	h := newHarness(t, site, config.Source{Token: "wrong", Settings: &Config{Email: fakeUser}}, runAt)
	err := h.src.Collect(context.Background(), collectortest.NewMemSink(nil))
	if !httpx.IsStatus(err, 401) || h.Stats.Retries.Load() != 0 {
		t.Errorf("err = %v (retries %d), want an unretried 401", err, h.Stats.Retries.Load())
	}
	check(t, "requests", site.Requests(), map[string]int{simulate.PathField: 1})
}

func TestNew(t *testing.T) {
	deps := collector.Deps{NewHTTP: collector.HTTPBuilder(httpx.Options{Source: "x", BaseURL: "https://acme.atlassian.net"})}
	s, err := New(config.Source{Name: "acme", Type: "jira"}, deps)
	if err != nil || s.Name() != "acme" || s.Type() != "jira" {
		t.Fatalf("New = %v, %v", s, err)
	}
	var _ collector.Factory = New
	for _, c := range []struct {
		cfg  config.Source
		deps collector.Deps
		want string
	}{
		{config.Source{Name: "a"}, collector.Deps{}, "no HTTP client"},
		{config.Source{Name: "a", Type: "github"}, deps, `type is "github"`},
		{config.Source{Name: "a", Settings: &Config{Boards: []int64{0}}}, deps, "bad board id 0"},
		{config.Source{Name: "a", Settings: &Config{Projects: []string{" "}}}, deps, "empty project key"},
		{config.Source{Name: "a", Settings: otherSettings{}}, deps, "settings are a jira.otherSettings, want a *jira.Config"},
	} {
		if _, err := New(c.cfg, c.deps); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v) err = %v, want %q", c.cfg, err, c.want)
		}
	}
}

type otherSettings struct{}

func (otherSettings) Validate() []string { return nil }

// TestNewFlavour: New decides the flavour, once, from the e-mail: set,
// Jira Cloud (REST v3) with Basic e-mail:token; empty, Data Center (REST
// v2) with the token as a Bearer personal access token.
func TestNewFlavour(t *testing.T) {
	for _, tc := range []struct {
		name, email, wantAuth, wantPath string
	}{
		{"cloud", "bot@acme.com", "Basic " + base64.StdEncoding.EncodeToString([]byte("bot@acme.com:tok")), restCloud + "/field"},
		{"datacenter", "", "Bearer tok", restDC + "/field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `[{"id":"summary","name":"Summary"}]`)
			}), config.Source{Name: "acme", Token: "tok", Settings: &Config{Email: tc.email}}, runAt)
			if _, err := h.src.api.fields(context.Background()); err != nil {
				t.Fatal(err)
			}
			reqs := h.Requests.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1: %v", len(reqs), reqs)
			}
			if auth, path := reqs[0].Header.Get("Authorization"), reqs[0].Path; auth != tc.wantAuth || path != tc.wantPath {
				t.Errorf("request %s with %q, want %s with %q", path, auth, tc.wantPath, tc.wantAuth)
			}
		})
	}
}

func TestBuildJQL(t *testing.T) {
	jql := func(projects []string, from time.Time, loc *time.Location) string {
		q, at := buildJQL(projects, from, loc)
		if at.After(from) || !at.Add(maxBehindUTC+2*time.Hour+time.Minute).After(from) {
			t.Errorf("%s: date literal stands for %v, want at most the widening before %v", q, at, from)
		}
		return q
	}
	at := time.Date(2024, 5, 6, 7, 8, 59, 0, time.FixedZone("x", 3600))
	check(t, "no projects", jql(nil, at, time.UTC), `updated >= "2024-05-06 06:08" ORDER BY updated ASC`)
	check(t, "quoted", jql([]string{`A"B`, `C\D`}, at, time.UTC), `project in ("A\"B", "C\\D") AND updated >= "2024-05-06 06:08" ORDER BY updated ASC`)
	_, lit := buildJQL(nil, at, time.UTC)
	check(t, "instant", lit, at.Truncate(time.Minute).UTC())
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	// JQL dates are read in the API user's zone (PDT, UTC-7 here).
	check(t, "user zone", jql(nil, at, la), `updated >= "2024-05-05 23:08" ORDER BY updated ASC`)
	_, lit = buildJQL(nil, at, la)
	check(t, "instant in the user zone", lit.UTC(), at.Truncate(time.Minute).UTC())
	// Unknown zone: UTC, 12 hours earlier (no zone is further behind).
	check(t, "unknown zone", jql(nil, at, nil), `updated >= "2024-05-05 18:08" ORDER BY updated ASC`)
	// 2024-11-03 01:30 happens twice in Los Angeles: start before the change.
	dst := time.Date(2024, 11, 3, 9, 30, 0, 0, time.UTC) // 01:30 PST, the second one
	check(t, "dst", jql(nil, dst, la), `updated >= "2024-11-03 00:30" ORDER BY updated ASC`)
}

func TestCollectJQLInUserTimeZone(t *testing.T) {
	if _, err := time.LoadLocation("Asia/Tokyo"); err != nil {
		t.Fatal(err)
	}
	site := acmeJira(t, org(), simulate.JiraOptions{TimeZone: "Asia/Tokyo"})
	h := newHarness(t, site, jiraSource(Config{Projects: []string{"PLAT"}}), runAt)
	if err := h.src.Collect(context.Background(), collectortest.NewMemSink(map[string]string{CursorIssues: "2024-01-21T09:00:00Z"})); err != nil {
		t.Fatal(err)
	}
	check(t, "JQL", site.SearchJQLs(), []string{`project in ("PLAT") AND updated >= "2024-01-21 17:55" ORDER BY updated ASC`})
}

func TestNewProjects(t *testing.T) {
	check(t, "key", projectsKey([]string{"web", "PLAT", "WEB"}), "PLAT,WEB")
	check(t, "every project", projectsKey(nil), "*")
	for _, c := range []struct {
		stored   string
		projects []string
		fresh    []string
		any      bool
	}{
		{"", []string{"PLAT"}, nil, false}, // no stored set: nothing to compare with
		{"PLAT", []string{"PLAT"}, nil, false},
		{"PLAT", []string{"plat", "Web"}, []string{"Web"}, true},
		{"PLAT,WEB", []string{"WEB"}, nil, false}, // a project dropped
		{"*", []string{"PLAT"}, nil, false},       // every project was searched
		{"PLAT", nil, nil, true},                  // every project now: all may be new
	} {
		fresh, ok := newProjects(c.stored, c.projects)
		if !slices.Equal(fresh, c.fresh) || ok != c.any {
			t.Errorf("newProjects(%q, %q) = %q, %v; want %q, %v", c.stored, c.projects, fresh, ok, c.fresh, c.any)
		}
	}
}

// TestCollectKeysetPaging: a search starts over from the minute of a page's
// last issue, except when that would read the whole page again (a minute
// holding more than a page): then it follows nextPageToken.
func TestCollectKeysetPaging(t *testing.T) {
	o := org()
	m := days(30)
	for i, at := range []time.Time{m.Add(time.Second), m.Add(2 * time.Second), m.Add(3 * time.Second),
		m.Add(time.Minute + 10*time.Second), m.Add(time.Minute + 20*time.Second)} {
		o.Issues[i].Updated = at
	}
	o.Issues[5].Updated = days(40)
	h := newHarness(t, acmeJira(t, o, simulate.JiraOptions{}), jiraSource(Config{Projects: []string{"PLAT", "WEB"}}), runAt)
	sink := collectortest.NewMemSink(nil)
	if err := h.src.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	// [PLAT-1 PLAT-2] lie in one minute: next token. [PLAT-3 PLAT-4]:
	// start over from 09:01. [PLAT-4 PLAT-5] lie in that minute: next
	// token. [WEB-1] is the last page.
	first := `project in ("PLAT", "WEB") AND updated >= "2023-03-02 12:00" ORDER BY updated ASC`
	from0901 := `project in ("PLAT", "WEB") AND updated >= "2024-01-31 09:01" ORDER BY updated ASC`
	var searches []string
	for _, q := range h.Requests.Queries(simulate.PathSearch) {
		searches = append(searches, fmt.Sprintf("%s token:%v", q.Get("jql"), q.Has("nextPageToken")))
	}
	check(t, "searches", searches, []string{first + " token:false", first + " token:true",
		from0901 + " token:false", from0901 + " token:true"})
	var keys []string
	for _, r := range collectortest.RowsOf[warehouse.IssueRow](sink) {
		keys = append(keys, r.Key)
	}
	check(t, "issues, each once", keys, []string{"PLAT-1", "PLAT-2", "PLAT-3", "PLAT-4", "PLAT-5", "WEB-1"})
	check(t, "cursor", sink.Set()[CursorIssues], days(40).Format(time.RFC3339))
}

func sortedBy[T any, K cmp.Ordered](xs []T, key func(T) K) []T {
	out := slices.Clone(xs)
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
	return out
}
