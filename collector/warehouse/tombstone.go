package warehouse

import (
	"context"
	"fmt"
	"time"
)

// Deletions (DESIGN.md §4): an entity deleted upstream is not deleted
// here. Its source writes a tombstone, a newer version of the entity's row
// with deleted = 1, and reports leave tombstoned entities out. Sources find
// what to tombstone by comparing what they stored (ListStored) with what
// still exists upstream.

// EntityKind names an entity table whose rows can be tombstoned.
type EntityKind string

// The entity kinds with tombstones.
const (
	KindIssue  EntityKind = "issue"  // issues, scoped by project
	KindSprint EntityKind = "sprint" // sprints, scoped by origin board
	// milestones, scoped by project (a Jira project key, a repository)
	KindMilestone EntityKind = "milestone"
)

// StoredEntity is one live (not tombstoned) entity a source stored.
type StoredEntity struct {
	ID string
	// Scope is the container the entity was collected under, as stored:
	// an issue's project, a sprint's origin board. A source tombstones
	// only entities whose scope it listed upstream, so a project or board
	// dropped from the configuration deletes nothing.
	Scope string
}

// entityTable is how ListStored and Tombstone read and write one kind.
type entityTable struct {
	table, id, scope string
	tombstone        func(source string, e StoredEntity, at time.Time, version uint64) Row
}

// entityTables is the allow-list of kinds: table and column names come
// from here only.
var entityTables = map[EntityKind]entityTable{
	KindIssue: {table: "issues", id: "issue_id", scope: "project",
		tombstone: func(source string, e StoredEntity, at time.Time, version uint64) Row {
			return IssueRow{Source: source, IssueID: e.ID, Project: e.Scope, Created: at, Updated: at,
				SprintIDs: []string{}, MilestoneIDs: []string{}, Labels: []string{}, Version: version, Deleted: 1}
		}},
	KindSprint: {table: "sprints", id: "sprint_id", scope: "board_id",
		tombstone: func(source string, e StoredEntity, _ time.Time, version uint64) Row {
			return SprintRow{Source: source, SprintID: e.ID, BoardID: e.Scope, Version: version, Deleted: 1}
		}},
	KindMilestone: {table: "milestones", id: "milestone_id", scope: "project",
		tombstone: func(source string, e StoredEntity, at time.Time, version uint64) Row {
			return MilestoneRow{Source: source, MilestoneID: e.ID, Project: e.Scope, Created: at, Version: version, Deleted: 1}
		}},
}

func lookupKind(kind EntityKind) (entityTable, error) {
	t, ok := entityTables[kind]
	if !ok {
		return entityTable{}, fmt.Errorf("warehouse: no entity kind %q", kind)
	}
	return t, nil
}

// ListStored returns the entities of kind that source has stored and not
// tombstoned, ordered by id. It reads the newest version of every row
// (FINAL), so an entity collected again after its tombstone is listed.
func ListStored(ctx context.Context, db DB, source string, kind EntityKind) ([]StoredEntity, error) {
	t, err := lookupKind(kind)
	if err != nil {
		return nil, err
	}
	// Ordered outside the FINAL read: 18.16 cannot order one on a cluster.
	rows, err := db.Query(ctx, "SELECT "+t.id+", "+t.scope+" FROM (SELECT "+t.id+", "+t.scope+" FROM {db}."+t.table+
		" FINAL WHERE source = ? AND deleted = 0) AS s ORDER BY "+t.id, source)
	if err != nil {
		return nil, fmt.Errorf("listing stored %ss: %w", kind, err)
	}
	defer rows.Close()
	var out []StoredEntity
	for rows.Next() {
		var e StoredEntity
		if err := rows.Scan(&e.ID, &e.Scope); err != nil {
			return nil, fmt.Errorf("listing stored %ss: %w", kind, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing stored %ss: %w", kind, err)
	}
	return out, nil
}

// Tombstone returns the row that marks a stored entity deleted upstream:
// its identifying columns (source, id and scope), deleted = 1, and valid
// times (at, the time the deletion was seen, where a column needs one).
// version must be newer than every version of the entity written before
// (the source's collection time, plus one for rows of the same run).
func Tombstone(kind EntityKind, source string, e StoredEntity, at time.Time, version uint64) (Row, error) {
	t, err := lookupKind(kind)
	if err != nil {
		return nil, err
	}
	return t.tombstone(source, e, at.UTC().Truncate(time.Second), version), nil
}
