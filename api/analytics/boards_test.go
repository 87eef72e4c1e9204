package analytics

import (
	"context"
	"fmt"
	"testing"

	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestBoardNames: every board's latest name, by source and id; a board
// renamed upstream (a newer version) shows its new name.
func TestBoardNames(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := context.Background()
		if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		board := func(src, id, name string, v uint64) warehouse.Row {
			return warehouse.BoardRow{Source: src, BoardID: id, Name: name, Type: "scrum", Project: "P", Version: v}
		}
		for _, rows := range [][]warehouse.Row{
			{board("jira", "1", "Platform", 1), board("jira", "2", "Mobile", 1), board("gitlab", "1", "Core", 1)},
			{board("jira", "1", "Platform team", 2)},
		} {
			if err := warehouse.InsertMixed(ctx, db, rows); err != nil {
				t.Fatal(err)
			}
		}
		got, err := BoardNames(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		want := "map[[gitlab 1]:Core [jira 1]:Platform team [jira 2]:Mobile]"
		if fmt.Sprint(got) != want {
			t.Errorf("names %v, want %s", got, want)
		}
	})
}
