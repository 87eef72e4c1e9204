package analytics

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/runway-analytics/runway/api/analytics/forecast"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// Milestone kinds (DESIGN §5).
const (
	KindPrototype  = "prototype"
	KindBeta       = "beta"
	KindProduction = "production"
	KindOther      = "other"
)

// Milestone states as reports serve them: the stored open and closed, and
// archived for a milestone put away unreleased (no open milestone).
const (
	MilestoneOpen     = warehouse.MilestoneOpen
	MilestoneClosed   = warehouse.MilestoneClosed
	MilestoneArchived = "archived"
)

// KindRules classify milestones by title: the first rule with a matching
// pattern names the kind, else KindOther.
type KindRules []KindRule

// KindRule is one kind's title patterns.
type KindRule struct {
	Kind     string
	Patterns []*regexp.Regexp
}

// NewKindRules compiles patterns per kind, in matching order.
func NewKindRules(kinds []string, patterns [][]string) (KindRules, error) {
	var out KindRules
	for i, k := range kinds {
		r := KindRule{Kind: k}
		for _, p := range patterns[i] {
			re, err := regexp.Compile(p)
			if err != nil {
				return nil, fmt.Errorf("milestone kind %s: %w", k, err)
			}
			r.Patterns = append(r.Patterns, re)
		}
		out = append(out, r)
	}
	return out, nil
}

// Kind classifies a title.
func (rs KindRules) Kind(title string) string {
	for _, r := range rs {
		for _, re := range r.Patterns {
			if re.MatchString(title) {
				return r.Kind
			}
		}
	}
	return KindOther
}

// MilestoneFilter selects milestone reports. Order is stable for keyset
// paging: due date first (no due date last), then source and id.
type MilestoneFilter struct {
	Source  string // exact source name
	Project string // the upstream project (Jira key, repository) or the Runway project key
	State   string // "", open, closed or archived
	Status  string // "" or a forecast.Status
	Kind    string // "" or a kind
	Kinds   KindRules
	// Now is the report clock: t of open milestones and the forecasts'
	// as-of date. Required.
	Now   time.Time
	Limit int // 0: DefaultLimit
	After *MilestoneKey
}

// MilestoneKey is a keyset position: the last milestone of a page.
type MilestoneKey struct {
	Due        *time.Time
	Source, ID string
}

// MilestoneReport is one milestone with its scope, forecast and status
// (DESIGN §5, §7). Days are float64 days; nil where undefined.
type MilestoneReport struct {
	Source            string     `json:"source"`
	ID                string     `json:"id"`
	Title             string     `json:"title"`
	Project           string     `json:"project"`
	ProjectKey        string     `json:"project_key"`  // the Runway project, "" when none matches
	ProjectName       string     `json:"project_name"` // its name
	Kind              string     `json:"kind"`
	State             string     `json:"state"`
	URL               string     `json:"url"`
	Start             *time.Time `json:"start"` // the baseline
	Due               *time.Time `json:"due"`
	OriginalDue       *time.Time `json:"original_due"`
	Closed            *time.Time `json:"closed"`
	DueChanges        int        `json:"due_changes"`
	DurationDays      *float64   `json:"duration_days"`
	SlipDays          *float64   `json:"slip_days"`
	OpenIssues        int64      `json:"open_issues"`
	ClosedIssues      int64      `json:"closed_issues"`
	Progress          *float64   `json:"progress"`
	InitialScope      int64      `json:"initial_scope"`
	Added             int64      `json:"added"`
	Removed           int64      `json:"removed"`
	ScopeChangeRate   *float64   `json:"scope_change_rate"`
	ThroughputPerWeek *float64   `json:"throughput_per_week"`
	ForecastP50       *time.Time `json:"forecast_p50"`
	ForecastP85       *time.Time `json:"forecast_p85"`
	ForecastSlipDays  *float64   `json:"forecast_slip_days"`
	Status            string     `json:"status"`
	SlipFromScope     *float64   `json:"slip_from_scope_days"`
	SlipFromThrough   *float64   `json:"slip_from_throughput_days"`
	SlipFromPlan      *float64   `json:"slip_from_plan_days"`
	DueMovedDays      *float64   `json:"due_moved_days"`
}

// DueChange is one due date a milestone was observed with, from the first
// snapshot that saw it (Due nil: the due date was removed).
type DueChange struct {
	Due       *time.Time `json:"due"`
	FirstSeen time.Time  `json:"first_seen"`
}

// MilestoneEvent is an issue entering or leaving a milestone.
type MilestoneEvent struct {
	IssueID  string    `json:"issue_id"`
	IssueKey string    `json:"issue_key"`
	At       time.Time `json:"at"`
	Action   string    `json:"action"` // added | removed
}

// MilestoneDetail is one milestone with its due history and membership
// events.
type MilestoneDetail struct {
	MilestoneReport
	DueHistory []DueChange      `json:"due_history"`
	Events     []MilestoneEvent `json:"events"`
}

func (f MilestoneFilter) check() (time.Time, error) {
	switch f.State {
	case "", MilestoneOpen, MilestoneClosed, MilestoneArchived:
	default:
		return time.Time{}, fmt.Errorf("%w: state %q (want open, closed or archived)", ErrInvalidArgument, f.State)
	}
	if f.Status != "" && !forecast.Status(f.Status).Valid() {
		return time.Time{}, fmt.Errorf("%w: status %q", ErrInvalidArgument, f.Status)
	}
	switch f.Kind {
	case "", KindPrototype, KindBeta, KindProduction, KindOther:
	default:
		return time.Time{}, fmt.Errorf("%w: kind %q (want prototype, beta, production or other)", ErrInvalidArgument, f.Kind)
	}
	if f.Limit < 0 {
		return time.Time{}, fmt.Errorf("%w: limit %d is negative", ErrInvalidArgument, f.Limit)
	}
	return reportNow(f.Now)
}

// Milestones returns a page of milestone reports. Status and kind are
// computed, not stored, so the selection is filtered and paged here, over
// the reading of every milestone (allMilestoneData).
func Milestones(ctx context.Context, db warehouse.DB, f MilestoneFilter) ([]MilestoneReport, error) {
	now, err := f.check()
	if err != nil {
		return nil, err
	}
	c, err := allMilestoneData(ctx, db, now)
	if err != nil {
		return nil, err
	}
	out := []MilestoneReport{}
	for _, r := range c.reports(f.Kinds, now) {
		if (f.Source != "" && r.Source != f.Source) || (f.State != "" && r.State != f.State) || (f.Status != "" && r.Status != f.Status) ||
			(f.Kind != "" && r.Kind != f.Kind) ||
			(f.Project != "" && r.Project != f.Project && r.ProjectKey != f.Project) {
			continue
		}
		out = append(out, r)
	}
	slices.SortFunc(out, compareMilestones)
	if a := f.After; a != nil {
		key := MilestoneReport{Due: a.Due, Source: a.Source, ID: a.ID}
		i, _ := slices.BinarySearchFunc(out, key, compareMilestones)
		for i < len(out) && compareMilestones(out[i], key) <= 0 {
			i++
		}
		out = out[i:]
	}
	limit := f.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// recent keeps the open milestones and those closed within closedWithin
// before now, in list order.
func recent(all []MilestoneReport, closedWithin time.Duration, now time.Time) []MilestoneReport {
	since := now.Add(-closedWithin)
	out := []MilestoneReport{}
	for _, r := range all {
		if r.State == MilestoneOpen || (r.State == MilestoneClosed && r.Closed != nil && !r.Closed.Before(since)) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, compareMilestones)
	return out
}

// compareMilestones is the list order: due ascending, no due date last,
// then source and id.
func compareMilestones(a, b MilestoneReport) int {
	switch {
	case a.Due == nil && b.Due != nil:
		return 1
	case a.Due != nil && b.Due == nil:
		return -1
	case a.Due != nil && b.Due != nil:
		if c := a.Due.Compare(*b.Due); c != 0 {
			return c
		}
	}
	if c := strings.Compare(a.Source, b.Source); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// Milestone returns one milestone with its due history and membership
// events; ErrNotFound when it does not exist (or was deleted upstream).
func Milestone(ctx context.Context, db warehouse.DB, source, id string, kinds KindRules, now time.Time) (MilestoneDetail, error) {
	now, err := reportNow(now)
	if err != nil {
		return MilestoneDetail{}, err
	}
	c, err := milestoneDataOf(ctx, db, milestoneSel{source: source, id: id}, now)
	if err != nil {
		return MilestoneDetail{}, err
	}
	i := slices.IndexFunc(c.ms, func(m storedMilestone) bool { return m.source == source && m.id == id })
	if i < 0 {
		return MilestoneDetail{}, fmt.Errorf("%w: milestone %s/%s", ErrNotFound, source, id)
	}
	d := MilestoneDetail{MilestoneReport: c.report(c.ms[i], kinds, now), DueHistory: c.dueHistory(source, id), Events: []MilestoneEvent{}}
	ev := buildMilestoneEvents(source, id)
	rows, err := db.Query(ctx, ev.sql, ev.args...)
	if err != nil {
		return MilestoneDetail{}, fmt.Errorf("milestone events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e MilestoneEvent
		if err := rows.Scan(&e.IssueID, &e.IssueKey, &e.At, &e.Action); err != nil {
			return MilestoneDetail{}, fmt.Errorf("milestone events: %w", err)
		}
		d.Events = append(d.Events, e)
	}
	if err := rows.Err(); err != nil {
		return MilestoneDetail{}, fmt.Errorf("milestone events: %w", err)
	}
	return d, nil
}

// buildMilestoneEvents renders the membership events of one milestone,
// tombstoned issues left out. Columns: issue_id, issue_key, at, action.
func buildMilestoneEvents(source, id string) frag {
	var q query
	q.add("SELECT issue_id, issue_key, at, action\n" +
		"FROM (\n" +
		"    SELECT source, issue_id, at, action, event_id\n" +
		"    FROM {db}.membership_events FINAL\n")
	q.add("    WHERE source = ? AND kind = '"+warehouse.ContainerMilestone+"' AND container_id = ?\n", source, id)
	// Keys and tombstones of the milestone's issues only: a primary-key
	// lookup, where every issue of the source would be a pass over all.
	q.add(") AS e\n" +
		"ANY LEFT JOIN (\n" +
		"    SELECT source, issue_id, issue_key, deleted\n" +
		"    FROM {db}.issues FINAL\n")
	q.add("    WHERE source = ? AND issue_id IN (\n"+
		"        SELECT issue_id FROM {db}.membership_events\n"+
		"        WHERE source = ? AND kind = '"+warehouse.ContainerMilestone+"' AND container_id = ?\n"+
		"    )\n", source, source, id)
	q.add(") AS k USING (source, issue_id)\n" +
		"WHERE deleted = 0\n" +
		"ORDER BY at, issue_id, event_id")
	return q.frag()
}
