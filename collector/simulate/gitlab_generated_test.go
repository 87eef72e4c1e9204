package simulate

import (
	"strconv"
	"testing"
	"time"
)

// glAll follows x-next-page from path and returns every item.
func glAll(t *testing.T, g *GitLab, path string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for page := "1"; page != ""; {
		w := glGet(t, g, path+"&page="+page)
		out = append(out, glList(t, w)...)
		page = w.Header().Get("X-Next-Page")
		if len(out) > 100_000 {
			t.Fatal("paging does not end")
		}
	}
	return out
}

// TestGitLabGeneratedOrgAgreesWithTruth: a generated org laid out for
// GitLab, served whole, agrees with the org's truth under GitLab's rules:
// every milestone is listed once (the first project's as group
// milestones), with the truth's title, state and due date; the issues
// showing a milestone are the truth's open and closed ones; every org
// issue is listed once; and replaying the milestone events from the
// membership at creation ends in the milestone each issue shows, each
// "remove" naming (by id) the milestone the issue was in.
func TestGitLabGeneratedOrgAgreesWithTruth(t *testing.T) {
	org := Generate(Options{Seed: 3, Now: goldenNow, Months: 2, Vendor: VendorGitLab})
	g := NewGitLab(org, GitLabOptions{})
	now := org.Now
	listed := map[string]int{}
	check := func(ms []map[string]any, group bool) {
		for _, m := range ms {
			id := strconv.Itoa(int(m["id"].(float64)))
			listed[id]++
			tr := org.MilestoneTruthWith(GitLabMilestones, id, []time.Time{now})
			if m["title"] != tr.Name || (m["state"] == "closed") != (tr.State == MilestoneClosed) ||
				m["due_date"] != glDate(tr.Due) || (m["group_id"] != nil) != group {
				t.Errorf("milestone %s: %v\ntruth %+v", id, m, tr)
			}
			if s := org.Milestone(id).Start; s != nil && (tr.Baseline == nil || !tr.Baseline.Equal(*s)) {
				t.Errorf("milestone %s: baseline %v, start %v", id, tr.Baseline, s)
			}
		}
	}
	check(glAll(t, g, g.GroupPath()+"/milestones?per_page=3"), true)
	open, closed := map[string]int{}, map[string]int{}
	for i, p := range org.Projects {
		if i > 0 {
			check(glAll(t, g, g.ProjectPath(p.Key)+"/milestones?per_page=3"), false)
		}
		items := glAll(t, g, g.ProjectPath(p.Key)+"/issues?per_page=100&order_by=updated_at&sort=asc")
		want := 0
		for _, is := range org.Issues {
			if is.Project == p.Key && !is.Created.After(now) {
				want++
			}
		}
		seen := map[float64]bool{}
		for _, x := range items {
			seen[x["iid"].(float64)] = true
			if m, ok := x["milestone"].(map[string]any); ok {
				id := strconv.Itoa(int(m["id"].(float64)))
				if x["state"] == "closed" {
					closed[id]++
				} else {
					open[id]++
				}
			}
		}
		if len(items) != want || len(seen) != want {
			t.Errorf("%s: %d issues listed (%d distinct), want %d", p.Key, len(items), len(seen), want)
		}
	}
	for _, m := range org.Milestones {
		tr := org.MilestoneTruthWith(GitLabMilestones, m.ID, []time.Time{now})
		if listed[m.ID] != 1 || open[m.ID] != tr.OpenIssues || closed[m.ID] != tr.ClosedIssues {
			t.Errorf("milestone %s listed %d times, %d open %d closed; truth %+v", m.ID, listed[m.ID], open[m.ID], closed[m.ID], tr)
		}
	}
	// Replay the milestone issues' events.
	replayed, actions := map[string]bool{}, map[any]int{}
	for _, m := range org.Milestones {
		for _, is := range org.IssuesInMilestoneEver(m.ID) {
			if replayed[is.Key] {
				continue
			}
			replayed[is.Key] = true
			in := ""
			if len(is.InitialVersions) == 1 {
				in = is.InitialVersions[0]
			}
			path := g.ProjectPath(is.Project) + "/issues/" + strconv.Itoa(issueNumber(is))
			for _, e := range glAll(t, g, path+"/resource_milestone_events?per_page=2") {
				id := strconv.Itoa(int(e["milestone"].(map[string]any)["id"].(float64)))
				actions[e["action"]]++
				switch e["action"] {
				case "remove":
					if id != in {
						t.Errorf("%s: remove %s while in %q", is.Key, id, in)
					}
					in = ""
				case "add":
					if in != "" {
						t.Errorf("%s: add %s while in %s", is.Key, id, in)
					}
					in = id
				}
			}
			var got map[string]any
			if err := jsonInto(glGet(t, g, path).Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			shown := ""
			if m, ok := got["milestone"].(map[string]any); ok {
				shown = strconv.Itoa(int(m["id"].(float64)))
			}
			if in != shown {
				t.Errorf("%s: replay ends in %q, the issue shows %q", is.Key, in, shown)
			}
		}
	}
	if len(replayed) < 60 || actions["add"] < 10 || actions["remove"] < 5 {
		t.Errorf("replayed %d issues, events %v", len(replayed), actions)
	}
}
