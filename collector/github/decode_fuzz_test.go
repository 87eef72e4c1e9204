package github

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// The shapes GitHub sends (docs.github.com/en/rest/issues): milestones
// open and closed, due_on at 07:00 or 08:00 UTC; issues with and
// without a milestone, a pull request among them; milestone events
// naming the title only (with an emoji and a trailing space, two in
// one second), close and reopen events, and events Runway ignores.
var (
	fuzzMilestones = `[{"url":"https://api.github.com/repos/acme/api/milestones/1","html_url":"https://github.com/acme/api/milestone/1",
	"id":1001,"node_id":"MI_kwDOAA","number":1,"title":"v1.0","description":"First cut","creator":{"login":"ana","id":7},
	"open_issues":2,"closed_issues":1,"state":"open","created_at":"2024-01-02T10:00:00Z","updated_at":"2024-02-01T10:00:00Z",
	"due_on":"2024-03-01T08:00:00Z","closed_at":null},
	{"id":1002,"number":2,"title":"🚀 v0.9 ","state":"closed","open_issues":0,"closed_issues":3,"created_at":"2023-11-02T10:00:00Z",
	"updated_at":"2024-01-03T10:00:00Z","due_on":"2023-12-20T07:00:00Z","closed_at":"2024-01-03T10:00:00Z"}]`
	fuzzIssues = `[{"id":5001,"node_id":"I_kwDOAA","number":12,"title":"Crash on save","state":"closed","state_reason":"completed",
	"html_url":"https://github.com/acme/api/issues/12","user":{"login":"ana","id":7},"labels":[{"id":1,"name":"bug","color":"d73a4a"}],
	"assignee":{"login":"bo","id":8},"assignees":[{"login":"bo","id":8}],"milestone":{"id":1001,"number":1,"title":"v1.0","state":"open",
	"created_at":"2024-01-02T10:00:00Z","due_on":"2024-03-01T08:00:00Z"},"comments":3,"created_at":"2024-01-05T09:00:00Z",
	"updated_at":"2024-02-10T09:00:00Z","closed_at":"2024-02-10T09:00:00Z"},
	{"id":5002,"number":13,"title":"Add export","state":"open","labels":[],"assignee":null,"milestone":null,
	"pull_request":{"url":"https://api.github.com/repos/acme/api/pulls/13","html_url":"https://github.com/acme/api/pull/13"},
	"created_at":"2024-01-06T09:00:00Z","updated_at":"2024-02-11T09:00:00Z","closed_at":null},
	{"id":5003,"number":14,"title":"Docs","state":"open","labels":[{"name":"docs"}],"milestone":null,
	"created_at":"2024-01-07T09:00:00Z","updated_at":"2024-02-12T09:00:00Z"}]`
	fuzzEvents = `[{"id":9001,"node_id":"MEE_1","event":"added_to_project","actor":{"login":"ana"},"commit_id":null,"created_at":"2024-01-05T09:00:00Z"},
	{"id":9002,"event":"demilestoned","actor":{"login":"ana"},"milestone":{"title":"🚀 v0.9 "},"created_at":"2024-01-06T09:00:00Z"},
	{"id":9003,"event":"milestoned","actor":{"login":"ana"},"milestone":{"title":"v1.0"},"created_at":"2024-01-06T09:00:00Z"},
	{"id":9004,"event":"closed","actor":{"login":"bo"},"commit_id":"6dcb09b5b57875f334f61aebed695e2e4193db5e","created_at":"2024-01-20T09:00:00Z"},
	{"id":9005,"event":"reopened","actor":null,"created_at":"2024-01-21T09:00:00Z"},
	{"id":9006,"event":"labeled","label":{"name":"bug","color":"d73a4a"},"created_at":"2024-01-22T09:00:00Z"},
	{"id":9007,"event":"milestoned","milestone":{"title":"renamed before Runway looked"},"created_at":"2024-01-23T09:00:00Z"},
	{"id":9008,"event":"closed","created_at":"2024-02-10T09:00:00Z"}]`
)

// FuzzDecodeGitHub: whatever GitHub answers for a repository's milestone
// listing, its issue listing and an issue's events, the client decodes
// and the mapper maps into rows, or one of them fails with an error —
// never a panic, and allocating in proportion to what it was sent. Every
// row mapped (rows before an error may have been checkpointed) carries the
// source's name and non-empty natural ids, and once the runner has fitted
// its times (FitDateTimes) every time is one a DateTime column holds.
func FuzzDecodeGitHub(f *testing.F) {
	for _, s := range [][3]string{
		{fuzzMilestones, fuzzIssues, fuzzEvents},
		{`[]`, `[]`, `[]`},
		{`null`, `[{"id":1,"number":1,"updated_at":"2024-01-01T00:00:00Z"}]`, `null`},
		{`[{"id":1,"title":"t","created_at":"0001-01-01T00:00:00Z","due_on":"9999-12-31T23:59:59Z","closed_at":null,"state":"closed"}]`,
			`[{"id":1,"number":1,"state":"closed","created_at":"1969-12-31T23:59:59Z","updated_at":"2106-02-07T06:28:16Z","closed_at":"1900-01-01T00:00:00Z","milestone":{"id":1}}]`,
			`[{"id":1,"event":"demilestoned","milestone":{"title":"t"},"created_at":"1960-01-01T00:00:00Z"}]`},
		{`{}`, `[{"id":1}]`, `[{"id":1,"event":" ","created_at":"2024-01-01T00:00:00Z"}]`},
	} {
		f.Add([]byte(s[0]), []byte(s[1]), []byte(s[2]))
	}
	f.Fuzz(func(t *testing.T, milestones, issues, events []byte) {
		rows, _ := fuzzCollect(t, milestones, issues, events) // rows or an error; the rows written before one are checked too
		collectortest.CheckRows(t, "gh-fuzz", naturalIDs, rows)
	})
}

// TestFuzzGitHubSeed: FuzzDecodeGitHub's main seed collects what the
// payloads hold: two milestones and their snapshots, the two issues (not
// the pull request), and each one's milestone membership replayed from
// the events (served for both: in v0.9 from its creation, then in v1.0;
// the event naming an unknown title is left out).
func TestFuzzGitHubSeed(t *testing.T) {
	rows, err := fuzzCollect(t, []byte(fuzzMilestones), []byte(fuzzIssues), []byte(fuzzEvents))
	if err != nil {
		t.Fatal(err)
	}
	collectortest.CheckRows(t, "gh-fuzz", naturalIDs, rows)
	tables := map[string]int{}
	for _, r := range rows {
		tables[r.Table()]++
	}
	if want := map[string]int{"milestones": 2, "milestone_snapshots": 2, "issues": 2, "membership_events": 6,
		"membership_intervals": 4}; !maps.Equal(tables, want) {
		t.Errorf("rows by table %v, want %v", tables, want)
	}
}

// fuzzCollect decodes and maps a repository's payloads served by the
// fuzzer's bodies as a run does (source.milestones, source.issues): each
// milestone into its row and snapshot, its title observed; each issue of
// the listing but pull requests, with its events, into its rows. It
// returns the rows mapped so far and the first error.
//
// The real client decodes them (httpx's JSON decoding, then the client's
// checks of each item) over the fuzzer's transport. The steps run in turn
// on one goroutine rather than through Collect, which fetches events on
// several: what an input covers then depends on the input alone.
func fuzzCollect(t *testing.T, milestones, issues, events []byte) ([]warehouse.Row, error) {
	t.Helper()
	site := &collectortest.FuzzSite{NotFound: []byte(`{"message":"Not Found"}`), ContentType: "application/json; charset=utf-8", Route: func(path string) []byte {
		switch {
		case strings.HasSuffix(path, "/milestones"):
			return milestones
		case strings.HasSuffix(path, "/events"):
			return events
		case strings.HasSuffix(path, "/issues"):
			return issues
		}
		return nil
	}}
	const repo = "acme/api"
	ctx := context.Background()
	c := client{http: site.Client("https://api.github.test")}
	m := newMapper("gh-fuzz", time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC))
	titles := titleLog{}
	var rows []warehouse.Row
	before := collectortest.HeapAllocBytes()
	defer func() { site.CheckAllocs(t, collectortest.HeapAllocBytes()-before) }()
	p, err := c.milestonesPage(ctx, repo, 1, "")
	if err != nil {
		return rows, err
	}
	for _, ms := range p.items {
		row, snap := m.milestoneRows(ms, repo)
		rows = append(rows, row, snap)
		since := ms.CreatedAt
		if len(titles[row.MilestoneID]) > 0 {
			since = m.now // renamed since it was first seen
		}
		titles.observe(row.MilestoneID, ms.Title, since)
	}
	err = c.issuesSince(ctx, repo, time.Time{}, func(items []issue, _ bool) (time.Time, error) {
		for _, is := range items {
			if is.PullRequest != nil {
				continue
			}
			evs, err := c.events(ctx, repo, is.Number)
			if err != nil {
				return time.Time{}, err
			}
			rows = append(rows, m.issue(is, repo, evs, titles).all()...)
		}
		return time.Time{}, nil
	})
	return rows, err
}

// naturalIDs are the columns that identify a row of each table a source
// writes (its sorting key but source and version): none may be empty or
// "0" (an id GitHub never gives: a missing one).
var naturalIDs = map[string][]string{
	"issues":               {"issue_id", "issue_key", "project"},
	"milestones":           {"milestone_id", "project"},
	"milestone_snapshots":  {"milestone_id", "run_id"},
	"membership_events":    {"kind", "container_id", "issue_id", "event_id"},
	"membership_intervals": {"kind", "container_id", "issue_id"},
}
