package simulate

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The simulated GitLab's iterations ("Group iterations API": List group
// iterations; "Project iterations API": a project's are its group's).
//
// Every org sprint is an iteration of the group (id = the sprint's id),
// in the cadence of its origin board: cadence id GitLabCadenceIDBase +
// the board's id, titled after the board. Serve an org generated with
// Options.Vendor = VendorGitLab, whose sprints GitLab can hold
// (generate_iterations.go): whole days, one per issue at a time.
//
// Fields (API::Entities::Iteration): id; iid (per group, from 1 in id
// order, deleted sprints included: never reused); sequence (per cadence,
// from 1 in start date order, as Iterations::Cadence#update_iteration_
// sequences numbers them); group_id; title (the sprint's name: the
// simulated iterations are titled, though GitLab leaves those of an
// automatic cadence without one, null); description (the sprint's goal,
// null without one); state; created_at (the sprint's creation);
// updated_at (the latest of its creation and the state changes by the
// clock: 00:00 of its start day, when it became current, and 00:00 after
// its due day, when it closed); start_date and due_date (the UTC days of
// Sprint.Start and Sprint.End, null without them); web_url; and
// iteration_cadence_id (which API::Entities::Iteration does not expose;
// GraphQL's iterationCadence does).
//
// The state is GitLab's (Iteration.compute_state) by the clock's UTC day:
// upcoming before the start day, closed after the due day, current
// between, both included; a number (GitLabIterationUpcoming, ...) as in
// older GitLab and the API docs' examples, or its name with
// GitLabOptions.IterationStateNames. A sprint without both dates takes
// its state as of the clock (Sprint future, active, closed). For a sprint
// laid out for GitLab the two agree but for its last second: GitLab calls
// it current until 00:00 after the due day, SprintTruth closed from
// Sprint.Complete, 23:59:59.

// GitLabCadenceIDBase: the iterations of board B belong to the cadence
// with id GitLabCadenceIDBase + B.
const GitLabCadenceIDBase = 3000

// Iteration states as GitLab numbers them (Iteration::STATE_ENUM_MAP).
const (
	GitLabIterationUpcoming = 1
	GitLabIterationCurrent  = 2
	GitLabIterationClosed   = 3
)

// glIterationStateNames are the states' names, by number.
var glIterationStateNames = map[int]string{GitLabIterationUpcoming: "upcoming", GitLabIterationCurrent: "current",
	GitLabIterationClosed: "closed"}

// glIterations is how a request numbers the iterations.
type glIterations struct {
	iid      map[int]int
	sequence map[int]int
	rendered map[int]map[string]any
}

// iterations numbers the iterations (once per request): iids over every
// sprint the org had, sequences over the cadence's iterations at the clock.
func (v *glView) iterations() *glIterations {
	if v.iters != nil {
		return v.iters
	}
	it := &glIterations{iid: map[int]int{}, sequence: map[int]int{}, rendered: map[int]map[string]any{}}
	var ids []int
	for _, s := range v.g.org.Sprints {
		ids = append(ids, s.ID)
	}
	for id := range v.g.org.deletedSprints {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for i, id := range ids {
		it.iid[id] = i + 1
	}
	live := slices.DeleteFunc(slices.Clone(v.g.org.Sprints), func(s *Sprint) bool { return s.Created.After(v.now) })
	slices.SortStableFunc(live, func(a, b *Sprint) int {
		switch {
		case a.Start != nil && b.Start != nil && !a.Start.Equal(*b.Start):
			return a.Start.Compare(*b.Start)
		case (a.Start == nil) != (b.Start == nil) && a.Start != nil:
			return -1
		case (a.Start == nil) != (b.Start == nil):
			return 1
		}
		return a.ID - b.ID
	})
	next := map[int]int{}
	for _, s := range live {
		next[s.OriginBoardID]++
		it.sequence[s.ID] = next[s.OriginBoardID]
	}
	v.iters = it
	return it
}

// iterationState is the sprint's GitLab state at the clock.
func (v *glView) iterationState(s *Sprint) int {
	if s.Start == nil || s.End == nil {
		return map[string]int{SprintFuture: GitLabIterationUpcoming, SprintActive: GitLabIterationCurrent,
			SprintClosed: GitLabIterationClosed}[s.stateAt(v.now)]
	}
	today := StartOfDay(v.now)
	switch {
	case StartOfDay(*s.Start).After(today):
		return GitLabIterationUpcoming
	case StartOfDay(*s.End).Before(today):
		return GitLabIterationClosed
	}
	return GitLabIterationCurrent
}

// iterationUpdated is the sprint's updated_at at the clock.
func (v *glView) iterationUpdated(s *Sprint) time.Time {
	u := s.Created
	if s.Start == nil || s.End == nil {
		return u
	}
	for _, t := range []time.Time{StartOfDay(*s.Start), StartOfDay(*s.End).AddDate(0, 0, 1)} {
		if t.After(u) && !t.After(v.now) {
			u = t
		}
	}
	return u
}

// iterationJSON renders a sprint as "List group iterations" does.
func (v *glView) iterationJSON(s *Sprint) map[string]any {
	its := v.iterations()
	if out := its.rendered[s.ID]; out != nil {
		return out
	}
	var state any = v.iterationState(s)
	if v.g.opts.IterationStateNames {
		state = glIterationStateNames[state.(int)]
	}
	var desc any
	if s.Goal != "" {
		desc = s.Goal
	}
	iid := its.iid[s.ID]
	out := map[string]any{"id": s.ID, "iid": iid, "sequence": its.sequence[s.ID], "group_id": GitLabGroupID,
		"title": s.Name, "description": desc, "state": state, "created_at": s.Created.UTC().Format(glTime),
		"updated_at": v.iterationUpdated(s).UTC().Format(glTime), "start_date": glDate(s.Start), "due_date": glDate(s.End),
		"web_url":              v.base + "/groups/" + v.g.opts.Group + "/-/iterations/" + strconv.Itoa(iid),
		"iteration_cadence_id": GitLabCadenceIDBase + s.OriginBoardID}
	its.rendered[s.ID] = out
	return out
}

// iterationOf is the iteration the issue shows at the clock: the last
// sprint it entered that exists then, or nil.
func (v *glView) iterationOf(is *Issue) *Sprint {
	ids := is.SprintsAt(v.now)
	for i := len(ids) - 1; i >= 0; i-- {
		if s := v.g.org.sprintByID[ids[i]]; s != nil && !s.Created.After(v.now) {
			return s
		}
	}
	return nil
}

// groupIterations serves List group iterations.
func (g *GitLab) groupIterations(w http.ResponseWriter, r *http.Request) {
	if !g.groupOf(r) {
		gitlabError(w, http.StatusNotFound, "message", "404 Group Not Found")
		return
	}
	g.listIterations(w, r)
}

// projectIterations serves List project iterations: its group's.
func (g *GitLab) projectIterations(w http.ResponseWriter, r *http.Request) {
	if g.projectOf(r) == nil {
		gitlabError(w, http.StatusNotFound, "message", "404 Project Not Found")
		return
	}
	g.listIterations(w, r)
}

// listIterations lists the group's iterations at the clock, as
// IterationsFinder does: state (opened: upcoming and current; upcoming,
// current, started (current, deprecated), closed, all; default all),
// search (any case, in the title, or with in=cadence_title or
// in[]=title&in[]=cadence_title the cadence's title), updated_after and
// updated_before (ISO 8601, inclusive); include_ancestors and
// include_descendants change nothing (the group has neither). Ordered by
// due date (none last), then title, then id; offset pagination.
func (g *GitLab) listIterations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state, ok := queryEnum(q.Get("state"), "all", "opened", "upcoming", "current", "started", "closed")
	if !ok {
		gitlabError(w, http.StatusBadRequest, "error", "state does not have a valid value")
		return
	}
	in := map[string]bool{}
	for _, s := range append(q["in[]"], strings.Split(q.Get("in"), ",")...) {
		if s = strings.TrimSpace(s); s != "" {
			in[s] = true
		}
	}
	for f := range in {
		if f != "title" && f != "cadence_title" {
			gitlabError(w, http.StatusBadRequest, "error", "in does not have a valid value")
			return
		}
	}
	if len(in) == 0 {
		in["title"] = true
	}
	after, errA := glQueryTime(q.Get("updated_after"))
	before, errB := glQueryTime(q.Get("updated_before"))
	if errA != nil || errB != nil {
		gitlabError(w, http.StatusBadRequest, "error", "updated_after, updated_before are invalid")
		return
	}
	search := strings.ToLower(q.Get("search"))
	g.org.mu.RLock()
	defer g.org.mu.RUnlock()
	v := g.view(r)
	matches := func(s *Sprint) bool {
		cadence := ""
		if b := g.org.boardByID[s.OriginBoardID]; b != nil {
			cadence = b.Name
		}
		return search == "" || in["title"] && strings.Contains(strings.ToLower(s.Name), search) ||
			in["cadence_title"] && strings.Contains(strings.ToLower(cadence), search)
	}
	var sel []*Sprint
	for _, s := range g.org.Sprints {
		st := v.iterationState(s)
		switch {
		case s.Created.After(v.now), !matches(s):
		case state == "opened" && st == GitLabIterationClosed, state == "upcoming" && st != GitLabIterationUpcoming,
			(state == "current" || state == "started") && st != GitLabIterationCurrent,
			state == "closed" && st != GitLabIterationClosed:
		case !after.IsZero() && v.iterationUpdated(s).Before(after), !before.IsZero() && v.iterationUpdated(s).After(before):
		default:
			sel = append(sel, s)
		}
	}
	slices.SortStableFunc(sel, func(a, b *Sprint) int {
		switch {
		case a.End != nil && b.End != nil && !StartOfDay(*a.End).Equal(StartOfDay(*b.End)):
			return StartOfDay(*a.End).Compare(StartOfDay(*b.End))
		case (a.End == nil) != (b.End == nil) && a.End != nil:
			return -1
		case (a.End == nil) != (b.End == nil):
			return 1
		case a.Name != b.Name:
			return strings.Compare(a.Name, b.Name)
		}
		return a.ID - b.ID
	})
	writeGitLabList(g, w, r, sel, func(s *Sprint) any { return v.iterationJSON(s) })
}
