package simulate

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The simulated Jira's search: Cloud's search/jql (nextPageToken paging),
// Data Center's search (startAt paging), the JQL they record, and the
// hooks tests run between pages. The JQL subset is parsed in jira_jql.go.

// searchHit is an issue a search selects, with its updated time as seen
// at the site's now.
type searchHit struct {
	is      *Issue
	updated time.Time
}

type searchHook struct {
	n  int // fires when the n-th search request arrives
	fn func()
}

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

// SearchJQLs returns the JQL of every search request, in arrival order.
func (j *Jira) SearchJQLs() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]string(nil), j.jqls...)
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
	var ok bool
	if p.MaxResults, ok = queryInt(w, q, "maxResults", math.MinInt); !ok {
		return p, false
	}
	p.StartAt, ok = queryInt(w, q, "startAt", math.MinInt)
	return p, ok
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
			jiraError(w, http.StatusBadRequest, jiraTokenRefused)
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
