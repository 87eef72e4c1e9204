package simulate

import (
	"net/http"
	"slices"
	"strconv"
)

// The simulated GitLab's resource iteration events ("Resource iteration
// events API": List project issue iteration events) and resource state
// events ("Resource state events API": List project issue state events),
// oldest first, paged by offset.
//
// Iteration events: each FieldSprint item of an issue's histories at the
// clock is a "remove" of every sprint it leaves, then an "add" of every
// sprint it enters, all with the history's created_at. A rollover (an
// open issue moved out of the closed sprint into the next at its
// completion) is a "remove" of the closed iteration and an "add" of the
// next at the same instant, the closed iteration's completion (23:59:59
// of its due day); with GitLabOptions.MoveAsOneEvent, as GitLab records
// any move (ResourceEvents::ChangeIterationService), the "add" alone.
// Membership set at creation (Issue.InitialSprints) has no event, as for
// milestones: a collector takes the iteration of the first event when it
// is a "remove", or the iteration the issue shows when it has no event.
// Events of a deleted sprint are not listed.
//
// Fields (EE::API::Entities::ResourceIterationEvent): id, user (the
// history's author), created_at, resource_type "Issue", resource_id (the
// issue's id), iteration (the full iteration object, as it is at the
// clock), action; and state, the issue's state then ("opened" or
// "closed"), which the simulated site adds as its milestone events have
// it: GitLab's iteration events do not carry it.
//
// State events: one per FieldStatus item that enters the done category
// (state "closed") or leaves it ("reopened"); the state at creation has
// none, as GitLab's API says ("does not track the initial state"). An
// issue is done at an instant when its last state event at or before it
// is "closed" (or, without one, when it was created done: it is closed
// then and has no state event). Fields (ResourceStateEvent): id, user,
// created_at, resource_type "Issue", resource_id, state.
//
// Event ids derive from history ids as the milestone events' do (the
// history's id × 16 + a number under 16 within it), plus
// GitLabIterationEventIDBase or GitLabStateEventIDBase: unique, growing
// with time within each kind, and never a milestone event's id (for
// numeric history ids under 2^36). An iteration event is numbered by its
// place among the history's sprint events, whether MoveAsOneEvent lists
// the "remove" or not; a state event by its item's index.

// Offsets of the simulated GitLab's iteration and state event ids.
const (
	GitLabIterationEventIDBase = 1_000_000_000_000
	GitLabStateEventIDBase     = 2_000_000_000_000
)

// iterationEventsOf renders the issue's iteration events at the clock.
func (v *glView) iterationEventsOf(is *Issue) []any {
	out := []any{}
	for _, h := range is.visibleHistories(v.now) {
		base, k := GitLabIterationEventIDBase+historyEventBase(is, &h), int64(0)
		state := v.issueStateAt(is, h)
		for _, it := range h.Items {
			if it.Field != FieldSprint {
				continue
			}
			left := slices.DeleteFunc(slices.Clone(it.FromSprints), func(id int) bool { return slices.Contains(it.ToSprints, id) })
			entered := slices.DeleteFunc(slices.Clone(it.ToSprints), func(id int) bool { return slices.Contains(it.FromSprints, id) })
			emit := func(action string, id int, listed bool) {
				if s := v.g.org.sprintByID[id]; s != nil && listed && k < 16 {
					out = append(out, v.resourceEventJSON(is, h, base+k, map[string]any{"iteration": v.iterationJSON(s),
						"action": action, "state": state}))
				}
				k++
			}
			for _, id := range left {
				emit("remove", id, len(entered) == 0 || !v.g.opts.MoveAsOneEvent)
			}
			for _, id := range entered {
				emit("add", id, true)
			}
		}
	}
	return out
}

// stateEventsOf renders the issue's state events at the clock.
func (v *glView) stateEventsOf(is *Issue) []any {
	out := []any{}
	done := func(status string) bool { return v.g.org.statusCategory(status) == CategoryDone }
	for _, h := range is.visibleHistories(v.now) {
		base := GitLabStateEventIDBase + historyEventBase(is, &h)
		for i, it := range h.Items {
			if it.Field != FieldStatus || i >= 16 || done(it.FromStatus) == done(it.ToStatus) {
				continue
			}
			state := "reopened"
			if done(it.ToStatus) {
				state = "closed"
			}
			out = append(out, v.resourceEventJSON(is, h, base+int64(i), map[string]any{"state": state}))
		}
	}
	return out
}

// issueStateAt is the issue's state ("opened", "closed") after history h.
func (v *glView) issueStateAt(is *Issue, h History) string {
	if v.g.org.statusCategory(is.StatusAt(h.At)) == CategoryDone {
		return "closed"
	}
	return "opened"
}

// resourceEventJSON renders the fields every resource event has, and extra.
func (v *glView) resourceEventJSON(is *Issue, h History, id int64, extra map[string]any) map[string]any {
	rid, _ := strconv.ParseInt(is.ID, 10, 64)
	out := map[string]any{"id": id, "user": v.g.glUser(v.base, h.AuthorID), "created_at": h.At.UTC().Format(glTime),
		"resource_type": "Issue", "resource_id": rid}
	for k, x := range extra {
		out[k] = x
	}
	return out
}

// iterationEvents serves List project issue iteration events.
func (g *GitLab) iterationEvents(w http.ResponseWriter, r *http.Request) {
	g.issueEvents(w, r, (*glView).iterationEventsOf)
}

// stateEvents serves List project issue state events.
func (g *GitLab) stateEvents(w http.ResponseWriter, r *http.Request) {
	g.issueEvents(w, r, (*glView).stateEventsOf)
}

// issueEvents serves one kind of an issue's resource events (per_page,
// page). An extra issue has none.
func (g *GitLab) issueEvents(w http.ResponseWriter, r *http.Request, events func(*glView, *Issue) []any) {
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
	evs := []any{}
	if it.is != nil {
		evs = events(v, it.is)
	}
	writeGitLabList(g, w, r, evs, func(e any) any { return e })
}
