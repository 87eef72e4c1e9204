package simulate

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Default credentials when JiraOptions leaves Email and Token empty.
const (
	DefaultEmail = "bot@example.com"
	DefaultToken = "simulated-jira-token"
)

// Paths of the simulated endpoints.
const (
	PathField     = "/rest/api/3/field"
	PathStatus    = "/rest/api/3/status"
	PathMyself    = "/rest/api/3/myself"
	PathServer    = "/rest/api/3/serverInfo"
	PathProject   = "/rest/api/3/project"
	PathSearch    = "/rest/api/3/search/jql"
	PathIssue     = "/rest/api/3/issue/" // + {keyOrId}[/changelog]
	PathBulkFetch = "/rest/api/3/changelog/bulkfetch"
	PathBoard     = "/rest/agile/1.0/board"   // [/{id}[/sprint]]
	PathSprint    = "/rest/agile/1.0/sprint/" // + {id}

	// Jira Data Center (and Server): REST v2, with search paged by startAt
	// and the whole changelog on GET issue. Agile 1.0 is Cloud's.
	PathFieldDC  = "/rest/api/2/field"
	PathStatusDC = "/rest/api/2/status"
	PathMyselfDC = "/rest/api/2/myself"
	PathSearchDC = "/rest/api/2/search"
	PathIssueDC  = "/rest/api/2/issue/" // + {keyOrId}
)

const (
	agileTime = "2006-01-02T15:04:05.000Z"
	jiraTime  = "2006-01-02T15:04:05.000-0700"
)

// JiraOptions configures a simulated Jira site. It serves both flavours:
// Cloud (REST v3) and Data Center (REST v2, the Path*DC endpoints).
type JiraOptions struct {
	// Email and Token are the Basic-auth credentials every request needs
	// (DefaultEmail/DefaultToken when both are empty).
	Email, Token string
	// BearerToken, when set, is also accepted as "Authorization: Bearer",
	// as Jira Data Center personal access tokens are.
	BearerToken string
	// PageSize caps every maxResults and is the default page size. Default 50.
	PageSize int
	// ChangelogEmbedLimit is how many histories (the newest) search results
	// and Cloud's GET issue embed with expand=changelog. Default
	// DefaultChangelogEmbedLimit. Data
	// Center's GET issue embeds them all.
	ChangelogEmbedLimit int
	// Now is the site's clock: issues created after it, histories after it
	// and sprint transitions after it are not visible yet. Default: the
	// org's Now (a site frozen at the moment the org was generated).
	Now func() time.Time
	// TimeZone is the API user's profile time zone (IANA), which /myself
	// reports and in which Jira reads JQL dates. Default "Etc/UTC".
	TimeZone string
	// RateLimit, when > 0, answers 429 (Retry-After) once more than
	// RateLimit requests arrive within one RateWindow (wall clock).
	RateLimit int
	// RateWindow is the rate-limit window. Default one minute.
	RateWindow time.Duration
}

// Jira is a simulated Jira site (Cloud and Data Center) serving an Org. It
// is an http.Handler and safe for concurrent use.
type Jira struct {
	org  *Org
	opts JiraOptions
	loc  *time.Location // opts.TimeZone
	// faults wraps the site's routes: request counts, the rate limit,
	// auth and injected faults.
	faults *Faults

	mu       sync.Mutex
	jqls     []string
	searches int // search requests arrived, for OnSearch
	onSearch []searchHook
	// cache holds the last search's sorted hits, so paging through a
	// large org does not re-filter and re-sort it for every page.
	cacheKey  string
	cacheHits []searchHit
	// visible holds every visible issue by updated time, then id (the
	// collector's order), under visibleKey: a search that starts over
	// from a later update (keyset paging) only filters it.
	visibleKey string
	visible    []searchHit
}

type searchHit struct {
	is      *Issue
	updated time.Time
}

type searchHook struct {
	n  int // fires when the n-th search request arrives
	fn func()
}

// DefaultChangelogEmbedLimit is how many histories a search result embeds
// unless JiraOptions say otherwise.
const DefaultChangelogEmbedLimit = 10

// NewJira returns a simulated Jira serving org.
func NewJira(org *Org, opts JiraOptions) *Jira {
	if opts.Email == "" && opts.Token == "" {
		opts.Email, opts.Token = DefaultEmail, DefaultToken
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 50
	}
	if opts.ChangelogEmbedLimit <= 0 {
		opts.ChangelogEmbedLimit = DefaultChangelogEmbedLimit
	}
	if opts.Now == nil {
		at := org.Now
		opts.Now = func() time.Time { return at }
	}
	if opts.TimeZone == "" {
		opts.TimeZone = "Etc/UTC"
	}
	loc, err := time.LoadLocation(opts.TimeZone)
	if err != nil {
		panic("simulate: JiraOptions.TimeZone: " + err.Error())
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = time.Minute
	}
	j := &Jira{org: org, opts: opts, loc: loc}
	m := http.NewServeMux()
	m.HandleFunc("GET "+PathField, j.fields)
	m.HandleFunc("GET "+PathStatus, j.statuses)
	m.HandleFunc("GET "+PathMyself, j.myself)
	m.HandleFunc("GET "+PathServer, j.serverInfo)
	m.HandleFunc("GET "+PathProject, j.projects)
	m.HandleFunc("GET "+PathSearch, j.search)
	m.HandleFunc("POST "+PathSearch, j.search)
	m.HandleFunc("GET "+PathIssue+"{key}", j.issue)
	m.HandleFunc("GET "+PathIssue+"{key}/changelog", j.changelog)
	m.HandleFunc("POST "+PathBulkFetch, j.bulkFetch)
	m.HandleFunc("GET "+PathBoard, j.boards)
	m.HandleFunc("GET "+PathBoard+"/{id}", j.board)
	m.HandleFunc("GET "+PathBoard+"/{id}/sprint", j.boardSprints)
	m.HandleFunc("GET "+PathSprint+"{id}", j.sprint)
	m.HandleFunc("GET "+PathFieldDC, j.fields)
	m.HandleFunc("GET "+PathStatusDC, j.statuses)
	m.HandleFunc("GET "+PathMyselfDC, j.myself)
	m.HandleFunc("GET "+PathSearchDC, j.search)
	m.HandleFunc("POST "+PathSearchDC, j.search)
	m.HandleFunc("GET "+PathIssueDC+"{key}", j.issue)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		jiraError(w, http.StatusNotFound, "No resource found for "+r.Method+" "+r.URL.Path)
	})
	j.faults = NewFaults(m, FaultOptions{
		Authorize:   j.authorize,
		WriteError:  j.writeFailure,
		RateLimit:   opts.RateLimit,
		RateWindow:  opts.RateWindow,
		RateHeaders: jiraRateHeaders,
		HTMLPage:    "<!DOCTYPE html><html><head><title>Log in - Atlassian</title></head><body>Please log in.</body></html>",
		ListKeys:    []string{"values", "issues"},
	})
	return j
}

// Org returns the org the site serves.
func (j *Jira) Org() *Org { return j.org }

// Options returns the effective options (defaults applied).
func (j *Jira) Options() JiraOptions { return j.opts }

// Faults returns the middleware the site sits behind, for the faults
// Jira has no shortcut for (SlowNext, ResetNext).
func (j *Jira) Faults() *Faults { return j.faults }

// FailNext makes the next n requests whose path starts with pathPrefix
// answer status with a Jira error body, and Retry-After: retryAfter when
// it is not empty. Rules queue up in call order.
func (j *Jira) FailNext(pathPrefix string, status, n int, retryAfter string) {
	j.faults.FailNext(pathPrefix, status, n, retryAfter)
}

// CorruptNext makes the next request whose path starts with pathPrefix
// answer a corrupted body (see the Corrupt* modes). It panics on an unknown mode.
func (j *Jira) CorruptNext(pathPrefix, mode string) { j.faults.CorruptNext(pathPrefix, mode) }

// OnSearch calls fn once when the n-th search request (Cloud or Data
// Center, counted from this call, failed or not) arrives, before the site
// answers it: a test edits the org between two pages of a search with it.
// fn runs on the request's goroutine and may mutate the org.
func (j *Jira) OnSearch(n int, fn func()) {
	if n <= 0 {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.onSearch = append(j.onSearch, searchHook{n: j.searches + n, fn: fn})
}

// Requests returns how many requests arrived per URL path, failed or not.
func (j *Jira) Requests() map[string]int { return j.faults.Requests() }

// ResetRequests clears the request counts and recorded JQL.
func (j *Jira) ResetRequests() {
	j.faults.ResetRequests()
	j.mu.Lock()
	defer j.mu.Unlock()
	j.jqls = nil
}

// SearchJQLs returns the JQL of every search request, in arrival order.
func (j *Jira) SearchJQLs() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]string(nil), j.jqls...)
}

// ServeHTTP implements http.Handler: it records searches, then hands the
// request to the middleware around the site's routes.
func (j *Jira) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if path := r.URL.Path; path == PathSearch || path == PathSearchDC {
		jql, hasJQL := searchJQL(r)
		j.runSearchHooks()
		if hasJQL {
			j.mu.Lock()
			j.jqls = append(j.jqls, jql)
			j.mu.Unlock()
		}
	}
	w.Header().Set("X-Arequestid", strconv.FormatInt(time.Now().UnixNano()%1e9, 10))
	j.faults.ServeHTTP(w, r)
}

// runSearchHooks counts a search request and runs the OnSearch hooks due,
// without holding the site's lock.
func (j *Jira) runSearchHooks() {
	j.mu.Lock()
	j.searches++
	var due []func()
	j.onSearch = slices.DeleteFunc(j.onSearch, func(h searchHook) bool {
		if h.n == j.searches {
			due = append(due, h.fn)
			return true
		}
		return false
	})
	j.mu.Unlock()
	for _, fn := range due {
		fn()
	}
}

// authorize accepts the site's Basic credentials, or its bearer token
// when one is set, and answers Jira's 401 otherwise.
func (j *Jira) authorize(w http.ResponseWriter, r *http.Request) bool {
	ok := false
	if u, p, basic := r.BasicAuth(); basic {
		ok = u == j.opts.Email && p == j.opts.Token
	} else if j.opts.BearerToken != "" {
		a := r.Header.Get("Authorization")
		ok = len(a) > 7 && strings.EqualFold(a[:7], "bearer ") && a[7:] == j.opts.BearerToken
	}
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="simulated Jira"`)
		jiraError(w, http.StatusUnauthorized, "You are not authenticated. Authentication required to perform this operation.")
	}
	return ok
}

// jiraRateHeaders writes Jira Cloud's rate-limit headers: the limit (1000
// when none is enforced), what is left and the window's end in RFC 3339.
func jiraRateHeaders(h http.Header, s RateState) {
	if s.Limit <= 0 {
		s.Limit = 1000
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(s.Remaining()))
	h.Set("X-RateLimit-Reset", s.Reset.UTC().Format(time.RFC3339))
}

// writeFailure answers a request the middleware fails with a Jira error body.
func (j *Jira) writeFailure(w http.ResponseWriter, _ *http.Request, f Failure) {
	h := w.Header()
	msg := "Simulated failure."
	switch {
	case f.RateLimited:
		h.Set("RateLimit-Reason", "jira-burst-based")
		msg = "Rate limit exceeded."
	case f.Status == http.StatusTooManyRequests:
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("RateLimit-Reason", "jira-quota-global-based")
		msg = "Rate limit exceeded."
	case f.Status >= 500:
		msg = "Internal server error."
	}
	jiraError(w, f.Status, msg)
}

// searchJQL extracts the JQL of a search request without consuming its body.
func searchJQL(r *http.Request) (string, bool) {
	if r.Method != http.MethodPost {
		return r.URL.Query().Get("jql"), true
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	if err != nil {
		return "", false
	}
	var body struct {
		JQL string `json:"jql"`
	}
	_ = json.Unmarshal(b, &body)
	return body.JQL, true
}

// ---- responses ----

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func jiraError(w http.ResponseWriter, status int, msgs ...string) {
	writeJSON(w, status, map[string]any{"errorMessages": msgs, "errors": map[string]string{}})
}

// view is how a response renders: the site's base URL and the REST
// flavour the request's path is in.
type view struct {
	base string // scheme://host
	dc   bool   // Data Center: REST v2 shapes
}

func viewOf(r *http.Request) view {
	return view{base: baseURL(r), dc: strings.HasPrefix(r.URL.Path, "/rest/api/2/")}
}

// api is the REST prefix of self links.
func (v view) api() string {
	if v.dc {
		return v.base + "/rest/api/2"
	}
	return v.base + "/rest/api/3"
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// page reads startAt/maxResults; maxResults defaults to def and is capped by PageSize.
func (j *Jira) page(w http.ResponseWriter, r *http.Request, def int) (startAt, maxResults int, ok bool) {
	q := r.URL.Query()
	maxResults = min(def, j.opts.PageSize)
	if v := q.Get("startAt"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			jiraError(w, http.StatusBadRequest, "The value '"+v+"' is invalid for startAt.")
			return 0, 0, false
		}
		startAt = n
	}
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			jiraError(w, http.StatusBadRequest, "The value '"+v+"' is invalid for maxResults.")
			return 0, 0, false
		}
		if n > 0 {
			maxResults = min(n, j.opts.PageSize)
		}
	}
	return startAt, maxResults, true
}

func window(n, startAt, maxResults int) (lo, hi int) {
	lo = min(startAt, n)
	hi = min(lo+maxResults, n)
	return lo, hi
}

func (j *Jira) fields(w http.ResponseWriter, r *http.Request) {
	std := func(id, name string, schema map[string]any, navigable bool) map[string]any {
		return map[string]any{"id": id, "key": id, "name": name, "custom": false, "orderable": true,
			"navigable": navigable, "searchable": true, "clauseNames": []string{id}, "schema": schema}
	}
	custom := func(id, name string, schema map[string]any) map[string]any {
		n, _ := strconv.Atoi(strings.TrimPrefix(id, "customfield_"))
		return map[string]any{"id": id, "key": id, "name": name, "untranslatedName": name, "custom": true,
			"orderable": true, "navigable": true, "searchable": true,
			"clauseNames": []string{fmt.Sprintf("cf[%d]", n), name}, "schema": schema}
	}
	// Data Center's Sprint field holds strings, and its story points field
	// is a plain number field named "Story Points".
	sprintItems, pointsName := "json", "Story point estimate"
	pointsSchema := map[string]any{"type": "number", "custom": "com.pyxis.greenhopper.jira:jsw-story-points", "customId": 10016}
	if viewOf(r).dc {
		sprintItems, pointsName = "string", "Story Points"
		pointsSchema = map[string]any{"type": "number", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:float", "customId": 10016}
	}
	writeJSON(w, http.StatusOK, []any{
		std("summary", "Summary", map[string]any{"type": "string", "system": "summary"}, true),
		std("status", "Status", map[string]any{"type": "status", "system": "status"}, true),
		std("issuetype", "Issue Type", map[string]any{"type": "issuetype", "system": "issuetype"}, true),
		std("project", "Project", map[string]any{"type": "project", "system": "project"}, true),
		std("created", "Created", map[string]any{"type": "datetime", "system": "created"}, true),
		std("updated", "Updated", map[string]any{"type": "datetime", "system": "updated"}, true),
		std("resolutiondate", "Resolved", map[string]any{"type": "datetime", "system": "resolutiondate"}, true),
		std("resolution", "Resolution", map[string]any{"type": "resolution", "system": "resolution"}, true),
		std("assignee", "Assignee", map[string]any{"type": "user", "system": "assignee"}, true),
		std("parent", "Parent", map[string]any{"type": "issuelink", "system": "parent"}, true),
		std("labels", "Labels", map[string]any{"type": "array", "items": "string", "system": "labels"}, true),
		std("fixVersions", "Fix versions", map[string]any{"type": "array", "items": "version", "system": "fixVersions"}, true),
		custom(RankFieldID, "Rank", map[string]any{"type": "any", "custom": "com.pyxis.greenhopper.jira:gh-lexo-rank", "customId": 10019}),
		custom(StoryPointsFieldID, pointsName, pointsSchema),
		custom(SprintFieldID, "Sprint", map[string]any{"type": "array", "items": sprintItems, "custom": "com.pyxis.greenhopper.jira:gh-sprint", "customId": 10020}),
		custom("customfield_10014", "Epic Link", map[string]any{"type": "any", "custom": "com.pyxis.greenhopper.jira:gh-epic-link", "customId": 10014}),
	})
}

func (j *Jira) statusJSON(v view, s Status) map[string]any {
	return map[string]any{
		"self": v.api() + "/status/" + s.ID, "description": "", "iconUrl": v.base + "/images/icons/statuses/generic.png",
		"name": s.Name, "untranslatedName": s.Name, "id": s.ID,
		"statusCategory": map[string]any{
			"self": v.api() + "/statuscategory/" + strconv.Itoa(s.CategoryID),
			"id":   s.CategoryID, "key": s.Category, "colorName": s.ColorName, "name": s.CategoryName,
		},
	}
}

func (j *Jira) statuses(w http.ResponseWriter, r *http.Request) {
	v := viewOf(r)
	out := make([]any, 0, len(j.org.Statuses))
	for _, s := range j.org.Statuses {
		out = append(out, j.statusJSON(v, s))
	}
	writeJSON(w, http.StatusOK, out)
}

func (j *Jira) myself(w http.ResponseWriter, r *http.Request) {
	if v := viewOf(r); v.dc {
		writeJSON(w, http.StatusOK, map[string]any{
			"self": v.api() + "/user?username=runway-bot", "key": "JIRAUSER10100", "name": "runway-bot",
			"emailAddress": j.opts.Email, "displayName": "Runway bot", "active": true, "deleted": false,
			"timeZone": j.opts.TimeZone, "locale": "en_US",
		})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"self": baseURL(r) + PathMyself, "accountId": "712020:simulated-bot", "accountType": "atlassian",
		"emailAddress": j.opts.Email, "displayName": "Runway bot", "active": true, "timeZone": j.opts.TimeZone,
	})
}

func (j *Jira) serverInfo(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"baseUrl": baseURL(r), "version": "1001.0.0-SNAPSHOT", "versionNumbers": []int{1001, 0, 0},
		"deploymentType": "Cloud", "buildNumber": 100265, "serverTime": j.opts.Now().UTC().Format(jiraTime),
		"serverTitle": "Simulated Jira",
	})
}

func (j *Jira) projectJSON(v view, p *Project) map[string]any {
	return map[string]any{"self": v.api() + "/project/" + p.ID, "id": p.ID, "key": p.Key, "name": p.Name,
		"projectTypeKey": "software", "simplified": false}
}

func (j *Jira) projects(w http.ResponseWriter, r *http.Request) {
	v := viewOf(r)
	out := []any{}
	for i := range j.org.Projects {
		out = append(out, j.projectJSON(v, &j.org.Projects[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

// ---- agile ----

func (j *Jira) boardJSON(base string, b *Board) map[string]any {
	p := j.org.projByKey[b.ProjectKey]
	pid, _ := strconv.Atoi(p.ID)
	disp := fmt.Sprintf("%s (%s)", p.Name, p.Key)
	return map[string]any{
		"id": b.ID, "self": fmt.Sprintf("%s%s/%d", base, PathBoard, b.ID), "name": b.Name, "type": b.Type,
		"location": map[string]any{"projectId": pid, "displayName": disp, "projectName": p.Name,
			"projectKey": p.Key, "projectTypeKey": "software", "name": disp},
	}
}

func (j *Jira) boards(w http.ResponseWriter, r *http.Request) {
	startAt, maxResults, ok := j.page(w, r, 50)
	if !ok {
		return
	}
	q := r.URL.Query()
	proj, types, name := q.Get("projectKeyOrId"), q.Get("type"), strings.ToLower(q.Get("name"))
	if proj != "" {
		found := false
		for _, p := range j.org.Projects {
			if strings.EqualFold(p.Key, proj) || p.ID == proj {
				proj, found = p.Key, true
			}
		}
		if !found {
			jiraError(w, http.StatusBadRequest, "No project could be found with key or id '"+proj+"'.")
			return
		}
	}
	var sel []*Board
	for i := range j.org.Boards {
		b := &j.org.Boards[i]
		if proj != "" && b.ProjectKey != proj {
			continue
		}
		if types != "" && !containsFold(strings.Split(types, ","), b.Type) {
			continue
		}
		if name != "" && !strings.Contains(strings.ToLower(b.Name), name) {
			continue
		}
		sel = append(sel, b)
	}
	lo, hi := window(len(sel), startAt, maxResults)
	base := baseURL(r)
	vals := make([]any, 0, hi-lo)
	for _, b := range sel[lo:hi] {
		vals = append(vals, j.boardJSON(base, b))
	}
	writeJSON(w, http.StatusOK, map[string]any{"maxResults": maxResults, "startAt": startAt, "total": len(sel),
		"isLast": hi >= len(sel), "values": vals})
}

func containsFold(list []string, v string) bool {
	for _, s := range list {
		if strings.EqualFold(strings.TrimSpace(s), v) {
			return true
		}
	}
	return false
}

func (j *Jira) lookupBoard(w http.ResponseWriter, r *http.Request) *Board {
	id, err := strconv.Atoi(r.PathValue("id"))
	b := j.org.boardByID[id]
	if err != nil || b == nil {
		jiraError(w, http.StatusNotFound, "Board does not exist or you do not have permission to see it.")
		return nil
	}
	return b
}

func (j *Jira) board(w http.ResponseWriter, r *http.Request) {
	if b := j.lookupBoard(w, r); b != nil {
		writeJSON(w, http.StatusOK, j.boardJSON(baseURL(r), b))
	}
}

// sprintJSON renders an Agile sprint as seen at now.
func (j *Jira) sprintJSON(base string, s *Sprint, now time.Time) map[string]any {
	state := s.stateAt(now)
	m := map[string]any{"id": s.ID, "self": fmt.Sprintf("%s%s%d", base, PathSprint, s.ID), "state": state,
		"name": s.Name, "createdDate": s.Created.UTC().Format(agileTime), "originBoardId": s.OriginBoardID, "goal": s.Goal}
	if s.Start != nil {
		m["startDate"] = s.Start.UTC().Format(agileTime)
	}
	if s.End != nil {
		m["endDate"] = s.End.UTC().Format(agileTime)
	}
	if s.Activated != nil && state != SprintFuture {
		m["activatedDate"] = s.Activated.UTC().Format(agileTime)
	}
	if s.Complete != nil && state == SprintClosed {
		m["completeDate"] = s.Complete.UTC().Format(agileTime)
	}
	return m
}

func (j *Jira) boardSprints(w http.ResponseWriter, r *http.Request) {
	b := j.lookupBoard(w, r)
	if b == nil {
		return
	}
	startAt, maxResults, ok := j.page(w, r, 50)
	if !ok {
		return
	}
	var states []string
	if v := r.URL.Query().Get("state"); v != "" {
		for _, s := range strings.Split(v, ",") {
			s = strings.ToLower(strings.TrimSpace(s))
			if s != SprintFuture && s != SprintActive && s != SprintClosed {
				jiraError(w, http.StatusBadRequest, "The value '"+s+"' is not a valid sprint state. Valid values: future, active, closed.")
				return
			}
			states = append(states, s)
		}
	}
	now := j.opts.Now()
	j.org.mu.RLock()
	var sel []*Sprint
	for _, s := range j.org.SprintsOfBoard(b.ID) {
		if s.Created.After(now) {
			continue
		}
		if len(states) > 0 && !containsFold(states, s.stateAt(now)) {
			continue
		}
		sel = append(sel, s)
	}
	lo, hi := window(len(sel), startAt, maxResults)
	base := baseURL(r)
	vals := make([]any, 0, hi-lo)
	for _, s := range sel[lo:hi] {
		vals = append(vals, j.sprintJSON(base, s, now))
	}
	j.org.mu.RUnlock()
	writeJSON(w, http.StatusOK, map[string]any{"maxResults": maxResults, "startAt": startAt,
		"isLast": hi >= len(sel), "values": vals})
}

func (j *Jira) sprint(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	now := j.opts.Now()
	j.org.mu.RLock()
	s := j.org.sprintByID[id]
	if err != nil || s == nil || s.Created.After(now) {
		j.org.mu.RUnlock()
		jiraError(w, http.StatusNotFound, "Sprint does not exist or you do not have permission to see it.")
		return
	}
	m := j.sprintJSON(baseURL(r), s, now)
	j.org.mu.RUnlock()
	writeJSON(w, http.StatusOK, m)
}

// ---- platform: issues, search, changelog ----

type fieldSel struct {
	all  bool
	only map[string]bool
	drop map[string]bool
}

func parseFieldSel(list []string, def string) fieldSel {
	var parts []string
	for _, v := range list {
		parts = append(parts, strings.Split(v, ",")...)
	}
	fs := fieldSel{only: map[string]bool{}, drop: map[string]bool{}}
	picked := false
	for _, p := range parts {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
		case p == "*all" || p == "*navigable":
			fs.all, picked = true, true
		case strings.HasPrefix(p, "-"):
			fs.drop[p[1:]] = true
			if !picked {
				fs.all = true
			}
		default:
			fs.only[p], picked = true, true
		}
	}
	if !picked && len(fs.drop) == 0 {
		if def == "*all" {
			fs.all = true
		} else {
			fs.only[def] = true
		}
	}
	return fs
}

func (fs fieldSel) want(f string) bool {
	if fs.drop[f] {
		return false
	}
	return fs.all || fs.only[f]
}

var issueTypeIDs = map[string]string{"Epic": "10000", "Story": "10001", "Task": "10002", "Bug": "10004"}

func (j *Jira) userJSON(v view, id string) any {
	if id == "" {
		return nil
	}
	u := j.org.userByID[id]
	if v.dc { // Data Center users have a name and a key, no accountId
		name := strings.ReplaceAll(strings.ToLower(u.DisplayName), " ", ".")
		return map[string]any{"self": v.api() + "/user?username=" + name, "name": name, "key": name,
			"displayName": u.DisplayName, "active": true, "timeZone": "Etc/UTC"}
	}
	return map[string]any{"self": v.api() + "/user?accountId=" + id, "accountId": id,
		"displayName": u.DisplayName, "active": true, "timeZone": "Etc/UTC", "accountType": "atlassian"}
}

// issueJSON renders an issue as seen at now. Callers hold the org's read lock.
func (j *Jira) issueJSON(v view, is *Issue, now time.Time, fs fieldSel, changelog embed) map[string]any {
	o := j.org
	f := map[string]any{}
	set := func(k string, fn func() any) {
		if fs.want(k) {
			f[k] = fn()
		}
	}
	set("summary", func() any { return is.Summary })
	set("created", func() any { return is.Created.UTC().Format(jiraTime) })
	set("updated", func() any { return is.updatedAt(now).UTC().Format(jiraTime) })
	set("status", func() any { return j.statusJSON(v, o.statusByID[is.StatusAt(now)]) })
	set("issuetype", func() any { return j.issueTypeJSON(v, is.Type) })
	set("project", func() any { return j.projectJSON(v, o.projByKey[is.Project]) })
	set(SprintFieldID, func() any {
		ids := is.SprintsAt(now)
		if len(ids) == 0 {
			return nil
		}
		out := make([]any, 0, len(ids))
		for _, id := range ids {
			s := o.sprintByID[id]
			if s == nil {
				continue // deleted: no longer in the field
			}
			if v.dc {
				out = append(out, legacySprint(s, now))
				continue
			}
			m := map[string]any{"id": s.ID, "name": s.Name, "state": s.stateAt(now), "boardId": s.OriginBoardID, "goal": s.Goal}
			for k, x := range j.sprintJSON(v.base, s, now) {
				if k == "startDate" || k == "endDate" || k == "completeDate" {
					m[k] = x
				}
			}
			out = append(out, m)
		}
		if len(out) == 0 {
			return nil
		}
		return out
	})
	set(StoryPointsFieldID, func() any {
		if p := is.PointsAt(now); p != nil {
			return *p
		}
		return nil
	})
	resolved := o.resolvedAt(is, now)
	set("resolutiondate", func() any {
		if resolved == nil {
			return nil
		}
		return resolved.UTC().Format(jiraTime)
	})
	set("resolution", func() any {
		if resolved == nil {
			return nil
		}
		return map[string]any{"self": v.api() + "/resolution/10000", "id": "10000", "name": "Done",
			"description": "Work has been completed on this issue."}
	})
	set("assignee", func() any { return j.userJSON(v, is.AssigneeID) })
	set("labels", func() any { return []string{} })
	set("fixVersions", func() any { return []any{} })
	if is.ParentKey != "" && fs.want("parent") {
		if p := o.issueByKey[is.ParentKey]; p != nil && !p.Created.After(now) {
			f["parent"] = map[string]any{"id": p.ID, "key": p.Key, "self": v.api() + "/issue/" + p.ID,
				"fields": map[string]any{"summary": p.Summary, "status": j.statusJSON(v, o.statusByID[p.StatusAt(now)]),
					"issuetype": j.issueTypeJSON(v, p.Type)}}
		}
	}
	m := map[string]any{"expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
		"id": is.ID, "self": v.api() + "/issue/" + is.ID, "key": is.Key, "fields": f}
	if changelog != embedNone {
		hs := is.visibleHistories(now)
		n := len(hs)
		if changelog == embedNewest {
			n = min(n, j.opts.ChangelogEmbedLimit)
		}
		out := make([]any, 0, n)
		if v.dc { // oldest first
			for i := len(hs) - n; i < len(hs); i++ {
				out = append(out, j.historyJSON(v, &hs[i], nil))
			}
		} else { // newest first
			for i := len(hs) - 1; i >= len(hs)-n; i-- {
				out = append(out, j.historyJSON(v, &hs[i], nil))
			}
		}
		m["changelog"] = map[string]any{"startAt": 0, "maxResults": n, "total": len(hs), "histories": out}
	}
	return m
}

// embed is which histories an issue embeds with expand=changelog.
type embed int

const (
	embedNone   embed = iota
	embedNewest       // the newest ChangelogEmbedLimit: search, Cloud's GET issue
	embedAll          // every history: Data Center's GET issue
)

// legacySprint renders a sprint as Data Center's Sprint field value: the
// sprint object's toString.
func legacySprint(s *Sprint, now time.Time) string {
	date := func(t *time.Time) string {
		if t == nil {
			return "<null>"
		}
		return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	}
	var complete, activated *time.Time
	state := s.stateAt(now)
	if state == SprintClosed {
		complete = s.Complete
	}
	if state != SprintFuture {
		activated = s.Activated
	}
	h := fnv.New32a()
	fmt.Fprint(h, s.ID)
	return fmt.Sprintf("com.atlassian.greenhopper.service.sprint.Sprint@%x[id=%d,rapidViewId=%d,state=%s,name=%s,"+
		"startDate=%s,endDate=%s,completeDate=%s,activatedDate=%s,sequence=%d,goal=%s,autoStartStop=false,synced=false]",
		h.Sum32(), s.ID, s.OriginBoardID, strings.ToUpper(state), s.Name,
		date(s.Start), date(s.End), date(complete), date(activated), s.ID, s.Goal)
}

func (j *Jira) issueTypeJSON(v view, name string) map[string]any {
	id := issueTypeIDs[name]
	lvl := 0
	if name == "Epic" {
		lvl = 1
	}
	return map[string]any{"self": v.api() + "/issuetype/" + id, "id": id, "description": "",
		"iconUrl": v.base + "/images/icons/issuetypes/" + strings.ToLower(name) + ".svg",
		"name":    name, "subtask": false, "hierarchyLevel": lvl}
}

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
				empty(sprintIDsString(it.FromSprints)), empty(o.sprintNamesString(it.FromSprints)),
				empty(sprintIDsString(it.ToSprints)), empty(o.sprintNamesString(it.ToSprints)))
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

type searchParams struct {
	JQL           string
	NextPageToken string // Cloud
	StartAt       int    // Data Center
	MaxResults    int
	Fields        []string
	Expand        string
}

func (j *Jira) searchParams(w http.ResponseWriter, r *http.Request) (searchParams, bool) {
	var p searchParams
	if r.Method == http.MethodPost {
		var body struct {
			JQL           string          `json:"jql"`
			NextPageToken *string         `json:"nextPageToken"`
			StartAt       int             `json:"startAt"`
			MaxResults    *int            `json:"maxResults"`
			Fields        []string        `json:"fields"`
			Expand        json.RawMessage `json:"expand"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			jiraError(w, http.StatusBadRequest, "Invalid request payload. Refer to the REST API documentation and try again.")
			return p, false
		}
		p.JQL, p.Fields, p.StartAt = body.JQL, body.Fields, body.StartAt
		if body.NextPageToken != nil {
			p.NextPageToken = *body.NextPageToken
		}
		if body.MaxResults != nil {
			p.MaxResults = *body.MaxResults
		}
		if len(body.Expand) > 0 {
			var s string
			var list []string
			if json.Unmarshal(body.Expand, &s) == nil {
				p.Expand = s
			} else if json.Unmarshal(body.Expand, &list) == nil {
				p.Expand = strings.Join(list, ",")
			}
		}
		return p, true
	}
	q := r.URL.Query()
	p.JQL, p.NextPageToken, p.Fields, p.Expand = q.Get("jql"), q.Get("nextPageToken"), q["fields"], q.Get("expand")
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			jiraError(w, http.StatusBadRequest, "The value '"+v+"' is invalid for maxResults.")
			return p, false
		}
		p.MaxResults = n
	}
	if v := q.Get("startAt"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			jiraError(w, http.StatusBadRequest, "The value '"+v+"' is invalid for startAt.")
			return p, false
		}
		p.StartAt = n
	}
	return p, true
}

func tokenFor(offset int, jql string) string {
	h := fnv.New32a()
	h.Write([]byte(jql))
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d|%08x", offset, h.Sum32())))
}

func offsetFromToken(tok, jql string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	off, _, found := strings.Cut(string(b), "|")
	n, err := strconv.Atoi(off)
	if !found || err != nil || n < 0 || tokenFor(n, jql) != tok {
		return 0, false
	}
	return n, true
}

// search serves Cloud's search/jql (nextPageToken paging) and Data
// Center's search (startAt paging, total).
func (j *Jira) search(w http.ResponseWriter, r *http.Request) {
	p, ok := j.searchParams(w, r)
	if !ok {
		return
	}
	v := viewOf(r)
	offset := 0
	switch {
	case v.dc && p.StartAt < 0:
		jiraError(w, http.StatusBadRequest, "The value '"+strconv.Itoa(p.StartAt)+"' is invalid for startAt.")
		return
	case v.dc:
		offset = p.StartAt
	case p.NextPageToken != "":
		if offset, ok = offsetFromToken(p.NextPageToken, p.JQL); !ok {
			jiraError(w, http.StatusBadRequest, "The provided next page token is invalid or expired.")
			return
		}
	}
	maxResults := j.opts.PageSize
	if p.MaxResults > 0 {
		maxResults = min(p.MaxResults, j.opts.PageSize)
	}
	defFields := "id"
	if v.dc {
		defFields = "*all" // Data Center's default: the navigable fields
	}
	fs := parseFieldSel(p.Fields, defFields)
	changelog := embedNone
	if containsFold(strings.Split(p.Expand, ","), "changelog") {
		changelog = embedNewest
	}
	now := j.opts.Now()

	o := j.org
	o.mu.RLock()
	defer o.mu.RUnlock()
	q, err := parseJQL(p.JQL, now, j.loc, o)
	if err != nil {
		jiraError(w, http.StatusBadRequest, err.Error())
		return
	}
	// The view depends on now only while some event is still after it.
	asOf := "all"
	if now.Before(o.maxEventAt) || q.relative {
		asOf = now.UTC().Format(time.RFC3339Nano)
	}
	view := fmt.Sprintf("%d\x00%s", o.version, asOf)
	key := p.JQL + "\x00" + view
	j.mu.Lock()
	hits := j.cacheHits
	cached := j.cacheKey == key
	j.mu.Unlock()
	if !cached {
		hits = j.searchHits(q, now, view)
		j.mu.Lock()
		j.cacheKey, j.cacheHits = key, hits
		j.mu.Unlock()
	}
	lo, hi := window(len(hits), offset, maxResults)
	issues := make([]any, 0, hi-lo)
	for _, h := range hits[lo:hi] {
		issues = append(issues, j.issueJSON(v, h.is, now, fs, changelog))
	}
	if v.dc {
		writeJSON(w, http.StatusOK, map[string]any{"expand": "schema,names", "startAt": offset,
			"maxResults": maxResults, "total": len(hits), "issues": issues})
		return
	}
	resp := map[string]any{"issues": issues, "isLast": hi >= len(hits)}
	if hi < len(hits) {
		resp["nextPageToken"] = tokenFor(hi, p.JQL)
	}
	writeJSON(w, http.StatusOK, resp)
}

// searchHits filters and sorts the issues a query selects at now. view
// identifies the org's version and the visibility at now. Callers hold the
// org's read lock.
func (j *Jira) searchHits(q *jqlQuery, now time.Time, view string) []searchHit {
	j.mu.Lock()
	all, ok := j.visible, j.visibleKey == view
	j.mu.Unlock()
	if !ok {
		all = nil
		for _, is := range j.org.Issues {
			if !is.Created.After(now) {
				all = append(all, searchHit{is, is.updatedAt(now)})
			}
		}
		slices.SortFunc(all, func(x, y searchHit) int {
			if c := x.updated.Compare(y.updated); c != 0 {
				return c
			}
			return compareIDs(x.is.ID, y.is.ID)
		})
		j.mu.Lock()
		j.visibleKey, j.visible = view, all
		j.mu.Unlock()
	}
	// Skip what an updated lower bound excludes (match checks it again).
	lo := 0
	for _, c := range q.times {
		if c.field == "updated" && (c.op == ">=" || c.op == ">") {
			lo = max(lo, sort.Search(len(all), func(i int) bool { return !all[i].updated.Before(c.t) }))
		}
	}
	var hits []searchHit
	for _, h := range all[lo:] {
		if q.match(h.is, h.updated) {
			hits = append(hits, h)
		}
	}
	order := q.order
	if len(order) == 0 {
		order = []orderTerm{{field: "id", desc: true}}
	}
	if len(order) == 1 && order[0] == (orderTerm{field: "updated"}) {
		return hits // in order already
	}
	// The id tie-break makes the order total, so an unstable sort is exact.
	slices.SortFunc(hits, func(x, y searchHit) int {
		for _, t := range order {
			c := 0
			switch t.field {
			case "updated":
				c = x.updated.Compare(y.updated)
			case "created":
				c = x.is.Created.Compare(y.is.Created)
			case "key":
				c = compareKeys(x.is.Key, y.is.Key)
			case "id":
				c = compareIDs(x.is.ID, y.is.ID)
			}
			if t.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return compareIDs(x.is.ID, y.is.ID)
	})
	return hits
}

func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

func compareKeys(a, b string) int {
	pa, na, _ := strings.Cut(a, "-")
	pb, nb, _ := strings.Cut(b, "-")
	if c := strings.Compare(pa, pb); c != 0 {
		return c
	}
	return compareIDs(na, nb)
}

func (j *Jira) lookupIssue(w http.ResponseWriter, r *http.Request, now time.Time) *Issue {
	k := r.PathValue("key")
	is := j.org.issueByKey[k]
	if is == nil {
		is = j.org.issueByKey[strings.ToUpper(k)]
	}
	if is == nil || is.Created.After(now) {
		jiraError(w, http.StatusNotFound, "Issue does not exist or you do not have permission to see it.")
		return nil
	}
	return is
}

func (j *Jira) issue(w http.ResponseWriter, r *http.Request) {
	now := j.opts.Now()
	j.org.mu.RLock()
	defer j.org.mu.RUnlock()
	is := j.lookupIssue(w, r, now)
	if is == nil {
		return
	}
	q := r.URL.Query()
	fs := parseFieldSel(q["fields"], "*all")
	v, changelog := viewOf(r), embedNone
	if containsFold(strings.Split(q.Get("expand"), ","), "changelog") {
		changelog = embedNewest
		if v.dc {
			changelog = embedAll
		}
	}
	writeJSON(w, http.StatusOK, j.issueJSON(v, is, now, fs, changelog))
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
