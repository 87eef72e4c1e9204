package simulate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"
)

// goldenNow pins the orgs of the golden digests (not testNow, which
// RUNWAY_TEST_NOW moves).
var goldenNow = time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC)

// orgDigest hashes the exported data of an org field by field as it was
// before Options.Vendor existed: fields added since (Milestone.Renames,
// Org.Vendor) are left out, so a default org's digest stays what it was.
func orgDigest(t *testing.T, o *Org) string {
	t.Helper()
	type ms struct {
		ID, Project, Name, Description, Scenario string
		Created                                  time.Time
		Start                                    *time.Time
		Dues                                     []DueChange
		Released, Archived                       *time.Time
	}
	var mss []ms
	for _, m := range o.Milestones {
		mss = append(mss, ms{m.ID, m.Project, m.Name, m.Description, m.Scenario, m.Created, m.Start, m.Dues, m.Released, m.Archived})
	}
	b, err := json.Marshal([]any{o.Seed, o.Now, o.Projects, o.Boards, o.Sprints, o.Issues, o.Statuses, o.Users, mss})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func exported(t *testing.T, o *Org) string {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGenerateDefaultUnchanged: the default generator lays out what it did
// before Options.Vendor existed (digests computed then), and Vendor ""
// and VendorJira are the default.
func TestGenerateDefaultUnchanged(t *testing.T) {
	for _, c := range []struct {
		opts Options
		want string
	}{
		{Options{Seed: 1, Now: goldenNow}, "4454d07cad598fc92fcdafcefacec2b4b03a1e41b0a9c7329fe5d72b4429a26a"},
		{Options{Seed: 2, Now: goldenNow}, "f1e4f9d3905455620c702b870694ff321d5f998a4bd68dcf8b117ff2f7141af6"},
		{Options{Seed: 42, Now: goldenNow}, "f5968a866c6dda2729526be6521b738c45beafce29670d164e264927923d5ebe"},
		{Options{Seed: 5, Now: goldenNow, Teams: 3, Months: 2, Projects: []string{"A", "B"}},
			"b848f62568dca5a4b2f6dfb524dd3c721456fcaea7c69dbf1e4e9bcb307c80ba"},
	} {
		def := Generate(c.opts)
		if got := orgDigest(t, def); got != c.want {
			t.Errorf("seed %d: default org digest %s, want %s", c.opts.Seed, got, c.want)
		}
		if def.Vendor != "" {
			t.Errorf("seed %d: default org vendor %q", c.opts.Seed, def.Vendor)
		}
		for _, vendor := range []string{"", VendorJira} {
			opts := c.opts
			opts.Vendor = vendor
			if exported(t, Generate(opts)) != exported(t, def) {
				t.Errorf("seed %d: Vendor %q differs from the default", c.opts.Seed, vendor)
			}
		}
	}
}

// TestGenerateGitHub: an org laid out for GitHub never has an issue in two
// milestones at once, has no archived milestone, keeps the late release's
// due date, and has the default's sprints and sprint issues.
func TestGenerateGitHub(t *testing.T) {
	for _, seed := range []int64{1, 2, 3, 42} {
		gh := Generate(Options{Seed: seed, Now: goldenNow, Vendor: VendorGitHub})
		def := Generate(Options{Seed: seed, Now: goldenNow})
		if gh.Vendor != VendorGitHub {
			t.Fatalf("seed %d: vendor %q", seed, gh.Vendor)
		}
		for _, is := range gh.Issues {
			if len(is.InitialVersions) > 1 {
				t.Errorf("seed %d: %s created in %v", seed, is.Key, is.InitialVersions)
			}
			for _, h := range is.Histories {
				if vs := is.VersionsAt(h.At); len(vs) > 1 {
					t.Errorf("seed %d: %s in %v at %s", seed, is.Key, vs, h.At)
				}
			}
		}
		for _, m := range gh.Milestones {
			if m.Archived != nil || m.Scenario == ScenarioArchived {
				t.Errorf("seed %d: milestone %s (%s) archived", seed, m.ID, m.Scenario)
			}
		}
		if n, want := len(gh.Milestones), len(def.Milestones)-1; n != want {
			t.Errorf("seed %d: %d milestones, want %d", seed, n, want)
		}
		late := gh.MilestonesByScenario(ScenarioLate)[0]
		if len(late.Dues) != 1 || !late.ReleasedAt(goldenNow) || !late.DueAt(goldenNow).Equal(EndOfDay(goldenNow.AddDate(0, 0, -30))) {
			t.Errorf("seed %d: late milestone dues %+v, released %v", seed, late.Dues, late.Released)
		}
		// The shared issue moves from slipping to due-moved-twice in one history.
		slip, moved := gh.MilestonesByScenario(ScenarioSlipping)[0], gh.MilestonesByScenario(ScenarioDueMovedTwice)[0]
		want := []Item{{Field: FieldFixVersion, From: slip.ID}, {Field: FieldFixVersion, To: moved.ID}}
		n := 0
		for _, is := range gh.IssuesInMilestoneEver(moved.ID) {
			for _, h := range is.Histories {
				if reflect.DeepEqual(h.Items, want) {
					n++
				}
			}
		}
		if n != 1 {
			t.Errorf("seed %d: %d moves from slipping to due-moved-twice, want 1", seed, n)
		}
		// Sprints and the issues never in a milestone are the default's,
		// but for the history ids (allocated in time order across the org,
		// which has fewer histories without the archived milestone's).
		if exported(t, &Org{Sprints: gh.Sprints}) != exported(t, &Org{Sprints: def.Sprints}) {
			t.Errorf("seed %d: sprints differ from the default's", seed)
		}
		sprintIssues := func(o *Org) []*Issue {
			var out []*Issue
			for _, is := range o.Issues {
				if len(is.InitialVersions) > 0 || slices.ContainsFunc(is.Histories, func(h History) bool {
					return slices.ContainsFunc(h.Items, func(it Item) bool { return it.Field == FieldFixVersion })
				}) {
					continue
				}
				c := *is
				c.Histories = slices.Clone(is.Histories)
				for i := range c.Histories {
					c.Histories[i].ID = ""
				}
				out = append(out, &c)
			}
			return out
		}
		if exported(t, &Org{Issues: sprintIssues(gh)}) != exported(t, &Org{Issues: sprintIssues(def)}) {
			t.Errorf("seed %d: sprint issues differ from the default's", seed)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("an unknown vendor did not panic")
		}
	}()
	Generate(Options{Seed: 1, Now: goldenNow, Vendor: "gitea"})
}

// TestGenerateGitHubUnchanged: the GitHub-vendor generator lays out what
// it did before VendorGitLab existed (digests of the whole exported org,
// computed then).
func TestGenerateGitHubUnchanged(t *testing.T) {
	for seed, want := range map[int64]string{
		1:  "1dee791ba220d91c049c320ee4c14b0c1efa1849334ff8d5e56a5a707a8c6c4e",
		2:  "f3e56899dc1a8fc7d44e04b36cad584176d3a4329dac7b506c27e6029beec8ca",
		42: "c9db1f343805d620bb5da4e872b154dcea1940c3e1e1bdbe8931ebef13c798a1",
	} {
		sum := sha256.Sum256([]byte(exported(t, Generate(Options{Seed: seed, Now: goldenNow, Vendor: VendorGitHub}))))
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("seed %d: GitHub org digest %s, want %s", seed, got, want)
		}
	}
}

// TestGitHubOrgMutators: in an org laid out for GitHub, adding an issue
// to a milestone moves it, archiving fails and a late release keeps its
// due date.
func TestGitHubOrgMutators(t *testing.T) {
	o := handMilestoneOrg(t)
	o.Vendor = VendorGitHub
	// P-1 is in 10100 from its creation: a move is one history, two items.
	if err := o.AddToMilestone("P-1", "10101", jan(26)); err != nil {
		t.Fatal(err)
	}
	hs := o.Issue("P-1").Histories
	want := []Item{{Field: FieldFixVersion, From: "10100"}, {Field: FieldFixVersion, To: "10101"}}
	if last := hs[len(hs)-1]; !reflect.DeepEqual(last.Items, want) {
		t.Errorf("move: %+v, want %+v", last.Items, want)
	}
	if vs := o.Issue("P-1").CurrentVersions(); !slices.Equal(vs, []string{"10101"}) {
		t.Errorf("P-1 in %v", vs)
	}
	if err := o.ArchiveMilestone("10102", jan(26)); err == nil {
		t.Error("archived a GitHub milestone")
	}
	shipped := jan(31).AddDate(0, 0, 12) // due Feb 10
	if err := o.ReleaseMilestone("10100", shipped); err != nil {
		t.Fatal(err)
	}
	if m := o.Milestone("10100"); len(m.Dues) != 2 || !m.DueAt(shipped).Equal(EndOfDay(jan(31).AddDate(0, 0, 10))) {
		t.Errorf("late release moved the due date: %+v", m.Dues)
	}
}

// TestRenameMilestoneHistory: renames keep the names a milestone had.
func TestRenameMilestoneHistory(t *testing.T) {
	o := handMilestoneOrg(t)
	v0 := o.version
	for _, r := range []struct {
		name string
		at   time.Time
	}{{"P Beta 1", jan(10)}, {"P Beta 1", jan(11)}, {"P Launch", jan(20)}} {
		if err := o.RenameMilestone("10100", r.name, r.at); err != nil {
			t.Fatal(err)
		}
	}
	m := o.Milestone("10100")
	if want := []Rename{{At: jan(10), From: "P Beta"}, {At: jan(20), From: "P Beta 1"}}; !reflect.DeepEqual(m.Renames, want) {
		t.Errorf("renames %+v, want %+v", m.Renames, want)
	}
	for at, want := range map[time.Time]string{jan(1): "P Beta", jan(10).Add(-time.Second): "P Beta", jan(10): "P Beta 1",
		jan(19): "P Beta 1", jan(20): "P Launch", jan(25): "P Launch"} {
		if got := m.NameAt(at); got != want {
			t.Errorf("NameAt(%s) = %q, want %q", at, got, want)
		}
	}
	if m.Name != "P Launch" || o.version != v0+2 {
		t.Errorf("name %q, version moved %d times", m.Name, o.version-v0)
	}
	if tr := o.MilestoneTruth("10100", []time.Time{jan(25)}); tr.Name != "P Launch" {
		t.Errorf("truth name %q", tr.Name)
	}
	for name, err := range map[string]error{
		"before the last rename": o.RenameMilestone("10100", "X", jan(19)),
		"before creation":        o.RenameMilestone("10102", "X", jan(19)),
		"empty name":             o.RenameMilestone("10100", "", jan(21)),
		"unknown milestone":      o.RenameMilestone("1", "X", jan(21)),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A hand-built rename history is checked by Index.
	m.Renames = []Rename{{At: jan(20), From: "a"}, {At: jan(10), From: "b"}}
	if err := o.Index(); err == nil {
		t.Error("Index accepted renames out of order")
	}
}
