package simulate

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// The org's milestones: validation, indexes, and the mutators that evolve
// them live (a due date moved, a release, issues entering and leaving).

// oneMilestoneVendor reports whether vendor (Org.Vendor, Options.Vendor)
// holds an issue in one milestone at most, cannot archive a milestone and
// keeps a late milestone's due date when it is closed: GitHub and GitLab.
func oneMilestoneVendor(vendor string) bool { return vendor == VendorGitHub || vendor == VendorGitLab }

// checkMilestones validates the milestones (unique numeric ids, known
// projects, chronological due histories starting at creation) and returns
// the ids histories may name, deleted ones included. Callers hold the
// write lock.
func (o *Org) checkMilestones(projects map[string]bool) (map[string]bool, error) {
	ids := map[string]bool{}
	for id := range o.deletedMilestones {
		ids[id] = true
	}
	for _, m := range o.Milestones {
		if _, err := strconv.ParseUint(m.ID, 10, 63); err != nil || ids[m.ID] {
			return nil, fmt.Errorf("simulate: milestone %q: missing, duplicate or non-numeric id", m.ID)
		}
		ids[m.ID] = true
		if !projects[m.Project] {
			return nil, fmt.Errorf("simulate: milestone %s: no project %q", m.ID, m.Project)
		}
		prev := m.Created
		for _, c := range m.Dues {
			if c.At.Before(prev) {
				return nil, fmt.Errorf("simulate: milestone %s: due history out of order or before its creation", m.ID)
			}
			prev = c.At
		}
		for _, t := range []*time.Time{m.Released, m.Archived} {
			if t != nil && t.Before(m.Created) {
				return nil, fmt.Errorf("simulate: milestone %s: released or archived before its creation", m.ID)
			}
		}
		prev = m.Created
		for _, r := range m.Renames {
			if r.At.Before(prev) || r.From == "" {
				return nil, fmt.Errorf("simulate: milestone %s: rename out of order, before its creation or from no name", m.ID)
			}
			prev = r.At
		}
	}
	return ids, nil
}

// indexIssueVersions notes every milestone the issue was ever in.
func (o *Org) indexIssueVersions(is *Issue) {
	add := func(id string) {
		if id != "" && !slices.Contains(o.milestoneIssues[id], is) {
			o.milestoneIssues[id] = append(o.milestoneIssues[id], is)
		}
	}
	for _, id := range is.InitialVersions {
		add(id)
	}
	for _, h := range is.Histories {
		for _, it := range h.Items {
			if it.Field == FieldFixVersion {
				add(it.From)
				add(it.To)
			}
		}
	}
}

// IssuesInMilestoneEver returns every issue that was in the milestone at
// some time.
func (o *Org) IssuesInMilestoneEver(id string) []*Issue {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return slices.Clone(o.milestoneIssues[id])
}

// MilestonesByScenario returns the generated milestones built to show
// scenario (a Scenario* constant), by id.
func (o *Org) MilestonesByScenario(scenario string) []*Milestone {
	o.mu.RLock()
	defer o.mu.RUnlock()
	var out []*Milestone
	for _, m := range o.Milestones {
		if m.Scenario == scenario {
			out = append(out, m)
		}
	}
	return out
}

// milestoneName is the name of a milestone, a deleted one's included.
func (o *Org) milestoneName(id string) (string, bool) {
	if m := o.milestoneRecord(id); m != nil {
		return m.Name, true
	}
	return "", false
}

// milestoneRecord is a milestone, a deleted one's included (histories
// still name it), or nil for an id the org never had.
func (o *Org) milestoneRecord(id string) *Milestone {
	if m := o.milestoneByID[id]; m != nil {
		return m
	}
	return o.deletedMilestones[id]
}

// lookupMilestone returns the milestone for a mutation at `at`. Callers
// hold the write lock.
func (o *Org) lookupMilestone(id string, at time.Time) (*Milestone, error) {
	m := o.milestoneByID[id]
	if m == nil {
		return nil, fmt.Errorf("simulate: no milestone %q", id)
	}
	if at.Before(m.Created) {
		return nil, fmt.Errorf("simulate: milestone %s: change at %s precedes its creation", id, at.Format(time.RFC3339))
	}
	return m, nil
}

// RenameMilestone gives the milestone a new name at `at`, which must not
// precede its creation or its last rename; the old name goes into
// Milestone.Renames, so NameAt(t) is the name it had at t and Name the
// current one. Renaming to the current name changes nothing. Jira keeps
// no history of a version's name: its site serves the current name
// everywhere (changelog items that name the version included); GitHub's
// issue events carry the title the milestone had when they happened.
func (o *Org) RenameMilestone(id, name string, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	at = at.UTC()
	m, err := o.lookupMilestone(id, at)
	if err != nil {
		return err
	}
	if name == "" {
		return fmt.Errorf("simulate: milestone %s: empty name", id)
	}
	if n := len(m.Renames); n > 0 && at.Before(m.Renames[n-1].At) {
		return fmt.Errorf("simulate: milestone %s: rename at %s precedes the last one", id, at.Format(time.RFC3339))
	}
	if name == m.Name {
		return nil
	}
	m.Renames = append(m.Renames, Rename{At: at, From: m.Name})
	m.Name = name
	o.changed(at)
	return nil
}

// SetMilestoneDue moves the milestone's due date to due (nil removes it)
// at `at`, which must not precede its last due change.
func (o *Org) SetMilestoneDue(id string, due *time.Time, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	at = at.UTC()
	m, err := o.lookupMilestone(id, at)
	if err != nil {
		return err
	}
	return o.setDueLocked(m, due, at)
}

func (o *Org) setDueLocked(m *Milestone, due *time.Time, at time.Time) error {
	if n := len(m.Dues); n > 0 && at.Before(m.Dues[n-1].At) {
		return fmt.Errorf("simulate: milestone %s: due change at %s precedes the last one", m.ID, at.Format(time.RFC3339))
	}
	if cur := m.DueAt(maxTime); cur == nil && due == nil || cur != nil && due != nil && cur.Equal(*due) {
		return nil
	}
	var d *time.Time
	if due != nil {
		d = tp(due.UTC())
	}
	m.Dues = append(m.Dues, DueChange{At: at, Due: d})
	o.changed(at)
	return nil
}

// ReleaseMilestone releases the milestone at `at`. Released after its due
// date (or without one), its due date moves to the end of the release day,
// as Jira moves a version's releaseDate to the day it ships; in an org
// laid out for GitHub or GitLab (Org.Vendor) it stays, as closing a GitHub
// milestone keeps its due_on and closing a GitLab one its due_date.
func (o *Org) ReleaseMilestone(id string, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	at = at.UTC()
	m, err := o.lookupMilestone(id, at)
	if err != nil {
		return err
	}
	if m.Released != nil {
		return fmt.Errorf("simulate: milestone %s is already released", id)
	}
	if due := m.DueAt(maxTime); !oneMilestoneVendor(o.Vendor) && (due == nil || due.Before(at)) {
		if err := o.setDueLocked(m, tp(EndOfDay(at)), at); err != nil {
			return err
		}
	}
	m.Released = tp(at)
	o.changed(at)
	return nil
}

// ArchiveMilestone archives the milestone at `at`. An org laid out for
// GitHub or GitLab (Org.Vendor) refuses: their milestones cannot be
// archived (GitLab's are active or closed, nothing else).
func (o *Org) ArchiveMilestone(id string, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	at = at.UTC()
	m, err := o.lookupMilestone(id, at)
	if err != nil {
		return err
	}
	if oneMilestoneVendor(o.Vendor) {
		name := map[string]string{VendorGitHub: "GitHub", VendorGitLab: "GitLab"}[o.Vendor]
		return fmt.Errorf("simulate: milestone %s: %s milestones cannot be archived", id, name)
	}
	m.Archived = tp(at)
	o.changed(at)
	return nil
}

// AddToMilestone puts the issue into the milestone at `at` (one history
// with one FieldFixVersion item); nothing happens when it is in already.
// In an org laid out for GitHub or GitLab (Org.Vendor), where an issue
// has one milestone at most, it moves the issue: the same history first
// takes it out of the milestone it is in (an item with From), as setting
// an issue's milestone there does.
func (o *Org) AddToMilestone(keyOrID, id string, at time.Time) error {
	return o.moveVersion(keyOrID, "", id, at)
}

// RemoveFromMilestone takes the issue out of the milestone at `at`;
// nothing happens when it is not in it.
func (o *Org) RemoveFromMilestone(keyOrID, id string, at time.Time) error {
	return o.moveVersion(keyOrID, id, "", at)
}

// moveVersion records one FieldFixVersion item: leaving from or entering to.
func (o *Org) moveVersion(keyOrID, from, to string, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	at = at.UTC()
	is := o.issueByKey[keyOrID]
	if is == nil {
		return fmt.Errorf("simulate: no issue %q", keyOrID)
	}
	if _, err := o.lookupMilestone(from+to, at); err != nil {
		return err
	}
	if at.Before(o.lastEvent(is)) {
		return fmt.Errorf("simulate: %s: change at %s precedes its last event", is.Key, at.Format(time.RFC3339))
	}
	cur := is.CurrentVersions()
	if slices.Contains(cur, from+to) == (to != "") {
		return nil
	}
	var items []Item
	if to != "" && oneMilestoneVendor(o.Vendor) {
		for _, id := range cur {
			items = append(items, Item{Field: FieldFixVersion, From: id})
		}
	}
	items = append(items, Item{Field: FieldFixVersion, From: from, To: to})
	is.Histories = append(is.Histories, History{
		ID: o.allocHistoryID(), At: at, AuthorID: o.authorFor(is), Items: items,
	})
	o.changed(at)
	if at.After(is.Updated) {
		is.Updated = at
	}
	o.indexIssueVersions(is)
	return nil
}

// DeleteMilestone deletes a milestone upstream: from then on no project
// lists it, looking it up fails, and no issue's current milestones show
// it; histories keep the items that name it. AllMilestoneTruths leaves it
// out.
func (o *Org) DeleteMilestone(id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	m := o.milestoneByID[id]
	if m == nil {
		return fmt.Errorf("simulate: no milestone %q", id)
	}
	o.Milestones = slices.DeleteFunc(o.Milestones, func(x *Milestone) bool { return x == m })
	delete(o.milestoneByID, id)
	delete(o.milestoneIssues, id)
	if o.deletedMilestones == nil {
		o.deletedMilestones = map[string]*Milestone{}
	}
	o.deletedMilestones[id] = m
	o.changed(time.Time{})
	return nil
}
