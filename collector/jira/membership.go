package jira

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/runway-analytics/runway/collector/membership"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// Two Jira fields hold an issue's containers, and their changelogs differ:
// a Sprint item carries the whole value before and after ("3" → "3, 4"),
// a Fix Version item one version (from: the id removed, to: the id added;
// the other side null). Both are replayed by collector/membership, which
// holds the rules of what a stay is; this file only reads Jira's items.

// containerField is one of those fields.
type containerField struct {
	kind string // warehouse.ContainerSprint or ContainerMilestone
	name string // for errors: "Sprint", "Fix Version"
	is   func(item) bool
	// whole: items carry the whole value (Sprint); else one container per
	// item (Fix Version).
	whole bool
}

func (m *mapper) sprintContainers() containerField {
	return containerField{kind: warehouse.ContainerSprint, name: "Sprint", is: m.isSprintItem, whole: true}
}

var fixVersionContainers = containerField{kind: warehouse.ContainerMilestone, name: "Fix Version", is: isFixVersionItem}

// isFixVersionItem: fieldId fixVersions; older Data Center items have only
// the field name.
func isFixVersionItem(it item) bool {
	if it.FieldID != "" {
		return it.FieldID == "fixVersions"
	}
	return strings.EqualFold(it.Field, "Fix Version")
}

// changes reads the field's items of the issue's sorted histories.
func (cf containerField) changes(histories []timedHistory) (first *item, out []membership.Change, err error) {
	for _, h := range histories {
		for i := range h.Items {
			it := &h.Items[i]
			if !cf.is(*it) {
				continue
			}
			if first == nil {
				first = it
			}
			ch := membership.Change{At: h.at, EventID: h.ID + ":" + strconv.Itoa(i), Actor: h.Author.String()}
			if cf.whole {
				from, err := parseSprintIDs(it.From)
				if err != nil {
					return nil, nil, fmt.Errorf("changelog history %s item %d (%s): from: %w", h.ID, i, cf.name, err)
				}
				to, err := parseSprintIDs(it.To)
				if err != nil {
					return nil, nil, fmt.Errorf("changelog history %s item %d (%s): to: %w", h.ID, i, cf.name, err)
				}
				ch.Added, ch.Removed = membership.Diff(from, to)
			} else {
				if v := strings.TrimSpace(it.To); v != "" {
					ch.Added = []string{v}
				}
				if v := strings.TrimSpace(it.From); v != "" {
					ch.Removed = []string{v}
				}
			}
			out = append(out, ch)
		}
	}
	return first, out, nil
}

// membershipRows replays the issue's membership in the field's containers.
// The value at creation leaves no item: for a whole-value field it is the
// `from` of the first item, for a one-per-item field the current value with
// every change undone (membership.Before).
func (m *mapper) membershipRows(cf containerField, issueID string, created time.Time, current []string,
	histories []timedHistory, doneAt func(time.Time) bool, pointsAt func(time.Time) *float64,
) ([]warehouse.MembershipEventRow, []warehouse.MembershipIntervalRow, error) {
	first, changes, err := cf.changes(histories)
	if err != nil {
		return nil, nil, err
	}
	initial := current
	switch {
	case !cf.whole:
		initial = membership.Before(current, changes)
	case first != nil:
		if initial, err = parseSprintIDs(first.From); err != nil {
			return nil, nil, fmt.Errorf("first %s change: from: %w", cf.name, err)
		}
	}
	events, stays := membership.Replay(membership.History{Created: created, Initial: initial, Changes: changes, DoneAt: doneAt})
	evRows, ivRows := membership.Rows(m.source, cf.kind, issueID, m.version, events, stays, pointsAt)
	return evRows, ivRows, nil
}
