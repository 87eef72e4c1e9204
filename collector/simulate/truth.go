package simulate

import (
	"sort"
	"strconv"
	"time"
)

// SprintTruth is a sprint report computed directly from the org's event
// lists (DESIGN.md §5), independent of any collector or SQL.
type SprintTruth struct {
	SprintID string
	BoardID  int // origin board
	Name     string
	State    string // as of now: closed | active | future
	StartT0  time.Time
	EndT1    time.Time

	Committed    int // C: distinct issues in the sprint at t0
	Added        int // A: entries in (t0, t1]; each re-entry counts
	Removed      int // R: exits in (t0, t1] while not done, carry-over excluded
	Completed    int // D: distinct issues in the sprint at t1 and done at t1
	CarriedOver  int // in the sprint at t1, not done at t1
	PlanningDone int // committed issues in the sprint and done at t1

	// Story points of the same sets (issues without points count 0).
	CommittedPoints   float64
	AddedPoints       float64
	RemovedPoints     float64
	CompletedPoints   float64
	CarriedOverPoints float64

	// Events lists every counted entry ("added") and removal ("removed"),
	// ordered by time then issue id.
	Events []TruthEvent
}

// TruthEvent is one counted scope change of a sprint.
type TruthEvent struct {
	IssueID  string
	IssueKey string
	Kind     string // "added" | "removed"
	At       time.Time
}

// ScopeChangeRate is (A + R) / C, nil when C = 0.
func (t SprintTruth) ScopeChangeRate() *float64 {
	return ratio(float64(t.Added+t.Removed), t.Committed)
}

// AddedRate is A / C, nil when C = 0.
func (t SprintTruth) AddedRate() *float64 { return ratio(float64(t.Added), t.Committed) }

// NetChangeRate is (A − R) / C, nil when C = 0.
func (t SprintTruth) NetChangeRate() *float64 {
	return ratio(float64(t.Added-t.Removed), t.Committed)
}

// PlanningAccuracy is (committed issues done at t1) / C, nil when C = 0.
func (t SprintTruth) PlanningAccuracy() *float64 {
	return ratio(float64(t.PlanningDone), t.Committed)
}

// CompletionRate is D / (C + A − R), nil when C = 0 or the denominator is
// not positive.
func (t SprintTruth) CompletionRate() *float64 {
	if t.Committed == 0 {
		return nil
	}
	return ratio(float64(t.Completed), t.Committed+t.Added-t.Removed)
}

func ratio(num float64, den int) *float64 {
	if den <= 0 {
		return nil
	}
	v := num / float64(den)
	return &v
}

// membership is one stay of an issue in a sprint: [Entered, Exited).
type membership struct {
	Entered time.Time
	Exited  *time.Time
}

// sprintStays replays an issue's membership (initial value at creation,
// then every FieldSprint item at or before now) and returns its stays in
// sprint.
func sprintStays(is *Issue, sprint int, now time.Time) []membership {
	if is.Created.After(now) {
		return nil
	}
	var out []membership
	in := containsInt(is.InitialSprints, sprint)
	if in {
		out = append(out, membership{Entered: is.Created})
	}
	for _, h := range is.Histories {
		if h.At.After(now) {
			break
		}
		for _, it := range h.Items {
			if it.Field != FieldSprint {
				continue
			}
			next := containsInt(it.ToSprints, sprint)
			switch {
			case !in && next:
				out = append(out, membership{Entered: h.At})
			case in && !next:
				at := h.At
				out[len(out)-1].Exited = &at
			}
			in = next
		}
	}
	return out
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// SprintTruth computes the report of one sprint as seen at now:
//   - t0 = the actual start (Sprint.T0: Activated if present, else Start);
//     t1 = Complete when the sprint is closed at now, else now. A sprint
//     not started at now (future) reports zeros.
//   - An issue is in the sprint at t when a stay entered at or before t and
//     has not exited by t (an exit exactly at t means out). An entry exactly
//     at t0 is committed, not added.
//   - For a closed sprint, an exit at or after Complete − CarryOverWindow
//     is carry-over (the tracker moving open issues out as the sprint
//     completes): not a removal, and the issue counts as in the sprint at
//     t1.
//   - "Done at an instant" applies every status change at or before it.
//   - Deleted issues (DeleteIssue) count nowhere; a deleted sprint
//     (DeleteSprint), like an unknown id, has the zero truth (State "").
func (o *Org) SprintTruth(sprintID string, now time.Time) SprintTruth {
	o.mu.RLock()
	defer o.mu.RUnlock()
	out := SprintTruth{SprintID: sprintID}
	id, err := strconv.Atoi(sprintID)
	if err != nil {
		return out
	}
	s := o.sprintByID[id]
	if s == nil {
		return out
	}
	out.BoardID, out.Name = s.OriginBoardID, s.Name
	out.State = s.stateAt(now)
	if out.State == SprintFuture {
		return out
	}
	t0, _ := s.T0()
	closed := out.State == SprintClosed
	t1 := now
	if closed {
		t1 = *s.Complete
	}
	carryFrom := t1.Add(-CarryOverWindow)
	out.StartT0, out.EndT1 = t0, t1

	doneAt := func(is *Issue, t time.Time) bool {
		return o.statusCategory(is.StatusAt(t)) == CategoryDone
	}
	for _, is := range o.sprintIssues[id] {
		stays := sprintStays(is, id, now)
		if len(stays) == 0 {
			continue
		}
		// Estimates: at t0 for committed, at entry for added and removed,
		// at t1 for completed and carried over (issues without one count 0).
		pointsAt := func(t time.Time) float64 {
			if p := is.PointsAt(t); p != nil {
				return *p
			}
			return 0
		}
		committed, inAtT1 := false, false
		for _, m := range stays {
			if !m.Entered.After(t0) && (m.Exited == nil || m.Exited.After(t0)) {
				committed = true
			}
			if m.Entered.After(t0) && !m.Entered.After(t1) {
				out.Added++
				out.AddedPoints += pointsAt(m.Entered)
				out.Events = append(out.Events, TruthEvent{IssueID: is.ID, IssueKey: is.Key, Kind: "added", At: m.Entered})
			}
			if m.Exited != nil {
				x := *m.Exited
				carry := closed && !x.Before(carryFrom)
				if x.After(t0) && !x.After(t1) && !carry && !doneAt(is, x) {
					out.Removed++
					out.RemovedPoints += pointsAt(m.Entered)
					out.Events = append(out.Events, TruthEvent{IssueID: is.ID, IssueKey: is.Key, Kind: "removed", At: x})
				}
			}
			if !m.Entered.After(t1) && (m.Exited == nil || m.Exited.After(t1) || (closed && !m.Exited.Before(carryFrom))) {
				inAtT1 = true
			}
		}
		if committed {
			out.Committed++
			out.CommittedPoints += pointsAt(t0)
		}
		if inAtT1 {
			if doneAt(is, t1) {
				out.Completed++
				out.CompletedPoints += pointsAt(t1)
				if committed {
					out.PlanningDone++
				}
			} else {
				out.CarriedOver++
				out.CarriedOverPoints += pointsAt(t1)
			}
		}
	}
	sort.Slice(out.Events, func(i, j int) bool {
		a, b := out.Events[i], out.Events[j]
		if !a.At.Equal(b.At) {
			return a.At.Before(b.At)
		}
		if a.IssueID != b.IssueID {
			return idLess(a.IssueID, b.IssueID)
		}
		return a.Kind < b.Kind
	})
	return out
}

// AllSprintTruths returns the truth of every sprint, keyed by sprint id;
// deleted sprints are not reported.
func (o *Org) AllSprintTruths(now time.Time) map[string]SprintTruth {
	out := make(map[string]SprintTruth, len(o.Sprints))
	for _, s := range o.Sprints {
		id := strconv.Itoa(s.ID)
		out[id] = o.SprintTruth(id, now)
	}
	return out
}

// idLess orders numeric id strings numerically.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
