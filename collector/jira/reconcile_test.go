package jira

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// The reconcile tests collect a small hand-built site with a seeded
// MemSink: what earlier runs stored is what SetStored says.

var recNow = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// recOrg: projects PLAT, WEB and OTHER; board 1 (PLAT) with sprints 11
// (closed), 12 (active) and 13 (closed), board 2 (WEB) with sprint 21,
// board 3 (OTHER) with sprint 31; issues PLAT-1..PLAT-7 (ids 10001..10007),
// WEB-1, WEB-2 (20001, 20002) and OTHER-1 (30001).
func recOrg(t *testing.T) *simulate.Org {
	t.Helper()
	day := func(n int) time.Time { return recNow.Add(time.Duration(n-60) * 24 * time.Hour) }
	o := &simulate.Org{Now: recNow,
		Projects: []simulate.Project{{ID: "1", Key: "PLAT", Name: "Platform"}, {ID: "2", Key: "WEB", Name: "Web"},
			{ID: "3", Key: "OTHER", Name: "Other"}},
		Users: []simulate.User{{AccountID: "u1", DisplayName: "Ann"}},
		Boards: []simulate.Board{{ID: 1, Name: "PLAT", Type: "scrum", ProjectKey: "PLAT"},
			{ID: 2, Name: "WEB", Type: "scrum", ProjectKey: "WEB"}, {ID: 3, Name: "OTHER", Type: "scrum", ProjectKey: "OTHER"}},
	}
	sp := func(id, board, start int, state string) {
		s0, s1 := day(start), day(start+14)
		s := &simulate.Sprint{ID: id, Name: fmt.Sprint("Sprint ", id), State: state, OriginBoardID: board,
			Created: day(start - 7), Start: &s0, End: &s1}
		if state == simulate.SprintClosed {
			s.Complete = &s1
		}
		o.Sprints = append(o.Sprints, s)
	}
	sp(11, 1, 0, simulate.SprintClosed)
	sp(13, 1, 14, simulate.SprintClosed)
	sp(12, 1, 50, simulate.SprintActive)
	sp(21, 2, 50, simulate.SprintActive)
	sp(31, 3, 50, simulate.SprintActive)
	issue := func(id, key, project string, n int) {
		o.Issues = append(o.Issues, &simulate.Issue{ID: id, Key: key, Project: project, Type: "Story",
			Created: day(n), Updated: day(n + 1), InitialStatus: simulate.StatusToDo, InitialSprints: []int{11}})
	}
	for i := range 7 {
		issue(fmt.Sprint(10001+i), fmt.Sprint("PLAT-", i+1), "PLAT", i)
	}
	issue("20001", "WEB-1", "WEB", 1)
	issue("20002", "WEB-2", "WEB", 2)
	issue("30001", "OTHER-1", "OTHER", 3)
	if err := o.Index(); err != nil {
		t.Fatal(err)
	}
	return o
}

// recSite serves o as Jira Cloud with pages of 3.
func recSite(o *simulate.Org) *simulate.Jira {
	return simulate.NewJira(o, simulate.JiraOptions{Email: fakeUser, Token: fakeToken, PageSize: 3})
}

// recSource builds a Cloud source for PLAT and WEB (boards 1 and 2) that
// reconciles daily, served by h, retrying once, at recNow.
func recSource(t *testing.T, h http.Handler, mod func(*Config)) (*source, *collectortest.LogBuffer) {
	t.Helper()
	c := NewConfig()
	c.Email, c.Projects, c.Boards = fakeUser, []string{"PLAT", "WEB"}, []int64{1, 2}
	if mod != nil {
		mod(c)
	}
	logs := &collectortest.LogBuffer{}
	hs := newHarnessWith(t, h, config.Source{Name: "acme-jira", Token: fakeToken, Settings: c},
		collectortest.HarnessOptions{Now: recNow, MaxRetries: 1, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	return hs.src, logs
}

// storedSink is a sink of a run after earlier ones: an issue cursor, the
// given reconcile cursor ("" for none), and what they stored.
func storedSink(reconciled string, issues, sprints []warehouse.StoredEntity) *collectortest.MemSink {
	cur := map[string]string{CursorIssues: recNow.Add(-time.Hour).Format(time.RFC3339), CursorProjects: "PLAT,WEB"}
	if reconciled != "" {
		cur[CursorReconciled] = reconciled
	}
	sink := collectortest.NewMemSink(cur)
	sink.SetStored(warehouse.KindIssue, issues...)
	sink.SetStored(warehouse.KindSprint, sprints...)
	return sink
}

func entities(scope string, ids ...string) []warehouse.StoredEntity {
	var out []warehouse.StoredEntity
	for _, id := range ids {
		out = append(out, warehouse.StoredEntity{ID: id, Scope: scope})
	}
	return out
}

// liveIssues and liveSprints are recOrg's, as stored.
func liveIssues() []warehouse.StoredEntity {
	return slices.Concat(entities("PLAT", "10001", "10002", "10003", "10004", "10005", "10006", "10007"),
		entities("WEB", "20001", "20002"), entities("OTHER", "30001"))
}

func liveSprints() []warehouse.StoredEntity {
	return slices.Concat(entities("1", "11", "12", "13"), entities("2", "21"), entities("3", "31"))
}

// tombstones are the ids of the tombstones a run wrote, by kind.
func tombstones(t *testing.T, sink *collectortest.MemSink) (issues, sprints []string) {
	t.Helper()
	for _, r := range sink.Rows() {
		switch r := r.(type) {
		case warehouse.IssueRow:
			if r.Deleted == 1 {
				issues = append(issues, r.IssueID+"@"+r.Project)
				if r.Version <= uint64(recNow.UnixNano()) || r.Created.IsZero() || r.Updated.IsZero() {
					t.Errorf("tombstone %+v: want a version newer than the run's rows and valid times", r)
				}
			}
		case warehouse.SprintRow:
			if r.Deleted == 1 {
				sprints = append(sprints, r.SprintID+"@"+r.BoardID)
			}
		}
	}
	return issues, sprints
}

// listings are the id listings' JQL among the searches.
func listings(site *simulate.Jira) []string {
	var out []string
	for _, q := range site.SearchJQLs() {
		if strings.Contains(q, "ORDER BY id ASC") {
			out = append(out, q)
		}
	}
	return out
}

// TestReconcileTombstonesWhatIsGone: a due reconcile lists each collected
// project's ids by keyset (pages of 3: "id > last"), confirms each missing
// one with GET issue, and tombstones exactly the stored issues and sprints
// deleted upstream; a sprint of a board not collected now, an issue of a
// project not collected now and an issue moved between two collected
// projects are left alone. The reconcile cursor is set with the tombstones.
func TestReconcileTombstonesWhatIsGone(t *testing.T) {
	o := recOrg(t)
	site := recSite(o)
	src, _ := recSource(t, site, nil)
	for _, key := range []string{"PLAT-3", "WEB-2"} {
		if err := o.DeleteIssue(key); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.DeleteSprint(13); err != nil {
		t.Fatal(err)
	}
	if err := o.DeleteSprint(31); err != nil { // board 3 is not collected
		t.Fatal(err)
	}
	issues := liveIssues()
	// 20001 was stored under PLAT (it moved to WEB since); 99999 was
	// stored under a project no longer collected.
	issues = append(issues, warehouse.StoredEntity{ID: "99999", Scope: "GONE"})
	for i := range issues {
		if issues[i].ID == "20001" {
			issues[i].Scope = "PLAT"
		}
	}
	sink := storedSink(recNow.Add(-25*time.Hour).Format(time.RFC3339), issues, liveSprints())
	if err := src.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	gotIssues, gotSprints := tombstones(t, sink)
	if want := []string{"10003@PLAT", "20002@WEB"}; !reflect.DeepEqual(gotIssues, want) {
		t.Errorf("issue tombstones %v, want %v", gotIssues, want)
	}
	if want := []string{"13@1"}; !reflect.DeepEqual(gotSprints, want) {
		t.Errorf("sprint tombstones %v, want %v", gotSprints, want)
	}
	if got := sink.Set()[CursorReconciled]; got != recNow.Format(time.RFC3339) {
		t.Errorf("reconcile cursor %q, want %s", got, recNow.Format(time.RFC3339))
	}
	// PLAT has 6 issues left: pages 10001-10004 (3), 10005-10007 (3, the
	// last: isLast); WEB one: one page.
	want := []string{`project = "PLAT" ORDER BY id ASC`, `project = "PLAT" AND id > 10004 ORDER BY id ASC`,
		`project = "WEB" ORDER BY id ASC`}
	if got := listings(site); !reflect.DeepEqual(got, want) {
		t.Errorf("listings:\n got %q\nwant %q", got, want)
	}
	req := site.Requests()
	if req[simulate.PathIssue+"10003"] != 1 || req[simulate.PathIssue+"20002"] != 1 || req[simulate.PathSprint+"13"] != 1 {
		t.Errorf("confirmations: %v", req)
	}
	for p, n := range req {
		if strings.HasPrefix(p, simulate.PathIssue) && p != simulate.PathIssue+"10003" && p != simulate.PathIssue+"20002" ||
			strings.HasPrefix(p, simulate.PathSprint) && p != simulate.PathSprint+"13" {
			t.Errorf("%d requests for %s: only what the listing missed is confirmed", n, p)
		}
	}
	if sink.Checkpoints() != 1 {
		t.Errorf("%d checkpoints, want 1: the collected rows are committed before the listing", sink.Checkpoints())
	}
}

// TestReconcileSchedule: nothing is listed when reconciling is off, not
// due yet, or on a first run (which starts the schedule); it is due again
// once the interval has passed.
func TestReconcileSchedule(t *testing.T) {
	for _, tc := range []struct {
		name       string
		every      time.Duration
		reconciled string
		firstRun   bool
		lists      bool
		cursor     string // the reconcile cursor the run sets ("" none)
	}{
		{"off", 0, "", false, false, ""},
		{"not due", 24 * time.Hour, recNow.Add(-23 * time.Hour).Format(time.RFC3339), false, false, ""},
		{"due", 24 * time.Hour, recNow.Add(-24 * time.Hour).Format(time.RFC3339), false, true, recNow.Format(time.RFC3339)},
		{"never reconciled", 24 * time.Hour, "", false, true, recNow.Format(time.RFC3339)},
		{"unreadable cursor", time.Hour, "yesterday", false, true, recNow.Format(time.RFC3339)},
		{"first run", 24 * time.Hour, "", true, false, recNow.Format(time.RFC3339)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := recOrg(t)
			site := recSite(o)
			src, _ := recSource(t, site, func(c *Config) { c.Reconcile = config.Span(tc.every) })
			if err := o.DeleteIssue("PLAT-1"); err != nil {
				t.Fatal(err)
			}
			sink := storedSink(tc.reconciled, liveIssues(), liveSprints())
			if tc.firstRun {
				sink = collectortest.NewMemSink(nil)
				sink.SetStored(warehouse.KindIssue, liveIssues()...)
			}
			if err := src.Collect(context.Background(), sink); err != nil {
				t.Fatal(err)
			}
			if got := len(listings(site)) > 0; got != tc.lists {
				t.Errorf("listed: %v, want %v (%q)", got, tc.lists, listings(site))
			}
			issues, _ := tombstones(t, sink)
			if want := tc.lists; (len(issues) == 1) != want {
				t.Errorf("tombstones %v", issues)
			}
			if got := sink.Set()[CursorReconciled]; got != tc.cursor {
				t.Errorf("reconcile cursor %q, want %q", got, tc.cursor)
			}
			for p := range site.Requests() {
				if !tc.lists && strings.HasPrefix(p, simulate.PathIssue) {
					t.Errorf("GET %s without a reconcile", p)
				}
			}
		})
	}
}

// dropFromListing serves site, leaving issue id out of every id listing's
// page: a listing that misses a live issue.
func dropFromListing(site http.Handler, id string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != simulate.PathSearch || r.URL.Query().Get("fields") != "id" {
			site.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		site.ServeHTTP(rec, r)
		var page map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || rec.Code != http.StatusOK {
			w.WriteHeader(rec.Code)
			_, _ = io.Copy(w, rec.Body)
			return
		}
		issues, _ := page["issues"].([]any)
		page["issues"] = slices.DeleteFunc(issues, func(is any) bool { return is.(map[string]any)["id"] == id })
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(page)
	})
}

// TestReconcileRefuses: nothing is tombstoned and the reconcile cursor does
// not move when a listing cannot be trusted or did not complete; the run
// still succeeds, and a warning names the source.
func TestReconcileRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(o *simulate.Org, site *simulate.Jira) http.Handler
		warn  string
	}{
		{"a project lists no issue while some are stored", func(o *simulate.Org, site *simulate.Jira) http.Handler {
			for _, k := range []string{"WEB-1", "WEB-2"} {
				if err := o.DeleteIssue(k); err != nil {
					panic(err)
				}
			}
			return site
		}, "the listing of project WEB returned no issue while 2 are stored"},
		{"the listing misses a live issue", func(o *simulate.Org, site *simulate.Jira) http.Handler {
			return dropFromListing(site, "10002")
		}, "issue 10002 still exists in project PLAT, whose listing left it out"},
		{"the listing fails mid-way", func(o *simulate.Org, site *simulate.Jira) http.Handler {
			// The incremental search is one request; fail the second
			// page of PLAT's listing (the third search).
			site.OnSearch(3, func() { site.FailNext(simulate.PathSearch, http.StatusBadRequest, 1, "") })
			return site
		}, "listing the issues of project PLAT"},
		{"the page bound is deleted between pages", func(o *simulate.Org, site *simulate.Jira) http.Handler {
			site.OnSearch(3, func() {
				if err := o.DeleteIssue("PLAT-4"); err != nil {
					panic(err)
				}
			})
			return site
		}, "does not exist for field 'id'"},
		{"a confirmation fails", func(o *simulate.Org, site *simulate.Jira) http.Handler {
			site.FailNext(simulate.PathIssue, http.StatusForbidden, 1, "")
			return site
		}, "confirming that issue 10001 is gone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := recOrg(t)
			site := recSite(o)
			if err := o.DeleteIssue("PLAT-1"); err != nil { // a real deletion
				t.Fatal(err)
			}
			if err := o.DeleteSprint(13); err != nil {
				t.Fatal(err)
			}
			src, logs := recSource(t, tc.setup(o, site), nil)
			sink := storedSink(recNow.Add(-48*time.Hour).Format(time.RFC3339), liveIssues(), liveSprints())
			if err := src.Collect(context.Background(), sink); err != nil {
				t.Fatalf("the run failed: %v", err)
			}
			issues, sprints := tombstones(t, sink)
			if len(issues)+len(sprints) != 0 {
				t.Errorf("tombstoned %v %v", issues, sprints)
			}
			if got, ok := sink.Set()[CursorReconciled]; ok {
				t.Errorf("reconcile cursor moved to %q", got)
			}
			out := logs.String()
			if !strings.Contains(out, "level=WARN") || !strings.Contains(out, "source=acme-jira") || !strings.Contains(out, tc.warn) {
				t.Errorf("log does not warn %q naming the source:\n%s", tc.warn, out)
			}
		})
	}
}

// TestReconcileEditsDuringListing: issues edited and deleted while the
// listing pages (between its pages) shift no live issue out of view: the
// keyset restarts from the last id, so every live issue is listed and
// only the deleted one is tombstoned, by the next reconcile.
func TestReconcileEditsDuringListing(t *testing.T) {
	o := recOrg(t)
	site := recSite(o)
	src, _ := recSource(t, site, nil)
	site.OnSearch(3, func() {
		// Before PLAT's second page: an issue of the first page is deleted
		// and another edited, which would shift an offset-paged listing.
		if err := o.DeleteIssue("PLAT-2"); err != nil {
			panic(err)
		}
		if err := o.SetStatus("PLAT-1", simulate.StatusInProgress, recNow.Add(-time.Minute)); err != nil {
			panic(err)
		}
	})
	sink := storedSink(recNow.Add(-48*time.Hour).Format(time.RFC3339), liveIssues(), liveSprints())
	if err := src.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if issues, sprints := tombstones(t, sink); len(issues)+len(sprints) != 0 {
		t.Errorf("tombstoned %v %v: PLAT-2 was listed before it went, the others live", issues, sprints)
	}
	if sink.Set()[CursorReconciled] == "" {
		t.Error("the reconcile did not complete")
	}

	// The next reconcile finds PLAT-2 gone.
	site.ResetRequests()
	next := storedSink(recNow.Add(-48*time.Hour).Format(time.RFC3339), liveIssues(), liveSprints())
	if err := src.Collect(context.Background(), next); err != nil {
		t.Fatal(err)
	}
	if issues, _ := tombstones(t, next); !reflect.DeepEqual(issues, []string{"10002@PLAT"}) {
		t.Errorf("next reconcile tombstoned %v, want PLAT-2's", issues)
	}
}
