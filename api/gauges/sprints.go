package gauges

import (
	"context"
	"fmt"
	"runtime/debug"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/collector/warehouse"
)

const (
	// pageSize is the page of analytics.Sprints the gauges read through.
	pageSize = 500
	// boardQueries is how many per-board queries run at once.
	boardQueries = 4
)

// lastClosedSQL selects, per (source, board), the ClosedSprintsPerBoard most
// recently completed closed sprints with their t0 (NULL when the sprint has
// no start date at all), tombstoned ones (deleted upstream) left out as
// analytics.Sprints leaves them out. It reads the sprints table only, so it
// is cheap whatever the history. LIMIT n BY is understood by both
// ClickHouse 18.16 and 26.7; a closed sprint without a completeDate sorts
// as the oldest.
var lastClosedSQL = `SELECT source, board_id, sprint_id, ifNull(activated_date, start_date) AS t0
FROM {db}.sprints FINAL
WHERE state = '` + analytics.StateClosed + `' AND deleted = 0
ORDER BY source, board_id, ifNull(complete_date, toDateTime(0, 'UTC')) DESC, sprint_id DESC
LIMIT ` + strconv.Itoa(ClosedSprintsPerBoard) + ` BY source, board_id`

// loadSprints returns the reports of every active sprint and of each
// board's last ClosedSprintsPerBoard closed sprints, computed by
// analytics.Sprints (so the gauges and the API agree), sorted by source,
// board, state and id. now is t1 of active sprints.
//
// analytics.Sprints pages by start (t0), not by completion, and has no
// filter by id, so the closed sprints are found in two steps: one cheap
// query picks each board's last closed sprints by completion date, then one
// analytics.Sprints call per board reads that board's closed sprints whose
// t0 lies within the picked ones' t0 range (usually exactly the picked
// ones; a parallel sprint in between is read and dropped). Its cost is
// proportional to the sprints reported, never to the history.
func loadSprints(ctx context.Context, db warehouse.DB, now time.Time) ([]analytics.SprintReport, error) {
	active, err := allSprints(ctx, db, analytics.SprintFilter{State: analytics.StateActive, Now: now})
	if err != nil {
		return nil, fmt.Errorf("active sprints: %w", err)
	}
	boards, err := lastClosed(ctx, db)
	if err != nil {
		return nil, err
	}
	closed, err := closedReports(ctx, db, boards, now)
	if err != nil {
		return nil, err
	}

	out := make([]analytics.SprintReport, 0, len(active)+len(closed))
	seen := map[[2]string]bool{}
	for _, r := range append(active, closed...) {
		// (source, id) is the sprints table's key, so it is unique; guard
		// anyway, as a duplicate series would fail the whole /metrics answer.
		k := [2]string{r.Source, r.ID}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		if a.Board != b.Board {
			return a.Board < b.Board
		}
		if a.State != b.State {
			return a.State < b.State
		}
		return a.ID < b.ID
	})
	return out, nil
}

// allSprints reads every page of analytics.Sprints for f.
func allSprints(ctx context.Context, db warehouse.DB, f analytics.SprintFilter) ([]analytics.SprintReport, error) {
	f.Limit = pageSize
	var out []analytics.SprintReport
	for {
		page, err := analytics.Sprints(ctx, db, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < pageSize {
			return out, nil
		}
		k := page[len(page)-1].Key()
		f.After = &k
	}
}

// boardClosed is one board's last closed sprints.
type boardClosed struct {
	source, board string
	ids           map[string]bool
	noStart       []string   // picked sprints without t0: no window, nothing to count
	from, to      *time.Time // the t0 range of the others
}

// lastClosed runs lastClosedSQL and groups its rows by board.
func lastClosed(ctx context.Context, db warehouse.DB) ([]*boardClosed, error) {
	rows, err := db.Query(ctx, lastClosedSQL)
	if err != nil {
		return nil, fmt.Errorf("last closed sprints: %w", err)
	}
	defer rows.Close()
	var boards []*boardClosed
	byKey := map[[2]string]*boardClosed{}
	for rows.Next() {
		var source, board, id string
		var t0 *time.Time
		if err := rows.Scan(&source, &board, &id, &t0); err != nil {
			return nil, fmt.Errorf("last closed sprints: %w", err)
		}
		b := byKey[[2]string{source, board}]
		if b == nil {
			b = &boardClosed{source: source, board: board, ids: map[string]bool{}}
			byKey[[2]string{source, board}] = b
			boards = append(boards, b)
		}
		if t0 == nil {
			b.noStart = append(b.noStart, id)
			continue
		}
		b.ids[id] = true
		if b.from == nil || t0.Before(*b.from) {
			b.from = t0
		}
		if b.to == nil || t0.After(*b.to) {
			b.to = t0
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("last closed sprints: %w", err)
	}
	return boards, nil
}

// closedReports computes the reports of the picked closed sprints, with up
// to boardQueries boards in flight; the first error cancels the rest.
func closedReports(ctx context.Context, db warehouse.DB, boards []*boardClosed, now time.Time) ([]analytics.SprintReport, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	results := make([][]analytics.SprintReport, len(boards))
	sem := make(chan struct{}, boardQueries)
	var wg sync.WaitGroup
	for i, b := range boards {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			reports, err := boardReports(ctx, db, b, now)
			if err != nil {
				cancel(fmt.Errorf("closed sprints of board %q (source %q): %w", b.board, b.source, err))
				return
			}
			results[i] = reports
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	var out []analytics.SprintReport
	for _, r := range results {
		out = append(out, r...)
	}
	return out, nil
}

// boardReports reads one board's picked closed sprints. It recovers its own
// panics: it runs on a goroutine of its own, where an unrecovered panic
// would end the process.
func boardReports(ctx context.Context, db warehouse.DB, b *boardClosed, now time.Time) (out []analytics.SprintReport, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	// A sprint with no start date has no window: the API reports it with
	// zero counts and null rates, and so do the gauges, without a query.
	for _, id := range b.noStart {
		out = append(out, analytics.SprintReport{Source: b.source, Board: b.board, ID: id, State: analytics.StateClosed})
	}
	if b.from == nil {
		return out, nil
	}
	reports, err := allSprints(ctx, db, analytics.SprintFilter{Source: b.source, Board: b.board,
		State: analytics.StateClosed, From: b.from, To: b.to, Now: now})
	if err != nil {
		return nil, err
	}
	for _, r := range reports {
		if b.ids[r.ID] {
			out = append(out, r)
		}
	}
	return out, nil
}
