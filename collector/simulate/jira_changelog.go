package simulate

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The simulated Jira's changelogs: how the org's histories render as Jira
// changelog histories and items, the changelog of one issue, and Cloud's
// bulk changelog fetch.

// historyJSON renders a history. fieldIDs, when not nil, keeps only items of
// those field ids (nil result when none is left).
func (j *Jira) historyJSON(v view, h *History, fieldIDs map[string]bool) map[string]any {
	o := j.org
	items := []any{}
	add := func(field, fieldtype, fieldID string, from, fromS, to, toS any) {
		if fieldIDs != nil && !fieldIDs[fieldID] {
			return
		}
		it := map[string]any{"field": field, "fieldtype": fieldtype, "fieldId": fieldID,
			"from": from, "fromString": fromS, "to": to, "toString": toS}
		if v.dc {
			delete(it, "fieldId") // Data Center items name the field only
		}
		items = append(items, it)
	}
	hid, _ := strconv.ParseInt(h.ID, 10, 64)
	empty := func(s string) any {
		if s == "" && hid%5 == 0 { // Jira renders an empty Sprint value as "" or null: accept both
			return nil
		}
		return s
	}
	for _, it := range h.Items {
		switch it.Field {
		case FieldSprint:
			add("Sprint", "custom", SprintFieldID,
				empty(sprintIDsString(it.FromSprints)), empty(sprintNamesString(o, it.FromSprints)),
				empty(sprintIDsString(it.ToSprints)), empty(sprintNamesString(o, it.ToSprints)))
		case FieldStatus:
			fromDone := o.statusCategory(it.FromStatus) == CategoryDone
			toDone := o.statusCategory(it.ToStatus) == CategoryDone
			if !fromDone && toDone {
				add("resolution", "jira", "resolution", nil, nil, "10000", "Done")
			} else if fromDone && !toDone {
				add("resolution", "jira", "resolution", "10000", "Done", nil, nil)
			}
			add("status", "jira", "status", it.FromStatus, o.statusByID[it.FromStatus].Name,
				it.ToStatus, o.statusByID[it.ToStatus].Name)
		case FieldRank:
			add("Rank", "custom", RankFieldID, it.From, it.FromString, it.To, it.ToString)
		case FieldFixVersion:
			// One version per item, the other side null.
			from, fromS := j.versionRef(it.From)
			to, toS := j.versionRef(it.To)
			add("Fix Version", "jira", "fixVersions", from, fromS, to, toS)
		case FieldPoints:
			// Number fields keep their values in the strings, as Jira does.
			name := "Story point estimate"
			if v.dc {
				name = "Story Points"
			}
			add(name, "custom", StoryPointsFieldID, nil, it.FromString, nil, it.ToString)
		default:
			add(it.Field, "jira", it.Field, it.From, it.FromString, it.To, it.ToString)
		}
	}
	if fieldIDs != nil && len(items) == 0 {
		return nil
	}
	return map[string]any{"id": h.ID, "author": j.userJSON(v, h.AuthorID),
		"created": h.At.UTC().Format(jiraTime), "items": items}
}

// versionRef renders one side of a Fix Version item: the version's id and
// name, or null and null.
func (j *Jira) versionRef(id string) (any, any) {
	if id == "" {
		return nil, nil
	}
	name, ok := j.org.milestoneName(id)
	if !ok {
		name = id
	}
	return id, name
}

// sprintIDsString renders a Sprint field value as Jira's changelog does: "3, 4".
func sprintIDsString(ids []int) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(id)
	}
	return strings.Join(parts, ", ")
}

// sprintNamesString renders a Sprint field value by name ("Sprint 3,
// Sprint 4"), as the changelog's fromString/toString do; a sprint the org
// never had shows its id.
func sprintNamesString(o *Org, ids []int) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		if name, ok := o.sprintName(id); ok {
			parts[i] = name
		} else {
			parts[i] = strconv.Itoa(id)
		}
	}
	return strings.Join(parts, ", ")
}

func (j *Jira) changelog(w http.ResponseWriter, r *http.Request) {
	now := j.opts.Now()
	startAt, maxResults, ok := j.page(w, r, 100)
	if !ok {
		return
	}
	j.org.mu.RLock()
	defer j.org.mu.RUnlock()
	is := j.lookupIssue(w, r, now)
	if is == nil {
		return
	}
	hs := is.visibleHistories(now)
	lo, hi := window(len(hs), startAt, maxResults)
	v, base := viewOf(r), baseURL(r)
	vals := make([]any, 0, hi-lo)
	for i := lo; i < hi; i++ {
		vals = append(vals, j.historyJSON(v, &hs[i], nil))
	}
	self := fmt.Sprintf("%s%s%s/changelog?maxResults=%d&startAt=%d", base, PathIssue, is.Key, maxResults, startAt)
	resp := map[string]any{"self": self, "maxResults": maxResults, "startAt": startAt, "total": len(hs),
		"isLast": hi >= len(hs), "values": vals}
	if hi < len(hs) {
		resp["nextPage"] = fmt.Sprintf("%s%s%s/changelog?maxResults=%d&startAt=%d", base, PathIssue, is.Key, maxResults, hi)
	}
	writeJSON(w, http.StatusOK, resp)
}

// bulkFetch serves POST /rest/api/3/changelog/bulkfetch: histories of many
// issues, oldest first then by issue id, grouped per issue within a page.
func (j *Jira) bulkFetch(w http.ResponseWriter, r *http.Request) {
	var body struct {
		IssueIDsOrKeys []string `json:"issueIdsOrKeys"`
		FieldIDs       []string `json:"fieldIds"`
		MaxResults     int      `json:"maxResults"`
		NextPageToken  string   `json:"nextPageToken"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		jiraError(w, http.StatusBadRequest, "Invalid request payload. Refer to the REST API documentation and try again.")
		return
	}
	if len(body.IssueIDsOrKeys) == 0 || len(body.IssueIDsOrKeys) > 1000 {
		jiraError(w, http.StatusBadRequest, "issueIdsOrKeys must list between 1 and 1000 issues.")
		return
	}
	if len(body.FieldIDs) > 10 {
		jiraError(w, http.StatusBadRequest, "fieldIds can list at most 10 fields.")
		return
	}
	maxResults := j.opts.PageSize
	if body.MaxResults > 0 {
		maxResults = min(body.MaxResults, j.opts.PageSize)
	}
	var filter map[string]bool
	if len(body.FieldIDs) > 0 {
		filter = map[string]bool{}
		for _, f := range body.FieldIDs {
			filter[f] = true
		}
	}
	sig := strings.Join(body.IssueIDsOrKeys, ",") + "|" + strings.Join(body.FieldIDs, ",")
	offset := 0
	if body.NextPageToken != "" {
		var ok bool
		if offset, ok = offsetFromToken(body.NextPageToken, sig); !ok {
			jiraError(w, http.StatusBadRequest, "The provided next page token is invalid or expired.")
			return
		}
	}
	now := j.opts.Now()
	v := viewOf(r)
	j.org.mu.RLock()
	defer j.org.mu.RUnlock()
	type ref struct {
		is *Issue
		h  map[string]any
		at time.Time
	}
	var refs []ref
	seen := map[string]bool{}
	for _, k := range body.IssueIDsOrKeys {
		is := j.org.issueByKey[k]
		if is == nil || is.Created.After(now) || seen[is.ID] {
			continue
		}
		seen[is.ID] = true
		hs := is.visibleHistories(now)
		for i := range hs {
			if h := j.historyJSON(v, &hs[i], filter); h != nil {
				refs = append(refs, ref{is, h, hs[i].At})
			}
		}
	}
	sort.SliceStable(refs, func(a, b int) bool {
		if c := refs[a].at.Compare(refs[b].at); c != 0 {
			return c < 0
		}
		return compareIDs(refs[a].is.ID, refs[b].is.ID) < 0
	})
	lo, hi := window(len(refs), offset, maxResults)
	logs := []any{}
	var cur map[string]any
	for _, rf := range refs[lo:hi] {
		if cur == nil || cur["issueId"] != rf.is.ID {
			cur = map[string]any{"issueId": rf.is.ID, "changeHistories": []any{}}
			logs = append(logs, cur)
		}
		cur["changeHistories"] = append(cur["changeHistories"].([]any), rf.h)
	}
	resp := map[string]any{"issueChangeLogs": logs}
	if hi < len(refs) {
		resp["nextPageToken"] = tokenFor(hi, sig)
	}
	writeJSON(w, http.StatusOK, resp)
}
