package gitlab

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/runway-analytics/runway/collector/membership"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// mapper turns GitLab payloads into warehouse rows for one run.
type mapper struct {
	source  string
	now     time.Time
	version uint64
}

func newMapper(source string, now time.Time) *mapper {
	return &mapper{source: source, now: now, version: uint64(now.UnixNano())}
}

// day reads a GitLab date ("2019-07-02", a day); end selects the last
// second of it: a due date is met by anything closed on that day.
func day(s *string, end bool) (*time.Time, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	d, err := time.Parse(time.DateOnly, *s)
	if err != nil {
		return nil, fmt.Errorf("bad date %.40q (want YYYY-MM-DD)", *s)
	}
	if end {
		d = d.Add(24*time.Hour - time.Second)
	}
	return &d, nil
}

// milestoneRows maps a milestone into its row and this run's snapshot.
// owner is the full path of its project or group: a group milestone
// belongs to the group. GitLab keeps no close time; closing a milestone
// updates it, so a closed one's updated_at is when it closed (or a later
// edit: an upper bound, far tighter than the first run that saw it
// closed). The baseline is the start date, else the creation (DESIGN §5).
func (m *mapper) milestoneRows(ms milestone, owner string) (warehouse.MilestoneRow, warehouse.MilestoneSnapshotRow, error) {
	start, err := day(ms.StartDate, false)
	if err != nil {
		return warehouse.MilestoneRow{}, warehouse.MilestoneSnapshotRow{}, fmt.Errorf("milestone %d: start_date: %w", ms.ID, err)
	}
	due, err := day(ms.DueDate, true)
	if err != nil {
		return warehouse.MilestoneRow{}, warehouse.MilestoneSnapshotRow{}, fmt.Errorf("milestone %d: due_date: %w", ms.ID, err)
	}
	state := warehouse.MilestoneOpen
	var closed *time.Time
	if ms.State == "closed" {
		state = warehouse.MilestoneClosed
		if !ms.UpdatedAt.IsZero() {
			c := ms.UpdatedAt.UTC()
			closed = &c
		}
	}
	id := strconv.FormatInt(ms.ID, 10)
	row := warehouse.MilestoneRow{Source: m.source, MilestoneID: id, Project: owner, Title: ms.Title, State: state,
		URL: ms.WebURL, Created: ms.CreatedAt.UTC(), Start: start, Due: due, Closed: closed, Version: m.version}
	snap := warehouse.MilestoneSnapshotRow{Source: m.source, MilestoneID: id, Observed: m.now.Truncate(time.Second),
		RunID: m.now.Format(time.RFC3339Nano), State: state, Due: due, Version: m.version}
	return row, snap, nil
}

// issue maps an issue of project path and its milestone events. The
// events name milestones by id; a milestone set at creation may leave no
// event, so the initial membership is the current one with every change
// undone (membership.Before), as for Jira and GitHub. An event carries the
// issue's state then, which says whether an exit was while done.
//
// With iterations (iterations not nil), its iteration events give its
// sprint membership the same way, and its state events its changes into
// and out of done.
func (m *mapper) issue(is issue, path string, evs []resourceEvent, iterations *issueIterations) []warehouse.Row {
	id := strconv.FormatInt(is.ID, 10)
	var states []resourceEvent
	if iterations != nil {
		states = iterations.states
	}
	events, stays := m.replay(is, current(is.Milestone), evs, states, func(e resourceEvent) *container { return e.Milestone })
	rows := make([]warehouse.Row, 0, 1+len(events)+len(stays))
	category, status := warehouse.CategoryNew, "opened"
	var resolved *time.Time
	if is.State == "closed" {
		category, status = warehouse.CategoryDone, "closed"
		if is.ClosedAt != nil {
			r := is.ClosedAt.UTC()
			resolved = &r
		}
	}
	var assignee string
	if len(is.Assignees) > 0 {
		assignee = is.Assignees[0].Username
	}
	labels := slices.Clone(is.Labels)
	if labels == nil {
		labels = []string{}
	}
	rows = append(rows, warehouse.IssueRow{Source: m.source, IssueID: id, Key: path + "#" + strconv.FormatInt(is.IID, 10),
		Project: path, Type: cmp.Or(is.IssueType, "issue"), Summary: is.Title, Status: status, StatusCategory: category,
		Assignee: assignee, Created: is.CreatedAt.UTC(), Updated: is.UpdatedAt.UTC(), Resolved: resolved,
		SprintIDs: current(is.Iteration), MilestoneIDs: current(is.Milestone), Labels: labels, Version: m.version})
	add := func(kind string, events []membership.Event, stays []membership.Interval) {
		evRows, ivRows := membership.Rows(m.source, kind, id, m.version, events, stays, nil)
		for _, e := range evRows {
			rows = append(rows, e)
		}
		for _, iv := range ivRows {
			rows = append(rows, iv)
		}
	}
	add(warehouse.ContainerMilestone, events, stays)
	if iterations != nil {
		events, stays := m.replay(is, current(is.Iteration), iterations.events, states,
			func(e resourceEvent) *container { return e.Iteration })
		add(warehouse.ContainerSprint, events, stays)
		rows = append(rows, m.statusRows(id, iterations.states)...)
	}
	return rows
}

// issueIterations are an issue's iteration and state events.
type issueIterations struct{ events, states []resourceEvent }

// current is the container an issue is in now, as ids.
func current[T interface{ id() int64 }](c T) []string {
	if id := c.id(); id != 0 {
		return []string{strconv.FormatInt(id, 10)}
	}
	return []string{}
}

func (ms *milestone) id() int64 {
	if ms == nil {
		return 0
	}
	return ms.ID
}

// replay replays an issue's membership in one kind of container from its
// resource events of that kind (pick reads an event's container; nil: a
// container deleted since). An issue is in one container of a kind at a
// time, so an "add" while in another (how GitLab records a change of
// milestone or iteration) also leaves that one. Whether an exit was while
// done is the event's issue state when it has one (milestone events),
// else the state events' (states; nil when not read).
func (m *mapper) replay(is issue, now []string, evs, states []resourceEvent, pick func(resourceEvent) *container) ([]membership.Event, []membership.Interval) {
	evs = sortedEvents(evs)
	var changes []membership.Change
	closedAt := map[time.Time]bool{} // the issue's state at each event
	in := ""                         // the container the events have the issue in so far
	for _, e := range evs {
		c := pick(e)
		if c == nil || c.ID == 0 {
			continue
		}
		at := e.CreatedAt.UTC()
		ch := membership.Change{At: at, EventID: strconv.FormatInt(e.ID, 10)}
		if e.User != nil {
			ch.Actor = e.User.Username
		}
		id := strconv.FormatInt(c.ID, 10)
		if e.Action == "add" {
			ch.Added = []string{id}
			if in != "" && in != id {
				ch.Removed = []string{in}
			}
			in = id
		} else {
			ch.Removed = []string{id}
			if in == id {
				in = ""
			}
		}
		changes = append(changes, ch)
		if e.State != "" { // milestone events carry the issue's state; iteration events do not
			closedAt[at] = e.State == "closed"
		}
	}
	doneAt := func(t time.Time) bool {
		if done, ok := closedAt[t]; ok {
			return done
		}
		return doneFromStates(is, states, t)
	}
	return membership.Replay(membership.History{Created: is.CreatedAt.UTC(), Initial: membership.Before(now, changes),
		Changes: changes, DoneAt: doneAt})
}

// doneFromStates says whether the issue was done (closed) at t: by its
// last state event at or before t when the run read them (states not
// nil), else by whether it is closed now and was at t.
func doneFromStates(is issue, states []resourceEvent, t time.Time) bool {
	if states != nil {
		done := false
		for _, e := range sortedEvents(states) {
			if e.CreatedAt.After(t) {
				break
			}
			switch e.State {
			case "closed":
				done = true
			case "reopened":
				done = false
			}
		}
		return done
	}
	return is.State == "closed" && is.ClosedAt != nil && !t.Before(*is.ClosedAt)
}

// sortedEvents orders resource events by time, then id.
func sortedEvents(evs []resourceEvent) []resourceEvent {
	evs = slices.Clone(evs)
	slices.SortStableFunc(evs, func(a, b resourceEvent) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return evs
}
