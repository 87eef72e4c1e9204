package simulate

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// The simulated Zendesk's other endpoints: the time-based incremental
// ticket metric events export, SLA policies and groups.

// metricEventsPage serves the incremental ticket metric events export
// ("Ticket Metric Events", time-based): every event at or after
// start_time and at or before the cutoff (clock − 60 s; a later
// start_time answers 422), in time order, ties by id. A page holds
// PageSize events but never splits a second (it may hold more). Its
// end_time is the second of its last event and next_page asks for
// start_time=end_time, so the next page repeats that second's events, as
// Zendesk's time-based exports repeat items: a client drops the ids it
// has (when a whole page is one second, end_time is the second after).
// The last page (end_of_stream) has end_time = the cutoff.
func (z *Zendesk) metricEventsPage(w http.ResponseWriter, r *http.Request) {
	if z.overLimit(w, "ticket_metric_events") {
		return
	}
	cutoff := z.now().Add(-time.Minute)
	start, ok := startTime(w, r, cutoff)
	if !ok {
		return
	}
	z.desk.mu.RLock()
	all := z.snapshot(z.now()).events
	z.desk.mu.RUnlock()
	i := slices.IndexFunc(all, func(e metricEvent) bool { return e.at.Unix() >= start })
	if i < 0 {
		i = len(all)
	}
	sel := all[i:]
	n := min(z.opts.PageSize, len(sel))
	for n > 0 && n < len(sel) && sel[n].at.Unix() == sel[n-1].at.Unix() {
		n++
	}
	end := n == len(sel)
	endTime := cutoff.Unix()
	if !end {
		if endTime = sel[n-1].at.Unix(); endTime == start {
			endTime++
		}
	}
	events := make([]any, 0, n)
	for _, e := range sel[:n] {
		events = append(events, metricEventJSON(e))
	}
	writeJSON(w, http.StatusOK, map[string]any{"ticket_metric_events": events,
		"next_page": nextURL(r, "start_time", strconv.FormatInt(endTime, 10)),
		"count":     n, "end_of_stream": end, "end_time": endTime})
}

// metricEventJSON renders a metric event: apply_sla with its sla, breach
// with deleted, update_status with status ("Ticket metric event types
// reference").
func metricEventJSON(e metricEvent) map[string]any {
	out := map[string]any{"id": e.id, "ticket_id": e.ticketID, "metric": e.metric, "instance_id": e.instance,
		"type": e.typ, "time": zdTime(e.at)}
	switch e.typ {
	case "apply_sla":
		out["sla"] = map[string]any{"target": e.target.Target, "target_in_seconds": e.target.Target * 60,
			"business_hours": e.target.BusinessHours,
			"policy":         map[string]any{"id": e.policy.ID, "title": e.policy.Title, "description": e.policy.Description}}
	case "breach":
		out["deleted"] = false
	case "update_status":
		out["status"] = map[string]any{"calendar": e.status.Calendar, "business": e.status.Business}
	}
	return out
}

// slaPolicies serves List SLA Policies: every policy created by the
// clock, in position order, in one page.
func (z *Zendesk) slaPolicies(w http.ResponseWriter, r *http.Request) {
	now, base := z.now(), baseURL(r)
	z.desk.mu.RLock()
	defer z.desk.mu.RUnlock()
	list := []any{}
	for _, p := range z.desk.Policies {
		if p.Created.After(now) {
			continue
		}
		conds := func(cs []SLACondition) []any {
			out := []any{}
			for _, c := range cs {
				out = append(out, map[string]any{"field": c.Field, "operator": c.Operator, "value": c.Value})
			}
			return out
		}
		metrics := []any{}
		for _, m := range p.Metrics {
			metrics = append(metrics, map[string]any{"priority": m.Priority, "metric": m.Metric, "target": m.Target,
				"business_hours": m.BusinessHours})
		}
		list = append(list, map[string]any{"url": base + "/api/v2/slas/policies/" + strconv.FormatInt(p.ID, 10) + ".json",
			"id": p.ID, "title": p.Title, "description": p.Description, "position": p.Position,
			"filter": map[string]any{"all": conds(p.Filter.All), "any": conds(p.Filter.Any)}, "policy_metrics": metrics,
			"created_at": zdTime(p.Created), "updated_at": zdTime(p.Created)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"sla_policies": list, "next_page": nil, "previous_page": nil, "count": len(list)})
}

// groupCursor is a groups page cursor: base64 of {"o":"id","v":id}.
func groupCursor(id int64) string {
	b, _ := json.Marshal(map[string]any{"o": "id", "v": id})
	return base64.StdEncoding.EncodeToString(b)
}

func decodeGroupCursor(c string) (int64, bool) {
	b, err := base64.StdEncoding.DecodeString(c)
	var v struct {
		O string `json:"o"`
		V int64  `json:"v"`
	}
	if err != nil || json.Unmarshal(b, &v) != nil || v.O != "id" {
		return 0, false
	}
	return v.V, true
}

// groups serves List Groups, by id: with page[size] (at most 100),
// cursor pagination ("Pagination": page[after], page[before]; meta
// has_more, after_cursor, before_cursor; links next and prev, null when
// there is no such page); without, offset pagination (per_page, at most
// 100, default 100; page; next_page, previous_page, count).
func (z *Zendesk) groups(w http.ResponseWriter, r *http.Request) {
	q, now, base := r.URL.Query(), z.now(), baseURL(r)
	z.desk.mu.RLock()
	var gs []SupportGroup
	for _, g := range z.desk.Groups {
		if !g.Created.After(now) {
			gs = append(gs, g)
		}
	}
	z.desk.mu.RUnlock()
	slices.SortFunc(gs, func(a, b SupportGroup) int { return cmpInt64(a.ID, b.ID) })
	render := func(sel []SupportGroup) []any {
		out := make([]any, 0, len(sel))
		for _, g := range sel {
			out = append(out, map[string]any{"url": base + "/api/v2/groups/" + strconv.FormatInt(g.ID, 10) + ".json",
				"id": g.ID, "is_public": true, "name": g.Name, "description": g.Description, "default": g.Default,
				"deleted": false, "created_at": zdTime(g.Created), "updated_at": zdTime(g.Created)})
		}
		return out
	}
	path := base + r.URL.EscapedPath()
	if !q.Has("page[size]") {
		perPage, page := 100, 1
		if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
			perPage = min(n, 100)
		}
		if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
			page = n
		}
		lo := min((page-1)*perPage, len(gs))
		hi := min(lo+perPage, len(gs))
		link := func(p int) string { return path + "?page=" + strconv.Itoa(p) + "&per_page=" + strconv.Itoa(perPage) }
		var next, prev any
		if hi < len(gs) {
			next = link(page + 1)
		}
		if page > 1 {
			prev = link(page - 1)
		}
		writeJSON(w, http.StatusOK, map[string]any{"groups": render(gs[lo:hi]), "next_page": next, "previous_page": prev, "count": len(gs)})
		return
	}
	size, err := strconv.Atoi(q.Get("page[size]"))
	if err != nil || size < 1 {
		zendeskError(w, http.StatusBadRequest, "InvalidPaginationParameter", "page[size] must be a positive integer")
		return
	}
	size = min(size, 100)
	lo, hi := 0, min(size, len(gs))
	after, before := q.Get("page[after]"), q.Get("page[before]")
	if c := after + before; c != "" {
		id, ok := decodeGroupCursor(c)
		if !ok || after != "" && before != "" {
			zendeskError(w, http.StatusBadRequest, "InvalidPaginationParameter", "Invalid cursor")
			return
		}
		i, _ := slices.BinarySearchFunc(gs, id, func(g SupportGroup, id int64) int { return cmpInt64(g.ID, id) })
		if after != "" {
			if i < len(gs) && gs[i].ID == id {
				i++
			}
			lo, hi = i, min(i+size, len(gs))
		} else {
			lo, hi = max(i-size, 0), i
		}
	}
	meta := map[string]any{"has_more": hi < len(gs), "after_cursor": nil, "before_cursor": nil}
	links := map[string]any{"next": nil, "prev": nil}
	link := func(dir, c string) string {
		return path + "?page[size]=" + strconv.Itoa(size) + "&page[" + dir + "]=" + url.QueryEscape(c)
	}
	if before != "" {
		meta["has_more"] = lo > 0
	}
	if hi > lo {
		first, last := groupCursor(gs[lo].ID), groupCursor(gs[hi-1].ID)
		meta["after_cursor"], meta["before_cursor"] = last, first
		if hi < len(gs) {
			links["next"] = link("after", last)
		}
		if lo > 0 {
			links["prev"] = link("before", first)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"groups": render(gs[lo:hi]), "meta": meta, "links": links})
}
