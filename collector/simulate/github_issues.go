package simulate

import (
	"cmp"
	"hash/fnv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The simulated GitHub's issues ("REST API endpoints for issues": List
// repository issues, Get an issue): the repository's org issues and its
// pull requests, as of the site's clock.

// ghItem is an issue or a pull request of a repository at the clock.
type ghItem struct {
	is       *Issue
	pr       *GitHubPull
	number   int
	created  time.Time
	updated  time.Time
	closed   bool
	comments int
}

// items lists the repository's issues and pull requests created by the
// clock.
func (v *ghView) items() []ghItem {
	var out []ghItem
	for _, is := range v.g.org.Issues {
		if is.Project == v.repo.project && !is.Created.After(v.now) && issueNumber(is) > 0 {
			out = append(out, v.issueItem(is))
		}
	}
	for _, p := range v.repo.pulls {
		if !p.Created.After(v.now) {
			out = append(out, v.pullItem(p))
		}
	}
	return out
}

func (v *ghView) issueItem(is *Issue) ghItem {
	id, _ := strconv.ParseInt(is.ID, 10, 64)
	return ghItem{is: is, number: issueNumber(is), created: is.Created, updated: is.updatedAt(v.now),
		closed: v.done(is), comments: int(id % 5)}
}

func (v *ghView) pullItem(p *GitHubPull) ghItem {
	it := ghItem{pr: p, number: p.Number, created: p.Created, updated: p.Created, closed: p.ClosedAt(v.now),
		comments: p.Number % 3}
	for _, e := range v.pullEvents(p) {
		it.updated = maxT(it.updated, e.at)
	}
	return it
}

// lookup finds issue or pull request number of the repository at the
// clock; ok is false when there is none.
func (v *ghView) lookup(number string) (it ghItem, ok bool) {
	n, err := strconv.Atoi(number)
	if err != nil || n <= 0 {
		return ghItem{}, false
	}
	if is := v.g.org.issueByKey[v.repo.project+"-"+strconv.Itoa(n)]; is != nil && is.Project == v.repo.project &&
		!is.Created.After(v.now) && issueNumber(is) == n {
		return v.issueItem(is), true
	}
	for _, p := range v.repo.pulls {
		if p.Number == n && !p.Created.After(v.now) {
			return v.pullItem(p), true
		}
	}
	return ghItem{}, false
}

// ghLabelColors are the colours of the labels issues carry (their type).
var ghLabelColors = map[string]string{"bug": "d73a4a", "story": "0e8a16", "task": "c5def5", "epic": "5319e7"}

// labelJSON renders a repository label.
func (v *ghView) labelJSON(name string) map[string]any {
	h := fnv.New32a()
	h.Write([]byte(v.repo.project + "/" + name))
	id := 100_000_000 + int64(h.Sum32()%100_000_000)
	color := ghLabelColors[name]
	if color == "" {
		color = "ededed"
	}
	return map[string]any{"id": id, "node_id": ghNodeID("Label", id), "url": v.api + "/labels/" + url.PathEscape(name),
		"name": name, "color": color, "default": name == "bug", "description": nil}
}

// itemJSON renders an issue or a pull request as "List repository
// issues" does: a pull request has a pull_request object (its merged_at
// included) and no state_reason; an issue's milestone is the full
// milestone object of the milestone it shows at the clock.
func (v *ghView) itemJSON(it ghItem) map[string]any {
	n := strconv.Itoa(it.number)
	api := v.api + "/issues/" + n
	out := map[string]any{
		"url": api, "repository_url": v.api, "labels_url": api + "/labels{/name}",
		"comments_url": api + "/comments", "events_url": api + "/events", "timeline_url": api + "/timeline",
		"number": it.number, "state": "open", "locked": false, "active_lock_reason": nil,
		"comments": it.comments, "created_at": it.created.UTC().Format(ghTime),
		"updated_at": it.updated.UTC().Format(ghTime), "closed_at": nil,
		"author_association": "MEMBER", "performed_via_github_app": nil, "state_reason": nil,
		"milestone": nil, "assignee": nil, "assignees": []any{},
	}
	if it.closed {
		out["state"] = "closed"
	}
	if p := it.pr; p != nil {
		out["id"], out["node_id"] = p.ID, ghNodeID("PullRequest", p.ID)
		out["html_url"] = v.html + "/pull/" + n
		out["title"], out["body"] = p.Title, "Closes #"+p.IssueKey[strings.LastIndexByte(p.IssueKey, '-')+1:]+"."
		out["user"] = userJSON(v.base, v.g.userOf(p.AuthorID))
		out["labels"] = []any{}
		out["draft"] = false
		var merged any
		if it.closed {
			out["closed_at"] = p.Closed.UTC().Format(ghTime)
			if p.Merged {
				merged = out["closed_at"]
			}
		}
		out["pull_request"] = map[string]any{"url": v.api + "/pulls/" + n, "html_url": v.html + "/pull/" + n,
			"diff_url": v.html + "/pull/" + n + ".diff", "patch_url": v.html + "/pull/" + n + ".patch", "merged_at": merged}
		if m := v.g.org.milestoneByID[p.MilestoneID]; m != nil && m.ExistsAt(v.now) {
			out["milestone"] = v.milestoneJSON(m)
		}
		return out
	}
	is := it.is
	id, _ := strconv.ParseInt(is.ID, 10, 64)
	out["id"], out["node_id"] = id, ghNodeID("Issue", id)
	out["html_url"] = v.html + "/issues/" + n
	out["title"], out["body"] = is.Summary, "Simulated "+strings.ToLower(is.Type)+" "+is.Key+"."
	user := v.g.userOf(is.AssigneeID)
	out["user"] = userJSON(v.base, user)
	out["labels"] = []any{v.labelJSON(strings.ToLower(is.Type))}
	if is.AssigneeID != "" {
		a := userJSON(v.base, user)
		out["assignee"], out["assignees"] = a, []any{a}
	}
	if m := v.milestoneOf(is); m != nil {
		out["milestone"] = v.milestoneJSON(m)
	}
	switch {
	case it.closed:
		out["state_reason"] = "completed"
		out["closed_at"] = ghTimeOrNil(v.g.org.resolvedAt(is, v.now))
	case v.reopened(is):
		out["state_reason"] = "reopened"
	}
	return out
}

// reopened reports whether the open issue was closed before the clock.
func (v *ghView) reopened(is *Issue) bool {
	for _, h := range is.visibleHistories(v.now) {
		for _, it := range h.Items {
			if it.Field == FieldStatus && v.g.org.statusCategory(it.FromStatus) == CategoryDone {
				return true
			}
		}
	}
	return false
}

// issues serves List repository issues: state (open, closed, all;
// default open), since (updated_at at or after it), sort (created,
// updated, comments; default created), direction (asc, desc; default
// desc), milestone (a number, "*" for any, "none"), per_page, page.
// Ties go by number, in the same direction.
func (g *GitHub) issues(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state, ok := queryEnum(q.Get("state"), "open", "closed", "all")
	if !ok {
		validationFailed(w, "Issue", "state")
		return
	}
	sortBy, ok := queryEnum(q.Get("sort"), "created", "updated", "comments")
	if !ok {
		validationFailed(w, "Issue", "sort")
		return
	}
	dir, ok := queryEnum(q.Get("direction"), "desc", "asc")
	if !ok {
		validationFailed(w, "Issue", "direction")
		return
	}
	var since time.Time
	if s := q.Get("since"); s != "" {
		var err error
		if since, err = time.Parse(time.RFC3339, s); err != nil {
			if since, err = time.Parse(time.DateOnly, s); err != nil {
				validationFailed(w, "Issue", "since")
				return
			}
		}
	}
	ms := q.Get("milestone")
	msNumber := 0
	if ms != "" && ms != "*" && ms != "none" {
		var err error
		if msNumber, err = strconv.Atoi(ms); err != nil {
			validationFailed(w, "Issue", "milestone")
			return
		}
	}
	g.org.mu.RLock()
	defer g.org.mu.RUnlock()
	v := g.view(w, r)
	if v == nil {
		return
	}
	milestoneNumber := func(it ghItem) int {
		var m *Milestone
		if it.pr != nil {
			if m = v.g.org.milestoneByID[it.pr.MilestoneID]; m != nil && !m.ExistsAt(v.now) {
				m = nil
			}
		} else {
			m = v.milestoneOf(it.is)
		}
		if m == nil {
			return 0
		}
		return v.numbers[m.ID]
	}
	sel := slices.DeleteFunc(v.items(), func(it ghItem) bool {
		switch {
		case state == "open" && it.closed, state == "closed" && !it.closed:
			return true
		case !since.IsZero() && it.updated.Before(since):
			return true
		}
		switch n := milestoneNumber(it); ms {
		case "":
			return false
		case "*":
			return n == 0
		case "none":
			return n != 0
		default:
			return n != msNumber
		}
	})
	slices.SortStableFunc(sel, func(a, b ghItem) int {
		var c int
		switch sortBy {
		case "updated":
			c = a.updated.Compare(b.updated)
		case "comments":
			c = cmp.Compare(a.comments, b.comments)
		default:
			c = a.created.Compare(b.created)
		}
		if c == 0 {
			c = a.number - b.number
		}
		if dir == "desc" {
			c = -c
		}
		return c
	})
	writeGitHubList(g, w, r, v.repo, sel, func(it ghItem) any { return v.itemJSON(it) })
}

// issue serves Get an issue (an issue or a pull request).
func (g *GitHub) issue(w http.ResponseWriter, r *http.Request) {
	g.org.mu.RLock()
	defer g.org.mu.RUnlock()
	v := g.view(w, r)
	if v == nil {
		return
	}
	it, ok := v.lookup(r.PathValue("number"))
	if !ok {
		notFound(w, r)
		return
	}
	g.answer(w, r, marshalGitHub(v.itemJSON(it)))
}
