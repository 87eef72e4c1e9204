// Package gaugestest holds a hand-built warehouse fixture for the business
// gauges, shared by the gauges' golden test and the live Prometheus test in
// deploy/prometheus. Every number the gauges derive from it is worked out by
// hand below; the golden file api/gauges/testdata/sprints.prom holds them.
//
// One source, acme-jira, two boards. All times UTC, year 2025, and
// Now = 03-05 12:00 is t1 of the active sprints.
//
//	sprint board state   start       activated   complete    t0          t1
//	101    12    closed  01-06 09:00 -           01-17 17:00 01-06 09:00 01-17 17:00
//	102    12    closed  01-20 09:00 -           01-31 17:00 01-20 09:00 01-31 17:00
//	103    12    closed  02-03 09:00 -           02-14 17:00 02-03 09:00 02-14 17:00
//	104    12    closed  02-17 09:00 -           02-28 17:00 02-17 09:00 02-28 17:00
//	105    12    closed  01-13 09:00 -           02-21 17:00 01-13 09:00 02-21 17:00
//	106    12    active  03-03 09:00 03-03 10:00 -           03-03 10:00 now
//	107    12    future  03-17 09:00 -           -           -           -
//	200    34    closed  -           -           01-10 17:00 -           01-10 17:00
//	201    34    closed  02-10 09:00 -           02-21 17:00 02-10 09:00 02-21 17:00
//	202    34    active  02-24 09:00 -           -           02-24 09:00 now
//
// Board 12 has five closed sprints. By completion date the last three are
// 104 (02-28), 105 (02-21) and 103 (02-14): 105 is a long hardening sprint
// that started before 102, so picking by start date would wrongly report 102
// instead of 105. 101 and 102 have no series, nor has the future 107. An
// older collection of 101 (version 1) claims it completed on 03-01, which
// would make it the latest: reading the sprints table without FINAL would
// show it.
//
// Per sprint (C committed at t0, A added and R removed in (t0, t1], D done
// and in the sprint at t1; rate = (A + R) / C):
//
//	103: a1..a4 in before t0 (C=4); a5 enters 02-05 (A=1); a1, a2 done by
//	     t1 (D=2).                                   C=4  A=1 R=0 D=2  0.25
//	104: b1..b5 in before t0 (C=5); b5 leaves 02-20 not done (R=1); b4 is
//	     moved out 30 s before completion: carry-over, not a removal; b1
//	     done 02-25 (D=1).                           C=5  A=0 R=1 D=1  0.2
//	105: c1, c2 in before t0 (C=2); c3, c4 enter 02-01 and 02-10 (A=2); c1
//	     and c3 done by t1 (D=2).                    C=2  A=2 R=0 D=2  1
//	106: f1..f4 enter 03-03 09:30, before t0 10:00 (C=4); f5 enters 03-04
//	     (A=1); f6 enters 03-06, after now (not counted); f1 done 03-04
//	     (D=1), f2 done only after now.              C=4  A=1 R=0 D=1  0.25
//	200: closed without ever having a start date: no t0, no window, so
//	     nothing counts (as in the API), though i1 is in it. C=0  A=0 R=0 D=0  -
//	201: nothing in at t0 (C=0); g1 enters 02-11 (A=1) and is done 02-20
//	     (D=1): no rate, so no ratio series.         C=0  A=1 R=0 D=1  -
//	202: h1..h10 in before t0 (C=10); h11, h12, h13 enter after t0 (A=3);
//	     h10 leaves 02-27 not done (R=1); h9 leaves 03-01 already done (not
//	     a removal, and not in at t1); h1, h2 done (D=2; h9 is done but
//	     gone).                                      C=10 A=3 R=1 D=2  0.4
//
// Only 202 is an active sprint above the RunwaySprintScopeChurn threshold
// (0.3); 106 is active below it.
package gaugestest

import (
	"context"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// Source is the fixture's one source name.
const Source = "acme-jira"

// Now is t1 of the fixture's active sprints: pass it as the gauges' clock.
var Now = at(3, 5, 12, 0, 0)

// Ratio is the expected runway_sprint_scope_change_ratio per sprint id (201
// has none: nothing committed).
var Ratio = map[string]float64{"103": 0.25, "104": 0.2, "105": 1, "106": 0.25, "202": 0.4}

// at is a 2025 UTC time.
func at(month, day, hour, min, sec int) time.Time {
	return time.Date(2025, time.Month(month), day, hour, min, sec, 0, time.UTC)
}

func tp(t time.Time) *time.Time { return &t }

// Seed writes the fixture into db, whose schema must be migrated.
func Seed(ctx context.Context, db warehouse.DB) error {
	sprint := func(id, board, state string, start, activated, complete *time.Time) warehouse.SprintRow {
		var end *time.Time
		if start != nil {
			end = tp(start.Add(11 * 24 * time.Hour))
		}
		return warehouse.SprintRow{Source: Source, SprintID: id, BoardID: board, Name: "Sprint " + id,
			State: state, Start: start, End: end, Activated: activated, Complete: complete, CarryOverGrace: 60, Version: 2}
	}
	stale := sprint("101", "12", "closed", tp(at(1, 6, 9, 0, 0)), nil, tp(at(3, 1, 17, 0, 0)))
	stale.Version = 1
	sprints := []warehouse.SprintRow{
		sprint("101", "12", "closed", tp(at(1, 6, 9, 0, 0)), nil, tp(at(1, 17, 17, 0, 0))),
		sprint("102", "12", "closed", tp(at(1, 20, 9, 0, 0)), nil, tp(at(1, 31, 17, 0, 0))),
		sprint("103", "12", "closed", tp(at(2, 3, 9, 0, 0)), nil, tp(at(2, 14, 17, 0, 0))),
		sprint("104", "12", "closed", tp(at(2, 17, 9, 0, 0)), nil, tp(at(2, 28, 17, 0, 0))),
		sprint("105", "12", "closed", tp(at(1, 13, 9, 0, 0)), nil, tp(at(2, 21, 17, 0, 0))),
		sprint("106", "12", "active", tp(at(3, 3, 9, 0, 0)), tp(at(3, 3, 10, 0, 0)), nil),
		sprint("107", "12", "future", tp(at(3, 17, 9, 0, 0)), nil, nil),
		sprint("200", "34", "closed", nil, nil, tp(at(1, 10, 17, 0, 0))),
		sprint("201", "34", "closed", tp(at(2, 10, 9, 0, 0)), nil, tp(at(2, 21, 17, 0, 0))),
		sprint("202", "34", "active", tp(at(2, 24, 9, 0, 0)), nil, nil),
	}
	for _, batch := range [][]warehouse.SprintRow{{stale}, sprints} {
		if err := warehouse.InsertRows(ctx, db, batch); err != nil {
			return err
		}
	}

	var ivs []warehouse.MembershipIntervalRow
	in := func(sprint, issue string, entered time.Time, exited *time.Time, doneAtLeaving uint8) {
		ivs = append(ivs, warehouse.MembershipIntervalRow{Source: Source, Kind: "sprint", ContainerID: sprint,
			IssueID: issue, Entered: entered, Exited: exited, DoneAtLeaving: doneAtLeaving, Version: 1})
	}
	var changes []warehouse.StatusChangeRow
	done := func(issue string, t time.Time) {
		changes = append(changes, warehouse.StatusChangeRow{Source: Source, IssueID: issue,
			EventID: "done-" + issue, At: t, ToStatus: "Done", ToCategory: "done", Version: 1})
	}

	in("101", "d1", at(1, 3, 9, 0, 0), nil, 0)
	in("102", "e1", at(1, 17, 9, 0, 0), nil, 0)

	for _, id := range []string{"a1", "a2", "a3", "a4"} {
		in("103", id, at(1, 31, 12, 0, 0), nil, 0)
	}
	in("103", "a5", at(2, 5, 9, 0, 0), nil, 0)
	done("a1", at(2, 10, 9, 0, 0))
	done("a2", at(2, 12, 9, 0, 0))

	for _, id := range []string{"b1", "b2", "b3"} {
		in("104", id, at(2, 14, 12, 0, 0), nil, 0)
	}
	in("104", "b4", at(2, 14, 12, 0, 0), tp(at(2, 28, 16, 59, 30)), 0)
	in("104", "b5", at(2, 14, 12, 0, 0), tp(at(2, 20, 9, 0, 0)), 0)
	done("b1", at(2, 25, 9, 0, 0))

	in("105", "c1", at(1, 10, 9, 0, 0), nil, 0)
	in("105", "c2", at(1, 10, 9, 0, 0), nil, 0)
	in("105", "c3", at(2, 1, 9, 0, 0), nil, 0)
	in("105", "c4", at(2, 10, 9, 0, 0), nil, 0)
	done("c1", at(2, 15, 9, 0, 0))
	done("c3", at(2, 20, 9, 0, 0))

	for _, id := range []string{"f1", "f2", "f3", "f4"} {
		in("106", id, at(3, 3, 9, 30, 0), nil, 0)
	}
	in("106", "f5", at(3, 4, 9, 0, 0), nil, 0)
	in("106", "f6", at(3, 6, 9, 0, 0), nil, 0)
	done("f1", at(3, 4, 15, 0, 0))
	done("f2", at(3, 5, 13, 0, 0))

	in("200", "i1", at(1, 5, 9, 0, 0), nil, 0)
	in("201", "g1", at(2, 11, 9, 0, 0), nil, 0)
	done("g1", at(2, 20, 9, 0, 0))

	for _, id := range []string{"h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8"} {
		in("202", id, at(2, 21, 12, 0, 0), nil, 0)
	}
	in("202", "h9", at(2, 21, 12, 0, 0), tp(at(3, 1, 9, 0, 0)), 1)
	in("202", "h10", at(2, 21, 12, 0, 0), tp(at(2, 27, 9, 0, 0)), 0)
	in("202", "h11", at(2, 25, 9, 0, 0), nil, 0)
	in("202", "h12", at(2, 26, 9, 0, 0), nil, 0)
	in("202", "h13", at(3, 3, 9, 0, 0), nil, 0)
	done("h1", at(2, 28, 9, 0, 0))
	done("h2", at(3, 4, 9, 0, 0))
	done("h9", at(2, 28, 9, 0, 0))

	if err := warehouse.InsertRows(ctx, db, ivs); err != nil {
		return err
	}
	return warehouse.InsertRows(ctx, db, changes)
}
