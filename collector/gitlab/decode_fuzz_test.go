package gitlab

import (
	"context"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// The shapes GitLab sends (docs.gitlab.com/ee/api): a project milestone
// and a group one (group_id set, project_id null); iterations with a
// numeric state (older GitLab) and a named one, one whose due_date is
// before its start_date; issues with a group milestone and an iteration,
// and one without either; resource milestone and iteration events adding
// and removing, with the issue's state; resource state events closing and
// reopening.
var (
	fuzzGLMilestones = `[{"id":12,"iid":3,"project_id":7,"group_id":null,"title":"v1.0","description":"Version","state":"active",
	"created_at":"2024-01-02T10:00:00.000Z","updated_at":"2024-02-01T10:00:00.000Z","due_date":"2024-03-01","start_date":"2024-01-15",
	"expired":false,"web_url":"https://gitlab.example.com/grp/proj/-/milestones/3"},
	{"id":887728,"iid":12,"group_id":3,"title":"19.12","description":"","state":"closed","created_at":"2019-05-27T20:04:12.296Z",
	"updated_at":"2019-07-02T12:33:12.786Z","due_date":"2019-07-02","start_date":"2019-06-18","expired":true,
	"web_url":"https://gitlab.example.com/groups/grp/-/milestones/12"}]`
	fuzzGLIterations = `[{"id":53,"iid":13,"sequence":1,"group_id":3,"title":"Iteration II","description":"Ipsum","state":2,
	"created_at":"2020-01-27T05:07:12.573Z","updated_at":"2020-01-27T05:07:12.573Z","due_date":"2020-02-01","start_date":"2020-02-14",
	"web_url":"http://gitlab.example.com/groups/grp/-/iterations/13"},
	{"id":54,"iid":14,"group_id":3,"title":null,"state":"closed","due_date":"2024-01-14","start_date":"2024-01-01"},
	{"id":55,"iid":15,"group_id":3,"title":"Next","state":"upcoming","due_date":"2024-01-28","start_date":"2024-01-15"}]`
	fuzzGLIssues = `[{"id":22097949,"iid":1,"project_id":7,"title":"Add documentation","description":"","state":"closed",
	"created_at":"2019-06-20T15:04:58.946Z","updated_at":"2019-06-28T14:32:05.434Z","closed_at":"2019-06-28T14:32:05.376Z",
	"closed_by":{"id":1,"username":"root"},"labels":["docs","team::data"],"milestone":{"id":887728,"iid":12,"group_id":3,
	"title":"19.12","state":"closed","due_date":"2019-07-02","start_date":"2019-06-18"},"iteration":{"id":54,"iid":14,"group_id":3,
	"state":3,"start_date":"2024-01-01","due_date":"2024-01-14"},"assignees":[{"id":2,"username":"emilie","state":"active"}],
	"author":{"id":2,"username":"emilie"},"type":"ISSUE","issue_type":"issue","weight":null,"web_url":"https://gitlab.example.com/grp/proj/-/issues/1"},
	{"id":22097950,"iid":2,"project_id":7,"title":"Incident","state":"opened","created_at":"2024-01-03T09:00:00Z",
	"updated_at":"2024-01-20T09:00:00Z","closed_at":null,"labels":[],"milestone":null,"iteration":null,"assignees":[],
	"issue_type":"incident"}]`
	fuzzGLEvents = `[{"id":142,"user":{"id":1,"name":"Administrator","username":"root","state":"active"},
	"created_at":"2024-01-02T06:51:04.801Z","resource_type":"Issue","resource_id":11,
	"milestone":{"id":12,"iid":3,"project_id":7,"title":"v1.0","state":"active"},
	"iteration":{"id":53,"iid":13,"group_id":3,"title":"Iteration II","state":1,"start_date":"2020-02-14","due_date":"2020-02-01"},
	"action":"add","state":"opened"},
	{"id":143,"user":null,"created_at":"2024-01-09T06:51:04.801Z","resource_type":"Issue","resource_id":11,
	"milestone":{"id":887728},"iteration":{"id":54},"action":"add","state":"opened"},
	{"id":144,"created_at":"2024-01-14T23:59:59Z","milestone":{"id":887728},"iteration":{"id":54},"action":"remove","state":"closed"},
	{"id":145,"created_at":"2024-01-15T00:00:30Z","milestone":null,"iteration":{"id":55},"action":"add"}]`
	fuzzGLStates = `[{"id":201,"user":{"id":1,"username":"root"},"created_at":"2024-01-10T09:00:00Z","resource_type":"Issue",
	"resource_id":11,"state":"closed"},
	{"id":202,"created_at":"2024-01-11T09:00:00Z","state":"reopened"},
	{"id":203,"created_at":"2024-01-14T09:00:00Z","state":"closed"}]`
)

// FuzzDecodeGitLab: whatever GitLab answers for a group's iterations, a
// project's milestones (its own and its group's), its issues and an
// issue's resource milestone, iteration and state events, the client
// decodes and the mapper maps into rows, or one of them fails with an
// error — never a panic, and allocating in proportion to what it was
// sent. Every row mapped (rows before an error may have been
// checkpointed) carries the source's name and non-empty natural ids, and
// once the runner has fitted its times (FitDateTimes) every time is one a
// DateTime column holds.
func FuzzDecodeGitLab(f *testing.F) {
	for _, s := range [][5]string{
		{fuzzGLMilestones, fuzzGLIterations, fuzzGLIssues, fuzzGLEvents, fuzzGLStates},
		{`[]`, `[]`, `[]`, `[]`, `[]`},
		{`null`, `null`, `[{"id":1,"iid":1,"updated_at":"2024-01-01T00:00:00Z"}]`, `null`, `null`},
		{`[{"id":1,"title":"t","state":"closed","created_at":"0001-01-01T00:00:00Z","updated_at":"2200-01-01T00:00:00Z","due_date":"0202-03-01","start_date":"9999-12-31"}]`,
			`[{"id":1,"group_id":3,"state":4,"start_date":"2024-02-30","due_date":""}]`,
			`[{"id":1,"iid":1,"state":"closed","created_at":"1969-12-31T23:59:59Z","updated_at":"2106-02-07T06:28:16Z","closed_at":"1900-01-01T00:00:00Z","milestone":{"id":1},"iteration":{"id":1}}]`,
			`[{"id":1,"action":"remove","milestone":{"id":1},"iteration":{"id":1},"created_at":"1960-01-01T00:00:00Z","state":"closed"}]`,
			`[{"id":1,"state":"closed","created_at":"2107-01-01T00:00:00Z"}]`},
		{`{}`, `[{"id":1,"group_id":0,"state":"current","start_date":"2024-01-01","due_date":"2024-01-14"}]`, `[{"id":1}]`,
			`[{"id":1,"action":"add","created_at":"2024-01-01T00:00:00Z"}]`, `[{"id":1,"created_at":"2024-01-01T00:00:00Z"}]`},
	} {
		f.Add([]byte(s[0]), []byte(s[1]), []byte(s[2]), []byte(s[3]), []byte(s[4]))
	}
	f.Fuzz(func(t *testing.T, milestones, iterations, issues, events, states []byte) {
		rows, _ := fuzzCollect(t, milestones, iterations, issues, events, states) // rows or an error; the rows before one are checked too
		collectortest.CheckRows(t, "gl-fuzz", naturalIDs, rows)
	})
}

// TestFuzzGitLabSeed: FuzzDecodeGitLab's main seed collects what the
// payloads hold: the three iterations as sprints of the group's board,
// both milestones and their snapshots, both issues with their milestone
// and iteration membership replayed from the events (served for both) and
// their state changes.
func TestFuzzGitLabSeed(t *testing.T) {
	rows, err := fuzzCollect(t, []byte(fuzzGLMilestones), []byte(fuzzGLIterations), []byte(fuzzGLIssues),
		[]byte(fuzzGLEvents), []byte(fuzzGLStates))
	if err != nil {
		t.Fatal(err)
	}
	collectortest.CheckRows(t, "gl-fuzz", naturalIDs, rows)
	tables := map[string]int{}
	for _, r := range rows {
		tables[r.Table()]++
	}
	if want := map[string]int{"boards": 3, "sprints": 3, "milestones": 2, "milestone_snapshots": 2, "issues": 2,
		"membership_events": 18, "membership_intervals": 10, "issue_status_changes": 6}; !maps.Equal(tables, want) {
		t.Errorf("rows by table %v, want %v", tables, want)
	}
}

// fuzzCollect decodes and maps a GitLab project's payloads, served by the
// fuzzer's bodies, as a run does (source.iterations, collectProject,
// issues, with iterations): the group's iterations into its board and
// sprints; each milestone into its row and snapshot under its project or
// group; each issue, with its milestone events (events), iteration events
// (events too) and state events (states), into its rows. Groups are
// looked up as the source does (any group but 0 exists). It returns the
// rows mapped so far and the first error.
//
// The real client decodes them (httpx's JSON decoding, then the client's
// checks of each item) over the fuzzer's transport. The steps run in turn
// on one goroutine rather than through Collect, which fetches events on
// several: what an input covers then depends on the input alone.
func fuzzCollect(t *testing.T, milestones, iterations, issues, events, states []byte) ([]warehouse.Row, error) {
	t.Helper()
	site := &collectortest.FuzzSite{NotFound: []byte(`{"message":"404 Not Found"}`), ContentType: "", Route: func(path string) []byte {
		switch {
		case path == "/api/v4/groups/3/iterations":
			return iterations
		case path == "/api/v4/projects/7/milestones":
			return milestones
		case path == "/api/v4/projects/7/issues":
			return issues
		case strings.HasSuffix(path, "/"+eventsMilestone), strings.HasSuffix(path, "/"+eventsIteration):
			return events
		case strings.HasSuffix(path, "/"+eventsState):
			return states
		case strings.HasPrefix(path, "/api/v4/groups/"):
			if id, err := strconv.ParseInt(strings.TrimPrefix(path, "/api/v4/groups/"), 10, 64); err == nil && id != 0 {
				return []byte(`{"id":` + strconv.FormatInt(id, 10) + `,"full_path":"grp/sub` + strconv.FormatInt(id, 10) + `"}`)
			}
		}
		return nil
	}}
	ctx := context.Background()
	s := &source{api: client{http: site.Client("https://gitlab.example.test/api/v4")}}
	m := newMapper("gl-fuzz", time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC))
	p := project{ID: 7, PathWithNamespace: "grp/proj"}
	p.Namespace.ID, p.Namespace.FullPath, p.Namespace.Kind = 3, "grp", "group"
	paths := map[int64]string{}
	var rows []warehouse.Row
	before := collectortest.HeapAllocBytes()
	defer func() { site.CheckAllocs(t, collectortest.HeapAllocBytes()-before) }()

	its, err := s.api.iterations(ctx, p.Namespace.ID)
	if err != nil {
		return rows, err
	}
	for _, it := range its {
		path, err := s.groupPath(ctx, it.GroupID, paths)
		if err != nil {
			return rows, err
		}
		board, sprint, err := m.sprintRows(it, path)
		if err != nil {
			return rows, err
		}
		rows = append(rows, board, sprint)
	}
	ms, err := s.api.milestones(ctx, p)
	if err != nil {
		return rows, err
	}
	for _, x := range ms {
		owner := p.PathWithNamespace
		if x.GroupID != nil {
			if owner, err = s.groupPath(ctx, *x.GroupID, paths); err != nil {
				return rows, err
			}
		}
		row, snap, err := m.milestoneRows(x, owner)
		if err != nil {
			return rows, err
		}
		rows = append(rows, row, snap)
	}
	err = s.api.issuesSince(ctx, p, time.Time{}, func(page []issue) (time.Time, error) {
		for _, is := range page {
			evs, err := s.api.events(ctx, p, is.IID, eventsMilestone)
			if err != nil {
				return time.Time{}, err
			}
			its := &issueIterations{}
			if its.events, err = s.api.events(ctx, p, is.IID, eventsIteration); err != nil {
				return time.Time{}, err
			}
			if its.states, err = s.api.events(ctx, p, is.IID, eventsState); err != nil {
				return time.Time{}, err
			}
			rows = append(rows, m.issue(is, p.PathWithNamespace, evs, its)...)
		}
		return time.Time{}, nil
	})
	return rows, err
}

// naturalIDs are the columns that identify a row of each table the source
// writes (its sorting key but source and version): none may be empty or
// "0" (an id GitLab never gives: a missing one).
var naturalIDs = map[string][]string{
	"boards":               {"board_id"},
	"sprints":              {"sprint_id", "board_id"},
	"issues":               {"issue_id", "issue_key", "project"},
	"issue_status_changes": {"issue_id", "event_id"},
	"milestones":           {"milestone_id", "project"},
	"milestone_snapshots":  {"milestone_id", "run_id"},
	"membership_events":    {"kind", "container_id", "issue_id", "event_id"},
	"membership_intervals": {"kind", "container_id", "issue_id"},
}
