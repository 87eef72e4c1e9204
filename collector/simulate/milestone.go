package simulate

import (
	"slices"
	"time"
)

// FieldFixVersion items change the issue's milestones (fix versions), one
// milestone per item, as Jira writes them: From is the id of the milestone
// left and To is empty, or From is empty and To is the id of the milestone
// entered. Moving an issue from one milestone to another is two items of
// one history.
const FieldFixVersion = "Fix Version"

// Milestone states as of a moment: open, closed (released), or archived
// (put away unreleased). A released milestone that is archived is closed.
const (
	MilestoneOpen     = "open"
	MilestoneClosed   = "closed"
	MilestoneArchived = "archived"
)

// DueChange is one value of a milestone's due date: from At on, the due
// date is Due (nil: none).
type DueChange struct {
	At  time.Time
	Due *time.Time
}

// Milestone is a release target of a project (Jira: a fix version;
// GitHub: a milestone). An issue may be in several milestones at once,
// except in an org laid out for GitHub (Org.Vendor). Its name, due date,
// release and archiving change over time, so each is read as of a moment
// (NameAt, DueAt, StateAt). Due and
// Start are instants; a vendor that keeps only days (Jira) serves their
// UTC day, so generated due dates are the last second of a UTC day and
// start dates its first.
type Milestone struct {
	ID      string // numeric, unique among the org's milestones ("10008")
	Project string // project key
	// Name is the current name; NameAt reads it as of a moment.
	Name        string
	Description string
	// Scenario names what the generator built the milestone to show (the
	// Scenario* constants); "" for hand-built ones.
	Scenario string
	Created  time.Time  // when it appears upstream
	Start    *time.Time // planned start, or nil
	// Dues is the due-date history, chronological, none before Created;
	// before the first entry (often at Created) there is no due date.
	Dues     []DueChange
	Released *time.Time // when it was released (shipped), or nil
	Archived *time.Time // when it was archived, or nil
	// Renames is the name history, chronological (RenameMilestone): from
	// each entry's At on, the milestone is no longer named From. Empty:
	// always named Name.
	Renames []Rename
}

// Rename is one change of a milestone's name: at At it stopped being
// named From (the next entry's From, or Name, is what it became).
type Rename struct {
	At   time.Time
	From string
}

// NameAt is the milestone's name after every rename at or before t.
func (m *Milestone) NameAt(t time.Time) string {
	for _, r := range m.Renames {
		if r.At.After(t) {
			return r.From
		}
	}
	return m.Name
}

// ExistsAt reports whether the milestone has been created by t.
func (m *Milestone) ExistsAt(t time.Time) bool { return !m.Created.After(t) }

// DueAt is the due date after every change at or before t (nil: none).
func (m *Milestone) DueAt(t time.Time) *time.Time {
	var d *time.Time
	for _, c := range m.Dues {
		if c.At.After(t) {
			break
		}
		d = c.Due
	}
	if d == nil {
		return nil
	}
	v := *d
	return &v
}

// ReleasedAt reports whether the milestone is released at t.
func (m *Milestone) ReleasedAt(t time.Time) bool { return m.Released != nil && !m.Released.After(t) }

// ArchivedAt reports whether the milestone is archived at t.
func (m *Milestone) ArchivedAt(t time.Time) bool { return m.Archived != nil && !m.Archived.After(t) }

// StateAt is the milestone's state at t: MilestoneClosed once released,
// else MilestoneArchived once archived, else MilestoneOpen.
func (m *Milestone) StateAt(t time.Time) string {
	switch {
	case m.ReleasedAt(t):
		return MilestoneClosed
	case m.ArchivedAt(t):
		return MilestoneArchived
	}
	return MilestoneOpen
}

// EndOfDay is the last second of t's UTC day: how a due date given as a
// day (Jira's releaseDate) is met by anything done on that day.
func EndOfDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 59, 0, time.UTC)
}

// StartOfDay is the first second of t's UTC day.
func StartOfDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// VersionsAt is the issue's milestones (ids, in the order it entered them)
// after every change at or before t.
func (is *Issue) VersionsAt(t time.Time) []string {
	vs := slices.Clone(is.InitialVersions)
	for _, h := range is.Histories {
		if h.At.After(t) {
			break
		}
		for _, it := range h.Items {
			if it.Field != FieldFixVersion {
				continue
			}
			if it.From != "" {
				vs = slices.DeleteFunc(vs, func(id string) bool { return id == it.From })
			}
			if it.To != "" && !slices.Contains(vs, it.To) {
				vs = append(vs, it.To)
			}
		}
	}
	return vs
}

// CurrentVersions is the issue's milestones after its last history.
func (is *Issue) CurrentVersions() []string { return is.VersionsAt(maxTime) }
