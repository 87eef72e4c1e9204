package analytics

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/runway-analytics/runway/api/analytics/forecast"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// milestoneData is what the five statements of a milestone report return.
type milestoneData struct {
	ms       []storedMilestone
	dues     map[[2]string][]dueValue // by first_seen
	scope    map[[2]string]milestoneScope
	projects []projectInfo
	// projClosures are the closures of the upstream projects whose open
	// milestones have too few of their own, keyed by (source, project).
	projClosures map[[2]string][]time.Time

	// bt is the backtest of every closed milestone, made on first use.
	btMu sync.Mutex
	bt   map[[2]string]*forecast.Outcome

	// acc is ForecastAccuracy's answer per filter.
	accMu sync.Mutex
	acc   map[string][]AccuracyGroup

	// rep is the last reports computed, at repAt with repKinds.
	repMu    sync.Mutex
	rep      []MilestoneReport
	repAt    time.Time
	repKinds KindRules
}

type storedMilestone struct {
	source, id, project, title, state, url string
	archived                               uint8
	start, due, closed                     *time.Time

	// Resolved once per reading (resolve), so that computing 20,000
	// reports looks nothing up by key: the owning project's index (-1:
	// none), the due history and the scope.
	owner    int
	dues     []dueValue
	scope    milestoneScope
	hasScope bool
}

type dueValue struct{ d, firstSeen, lastSeen, closedSeen int64 }

type milestoneScope struct {
	baseline                                  int64
	initial, added, removed, open, closedDone int64
	closures                                  []time.Time
}

type projectInfo struct {
	key, name, typ string
	matches        []string // upstream projects, repositories
}

// collectMilestones runs the statements of a milestone report. What it
// returns is read-only from then on: the cache shares it between requests.
func collectMilestones(ctx context.Context, db warehouse.DB, sel milestoneSel, now time.Time) (*milestoneData, error) {
	c := &milestoneData{dues: map[[2]string][]dueValue{}, scope: map[[2]string]milestoneScope{},
		projClosures: map[[2]string][]time.Time{}}
	set := buildMilestoneSet(sel)
	err := each(ctx, db, "milestones", set, func(r warehouse.Rows) error {
		var m storedMilestone
		if err := r.Scan(&m.source, &m.id, &m.project, &m.title, &m.state, &m.archived, &m.url,
			&m.start, &m.due, &m.closed); err != nil {
			return err
		}
		c.ms = append(c.ms, m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The projects are served with no milestone too.
	if c.projects, err = readProjects(ctx, db); err != nil {
		return nil, err
	}
	if len(c.ms) == 0 {
		return c, nil
	}
	err = each(ctx, db, "milestone due history", buildDueHistory(sel), func(r warehouse.Rows) error {
		var src, id string
		var v dueValue
		if err := r.Scan(&src, &id, &v.d, &v.firstSeen, &v.lastSeen, &v.closedSeen); err != nil {
			return err
		}
		k := [2]string{src, id}
		c.dues[k] = append(c.dues[k], v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(ctx, db, "milestone scope", buildMilestoneScope(sel), func(r warehouse.Rows) error {
		var src, id string
		var s milestoneScope
		var closures []int64
		if err := r.Scan(&src, &id, &s.baseline, &s.initial, &s.added, &s.removed, &s.open, &s.closedDone, &closures); err != nil {
			return err
		}
		for _, t := range closures {
			if t > 0 {
				s.closures = append(s.closures, time.Unix(t, 0).UTC())
			}
		}
		slices.SortFunc(s.closures, time.Time.Compare)
		c.scope[[2]string{src, id}] = s
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.resolve()
	return c, c.readProjectClosures(ctx, db, now)
}

// resolve fills each milestone's owner, dues and scope.
func (c *milestoneData) resolve() {
	owners := map[string]int{}
	for i := len(c.projects) - 1; i >= 0; i-- { // the first project owning one wins
		for _, up := range c.projects[i].matches {
			owners[up] = i
		}
	}
	for i := range c.ms {
		m := &c.ms[i]
		key := [2]string{m.source, m.id}
		m.owner = -1
		if o, ok := owners[m.project]; ok {
			m.owner = o
		}
		m.dues = c.dues[key]
		m.scope, m.hasScope = c.scope[key]
	}
}

// readProjects reads the configured projects.
func readProjects(ctx context.Context, db warehouse.DB) ([]projectInfo, error) {
	var out []projectInfo
	err := each(ctx, db, "projects", frag{sql: projectsSQL}, func(r warehouse.Rows) error {
		var p projectInfo
		var jira, gh, gl []string
		if err := r.Scan(&p.key, &p.name, &p.typ, &jira, &gh, &gl); err != nil {
			return err
		}
		p.matches = slices.Concat(jira, gh, gl)
		out = append(out, p)
		return nil
	})
	return out, err
}

// readProjectClosures reads the fallback throughput of the upstream
// projects of open milestones with fewer than MinMilestoneClosures of
// their own: closures since the earliest baseline among them, or the
// sample window when that is later.
func (c *milestoneData) readProjectClosures(ctx context.Context, db warehouse.DB, now time.Time) error {
	since := now.Add(-forecast.SampleWeeks * 7 * 24 * time.Hour)
	need := map[[2]string]bool{}
	for _, m := range c.ms {
		s := c.scope[[2]string{m.source, m.id}]
		if m.state != MilestoneOpen || m.archived == 1 || len(s.closures) >= forecast.MinMilestoneClosures {
			continue
		}
		need[[2]string{m.source, m.project}] = true
		if b := time.Unix(s.baseline, 0); s.baseline > 0 && b.Before(since) {
			since = b
		}
	}
	var err error
	c.projClosures, err = loadProjectClosures(ctx, db, need, since)
	return err
}

// loadProjectClosures reads the closures since since of the upstream
// projects in need, keyed (source, project).
func loadProjectClosures(ctx context.Context, db warehouse.DB, need map[[2]string]bool, since time.Time) (map[[2]string][]time.Time, error) {
	closures := map[[2]string][]time.Time{}
	if len(need) == 0 {
		return closures, nil
	}
	var sources, projects []string
	for _, k := range slices.SortedFunc(maps.Keys(need), func(a, b [2]string) int {
		return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1])
	}) {
		sources, projects = append(sources, k[0]), append(projects, k[1])
	}
	return closures, each(ctx, db, "project closures", buildProjectClosures(sources, projects, since), func(r warehouse.Rows) error {
		var src, p string
		var ts []int64
		if err := r.Scan(&src, &p, &ts); err != nil {
			return err
		}
		out := make([]time.Time, 0, len(ts))
		for _, t := range ts {
			out = append(out, time.Unix(t, 0).UTC())
		}
		slices.SortFunc(out, time.Time.Compare)
		closures[[2]string{src, p}] = out
		return nil
	})
}

// each runs a statement and calls fn for every row.
func each(ctx context.Context, db warehouse.DB, what string, f frag, fn func(warehouse.Rows) error) error {
	rows, err := db.Query(ctx, f.sql, f.args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// dueHistory is a milestone's observed due dates in the order first seen.
func (c *milestoneData) dueHistory(source, id string) []DueChange {
	out := []DueChange{}
	for _, v := range c.dues[[2]string{source, id}] {
		dc := DueChange{FirstSeen: time.Unix(v.firstSeen, 0).UTC()}
		if v.d > 0 {
			dc.Due = ptrTime(time.Unix(v.d, 0).UTC())
		}
		out = append(out, dc)
	}
	return out
}

func ptrTime(t time.Time) *time.Time { return &t }
func ptrF(f float64) *float64        { return &f }

// reports computes every milestone's report, in stored order. A large
// org's reports are computed on every core: the first reading's Monte
// Carlo runs (10,000 trials per open milestone, ~0.2 ms each) dominate a
// cold refresh. report only reads c, and the forecast memo locks.
//
// The last computation is kept: requests in the same second (report
// clocks are whole seconds) with the same kind rules share it, so a burst
// of requests over 20,000 milestones pays ~50 ms once, not each. The
// slice is shared: callers only read it (a list filters into its own).
func (c *milestoneData) reports(kinds KindRules, now time.Time) []MilestoneReport {
	c.repMu.Lock()
	defer c.repMu.Unlock()
	if c.rep != nil && c.repAt.Equal(now) && sameRules(c.repKinds, kinds) {
		return c.rep
	}
	out := make([]MilestoneReport, len(c.ms))
	onEveryCore(len(c.ms), func(i int) { out[i] = c.report(c.ms[i], kinds, now) })
	c.rep, c.repAt, c.repKinds = out, now, kinds
	return out
}

// sameRules reports whether a and b are the same rules (the same slice:
// the server's, or none).
func sameRules(a, b KindRules) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// onEveryCore calls fn(i) for every i in [0, n), on every core when n is
// large enough to be worth the workers; fn must only write its own i.
func onEveryCore(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/parallelReportsMin)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		})
	}
	wg.Wait()
}

// parallelReportsMin is how many milestones make a worker worth starting.
const parallelReportsMin = 256

func (c *milestoneData) report(m storedMilestone, kinds KindRules, now time.Time) MilestoneReport {
	r := MilestoneReport{Source: m.source, ID: m.id, Title: m.title, Project: m.project, Kind: kinds.Kind(m.title),
		State: m.state, URL: m.url, Due: m.due}
	if m.state == MilestoneOpen && m.archived == 1 {
		r.State = MilestoneArchived
	}
	if m.owner >= 0 {
		r.ProjectKey, r.ProjectName = c.projects[m.owner].key, c.projects[m.owner].name
	}
	dues := m.dues
	r.DueChanges = max(len(dues)-1, 0)
	for _, v := range dues {
		if v.d > 0 {
			r.OriginalDue = ptrTime(time.Unix(v.d, 0).UTC())
			break
		}
	}
	if r.State == MilestoneClosed {
		r.Closed = closedAt(m, dues)
	}

	s, hasScope := m.scope, m.hasScope
	var baseline *time.Time
	switch {
	case hasScope && s.baseline > 0:
		baseline = ptrTime(time.Unix(s.baseline, 0).UTC())
	case m.start != nil:
		baseline = m.start
	}
	r.Start = baseline
	r.OpenIssues, r.ClosedIssues = s.open, s.closedDone
	r.InitialScope, r.Added, r.Removed = s.initial, s.added, s.removed
	if total := s.open + s.closedDone; total > 0 {
		r.Progress = ptrF(float64(s.closedDone) / float64(total))
	}
	if s.initial > 0 {
		r.ScopeChangeRate = ptrF(float64(s.added+s.removed) / float64(s.initial))
	}
	end := now
	if r.Closed != nil {
		end = *r.Closed
	}
	if baseline != nil {
		r.DurationDays = ptrF(forecast.Days(end.Sub(*baseline)))
	}

	var fc *forecast.Result
	var tp forecast.Throughput
	if r.State == MilestoneOpen {
		var b time.Time
		if baseline != nil {
			b = *baseline
		}
		tp = forecast.MeasureThroughput(s.closures, c.projClosures[[2]string{m.source, m.project}], b, now)
		r.ThroughputPerWeek = ptrF(tp.Current)
		if res, ok := cachedForecast(int(s.open), tp.Samples, now, forecast.Seed(m.source, m.id)); ok {
			fc = &res
			r.ForecastP50, r.ForecastP85 = ptrTime(res.P50), ptrTime(res.P85)
			if m.due != nil {
				r.ForecastSlipDays = ptrF(forecast.Days(res.P85.Sub(*m.due)))
			}
		}
	}
	if r.State == MilestoneArchived {
		// Put away unreleased: no forecast, and no status of an open one.
		r.Status = string(forecast.StatusNoForecast)
	} else {
		// A closed milestone is late against its plan, the original due:
		// Jira moves a version's release date to the day it shipped.
		due := m.due
		if r.Closed != nil && r.OriginalDue != nil {
			due = r.OriginalDue
		}
		r.Status = string(forecast.MilestoneStatus(r.Closed, due, now, fc))
	}
	if r.OriginalDue != nil && (r.Closed != nil || r.Status == string(forecast.StatusOverdue)) {
		r.SlipDays = ptrF(forecast.Days(end.Sub(*r.OriginalDue)))
	}
	if fc != nil && m.due != nil && r.OriginalDue != nil {
		sl := forecast.Attribute(forecast.SlipInput{OriginalDue: *r.OriginalDue, CurrentDue: *m.due, P85: fc.P85,
			Remaining: int(s.open), NetScopeAdded: int(s.added - s.removed), FirstHalf: tp.FirstHalf, Current: tp.Current})
		r.SlipFromScope, r.SlipFromThrough = ptrF(sl.ScopeDays), ptrF(sl.ThroughputDays)
		r.SlipFromPlan, r.DueMovedDays = ptrF(sl.PlanDays), ptrF(sl.DueMovedDays)
	}
	return r
}

// closedAt is when a closed milestone closed: the source's time when it has
// one (Jira: the release date), else the first snapshot that saw it closed.
func closedAt(m storedMilestone, dues []dueValue) *time.Time {
	if m.closed != nil {
		return m.closed
	}
	var first, last int64
	for _, v := range dues {
		if v.closedSeen > 0 && (first == 0 || v.closedSeen < first) {
			first = v.closedSeen
		}
		last = max(last, v.lastSeen)
	}
	if first == 0 {
		first = last // no snapshot saw it closed: the newest one is the best bound
	}
	if first == 0 {
		return nil
	}
	return ptrTime(time.Unix(first, 0).UTC())
}

// The Monte Carlo's answer in weeks depends only on (seed, remaining,
// samples), not on the as-of date, so it is memoised: a refresh of
// thousands of milestones pays only for the ones whose inputs moved. The
// function is pure, so a process-wide table is safe; it is emptied when
// full.
var forecasts = struct {
	sync.Mutex
	m map[string]forecastWeeks
}{m: map[string]forecastWeeks{}}

const forecastCacheSize = 1 << 16

type forecastWeeks struct {
	p50, p85 int
	ok       bool
}

func cachedForecast(remaining int, samples []int, asOf time.Time, seed uint64) (forecast.Result, bool) {
	return memoForecast(remaining, samples, asOf, seed, forecast.DefaultTrials)
}

// memoForecast is forecast.Forecast through the memo.
func memoForecast(remaining int, samples []int, asOf time.Time, seed uint64, trials int) (forecast.Result, bool) {
	var b strings.Builder
	b.WriteString(strconv.Itoa(trials))
	b.WriteByte('/')
	b.WriteString(strconv.FormatUint(seed, 36))
	b.WriteByte('/')
	b.WriteString(strconv.Itoa(remaining))
	for _, s := range samples {
		b.WriteByte(',')
		b.WriteString(strconv.Itoa(s))
	}
	key := b.String()
	forecasts.Lock()
	w, hit := forecasts.m[key]
	forecasts.Unlock()
	if !hit {
		res, ok := forecast.Forecast(remaining, samples, asOf, seed, trials)
		w = forecastWeeks{p50: res.P50Weeks, p85: res.P85Weeks, ok: ok}
		forecasts.Lock()
		if len(forecasts.m) >= forecastCacheSize {
			clear(forecasts.m)
		}
		forecasts.m[key] = w
		forecasts.Unlock()
	}
	if !w.ok {
		return forecast.Result{}, false
	}
	week := 7 * 24 * time.Hour
	return forecast.Result{P50: asOf.Add(time.Duration(w.p50) * week), P85: asOf.Add(time.Duration(w.p85) * week),
		P50Weeks: w.p50, P85Weeks: w.p85}, true
}
