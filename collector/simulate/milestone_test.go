package simulate

import (
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"
)

func jan(d int, hm ...int) time.Time {
	h, m := 0, 0
	if len(hm) == 2 {
		h, m = hm[0], hm[1]
	}
	return time.Date(2024, 1, d, h, m, 0, 0, time.UTC)
}

// handMilestoneOrg is a hand-built org with two milestones whose truth is
// worked out below. M1 (10100) starts Jan 5, due Jan 31, moved on Jan 20 to
// Feb 10. M2 (10101) has no dates. M3 (10102) appears on Jan 20.
//
//	A  created Jan 2 into M1; done Jan 10            initial; closed
//	B  into M1 Jan 3; out Jan 8 (open); in Jan 12    initial, removed once, added once; open
//	C  into M1 Jan 7; done Jan 9; out Jan 11         added; left while done (not removed)
//	D  into M1 Jan 4; into M2 Jan 6                  initial in both; open
//	E  into M1 exactly at Jan 5 00:00 (= b)          initial; done Jan 15
//
// Seen on Jan 10 and Jan 25: M1 original due Jan 31, one change, b = Jan 5,
// initial 4 (A B D E), added 2 (C, B again), removed 1 (B), open 2 (B D),
// closed 2 (A E). M2: b = Jan 6 (D's entry), initial 1, open 1.
func handMilestoneOrg(t *testing.T) *Org {
	t.Helper()
	fv := func(from, to string) Item { return Item{Field: FieldFixVersion, From: from, To: to} }
	st := func(from, to string) Item { return Item{Field: FieldStatus, FromStatus: from, ToStatus: to} }
	h := func(at time.Time, it Item) History { return History{At: at, Items: []Item{it}} }
	issue := func(n, id string, initial []string, hs ...History) *Issue {
		return &Issue{ID: id, Key: "P-" + n, Project: "P", Type: "Story", Created: jan(2), InitialStatus: StatusToDo,
			InitialVersions: initial, Histories: hs}
	}
	o := &Org{Now: jan(25), Projects: []Project{{ID: "10000", Key: "P", Name: "P"}},
		Milestones: []*Milestone{
			{ID: "10100", Project: "P", Name: "P Beta", Created: jan(1), Start: tp(jan(5)),
				Dues: []DueChange{{At: jan(1), Due: tp(EndOfDay(jan(31)))}, {At: jan(20), Due: tp(EndOfDay(jan(31).AddDate(0, 0, 10)))}}},
			{ID: "10101", Project: "P", Name: "P MVP", Created: jan(1)},
			{ID: "10102", Project: "P", Name: "P GA", Created: jan(20)},
		},
		Issues: []*Issue{
			issue("1", "1", []string{"10100"}, h(jan(10), st(StatusToDo, StatusDone))),
			issue("2", "2", nil, h(jan(3), fv("", "10100")), h(jan(8), fv("10100", "")), h(jan(12), fv("", "10100"))),
			issue("3", "3", nil, h(jan(7), fv("", "10100")), h(jan(9), st(StatusToDo, StatusDone)), h(jan(11), fv("10100", ""))),
			issue("4", "4", nil, h(jan(4), fv("", "10100")), h(jan(6), fv("", "10101"))),
			issue("5", "5", nil, h(jan(5), fv("", "10100")), h(jan(15), st(StatusToDo, StatusDone))),
		}}
	if err := o.Index(); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestMilestoneTruthHandBuilt(t *testing.T) {
	o := handMilestoneOrg(t)
	obs := []time.Time{jan(25), jan(10)} // any order
	got := o.AllMilestoneTruths(obs)
	want := map[string]MilestoneTruth{
		"10100": {MilestoneID: "10100", Project: "P", Name: "P Beta", State: MilestoneOpen,
			Due: tp(EndOfDay(jan(31).AddDate(0, 0, 10))), OriginalDue: tp(EndOfDay(jan(31))), DueChanges: 1,
			Baseline: tp(jan(5)), InitialScope: 4, Added: 2, Removed: 1, OpenIssues: 2, ClosedIssues: 2},
		"10101": {MilestoneID: "10101", Project: "P", Name: "P MVP", State: MilestoneOpen,
			Baseline: tp(jan(6)), InitialScope: 1, OpenIssues: 1},
		// Seen once (on Jan 25), with no member: no baseline.
		"10102": {MilestoneID: "10102", Project: "P", Name: "P GA", State: MilestoneOpen},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("truths:\n got %+v\nwant %+v", got, want)
	}
	// Only seen before the move: no change, the first due.
	if tr := o.MilestoneTruth("10100", []time.Time{jan(10), jan(15)}); tr.DueChanges != 0 || !tr.Due.Equal(EndOfDay(jan(31))) {
		t.Errorf("before the move: %+v", tr)
	}
	if tr := o.MilestoneTruth("10102", []time.Time{jan(10)}); tr.State != "" {
		t.Errorf("a milestone not created at any observation has a truth: %+v", tr)
	}
	if tr := o.MilestoneTruth("999", obs); tr.State != "" {
		t.Errorf("unknown milestone: %+v", tr)
	}
}

func TestMilestoneAsOf(t *testing.T) {
	o := handMilestoneOrg(t)
	m := o.Milestone("10100")
	if m.ExistsAt(jan(1).Add(-time.Second)) || !m.ExistsAt(jan(1)) {
		t.Error("ExistsAt: want from creation on")
	}
	if d := m.DueAt(jan(19)); !d.Equal(EndOfDay(jan(31))) {
		t.Errorf("due on Jan 19 = %v", d)
	}
	if d := m.DueAt(jan(20)); !d.Equal(time.Date(2024, 2, 10, 23, 59, 59, 0, time.UTC)) {
		t.Errorf("due on Jan 20 = %v", d)
	}
	if d := o.Milestone("10101").DueAt(jan(25)); d != nil {
		t.Errorf("no due date, got %v", d)
	}
	check := func(what string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	d := o.Issue("P-4")
	check("P-4 on Jan 3", d.VersionsAt(jan(3)), nil)
	check("P-4 on Jan 6", d.VersionsAt(jan(6)), []string{"10100", "10101"})
	check("P-2 on Jan 9", o.Issue("P-2").VersionsAt(jan(9)), []string{})
	check("P-1 (created in it)", o.Issue("P-1").CurrentVersions(), []string{"10100"})
}

func TestMilestoneMutators(t *testing.T) {
	o := handMilestoneOrg(t)
	v0 := o.version
	if err := o.SetMilestoneDue("10101", tp(EndOfDay(jan(28))), jan(26)); err != nil {
		t.Fatal(err)
	}
	if d := o.Milestone("10101").DueAt(jan(26)); d == nil || !d.Equal(EndOfDay(jan(28))) {
		t.Errorf("due after SetMilestoneDue = %v", d)
	}
	// Released on time: the due date stays.
	if err := o.ReleaseMilestone("10101", jan(27)); err != nil {
		t.Fatal(err)
	}
	m := o.Milestone("10101")
	if !m.ReleasedAt(jan(27)) || m.ReleasedAt(jan(26)) || m.StateAt(jan(27)) != MilestoneClosed || len(m.Dues) != 1 {
		t.Errorf("released on time: %+v", m)
	}
	// Released late: the due date moves to the end of the release day.
	shipped := jan(31).AddDate(0, 0, 12).Add(15 * time.Hour) // Feb 12 15:00, due Feb 10
	if err := o.ReleaseMilestone("10100", shipped); err != nil {
		t.Fatal(err)
	}
	if err := o.ReleaseMilestone("10100", shipped.Add(time.Hour)); err == nil {
		t.Error("released twice")
	}
	m = o.Milestone("10100")
	if d := m.DueAt(shipped); !d.Equal(EndOfDay(shipped)) || m.DueAt(shipped.Add(-time.Second)).Equal(EndOfDay(shipped)) {
		t.Errorf("late release: dues %+v", m.Dues)
	}
	if err := o.ArchiveMilestone("10102", jan(27)); err != nil {
		t.Fatal(err)
	}
	if s := o.Milestone("10102").StateAt(jan(27)); s != MilestoneArchived {
		t.Errorf("archived state = %s", s)
	}
	// Membership: one item per change, none when nothing changes.
	if err := o.AddToMilestone("P-2", "10102", jan(27)); err != nil {
		t.Fatal(err)
	}
	if err := o.AddToMilestone("P-2", "10102", jan(27, 1, 0)); err != nil {
		t.Fatal(err)
	}
	if err := o.RemoveFromMilestone("P-4", "10100", jan(27, 2, 0)); err != nil {
		t.Fatal(err)
	}
	if err := o.RemoveFromMilestone("P-4", "10100", jan(27, 3, 0)); err != nil {
		t.Fatal(err)
	}
	hs := o.Issue("P-2").Histories
	if last := hs[len(hs)-1]; len(hs) != 4 || !reflect.DeepEqual(last.Items, []Item{{Field: FieldFixVersion, To: "10102"}}) || last.ID == "" {
		t.Errorf("P-2's histories %+v", hs)
	}
	hs = o.Issue("P-4").Histories
	if last := hs[len(hs)-1]; len(hs) != 3 || !reflect.DeepEqual(last.Items, []Item{{Field: FieldFixVersion, From: "10100"}}) {
		t.Errorf("P-4's histories %+v", hs)
	}
	if !o.Issue("P-2").Updated.Equal(jan(27)) {
		t.Errorf("P-2 updated %v, want the change's time", o.Issue("P-2").Updated)
	}
	if n := len(o.IssuesInMilestoneEver("10102")); n != 1 {
		t.Errorf("%d issues ever in 10102", n)
	}
	if o.version != v0+7 {
		t.Errorf("org version moved %d times, want 7 (one per change, late release counted twice)", o.version-v0)
	}
	for name, err := range map[string]error{
		"unknown milestone": o.SetMilestoneDue("1", nil, jan(28)),
		"before creation":   o.SetMilestoneDue("10102", nil, jan(19)),
		"before last due":   o.SetMilestoneDue("10100", nil, jan(19)),
		"unknown issue":     o.AddToMilestone("P-99", "10100", jan(28)),
		"before last event": o.AddToMilestone("P-2", "10100", jan(26)),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := o.DeleteMilestone("10102"); err != nil {
		t.Fatal(err)
	}
	if o.Milestone("10102") != nil || len(o.Milestones) != 2 {
		t.Error("deleted milestone still there")
	}
	if _, ok := o.AllMilestoneTruths([]time.Time{jan(28)})["10102"]; ok {
		t.Error("deleted milestone has a truth")
	}
	if name, ok := o.milestoneName("10102"); !ok || name != "P GA" {
		t.Errorf("deleted milestone's name %q", name)
	}
	if err := o.Index(); err != nil {
		t.Errorf("re-index after deletion: %v", err)
	}
}

func TestMilestoneIndexRejects(t *testing.T) {
	cases := map[string]func(o *Org){
		"unknown project":   func(o *Org) { o.Milestones[0].Project = "X" },
		"duplicate id":      func(o *Org) { o.Milestones[1].ID = "10100" },
		"non-numeric id":    func(o *Org) { o.Milestones[1].ID = "v1" },
		"due before create": func(o *Org) { o.Milestones[0].Dues[0].At = jan(0) },
		"dues out of order": func(o *Org) { o.Milestones[0].Dues[1].At = jan(1).Add(-time.Hour) },
		"unknown initial":   func(o *Org) { o.Issues[0].InitialVersions = []string{"7"} },
		"unknown in item":   func(o *Org) { o.Issues[1].Histories[0].Items[0].To = "7" },
		"released early":    func(o *Org) { o.Milestones[2].Released = tp(jan(2)) },
	}
	for name, mutate := range cases {
		o := handMilestoneOrg(t)
		mutate(o)
		if err := o.Index(); err == nil {
			t.Errorf("%s: Index accepted it", name)
		}
	}
}

// observations are the collection runs the generated scenarios are laid
// out for.
func observations(now time.Time) []time.Time {
	return []time.Time{now.AddDate(0, 0, -14), now.AddDate(0, 0, -7), now}
}

var kindPatterns = []struct{ kind, re string }{
	{"prototype", `(?i)proto|poc|mvp`}, {"beta", `(?i)beta|pilot`}, {"production", `(?i)prod|ga|launch|release`},
}

func kindOf(name string) string {
	for _, k := range kindPatterns {
		if regexp.MustCompile(k.re).MatchString(name) {
			return k.kind
		}
	}
	return "other"
}

func TestGenerateMilestones(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		o := Generate(Options{Seed: seed, Now: testNow})
		now := o.Now
		perProject := map[string]int{}
		kinds := map[string]bool{}
		for _, m := range o.Milestones {
			perProject[m.Project]++
			kinds[kindOf(m.Name)] = true
			if !m.Created.Before(now) || m.Start != nil && !m.Start.Equal(StartOfDay(*m.Start)) {
				t.Errorf("seed %d: %s created %v, start %v", seed, m.Name, m.Created, m.Start)
			}
			for _, d := range m.Dues {
				if d.Due != nil && !d.Due.Equal(EndOfDay(*d.Due)) {
					t.Errorf("seed %d: %s: due %v is not the end of a day", seed, m.Name, d.Due)
				}
			}
		}
		for _, p := range o.Projects {
			if perProject[p.Key] < 3 {
				t.Errorf("seed %d: project %s has %d milestones", seed, p.Key, perProject[p.Key])
			}
		}
		if perProject[o.Projects[0].Key] < 6 || len(kinds) != 3 || kinds["other"] {
			t.Errorf("seed %d: %v milestones per project, kinds %v", seed, perProject, kinds)
		}
		truths := o.AllMilestoneTruths(observations(now))
		one := func(scenario string) MilestoneTruth {
			t.Helper()
			ms := o.MilestonesByScenario(scenario)
			if len(ms) == 0 {
				t.Fatalf("seed %d: no %s milestone", seed, scenario)
			}
			return truths[ms[0].ID]
		}
		end := func(d int) time.Time { return EndOfDay(now.AddDate(0, 0, d)) }
		for scenario, ok := range map[string]func(tr MilestoneTruth) bool{
			ScenarioOnTime: func(tr MilestoneTruth) bool {
				return tr.State == MilestoneClosed && tr.DueChanges == 0 && tr.OpenIssues == 0 && tr.Added == 2 && tr.InitialScope == 4
			},
			ScenarioLate: func(tr MilestoneTruth) bool {
				return tr.State == MilestoneClosed && tr.DueChanges == 1 && tr.OriginalDue.Equal(end(-30)) &&
					tr.Due.After(*tr.OriginalDue) && tr.Removed == 1 && tr.OpenIssues == 0
			},
			ScenarioOverdue: func(tr MilestoneTruth) bool {
				return tr.State == MilestoneOpen && tr.Due.Before(now) && tr.OpenIssues == 4 && tr.ClosedIssues == 4
			},
			ScenarioSlipping: func(tr MilestoneTruth) bool {
				return tr.State == MilestoneOpen && tr.Due.Equal(end(14)) && tr.OpenIssues == 22 && tr.ClosedIssues == 8 &&
					tr.InitialScope == 24 && tr.Added == 7 && tr.Removed == 1
			},
			ScenarioDueMovedTwice: func(tr MilestoneTruth) bool {
				return tr.DueChanges == 2 && tr.OriginalDue.Equal(end(10)) && tr.Due.Equal(end(35)) && tr.Added == 2 && tr.Removed == 0
			},
			ScenarioNoDates: func(tr MilestoneTruth) bool {
				return tr.Due == nil && tr.OriginalDue == nil && tr.Baseline != nil && tr.InitialScope == 1 && tr.Added == 3 && tr.Removed == 1
			},
			ScenarioOnTrack: func(tr MilestoneTruth) bool {
				return tr.State == MilestoneOpen && tr.Due.Equal(end(140)) && tr.OpenIssues == 2 && tr.ClosedIssues == 6
			},
			ScenarioArchived: func(tr MilestoneTruth) bool { return tr.State == MilestoneArchived },
			ScenarioAtRisk: func(tr MilestoneTruth) bool {
				return tr.State == MilestoneOpen && tr.Due.Equal(end(63)) && tr.OpenIssues == 10 && tr.ClosedIssues == 12 &&
					tr.InitialScope == 22 && tr.Added == 0
			},
		} {
			if tr := one(scenario); !ok(tr) {
				t.Errorf("seed %d: %s: %+v", seed, scenario, tr)
			}
		}
		// One issue in two milestones at once.
		both := 0
		for _, is := range o.Issues {
			if len(is.CurrentVersions()) >= 2 {
				both++
			}
		}
		if both == 0 {
			t.Errorf("seed %d: no issue in two milestones", seed)
		}
		// Throughput: the slipping one closed one issue in each of the last 8 weeks.
		weeks := map[int]int{}
		for _, is := range o.IssuesInMilestoneEver(o.MilestonesByScenario(ScenarioSlipping)[0].ID) {
			if r := o.resolvedAt(is, now); r != nil {
				weeks[int(now.Sub(*r)/(7*day))]++
			}
		}
		if !reflect.DeepEqual(weeks, map[int]int{0: 1, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1}) {
			t.Errorf("seed %d: slipping closures per week ago %v", seed, weeks)
		}
	}
}

// TestMilestonesLeaveSprintTruthAlone: the fix versions and their issues
// change no sprint's truth: stripping them gives the same truths.
func TestMilestonesLeaveSprintTruthAlone(t *testing.T) {
	o := Generate(Options{Seed: 5, Now: testNow})
	bare := Generate(Options{Seed: 5, Now: testNow})
	bare.Milestones = nil
	bare.Issues = slices.DeleteFunc(bare.Issues, func(is *Issue) bool {
		if len(is.InitialVersions) > 0 {
			return true
		}
		for _, h := range is.Histories {
			for _, it := range h.Items {
				if it.Field == FieldFixVersion {
					return true
				}
			}
		}
		return false
	})
	if err := bare.Index(); err != nil {
		t.Fatal(err)
	}
	if len(bare.Issues) == len(o.Issues) {
		t.Fatal("no issue of a fix version was stripped")
	}
	if got, want := o.AllSprintTruths(testNow), bare.AllSprintTruths(testNow); !reflect.DeepEqual(got, want) {
		t.Error("sprint truths differ with and without fix versions")
	}
	for _, is := range o.Issues {
		if len(is.InitialVersions) > 0 && len(is.CurrentSprints()) > 0 {
			t.Errorf("%s is in a sprint and a version", is.Key)
		}
	}
}
