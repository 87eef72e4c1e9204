package simulate

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The cursor-based incremental ticket export ("Incremental Exports",
// "Using the Incremental Exports API"): GET PathZendeskTicketExport with
// start_time (unix seconds: tickets updated at or after it) on the first
// request, cursor (after_cursor) on every later one; per_page (at most
// PageSize), exclude_deleted=true and include=metric_sets.
//
// Tickets come in (updated_at, id) order, each as it is now (a deleted
// one with status "deleted"), none updated in the last minute: the
// export ends at the cutoff, the site clock − 60 s. A start_time after
// the cutoff answers 422 "Too recent start_time". The cursor is opaque
// to clients; here it is base64 of "{unix seconds}.0||{ticket id}|" (the
// shape of Zendesk's own), the position after which the next request
// resumes: the last ticket of the page, or at the end of the stream the
// cutoff (with the highest ticket id), never later than the cutoff. So a
// request with a saved cursor returns exactly the tickets updated since.
// A page without tickets has after_cursor and after_url null: keep the
// cursor you have. after_url repeats the request's other parameters.
// An expired cursor (ExpireCursorNext, ZendeskOptions.ExpireCursor) or
// one that does not decode answers 400 {"error":
// "InvalidPaginationParameter"}: restart from a start_time. (Zendesk
// does not document this answer; it is what clients report.)
//
// include=metric_sets sideloads "metric_sets", one per ticket of the
// page but deleted ones, keyed by ticket_id ("Ticket Metrics"; values
// from the truth, zendesk_truth.go).

// Ids of the objects tickets and metric sets refer to.
const (
	zdMetricSetBase = 410_000_000_000 // + ticket id
	zdTicketFormID  = 360_000_400_001
	zdBrandID       = 360_000_500_001
)

// zdCustomStatus is the custom status id of each status (closed shows the
// solved one's; a deleted ticket has none).
var zdCustomStatus = map[string]any{TicketNew: 360_000_300_001, TicketOpen: 360_000_300_002,
	TicketPending: 360_000_300_003, TicketHold: 360_000_300_004, TicketSolved: 360_000_300_005,
	TicketClosed: 360_000_300_005, TicketDeleted: nil}

// zdPos is a position in the export order.
type zdPos struct{ ts, id int64 }

func (p zdPos) before(ts, id int64) bool { return ts > p.ts || ts == p.ts && id > p.id }

// EncodeZendeskCursor is the export cursor of the position after the
// ticket with id updated at updated (whole seconds).
func EncodeZendeskCursor(updated time.Time, id int64) string {
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "%d.0||%d|", updated.Unix(), id))
}

func decodeCursor(c string) (zdPos, bool) {
	b, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return zdPos{}, false
	}
	ts, rest, ok := strings.Cut(string(b), ".0||")
	idText, ok2 := strings.CutSuffix(rest, "|")
	t, err1 := strconv.ParseInt(ts, 10, 64)
	id, err2 := strconv.ParseInt(idText, 10, 64)
	return zdPos{t, id}, ok && ok2 && err1 == nil && err2 == nil
}

// startTime reads start_time, which must be at or before cutoff; when
// it is not, it answers the request and ok is false.
func startTime(w http.ResponseWriter, r *http.Request, cutoff time.Time) (n int64, ok bool) {
	v := r.URL.Query().Get("start_time")
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case v == "":
		zendeskError(w, http.StatusBadRequest, "InvalidValue", "start_time is required")
	case err != nil || n < 0:
		zendeskError(w, http.StatusBadRequest, "InvalidValue", "start_time must be a unix timestamp")
	case n > cutoff.Unix():
		zendeskError(w, http.StatusUnprocessableEntity, "InvalidValue", "Too recent start_time. Use a start_time older than 1 minute")
	default:
		return n, true
	}
	return 0, false
}

// nextURL is the request's URL (absolute) with key=value first and the
// other parameters but start_time and cursor kept in their order.
func nextURL(r *http.Request, key, value string) string {
	keep := []string{key + "=" + url.QueryEscape(value)}
	for _, kv := range strings.Split(r.URL.RawQuery, "&") {
		if k, _, _ := strings.Cut(kv, "="); kv != "" && k != "start_time" && k != "cursor" {
			keep = append(keep, kv)
		}
	}
	return baseURL(r) + r.URL.EscapedPath() + "?" + strings.Join(keep, "&")
}

func (z *Zendesk) cursorExpired(c string) bool {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.expire > 0 {
		z.expire--
		return true
	}
	return z.opts.ExpireCursor != nil && z.opts.ExpireCursor(c)
}

func (z *Zendesk) ticketExport(w http.ResponseWriter, r *http.Request) {
	if z.overLimit(w, "tickets") {
		return
	}
	q := r.URL.Query()
	now := z.now()
	cutoff := now.Add(-time.Minute)
	var after zdPos
	if c := q.Get("cursor"); c != "" {
		p, ok := decodeCursor(c)
		if z.cursorExpired(c) || !ok {
			zendeskError(w, http.StatusBadRequest, "InvalidPaginationParameter", "The cursor is invalid or has expired")
			return
		}
		after = p
	} else {
		start, ok := startTime(w, r, cutoff)
		if !ok {
			return
		}
		after = zdPos{start - 1, math.MaxInt64}
	}
	perPage := z.opts.PageSize
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		perPage = min(n, perPage)
	}
	z.desk.mu.RLock()
	defer z.desk.mu.RUnlock()
	snap := z.snapshot(now)
	page, end := snap.exportPage(after, cutoff, perPage, q.Get("exclude_deleted") == "true")
	base := baseURL(r)
	include := containsFold(strings.Split(q.Get("include"), ","), "metric_sets")
	tickets, sets := make([]any, 0, len(page)), make([]any, 0, len(page))
	for _, x := range page {
		tickets = append(tickets, ticketJSON(base, x.tk, x.s))
		if include && x.s.status != TicketDeleted {
			tt, _ := z.desk.ticketTruth(x.tk, now)
			sets = append(sets, metricSetJSON(base, x.tk, tt, now))
		}
	}
	body := map[string]any{"tickets": tickets, "after_url": nil, "after_cursor": nil,
		"before_url": nil, "before_cursor": nil, "end_of_stream": end}
	if len(page) > 0 {
		last := page[len(page)-1]
		c := EncodeZendeskCursor(last.s.updated, last.tk.ID)
		if end {
			c = EncodeZendeskCursor(cutoff, snap.maxID)
		}
		body["after_cursor"], body["after_url"] = c, nextURL(r, "cursor", c)
	}
	if include {
		body["metric_sets"] = sets
	}
	writeJSON(w, http.StatusOK, body)
}

// ticketJSON renders a ticket as it is (s) in the export's shape.
func ticketJSON(base string, tk *Ticket, s ticketState) map[string]any {
	var typ any
	if tk.Type != "" {
		typ = tk.Type
	}
	none := []int64{}
	return map[string]any{
		"url": base + "/api/v2/tickets/" + strconv.FormatInt(tk.ID, 10) + ".json", "id": tk.ID, "external_id": nil,
		"via":        map[string]any{"channel": tk.Channel, "source": map[string]any{"from": map[string]any{}, "to": map[string]any{}, "rel": nil}},
		"created_at": zdTime(s.created), "updated_at": zdTime(s.updated), "generated_timestamp": s.updated.Unix(),
		"type": typ, "subject": tk.Subject, "raw_subject": tk.Subject, "description": tk.Description,
		"priority": s.priority, "status": s.status, "recipient": nil,
		"requester_id": zdIDOrNil(tk.RequesterID), "submitter_id": zdIDOrNil(tk.RequesterID),
		"assignee_id": zdIDOrNil(tk.AssigneeID), "organization_id": zdIDOrNil(tk.OrganizationID), "group_id": s.groupID,
		"collaborator_ids": none, "follower_ids": none, "email_cc_ids": none, "forum_topic_id": nil, "problem_id": nil,
		"has_incidents": false, "is_public": true, "due_at": nil, "tags": append([]string{}, s.tags...),
		"custom_fields": []any{}, "fields": []any{}, "satisfaction_rating": map[string]any{"score": "unoffered"},
		"sharing_agreement_ids": none, "custom_status_id": zdCustomStatus[s.status], "followup_ids": none,
		"ticket_form_id": zdTicketFormID, "brand_id": zdBrandID,
		"allow_channelback": false, "allow_attachments": true, "from_messaging_channel": false,
	}
}

// metricSetJSON renders a ticket's metric set ("Ticket Metrics") as of
// now: the truth's figures (null until they exist), the times in the
// pending and hold statuses once resolved, and when things last happened.
func metricSetJSON(base string, tk *Ticket, tt TicketTruth, now time.Time) map[string]any {
	mins := func(m *DeskMinutes) map[string]any {
		if m == nil {
			return map[string]any{"calendar": nil, "business": nil}
		}
		return map[string]any{"calendar": m.Calendar, "business": m.Business}
	}
	var agentWait, onHold *DeskMinutes
	if tt.FullResolution != nil {
		agentWait, onHold = ptr(tk.statusTime(now, TicketPending)), ptr(tk.statusTime(now, TicketHold))
	}
	var firstReply, statusAt, commentAt, agentAt, requesterAt time.Time
	groups := map[int64]bool{}
	for i, e := range tk.Events {
		if e.At.After(now) {
			break
		}
		if e.GroupID != 0 {
			groups[e.GroupID] = true
		}
		if i == 0 || e.Status != "" || e.MergedInto != 0 {
			statusAt = e.At
		}
		comment := e.Status == "" && e.Priority == "" && e.GroupID == 0 && e.MergedInto == 0 && len(e.AddTags)+len(e.RemoveTags) == 0
		if i == 0 || e.Reply || comment {
			commentAt = e.At
		}
		if e.Reply && firstReply.IsZero() {
			firstReply = e.At
		}
		if e.Reply {
			agentAt = e.At
		} else if i == 0 || comment {
			requesterAt = e.At
		}
	}
	var replySeconds any
	if !firstReply.IsZero() {
		replySeconds = int64(firstReply.Sub(tt.Created) / time.Second)
	}
	var assigned, stations any = nil, 0
	if tk.AssigneeID != 0 {
		assigned, stations = zdTime(tt.Created), 1
	}
	id := zdMetricSetBase + tk.ID
	return map[string]any{
		"url": base + "/api/v2/ticket_metrics/" + strconv.FormatInt(id, 10) + ".json", "id": id, "ticket_id": tk.ID,
		"created_at": zdTime(tt.Created), "updated_at": zdTime(tt.Updated),
		"group_stations": len(groups), "assignee_stations": stations, "reopens": tt.Reopens, "replies": tt.Replies,
		"assignee_updated_at": zdTimeOrNil(agentAt), "requester_updated_at": zdTimeOrNil(requesterAt),
		"status_updated_at": zdTime(statusAt), "custom_status_updated_at": zdTime(statusAt),
		"initially_assigned_at": assigned, "assigned_at": assigned, "solved_at": zdTimeOrNil(tt.SolvedAt),
		"latest_comment_added_at": zdTime(commentAt),
		"reply_time_in_minutes":   mins(tt.FirstReply), "reply_time_in_seconds": map[string]any{"calendar": replySeconds},
		"first_resolution_time_in_minutes": mins(tt.FirstResolution), "full_resolution_time_in_minutes": mins(tt.FullResolution),
		"requester_wait_time_in_minutes": mins(tt.RequesterWait), "agent_wait_time_in_minutes": mins(agentWait),
		"on_hold_time_in_minutes": mins(onHold),
	}
}
