package jira

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// fixVersionItem is a Fix Version changelog item as Jira Cloud writes it
// (fixtures row 28): one version per item, the other side null.
func fixVersionItem(fromID, toID string) string {
	q := func(s string) string {
		if s == "" {
			return "null"
		}
		b, _ := json.Marshal(s)
		return string(b)
	}
	return `{"field":"Fix Version","fieldtype":"jira","fieldId":"fixVersions","from":` + q(fromID) +
		`,"fromString":` + q(fromID) + `,"to":` + q(toID) + `,"toString":` + q(toID) + `}`
}

// withFixVersions sets the issue's current fixVersions field.
func withFixVersions(js string, ids ...string) string {
	var vs []string
	for _, id := range ids {
		vs = append(vs, `{"self":"https://acme.atlassian.net/rest/api/3/version/`+id+`","id":"`+id+`","name":"v`+id+`","archived":false,"released":false}`)
	}
	return strings.Replace(js, `"labels":["api"],`, `"labels":["api"],"fixVersions":[`+strings.Join(vs, ",")+`],`, 1)
}

// milestoneIntervals are the fix-version stays among rows.Intervals.
func milestoneIntervals(rows issueRows) []interval {
	all := intervals(rows)
	var out []interval
	for i, iv := range rows.Intervals {
		if iv.Kind == warehouse.ContainerMilestone {
			out = append(out, all[i])
		}
	}
	return out
}

func TestMapFixVersionMembership(t *testing.T) {
	const (
		a = "2024-01-02T09:00:00.000+0000"
		b = "2024-01-03T09:00:00.000+0000"
		c = "2024-01-04T09:00:00.000+0000"
		d = "2024-01-05T09:00:00.000+0000"
		e = "2024-01-06T09:00:00.000+0000"
	)
	t.Run("EE-17: added, removed, added, swapped, removed; none at the end", func(t *testing.T) {
		rows := mapIssue(t, withFixVersions(issueJSON("1", "PLAT-1", "3", "null",
			hist("100", a, fixVersionItem("", "10008")),
			hist("101", b, fixVersionItem("10008", "")),
			hist("102", c, fixVersionItem("", "10008")),
			hist("103", d, fixVersionItem("10008", ""), fixVersionItem("", "10023")),
			hist("104", e, fixVersionItem("10023", "")))))
		check(t, "intervals", milestoneIntervals(rows), []interval{
			{"10008", rfc(a), rfc(b), 0},
			{"10008", rfc(c), rfc(d), 0},
			{"10023", rfc(d), rfc(e), 0},
		})
		check(t, "milestone ids", rows.Issue.MilestoneIDs, []string{})
	})
	t.Run("set at creation, no item; and in two versions at once", func(t *testing.T) {
		rows := mapIssue(t, withFixVersions(issueJSON("2", "PLAT-2", "3", "null",
			hist("200", b, fixVersionItem("", "10030"))), "10014", "10030"))
		check(t, "intervals", milestoneIntervals(rows), []interval{
			{"10014", created, "", 0},
			{"10030", rfc(b), "", 0},
		})
		check(t, "milestone ids", rows.Issue.MilestoneIDs, []string{"10014", "10030"})
		var initial int
		for _, ev := range rows.Events {
			if ev.Kind == warehouse.ContainerMilestone && ev.EventID == "initial:10014" {
				initial++
			}
		}
		check(t, "initial events", initial, 1)
	})
	t.Run("a version without id is an error naming the field", func(t *testing.T) {
		js := strings.Replace(issueJSON("3", "PLAT-3", "3", "null"), `"labels":["api"],`, `"labels":["api"],"fixVersions":[{"name":"x"}],`, 1)
		is, err := decodeIssue(json.RawMessage(js), 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := testMapper().issue(is); err == nil || !strings.Contains(err.Error(), "fixVersions") {
			t.Errorf("want an error naming fixVersions, got %v", err)
		}
	})
}

func TestMapVersion(t *testing.T) {
	day := func(s string) *time.Time {
		d, _ := time.Parse(time.DateOnly, s)
		return &d
	}
	eod := func(s string) *time.Time { d := day(s).Add(24*time.Hour - time.Second); return &d }
	for _, tc := range []struct {
		name, js   string
		state      string
		start, due *time.Time
		closed     *time.Time
		open, done int64
		archived   uint8
		err        string
	}{
		{name: "released on its date", js: `{"id":"1","name":"New Version 1","archived":false,"released":true,"releaseDate":"2010-07-06","overdue":true,"userReleaseDate":"6/Jul/2010","projectId":1}`,
			state: "closed", due: eod("2010-07-06"), closed: eod("2010-07-06")},
		{name: "open with counts", js: `{"id":"2","name":"Next Version","archived":false,"released":false,"overdue":false,"projectId":1,"startDate":"2010-06-01","releaseDate":"2099-01-31","issuesStatusForFixVersion":{"unmapped":1,"toDo":10,"inProgress":20,"done":100}}`,
			state: "open", start: day("2010-06-01"), due: eod("2099-01-31"), open: 31, done: 100},
		{name: "no dates", js: `{"id":"3","name":"Someday","released":false}`, state: "open"},
		{name: "released without a date", js: `{"id":"4","name":"Shipped","released":true}`, state: "closed"},
		{name: "archived", js: `{"id":"5","name":"Dropped","archived":true,"released":false,"releaseDate":"2011-01-01"}`,
			state: "open", due: eod("2011-01-01"), archived: 1},
		{name: "bad date", js: `{"id":"6","name":"x","releaseDate":"6/Jul/2010"}`, err: `version 6: releaseDate: bad date "6/Jul/2010"`},
	} {
		var v version
		if err := json.Unmarshal([]byte(tc.js), &v); err != nil {
			t.Fatal(err)
		}
		row, snap, err := testMapper().milestoneRows(v, "PLAT", "https://acme.atlassian.net/")
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: want error %q, got %v", tc.name, tc.err, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want := warehouse.MilestoneRow{Source: "acme", MilestoneID: v.ID, Project: "PLAT", Title: v.Name, State: tc.state,
			URL: "https://acme.atlassian.net/projects/PLAT/versions/" + v.ID, Created: time.Unix(0, 0).UTC(),
			Start: tc.start, Due: tc.due, Closed: tc.closed, OpenIssues: tc.open, ClosedIssues: tc.done,
			Archived: tc.archived, Version: uint64(testNow.UnixNano())}
		check(t, tc.name+": row", row, want)
		wantSnap := warehouse.MilestoneSnapshotRow{Source: "acme", MilestoneID: v.ID, Observed: testNow.Truncate(time.Second),
			RunID: testNow.UTC().Format(time.RFC3339Nano), State: tc.state, Due: tc.due, OpenIssues: tc.open, ClosedIssues: tc.done,
			Version: uint64(testNow.UnixNano())}
		check(t, tc.name+": snapshot", snap, wantSnap)
	}
}
