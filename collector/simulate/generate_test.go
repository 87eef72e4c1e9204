package simulate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
)

// testNow is the clock of generated orgs (RUNWAY_TEST_NOW moves it).
var testNow = collectortest.Now(time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC))

func sid(id int) string { return strconv.Itoa(id) }

func TestGenerateDeterministic(t *testing.T) {
	a := Generate(Options{Seed: 7, Now: testNow})
	b := Generate(Options{Seed: 7, Now: testNow})
	c := Generate(Options{Seed: 8, Now: testNow})
	if len(a.Issues) != len(b.Issues) || len(a.Sprints) != len(b.Sprints) {
		t.Fatalf("same seed, different sizes")
	}
	for i := range a.Issues {
		x, y := a.Issues[i], b.Issues[i]
		if x.Key != y.Key || !x.Updated.Equal(y.Updated) || len(x.Histories) != len(y.Histories) || x.Summary != y.Summary {
			t.Fatalf("issue %d differs between runs with the same seed", i)
		}
		for k := range x.Histories {
			if x.Histories[k].ID != y.Histories[k].ID || !x.Histories[k].At.Equal(y.Histories[k].At) {
				t.Fatalf("%s history %d differs", x.Key, k)
			}
		}
	}
	if len(a.Issues) == len(c.Issues) && a.Issues[len(a.Issues)-1].Updated.Equal(c.Issues[len(c.Issues)-1].Updated) {
		t.Errorf("different seeds gave suspiciously identical orgs")
	}
}

// checkConsistent verifies the invariants collectors rely on.
// bound is the time every event precedes (Org.Now unless mutated later).
func checkConsistent(t *testing.T, o *Org, bound time.Time) {
	t.Helper()
	perBoard := map[int]map[string]int{}
	for _, s := range o.Sprints {
		if perBoard[s.OriginBoardID] == nil {
			perBoard[s.OriginBoardID] = map[string]int{}
		}
		perBoard[s.OriginBoardID][s.State]++
		if s.BoardIDs[0] != s.OriginBoardID {
			t.Errorf("sprint %d: BoardIDs %v does not start with origin %d", s.ID, s.BoardIDs, s.OriginBoardID)
		}
		switch s.State {
		case SprintClosed:
			t0, ok := s.T0()
			if !ok || s.Complete == nil || s.Start == nil || s.End == nil || !s.Complete.After(t0) || !s.Complete.Before(bound) {
				t.Errorf("closed sprint %d has bad dates", s.ID)
			}
		case SprintActive:
			if s.Complete != nil || s.Start == nil || !s.Start.Before(bound) {
				t.Errorf("active sprint %d has bad dates", s.ID)
			}
		case SprintFuture:
			if s.Activated != nil || s.Complete != nil {
				t.Errorf("future sprint %d has activation/completion", s.ID)
			}
		}
	}
	for b, n := range perBoard {
		if n[SprintActive] != 1 || n[SprintFuture] != 1 || n[SprintClosed] < 1 {
			t.Errorf("board %d sprint states %v, want one active and one future", b, n)
		}
	}
	var lastID int64
	var lastAt time.Time
	type ref struct {
		id int64
		at time.Time
	}
	var refs []ref
	for i, is := range o.Issues {
		if i > 0 && compareIDs(o.Issues[i-1].ID, is.ID) >= 0 {
			t.Fatalf("issues not ordered by id at %s", is.Key)
		}
		if !is.Created.Before(bound) || is.Updated.Before(is.Created) || !is.Updated.Before(bound) {
			t.Errorf("%s: created %v updated %v now %v", is.Key, is.Created, is.Updated, o.Now)
		}
		sp, st := is.InitialSprints, is.InitialStatus
		for _, id := range sp {
			if o.Sprint(id).Created.After(is.Created) {
				t.Errorf("%s: created into sprint %d before the sprint was created", is.Key, id)
			}
		}
		prev := is.Created
		for _, h := range is.Histories {
			if h.At.Before(prev) || !h.At.Before(bound) {
				t.Errorf("%s: history %s at %v out of order", is.Key, h.ID, h.At)
			}
			if is.Updated.Before(h.At) {
				t.Errorf("%s: updated %v before history at %v", is.Key, is.Updated, h.At)
			}
			prev = h.At
			n, _ := strconv.ParseInt(h.ID, 10, 64)
			refs = append(refs, ref{n, h.At})
			for _, it := range h.Items {
				switch it.Field {
				case FieldSprint:
					for _, id := range it.ToSprints {
						if o.Sprint(id).Created.After(h.At) {
							t.Errorf("%s: enters sprint %d before the sprint was created", is.Key, id)
						}
					}
					if !slices.Equal(it.FromSprints, sp) {
						t.Errorf("%s: sprint item from %v, replay says %v", is.Key, it.FromSprints, sp)
					}
					if slices.Equal(it.FromSprints, it.ToSprints) {
						t.Errorf("%s: no-op sprint item", is.Key)
					}
					sp = it.ToSprints
				case FieldStatus:
					if it.FromStatus != st || it.ToStatus == st {
						t.Errorf("%s: status item %s→%s, replay says %s", is.Key, it.FromStatus, it.ToStatus, st)
					}
					st = it.ToStatus
				}
			}
		}
		for _, id := range is.CurrentSprints() {
			if o.Sprint(id) == nil {
				t.Errorf("%s: unknown sprint %d", is.Key, id)
			}
		}
	}
	slices.SortFunc(refs, func(a, b ref) int { return int(a.id - b.id) })
	for _, r := range refs {
		if r.id == lastID {
			t.Fatalf("duplicate history id %d", r.id)
		}
		if r.at.Before(lastAt) {
			t.Fatalf("history id %d at %v precedes an older id's time %v", r.id, r.at, lastAt)
		}
		lastID, lastAt = r.id, r.at
	}
}

// TestGenerateNeedsNow: an org laid out relative to the wall clock would be
// a different org every day, so there is no default.
func TestGenerateNeedsNow(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "Options.Now is required") {
			t.Errorf("Generate without Now: recovered %v", r)
		}
	}()
	Generate(Options{Seed: 1})
}

// TestPingPongIssue: the first board's ping-pong issue is there for any
// seed, options and day, with its Sprint histories where a search page's
// embedded changelog does not reach.
func TestPingPongIssue(t *testing.T) {
	opts := []Options{{Seed: 1}, {Seed: 5, Teams: 1, Months: 1, IssuesPerSprint: 3, Projects: []string{"SOLO"}},
		{Seed: 6, Teams: 7, Months: 3, Projects: []string{"A", "B"}}}
	for _, d := range collectortest.Days {
		for _, o := range opts {
			o.Now = d.Now
			org := Generate(o)
			var pp *Issue
			for _, is := range org.Issues {
				if is.Summary == "Reprioritise checkout flow (client feedback)" {
					pp = is
				}
			}
			if pp == nil {
				t.Fatalf("%s seed %d: no ping-pong issue", d.Name, o.Seed)
			}
			if len(pp.Histories) != 2*PingPongCycles || len(pp.Histories) <= DefaultChangelogEmbedLimit {
				t.Errorf("%s seed %d: %s has %d histories, want %d", d.Name, o.Seed, pp.Key, len(pp.Histories), 2*PingPongCycles)
			}
			i := slices.IndexFunc(org.Sprints, func(s *Sprint) bool { return s.OriginBoardID == org.Boards[0].ID })
			first := org.Sprints[i] // sprints are in creation order
			tr := org.SprintTruth(sid(first.ID), d.Now)
			if tr.Added < PingPongCycles || tr.Removed < PingPongCycles {
				t.Errorf("%s seed %d: first sprint A=%d R=%d, want ≥ %d each from the ping-pong issue", d.Name, o.Seed, tr.Added, tr.Removed, PingPongCycles)
			}
		}
	}
}

// TestGenerateOnManyDays is the generator's date guard: consistency for
// small and default orgs, and every promised scenario, on each guard day.
func TestGenerateOnManyDays(t *testing.T) {
	for _, d := range collectortest.Days {
		checkConsistent(t, Generate(Options{Seed: 1, Now: d.Now}), d.Now)
		checkConsistent(t, Generate(Options{Seed: 5, Now: d.Now, Teams: 1, Months: 1, IssuesPerSprint: 3, Projects: []string{"SOLO"}}), d.Now)
		checkConsistent(t, Generate(Options{Seed: 6, Now: d.Now, Teams: 7, Months: 3, Projects: []string{"A", "B"}}), d.Now)
		sc := findScenarios(Generate(Options{Seed: 2, Now: d.Now}))
		for _, name := range requiredScenarios {
			if sc[name] == 0 {
				t.Errorf("%s: no %q", d.Name, name)
			}
		}
	}
}

func TestGenerateConsistent(t *testing.T) {
	for _, seed := range []int64{1, 2, 3, 42} {
		checkConsistent(t, Generate(Options{Seed: seed, Now: testNow}), testNow)
	}
	checkConsistent(t, Generate(Options{Seed: 5, Now: testNow, Teams: 1, Months: 1, IssuesPerSprint: 3, Projects: []string{"SOLO"}}), testNow)
	checkConsistent(t, Generate(Options{Seed: 6, Now: testNow, Teams: 7, Months: 3, Projects: []string{"A", "B"}}), testNow)
}

func TestGenerateDefaults(t *testing.T) {
	o := Generate(Options{Seed: 1, Now: testNow.Add(123 * time.Millisecond)})
	if !o.Now.Equal(testNow) || o.Now.Location() != time.UTC {
		t.Errorf("Now = %v, want %v truncated to the second", o.Now, testNow)
	}
	if len(o.Boards) != 4 || len(o.Projects) != 4 {
		t.Errorf("defaults: %d boards, %d projects", len(o.Boards), len(o.Projects))
	}
	first := o.Now
	for _, s := range o.Sprints {
		if s.Start != nil && s.Start.Before(first) {
			first = *s.Start
		}
	}
	if d := o.Now.Sub(first); d < 330*day || d > 380*day {
		t.Errorf("sprint history spans %v, want about 12 months", d)
	}
}

func TestGenerateScale(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	start := time.Now()
	o := Generate(Options{Seed: 3, Now: testNow, Teams: 12, IssuesPerSprint: 80})
	elapsed := time.Since(start)
	if len(o.Issues) < 18000 || len(o.Sprints) < 280 {
		t.Errorf("scale: %d issues, %d sprints", len(o.Issues), len(o.Sprints))
	}
	truths := o.AllSprintTruths(testNow)
	t.Logf("%d issues, %d sprints, generated in %v, all truths in %v", len(o.Issues), len(o.Sprints), elapsed, time.Since(start)-elapsed)
	if len(truths) != len(o.Sprints) {
		t.Errorf("truths for %d of %d sprints", len(truths), len(o.Sprints))
	}
}

// scenarios counts the situations the generator promises.
type scenarios map[string]int

func findScenarios(o *Org) scenarios {
	sc := scenarios{}
	now := o.Now
	for _, s := range o.Sprints {
		tr := o.SprintTruth(sid(s.ID), now)
		projects := map[string]bool{}
		for _, is := range o.IssuesInSprintEver(s.ID) {
			projects[is.Project] = true
		}
		if len(projects) >= 2 {
			sc["sprint with two projects"]++
		}
		if len(s.BoardIDs) >= 2 {
			sc["sprint shared by two boards"]++
		}
		switch s.State {
		case SprintFuture:
			if len(o.IssuesInSprintEver(s.ID)) == 0 {
				sc["future sprint without issues"]++
			}
			continue
		case SprintClosed:
			if tr.Committed == 0 {
				sc["closed sprint with C=0"]++
			}
			if s.Activated == nil {
				sc["closed sprint without activatedDate"]++
			} else if d := s.Activated.Sub(*s.Start); d >= time.Minute && d < time.Hour {
				sc["activated minutes after start"]++
			} else if d >= time.Hour {
				sc["activated hours after start"]++
			}
		}
		if tr.Added > 0 && tr.Removed > 0 {
			sc["sprint with A>0 and R>0"]++
		}
		if tr.Completed > 0 {
			sc["done before completion"]++
		}
	}
	for _, is := range o.Issues {
		boards := map[int]bool{}
		for _, id := range is.InitialSprints {
			boards[o.Sprint(id).OriginBoardID] = true
			s := o.Sprint(id)
			if t0, ok := s.T0(); ok && is.Created.After(t0) && (s.Complete == nil || is.Created.Before(*s.Complete)) {
				sc["created into running sprint"]++
			}
		}
		if n := len(is.Histories) - DefaultChangelogEmbedLimit; n > 0 && slices.ContainsFunc(is.Histories[:n], func(h History) bool {
			return slices.ContainsFunc(h.Items, func(it Item) bool { return it.Field == FieldSprint })
		}) {
			sc["Sprint history older than a search page embeds"]++
		}
		for _, h := range is.Histories {
			for _, it := range h.Items {
				if it.Field != FieldPoints {
					continue
				}
				sc["re-estimated"]++
				for _, id := range is.SprintsAt(h.At) {
					if s := o.Sprint(id); s.Complete != nil && h.At.After(*s.Complete) {
						sc["re-estimated after its sprint closed"]++
					}
				}
			}
		}
		firstStatus := true
		for hi, h := range is.Histories {
			for _, it := range h.Items {
				if it.Field == FieldStatus && firstStatus {
					firstStatus = false
					if it.FromStatus == is.InitialStatus && is.InitialStatus == StatusInProgress {
						sc["created In Progress, later changed"]++
					}
				}
				if it.Field != FieldSprint {
					continue
				}
				for _, id := range it.ToSprints {
					boards[o.Sprint(id).OriginBoardID] = true
				}
				for _, id := range it.ToSprints {
					if slices.Contains(it.FromSprints, id) {
						continue
					}
					s := o.Sprint(id)
					t0, ok := s.T0()
					if !ok {
						continue
					}
					switch {
					case h.At.Equal(t0.Add(-3 * time.Minute)):
						sc["added exactly 3 minutes before start"]++
					case h.At.Equal(t0):
						sc["added exactly at start"]++
					case s.Activated != nil && h.At.After(*s.Start) && h.At.Before(t0):
						sc["added between startDate and activatedDate"]++
					case h.At.After(t0) && (s.Complete == nil || h.At.Before(s.Complete.Add(-CarryOverWindow))):
						sc["added after start"]++
						// re-added after a removal from the same sprint?
						for _, p := range is.Histories[:hi] {
							for _, pi := range p.Items {
								if pi.Field == FieldSprint && slices.Contains(pi.FromSprints, id) && !slices.Contains(pi.ToSprints, id) && p.At.After(t0) {
									sc["removed then re-added"]++
								}
							}
						}
					}
				}
				for _, id := range it.FromSprints {
					s := o.Sprint(id)
					if slices.Contains(it.ToSprints, id) || s.Complete == nil {
						if s.Complete != nil && h.At.Equal(*s.Complete) && len(it.ToSprints) == len(it.FromSprints)+1 {
							sc[`carried over keeping the closed sprint ("3" → "3, 4")`]++
						}
						continue
					}
					c := *s.Complete
					switch {
					case !h.At.Before(c.Add(-CarryOverWindow)) && !h.At.After(c.Add(2*time.Second)):
						sc[`moved out as it completes ("3" → "4")`]++
						if h.At.Before(c) {
							sc["moved out seconds before completeDate"]++
						}
					case h.At.Before(c):
						if o.statusCategory(is.StatusAt(h.At)) == CategoryDone {
							sc["left the sprint while done"]++
						} else {
							sc["removed mid-sprint, not done"]++
						}
					}
				}
			}
		}
		if len(boards) >= 2 {
			sc["issue in sprints of two boards"]++
		}
		// Carried to the backlog: in the closed sprint at completion, not
		// done, no Sprint item around completion, never in a later sprint.
		for _, id := range is.CurrentSprints() {
			s := o.Sprint(id)
			if s.State != SprintClosed || o.statusCategory(is.StatusAt(*s.Complete)) == CategoryDone {
				continue
			}
			if cur := is.CurrentSprints(); cur[len(cur)-1] == id {
				sc["carried over to the backlog"]++
			}
		}
	}
	return sc
}

var requiredScenarios = []string{
	"added exactly 3 minutes before start",
	"added exactly at start",
	"added between startDate and activatedDate",
	"added after start",
	"created into running sprint",
	"removed mid-sprint, not done",
	"removed then re-added",
	"left the sprint while done",
	"done before completion",
	`carried over keeping the closed sprint ("3" → "3, 4")`,
	`moved out as it completes ("3" → "4")`,
	"moved out seconds before completeDate",
	"carried over to the backlog",
	"issue in sprints of two boards",
	"sprint shared by two boards",
	"sprint with two projects",
	"sprint with A>0 and R>0",
	"closed sprint with C=0",
	"future sprint without issues",
	"closed sprint without activatedDate",
	"activated minutes after start",
	"activated hours after start",
	"created In Progress, later changed",
	"Sprint history older than a search page embeds",
	"re-estimated",
	"re-estimated after its sprint closed",
}

func TestGenerateScenarios(t *testing.T) {
	for _, seed := range []int64{1, 2, 3, 4, 5} {
		o := Generate(Options{Seed: seed, Now: testNow})
		sc := findScenarios(o)
		for _, name := range requiredScenarios {
			if sc[name] == 0 {
				t.Errorf("seed %d: no %q (found %v)", seed, name, sc)
			}
		}
		if seed == 1 {
			for _, name := range requiredScenarios {
				t.Logf("%-55s %d", name, sc[name])
			}
		}
		// Incremental collection is meaningful: updated spreads over time.
		minutes := map[int64]bool{}
		for _, is := range o.Issues {
			minutes[is.Updated.Unix()/60] = true
		}
		if len(minutes) < len(o.Issues)*9/10 {
			t.Errorf("seed %d: only %d distinct updated minutes for %d issues", seed, len(minutes), len(o.Issues))
		}
		// Initial values equal the first item's from.
		for _, is := range o.Issues {
			for _, h := range is.Histories {
				if h.Items[0].Field == FieldStatus {
					if h.Items[0].FromStatus != is.InitialStatus {
						t.Fatalf("%s: first status item from %s, initial %s", is.Key, h.Items[0].FromStatus, is.InitialStatus)
					}
					break
				}
			}
		}
	}
}

// Every seed of the default options must show every scenario.
func TestGenerateScenariosManySeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	for seed := int64(100); seed < 140; seed++ {
		sc := findScenarios(Generate(Options{Seed: seed, Now: testNow}))
		for _, name := range requiredScenarios {
			if sc[name] == 0 {
				t.Errorf("seed %d: no %q", seed, name)
			}
		}
	}
}

func TestTouch(t *testing.T) {
	o := Generate(Options{Seed: 11, Now: testNow})
	at := testNow.Add(time.Hour)
	keys := o.Touch(at, 5)
	if len(keys) != 5 {
		t.Fatalf("touched %v", keys)
	}
	seen := map[string]bool{}
	for _, k := range keys {
		is := o.Issue(k)
		if seen[k] || !is.Updated.Equal(at) || !is.Histories[len(is.Histories)-1].At.Equal(at) {
			t.Errorf("%s not touched properly", k)
		}
		seen[k] = true
	}
	n := 0
	for _, is := range o.Issues {
		if !is.Updated.Before(at) {
			n++
		}
	}
	if n != 5 {
		t.Errorf("%d issues updated at or after the touch, want 5", n)
	}
	checkConsistent(t, o, at.Add(time.Second))
	// Later touches keep history ids increasing.
	k2 := o.Touch(at.Add(time.Minute), 1)
	h1 := o.Issue(keys[0]).Histories
	h2 := o.Issue(k2[0]).Histories
	if compareIDs(h1[len(h1)-1].ID, h2[len(h2)-1].ID) >= 0 {
		t.Errorf("history ids not increasing: %s then %s", h1[len(h1)-1].ID, h2[len(h2)-1].ID)
	}
}

func TestMutationsMoveTruth(t *testing.T) {
	o := Generate(Options{Seed: 12, Now: testNow})
	var active *Sprint
	for _, s := range o.Sprints {
		if s.State == SprintActive && o.SprintTruth(sid(s.ID), testNow).CarriedOver > 0 {
			active = s
			break
		}
	}
	if active == nil {
		t.Fatal("no active sprint with open issues")
	}
	before := o.SprintTruth(sid(active.ID), testNow)
	var open *Issue
	for _, is := range o.IssuesInSprintEver(active.ID) {
		if slices.Contains(is.CurrentSprints(), active.ID) && o.statusCategory(is.CurrentStatus()) != CategoryDone {
			open = is
			break
		}
	}
	at := testNow.Add(time.Minute)
	if err := o.SetStatus(open.Key, StatusDone, at); err != nil {
		t.Fatal(err)
	}
	later := testNow.Add(2 * time.Minute)
	after := o.SprintTruth(sid(active.ID), later)
	if after.Completed != before.Completed+1 || after.CarriedOver != before.CarriedOver-1 {
		t.Errorf("after done: D %d→%d, carried %d→%d", before.Completed, after.Completed, before.CarriedOver, after.CarriedOver)
	}
	// Removing an open issue from the active sprint is a removal.
	var open2 *Issue
	for _, is := range o.IssuesInSprintEver(active.ID) {
		if is != open && slices.Contains(is.CurrentSprints(), active.ID) && o.statusCategory(is.CurrentStatus()) != CategoryDone {
			open2 = is
			break
		}
	}
	rest := slices.DeleteFunc(open2.CurrentSprints(), func(id int) bool { return id == active.ID })
	if err := o.SetSprints(open2.Key, rest, later); err != nil {
		t.Fatal(err)
	}
	after2 := o.SprintTruth(sid(active.ID), later.Add(time.Minute))
	if after2.Removed != after.Removed+1 || after2.CarriedOver != after.CarriedOver-1 {
		t.Errorf("after removal: R %d→%d, carried %d→%d", after.Removed, after2.Removed, after.CarriedOver, after2.CarriedOver)
	}
	if err := o.SetStatus(open.Key, StatusToDo, testNow); err == nil {
		t.Errorf("a change before the issue's last event was accepted")
	}
}
