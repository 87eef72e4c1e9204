package analytics

import (
	"fmt"
	"slices"
	"strings"
)

// Entities the rollups take.
const (
	EntitySprint    = "sprint"
	EntityMilestone = "milestone"
	EntityProject   = "project"
	EntityTicket    = "ticket"
)

// Group-by values.
const (
	GroupByNone  = ""
	GroupByBoard = "board"
	GroupByMonth = "month"
	GroupByState = "state"
	// GroupByProject is accepted by the API for scope change but not
	// implemented for sprints yet.
	GroupByProject = "project"
)

// AllGroup is the group name of an ungrouped rollup.
const AllGroup = "all"

// grouping is an allow-listed group-by: the SQL of its source and group
// columns over a sprint set row (source, board_id, state, t0 ...). Group
// SQL is only ever taken from this table, never from request text.
type grouping struct{ src, grp string }

// monthOfT0 is toStartOfMonth(t0) as YYYY-MM: t0 is DateTime('UTC'), so the
// month is the UTC one whatever the server's zone, and a Date's text form
// is YYYY-MM-DD on both versions.
const monthOfT0 = "substring(toString(toStartOfMonth(assumeNotNull(t0))), 1, 7)"

var sprintGroupings = map[string]grouping{
	GroupByNone:  {src: "''", grp: "'" + AllGroup + "'"},
	GroupByBoard: {src: "source", grp: "board_id"},
	GroupByMonth: {src: "''", grp: monthOfT0},
	GroupByState: {src: "''", grp: "state"},
}

// checkEntity accepts "" (meaning sprint) and "sprint"; it names the later
// entities as unsupported and anything else as invalid.
func checkEntity(entity string) error {
	switch entity {
	case "", EntitySprint:
		return nil
	case EntityMilestone, EntityProject, EntityTicket:
		return fmt.Errorf("%w: entity %q", ErrUnsupported, entity)
	}
	return fmt.Errorf("%w: entity %q (want %s)", ErrInvalidArgument, entity,
		strings.Join([]string{EntitySprint, EntityMilestone, EntityProject, EntityTicket}, ", "))
}

// pickGrouping returns the allow-listed grouping named by groupBy.
func pickGrouping(groupBy string, allowed ...string) (grouping, error) {
	if err := checkGroupBy(EntitySprint, groupBy, allowed...); err != nil {
		return grouping{}, err
	}
	return sprintGroupings[groupBy], nil
}

// checkGroupBy rejects a grouping the entity does not have, naming the
// ones it has ("" in allowed: the default, no grouping).
func checkGroupBy(entity, groupBy string, allowed ...string) error {
	if slices.Contains(allowed, groupBy) {
		return nil
	}
	want := make([]string, 0, len(allowed))
	for _, a := range allowed {
		if a != "" {
			want = append(want, a)
		}
	}
	list := want[len(want)-1]
	if len(want) > 1 {
		list = strings.Join(want[:len(want)-1], ", ") + " or " + list
	}
	return fmt.Errorf("%w: group_by %q for %ss (want %s)", ErrInvalidArgument, groupBy, entity, list)
}
