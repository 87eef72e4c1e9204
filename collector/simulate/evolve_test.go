package simulate

import (
	"reflect"
	"testing"
	"time"
)

// TestEvolveMilestones: a milestone whose issues are all done is released
// at the next step, a released one is not released again, and the steps
// are the same for the same seed and clock. Over a day of steps, one a
// minute, scope grows and due dates move, and the truth, observing every
// minute, sees every change.
func TestEvolveMilestones(t *testing.T) {
	gen := func() *Org { return Generate(Options{Seed: 7, Now: testNow}) }
	org := gen()
	track := org.MilestonesByScenario(ScenarioOnTrack)
	if len(track) != 1 {
		t.Fatalf("%d on-track milestones, want 1", len(track))
	}
	m := track[0]
	at := testNow.Add(time.Minute)
	for _, is := range org.IssuesInMilestoneEver(m.ID) {
		if err := org.SetStatus(is.Key, StatusDone, at); err != nil {
			t.Fatal(err)
		}
	}
	step := testNow.Add(2 * time.Minute)
	changes := org.EvolveMilestones(step)
	if !m.ReleasedAt(step) || !reflect.DeepEqual(changes[:1], []string{"released milestone " + m.ID}) {
		t.Fatalf("after all of %s's issues were done: released %v, changes %q", m.ID, m.ReleasedAt(step), changes)
	}
	if again := org.EvolveMilestones(step.Add(time.Minute)); len(again) > 0 && again[0] == changes[0] {
		t.Errorf("released twice: %q", again)
	}

	a, b := gen(), gen()
	var added, moved, released int
	obs := []time.Time{testNow} // before the first step
	for i := range 24 * 60 {
		now := testNow.Add(time.Duration(i+1) * time.Minute)
		ca, cb := a.EvolveMilestones(now), b.EvolveMilestones(now)
		if !reflect.DeepEqual(ca, cb) {
			t.Fatalf("minute %d: %q and %q from the same seed", i, ca, cb)
		}
		for _, c := range ca {
			switch c[:5] {
			case "added":
				added++
			case "moved":
				moved++
			case "relea":
				released++
			}
		}
		obs = append(obs, now)
	}
	if added == 0 || moved == 0 {
		t.Fatalf("a day of steps: %d issues added, %d due moves; want some of each", added, moved)
	}
	var truthAdded, truthMoves, before, movesBefore int
	fresh := gen()
	for _, m := range a.Milestones {
		tr, was := a.MilestoneTruth(m.ID, obs), fresh.MilestoneTruth(m.ID, obs)
		truthAdded += tr.Added
		truthMoves += tr.DueChanges
		before += was.Added
		movesBefore += was.DueChanges
	}
	if truthAdded-before != added {
		t.Errorf("truth counts %d more additions after a day, want %d", truthAdded-before, added)
	}
	// Observed every minute, every move is seen; a release may move a due
	// date too (to the release day).
	if got := truthMoves - movesBefore; got < moved || got > moved+released {
		t.Errorf("truth sees %d more due changes, want the %d moves (and up to %d releases)", got, moved, released)
	}
}
