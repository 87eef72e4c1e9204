package jira

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/httpx"
)

// fakeJira is an httptest Jira Cloud speaking the documented shapes of the
// endpoints the collector uses: offset paging (startAt/maxResults/isLast)
// with a server-side page cap, nextPageToken search paging, embedded
// changelogs newest first and capped, Basic auth, and one-shot injected
// responses (errors, malformed bodies).
type fakeJira struct {
	mu        sync.Mutex
	pageSize  int // server cap for every paged endpoint
	embed     int // histories embedded in a search result
	boards    []map[string]any
	sprints   map[int64][]map[string]any
	noSprints map[int64]bool // boards answering 400 on /sprint
	issues    []*fakeIssue
	next      map[string][]fakeResp // path -> one-shot responses
	requests  []string              // "path?query" per request
	jqls      []string
	timeZone  string // the API user's profile time zone
}

type fakeIssue struct {
	id, key, project, status string
	created, updated         time.Time
	sprints                  []int
	histories                []map[string]any // oldest first
}

type fakeResp struct {
	code int
	hdr  map[string]string
	body string
}

const fakeUser, fakeToken = "bot@acme.com", "s3cret"

// Cloud endpoint paths, as fakeJira serves them.
var (
	pathFields   = restCloud + "/field"
	pathStatuses = restCloud + "/status"
	pathMyself   = restCloud + "/myself"
	pathSearch   = client{}.pathSearch()
)

func newFakeJira() *fakeJira {
	return &fakeJira{timeZone: "Etc/UTC", pageSize: 2, embed: 2, sprints: map[int64][]map[string]any{},
		noSprints: map[int64]bool{}, next: map[string][]fakeResp{}}
}

func (f *fakeJira) inject(path string, r fakeResp) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next[path] = append(f.next[path], r)
}

func (f *fakeJira) requestLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

func (f *fakeJira) countPath(path string) int {
	n := 0
	for _, r := range f.requestLog() {
		if p, _, _ := strings.Cut(r, "?"); p == path {
			n++
		}
	}
	return n
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeJira) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.URL.Path+"?"+r.URL.RawQuery)
	if u, p, ok := r.BasicAuth(); !ok || u != fakeUser || p != fakeToken {
		w.WriteHeader(http.StatusUnauthorized)
		writeJSON(w, map[string]any{"errorMessages": []string{"You are not authenticated."}})
		return
	}
	if rs := f.next[r.URL.Path]; len(rs) > 0 {
		f.next[r.URL.Path] = rs[1:]
		for k, v := range rs[0].hdr {
			w.Header().Set(k, v)
		}
		w.WriteHeader(rs[0].code)
		_, _ = w.Write([]byte(rs[0].body))
		return
	}
	q := r.URL.Query()
	switch p := r.URL.Path; {
	case p == pathFields:
		writeJSON(w, []map[string]any{
			{"id": "summary", "key": "summary", "name": "Summary", "custom": false, "schema": map[string]any{"type": "string", "system": "summary"}},
			{"id": "customfield_10020", "key": "customfield_10020", "name": "Sprint", "custom": true,
				"schema": map[string]any{"type": "array", "items": "json", "custom": sprintSchema, "customId": 10020}},
			{"id": "customfield_10016", "key": "customfield_10016", "name": "Story point estimate", "custom": true,
				"schema": map[string]any{"type": "number", "custom": pointsSchema, "customId": 10016}},
		})
	case p == pathStatuses:
		var out []map[string]any
		for _, s := range testStatuses {
			out = append(out, map[string]any{"id": s.ID, "name": s.Name, "untranslatedName": s.Name,
				"statusCategory": map[string]any{"id": 2, "key": s.StatusCategory.Key, "colorName": "blue-gray", "name": "x"}})
		}
		writeJSON(w, out)
	case p == pathMyself:
		writeJSON(w, map[string]any{"accountId": "712020:bot", "accountType": "atlassian", "emailAddress": fakeUser,
			"displayName": "Runway bot", "active": true, "timeZone": f.timeZone, "locale": "en_US"})
	case p == pathBoards:
		f.offsetPage(w, q, f.boards)
	case strings.HasPrefix(p, pathBoards+"/") && strings.HasSuffix(p, "/sprint"):
		id, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(p, pathBoards+"/"), "/sprint"), 10, 64)
		if f.noSprints[id] {
			w.WriteHeader(http.StatusBadRequest)
			writeJSON(w, map[string]any{"errorMessages": []string{"The board does not support sprints"}})
			return
		}
		f.offsetPage(w, q, f.sprints[id])
	case p == pathSearch:
		f.search(w, q)
	case strings.HasPrefix(p, "/rest/api/3/issue/") && strings.HasSuffix(p, "/changelog"):
		key := strings.TrimSuffix(strings.TrimPrefix(p, "/rest/api/3/issue/"), "/changelog")
		for _, is := range f.issues {
			if is.key == key {
				f.offsetPage(w, q, is.histories)
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
		writeJSON(w, map[string]any{"errorMessages": []string{"Issue does not exist or you do not have permission to see it."}})
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeJira) offsetPage(w http.ResponseWriter, q map[string][]string, all []map[string]any) {
	start, _ := strconv.Atoi(first(q["startAt"]))
	size, _ := strconv.Atoi(first(q["maxResults"]))
	if size <= 0 || size > f.pageSize {
		size = f.pageSize
	}
	start = min(start, len(all))
	end := min(start+size, len(all))
	vals := all[start:end]
	if vals == nil {
		vals = []map[string]any{}
	}
	writeJSON(w, map[string]any{"maxResults": size, "startAt": start, "total": len(all),
		"isLast": end >= len(all), "values": vals})
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

var (
	jqlUpdated  = regexp.MustCompile(`updated >= "([^"]+)"`)
	jqlProjects = regexp.MustCompile(`project in \(([^)]*)\)`)
)

func (f *fakeJira) search(w http.ResponseWriter, q map[string][]string) {
	jql := first(q["jql"])
	if first(q["nextPageToken"]) == "" {
		f.jqls = append(f.jqls, jql)
	}
	m := jqlUpdated.FindStringSubmatch(jql)
	if m == nil {
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, map[string]any{"errorMessages": []string{"Unbounded JQL queries are not allowed here."}})
		return
	}
	since, err := time.Parse("2006-01-02 15:04", m[1])
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, map[string]any{"errorMessages": []string{"Date value '" + m[1] + "' for field 'updated' is invalid."}})
		return
	}
	var projects []string
	if pm := jqlProjects.FindStringSubmatch(jql); pm != nil {
		for p := range strings.SplitSeq(pm[1], ",") {
			projects = append(projects, strings.Trim(strings.TrimSpace(p), `"`))
		}
	}
	var hits []*fakeIssue
	for _, is := range f.issues {
		if !is.updated.Before(since) && (projects == nil || slices.Contains(projects, is.project)) {
			hits = append(hits, is)
		}
	}
	slices.SortStableFunc(hits, func(a, b *fakeIssue) int { return a.updated.Compare(b.updated) })
	start := 0
	if tok := first(q["nextPageToken"]); tok != "" {
		start, _ = strconv.Atoi(strings.TrimPrefix(tok, "tok-"))
	}
	size, _ := strconv.Atoi(first(q["maxResults"]))
	if size <= 0 || size > f.pageSize {
		size = f.pageSize
	}
	end := min(start+size, len(hits))
	out := []map[string]any{}
	for _, is := range hits[start:end] {
		out = append(out, f.render(is, strings.Split(first(q["fields"]), ",")))
	}
	resp := map[string]any{"issues": out, "isLast": end >= len(hits)}
	if end < len(hits) {
		resp["nextPageToken"] = "tok-" + strconv.Itoa(end)
	}
	writeJSON(w, resp)
}

func (f *fakeJira) render(is *fakeIssue, fields []string) map[string]any {
	st := testMapper().statuses[is.status]
	var sprints []map[string]any
	for _, id := range is.sprints {
		sprints = append(sprints, map[string]any{"id": id, "name": fmt.Sprintf("Sprint %d", id), "state": "active", "boardId": 1})
	}
	all := map[string]any{
		"summary":           "Issue " + is.key,
		"status":            map[string]any{"id": st.ID, "name": st.Name, "statusCategory": map[string]any{"key": st.StatusCategory.Key}},
		"issuetype":         map[string]any{"name": "Story", "hierarchyLevel": 0},
		"project":           map[string]any{"key": is.project},
		"created":           is.created.Format("2006-01-02T15:04:05.000-0700"),
		"updated":           is.updated.Format("2006-01-02T15:04:05.000-0700"),
		"resolutiondate":    nil,
		"assignee":          nil,
		"labels":            []string{},
		"customfield_10020": sprints,
		"customfield_10016": 2,
		"description":       "not requested",
	}
	fs := map[string]any{}
	for _, name := range fields {
		if v, ok := all[name]; ok {
			fs[name] = v
		}
	}
	var embedded []map[string]any
	for i := len(is.histories) - 1; i >= 0 && len(embedded) < f.embed; i-- {
		embedded = append(embedded, is.histories[i])
	}
	return map[string]any{"id": is.id, "key": is.key, "self": "https://acme.atlassian.net/rest/api/3/issue/" + is.id,
		"fields": fs, "changelog": map[string]any{"startAt": 0, "maxResults": f.embed, "total": len(is.histories), "histories": embedded}}
}

func fakeHistory(id int, at time.Time, items ...map[string]any) map[string]any {
	return map[string]any{"id": strconv.Itoa(id), "author": map[string]any{"accountId": "5b10a", "displayName": "Ann"},
		"created": at.Format("2006-01-02T15:04:05.000-0700"), "items": items}
}

func fakeSprintItem(from, to string) map[string]any {
	return map[string]any{"field": "Sprint", "fieldtype": "custom", "fieldId": "customfield_10020",
		"from": from, "fromString": "x", "to": to, "toString": "y"}
}

func fakeStatusItem(from, to string) map[string]any {
	return map[string]any{"field": "status", "fieldtype": "jira", "fieldId": "status",
		"from": from, "fromString": testMapper().statuses[from].Name, "to": to, "toString": testMapper().statuses[to].Name}
}

// harness is a Jira source built the way the runner builds it: by the
// registered factory (SourceType.New), whose HTTP client comes from
// collector.HTTPBuilder with the test server as base URL and transport. The
// source picks its own auth: Cloud (Basic fakeUser:fakeToken) unless cfg
// has a token and no e-mail (Data Center, Bearer).
type harness struct {
	src    *source
	stats  *httpx.Stats
	mu     sync.Mutex
	sleeps []time.Duration
}

func newHarness(t *testing.T, h http.Handler, cfg config.Source, now time.Time) *harness {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	hs := &harness{stats: &httpx.Stats{}}
	if cfg.Name == "" {
		cfg.Name = "acme-jira"
	}
	cfg.Type, cfg.BaseURL = Type, srv.URL
	var jc Config
	if c, ok := cfg.Settings.(*Config); ok && c != nil {
		jc = *c
	}
	switch {
	case jc.Email == "" && cfg.Token == "":
		jc.Email, cfg.Token = fakeUser, fakeToken
	case cfg.Token == "":
		cfg.Token = fakeToken
	}
	cfg.Settings = &jc
	deps := collector.Deps{
		NewHTTP: collector.HTTPBuilder(httpx.Options{
			Source: cfg.Name, BaseURL: cfg.BaseURL, HTTPClient: srv.Client(), Stats: hs.stats, MaxRetries: 3,
			Sleep: func(ctx context.Context, d time.Duration) error {
				hs.mu.Lock()
				defer hs.mu.Unlock()
				hs.sleeps = append(hs.sleeps, d)
				return ctx.Err()
			},
		}),
		Now: func() time.Time { return now },
	}
	s, err := SourceType.New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	hs.src = s.(*source)
	return hs
}

// jiraSource is a source config with Jira settings, for newHarness.
func jiraSource(c Config) config.Source { return config.Source{Settings: &c} }

func sortedBy[T any, K cmp.Ordered](xs []T, key func(T) K) []T {
	out := slices.Clone(xs)
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
	return out
}
