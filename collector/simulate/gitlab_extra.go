package simulate

import (
	"strconv"
	"time"
)

// Extra issues (GitLabOptions.ExtraIssues): plain issues synthesized into
// a project's issue list so that it can be very long ("a listing of
// 12,000 issues, paged without totals"). They have no milestone, no
// history and no milestone events (their event list is empty); they are
// not org issues, so no truth counts them, and only the issue endpoints
// serve them.

// glExtra is one synthesized issue.
type glExtra struct {
	id      int64
	iid     int
	title   string
	created time.Time
	updated time.Time
	closed  bool // closed at updated
}

// synthesizeExtras lays out the extra issues, deterministically: per
// project (in the org's order), ids after the org's largest issue id and
// iids after the project's largest, created evenly over the org's span
// (its first issue or milestone to its Now), each updated up to ten days
// later (not after Now), every fourth closed when it was last updated.
// Callers hold the org's read lock.
func (g *GitLab) synthesizeExtras() map[string][]*glExtra {
	if len(g.opts.ExtraIssues) == 0 {
		return nil
	}
	var maxID int64
	maxIID := map[string]int{}
	for _, is := range g.org.Issues {
		if n, err := strconv.ParseInt(is.ID, 10, 64); err == nil {
			maxID = max(maxID, n)
		}
		maxIID[is.Project] = max(maxIID[is.Project], issueNumber(is))
	}
	start := g.orgStart().Truncate(time.Second)
	span := g.org.Now.Sub(start)
	out := map[string][]*glExtra{}
	for _, p := range g.projects {
		n := g.opts.ExtraIssues[p.key]
		for i := range n {
			maxID++
			created := start.Add(time.Duration(int64(span) / int64(n) * int64(i))).Truncate(time.Second)
			updated := minT(created.Add(time.Duration(i*7919%864000)*time.Second), g.org.Now)
			out[p.key] = append(out[p.key], &glExtra{id: maxID, iid: maxIID[p.key] + i + 1,
				title: "Synthesized issue " + strconv.Itoa(i+1), created: created, updated: updated, closed: i%4 == 3})
		}
	}
	return out
}

// extraItem is an extra issue at the clock: updated (and closed) only
// once its update is visible.
func (v *glView) extraItem(x *glExtra) glItem {
	it := glItem{x: x, id: x.id, iid: x.iid, created: x.created, updated: x.created}
	if !x.updated.After(v.now) {
		it.updated = x.updated
		if x.closed {
			it.closed = tp(x.updated)
			if len(v.g.org.Users) > 0 {
				it.closedBy = v.g.org.Users[0].AccountID
			}
		}
	}
	return it
}
