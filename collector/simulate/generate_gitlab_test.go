package simulate

import (
	"slices"
	"testing"
)

// TestGenerateGitLab: an org laid out for GitLab keeps GitHub's milestone
// rules, so its users, projects, milestones and milestone issues are the
// GitHub org's (but for the issues' ids, keys and history ids; its
// sprints are GitLab iterations, TestGenerateGitLabIterations): never an
// issue in two milestones at once, nothing archived, the late release's
// due date kept.
func TestGenerateGitLab(t *testing.T) {
	for _, seed := range []int64{1, 2, 42} {
		gl := Generate(Options{Seed: seed, Now: goldenNow, Vendor: VendorGitLab})
		gh := Generate(Options{Seed: seed, Now: goldenNow, Vendor: VendorGitHub})
		if gl.Vendor != VendorGitLab {
			t.Fatalf("seed %d: vendor %q", seed, gl.Vendor)
		}
		for _, is := range gl.Issues {
			if len(is.InitialVersions) > 1 {
				t.Errorf("seed %d: %s created in %v", seed, is.Key, is.InitialVersions)
			}
			for _, h := range is.Histories {
				if vs := is.VersionsAt(h.At); len(vs) > 1 {
					t.Errorf("seed %d: %s in %v at %s", seed, is.Key, vs, h.At)
				}
			}
		}
		for _, m := range gl.Milestones {
			if m.Archived != nil {
				t.Errorf("seed %d: milestone %s archived", seed, m.ID)
			}
		}
		milestoneIssues := func(o *Org) []*Issue {
			var out []*Issue
			for _, is := range o.Issues {
				if len(is.InitialVersions) == 0 && !slices.ContainsFunc(is.Histories, func(h History) bool {
					return slices.ContainsFunc(h.Items, func(it Item) bool { return it.Field == FieldFixVersion })
				}) {
					continue
				}
				c := *is
				c.ID, c.Key, c.Histories = "", "", slices.Clone(is.Histories)
				for i := range c.Histories {
					c.Histories[i].ID = ""
				}
				out = append(out, &c)
			}
			return out
		}
		same := func(o *Org) *Org {
			return &Org{Seed: o.Seed, Now: o.Now, Projects: o.Projects, Users: o.Users, Statuses: o.Statuses,
				Milestones: o.Milestones, Issues: milestoneIssues(o)}
		}
		if exported(t, same(gl)) != exported(t, same(gh)) {
			t.Errorf("seed %d: the GitLab org's milestones or milestone issues differ from the GitHub org's", seed)
		}
		if len(milestoneIssues(gl)) < 60 {
			t.Errorf("seed %d: %d milestone issues", seed, len(milestoneIssues(gl)))
		}
	}
	o := handMilestoneOrg(t)
	o.Vendor = VendorGitLab
	if err := o.AddToMilestone("P-1", "10101", jan(26)); err != nil {
		t.Fatal(err)
	}
	if vs := o.Issue("P-1").CurrentVersions(); !slices.Equal(vs, []string{"10101"}) {
		t.Errorf("a GitLab org's AddToMilestone: P-1 in %v", vs)
	}
	if err := o.ArchiveMilestone("10102", jan(26)); err == nil || err.Error() !=
		"simulate: milestone 10102: GitLab milestones cannot be archived" {
		t.Errorf("archiving a GitLab milestone: %v", err)
	}
}
