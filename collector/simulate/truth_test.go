package simulate

import (
	"math"
	"strconv"
	"testing"
	"time"
)

// handOrg is a tiny org built by hand. Sprint 3 (board 1) runs
//
//	startDate   2024-01-01 09:00
//	activated   2024-01-01 09:05  → t0
//	endDate     2024-01-15 09:00
//	completed   2024-01-15 10:00  → t1
//
// then sprint 4 starts 2024-01-15 10:30 without activatedDate (t0 =
// startDate) and is active; sprint 5 is future. Every issue has 2 story
// points except A2 (none).
//
//	I1  added 09:01, between startDate and activatedDate     committed; done Jan 5
//	I2  added Dec 28; removed Jan 4 (To Do); re-added Jan 6  committed, removed once, added once; done Jan 10 12:00
//	I3  added Dec 29; done Jan 8; leaves Jan 9 while done    committed; not a removal; not in at t1
//	I4  added Dec 30; In Progress Jan 3; "3" → "3, 4" at t1  committed; carried over; done Jan 16 in sprint 4
//	I5  added 09:02 = t0 − 3 min; "3" → "4" at t1 − 30 s     committed; carried over (not removed)
//	I6  added Dec 30; never done; no item at completion      committed; carried over to the backlog
//	I7  added Dec 30; done Jan 12                            committed; completed
//	I8  added Dec 30; done Jan 3; reopened Jan 5             committed; carried over
//	I9  created Dec 31 straight into sprint 3, In Progress   committed (no changelog item); done Jan 11
//	I10 added exactly at t0 (09:05)                          committed (an entry at t0 is committed); done Jan 13
//	E   added Dec 30; removed exactly at t0                  neither committed nor removed
//	A1  added Jan 3                                          added; done Jan 9
//	A2  created Jan 7 straight into the running sprint       added (no changelog item); open
//	F   added to future sprint 5 on Jan 16
//
// Sprint 3: C = 10 (I1..I10), A = 3 (A1, A2, I2's re-entry), R = 1 (I2),
// in at t1 = I1 I2 I4 I5 I6 I7 I8 I9 I10 A1 A2, of which done: I1 I2 I7 I9
// I10 A1 → D = 6, carried over = 5 (I4 I5 I6 I8 A2), planning done = 5
// (I1 I2 I7 I9 I10).
// Scope change (3+1)/10 = 0.4; added 0.3; net (3−1)/10 = 0.2; planning
// accuracy 5/10 = 0.5; completion 6/(10+3−1) = 0.5.
// Points: C 20, A 4 (A1 2 + I2 2 + A2 0), R 2, D 12, carried 8.
func handOrg() (*Org, time.Time) {
	d := func(day, h, m, s int) time.Time { return time.Date(2024, 1, day, h, m, s, 0, time.UTC) }
	dec := func(day int) time.Time { return time.Date(2023, 12, day, 12, 0, 0, 0, time.UTC) }
	start, act, end, done := d(1, 9, 0, 0), d(1, 9, 5, 0), d(15, 9, 0, 0), d(15, 10, 0, 0)
	s4start, s4end := d(15, 10, 30, 0), d(29, 10, 30, 0)
	o := &Org{
		Seed: 1, Now: d(17, 10, 30, 0), Statuses: DefaultStatuses,
		Projects: []Project{{ID: "10000", Key: "PLAT", Name: "Platform"}},
		Boards:   []Board{{ID: 1, Name: "Atlas board", Type: "scrum", ProjectKey: "PLAT"}},
		Users:    []User{{AccountID: "u1", DisplayName: "Ada"}},
		Sprints: []*Sprint{
			{ID: 3, Name: "Sprint 3", State: SprintClosed, OriginBoardID: 1, BoardIDs: []int{1}, Created: dec(1),
				Start: &start, End: &end, Activated: &act, Complete: &done},
			{ID: 4, Name: "Sprint 4", State: SprintActive, OriginBoardID: 1, BoardIDs: []int{1}, Created: dec(15),
				Start: &s4start, End: &s4end},
			{ID: 5, Name: "Sprint 5", State: SprintFuture, OriginBoardID: 1, BoardIDs: []int{1}, Created: d(2, 0, 0, 0)},
		},
	}
	two := 2.0
	hid := 1000
	h := func(at time.Time, it Item) History {
		hid++
		return History{ID: strconv.Itoa(hid), At: at, AuthorID: "u1", Items: []Item{it}}
	}
	sp := func(from, to []int) Item { return Item{Field: FieldSprint, FromSprints: from, ToSprints: to} }
	st := func(from, to string) Item { return Item{Field: FieldStatus, FromStatus: from, ToStatus: to} }
	n := 0
	issue := func(key string, created time.Time, init []int, status string, hs ...History) *Issue {
		n++
		is := &Issue{ID: strconv.Itoa(10000 + n), Key: key, Project: "PLAT", Type: "Story", Summary: key,
			Created: created, Points: &two, InitialSprints: init, InitialStatus: status, Histories: hs, AssigneeID: "u1"}
		is.Updated = created
		if len(hs) > 0 {
			is.Updated = hs[len(hs)-1].At
		}
		o.Issues = append(o.Issues, is)
		return is
	}
	s3, s34, s4, none := []int{3}, []int{3, 4}, []int{4}, []int(nil)
	const todo, prog, fin = StatusToDo, StatusInProgress, StatusDone
	issue("PLAT-1", dec(20), nil, todo, h(d(1, 9, 1, 0), sp(none, s3)), h(d(5, 12, 0, 0), st(todo, fin)))
	issue("PLAT-2", dec(20), nil, todo, h(dec(28), sp(none, s3)), h(d(4, 12, 0, 0), sp(s3, none)),
		h(d(6, 12, 0, 0), sp(none, s3)), h(d(10, 12, 0, 0), st(todo, fin)))
	issue("PLAT-3", dec(20), nil, todo, h(dec(29), sp(none, s3)), h(d(8, 12, 0, 0), st(todo, fin)),
		h(d(9, 12, 0, 0), sp(s3, none)))
	issue("PLAT-4", dec(20), nil, todo, h(dec(30), sp(none, s3)), h(d(3, 12, 0, 0), st(todo, prog)),
		h(done, sp(s3, s34)), h(d(16, 12, 0, 0), st(prog, fin)))
	issue("PLAT-5", dec(20), nil, todo, h(d(1, 9, 2, 0), sp(none, s3)), h(done.Add(-30*time.Second), sp(s3, s4)))
	issue("PLAT-6", dec(20), nil, todo, h(dec(30), sp(none, s3)))
	issue("PLAT-7", dec(20), nil, todo, h(dec(30), sp(none, s3)), h(d(12, 12, 0, 0), st(todo, fin)))
	issue("PLAT-8", dec(20), nil, todo, h(dec(30), sp(none, s3)), h(d(3, 12, 0, 0), st(todo, fin)),
		h(d(5, 12, 0, 0), st(fin, prog)))
	issue("PLAT-9", dec(31), s3, prog, h(d(11, 12, 0, 0), st(prog, fin)))
	issue("PLAT-10", dec(20), nil, todo, h(act, sp(none, s3)), h(d(13, 12, 0, 0), st(todo, fin)))
	issue("PLAT-11", dec(20), nil, todo, h(dec(30), sp(none, s3)), h(act, sp(s3, none))) // E
	issue("PLAT-12", dec(20), nil, todo, h(d(3, 12, 0, 0), sp(none, s3)), h(d(9, 12, 0, 0), st(todo, fin))) // A1
	a2 := issue("PLAT-13", d(7, 12, 0, 0), s3, todo)                                                          // A2
	a2.Points = nil
	issue("PLAT-14", dec(20), nil, todo, h(d(16, 12, 0, 0), sp(none, []int{5}))) // F
	o.index()
	return o, o.Now
}

func approx(t *testing.T, name string, got *float64, want float64) {
	t.Helper()
	if got == nil || math.Abs(*got-want) > 1e-9 {
		t.Errorf("%s = %v, want %v", name, deref(got), want)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestSprintTruthHandBuilt(t *testing.T) {
	o, now := handOrg()
	tr := o.SprintTruth("3", now)
	want := SprintTruth{Committed: 10, Added: 3, Removed: 1, Completed: 6, CarriedOver: 5, PlanningDone: 5}
	if tr.Committed != want.Committed || tr.Added != want.Added || tr.Removed != want.Removed ||
		tr.Completed != want.Completed || tr.CarriedOver != want.CarriedOver || tr.PlanningDone != want.PlanningDone {
		t.Fatalf("sprint 3: got C=%d A=%d R=%d D=%d carried=%d planningDone=%d, want C=10 A=3 R=1 D=6 carried=5 planningDone=5",
			tr.Committed, tr.Added, tr.Removed, tr.Completed, tr.CarriedOver, tr.PlanningDone)
	}
	if tr.State != SprintClosed || !tr.StartT0.Equal(*o.Sprint(3).Activated) || !tr.EndT1.Equal(*o.Sprint(3).Complete) {
		t.Errorf("sprint 3: state %s t0 %v t1 %v", tr.State, tr.StartT0, tr.EndT1)
	}
	approx(t, "scope change", tr.ScopeChangeRate(), 0.4)
	approx(t, "added rate", tr.AddedRate(), 0.3)
	approx(t, "net change", tr.NetChangeRate(), 0.2)
	approx(t, "planning accuracy", tr.PlanningAccuracy(), 0.5)
	approx(t, "completion rate", tr.CompletionRate(), 0.5)
	if tr.CommittedPoints != 20 || tr.AddedPoints != 4 || tr.RemovedPoints != 2 || tr.CompletedPoints != 12 || tr.CarriedOverPoints != 8 {
		t.Errorf("points: C %v A %v R %v D %v carried %v", tr.CommittedPoints, tr.AddedPoints, tr.RemovedPoints, tr.CompletedPoints, tr.CarriedOverPoints)
	}
	var evs []string
	for _, e := range tr.Events {
		evs = append(evs, e.Kind+" "+e.IssueKey)
	}
	wantEvs := []string{"added PLAT-12", "removed PLAT-2", "added PLAT-2", "added PLAT-13"}
	if len(evs) != len(wantEvs) {
		t.Fatalf("events %v, want %v", evs, wantEvs)
	}
	for i := range evs {
		if evs[i] != wantEvs[i] {
			t.Errorf("events %v, want %v", evs, wantEvs)
			break
		}
	}

	// Sprint 4 (active, t0 = startDate): I4 and I5 entered at sprint 3's
	// completion, before t0 → committed; I4 done on Jan 16.
	t4 := o.SprintTruth("4", now)
	if t4.State != SprintActive || t4.Committed != 2 || t4.Added != 0 || t4.Removed != 0 || t4.Completed != 1 || t4.CarriedOver != 1 {
		t.Errorf("sprint 4: %+v", t4)
	}
	if !t4.StartT0.Equal(*o.Sprint(4).Start) || !t4.EndT1.Equal(now) {
		t.Errorf("sprint 4: t0 %v t1 %v", t4.StartT0, t4.EndT1)
	}

	// Sprint 5 is future: zeros and null rates even though F is in it.
	t5 := o.SprintTruth("5", now)
	if t5.State != SprintFuture || t5.Committed+t5.Added+t5.Removed+t5.Completed+t5.CarriedOver != 0 {
		t.Errorf("sprint 5: %+v", t5)
	}
	if t5.ScopeChangeRate() != nil || t5.CompletionRate() != nil || t5.PlanningAccuracy() != nil {
		t.Errorf("C = 0 must give null rates")
	}

	// Seen on Jan 10 00:00 sprint 3 was active: t1 = then. By then A1 (Jan
	// 3), I2's re-entry (Jan 6) and A2 (Jan 7) were added, I2 removed once;
	// done at t1: I1 and A1 only; planning done: I1.
	mid := time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC)
	tm := o.SprintTruth("3", mid)
	if tm.State != SprintActive || tm.Committed != 10 || tm.Added != 3 || tm.Removed != 1 || tm.Completed != 2 ||
		tm.CarriedOver != 9 || tm.PlanningDone != 1 || !tm.EndT1.Equal(mid) {
		t.Errorf("sprint 3 on Jan 10: %+v", tm)
	}

	if u := o.SprintTruth("99", now); u.Committed != 0 || u.State != "" {
		t.Errorf("unknown sprint: %+v", u)
	}
}

// A closed sprint with nothing committed gives null rates, not a division.
func TestSprintTruthZeroCommitted(t *testing.T) {
	tr := SprintTruth{Added: 3, Completed: 3}
	if tr.ScopeChangeRate() != nil || tr.AddedRate() != nil || tr.NetChangeRate() != nil ||
		tr.PlanningAccuracy() != nil || tr.CompletionRate() != nil {
		t.Errorf("rates with C = 0 must be nil")
	}
	g := Generate(Options{Seed: 1, Now: testNow})
	found := false
	for _, s := range g.Sprints {
		if s.State != SprintClosed {
			continue
		}
		if tr := g.SprintTruth(sid(s.ID), testNow); tr.Committed == 0 {
			found = true
			if tr.Added == 0 || tr.ScopeChangeRate() != nil {
				t.Errorf("zero-commit sprint %d: %+v", s.ID, tr)
			}
		}
	}
	if !found {
		t.Errorf("generated org has no closed sprint with C = 0")
	}
}
