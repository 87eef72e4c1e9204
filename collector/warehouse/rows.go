package warehouse

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"time"
)

// Row is one typed row of a warehouse table. Field tags `ch:"column"` name
// the columns; field types follow the insert types in values.go.
type Row interface {
	Table() string
}

// Run and cursor bookkeeping.
type (
	SourceRow struct {
		Source   string `ch:"source"`
		Type     string `ch:"type"`
		BaseURL  string `ch:"base_url"`
		Schedule string `ch:"schedule"`
		Version  uint64 `ch:"version"`
	}
	RunRow struct {
		Source   string     `ch:"source"`
		RunID    string     `ch:"run_id"`
		Type     string     `ch:"type"`
		Trigger  string     `ch:"trigger"`
		Started  time.Time  `ch:"started"`
		Finished *time.Time `ch:"finished"`
		Status   string     `ch:"status"`
		Error    string     `ch:"error"`
		Requests int64      `ch:"requests"`
		Retries  int64      `ch:"retries"`
		Bytes    int64      `ch:"bytes"`
		Rows     int64      `ch:"rows"`
		Version  uint64     `ch:"version"`
	}
	CursorRow struct {
		Source  string    `ch:"source"`
		Name    string    `ch:"name"`
		Value   string    `ch:"value"`
		RunID   string    `ch:"run_id"`
		Updated time.Time `ch:"updated"`
		Version uint64    `ch:"version"`
	}
)

// The stored vocabulary that report SQL reads. Each source maps its own
// names onto it at ingest, so no query knows a vendor.
const (
	// Sprint states (sprints.state).
	SprintFuture = "future"
	SprintActive = "active"
	SprintClosed = "closed"
	// Status categories (issues.status_category, statuses.category,
	// issue_status_changes.from/to_category): only CategoryDone has a
	// meaning in reports (done at t1, done at leaving).
	CategoryNew           = "new"
	CategoryIndeterminate = "indeterminate"
	CategoryDone          = "done"
	// Milestone states (milestones.state, milestone_snapshots.state).
	MilestoneOpen   = "open"
	MilestoneClosed = "closed"
	// Container kinds (membership_events/intervals.kind).
	ContainerSprint    = "sprint"
	ContainerMilestone = "milestone"
)

// Engineering work: boards, sprints, issues and their histories.
type (
	BoardRow struct {
		Source  string `ch:"source"`
		BoardID string `ch:"board_id"`
		Name    string `ch:"name"`
		Type    string `ch:"type"`
		Project string `ch:"project"`
		Version uint64 `ch:"version"`
	}
	SprintRow struct {
		Source    string     `ch:"source"`
		SprintID  string     `ch:"sprint_id"`
		BoardID   string     `ch:"board_id"`
		Name      string     `ch:"name"`
		State     string     `ch:"state"`
		Goal      string     `ch:"goal"`
		Start     *time.Time `ch:"start_date"`
		End       *time.Time `ch:"end_date"`
		Activated *time.Time `ch:"activated_date"`
		Complete  *time.Time `ch:"complete_date"`
		// CarryOverGrace is the source's rule for the completion move-out:
		// exits of a closed sprint in [complete - grace, complete] are
		// carry-over, not removals (see SprintGrace*).
		CarryOverGrace uint64 `ch:"carry_over_grace"`
		Version        uint64 `ch:"version"`
		Deleted        uint8  `ch:"deleted"` // 1: a tombstone (see Tombstone)
	}
	StatusRow struct {
		Source   string `ch:"source"`
		StatusID string `ch:"status_id"`
		Name     string `ch:"name"`
		Category string `ch:"category"`
		Version  uint64 `ch:"version"`
	}
	IssueRow struct {
		Source         string     `ch:"source"`
		IssueID        string     `ch:"issue_id"`
		Key            string     `ch:"issue_key"`
		Project        string     `ch:"project"`
		Type           string     `ch:"issue_type"`
		Summary        string     `ch:"summary"`
		Status         string     `ch:"status"`
		StatusCategory string     `ch:"status_category"`
		Epic           string     `ch:"epic"`
		Assignee       string     `ch:"assignee"`
		Points         *float64   `ch:"points"`
		Created        time.Time  `ch:"created"`
		Updated        time.Time  `ch:"updated"`
		Resolved       *time.Time `ch:"resolved"`
		SprintIDs      []string   `ch:"sprint_ids"`
		MilestoneIDs   []string   `ch:"milestone_ids"`
		Labels         []string   `ch:"labels"`
		Version        uint64     `ch:"version"`
		Deleted        uint8      `ch:"deleted"` // 1: a tombstone (see Tombstone)
	}
	StatusChangeRow struct {
		Source       string    `ch:"source"`
		IssueID      string    `ch:"issue_id"`
		EventID      string    `ch:"event_id"`
		At           time.Time `ch:"at"`
		FromStatus   string    `ch:"from_status"`
		ToStatus     string    `ch:"to_status"`
		FromCategory string    `ch:"from_category"`
		ToCategory   string    `ch:"to_category"`
		Seq          uint64    `ch:"seq"` // order within one second (see migration 18)
		Version      uint64    `ch:"version"`
	}
	PointsChangeRow struct {
		Source  string    `ch:"source"`
		IssueID string    `ch:"issue_id"`
		EventID string    `ch:"event_id"`
		At      time.Time `ch:"at"`
		Seq     uint64    `ch:"seq"`
		Points  *float64  `ch:"points"`
		Version uint64    `ch:"version"`
	}
	MembershipEventRow struct {
		Source      string    `ch:"source"`
		Kind        string    `ch:"kind"`
		ContainerID string    `ch:"container_id"`
		IssueID     string    `ch:"issue_id"`
		EventID     string    `ch:"event_id"`
		At          time.Time `ch:"at"`
		Action      string    `ch:"action"`
		Actor       string    `ch:"actor"`
		Version     uint64    `ch:"version"`
	}
	MembershipIntervalRow struct {
		Source        string     `ch:"source"`
		Kind          string     `ch:"kind"`
		ContainerID   string     `ch:"container_id"`
		IssueID       string     `ch:"issue_id"`
		Entered       time.Time  `ch:"entered"`
		Exited        *time.Time `ch:"exited"`
		DoneAtLeaving uint8      `ch:"done_at_leaving"`
		Points        *float64   `ch:"points"`
		Version       uint64     `ch:"version"`
	}
)

// Milestones and their observed history.
type (
	MilestoneRow struct {
		Source       string     `ch:"source"`
		MilestoneID  string     `ch:"milestone_id"`
		Project      string     `ch:"project"`
		Title        string     `ch:"title"`
		Kind         string     `ch:"kind"`
		State        string     `ch:"state"`
		URL          string     `ch:"url"`
		Created      time.Time  `ch:"created"`
		Start        *time.Time `ch:"start_date"`
		Due          *time.Time `ch:"due"`
		Closed       *time.Time `ch:"closed"`
		OpenIssues   int64      `ch:"open_issues"`
		ClosedIssues int64      `ch:"closed_issues"`
		Version      uint64     `ch:"version"`
		Archived     uint8      `ch:"archived"`
		Deleted      uint8      `ch:"deleted"` // 1: a tombstone (see Tombstone)
	}
	MilestoneSnapshotRow struct {
		Source       string     `ch:"source"`
		MilestoneID  string     `ch:"milestone_id"`
		Observed     time.Time  `ch:"observed"`
		RunID        string     `ch:"run_id"`
		State        string     `ch:"state"`
		Due          *time.Time `ch:"due"`
		OpenIssues   int64      `ch:"open_issues"`
		ClosedIssues int64      `ch:"closed_issues"`
		Version      uint64     `ch:"version"`
	}
)

// Support tickets.
type (
	TicketRow struct {
		Source                    string     `ch:"source"`
		TicketID                  string     `ch:"ticket_id"`
		Subject                   string     `ch:"subject"`
		Status                    string     `ch:"status"`
		Priority                  string     `ch:"priority"`
		Group                     string     `ch:"group_name"`
		Assignee                  string     `ch:"assignee"`
		Organization              string     `ch:"organization"`
		Tags                      []string   `ch:"tags"`
		Created                   time.Time  `ch:"created"`
		Updated                   time.Time  `ch:"updated"`
		Solved                    *time.Time `ch:"solved"`
		FirstReplyMinutes         *float64   `ch:"first_reply_minutes"`
		FirstReplyBusinessMinutes *float64   `ch:"first_reply_business_minutes"`
		ResolutionMinutes         *float64   `ch:"resolution_minutes"`
		ResolutionBusinessMinutes *float64   `ch:"resolution_business_minutes"`
		Version                   uint64     `ch:"version"`
	}
	TicketMetricEventRow struct {
		Source        string    `ch:"source"`
		TicketID      string    `ch:"ticket_id"`
		EventID       string    `ch:"event_id"`
		Metric        string    `ch:"metric"`
		Type          string    `ch:"type"`
		At            time.Time `ch:"at"`
		SLAPolicy     string    `ch:"sla_policy"`
		TargetMinutes *float64  `ch:"target_minutes"`
		BusinessHours uint8     `ch:"business_hours"`
		Version       uint64    `ch:"version"`
	}
	SLAPolicyRow struct {
		Source        string  `ch:"source"`
		PolicyID      string  `ch:"policy_id"`
		Title         string  `ch:"title"`
		Priority      string  `ch:"priority"`
		Metric        string  `ch:"metric"`
		TargetMinutes float64 `ch:"target_minutes"`
		BusinessHours uint8   `ch:"business_hours"`
		Version       uint64  `ch:"version"`
	}
	ProjectRow struct {
		Key            string   `ch:"project_key"`
		Name           string   `ch:"name"`
		Type           string   `ch:"type"`
		JiraProjects   []string `ch:"jira_projects"`
		GitHubRepos    []string `ch:"github_repos"`
		GitLabProjects []string `ch:"gitlab_projects"`
		ZendeskGroups  []string `ch:"zendesk_groups"`
		Version        uint64   `ch:"version"`
	}
)

func (SourceRow) Table() string             { return "sources" }
func (RunRow) Table() string                { return "collector_runs" }
func (CursorRow) Table() string             { return "cursors" }
func (BoardRow) Table() string              { return "boards" }
func (SprintRow) Table() string             { return "sprints" }
func (StatusRow) Table() string             { return "statuses" }
func (IssueRow) Table() string              { return "issues" }
func (StatusChangeRow) Table() string       { return "issue_status_changes" }
func (PointsChangeRow) Table() string       { return "issue_points_changes" }
func (MembershipEventRow) Table() string    { return "membership_events" }
func (MembershipIntervalRow) Table() string { return "membership_intervals" }
func (MilestoneRow) Table() string          { return "milestones" }
func (MilestoneSnapshotRow) Table() string  { return "milestone_snapshots" }
func (TicketRow) Table() string             { return "tickets" }
func (TicketMetricEventRow) Table() string  { return "ticket_metric_events" }
func (SLAPolicyRow) Table() string          { return "sla_policies" }
func (ProjectRow) Table() string            { return "projects" }

// AllRows lists one zero value of every row type, for schema tests.
func AllRows() []Row {
	return []Row{SourceRow{}, RunRow{}, CursorRow{}, BoardRow{}, SprintRow{}, StatusRow{},
		IssueRow{}, StatusChangeRow{}, PointsChangeRow{}, MembershipEventRow{}, MembershipIntervalRow{},
		MilestoneRow{}, MilestoneSnapshotRow{}, TicketRow{}, TicketMetricEventRow{},
		SLAPolicyRow{}, ProjectRow{}}
}

var columnCache sync.Map // reflect.Type -> []column

type column struct {
	name  string
	index int
}

func columnsOf(t reflect.Type) []column {
	if c, ok := columnCache.Load(t); ok {
		return c.([]column)
	}
	var cols []column
	for i := range t.NumField() {
		if name := t.Field(i).Tag.Get("ch"); name != "" {
			cols = append(cols, column{name: name, index: i})
		}
	}
	columnCache.Store(t, cols)
	return cols
}

// Columns returns the column names of a row type, in field order.
func Columns(r Row) []string {
	cols := columnsOf(reflect.TypeOf(r))
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.name
	}
	return out
}

// Values returns a row's values in Columns order.
func Values(r Row) []any {
	v := reflect.ValueOf(r)
	cols := columnsOf(v.Type())
	out := make([]any, len(cols))
	for i, c := range cols {
		out[i] = v.Field(c.index).Interface()
	}
	return out
}

// InsertRows writes typed rows of one table.
func InsertRows[T Row](ctx context.Context, db DB, rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	vals := make([][]any, len(rows))
	for i, r := range rows {
		vals[i] = Values(r)
	}
	var zero T
	if err := db.Insert(ctx, zero.Table(), Columns(zero), vals); err != nil {
		return fmt.Errorf("writing %d rows to %s: %w", len(rows), zero.Table(), err)
	}
	return nil
}

// InsertMixed writes rows that share one table but arrive as Row values
// (a run's buffered output).
func InsertMixed(ctx context.Context, db DB, rows []Row) error {
	if len(rows) == 0 {
		return nil
	}
	vals := make([][]any, len(rows))
	for i, r := range rows {
		vals[i] = Values(r)
	}
	table := rows[0].Table()
	if err := db.Insert(ctx, table, Columns(rows[0]), vals); err != nil {
		return fmt.Errorf("writing %d rows to %s: %w", len(rows), table, err)
	}
	return nil
}
