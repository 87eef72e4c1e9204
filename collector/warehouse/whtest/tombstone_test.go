package whtest_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestTombstones: ListStored lists a source's live entities with their
// scope; a tombstone (a newer version with deleted = 1) hides one, an older
// tombstone hides nothing, and collecting the entity again after its
// tombstone makes it live again, on both backends.
func TestTombstones(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := context.Background()
		if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
		issue := func(source, id, project string, version uint64) warehouse.IssueRow {
			return warehouse.IssueRow{Source: source, IssueID: id, Key: project + "-" + id, Project: project,
				Created: at, Updated: at, SprintIDs: []string{}, MilestoneIDs: []string{}, Labels: []string{}, Version: version}
		}
		if err := warehouse.InsertRows(ctx, db, []warehouse.IssueRow{
			issue("jira", "10", "PLAT", 5), issue("jira", "11", "PLAT", 5), issue("jira", "12", "OPS", 5),
			issue("other", "10", "PLAT", 5),
		}); err != nil {
			t.Fatal(err)
		}
		if err := warehouse.InsertRows(ctx, db, []warehouse.SprintRow{
			{Source: "jira", SprintID: "3", BoardID: "1", Name: "S3", State: "closed", Version: 5},
			{Source: "jira", SprintID: "4", BoardID: "2", Name: "S4", State: "active", Version: 5},
		}); err != nil {
			t.Fatal(err)
		}
		list := func(kind warehouse.EntityKind) []warehouse.StoredEntity {
			t.Helper()
			got, err := warehouse.ListStored(ctx, db, "jira", kind)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		tomb := func(kind warehouse.EntityKind, id, scope string, version uint64) {
			t.Helper()
			row, err := warehouse.Tombstone(kind, "jira", warehouse.StoredEntity{ID: id, Scope: scope}, at.Add(time.Hour+time.Millisecond), version)
			if err != nil {
				t.Fatal(err)
			}
			if err := warehouse.InsertMixed(ctx, db, []warehouse.Row{row}); err != nil {
				t.Fatal(err)
			}
		}
		want := func(kind warehouse.EntityKind, want ...warehouse.StoredEntity) {
			t.Helper()
			if got := list(kind); !reflect.DeepEqual(got, want) {
				t.Errorf("stored %ss = %v, want %v", kind, got, want)
			}
		}
		want(warehouse.KindIssue, warehouse.StoredEntity{ID: "10", Scope: "PLAT"}, warehouse.StoredEntity{ID: "11", Scope: "PLAT"},
			warehouse.StoredEntity{ID: "12", Scope: "OPS"})
		want(warehouse.KindSprint, warehouse.StoredEntity{ID: "3", Scope: "1"}, warehouse.StoredEntity{ID: "4", Scope: "2"})

		tomb(warehouse.KindIssue, "11", "PLAT", 6)
		tomb(warehouse.KindIssue, "12", "OPS", 4) // older than the row: changes nothing
		tomb(warehouse.KindSprint, "3", "1", 6)
		want(warehouse.KindIssue, warehouse.StoredEntity{ID: "10", Scope: "PLAT"}, warehouse.StoredEntity{ID: "12", Scope: "OPS"})
		want(warehouse.KindSprint, warehouse.StoredEntity{ID: "4", Scope: "2"})
		if got, err := warehouse.ListStored(ctx, db, "other", warehouse.KindIssue); err != nil || len(got) != 1 {
			t.Errorf("another source's issues = %v, %v; want its one", got, err)
		}

		// The tombstone keeps the identifying columns and valid times.
		rows, err := db.Query(ctx, "SELECT issue_key, project, created, deleted FROM {db}.issues FINAL WHERE source = ? AND issue_id = ?", "jira", "11")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var key, project string
			var created time.Time
			var deleted uint8
			if err := rows.Scan(&key, &project, &created, &deleted); err != nil {
				t.Fatal(err)
			}
			if key != "" || project != "PLAT" || !created.Equal(at.Add(time.Hour)) || deleted != 1 {
				t.Errorf("tombstone = %q %q %v %d", key, project, created, deleted)
			}
		}
		rows.Close()

		// Collected again (it was only out of view): live again.
		if err := warehouse.InsertRows(ctx, db, []warehouse.IssueRow{issue("jira", "11", "PLAT", 7)}); err != nil {
			t.Fatal(err)
		}
		want(warehouse.KindIssue, warehouse.StoredEntity{ID: "10", Scope: "PLAT"}, warehouse.StoredEntity{ID: "11", Scope: "PLAT"},
			warehouse.StoredEntity{ID: "12", Scope: "OPS"})

		if _, err := warehouse.ListStored(ctx, db, "jira", "ticket"); err == nil {
			t.Error("an unknown kind listed")
		}
		if _, err := warehouse.Tombstone("ticket", "jira", warehouse.StoredEntity{ID: "1"}, at, 1); err == nil {
			t.Error("an unknown kind tombstoned")
		}
	})
}
