package simulate

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The simulated GitLab's milestones ("Milestones API": List project
// milestones; "Group milestones API": List group milestones) and the
// view every endpoint renders through.

// glView is how one request sees the org as of the site's clock. It is
// used under the org's read lock.
type glView struct {
	g        *GitLab
	now      time.Time
	base     string
	iids     map[string]int // milestone id → iid in its project or group
	rendered map[string]map[string]any
	iters    *glIterations // iteration iids and sequences, once needed (gitlab_iterations.go)
}

// view starts a request's view. Callers hold the org's read lock.
//
// Milestone iids count from 1 in id order per group (the first org
// project's milestones) and per project (the others'), deleted ones
// included (an iid is never reused), so they do not depend on the clock.
func (g *GitLab) view(r *http.Request) *glView {
	v := &glView{g: g, now: g.opts.Now(), base: baseURL(r), iids: map[string]int{}, rendered: map[string]map[string]any{}}
	var all []*Milestone
	all = append(all, g.org.Milestones...)
	for _, m := range g.org.deletedMilestones {
		all = append(all, m)
	}
	slices.SortFunc(all, func(a, b *Milestone) int { return compareNumeric(a.ID, b.ID) })
	next := map[string]int{}
	for _, m := range all {
		next[m.Project]++
		v.iids[m.ID] = next[m.Project]
	}
	return v
}

// milestoneUpdated is the milestone's updated_at at the clock: its last
// edit (created, renamed, due date set or moved, closed). Issues entering
// or leaving it do not touch a GitLab milestone.
func (v *glView) milestoneUpdated(m *Milestone) time.Time {
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
	return u
}

// glDate renders an instant as GitLab's date: its UTC day, or null.
func glDate(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(glDay)
}

// milestoneJSON renders a milestone at the clock as "List project
// milestones" documents it (API::Entities::Milestone): project_id for a
// project milestone, group_id for a group one (the other key absent);
// title its name then (NameAt); state "closed" once released (or
// archived, which a GitLab org has not), else "active"; due_date and
// start_date the UTC days of DueAt and Start; expired when the due date
// is before the clock's UTC day (Milestone#expired: due_date.past?),
// false without one.
func (v *glView) milestoneJSON(m *Milestone) map[string]any {
	if out := v.rendered[m.ID]; out != nil {
		return out
	}
	id, _ := strconv.ParseInt(m.ID, 10, 64)
	iid := v.iids[m.ID]
	state := "active"
	if m.ReleasedAt(v.now) || m.ArchivedAt(v.now) {
		state = "closed"
	}
	due := m.DueAt(v.now)
	out := map[string]any{"id": id, "iid": iid, "title": m.NameAt(v.now), "description": m.Description,
		"state": state, "created_at": m.Created.UTC().Format(glTime), "updated_at": v.milestoneUpdated(m).UTC().Format(glTime),
		"due_date": glDate(due), "start_date": glDate(m.Start),
		"expired": due != nil && StartOfDay(*due).Before(StartOfDay(v.now))}
	if v.g.groupMilestone(m) {
		out["group_id"] = GitLabGroupID
		out["web_url"] = v.base + "/groups/" + v.g.opts.Group + "/-/milestones/" + strconv.Itoa(iid)
	} else if p := v.g.projectByKey(m.Project); p != nil {
		out["project_id"] = p.id
		out["web_url"] = v.base + "/" + v.g.FullPath(p.key) + "/-/milestones/" + strconv.Itoa(iid)
	}
	v.rendered[m.ID] = out
	return out
}

// groupMilestones serves List group milestones.
func (g *GitLab) groupMilestones(w http.ResponseWriter, r *http.Request) {
	if !g.groupOf(r) {
		gitlabError(w, http.StatusNotFound, "message", "404 Group Not Found")
		return
	}
	g.listMilestones(w, r, nil)
}

// projectMilestones serves List project milestones (include_ancestors:
// the group's too).
func (g *GitLab) projectMilestones(w http.ResponseWriter, r *http.Request) {
	p := g.projectOf(r)
	if p == nil {
		gitlabError(w, http.StatusNotFound, "message", "404 Project Not Found")
		return
	}
	g.listMilestones(w, r, p)
}

// listMilestones lists the group's milestones (p nil) or p's, as
// MilestonesFinder does: state (active, closed, all; default all), title
// (exact), search (title or description containing it, any case),
// updated_after and updated_before (ISO 8601, both inclusive:
// UpdatedAtFilterable's gteq and lteq), iids[] (ignored with
// include_ancestors), include_ancestors or include_parent_milestones (a
// project's list adds the group's milestones); ordered by due date
// ascending, those without one last, then by id descending
// (Milestone.sort_by_attribute("due_date_asc")); offset pagination.
func (g *GitLab) listMilestones(w http.ResponseWriter, r *http.Request, p *glProject) {
	q := r.URL.Query()
	state, ok := queryEnum(q.Get("state"), "all", "active", "closed")
	if !ok {
		gitlabError(w, http.StatusBadRequest, "error", "state does not have a valid value")
		return
	}
	after, errA := glQueryTime(q.Get("updated_after"))
	before, errB := glQueryTime(q.Get("updated_before"))
	if errA != nil || errB != nil {
		gitlabError(w, http.StatusBadRequest, "error", "updated_after, updated_before are invalid")
		return
	}
	ancestors := q.Get("include_ancestors") == "true" || q.Get("include_parent_milestones") == "true"
	var iids []int
	for _, s := range append(q["iids[]"], strings.Split(q.Get("iids"), ",")...) {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			iids = append(iids, n)
		}
	}
	g.org.mu.RLock()
	defer g.org.mu.RUnlock()
	v := g.view(r)
	search := strings.ToLower(q.Get("search"))
	var sel []*Milestone
	for _, m := range g.org.Milestones {
		group := g.groupMilestone(m)
		switch {
		case !m.ExistsAt(v.now):
		case p == nil && !group, p != nil && !(ancestors && group) && (group || m.Project != p.key):
		case q.Has("title") && m.NameAt(v.now) != q.Get("title"):
		case search != "" && !strings.Contains(strings.ToLower(m.NameAt(v.now)), search) &&
			!strings.Contains(strings.ToLower(m.Description), search):
		case state != "all" && v.milestoneJSON(m)["state"] != state:
		case !after.IsZero() && v.milestoneUpdated(m).Before(after), !before.IsZero() && v.milestoneUpdated(m).After(before):
		case len(iids) > 0 && !ancestors && !slices.Contains(iids, v.iids[m.ID]):
		default:
			sel = append(sel, m)
		}
	}
	slices.SortStableFunc(sel, func(a, b *Milestone) int {
		da, db := a.DueAt(v.now), b.DueAt(v.now)
		switch {
		case da != nil && db != nil && !StartOfDay(*da).Equal(StartOfDay(*db)):
			return StartOfDay(*da).Compare(StartOfDay(*db))
		case (da == nil) != (db == nil) && da != nil:
			return -1
		case (da == nil) != (db == nil):
			return 1
		}
		return -compareNumeric(a.ID, b.ID)
	})
	writeGitLabList(g, w, r, sel, func(m *Milestone) any { return v.milestoneJSON(m) })
}

// glQueryTime parses an ISO 8601 query value (zero when empty): a date
// and time with a zone, without one (UTC), or a date.
func glQueryTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	var err error
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", time.DateOnly} {
		var t time.Time
		if t, err = time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, err
}
