package gitlab

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// GitLab iterations are Runway's GitLab sprints (DESIGN §5: the same
// definitions as Jira sprints). An iteration is whole days: it starts at
// the start of its start_date and ends, and once closed completes, at the
// end of its due_date. Its board is its group. Unfinished issues roll over
// to the next iteration when one closes: an exit at the completion is
// carry-over, not a removal (the grace below).

// iterationGrace (seconds) takes the rollover, which GitLab runs as the
// iteration closes, as carry-over.
const iterationGrace = 60

// iterationState reads an iteration's state, a number (1 upcoming, 2
// current, 3 closed) or a name, as a sprint state.
func iterationState(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	var n int
	if err := json.Unmarshal(raw, &n); err == nil {
		switch n {
		case 1:
			return "future", nil
		case 2:
			return "active", nil
		case 3:
			return "closed", nil
		}
		return "", fmt.Errorf("unknown iteration state %d", n)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		switch s {
		case "upcoming":
			return "future", nil
		case "current", "started":
			return "active", nil
		case "closed":
			return "closed", nil
		}
		return "", fmt.Errorf("unknown iteration state %.20q", s)
	}
	return "", fmt.Errorf("iteration state %.20s: want a number or a name", raw)
}

// sprintRows maps an iteration of the group at groupPath into its sprint
// row and its board (the group).
func (m *mapper) sprintRows(it iteration, groupPath string) (warehouse.BoardRow, warehouse.SprintRow, error) {
	state, err := iterationState(it.State)
	if err != nil {
		return warehouse.BoardRow{}, warehouse.SprintRow{}, fmt.Errorf("iteration %d: %w", it.ID, err)
	}
	start, err := day(it.StartDate, false)
	if err != nil {
		return warehouse.BoardRow{}, warehouse.SprintRow{}, fmt.Errorf("iteration %d: start_date: %w", it.ID, err)
	}
	end, err := day(it.DueDate, true)
	if err != nil {
		return warehouse.BoardRow{}, warehouse.SprintRow{}, fmt.Errorf("iteration %d: due_date: %w", it.ID, err)
	}
	name := fmt.Sprintf("%s iteration %d", groupPath, it.IID)
	if it.Title != nil && *it.Title != "" {
		name = *it.Title
	}
	board := strconv.FormatInt(it.GroupID, 10)
	var complete *time.Time
	if state == "closed" {
		complete = end
	}
	return warehouse.BoardRow{Source: m.source, BoardID: board, Name: groupPath, Type: "iterations", Project: groupPath,
			Version: m.version},
		warehouse.SprintRow{Source: m.source, SprintID: strconv.FormatInt(it.ID, 10), BoardID: board, Name: name,
			State: state, Start: start, End: end, Complete: complete, CarryOverGrace: iterationGrace, Version: m.version}, nil
}

func (it *iteration) id() int64 {
	if it == nil {
		return 0
	}
	return it.ID
}

// statusRows are an issue's changes into and out of done, from its
// resource state events: what a sprint's completion reads.
func (m *mapper) statusRows(issueID string, evs []resourceEvent) []warehouse.Row {
	var out []warehouse.Row
	done := false
	for i, e := range sortedEvents(evs) {
		var to bool
		switch e.State {
		case "closed":
			to = true
		case "reopened":
			to = false
		default:
			continue
		}
		cat := func(d bool) (string, string) {
			if d {
				return "closed", warehouse.CategoryDone
			}
			return "opened", warehouse.CategoryIndeterminate
		}
		fromStatus, fromCat := cat(done)
		toStatus, toCat := cat(to)
		out = append(out, warehouse.StatusChangeRow{Source: m.source, IssueID: issueID, EventID: strconv.FormatInt(e.ID, 10),
			At: e.CreatedAt.UTC(), FromStatus: fromStatus, ToStatus: toStatus, FromCategory: fromCat, ToCategory: toCat,
			Seq: uint64(i), Version: m.version})
		done = to
	}
	return out
}
