package simulate

import (
	"strconv"
	"time"
)

// TinyOrg returns a small hand-built org whose sprint reports are worked
// out by hand (see truth_test.go), with the time to evaluate it at. Serve it
// from a site whose clock returns that time (JiraOptions.Now) to test a
// collector end to end against exact numbers. Issue keys are PLAT-1..PLAT-14
// in the order below. Sprint 3 (board 1) runs
//
//	Start       2024-01-01 09:00
//	Activated   2024-01-01 09:05  → t0
//	End         2024-01-15 09:00
//	Complete    2024-01-15 10:00  → t1
//
// then sprint 4 starts 2024-01-15 10:30 without Activated (t0 = Start)
// and is active; sprint 5 is future. Every issue has 2 story
// points except A2 (none).
//
//	I1  added 09:01, between Start and Activated             committed; done Jan 5
//	I2  added Dec 28; removed Jan 4 (To Do); re-added Jan 6  committed, removed once, added once; done Jan 10 12:00
//	I3  added Dec 29; done Jan 8; leaves Jan 9 while done    committed; not a removal; not in at t1
//	I4  added Dec 30; In Progress Jan 3; {3} → {3, 4} at t1  committed; carried over; done Jan 16 in sprint 4
//	I5  added 09:02 = t0 − 3 min; {3} → {4} at t1 − 30 s     committed; carried over (not removed)
//	I6  added Dec 30; never done; no item at completion      committed; carried over to the backlog
//	I7  added Dec 30; done Jan 12                            committed; completed
//	I8  added Dec 30; done Jan 3; reopened Jan 5             committed; carried over
//	I9  created Dec 31 straight into sprint 3, In Progress   committed (no history item); done Jan 11
//	I10 added exactly at t0 (09:05)                          committed (an entry at t0 is committed); done Jan 13
//	E   added Dec 30; removed exactly at t0                  neither committed nor removed
//	A1  added Jan 3                                          added; done Jan 9
//	A2  created Jan 7 straight into the running sprint       added (no history item); open
//	F   added to future sprint 5 on Jan 16
//
// Sprint 3: C = 10 (I1..I10), A = 3 (A1, A2, I2's re-entry), R = 1 (I2),
// in at t1 = I1 I2 I4 I5 I6 I7 I8 I9 I10 A1 A2, of which done: I1 I2 I7 I9
// I10 A1 → D = 6, carried over = 5 (I4 I5 I6 I8 A2), planning done = 5
// (I1 I2 I7 I9 I10).
// Scope change (3+1)/10 = 0.4; added 0.3; net (3−1)/10 = 0.2; planning
// accuracy 5/10 = 0.5; completion 6/(10+3−1) = 0.5.
// Points: C 20, A 4 (A1 2 + I2 2 + A2 0), R 2, D 12, carried 8.
func TinyOrg() (*Org, time.Time) {
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
	issue("PLAT-11", dec(20), nil, todo, h(dec(30), sp(none, s3)), h(act, sp(s3, none)))                    // E
	issue("PLAT-12", dec(20), nil, todo, h(d(3, 12, 0, 0), sp(none, s3)), h(d(9, 12, 0, 0), st(todo, fin))) // A1
	a2 := issue("PLAT-13", d(7, 12, 0, 0), s3, todo)                                                        // A2
	a2.Points = nil
	issue("PLAT-14", dec(20), nil, todo, h(d(16, 12, 0, 0), sp(none, []int{5}))) // F
	if err := o.Index(); err != nil {
		panic(err)
	}
	return o, o.Now
}
