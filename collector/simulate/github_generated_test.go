package simulate

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"
)

// ghAll follows the Link headers from path and returns every item.
func ghAll(t *testing.T, g *GitHub, path string) []map[string]any {
	t.Helper()
	next := regexp.MustCompile(`<https://api\.github\.test([^>]+)>; rel="next"`)
	var out []map[string]any
	for pages := 0; path != ""; pages++ {
		if pages > 100 {
			t.Fatal("more than 100 pages")
		}
		w := ghGet(t, g, path)
		out = append(out, ghList(t, w)...)
		path = ""
		if m := next.FindStringSubmatch(w.Header().Get("Link")); m != nil {
			path = m[1]
		}
	}
	return out
}

// TestGitHubGeneratedOrgAgreesWithTruth: a generated org laid out for
// GitHub, served whole, agrees with the org's truth: milestone counts are
// the truth's plus the pull requests', every org issue is listed once,
// and replaying milestoned/demilestoned events from the initial
// membership ends in the milestone each issue shows, each demilestoned
// naming the milestone the issue was in by its title then.
func TestGitHubGeneratedOrgAgreesWithTruth(t *testing.T) {
	org := Generate(Options{Seed: 3, Now: goldenNow, Months: 2, Vendor: VendorGitHub})
	g := NewGitHub(org, GitHubOptions{})
	now := org.Now
	for _, p := range org.Projects {
		repo := g.RepoPath(p.Key)
		pulls := g.PullRequests(p.Key)
		for _, m := range ghAll(t, g, repo+"/milestones?state=all&per_page=2") {
			id := strconv.FormatInt(int64(m["id"].(float64)), 10)
			tr := org.MilestoneTruth(id, []time.Time{now})
			prOpen, prClosed := 0, 0
			for _, pr := range pulls {
				if pr.MilestoneID == id && !pr.Created.After(now) {
					if pr.ClosedAt(now) {
						prClosed++
					} else {
						prOpen++
					}
				}
			}
			if m["open_issues"] != float64(tr.OpenIssues+prOpen) || m["closed_issues"] != float64(tr.ClosedIssues+prClosed) ||
				m["title"] != tr.Name || (m["state"] == "closed") != (tr.State == MilestoneClosed) ||
				m["due_on"] != ghDueOn(tr.Due) {
				t.Errorf("%s milestone %s: %v\ntruth %+v, pull requests %d open %d closed", p.Key, id, m, tr, prOpen, prClosed)
			}
		}
		items := ghAll(t, g, repo+"/issues?state=all&per_page=100")
		var keys []string
		prs := 0
		for _, x := range items {
			if x["pull_request"] != nil {
				prs++
				continue
			}
			keys = append(keys, p.Key+"-"+strconv.Itoa(int(x["number"].(float64))))
		}
		var want []string
		for _, is := range org.Issues {
			if is.Project == p.Key && !is.Created.After(now) {
				want = append(want, is.Key)
			}
		}
		slices.Sort(keys)
		slices.Sort(want)
		visiblePulls := 0
		for _, pr := range pulls {
			if !pr.Created.After(now) {
				visiblePulls++
			}
		}
		if !slices.Equal(keys, want) || prs != visiblePulls || prs == 0 {
			t.Errorf("%s: %d issues listed (want %d), %d pull requests (want %d)", p.Key, len(keys), len(want), prs, visiblePulls)
		}
	}
	// Replay the first project's milestone issues.
	first := org.Projects[0].Key
	seen := map[string]bool{}
	for _, m := range org.Milestones {
		for _, is := range org.IssuesInMilestoneEver(m.ID) {
			if is.Project != first || seen[is.Key] {
				continue
			}
			seen[is.Key] = true
			n := is.Key[len(first)+1:]
			var in *Milestone
			if len(is.InitialVersions) == 1 {
				in = org.Milestone(is.InitialVersions[0])
			}
			for _, e := range ghAll(t, g, g.RepoPath(first)+"/issues/"+n+"/events") {
				at, err := time.Parse(time.RFC3339, e["created_at"].(string))
				if err != nil {
					t.Fatal(err)
				}
				ref, _ := e["milestone"].(map[string]any)
				title, _ := ref["title"].(string)
				switch e["event"] {
				case "demilestoned":
					if in == nil || title != in.NameAt(at) {
						t.Errorf("%s: demilestoned %q at %s while in %v", is.Key, title, at, in)
					}
					in = nil
				case "milestoned":
					if in != nil {
						t.Errorf("%s: milestoned %q at %s while in %s", is.Key, title, at, in.Name)
					}
					for _, c := range org.Milestones {
						if c.Project == first && c.NameAt(at) == title {
							in = c
						}
					}
				}
			}
			var got map[string]any
			if err := json.Unmarshal(ghGet(t, g, g.RepoPath(first)+"/issues/"+n).Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			ms, _ := got["milestone"].(map[string]any)
			if (in == nil) != (ms == nil) || in != nil && ms["title"] != in.Name {
				t.Errorf("%s: replay ends in %v, the issue shows %v", is.Key, in, ms)
			}
		}
	}
	if len(seen) < 40 {
		t.Errorf("replayed %d issues", len(seen))
	}
}
