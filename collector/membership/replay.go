// Package membership replays an entity's container-membership history
// (an issue's sprints, fix versions, milestones or iterations) into the
// events and intervals Runway stores. It is pure: each source maps its
// vendor's history into Changes, and the rules of what a stay is live here
// once.
package membership

import (
	"slices"
	"time"
)

// History is one entity's membership in containers of one kind.
type History struct {
	// Created is when the entity was created; Initial are the containers
	// it was in then (a value set at creation leaves no change).
	Created time.Time
	Initial []string
	// Changes in the order they happened (sources sort them; same-time
	// changes keep the source's order).
	Changes []Change
	// DoneAt reports whether the entity was done at an instant, for
	// DoneAtLeaving. Nil: never done.
	DoneAt func(time.Time) bool
}

// Change is one change of the membership: containers entered and left at
// At. EventID identifies the change upstream (a Jira history id and item
// index, a GitHub event id); each event's id is EventID + ":" + container.
type Change struct {
	At      time.Time
	EventID string
	Actor   string
	Added   []string
	Removed []string
}

// Diff returns what changed between two values of a multi-valued field
// (Jira's Sprint and Fix Version fields carry the whole set), in the order
// of the values.
func Diff(from, to []string) (added, removed []string) {
	for _, c := range to {
		if !slices.Contains(from, c) {
			added = append(added, c)
		}
	}
	for _, c := range from {
		if !slices.Contains(to, c) {
			removed = append(removed, c)
		}
	}
	return added, removed
}

// Event is one entry into or exit from a container.
type Event struct {
	Container string
	EventID   string
	At        time.Time
	Action    string // ActionAdded or ActionRemoved
	Actor     string
}

// Event actions.
const (
	ActionAdded   = "added"
	ActionRemoved = "removed"
)

// Interval is one stay in a container: [Entered, Exited), Exited nil while
// the entity is still in it.
type Interval struct {
	Container     string
	Entered       time.Time
	Exited        *time.Time
	DoneAtLeaving bool
}

// Replay returns every event of the history and the stays they make, in
// history order. Initial containers are entered at Created, with event ids
// "initial:<container>". An inconsistent history (an entry into a
// container the entity is in, an exit from one it is not in) keeps its
// event but changes no stay: the first entry holds.
func Replay(h History) ([]Event, []Interval) {
	var events []Event
	var stays []Interval
	open := map[string]int{} // container -> index of its open stay
	enter := func(c, id, actor string, at time.Time) {
		events = append(events, Event{Container: c, EventID: id, At: at, Action: ActionAdded, Actor: actor})
		if _, ok := open[c]; ok {
			return
		}
		open[c] = len(stays)
		stays = append(stays, Interval{Container: c, Entered: at})
	}
	leave := func(c, id, actor string, at time.Time) {
		events = append(events, Event{Container: c, EventID: id, At: at, Action: ActionRemoved, Actor: actor})
		i, ok := open[c]
		if !ok {
			return
		}
		delete(open, c)
		stays[i].Exited = &at
		stays[i].DoneAtLeaving = h.DoneAt != nil && h.DoneAt(at)
	}
	for _, c := range h.Initial {
		enter(c, "initial:"+c, "", h.Created)
	}
	for _, ch := range h.Changes {
		for _, c := range ch.Added {
			enter(c, ch.EventID+":"+c, ch.Actor, ch.At)
		}
		for _, c := range ch.Removed {
			leave(c, ch.EventID+":"+c, ch.Actor, ch.At)
		}
	}
	return events, stays
}
