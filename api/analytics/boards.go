package analytics

import (
	"context"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// boardNamesSQL reads every board's current name.
// (Ordered outside the FINAL read: 18.16 cannot order one on a cluster.)
const boardNamesSQL = "SELECT source, board_id, name\n" +
	"FROM (SELECT source, board_id, name FROM {db}.boards FINAL) AS b\n" +
	"ORDER BY source, board_id"

// BoardNames returns each board's name by source and board id (sprint
// reports name their board by id only).
func BoardNames(ctx context.Context, db warehouse.DB) (map[[2]string]string, error) {
	out := map[[2]string]string{}
	err := each(ctx, db, "board names", frag{sql: boardNamesSQL}, func(r warehouse.Rows) error {
		var src, id, name string
		if err := r.Scan(&src, &id, &name); err != nil {
			return err
		}
		out[[2]string{src, id}] = name
		return nil
	})
	return out, err
}
