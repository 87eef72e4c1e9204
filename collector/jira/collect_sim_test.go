package jira

import (
	"context"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// simFlavour is how a test reaches the simulated Jira: Cloud (e-mail and
// API token, REST v3) or Data Center (bearer personal access token, REST v2).
type simFlavour struct {
	name   string
	cfg    config.Source // credentials for newHarness
	search string        // search path
	// fullChangelog reports whether a path fetches full changelogs: Cloud's
	// bulk fetch, Data Center's GET issue.
	fullChangelog func(path string) bool
	other         string // the other flavour's REST prefix: never requested
}

const simPAT = "dc-personal-access-token"

func (fl simFlavour) dc() bool { return fl.name == simDC.name }

var (
	simCloud = simFlavour{name: "cloud", search: simulate.PathSearch, other: restDC + "/",
		fullChangelog: func(p string) bool { return p == simulate.PathBulkFetch }}
	simDC = simFlavour{name: "datacenter", cfg: config.Source{Token: simPAT}, search: simulate.PathSearchDC, other: restCloud + "/",
		fullChangelog: func(p string) bool { return strings.HasPrefix(p, simulate.PathIssueDC) }}
)

// TestCollectSimulatedOrg collects a generated org through the simulated
// Jira, Cloud and Data Center (small pages, truncated embedded changelogs,
// one 429 and one 500), and checks that the rows reproduce the generator's
// truth for every sprint, before and after an incremental run.
func TestCollectSimulatedOrg(t *testing.T) {
	for _, fl := range []simFlavour{simCloud, simDC} {
		t.Run(fl.name, func(t *testing.T) { testCollectSimulatedOrg(t, fl, simNow, "Etc/UTC") })
	}
}

// simNow is the default clock of the generated orgs (RUNWAY_TEST_NOW
// moves it).
var simNow = collectortest.Now(time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC))

// TestCollectSimulatedOrgOnManyDays is the date guard: the same collection
// and truth comparison on days spread over a year, each with the Jira
// user's time zone it is about (DST switches read in their zone).
func TestCollectSimulatedOrgOnManyDays(t *testing.T) {
	for _, d := range collectortest.Days {
		for _, fl := range []simFlavour{simCloud, simDC} {
			t.Run(d.Name+"/"+fl.name, func(t *testing.T) {
				t.Parallel()
				testCollectSimulatedOrg(t, fl, d.Now, d.Zone)
			})
		}
	}
}

func testCollectSimulatedOrg(t *testing.T, fl simFlavour, now time.Time, zone string) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	org := simulate.Generate(simulate.Options{Seed: 42, Now: now, Teams: 3, Months: 4, IssuesPerSprint: 8,
		Projects: []string{"PLAT", "MOB"}})
	var mu sync.Mutex
	clock := now
	site := simulate.NewJira(org, simulate.JiraOptions{Email: fakeUser, Token: fakeToken, BearerToken: simPAT,
		PageSize: 25, ChangelogEmbedLimit: 3, TimeZone: zone,
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }})
	site.FailNext(fl.search, http.StatusTooManyRequests, 1, "1")
	site.FailNext(simulate.PathBoard, http.StatusInternalServerError, 1, "")

	bulk := &bulkLog{next: site}
	h := newHarness(t, bulk, fl.cfg, now)
	if h.src.api.dc != (fl.cfg.Token != "") {
		t.Fatalf("flavour: dc = %v", h.src.api.dc)
	}
	first := collectortest.NewMemSink(nil)
	if err := h.src.Collect(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	reqs := site.Requests()
	if n := reqs[fl.search]; n < 4 { // ≥ 3 pages + the 429
		t.Errorf("%d search requests, want ≥ 3 pages", n)
	}
	changelogs := 0
	for p, n := range reqs {
		if fl.fullChangelog(p) {
			changelogs += n
		}
		if strings.HasPrefix(p, fl.other) {
			t.Errorf("%s: %d requests to the other flavour's API", p, n)
		}
		if strings.HasSuffix(p, "/changelog") {
			t.Errorf("%s: %d requests for one issue's changelog", p, n)
		}
	}
	if changelogs == 0 {
		t.Error("no changelog was fetched: the embed limit should truncate some")
	}
	bulk.checkOnePerPage(t)
	if fetches := len(bulk.fetches()); fl.dc() == (fetches > 0) {
		t.Errorf("%d bulk fetches on %s", fetches, fl.name)
	}
	if h.Stats.Retries.Load() != 2 || !slices.Contains(h.Sleeps(), time.Second) {
		t.Errorf("retries %d, sleeps %v: want the 429 (Retry-After: 1s) and the 500 retried", h.Stats.Retries.Load(), h.Sleeps())
	}
	if len(org.Issues) < 3*25 {
		t.Fatalf("org has %d issues, want ≥ 3 search pages", len(org.Issues))
	}
	got := collectState(first)
	if n := len(got.issues); n != len(org.Issues) {
		t.Errorf("collected %d issues, org has %d", n, len(org.Issues))
	}
	// The Sprint field's current value (Data Center: legacy strings).
	for _, r := range got.issues {
		var want []string
		for _, id := range org.Issue(r.Key).CurrentSprints() {
			want = append(want, strconv.Itoa(id))
		}
		if !slices.Equal(r.SprintIDs, want) {
			t.Errorf("%s: sprint ids %v, want %v", r.Key, r.SprintIDs, want)
		}
	}
	compareTruth(t, org, got, now)

	// Incremental: touch a few issues an hour later and collect again from
	// the cursor.
	cursor := first.Set()[CursorIssues]
	if cursor == "" {
		t.Fatal("no cursor after the first run")
	}
	later := now.Add(time.Hour)
	mu.Lock()
	clock = later
	mu.Unlock()
	touched := org.Touch(later, 6)
	site.ResetRequests()
	bulk.reset()
	h.Clock.Set(later)
	second := collectortest.NewMemSink(map[string]string{CursorIssues: cursor})
	if err := h.src.Collect(context.Background(), second); err != nil {
		t.Fatal(err)
	}
	c, _ := time.Parse(time.RFC3339, cursor)
	from := c.Add(-overlap).Truncate(time.Minute)
	jqls := site.SearchJQLs()
	if _, off := from.In(loc).Zone(); off == 0 && zone == "Etc/UTC" {
		check(t, "incremental JQL", jqls,
			[]string{`project in ("MOB", "PLAT") AND updated >= "` + from.Format(jqlTime) + `" ORDER BY updated ASC`})
	} else {
		// In the user's zone, and started up to two hours earlier when a
		// daylight-saving change repeats local times near the cursor.
		from = jqlFrom(t, jqls, loc)
		if lo, hi := c.Add(-overlap-2*time.Hour-time.Minute), c.Add(-overlap); from.Before(lo) || from.After(hi) {
			t.Errorf("incremental JQL %v reads from %v, want within [%v, %v]", jqls, from, lo, hi)
		}
	}
	var want, keys []string
	for _, is := range org.Issues {
		if !is.Updated.Before(from) {
			want = append(want, is.Key)
		}
	}
	for _, r := range collectortest.RowsOf[warehouse.IssueRow](second) {
		keys = append(keys, r.Key)
	}
	slices.Sort(want)
	slices.Sort(keys)
	check(t, "issues of the incremental run", keys, want)
	for _, k := range touched {
		if !slices.Contains(keys, k) {
			t.Errorf("touched issue %s not collected", k)
		}
	}
	if n := site.Requests()[fl.search]; n != (len(want)+24)/25 {
		t.Errorf("incremental run made %d search requests for %d issues", n, len(want))
	}
	// Full changelogs are fetched only for the issues the search returned:
	// Data Center's by key, Cloud's in bulk by id.
	var fetched []string
	for p := range site.Requests() {
		if fl.dc() && fl.fullChangelog(p) {
			fetched = append(fetched, p[strings.LastIndex(p, "/")+1:])
		}
	}
	for _, ids := range bulk.fetches() {
		for _, id := range ids {
			fetched = append(fetched, org.Issue(id).Key)
		}
	}
	for _, k := range fetched {
		if !slices.Contains(want, k) {
			t.Errorf("incremental run fetched the changelog of %s, not updated since the cursor", k)
		}
	}
	check(t, "second cursor", second.Set()[CursorIssues], later.Format(time.RFC3339))

	// The warehouse keeps the newest rows per issue: overlay run 2 on run 1.
	merged := collectState(first)
	merged.overlay(collectState(second))
	compareTruth(t, org, merged, later)
}

// jqlFrom reads the instant of the one search's `updated >=` literal in
// loc, as Jira does.
func jqlFrom(t *testing.T, jqls []string, loc *time.Location) time.Time {
	t.Helper()
	if len(jqls) != 1 {
		t.Fatalf("incremental run searched %d times: %v", len(jqls), jqls)
	}
	m := regexp.MustCompile(`^project in \("MOB", "PLAT"\) AND updated >= "([^"]+)" ORDER BY updated ASC$`).FindStringSubmatch(jqls[0])
	if m == nil {
		t.Fatalf("incremental JQL = %q", jqls[0])
	}
	at, err := time.ParseInLocation(jqlTime, m[1], loc)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// simState is what the warehouse would hold after the runs: sprints, and
// per issue its latest intervals and status changes.
type simState struct {
	sprints   map[string]warehouse.SprintRow
	issues    map[string]warehouse.IssueRow
	intervals map[string][]warehouse.MembershipIntervalRow // by issue id
	statuses  map[string][]warehouse.StatusChangeRow       // by issue id
	points    map[string][]warehouse.PointsChangeRow       // by issue id
}

func collectState(s *collectortest.MemSink) *simState {
	st := &simState{sprints: map[string]warehouse.SprintRow{}, issues: map[string]warehouse.IssueRow{},
		intervals: map[string][]warehouse.MembershipIntervalRow{}, statuses: map[string][]warehouse.StatusChangeRow{},
		points: map[string][]warehouse.PointsChangeRow{}}
	for _, r := range collectortest.RowsOf[warehouse.SprintRow](s) {
		st.sprints[r.SprintID] = r
	}
	for _, r := range collectortest.RowsOf[warehouse.IssueRow](s) {
		st.issues[r.IssueID] = r
	}
	for _, r := range collectortest.RowsOf[warehouse.MembershipIntervalRow](s) {
		st.intervals[r.IssueID] = append(st.intervals[r.IssueID], r)
	}
	for _, r := range collectortest.RowsOf[warehouse.StatusChangeRow](s) {
		st.statuses[r.IssueID] = append(st.statuses[r.IssueID], r)
	}
	for _, r := range collectortest.RowsOf[warehouse.PointsChangeRow](s) {
		st.points[r.IssueID] = append(st.points[r.IssueID], r)
	}
	return st
}

// overlay replaces everything of the issues (and sprints) newer collected.
func (st *simState) overlay(n *simState) {
	for id, r := range n.sprints {
		st.sprints[id] = r
	}
	for id, r := range n.issues {
		st.issues[id] = r
		st.intervals[id] = n.intervals[id]
		st.statuses[id] = n.statuses[id]
		st.points[id] = n.points[id]
	}
}

// doneAt replays an issue's status changes: every change at or before t
// applies.
func (st *simState) doneAt(issueID string, t time.Time) bool {
	cat := ""
	for _, c := range st.statuses[issueID] { // chronological, as mapped
		if c.At.After(t) {
			break
		}
		cat = c.ToCategory
	}
	return cat == "done"
}

// pointsAt replays an issue's estimates (in changelog order, as mapped):
// the last change at or before t; fallback, the interval's.
func (st *simState) pointsAt(issueID string, t time.Time, fallback *float64) float64 {
	v := fallback
	if cs := st.points[issueID]; len(cs) > 0 {
		v = nil
		for _, c := range cs {
			if c.At.After(t) {
				break
			}
			v = c.Points
		}
	}
	if v == nil {
		return 0
	}
	return *v
}

// report computes §5's sprint numbers from intervals and status changes,
// with the simulator's conventions (see simulate.SprintTruth): an entry at
// t0 is committed, and a closed sprint's exits from completeDate −
// CarryOverWindow on are carry-over, not removals.
func (st *simState) report(sp warehouse.SprintRow, now time.Time) simulate.SprintTruth {
	out := simulate.SprintTruth{SprintID: sp.SprintID, Name: sp.Name, State: sp.State}
	out.BoardID, _ = strconv.Atoi(sp.BoardID)
	if sp.State == "future" {
		return out
	}
	t0 := sp.Start
	if sp.Activated != nil {
		t0 = sp.Activated
	}
	closed := sp.State == "closed"
	t1 := now
	if closed {
		t1 = *sp.Complete
	}
	out.StartT0, out.EndT1 = *t0, t1
	carryFrom := t1.Add(-simulate.CarryOverWindow)
	for issueID, ivs := range st.intervals {
		committed, in := false, false
		var last *float64
		for _, iv := range ivs {
			if iv.ContainerID != sp.SprintID {
				continue
			}
			pts := 0.0 // the estimate at entry
			if iv.Points != nil {
				pts = *iv.Points
			}
			last = iv.Points
			if !iv.Entered.After(*t0) && (iv.Exited == nil || iv.Exited.After(*t0)) {
				committed = true
			}
			if iv.Entered.After(*t0) && !iv.Entered.After(t1) {
				out.Added++
				out.AddedPoints += pts
			}
			if x := iv.Exited; x != nil && x.After(*t0) && !x.After(t1) && !(closed && !x.Before(carryFrom)) && iv.DoneAtLeaving == 0 {
				out.Removed++
				out.RemovedPoints += pts
			}
			if !iv.Entered.After(t1) && (iv.Exited == nil || iv.Exited.After(t1) || (closed && !iv.Exited.Before(carryFrom))) {
				in = true
			}
		}
		if committed {
			out.Committed++
			out.CommittedPoints += st.pointsAt(issueID, *t0, last)
		}
		if in {
			if st.doneAt(issueID, t1) {
				out.Completed++
				out.CompletedPoints += st.pointsAt(issueID, t1, last)
				if committed {
					out.PlanningDone++
				}
			} else {
				out.CarriedOver++
				out.CarriedOverPoints += st.pointsAt(issueID, t1, last)
			}
		}
	}
	return out
}

func compareTruth(t *testing.T, org *simulate.Org, st *simState, now time.Time) {
	t.Helper()
	truths := org.AllSprintTruths(now)
	nonZero := 0
	for _, s := range org.Sprints {
		id := strconv.Itoa(s.ID)
		row, ok := st.sprints[id]
		if !ok {
			if !s.Created.After(now) {
				t.Errorf("sprint %s not collected", id)
			}
			continue
		}
		want := truths[id]
		want.Events = nil
		got := st.report(row, now)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("sprint %s (%s):\n got %+v\nwant %+v", id, row.State, got, want)
		}
		if want.Committed+want.Added+want.Removed > 0 {
			nonZero++
		}
	}
	if nonZero < 10 {
		t.Errorf("only %d sprints with scope: the org is too small to mean much", nonZero)
	}
}

// TestCollectSimulatedCorruption: every corrupted response of the simulator
// (Cloud and Data Center) fails the run with an error naming the endpoint,
// and no cursor moves.
func TestCollectSimulatedCorruption(t *testing.T) {
	now := simNow
	org := simulate.Generate(simulate.Options{Seed: 3, Now: now, Teams: 2, Months: 2, IssuesPerSprint: 6,
		Projects: []string{"PLAT", "MOB"}})
	var withChangelog string
	for _, is := range org.Issues {
		if len(is.Histories) > 2 {
			withChangelog = is.Key
			break
		}
	}
	for _, fl := range []simFlavour{simCloud, simDC} {
		api := client{dc: fl.dc()}
		full := simulate.PathBulkFetch
		if api.dc {
			full = api.rest("/issue/" + withChangelog)
		}
		endpoints := []string{api.rest("/field"), api.rest("/status"), api.rest("/myself"), pathBoards, pathSprints(1),
			api.pathSearch(), full}
		modes := []string{simulate.CorruptTruncate, simulate.CorruptWrongTypes, simulate.CorruptMissingFields,
			simulate.CorruptHTML, simulate.CorruptEmpty}
		for _, ep := range endpoints {
			for _, mode := range modes {
				if ep == api.rest("/myself") && (mode == simulate.CorruptWrongTypes || mode == simulate.CorruptMissingFields) {
					continue // the profile has no id or key to corrupt
				}
				t.Run(fl.name+ep+"/"+mode, func(t *testing.T) {
					site := simulate.NewJira(org, simulate.JiraOptions{Email: fakeUser, Token: fakeToken, BearerToken: simPAT,
						PageSize: 20, ChangelogEmbedLimit: 2, Now: func() time.Time { return now }})
					site.CorruptNext(ep, mode)
					h := newHarness(t, site, fl.cfg, now)
					sink := collectortest.NewMemSink(nil)
					err := h.src.Collect(context.Background(), sink)
					if err == nil {
						t.Fatal("Collect succeeded on a corrupted response")
					}
					method := "GET "
					if ep == simulate.PathBulkFetch {
						method = "POST "
					}
					if !strings.Contains(err.Error(), method+ep) {
						t.Errorf("error %q does not name %s%s", err, method, ep)
					}
					if len(sink.Set()) != 0 {
						t.Errorf("cursor set: %v", sink.Set())
					}
				})
			}
		}
	}
}

// TestCollectEditedWhilePaging: an issue already returned is edited between
// two search pages, so it moves to the end of the result and every later
// issue shifts one place left. Keyset paging still collects every issue, the
// edited one as edited, and the cursor is its new updated time.
func TestCollectEditedWhilePaging(t *testing.T) {
	for _, fl := range []simFlavour{simCloud, simDC} {
		t.Run(fl.name, func(t *testing.T) { testCollectEditedWhilePaging(t, fl) })
	}
}

func testCollectEditedWhilePaging(t *testing.T, fl simFlavour) {
	now := simNow
	org := simulate.Generate(simulate.Options{Seed: 9, Now: now, Teams: 3, Months: 3, IssuesPerSprint: 6,
		Projects: []string{"PLAT"}})
	site := simulate.NewJira(org, simulate.JiraOptions{Email: fakeUser, Token: fakeToken, BearerToken: simPAT,
		PageSize: 10, Now: func() time.Time { return now }})
	// The least recently updated issues open the first page: edit two of
	// them before the second and the fourth page.
	byUpdated := slices.SortedFunc(slices.Values(org.Issues), func(a, b *simulate.Issue) int { return a.Updated.Compare(b.Updated) })
	if len(byUpdated) < 50 || !byUpdated[len(byUpdated)-1].Updated.Before(now) {
		t.Fatalf("%d issues, newest updated %v: want ≥ 5 pages, all updated before now", len(byUpdated), byUpdated[len(byUpdated)-1].Updated)
	}
	edit := func(is *simulate.Issue) func() {
		return func() {
			to := simulate.StatusDone
			if is.CurrentStatus() == simulate.StatusDone {
				to = simulate.StatusInProgress
			}
			if err := org.SetStatus(is.Key, to, now); err != nil {
				t.Error(err)
			}
		}
	}
	site.OnSearch(2, edit(byUpdated[0]))
	site.OnSearch(4, edit(byUpdated[1]))

	h := newHarness(t, site, fl.cfg, now)
	sink := collectortest.NewMemSink(nil)
	if err := h.src.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	last := map[string]warehouse.IssueRow{} // the newest row per issue
	for _, r := range collectortest.RowsOf[warehouse.IssueRow](sink) {
		if p, ok := last[r.Key]; !ok || r.Updated.After(p.Updated) {
			last[r.Key] = r
		}
	}
	for _, is := range org.Issues {
		r, ok := last[is.Key]
		switch {
		case !ok:
			t.Errorf("%s (updated %v) not collected", is.Key, is.Updated)
		case !r.Updated.Equal(is.Updated):
			t.Errorf("%s: collected as updated %v, want %v", is.Key, r.Updated, is.Updated)
		}
	}
	check(t, "cursor", sink.Set()[CursorIssues], now.Format(time.RFC3339))
	compareTruth(t, org, collectState(sink), now)
	pages := (len(org.Issues) + 9) / 10
	if n := site.Requests()[fl.search]; n < pages || n > 2*pages {
		t.Errorf("%d search requests for %d issues in pages of 10", n, len(org.Issues))
	}
	t.Logf("%d issues: %d search requests, %d JQLs", len(org.Issues), site.Requests()[fl.search], len(slices.Compact(site.SearchJQLs())))
}

// TestCollectNewProjectBackfilled: a project added to projects: after the
// first run gets the first run's window once, in an extra search; the issue
// cursor alone would skip its issues updated before it.
func TestCollectNewProjectBackfilled(t *testing.T) {
	for _, fl := range []simFlavour{simCloud, simDC} {
		t.Run(fl.name, func(t *testing.T) { testCollectNewProjectBackfilled(t, fl) })
	}
}

func testCollectNewProjectBackfilled(t *testing.T, fl simFlavour) {
	now := simNow
	org := simulate.Generate(simulate.Options{Seed: 4, Now: now, Teams: 2, Months: 2, IssuesPerSprint: 6,
		Projects: []string{"PLAT", "WEB"}})
	clock := now
	site := simulate.NewJira(org, simulate.JiraOptions{Email: fakeUser, Token: fakeToken, BearerToken: simPAT,
		PageSize: 50, Now: func() time.Time { return clock }})
	h := newHarness(t, site, fl.cfg, now)
	h.src.settings.Projects = []string{"PLAT"}
	keys := func(s *collectortest.MemSink, project string) []string {
		var out []string
		for _, r := range collectortest.RowsOf[warehouse.IssueRow](s) {
			if r.Project == project {
				out = append(out, r.Key)
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	var web []string
	for _, is := range org.Issues {
		if is.Project == "WEB" {
			web = append(web, is.Key)
		}
	}
	slices.Sort(web)

	// Runs as the runner makes them: each starts from what the last one
	// committed.
	first := collectortest.NewMemSink(nil)
	if _, err := h.Run(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	check(t, "first run's WEB issues", keys(first, "WEB"), []string(nil))
	check(t, "first run's projects", first.Set()[CursorProjects], "PLAT")
	cursors := first.Committed()

	// An hour later WEB joins: its issues, all older than the cursor, are
	// backfilled from now − since (the default year) in one extra search.
	clock = now.Add(time.Hour)
	h.Clock.Set(clock)
	h.src.settings.Projects = []string{"PLAT", "WEB"}
	site.ResetRequests()
	second := collectortest.NewMemSink(cursors)
	if _, err := h.Run(context.Background(), second); err != nil {
		t.Fatal(err)
	}
	c, _ := time.Parse(time.RFC3339, cursors[CursorIssues])
	back, from := clock.Add(-config.DefaultSince).Format(jqlTime), c.Add(-overlap).Format(jqlTime)
	check(t, "second run's JQLs", slices.Compact(site.SearchJQLs()), []string{
		`project in ("WEB") AND updated >= "` + back + `" ORDER BY updated ASC`,
		`project in ("PLAT", "WEB") AND updated >= "` + from + `" ORDER BY updated ASC`,
	})
	old := 0
	for _, k := range web {
		if org.Issue(k).Updated.Before(c.Add(-overlap)) {
			old++
		}
	}
	if old == 0 {
		t.Fatal("no WEB issue is older than the cursor: the test would prove nothing")
	}
	check(t, "second run's WEB issues", keys(second, "WEB"), web)
	check(t, "second run's projects", second.Set()[CursorProjects], "PLAT,WEB")
	if n, want := site.Requests()[fl.search], (len(web)+49)/50+1; n != want {
		t.Errorf("second run made %d search requests, want %d", n, want)
	}
	cursors = second.Committed()

	// The next run searches from the cursor only.
	site.ResetRequests()
	third := collectortest.NewMemSink(cursors)
	if _, err := h.Run(context.Background(), third); err != nil {
		t.Fatal(err)
	}
	c, _ = time.Parse(time.RFC3339, cursors[CursorIssues])
	check(t, "third run's JQLs", site.SearchJQLs(), []string{
		`project in ("PLAT", "WEB") AND updated >= "` + c.Add(-overlap).Format(jqlTime) + `" ORDER BY updated ASC`,
	})
	check(t, "third run's cursors", third.Set(), map[string]string{})
}
