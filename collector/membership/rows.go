package membership

import (
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// Rows are the warehouse rows of one entity's replayed membership in
// containers of kind (warehouse.ContainerSprint, ContainerMilestone):
// its events, and its stays with the estimate each had when it entered
// (pointsAt; nil: none). Every source writes them the same way.
func Rows(source, kind, entityID string, version uint64, events []Event, stays []Interval,
	pointsAt func(time.Time) *float64) ([]warehouse.MembershipEventRow, []warehouse.MembershipIntervalRow) {
	evRows := make([]warehouse.MembershipEventRow, 0, len(events))
	for _, e := range events {
		evRows = append(evRows, warehouse.MembershipEventRow{Source: source, Kind: kind, ContainerID: e.Container,
			IssueID: entityID, EventID: e.EventID, At: e.At, Action: e.Action, Actor: e.Actor, Version: version})
	}
	ivRows := make([]warehouse.MembershipIntervalRow, 0, len(stays))
	for _, st := range stays {
		var done uint8
		if st.DoneAtLeaving {
			done = 1
		}
		var points *float64
		if pointsAt != nil {
			points = pointsAt(st.Entered)
		}
		ivRows = append(ivRows, warehouse.MembershipIntervalRow{Source: source, Kind: kind, ContainerID: st.Container,
			IssueID: entityID, Entered: st.Entered, Exited: st.Exited, DoneAtLeaving: done, Points: points,
			Version: version})
	}
	return evRows, ivRows
}
