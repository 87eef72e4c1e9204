package simulate

import (
	"net/http"
	"strconv"
	"time"
)

// The simulated GitLab's resource milestone events ("Resource milestone
// events API": List project issue milestone events), oldest first.
//
// Each FieldFixVersion item of an issue's histories at the clock is one
// event: "remove" of the milestone it leaves (From), "add" of the one it
// enters (To). A move between two milestones (a history leaving one and
// entering another, as a GitLab org's AddToMilestone records it) is a
// "remove" then an "add" with the same created_at; GitLab itself records
// only the "add" (ResourceEvents::ChangeMilestoneService: one event per
// change, "remove" only when the milestone is cleared), which
// GitLabOptions.MoveAsOneEvent reproduces.
//
// Membership set at creation (Issue.InitialVersions) has no event here.
// GitLab does record one (Issuable::CommonSystemNotesService runs on
// create too, and adds an "add" event when the issue is created with a
// milestone); the site leaves it out, as the other sites leave out
// values set at creation: a collector must handle both, taking the
// milestone an issue shows as its membership when no event explains it.
//
// Fields (API::Entities::ResourceMilestoneEvent): id (the history's id ×
// 16 + the item's index, as the GitHub site numbers its events: unique,
// growing with the histories), user (the history's author), created_at,
// resource_type "Issue", resource_id (the issue's id), milestone (the full
// milestone object as the milestone is now, not as it was: GitLab stores
// the milestone_id and renders the milestone row, so a renamed milestone
// shows its current title in every event), action, and state (the issue's
// state at the event: "opened" or "closed"). Events of a deleted
// milestone are not listed (ResourceMilestoneEventFinder keeps those of
// readable milestones only).

// glEvent is one milestone event before rendering.
type glEvent struct {
	id     int64
	at     time.Time
	author string
	action string
	m      *Milestone
	closed bool
}

// milestoneEvents are the issue's milestone events at the clock.
func (v *glView) milestoneEvents(is *Issue) []glEvent {
	var out []glEvent
	for _, h := range is.visibleHistories(v.now) {
		base := historyEventBase(is, &h)
		enters := false
		for _, it := range h.Items {
			enters = enters || it.Field == FieldFixVersion && it.To != ""
		}
		closed := v.g.org.statusCategory(is.StatusAt(h.At)) == CategoryDone
		for i, it := range h.Items {
			if it.Field != FieldFixVersion || i >= 16 {
				continue
			}
			action, id := "add", it.To
			if it.From != "" {
				if enters && v.g.opts.MoveAsOneEvent {
					continue
				}
				action, id = "remove", it.From
			}
			if m := v.g.org.milestoneByID[id]; m != nil {
				out = append(out, glEvent{id: base + int64(i), at: h.At, author: h.AuthorID, action: action, m: m, closed: closed})
			}
		}
	}
	return out
}

// eventJSON renders an event as "List project issue milestone events" does.
func (v *glView) eventJSON(is *Issue, e glEvent) map[string]any {
	id, _ := strconv.ParseInt(is.ID, 10, 64)
	state := "opened"
	if e.closed {
		state = "closed"
	}
	return map[string]any{"id": e.id, "user": v.g.glUser(v.base, e.author), "created_at": e.at.UTC().Format(glTime),
		"resource_type": "Issue", "resource_id": id, "milestone": v.milestoneJSON(e.m), "action": e.action, "state": state}
}

// events serves List project issue milestone events (per_page, page).
// An extra issue has none.
func (g *GitLab) events(w http.ResponseWriter, r *http.Request) {
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
	var evs []glEvent
	if it.is != nil {
		evs = v.milestoneEvents(it.is)
	}
	writeGitLabList(g, w, r, evs, func(e glEvent) any { return v.eventJSON(it.is, e) })
}
