package gitlab

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// docsIteration is the "List group iterations" example, its dates and
// state set.
func docsIteration(id, iid int, title string, state int, start, due string) string {
	return fmt.Sprintf(`{"id": %d, "iid": %d, "sequence": 1, "group_id": 5, "title": %q, "description": "Ipsum Lorem ipsum",
    "state": %d, "created_at": "2020-01-27T05:07:12.573Z", "updated_at": "2020-01-27T05:07:12.573Z",
    "due_date": %q, "start_date": %q, "web_url": "http://gitlab.example.com/groups/my-group/-/iterations/%[2]d"}`,
		id, iid, title, state, due, start)
}

// iterationEvent is a "Resource iteration events" item (it has no state,
// unlike a milestone event).
func iterationEvent(id int, created, action, it string) string {
	return fmt.Sprintf(`{"id": %d, "user": {"id": 1, "name": "Administrator", "username": "root"}, "created_at": %q,
    "resource_type": "Issue", "resource_id": 253, "iteration": %s, "action": %q}`, id, created, it, action)
}

// stateEvent is a "Resource state events" item.
func stateEvent(id int, created, state string) string {
	return fmt.Sprintf(`{"id": %d, "user": {"id": 1, "username": "root"}, "created_at": %q, "resource_type": "Issue",
    "resource_id": 11, "state": %q}`, id, created, state)
}

// iterationSite serves group/project (id 16, in group 5) with iterations
// 53 "Iteration II" (2022-02-01 to 02-28, closed) and 54 (the next).
type iterationSite struct {
	fakeGitLab
	iterations []string
	itEvents   map[int][]string
	states     map[int][]string
}

func (f *iterationSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.EscapedPath()
	list := func(items []string) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, "["+strings.Join(items, ",")+"]")
	}
	var iid int
	fmt.Sscanf(strings.TrimPrefix(p, "/projects/16/issues/"), "%d", &iid)
	switch {
	case r.Header.Get("PRIVATE-TOKEN") != "glpat-t0ken":
		f.fakeGitLab.ServeHTTP(w, r)
	case p == "/groups/5/iterations":
		list(f.iterations)
	case strings.HasSuffix(p, "/resource_iteration_events"):
		list(f.itEvents[iid])
	case strings.HasSuffix(p, "/resource_state_events"):
		list(f.states[iid])
	default:
		f.fakeGitLab.ServeHTTP(w, r)
	}
}

// TestIterationSprintHandWorked: iteration 53 runs from 2022-02-01 00:00
// to the end of 02-28 (t1, its completion). #5 joined it on 01-30 and was
// closed on 02-10: committed and completed. #6 joined on 02-05 (added),
// still open when 53 closed, and rolled over to 54 at 02-28 23:59:59 (the
// new iteration's add alone): carried over, not removed. #7 joined on
// 01-31 and left on 02-10 open: committed and removed. So committed 2,
// added 1, removed 1, completed 1, carried over 1: scope change rate
// (1 + 1) / 2 = 1, completion rate 1 / (2 + 1 − 1) = 0.5.
func TestIterationSprintHandWorked(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		it53 := docsIteration(53, 13, "Iteration II", 3, "2022-02-01", "2022-02-28")
		it54 := docsIteration(54, 14, "Iteration III", 2, "2022-03-01", "2022-03-31")
		issue := func(id, iid int, state, created, updated, closed, it string) string {
			return strings.Replace(docsIssue(id, iid, state, created, updated, closed, ""), `"milestone": null`,
				`"milestone": null, "iteration": `+it, 1)
		}
		site := &iterationSite{
			fakeGitLab: fakeGitLab{issues: map[string]string{
				"2022-02-10T10:00:00Z": issue(500, 5, "closed", "2022-01-25T10:00:00Z", "2022-02-10T10:00:00Z", "2022-02-10T10:00:00Z", it53),
				"2022-02-28T23:59:59Z": issue(501, 6, "opened", "2022-02-04T10:00:00Z", "2022-02-28T23:59:59Z", "", it54),
				"2022-02-10T11:00:00Z": issue(502, 7, "opened", "2022-01-30T10:00:00Z", "2022-02-10T11:00:00Z", "", "null"),
			}, events: map[int][]string{}},
			iterations: []string{it53, it54},
			itEvents: map[int][]string{
				5: {iterationEvent(201, "2022-01-30T10:00:00Z", "add", it53)},
				6: {iterationEvent(202, "2022-02-05T10:00:00Z", "add", it53), iterationEvent(203, "2022-02-28T23:59:59Z", "add", it54)},
				7: {iterationEvent(204, "2022-01-31T10:00:00Z", "add", it53), iterationEvent(205, "2022-02-10T11:00:00Z", "remove", it53)},
			},
			states: map[int][]string{5: {stateEvent(301, "2022-02-10T10:00:00Z", "closed")}},
		}
		now := time.Date(2022, 3, 10, 0, 0, 0, 0, time.UTC)
		cfg := config.Source{Name: "gl", Token: "glpat-t0ken", Since: config.Span(365 * 24 * time.Hour),
			Settings: &Config{Projects: []string{"group/project"}, TokenType: TokenPrivate, Iterations: true}}
		h := collectortest.NewHarness(t, SourceType, cfg, site, collectortest.HarnessOptions{Now: now})
		sink := collectortest.NewMemSink(nil)
		if _, err := h.Run(context.Background(), sink); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		byTable := map[string][]warehouse.Row{}
		for _, r := range sink.CommittedRows() {
			byTable[r.Table()] = append(byTable[r.Table()], r)
		}
		for _, rows := range byTable {
			if err := warehouse.InsertMixed(ctx, db, rows); err != nil {
				t.Fatal(err)
			}
		}
		reports, err := analytics.Sprints(ctx, db, analytics.SprintFilter{Source: "gl", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range reports {
			got = append(got, fmt.Sprintf("%s %s %s C%d A%d R%d D%d O%d rate=%s completion=%s", r.ID, r.Name, r.State,
				r.Committed, r.Added, r.Removed, r.Completed, r.CarriedOver, f(r.ScopeChangeRate), f(r.CompletionRate)))
		}
		want := "[54 Iteration III active C1 A0 R0 D0 O1 rate=0 completion=0 53 Iteration II closed C2 A1 R1 D1 O1 rate=1 completion=0.5]"
		if fmt.Sprint(got) != want {
			t.Errorf("sprints:\n got %v\nwant %s", got, want)
		}
	})
}

func f(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}
