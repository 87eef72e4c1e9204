package simulate

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// The pull requests the simulated GitHub mixes into a repository's issue
// list, as GitHub's "List repository issues" does ("GitHub's REST API
// considers every pull request an issue, but not every issue is a pull
// request"). They are not org issues: no truth counts them, but they
// count in their milestone's open_issues and closed_issues, as GitHub's
// do.

// GitHubPull is a synthesized pull request.
type GitHubPull struct {
	Project string
	// Number continues after the repository's highest issue number (at
	// NewGitHub), one per pull request in the order of the issues they
	// were opened for.
	Number int
	// ID is unique among the org's issues and pull requests:
	// 3_000_000_000 + project index × 10_000_000 + Number.
	ID       int64
	Title    string
	AuthorID string
	// IssueKey is the org issue the pull request was opened for.
	IssueKey string
	Created  time.Time
	// Closed is when it was closed (merged or not), or nil: a day or so
	// before its issue was first done, when it was.
	Closed *time.Time
	Merged bool // closed by merging
	// MilestoneID is the milestone it is in from its creation on (no
	// event): its issue's as of then; "" for none.
	MilestoneID string
}

// ClosedAt reports whether the pull request is closed at t.
func (p *GitHubPull) ClosedAt(t time.Time) bool { return p.Closed != nil && !p.Closed.After(t) }

// PullRequests returns the pull requests of project's repository, by
// number (all of them, whatever the clock).
func (g *GitHub) PullRequests(project string) []GitHubPull {
	var out []GitHubPull
	for _, r := range g.repos {
		if r.project == project {
			for _, p := range r.pulls {
				out = append(out, *p)
			}
		}
	}
	return out
}

// synthesizePulls lays out the repository's pull requests: one for every
// PullRequestEvery-th issue (by number) that is not an epic, by its
// assignee (else the org's first user), opened 1 to 48 hours after it;
// merged (3 in 4) or closed unmerged as the issue is first done, and
// otherwise open, 1 in 6 of them abandoned (closed unmerged 3 days
// after). Deterministic for the org's seed. Callers hold the org's read
// lock.
func (g *GitHub) synthesizePulls(repo *ghRepo) []*GitHubPull {
	every := g.opts.PullRequestEvery
	if every < 0 {
		return nil
	}
	var issues []*Issue
	maxN := 0
	for _, is := range g.org.Issues {
		if n := issueNumber(is); is.Project == repo.project && n > 0 {
			issues = append(issues, is)
			maxN = max(maxN, n)
		}
	}
	slices.SortFunc(issues, func(a, b *Issue) int { return issueNumber(a) - issueNumber(b) })
	h := fnv.New64a()
	h.Write([]byte(repo.project))
	r := rand.New(rand.NewPCG(uint64(g.org.Seed), h.Sum64()))
	var out []*GitHubPull
	for i, is := range issues {
		if i%every != every-1 || is.Type == "Epic" {
			continue
		}
		author := is.AssigneeID
		if author == "" && len(g.org.Users) > 0 {
			author = g.org.Users[0].AccountID
		}
		n := maxN + len(out) + 1
		p := &GitHubPull{Project: repo.project, Number: n, ID: 3_000_000_000 + int64(repo.idx)*10_000_000 + int64(n),
			Title:    is.Summary + " (closes #" + strconv.Itoa(issueNumber(is)) + ")",
			AuthorID: author, IssueKey: is.Key,
			Created: is.Created.Add(time.Hour + time.Duration(r.IntN(47*3600))*time.Second)}
		if vs := is.VersionsAt(p.Created); len(vs) > 0 && g.org.milestoneByID[vs[len(vs)-1]] != nil {
			p.MilestoneID = vs[len(vs)-1]
		}
		merge, abandon := r.IntN(4) != 0, r.IntN(6) == 0
		switch done := g.firstDone(is, p.Created); {
		case done != nil:
			at := maxT(done.Add(-30*time.Minute), p.Created.Add(10*time.Minute))
			p.Closed, p.Merged = &at, merge
		case abandon:
			p.Closed = tp(p.Created.Add(72 * time.Hour))
		}
		out = append(out, p)
	}
	return out
}

// firstDone is when the issue first entered a done status after t, or nil.
func (g *GitHub) firstDone(is *Issue, t time.Time) *time.Time {
	for _, h := range is.Histories {
		for _, it := range h.Items {
			if it.Field == FieldStatus && h.At.After(t) && g.org.statusCategory(it.ToStatus) == CategoryDone &&
				g.org.statusCategory(it.FromStatus) != CategoryDone {
				return tp(h.At)
			}
		}
	}
	return nil
}
