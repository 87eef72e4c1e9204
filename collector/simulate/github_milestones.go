package simulate

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// The simulated GitHub's milestones ("REST API endpoints for milestones":
// List milestones, Get a milestone) and the view every repository
// endpoint renders through.

// ghView is how one request renders a repository as of the site's clock.
// It is used under the org's read lock.
type ghView struct {
	g        *GitHub
	repo     *ghRepo
	now      time.Time
	base     string         // scheme://host
	api      string         // the repository's API URL
	html     string         // the repository's web URL
	numbers  map[string]int // milestone id → number
	byNumber map[int]*Milestone
	rendered map[string]map[string]any // milestone JSON by id
}

// view resolves the request's repository (nil: answered 404). Callers
// hold the org's read lock.
func (g *GitHub) view(w http.ResponseWriter, r *http.Request) *ghView {
	repo := g.repoOf(r)
	if repo == nil {
		notFound(w, r)
		return nil
	}
	v := &ghView{g: g, repo: repo, now: g.opts.Now(), base: baseURL(r), rendered: map[string]map[string]any{}}
	v.api = v.base + g.RepoPath(repo.project)
	v.html = v.base + "/" + g.FullName(repo.project)
	v.numbers, v.byNumber = g.milestoneNumbers(repo)
	return v
}

// milestoneOf is the milestone the issue shows at the clock: the last it
// entered of its repository's milestones that exist then, or nil.
func (v *ghView) milestoneOf(is *Issue) *Milestone {
	vs := is.VersionsAt(v.now)
	for i := len(vs) - 1; i >= 0; i-- {
		if m := v.g.org.milestoneByID[vs[i]]; m != nil && m.Project == v.repo.project && m.ExistsAt(v.now) {
			return m
		}
	}
	return nil
}

func (v *ghView) done(is *Issue) bool {
	return v.g.org.statusCategory(is.StatusAt(v.now)) == CategoryDone
}

// counts are GitHub's open_issues and closed_issues: the issues and pull
// requests in the milestone at the clock, by state.
func (v *ghView) counts(m *Milestone) (open, closed int) {
	for _, is := range v.g.org.milestoneIssues[m.ID] {
		if is.Project != v.repo.project || is.Created.After(v.now) || v.milestoneOf(is) != m {
			continue
		}
		if v.done(is) {
			closed++
		} else {
			open++
		}
	}
	for _, p := range v.repo.pulls {
		if p.MilestoneID != m.ID || p.Created.After(v.now) {
			continue
		}
		if p.ClosedAt(v.now) {
			closed++
		} else {
			open++
		}
	}
	return open, closed
}

// milestoneUpdated is the milestone's updated_at at the clock: its last
// change (rename, due date, closing) or the last change of its contents
// (an issue or pull request entering, leaving, closing or reopening in it).
func (v *ghView) milestoneUpdated(m *Milestone) time.Time {
	u := m.Created
	bump := func(t time.Time) {
		if t.After(u) && !t.After(v.now) {
			u = t
		}
	}
	for _, c := range m.Dues {
		bump(c.At)
	}
	for _, r := range m.Renames {
		bump(r.At)
	}
	for _, t := range []*time.Time{m.Released, m.Archived} {
		if t != nil {
			bump(*t)
		}
	}
	o := v.g.org
	for _, is := range o.milestoneIssues[m.ID] {
		if is.Project != v.repo.project {
			continue
		}
		in := slices.Contains(is.InitialVersions, m.ID)
		for _, h := range is.visibleHistories(v.now) {
			for _, it := range h.Items {
				switch {
				case it.Field == FieldFixVersion && (it.From == m.ID || it.To == m.ID):
					in = it.To == m.ID
					bump(h.At)
				case it.Field == FieldStatus && in &&
					(o.statusCategory(it.FromStatus) == CategoryDone) != (o.statusCategory(it.ToStatus) == CategoryDone):
					bump(h.At)
				}
			}
		}
	}
	for _, p := range v.repo.pulls {
		if p.MilestoneID == m.ID {
			bump(p.Created)
			if p.Closed != nil {
				bump(*p.Closed)
			}
		}
	}
	return u
}

// ghDueOn renders a due date as GitHub does: "List milestones" documents
// due_on as an ISO 8601 timestamp, but GitHub keeps a day and answers it
// at 08:00:00Z (real payloads: "due_on": "2018-11-27T08:00:00Z"); here
// the UTC day of the due instant.
func ghDueOn(due *time.Time) any {
	if due == nil {
		return nil
	}
	return StartOfDay(*due).Add(8 * time.Hour).Format(ghTime)
}

// milestoneJSON renders a milestone at the clock, as "List milestones"
// documents it: title is its name then (NameAt); state is closed once
// released (closed_at the release; a milestone archived unreleased, which
// GitHub cannot have, is closed at its archiving); counts include pull
// requests.
func (v *ghView) milestoneJSON(m *Milestone) map[string]any {
	if out := v.rendered[m.ID]; out != nil {
		return out
	}
	n := strconv.Itoa(v.numbers[m.ID])
	id, _ := strconv.ParseInt(m.ID, 10, 64)
	open, closed := v.counts(m)
	state, closedAt := "open", (*time.Time)(nil)
	switch {
	case m.ReleasedAt(v.now):
		state, closedAt = "closed", m.Released
	case m.ArchivedAt(v.now):
		state, closedAt = "closed", m.Archived
	}
	creator := ghBot
	if len(v.g.org.Users) > 0 {
		creator = v.g.userOf(v.g.org.Users[0].AccountID)
	}
	url := v.api + "/milestones/" + n
	out := map[string]any{
		"url": url, "html_url": v.html + "/milestone/" + n, "labels_url": url + "/labels",
		"id": id, "node_id": ghNodeID("Milestone", id), "number": v.numbers[m.ID],
		"title": m.NameAt(v.now), "description": m.Description, "creator": userJSON(v.base, creator),
		"open_issues": open, "closed_issues": closed, "state": state,
		"created_at": m.Created.UTC().Format(ghTime), "updated_at": v.milestoneUpdated(m).UTC().Format(ghTime),
		"closed_at": ghTimeOrNil(closedAt), "due_on": ghDueOn(m.DueAt(v.now)),
	}
	v.rendered[m.ID] = out
	return out
}

// milestones serves List milestones: state (open, closed, all; default
// open), sort (due_on, completeness; default due_on), direction (asc,
// desc; default asc), per_page, page. GitHub documents no order for ties
// or for milestones without a due date: here those sort after every due
// date (before them, descending), and ties go by number.
func (g *GitHub) milestones(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state, ok := queryEnum(q.Get("state"), "open", "closed", "all")
	if !ok {
		validationFailed(w, "Milestone", "state")
		return
	}
	sortBy, ok := queryEnum(q.Get("sort"), "due_on", "completeness")
	if !ok {
		validationFailed(w, "Milestone", "sort")
		return
	}
	dir, ok := queryEnum(q.Get("direction"), "asc", "desc")
	if !ok {
		validationFailed(w, "Milestone", "direction")
		return
	}
	g.org.mu.RLock()
	defer g.org.mu.RUnlock()
	v := g.view(w, r)
	if v == nil {
		return
	}
	var sel []*Milestone
	for _, m := range g.org.Milestones {
		if m.Project != v.repo.project || !m.ExistsAt(v.now) {
			continue
		}
		if s := v.milestoneJSON(m)["state"]; state == "all" || s == state {
			sel = append(sel, m)
		}
	}
	key := func(m *Milestone) (float64, bool) { // value, has one
		if sortBy == "completeness" {
			open, closed := v.counts(m)
			if open+closed == 0 {
				return 0, true
			}
			return float64(closed) / float64(open+closed), true
		}
		d := m.DueAt(v.now)
		if d == nil {
			return 0, false
		}
		return float64(StartOfDay(*d).Unix()), true
	}
	slices.SortStableFunc(sel, func(a, b *Milestone) int {
		ka, oka := key(a)
		kb, okb := key(b)
		c := 0
		switch {
		case oka != okb && oka:
			c = -1
		case oka != okb:
			c = 1
		default:
			c = cmp.Compare(ka, kb)
		}
		if dir == "desc" {
			c = -c
		}
		if c == 0 {
			c = v.numbers[a.ID] - v.numbers[b.ID]
		}
		return c
	})
	writeGitHubList(g, w, r, v.repo, sel, func(m *Milestone) any { return v.milestoneJSON(m) })
}

// milestone serves Get a milestone: 404 for one deleted or not created yet.
func (g *GitHub) milestone(w http.ResponseWriter, r *http.Request) {
	g.org.mu.RLock()
	defer g.org.mu.RUnlock()
	v := g.view(w, r)
	if v == nil {
		return
	}
	n, _ := strconv.Atoi(r.PathValue("number"))
	m := v.byNumber[n]
	if m == nil || !m.ExistsAt(v.now) {
		notFound(w, r)
		return
	}
	g.answer(w, r, marshalGitHub(v.milestoneJSON(m)))
}

// queryEnum is a query value among allowed (the first is the default for
// an empty one); ok is false for any other.
func queryEnum(v string, allowed ...string) (string, bool) {
	if v == "" {
		return allowed[0], true
	}
	return v, slices.Contains(allowed, v)
}
