package simulate

import (
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The simulated GitHub's issue events ("REST API endpoints for issue
// events": List issue events; "Issue event types"): what an issue's
// histories look like on GitHub, oldest first.
//
// One history renders as these events, in its items' order:
//   - FieldFixVersion: "demilestoned" for the milestone left, then
//     "milestoned" for the one entered (a move between two milestones is
//     both, at one created_at); milestone is {"title": ...} only, the
//     title the milestone had at the event (Milestone.NameAt), as GitHub
//     records it;
//   - FieldStatus: "closed" into the done category, "reopened" out of it;
//     and, noise, "assigned" (the issue's assignee) when work starts
//     (new → in progress);
//   - FieldPoints: "labeled" ("size: 3"), or "unlabeled" when the
//     estimate is removed; FieldRank: "labeled" ("ranked"); any other
//     field: "labeled" with its name, lower case;
//   - FieldSprint: nothing (GitHub has no sprints).
//
// Values set at creation (InitialVersions, InitialStatus) have no event,
// as on GitHub (an issue created in a milestone has no "milestoned").
// An event's id is its history's id × 16 + its index in the history, so
// ids grow with the histories (with time, in a generated org) and the
// events of one history keep their order.

// ghEvent is one issue event before rendering.
type ghEvent struct {
	id    int64
	event string
	at    time.Time
	actor string // account id
	extra map[string]any
}

// ghEventTypes are the GraphQL type names of the events' node ids.
var ghEventTypes = map[string]string{
	"milestoned": "MilestonedEvent", "demilestoned": "DemilestonedEvent", "closed": "ClosedEvent",
	"reopened": "ReopenedEvent", "labeled": "LabeledEvent", "unlabeled": "UnlabeledEvent",
	"assigned": "AssignedEvent", "merged": "MergedEvent",
}

// historyEventBase is the first event id of a history: its numeric id ×
// 16 (a hash for a hand-built org's non-numeric ids).
func historyEventBase(is *Issue, h *History) int64 {
	if n, err := strconv.ParseInt(h.ID, 10, 64); err == nil && n >= 0 && n < 1<<58 {
		return n * 16
	}
	f := fnv.New64a()
	f.Write([]byte(is.ID + "/" + h.ID))
	return int64(f.Sum64()>>8) * 16
}

// milestoneTitleAt is the title of a milestone (a deleted one's
// included) at t.
func (v *ghView) milestoneTitleAt(id string, t time.Time) string {
	if m := v.g.org.milestoneRecord(id); m != nil {
		return m.NameAt(t)
	}
	return id
}

// issueEvents are the issue's events at the clock, oldest first.
func (v *ghView) issueEvents(is *Issue) []ghEvent {
	o := v.g.org
	var out []ghEvent
	hs := is.visibleHistories(v.now)
	for i := range hs {
		h := &hs[i]
		base, k := historyEventBase(is, h), int64(0)
		add := func(event string, extra map[string]any) {
			if k < 16 {
				out = append(out, ghEvent{id: base + k, event: event, at: h.At, actor: h.AuthorID, extra: extra})
			}
			k++
		}
		label := func(event, name string) {
			add(event, map[string]any{"label": map[string]any{"name": name, "color": "ededed"}})
		}
		for _, it := range h.Items {
			switch it.Field {
			case FieldFixVersion:
				if it.From != "" {
					add("demilestoned", map[string]any{"milestone": map[string]any{"title": v.milestoneTitleAt(it.From, h.At)}})
				}
				if it.To != "" {
					add("milestoned", map[string]any{"milestone": map[string]any{"title": v.milestoneTitleAt(it.To, h.At)}})
				}
			case FieldStatus:
				from, to := o.statusCategory(it.FromStatus), o.statusCategory(it.ToStatus)
				switch {
				case from != CategoryDone && to == CategoryDone:
					add("closed", nil)
				case from == CategoryDone && to != CategoryDone:
					add("reopened", nil)
				case from == CategoryNew && to == CategoryIndeterminate && is.AssigneeID != "":
					add("assigned", map[string]any{"assignee": userJSON(v.base, v.g.userOf(is.AssigneeID)),
						"assigner": userJSON(v.base, v.g.userOf(h.AuthorID))})
				}
			case FieldSprint:
			case FieldPoints:
				switch {
				case it.ToString != "":
					label("labeled", "size: "+it.ToString)
				case it.FromString != "":
					label("unlabeled", "size: "+it.FromString)
				}
			case FieldRank:
				label("labeled", "ranked")
			default:
				label("labeled", strings.ToLower(it.Field))
			}
		}
	}
	return out
}

// pullEvents are a pull request's events at the clock: "labeled" a
// minute after it was opened, then "merged" and "closed" (or "closed"
// alone) when it was. Their ids are 9_000_000_000_000 + project index ×
// 1_000_000_000 + number × 16 + index: apart from every issue's.
func (v *ghView) pullEvents(p *GitHubPull) []ghEvent {
	base := 9_000_000_000_000 + int64(v.repo.idx)*1_000_000_000 + int64(p.Number)*16
	var out []ghEvent
	add := func(event string, at time.Time, extra map[string]any) {
		if !at.After(v.now) {
			out = append(out, ghEvent{id: base + int64(len(out)), event: event, at: at, actor: p.AuthorID, extra: extra})
		}
	}
	add("labeled", p.Created.Add(time.Minute), map[string]any{"label": map[string]any{"name": "review needed", "color": "fbca04"}})
	if p.Closed != nil {
		if p.Merged {
			sha := strconv.FormatInt(p.ID, 16)
			sha += strings.Repeat("0", 40-len(sha))
			add("merged", *p.Closed, map[string]any{"commit_id": sha, "commit_url": v.api + "/commits/" + sha})
		}
		add("closed", *p.Closed, nil)
	}
	return out
}

// eventJSON renders an event as "List issue events" does.
func (v *ghView) eventJSON(e ghEvent) map[string]any {
	out := map[string]any{
		"id": e.id, "node_id": ghNodeID(ghEventTypes[e.event], e.id), "url": v.api + "/issues/events/" + strconv.FormatInt(e.id, 10),
		"actor": userJSON(v.base, v.g.userOf(e.actor)), "event": e.event, "commit_id": nil, "commit_url": nil,
		"created_at": e.at.UTC().Format(ghTime), "performed_via_github_app": nil,
	}
	for k, x := range e.extra {
		out[k] = x
	}
	return out
}

// events serves List issue events (per_page, page; oldest first) of an
// issue or a pull request.
func (g *GitHub) events(w http.ResponseWriter, r *http.Request) {
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
	var evs []ghEvent
	if it.pr != nil {
		evs = v.pullEvents(it.pr)
	} else {
		evs = v.issueEvents(it.is)
	}
	writeGitHubList(g, w, r, v.repo, evs, func(e ghEvent) any { return v.eventJSON(e) })
}
