package jira

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zone tests must not depend on the host's database

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/httpx"
	"github.com/runway-analytics/runway/collector/warehouse"
)

var (
	runAt = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	day0  = time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
)

func days(n int) time.Time { return day0.Add(time.Duration(n) * 24 * time.Hour) }

// org fills a fake Jira with 6 boards (3 pages), 5+2 sprints on two boards
// (sprint 15 shown on both), 6 issues (3 search pages), one of which has a
// 5-history changelog (embedded 2, fetched in 3 pages).
func org() *fakeJira {
	f := newFakeJira()
	board := func(id int64, name, typ, project string) map[string]any {
		return map[string]any{"id": id, "self": fmt.Sprintf("https://acme.atlassian.net/rest/agile/1.0/board/%d", id),
			"name": name, "type": typ, "location": map[string]any{"projectId": 10000 + id, "projectKey": project,
				"displayName": project, "projectName": project, "projectTypeKey": "software"}}
	}
	f.boards = []map[string]any{
		board(1, "PLAT board", "scrum", "PLAT"), board(2, "PLAT ops", "scrum", "PLAT"),
		board(3, "WEB board", "scrum", "WEB"), board(4, "PLAT kanban", "kanban", "PLAT"),
		board(5, "Other", "scrum", "OTHER"), board(6, "WEB team-managed", "simple", "WEB"),
	}
	f.noSprints[4], f.noSprints[6] = true, true
	sp := func(id, origin int64, state string, start int) map[string]any {
		m := map[string]any{"id": id, "self": fmt.Sprintf("https://acme.atlassian.net/rest/agile/1.0/sprint/%d", id),
			"state": state, "name": fmt.Sprintf("Sprint %d", id), "originBoardId": origin, "goal": ""}
		if state != "future" {
			m["startDate"] = days(start).Format(time.RFC3339Nano)
			m["endDate"] = days(start + 14).Format(time.RFC3339Nano)
			m["activatedDate"] = days(start).Add(time.Hour).Format(time.RFC3339Nano)
		}
		if state == "closed" {
			m["completeDate"] = days(start + 14).Format(time.RFC3339Nano)
		}
		return m
	}
	f.sprints[1] = []map[string]any{sp(11, 1, "closed", 0), sp(12, 1, "closed", 14), sp(13, 1, "closed", 28),
		sp(14, 1, "active", 42), sp(15, 1, "future", 56)}
	f.sprints[2] = []map[string]any{sp(15, 1, "future", 56), sp(21, 2, "active", 42)}
	f.sprints[5] = []map[string]any{sp(51, 5, "active", 42)}
	for i := range 5 {
		f.issues = append(f.issues, &fakeIssue{id: fmt.Sprint(10001 + i), key: fmt.Sprintf("PLAT-%d", i+1), project: "PLAT",
			status: "10000", created: days(i), updated: days(10 + i), sprints: []int{14}})
	}
	f.issues = append(f.issues, &fakeIssue{id: "20001", key: "WEB-1", project: "WEB", status: "10001",
		created: days(0), updated: days(20), sprints: []int{11, 12},
		histories: []map[string]any{
			fakeHistory(501, days(1), fakeSprintItem("", "11")),
			fakeHistory(502, days(3), fakeStatusItem("10000", "3")),
			fakeHistory(503, days(14), fakeSprintItem("11", "11, 12")),
			fakeHistory(504, days(16), fakeStatusItem("3", "10001")),
			fakeHistory(505, days(18), map[string]any{"field": "labels", "fieldtype": "jira", "fieldId": "labels", "from": nil, "fromString": "", "to": nil, "toString": "x"}),
		}})
	return f
}

func TestCollectPagingAndRows(t *testing.T) {
	f := org()
	h := newHarness(t, f, jiraSource(Config{Projects: []string{"PLAT", "WEB"}}), runAt)
	sink := collectortest.NewMemSink(nil)
	if err := h.src.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}

	// Paging over ≥ 3 pages on every paged endpoint.
	for path, want := range map[string]int{
		pathBoards: 3, pathSprints(1): 3, pathSearch: 5, pathChangelog("WEB-1"): 3,
		pathSprints(2): 1, pathSprints(3): 1, pathSprints(6): 1, pathSprints(4): 0, pathSprints(5): 0,
	} {
		if got := f.countPath(path); got != want {
			t.Errorf("%s: %d requests, want %d", path, got, want)
		}
	}
	// Keyset paging: each page starts the search over from the minute of
	// its last issue, which pages of 2 read twice.
	check(t, "JQL", f.jqls, []string{
		`project in ("PLAT", "WEB") AND updated >= "2023-03-02 12:00" ORDER BY updated ASC`,
		`project in ("PLAT", "WEB") AND updated >= "2024-01-12 09:00" ORDER BY updated ASC`,
		`project in ("PLAT", "WEB") AND updated >= "2024-01-13 09:00" ORDER BY updated ASC`,
		`project in ("PLAT", "WEB") AND updated >= "2024-01-14 09:00" ORDER BY updated ASC`,
		`project in ("PLAT", "WEB") AND updated >= "2024-01-15 09:00" ORDER BY updated ASC`,
	})
	for _, r := range f.requestLog() {
		p, rq, _ := strings.Cut(r, "?")
		if p != pathSearch {
			continue
		}
		q, _ := url.ParseQuery(rq)
		check(t, "fields", q.Get("fields"), "summary,status,issuetype,project,created,updated,resolutiondate,assignee,parent,labels,customfield_10020,customfield_10016")
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

	// WEB-1's history came from the changelog endpoint: the sprint-11 entry
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
	check(t, "WEB-1 status changes", sc, []string{"initial new", "502:0 indeterminate", "504:0 done"})
}

func TestCollectBoardFilters(t *testing.T) {
	f := org()
	h := newHarness(t, f, jiraSource(Config{Boards: []int64{5, 2}}), runAt)
	sink := collectortest.NewMemSink(nil)
	if err := h.src.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	check(t, "boards", len(collectortest.RowsOf[warehouse.BoardRow](sink)), 2)
	// Projects derived from the boards.
	check(t, "JQL", f.jqls[0], `project in ("OTHER", "PLAT") AND updated >= "2023-03-02 12:00" ORDER BY updated ASC`)

	f = org()
	h = newHarness(t, f, jiraSource(Config{Boards: []int64{99}}), runAt)
	err := h.src.Collect(context.Background(), collectortest.NewMemSink(nil))
	if err == nil || !strings.Contains(err.Error(), "board 99") {
		t.Fatalf("err = %v, want board 99 not visible", err)
	}
}

func TestCollectRetriesRateLimitAndServerErrors(t *testing.T) {
	f := org()
	f.inject(pathBoards, fakeResp{code: 429, hdr: map[string]string{"Retry-After": "1"},
		body: `{"errorMessages":["Rate limit exceeded."]}`})
	f.inject(pathSearch, fakeResp{code: 500, body: `{"errorMessages":["Internal server error"]}`})
	h := newHarness(t, f, jiraSource(Config{Projects: []string{"PLAT", "WEB"}}), runAt)
	sink := collectortest.NewMemSink(nil)
	if err := h.src.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	check(t, "retries", h.stats.Retries.Load(), int64(2))
	if len(h.sleeps) != 2 || h.sleeps[0] != time.Second {
		t.Errorf("sleeps = %v, want Retry-After's 1s then a backoff", h.sleeps)
	}
	check(t, "issues", len(collectortest.RowsOf[warehouse.IssueRow](sink)), 6)
	check(t, "cursor", sink.Set()[CursorIssues], "2024-01-21T09:00:00Z")
}

func TestCollectMalformedPayloads(t *testing.T) {
	cases := []struct {
		name  string
		setup func(f *fakeJira)
		want  []string // substrings of the error
	}{
		{"truncated fields", func(f *fakeJira) {
			f.inject(pathFields, fakeResp{code: 200, body: `[{"id":"summary","name":"Summ`})
		}, []string{"GET " + pathFields, "decoding response"}},
		{"statuses not an array", func(f *fakeJira) {
			f.inject(pathStatuses, fakeResp{code: 200, body: `{"id":"1"}`})
		}, []string{"GET " + pathStatuses}},
		{"status without id", func(f *fakeJira) {
			f.inject(pathStatuses, fakeResp{code: 200, body: `[{"name":"To Do","statusCategory":{"key":"new"}}]`})
		}, []string{"GET " + pathStatuses, "missing id"}},
		{"truncated boards", func(f *fakeJira) {
			f.inject(pathBoards, fakeResp{code: 200, body: `{"maxResults":2,"startAt":0,"isLast":false,"values":[{"id":1,`})
		}, []string{"GET " + pathBoards, "decoding response"}},
		{"board without id", func(f *fakeJira) {
			f.inject(pathBoards, fakeResp{code: 200, body: `{"isLast":true,"values":[{"name":"x","type":"scrum"}]}`})
		}, []string{"GET " + pathBoards, "missing id"}},
		{"board id wrong type", func(f *fakeJira) {
			f.inject(pathBoards, fakeResp{code: 200, body: `{"isLast":true,"values":[{"id":"one","name":"x"}]}`})
		}, []string{"GET " + pathBoards, "id"}},
		{"truncated sprints", func(f *fakeJira) {
			f.inject(pathSprints(1), fakeResp{code: 200, body: `{"isLast":true,"values":[`})
		}, []string{"GET " + pathSprints(1)}},
		{"sprint without id", func(f *fakeJira) {
			f.inject(pathSprints(1), fakeResp{code: 200, body: `{"isLast":true,"values":[{"name":"Sprint 1","state":"active"}]}`})
		}, []string{"GET " + pathSprints(1), "missing id"}},
		{"sprint id wrong type", func(f *fakeJira) {
			f.inject(pathSprints(1), fakeResp{code: 200, body: `{"isLast":true,"values":[{"id":"eleven"}]}`})
		}, []string{"GET " + pathSprints(1)}},
		{"sprint bad date", func(f *fakeJira) {
			f.inject(pathSprints(1), fakeResp{code: 200, body: `{"isLast":true,"values":[{"id":11,"startDate":"soon"}]}`})
		}, []string{"GET " + pathSprints(1), "sprint 11: startDate"}},
		{"truncated search", func(f *fakeJira) {
			f.inject(pathSearch, fakeResp{code: 200, body: `{"issues":[{"id":"1","key":"PLAT-1","fields":{`})
		}, []string{"GET " + pathSearch, "decoding response"}},
		{"issue id wrong type", func(f *fakeJira) {
			f.inject(pathSearch, fakeResp{code: 200, body: `{"issues":[{"id":1,"key":"PLAT-1","fields":{}}],"isLast":true}`})
		}, []string{"GET " + pathSearch, "issue PLAT-1"}},
		{"issue without created", func(f *fakeJira) {
			f.inject(pathSearch, fakeResp{code: 200, body: `{"issues":[{"id":"1","key":"PLAT-1","fields":{"updated":"2024-01-01T00:00:00.000+0000"}}],"isLast":true}`})
		}, []string{"GET " + pathSearch, "issue PLAT-1: field created: missing"}},
		{"issue without fields", func(f *fakeJira) {
			f.inject(pathSearch, fakeResp{code: 200, body: `{"issues":[{"id":"1","key":"PLAT-1"}],"isLast":true}`})
		}, []string{"GET " + pathSearch, "issue PLAT-1: missing fields"}},
		{"bad sprint field", func(f *fakeJira) { f.issues[2].sprints = []int{0} },
			[]string{"GET " + pathSearch, "issue PLAT-3: field customfield_10020 (Sprint): sprint #0: bad id 0"}},
		{"truncated changelog", func(f *fakeJira) {
			f.inject(pathChangelog("WEB-1"), fakeResp{code: 200, body: `{"isLast":false,"values":[{"id":"501",`})
		}, []string{"GET " + pathChangelog("WEB-1"), "decoding response"}},
		{"changelog created wrong type", func(f *fakeJira) {
			f.inject(pathChangelog("WEB-1"), fakeResp{code: 200, body: `{"isLast":true,"values":[{"id":"501","created":5,"items":[]}]}`})
		}, []string{"GET " + pathChangelog("WEB-1"), "created"}},
		{"changelog history without created", func(f *fakeJira) {
			f.inject(pathChangelog("WEB-1"), fakeResp{code: 200, body: `{"isLast":true,"values":[{"id":"499","items":[]}]}`})
		}, []string{"GET " + pathSearch, "issue WEB-1: changelog history 499: missing created"}},
		{"search rejected", func(f *fakeJira) {
			f.inject(pathSearch, fakeResp{code: 400, body: `{"errorMessages":["Error in the JQL Query"]}`})
		}, []string{"GET " + pathSearch, "400"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := org()
			c.setup(f)
			h := newHarness(t, f, jiraSource(Config{Projects: []string{"PLAT", "WEB"}}), runAt)
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
	f := org()
	h := newHarness(t, f, jiraSource(Config{Projects: []string{"PLAT", "WEB"}}), runAt)
	first := collectortest.NewMemSink(nil)
	if err := h.src.Collect(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	cursor := first.Set()[CursorIssues]
	check(t, "first cursor", cursor, "2024-01-21T09:00:00Z")

	// PLAT-2 changes after the first run: it leaves sprint 14.
	f.mu.Lock()
	is := f.issues[1]
	is.updated = days(25).Add(7 * time.Minute)
	is.sprints = nil
	is.histories = append(is.histories, fakeHistory(900, is.updated, fakeSprintItem("14", "")))
	before, jqls := len(f.requests), len(f.jqls)
	f.mu.Unlock()

	// Without CursorProjects (a cursor stored before it existed) the run
	// searches from the cursor and stores the projects.
	second := collectortest.NewMemSink(map[string]string{CursorIssues: cursor})
	h.src.now = func() time.Time { return runAt.Add(time.Hour) }
	if err := h.src.Collect(context.Background(), second); err != nil {
		t.Fatal(err)
	}
	check(t, "JQLs", f.jqls[jqls:], []string{`project in ("PLAT", "WEB") AND updated >= "2024-01-21 08:55" ORDER BY updated ASC`})
	var keys []string
	for _, r := range collectortest.RowsOf[warehouse.IssueRow](second) {
		keys = append(keys, r.Key)
	}
	// WEB-1 (updated at the cursor, re-read by the overlap) and PLAT-2.
	check(t, "issues", keys, []string{"WEB-1", "PLAT-2"})
	// field, status, 3 board pages, 3+1+1+1 sprint pages, myself, 1 search
	// page and WEB-1's changelog (3 pages): nothing else.
	reqs := f.requestLog()[before:]
	if len(reqs) != 1+1+3+6+1+1+3 {
		t.Errorf("second run made %d requests, want 16: %v", len(reqs), reqs)
	}
	check(t, "second cursor", second.Set(), map[string]string{CursorIssues: "2024-01-26T09:07:00Z", CursorProjects: "PLAT,WEB"})
	var removed []string
	for _, e := range collectortest.RowsOf[warehouse.MembershipEventRow](second) {
		if e.Action == "removed" {
			removed = append(removed, e.IssueID+" "+e.ContainerID+" "+e.EventID)
		}
	}
	check(t, "removed", removed, []string{"10002 14 900:0:14"})

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
	h := newHarness(t, org(), config.Source{}, runAt)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sink := collectortest.NewMemSink(nil)
	if err := h.src.Collect(ctx, sink); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	check(t, "cursor", len(sink.Set()), 0)
}

func TestCollectClientErrorNotRetried(t *testing.T) {
	f := org()
	h := newHarness(t, f, config.Source{}, runAt)
	f.inject(pathFields, fakeResp{code: 401, body: `{"errorMessages":["You are not authenticated."]}`})
	err := h.src.Collect(context.Background(), collectortest.NewMemSink(nil))
	if !httpx.IsStatus(err, 401) || h.stats.Retries.Load() != 0 {
		t.Errorf("err = %v (retries %d), want an unretried 401", err, h.stats.Retries.Load())
	}
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
			var auth, path string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				auth, path = r.Header.Get("Authorization"), r.URL.Path
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `[{"id":"summary","name":"Summary"}]`)
			}))
			defer srv.Close()
			cfg := config.Source{Name: "acme", Type: Type, BaseURL: srv.URL, Token: "tok", Settings: &Config{Email: tc.email}}
			src, err := SourceType.New(cfg, collector.Deps{NewHTTP: collector.HTTPBuilder(httpx.Options{
				Source: cfg.Name, BaseURL: cfg.BaseURL, HTTPClient: srv.Client()})})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := src.(*source).api.fields(context.Background()); err != nil {
				t.Fatal(err)
			}
			if auth != tc.wantAuth || path != tc.wantPath {
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
	f := org()
	f.timeZone = "Asia/Tokyo"
	h := newHarness(t, f, jiraSource(Config{Projects: []string{"PLAT"}}), runAt)
	if err := h.src.Collect(context.Background(), collectortest.NewMemSink(map[string]string{CursorIssues: "2024-01-21T09:00:00Z"})); err != nil {
		t.Fatal(err)
	}
	check(t, "JQL", f.jqls, []string{`project in ("PLAT") AND updated >= "2024-01-21 17:55" ORDER BY updated ASC`})
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
	f := org()
	m := days(30)
	for i, at := range []time.Time{m.Add(time.Second), m.Add(2 * time.Second), m.Add(3 * time.Second),
		m.Add(time.Minute + 10*time.Second), m.Add(time.Minute + 20*time.Second)} {
		f.issues[i].updated = at
	}
	f.issues[5].updated = days(40)
	h := newHarness(t, f, jiraSource(Config{Projects: []string{"PLAT", "WEB"}}), runAt)
	sink := collectortest.NewMemSink(nil)
	if err := h.src.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	// [PLAT-1 PLAT-2] lie in one minute: next token. [PLAT-3 PLAT-4]:
	// start over from 09:01. [PLAT-4 PLAT-5] lie in that minute: next
	// token. [WEB-1] is the last page.
	check(t, "JQLs", f.jqls, []string{
		`project in ("PLAT", "WEB") AND updated >= "2023-03-02 12:00" ORDER BY updated ASC`,
		`project in ("PLAT", "WEB") AND updated >= "2024-01-31 09:01" ORDER BY updated ASC`,
	})
	check(t, "search requests", f.countPath(pathSearch), 4)
	var keys []string
	for _, r := range collectortest.RowsOf[warehouse.IssueRow](sink) {
		keys = append(keys, r.Key)
	}
	check(t, "issues, each once", keys, []string{"PLAT-1", "PLAT-2", "PLAT-3", "PLAT-4", "PLAT-5", "WEB-1"})
	check(t, "cursor", sink.Set()[CursorIssues], days(40).Format(time.RFC3339))
}
