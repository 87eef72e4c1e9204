package jira

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// Hand-written payloads in Jira Cloud's shapes.

const sprintFieldID = "customfield_10020"

var testStatuses = []status{
	mkStatus("10000", "To Do", "new"),
	mkStatus("3", "In Progress", "indeterminate"),
	mkStatus("10001", "Done", "done"),
}

func mkStatus(id, name, cat string) status {
	s := status{ID: id, Name: name}
	s.StatusCategory.Key = cat
	return s
}

var testNow = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func testMapper() *mapper {
	return newMapper("acme", sprintFieldID, "customfield_10016", testStatuses, testNow)
}

// hist builds one changelog history.
func hist(id, created string, items ...string) string {
	return fmt.Sprintf(`{"id":%q,"author":{"accountId":"5b10a","displayName":"Ann"},"created":%q,"items":[%s]}`,
		id, created, strings.Join(items, ","))
}

func sprintItem(from, to string) string {
	return fmt.Sprintf(`{"field":"Sprint","fieldtype":"custom","fieldId":%q,"from":%q,"fromString":"names, ignored","to":%q,"toString":"Sprint X"}`,
		sprintFieldID, from, to)
}

func statusItem(fromID, fromName, toID, toName string) string {
	return fmt.Sprintf(`{"field":"status","fieldtype":"jira","fieldId":"status","from":%q,"fromString":%q,"to":%q,"toString":%q}`,
		fromID, fromName, toID, toName)
}

// issueJSON builds an issue as /rest/api/3/search/jql returns it with
// expand=changelog; histories are given oldest first and embedded newest
// first, as Jira does.
func issueJSON(id, key, statusID string, sprints string, histories ...string) string {
	st := testMapper().statuses[statusID]
	rev := make([]string, len(histories))
	for i, h := range histories {
		rev[len(histories)-1-i] = h
	}
	return fmt.Sprintf(`{"expand":"operations,changelog","id":%q,"self":"https://acme.atlassian.net/rest/api/3/issue/%s","key":%q,
 "fields":{"summary":"Do the thing","labels":["api"],
  "status":{"id":%q,"name":%q,"statusCategory":{"id":2,"key":%q,"name":"x"}},
  "issuetype":{"id":"10001","name":"Story","subtask":false,"hierarchyLevel":0},
  "project":{"id":"10000","key":"PLAT","name":"Platform"},
  "created":"2024-01-01T09:00:00.000+0000","updated":"2024-01-20T10:00:00.000+0000","resolutiondate":null,
  "assignee":{"accountId":"5b10a","displayName":"Ann"},
  "parent":{"id":"10100","key":"PLAT-1","fields":{"summary":"Epic","issuetype":{"name":"Epic","hierarchyLevel":1}}},
  "customfield_10016":3,
  %q:%s},
 "changelog":{"startAt":0,"maxResults":%d,"total":%d,"histories":[%s]}}`,
		id, id, key, st.ID, st.Name, st.StatusCategory.Key, sprintFieldID, sprints,
		len(histories), len(histories), strings.Join(rev, ","))
}

func sprintsJSON(ids ...int) string {
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf(`{"id":%d,"name":"Sprint %d","state":"active","boardId":1,"goal":"","startDate":"2024-01-01T00:00:00.000Z","endDate":"2024-01-14T00:00:00.000Z"}`, id, id))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func mapIssue(t *testing.T, js string) issueRows {
	t.Helper()
	is, err := decodeIssue(json.RawMessage(js), 0)
	if err != nil {
		t.Fatalf("decodeIssue: %v", err)
	}
	rows, err := testMapper().issue(is)
	if err != nil {
		t.Fatalf("map: %v", err)
	}
	return rows
}

func ts(s string) time.Time {
	t, err := parseTime(s)
	if err != nil {
		panic(err)
	}
	return t
}

// event is a compact membership event for comparisons.
type event struct{ sprint, id, action, at string }

func events(rows issueRows) []event {
	var out []event
	for _, e := range rows.Events {
		out = append(out, event{e.ContainerID, e.EventID, e.Action, e.At.Format(time.RFC3339)})
	}
	return out
}

// interval is a compact membership interval for comparisons.
type interval struct {
	sprint, entered, exited string
	done                    uint8
}

func intervals(rows issueRows) []interval {
	var out []interval
	for _, iv := range rows.Intervals {
		x := interval{iv.ContainerID, iv.Entered.Format(time.RFC3339), "", iv.DoneAtLeaving}
		if iv.Exited != nil {
			x.exited = iv.Exited.Format(time.RFC3339)
		}
		out = append(out, x)
	}
	return out
}

func check[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

const (
	created = "2024-01-01T09:00:00Z"
	h1      = "2024-01-05T10:00:00.000+0000"
	h2      = "2024-01-08T10:00:00.000+0000"
	h3      = "2024-01-10T10:00:00.000+0000"
)

func rfc(s string) string { return ts(s).Format(time.RFC3339) }

func TestMapIssueFields(t *testing.T) {
	rows := mapIssue(t, issueJSON("10005", "PLAT-5", "3", sprintsJSON(7)))
	want := warehouse.IssueRow{
		Source: "acme", IssueID: "10005", Key: "PLAT-5", Project: "PLAT", Type: "Story",
		Summary: "Do the thing", Status: "In Progress", StatusCategory: "indeterminate", Epic: "PLAT-1",
		Assignee: "Ann", Points: new(3.0), Created: ts(created), Updated: ts("2024-01-20T10:00:00Z"),
		SprintIDs: []string{"7"}, MilestoneIDs: []string{}, Labels: []string{"api"},
		Version: uint64(testNow.UnixNano()),
	}
	check(t, "issue row", rows.Issue, want)
	// Created straight into a running sprint: one "added" at creation.
	check(t, "events", events(rows), []event{{"7", "initial:7", "added", created}})
	check(t, "intervals", intervals(rows), []interval{{"7", created, "", 0}})
	for _, iv := range rows.Intervals {
		if iv.Points == nil || *iv.Points != 3 || iv.Kind != "sprint" || iv.IssueID != "10005" {
			t.Errorf("interval %+v: want kind sprint, issue 10005, points 3", iv)
		}
	}
	check(t, "status changes", len(rows.StatusChanges), 1)
	sc := rows.StatusChanges[0]
	if sc.EventID != "initial" || sc.ToStatus != "In Progress" || sc.ToCategory != "indeterminate" || !sc.At.Equal(ts(created)) {
		t.Errorf("initial status change = %+v", sc)
	}
}

func TestMapInitialSprintFromFirstItem(t *testing.T) {
	// Created in sprint 3 (no changelog item for that), moved to 5 later.
	rows := mapIssue(t, issueJSON("1", "PLAT-2", "10000", sprintsJSON(5),
		hist("200", h1, sprintItem("3", "5"))))
	check(t, "events", events(rows), []event{
		{"3", "initial:3", "added", created},
		{"5", "200:0:5", "added", rfc(h1)},
		{"3", "200:0:3", "removed", rfc(h1)},
	})
	check(t, "intervals", intervals(rows), []interval{
		{"3", created, rfc(h1), 0},
		{"5", rfc(h1), "", 0},
	})
	check(t, "sprint ids", rows.Issue.SprintIDs, []string{"5"})
}

func TestMapCarryOverKeepsClosedSprint(t *testing.T) {
	// Sprint 3 completes with the issue unfinished: Jira keeps 3 in the
	// field and adds 4. The issue never left sprint 3.
	rows := mapIssue(t, issueJSON("1", "PLAT-3", "3", sprintsJSON(3, 4),
		hist("300", h1, sprintItem("", "3")),
		hist("301", h2, sprintItem("3", "3, 4"))))
	check(t, "events", events(rows), []event{
		{"3", "300:0:3", "added", rfc(h1)},
		{"4", "301:0:4", "added", rfc(h2)},
	})
	check(t, "intervals", intervals(rows), []interval{
		{"3", rfc(h1), "", 0},
		{"4", rfc(h2), "", 0},
	})
}

func TestMapRemovedThenReadded(t *testing.T) {
	rows := mapIssue(t, issueJSON("1", "PLAT-4", "10000", sprintsJSON(3),
		hist("400", h1, sprintItem("", "3")),
		hist("401", h2, sprintItem("3", "")),
		hist("402", h3, sprintItem("", "3"))))
	check(t, "events", events(rows), []event{
		{"3", "400:0:3", "added", rfc(h1)},
		{"3", "401:0:3", "removed", rfc(h2)},
		{"3", "402:0:3", "added", rfc(h3)},
	})
	check(t, "intervals", intervals(rows), []interval{
		{"3", rfc(h1), rfc(h2), 0},
		{"3", rfc(h3), "", 0},
	})
}

func TestMapDoneAtLeaving(t *testing.T) {
	// Moved to Done and out of sprint 3 in the same change (status first at
	// the same instant), then from Done to In Progress, then out of 4 and back in
	// progress: not done at leaving.
	rows := mapIssue(t, issueJSON("1", "PLAT-6", "3", sprintsJSON(),
		hist("600", h1, sprintItem("3", "3, 4")),
		hist("601", h2, sprintItem("3, 4", "4"), statusItem("10000", "To Do", "10001", "Done")),
		hist("602", h3, statusItem("10001", "Done", "3", "In Progress"), sprintItem("4", ""))))
	check(t, "intervals", intervals(rows), []interval{
		{"3", created, rfc(h2), 1},
		{"4", rfc(h1), rfc(h3), 0},
	})
	var got []string
	for _, sc := range rows.StatusChanges {
		got = append(got, fmt.Sprintf("%s %s %s>%s %s>%s", sc.EventID, sc.At.Format(time.RFC3339),
			sc.FromStatus, sc.ToStatus, sc.FromCategory, sc.ToCategory))
	}
	check(t, "status changes", got, []string{
		"initial " + created + " >To Do >new",
		"601:1 " + rfc(h2) + " To Do>Done new>done",
		"602:0 " + rfc(h3) + " Done>In Progress done>indeterminate",
	})
}

func TestMapDoneAtLeavingUsesStatusAtThatInstant(t *testing.T) {
	// Done before the removal, in an earlier change.
	rows := mapIssue(t, issueJSON("1", "PLAT-7", "10001", sprintsJSON(),
		hist("700", h1, sprintItem("", "3")),
		hist("701", h2, statusItem("10000", "To Do", "10001", "Done")),
		hist("702", h3, sprintItem("3", ""))))
	check(t, "intervals", intervals(rows), []interval{{"3", rfc(h1), rfc(h3), 1}})
}

func TestMapTruncatedChangelogMerge(t *testing.T) {
	all := []string{
		hist("800", h1, sprintItem("3", "3, 4")),
		hist("801", "2024-01-06T10:00:00.000+0000", statusItem("10000", "To Do", "3", "In Progress")),
		hist("802", h2, sprintItem("3, 4", "4")),
		hist("803", "2024-01-09T10:00:00.000+0000", statusItem("3", "In Progress", "10001", "Done")),
		hist("804", h3, sprintItem("4", "4, 5")),
	}
	js := issueJSON("1", "PLAT-8", "10001", sprintsJSON(4, 5), all...)
	is, err := decodeIssue(json.RawMessage(js), 0)
	if err != nil {
		t.Fatal(err)
	}
	// Jira embeds only the newest histories: keep 804 and 803 (newest first).
	is.Changelog.Histories = is.Changelog.Histories[:2]
	is.Changelog.MaxResults = 2
	if !is.Changelog.incomplete() {
		t.Fatal("changelog with total 5 and 2 histories should be incomplete")
	}
	// The changelog endpoint returns all of them oldest first.
	var full []history
	for _, h := range all {
		var x history
		if err := json.Unmarshal([]byte(h), &x); err != nil {
			t.Fatal(err)
		}
		full = append(full, x)
	}
	is.Changelog.Histories = mergeHistories(is.Changelog.Histories, full)
	check(t, "merged", len(is.Changelog.Histories), 5)
	rows, err := testMapper().issue(is)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "events", events(rows), []event{
		{"3", "initial:3", "added", created},
		{"4", "800:0:4", "added", rfc(h1)},
		{"3", "802:0:3", "removed", rfc(h2)},
		{"5", "804:0:5", "added", rfc(h3)},
	})
	check(t, "intervals", intervals(rows), []interval{
		{"3", created, rfc(h2), 0},
		{"4", rfc(h1), "", 0},
		{"5", rfc(h3), "", 0},
	})
	check(t, "status changes", len(rows.StatusChanges), 3)
	check(t, "initial status", rows.StatusChanges[0].ToStatus, "To Do")
}

func TestMapHistoriesSameInstantOrderedByID(t *testing.T) {
	// Same created time: id order (as numbers: 99 < 100) decides.
	rows := mapIssue(t, issueJSON("1", "PLAT-9", "10000", sprintsJSON(),
		hist("100", h1, sprintItem("3", "")),
		hist("99", h1, sprintItem("", "3"))))
	check(t, "events", events(rows), []event{
		{"3", "99:0:3", "added", rfc(h1)},
		{"3", "100:0:3", "removed", rfc(h1)},
	})
}

func TestMapErrors(t *testing.T) {
	good := issueJSON("1", "PLAT-1", "3", sprintsJSON(3), hist("10", h1, sprintItem("", "3")))
	cases := []struct {
		name, js, want string
	}{
		{"missing created", strings.Replace(good, `"created":"2024-01-01T09:00:00.000+0000",`, "", 1), "PLAT-1: field created: missing"},
		{"bad created", strings.Replace(good, `"created":"2024-01-01T09:00:00.000+0000"`, `"created":"yesterday"`, 1), "PLAT-1: field created: bad time"},
		{"created wrong type", strings.Replace(good, `"created":"2024-01-01T09:00:00.000+0000"`, `"created":17`, 1), "PLAT-1: field created"},
		{"issue id wrong type", strings.Replace(good, `"id":"1"`, `"id":1`, 1), "issue PLAT-1:"},
		{"missing key", strings.Replace(good, `"key":"PLAT-1",`, "", 1), "issue id 1: missing key"},
		{"missing id", strings.Replace(good, `"id":"1",`, "", 1), "issue PLAT-1: missing id"},
		{"history created missing", strings.Replace(good, `"created":"`+h1+`"`, `"created":""`, 1), "PLAT-1: changelog history 10: missing created"},
		{"history created wrong type", strings.Replace(good, `"created":"`+h1+`"`, `"created":5`, 1), "issue PLAT-1:"},
		{"sprint id wrong type", strings.Replace(good, `{"id":3,`, `{"id":"three",`, 1), "PLAT-1: field customfield_10020 (Sprint): sprint #0"},
		{"sprint id missing", strings.Replace(good, `{"id":3,`, `{`, 1), "PLAT-1: field customfield_10020 (Sprint): sprint #0: missing id"},
		{"sprint names in changelog", strings.Replace(good, `"to":"3"`, `"to":"Sprint 3"`, 1), `PLAT-1: changelog history 10 item 0 (Sprint): to: bad sprint id "Sprint 3"`},
		{"fields wrong type", strings.Replace(good, `"summary":"Do the thing"`, `"summary":{"a":1}`, 1), "PLAT-1: field summary"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.js == good {
				t.Fatal("replacement did not apply")
			}
			is, err := decodeIssue(json.RawMessage(c.js), 0)
			if err == nil {
				_, err = testMapper().issue(is)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestParseSprintField(t *testing.T) {
	ids, err := parseSprintField(json.RawMessage(`["com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id=12,rapidViewId=3,state=CLOSED,name=S 1]", {"id": 13}]`))
	check(t, "ids", ids, []string{"12", "13"})
	check(t, "err", err, error(nil))
	ids, err = parseSprintField(json.RawMessage(`null`))
	if ids != nil || err != nil {
		t.Errorf("null: %v %v", ids, err)
	}
	if _, err := parseSprintField(json.RawMessage(`{"id":3}`)); err == nil {
		t.Error("an object instead of an array should fail")
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)
	for _, s := range []string{"2024-01-15T09:00:00.000+0000", "2024-01-15T10:00:00.000+0100",
		"2024-01-15T09:00:00Z", "2024-01-15T19:00:00+10:00", "2024-01-15T09:00:00+0000", "2024-01-15T09:00:00.000Z"} {
		got, err := parseTime(s)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseTime(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := parseTime("15/01/2024"); err == nil {
		t.Error("want an error for a non-Jira time")
	}
}

func TestDiscoverFields(t *testing.T) {
	var fs []field
	if err := json.Unmarshal([]byte(`[
	 {"id":"summary","name":"Summary","custom":false,"schema":{"type":"string","system":"summary"}},
	 {"id":"customfield_10028","name":"Story Points","custom":true,"schema":{"type":"number","custom":"com.atlassian.jira.plugin.system.customfieldtypes:float","customId":10028}},
	 {"id":"customfield_10020","name":"Sprint","custom":true,"schema":{"type":"array","items":"json","custom":"com.pyxis.greenhopper.jira:gh-sprint","customId":10020}},
	 {"id":"customfield_10016","name":"Story point estimate","custom":true,"schema":{"type":"number","custom":"com.pyxis.greenhopper.jira:jsw-story-points","customId":10016}}
	]`), &fs); err != nil {
		t.Fatal(err)
	}
	sp, pts := discoverFields(fs, "")
	check(t, "sprint, points", [2]string{sp, pts}, [2]string{"customfield_10020", "customfield_10016"})
	_, pts = discoverFields(fs, "customfield_99")
	check(t, "configured points", pts, "customfield_99")
	_, pts = discoverFields(fs[:2], "")
	check(t, "points by name", pts, "customfield_10028")
	sp, _ = discoverFields(fs[:1], "")
	check(t, "no sprint field", sp, "")
}

func TestMapSprintRow(t *testing.T) {
	var sp sprint
	if err := json.Unmarshal([]byte(`{"id":37,"self":"https://acme.atlassian.net/rest/agile/1.0/sprint/37","state":"closed","name":"Sprint 7",
	 "startDate":"2024-01-01T09:00:00.000Z","endDate":"2024-01-15T09:00:00.000Z","completeDate":"2024-01-15T11:00:00.000Z",
	 "activatedDate":"2024-01-01T10:00:00.000Z","originBoardId":5,"goal":"Ship"}`), &sp); err != nil {
		t.Fatal(err)
	}
	r, err := testMapper().sprintRow(sp, 9)
	if err != nil {
		t.Fatal(err)
	}
	if r.SprintID != "37" || r.BoardID != "5" || r.State != "closed" || r.Goal != "Ship" || r.CarryOverGrace != 60 ||
		!r.Activated.Equal(time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)) ||
		!r.Complete.Equal(time.Date(2024, 1, 15, 11, 0, 0, 0, time.UTC)) || r.Start == nil || r.End == nil {
		t.Errorf("sprint row = %+v", r)
	}
	sp.OriginBoardID = 0
	sp.StartDate, sp.ActivatedDate = "", ""
	r, _ = testMapper().sprintRow(sp, 9)
	if r.BoardID != "9" || r.Start != nil || r.Activated != nil {
		t.Errorf("future sprint row = %+v", r)
	}
	if _, err := testMapper().sprintRow(sprint{Name: "x"}, 9); err == nil {
		t.Error("want an error for a sprint without id")
	}
	// States are stored in Runway's vocabulary, whatever the case.
	sp.State = "CLOSED"
	if r, err := testMapper().sprintRow(sp, 9); err != nil || r.State != "closed" {
		t.Errorf("state CLOSED: row %+v, %v", r, err)
	}
	sp.State = "paused"
	if _, err := testMapper().sprintRow(sp, 9); err == nil || !strings.Contains(err.Error(), `state "paused"`) {
		t.Errorf("state paused: want an error naming it, got %v", err)
	}
}

func pointsItem(from, to string) string {
	return `{"field":"Story point estimate","fieldtype":"custom","fieldId":"customfield_10016","from":null,"fromString":"` +
		from + `","to":null,"toString":"` + to + `"}`
}

// TestMapPointsHistory: the estimate at creation is the first change's
// `from`; every change is a row; intervals carry the estimate when the
// issue entered, not today's (3 now, after 5 → 8 → 3 re-estimates).
func TestMapPointsHistory(t *testing.T) {
	rows := mapIssue(t, issueJSON("1", "PLAT-7", "3", sprintsJSON(4),
		hist("700", h1, sprintItem("", "3"), pointsItem("5", "8")),
		hist("701", h2, sprintItem("3", "3, 4")),
		hist("702", h3, pointsItem("8", ""), statusItem("10000", "To Do", "3", "In Progress")),
		hist("703", "2024-01-11T10:00:00.000+0000", pointsItem("", "3"))))
	type pc struct {
		ev, at string
		pts    any
	}
	var got []pc
	for _, r := range rows.PointsChanges {
		var v any = "none"
		if r.Points != nil {
			v = *r.Points
		}
		got = append(got, pc{r.EventID, r.At.Format(time.RFC3339), v})
	}
	check(t, "points changes", got, []pc{{"initial", created, 5.0}, {"700:1", rfc(h1), 8.0},
		{"702:0", rfc(h3), "none"}, {"703:0", rfc("2024-01-11T10:00:00.000+0000"), 3.0}})
	var ivPts []float64
	for _, iv := range rows.Intervals {
		ivPts = append(ivPts, *iv.Points)
	}
	// Sprint 3 entered at h1 (the same change re-estimated 5 → 8: entry
	// reads the history at that instant, 8), sprint 4 at h2 (8).
	check(t, "interval points", ivPts, []float64{8, 8})
	// seq follows the changelog: history 700 item 1, then 702 item 0
	// (points), then 702 item 1 (status).
	seqs := []uint64{rows.PointsChanges[1].Seq, rows.PointsChanges[2].Seq, rows.StatusChanges[1].Seq}
	if !(seqs[0] < seqs[1] && seqs[1] < seqs[2]) {
		t.Errorf("seq %v: want changelog order", seqs)
	}
}
