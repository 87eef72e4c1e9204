package simulate

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// This file holds the simulated Jira site: its options, routes and
// credentials. The endpoints are in jira_meta.go (/myself, /field,
// statuses, projects), jira_agile.go (boards, sprints), jira_issue.go (GET
// issue), jira_search.go (search and its paging), jira_jql.go (the JQL
// subset), jira_changelog.go (how histories render as changelogs) and
// jira_versions.go (fix versions).

// VendorJira is the vendor name of the simulated Jira site (Site.Vendor),
// as its source type names it.
const VendorJira = "jira"

// Jira field ids of the custom fields the simulator exposes: the sprint
// membership, the story points and the rank.
const (
	SprintFieldID      = "customfield_10020"
	StoryPointsFieldID = "customfield_10016"
	RankFieldID        = "customfield_10019"
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
	// VersionPageSize caps the pages of a project's versions (Cloud), so a
	// test can page them finely without paging everything so. Default
	// PageSize.
	VersionPageSize int
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
// is a Site (an http.Handler) and safe for concurrent use.
//
// It serves the org in Jira Cloud's REST v3 and Agile 1.0 payload shapes
// (and Data Center's REST v2): Basic auth (or a Data Center bearer token),
// startAt/maxResults and nextPageToken paging, embedded changelogs
// truncated to the newest N histories, the full changelog endpoint,
// rate-limit headers, and fault injection (FailNext, CorruptNext, and the
// rest through Faults).
//
// Changelog conventions: a membership change (FieldSprint) is an item of
// the Sprint field (SprintFieldID) carrying the whole field value as
// comma-separated sprint ids ("3, 4") in from/to and names in
// fromString/toString; an empty value is "" (or null in some histories:
// accept both). A status change into or out of Done also carries a
// "resolution" item, and some histories only hold a "Rank" item:
// collectors must select items by fieldId. Values set at creation have no
// item.
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
	if opts.VersionPageSize <= 0 || opts.VersionPageSize > opts.PageSize {
		opts.VersionPageSize = opts.PageSize
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
	j.versionRoutes(m)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		jiraError(w, http.StatusNotFound, "No resource found for "+r.Method+" "+r.URL.Path)
	})
	j.faults = NewFaults(m, FaultOptions{
		Credentials: &Credentials{User: opts.Email, Password: opts.Token, Bearer: opts.BearerToken},
		WriteError:  j.writeFailure,
		RateLimit:   opts.RateLimit,
		RateWindow:  opts.RateWindow,
		RateHeaders: jiraRateHeaders,
		HTMLPage:    "<!DOCTYPE html><html><head><title>Log in - Atlassian</title></head><body>Please log in.</body></html>",
		ListKeys:    []string{"values", "issues"},
		Continues:   func(r *http.Request) bool { return r.URL.Query().Get("nextPageToken") != "" },
	})
	return j
}

var _ Site = (*Jira)(nil)

// Vendor is VendorJira.
func (j *Jira) Vendor() string { return VendorJira }

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

// Requests returns how many requests arrived per URL path, failed or not.
func (j *Jira) Requests() map[string]int { return j.faults.Requests() }

// ResetRequests clears the request counts and recorded JQL.
func (j *Jira) ResetRequests() {
	j.faults.ResetRequests()
	j.mu.Lock()
	defer j.mu.Unlock()
	j.jqls = nil
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

// writeFailure answers a request the middleware fails with a Jira error
// body: Jira's 401 for refused credentials (the site's Basic credentials,
// or its bearer token when one is set), its rate-limit reasons for a 429.
func (j *Jira) writeFailure(w http.ResponseWriter, _ *http.Request, f Failure) {
	h := w.Header()
	msg := "Simulated failure."
	switch {
	case f.Unauthorized:
		h.Set("WWW-Authenticate", `Basic realm="simulated Jira"`)
		msg = "You are not authenticated. Authentication required to perform this operation."
	case f.RateLimited:
		h.Set("RateLimit-Reason", "jira-burst-based")
		msg = "Rate limit exceeded."
	case f.Status == http.StatusTooManyRequests:
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("RateLimit-Reason", "jira-quota-global-based")
		msg = "Rate limit exceeded."
	case f.CursorRefused: // what search/jql answers a token it no longer takes
		f.Status, msg = http.StatusBadRequest, jiraTokenRefused
	case f.Status >= 500:
		msg = "Internal server error."
	}
	jiraError(w, f.Status, msg)
}

// jiraTokenRefused is Jira Cloud's message for a nextPageToken it does
// not take (malformed, for another query, or expired).
const jiraTokenRefused = "The provided next page token is invalid or expired."

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

// page reads startAt/maxResults; maxResults defaults to def and is capped by PageSize.
func (j *Jira) page(w http.ResponseWriter, r *http.Request, def int) (startAt, maxResults int, ok bool) {
	q := r.URL.Query()
	maxResults = min(def, j.opts.PageSize)
	if startAt, ok = queryInt(w, q, "startAt", 0); !ok {
		return 0, 0, false
	}
	n, ok := queryInt(w, q, "maxResults", math.MinInt)
	if !ok {
		return 0, 0, false
	}
	if n > 0 {
		maxResults = min(n, j.opts.PageSize)
	}
	return startAt, maxResults, true
}

// queryInt reads the integer query parameter name (0 when absent). One
// that is not an integer, or is below least, answers Jira's 400 (ok false).
func queryInt(w http.ResponseWriter, q url.Values, name string, least int) (n int, ok bool) {
	v := q.Get(name)
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < least {
		jiraError(w, http.StatusBadRequest, "The value '"+v+"' is invalid for "+name+".")
		return 0, false
	}
	return n, true
}

// Serve starts a simulated Jira for org on a loopback port, for `runway
// demo` and tests. It panics when no loopback port can be opened (as
// httptest.NewServer does); use Listen with NewJira to handle that error
// or to keep the *Jira for fault injection.
func Serve(ctx context.Context, org *Org, opts JiraOptions) (baseURL string, stop func()) {
	return ServeHandler(ctx, NewJira(org, opts))
}
