package simulate

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The simulated GitLab's issues ("Issues API": List project issues,
// Single project issue): the project's org issues (and its extra issues,
// gitlab_extra.go) as of the site's clock. GitLab's issue list holds
// issues only (merge requests are apart).

// glItem is an issue of a project at the clock: an org issue or an extra.
type glItem struct {
	is       *Issue
	x        *glExtra
	id       int64
	iid      int
	created  time.Time
	updated  time.Time
	closed   *time.Time // when it was closed, if it is
	closedBy string     // account id
}

// items lists the project's issues created by the clock.
func (v *glView) items(p *glProject) []glItem {
	var out []glItem
	for _, is := range v.g.org.Issues {
		if is.Project == p.key && !is.Created.After(v.now) && issueNumber(is) > 0 {
			out = append(out, v.issueItem(is))
		}
	}
	for _, x := range v.g.extras[p.key] {
		if !x.created.After(v.now) {
			out = append(out, v.extraItem(x))
		}
	}
	return out
}

func (v *glView) issueItem(is *Issue) glItem {
	id, _ := strconv.ParseInt(is.ID, 10, 64)
	it := glItem{is: is, id: id, iid: issueNumber(is), created: is.Created, updated: is.updatedAt(v.now)}
	if v.g.org.statusCategory(is.StatusAt(v.now)) == CategoryDone {
		// closed_at and closed_by: the last change into the done category.
		it.closed, it.closedBy = tp(is.Created), is.AssigneeID
		for _, h := range is.visibleHistories(v.now) {
			for _, x := range h.Items {
				if x.Field == FieldStatus && v.g.org.statusCategory(x.ToStatus) == CategoryDone &&
					v.g.org.statusCategory(x.FromStatus) != CategoryDone {
					it.closed, it.closedBy = tp(h.At), h.AuthorID
				}
			}
		}
	}
	return it
}

// lookup finds issue iid of the project at the clock.
func (v *glView) lookup(p *glProject, iid string) (glItem, bool) {
	n, err := strconv.Atoi(iid)
	if err != nil || n <= 0 {
		return glItem{}, false
	}
	if is := v.g.org.issueByKey[p.key+"-"+strconv.Itoa(n)]; is != nil && is.Project == p.key &&
		!is.Created.After(v.now) && issueNumber(is) == n {
		return v.issueItem(is), true
	}
	for _, x := range v.g.extras[p.key] {
		if x.iid == n && !x.created.After(v.now) {
			return v.extraItem(x), true
		}
	}
	return glItem{}, false
}

// milestoneOf is the milestone the issue shows at the clock: the last it
// entered that exists then and that its project may use (its own, or the
// group's), or nil.
func (v *glView) milestoneOf(is *Issue) *Milestone {
	vs := is.VersionsAt(v.now)
	for i := len(vs) - 1; i >= 0; i-- {
		if m := v.g.org.milestoneByID[vs[i]]; m != nil && m.ExistsAt(v.now) &&
			(m.Project == is.Project || v.g.groupMilestone(m)) {
			return m
		}
	}
	return nil
}

// issueJSON renders an issue as "List project issues" does (real
// payloads: the fixtures' gitlab.com page): state "opened" or "closed"
// (closed while its status is in the done category; closed_at and
// closed_by the last change into it); milestone the full milestone
// object it shows, or null; iteration (as GitLab Premium adds it) the
// full iteration object of the sprint it is in (iterationOf), or null;
// labels its type, lower case; author and assignee its assignee (author:
// the first org user when it has none).
func (v *glView) issueJSON(p *glProject, it glItem) map[string]any {
	n := strconv.Itoa(it.iid)
	web := v.base + "/" + v.g.FullPath(p.key) + "/-/issues/" + n
	api := v.base + PathGitLabProjects + strconv.FormatInt(p.id, 10)
	out := map[string]any{
		"id": it.id, "iid": it.iid, "project_id": p.id, "state": "opened",
		"created_at": it.created.UTC().Format(glTime), "updated_at": it.updated.UTC().Format(glTime),
		"closed_at": nil, "closed_by": nil, "labels": []string{}, "milestone": nil, "iteration": nil, "assignees": []any{}, "assignee": nil,
		"type": "ISSUE", "issue_type": "issue", "user_notes_count": it.id % 5, "merge_requests_count": 0,
		"upvotes": 0, "downvotes": 0, "due_date": nil, "confidential": false, "discussion_locked": nil,
		"web_url": web, "weight": nil, "has_tasks": false, "severity": "UNKNOWN", "moved_to_id": nil,
		"time_stats": map[string]any{"time_estimate": 0, "total_time_spent": 0, "human_time_estimate": nil,
			"human_total_time_spent": nil},
		"task_completion_status": map[string]any{"count": 0, "completed_count": 0},
		"references":             map[string]any{"short": "#" + n, "relative": "#" + n, "full": v.g.FullPath(p.key) + "#" + n},
		"_links": map[string]any{"self": api + "/issues/" + n, "notes": api + "/issues/" + n + "/notes",
			"award_emoji": api + "/issues/" + n + "/award_emoji", "project": api, "closed_as_duplicate_of": nil},
	}
	author := ""
	if len(v.g.org.Users) > 0 {
		author = v.g.org.Users[0].AccountID
	}
	if is := it.is; is != nil {
		out["title"], out["description"] = is.Summary, "Simulated "+strings.ToLower(is.Type)+" "+is.Key+"."
		out["labels"] = []string{strings.ToLower(is.Type)}
		if is.AssigneeID != "" {
			author = is.AssigneeID
			a := v.g.glUser(v.base, is.AssigneeID)
			out["assignee"], out["assignees"] = a, []any{a}
		}
		if m := v.milestoneOf(is); m != nil {
			out["milestone"] = v.milestoneJSON(m)
		}
		if s := v.iterationOf(is); s != nil {
			out["iteration"] = v.iterationJSON(s)
		}
	} else {
		out["title"], out["description"] = it.x.title, "Synthesized issue."
	}
	out["author"] = v.g.glUser(v.base, author)
	if it.closed != nil {
		out["state"], out["closed_at"] = "closed", it.closed.UTC().Format(glTime)
		out["closed_by"] = v.g.glUser(v.base, it.closedBy)
	}
	return out
}

// issues serves List project issues: scope (all, the default for a
// project's list; created_by_me and assigned_to_me match nothing: the
// token's user made none), state (opened, closed, all; default all),
// updated_after and updated_before, created_after and created_before (ISO
// 8601, all inclusive), order_by (created_at, updated_at; default
// created_at), sort (asc, desc; default desc; ties by id in the same
// direction), per_page, page.
func (g *GitLab) issues(w http.ResponseWriter, r *http.Request) {
	p := g.projectOf(r)
	if p == nil {
		gitlabError(w, http.StatusNotFound, "message", "404 Project Not Found")
		return
	}
	q := r.URL.Query()
	var bad []string
	enum := func(key string, allowed ...string) string {
		v, ok := queryEnum(q.Get(key), allowed...)
		if !ok {
			bad = append(bad, key)
		}
		return v
	}
	scope, state := enum("scope", "all", "created_by_me", "assigned_to_me"), enum("state", "all", "opened", "closed")
	orderBy, dir := enum("order_by", "created_at", "updated_at"), enum("sort", "desc", "asc")
	bounds := map[string]time.Time{}
	for _, k := range []string{"updated_after", "updated_before", "created_after", "created_before"} {
		t, err := glQueryTime(q.Get(k))
		if err != nil {
			bad = append(bad, k)
		}
		bounds[k] = t
	}
	if len(bad) > 0 {
		gitlabError(w, http.StatusBadRequest, "error", strings.Join(bad, ", ")+" does not have a valid value")
		return
	}
	out := func(t time.Time, after, before string) bool {
		return !bounds[after].IsZero() && t.Before(bounds[after]) || !bounds[before].IsZero() && t.After(bounds[before])
	}
	g.org.mu.RLock()
	defer g.org.mu.RUnlock()
	v := g.view(r)
	sel := slices.DeleteFunc(v.items(p), func(it glItem) bool {
		return scope != "all" || state == "opened" && it.closed != nil || state == "closed" && it.closed == nil ||
			out(it.updated, "updated_after", "updated_before") || out(it.created, "created_after", "created_before")
	})
	sortDir(sel, dir, func(a, b glItem) int {
		if orderBy == "updated_at" {
			return a.updated.Compare(b.updated)
		}
		return a.created.Compare(b.created)
	}, func(it glItem) int64 { return it.id })
	writeGitLabList(g, w, r, sel, func(it glItem) any { return v.issueJSON(p, it) })
}

// issue serves Single project issue.
func (g *GitLab) issue(w http.ResponseWriter, r *http.Request) {
	p := g.projectOf(r)
	if p == nil {
		gitlabError(w, http.StatusNotFound, "message", "404 Project Not Found")
		return
	}
	g.org.mu.RLock()
	defer g.org.mu.RUnlock()
	v := g.view(r)
	it, ok := v.lookup(p, r.PathValue("iid"))
	if !ok {
		gitlabError(w, http.StatusNotFound, "message", "404 Issue Not Found")
		return
	}
	answerJSON(w, v.issueJSON(p, it))
}
