package simulate

import (
	"math"
	"testing"
	"time"
)

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

// TestSprintTruthHandBuilt checks TinyOrg's numbers, worked out by hand:
//
// Sprint 3 (t0 = activatedDate Jan 1 09:05, t1 = completeDate Jan 15 10:00):
//   - C = 10: PLAT-1 (entered 09:01, between startDate and activatedDate),
//     PLAT-2..4, PLAT-5 (t0 − 3 min), PLAT-6..8, PLAT-9 (created into the
//     sprint, no item), PLAT-10 (entered exactly at t0). PLAT-11 left exactly
//     at t0: not committed, not removed.
//   - A = 3: PLAT-12 (Jan 3), PLAT-13 (created into the running sprint), and
//     PLAT-2's re-entry on Jan 6.
//   - R = 1: PLAT-2 on Jan 4 (To Do). Not PLAT-3 (left while done), not
//     PLAT-5 (moved "3" → "4" at t1 − 30 s: carry-over).
//   - In at t1: PLAT-1,2,4,5,6,7,8,9,10,12,13. Done: 1,2,7,9,10,12 → D = 6;
//     carried over 4,5,6,8,13 = 5; planning done (committed ∧ done) 1,2,7,9,10 = 5.
//   - Scope change (3+1)/10 = 0.4, added 0.3, net 0.2, planning accuracy 0.5,
//     completion 6/(10+3−1) = 0.5. Points (2 each, PLAT-13 none): C 20, A 4,
//     R 2, D 12, carried 8.
//
// Sprint 4 (active, no activatedDate → t0 = startDate Jan 15 10:30; t1 =
// now Jan 17 10:30): PLAT-4 and PLAT-5 entered at sprint 3's completion,
// before t0 → C = 2, A = R = 0; PLAT-4 done Jan 16 → D = 1, carried 1.
func TestSprintTruthHandBuilt(t *testing.T) {
	o, now := TinyOrg()
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
