package simulate

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// This file holds the simulated Zendesk Support site: its options,
// routes, credentials, errors and the incremental endpoints' rate limit.
// The endpoints are in zendesk_export.go (the cursor-based incremental
// ticket export with metric sets) and zendesk_lists.go (ticket metric
// events, SLA policies, groups); the desk they serve in zendesk_desk.go.

// VendorZendesk is the vendor name of the simulated Zendesk site.
const VendorZendesk = "zendesk"

// Paths of the simulated Zendesk endpoints. Each is also served without
// its ".json", as Zendesk does.
const (
	PathZendeskTicketExport = "/api/v2/incremental/tickets/cursor.json"
	PathZendeskMetricEvents = "/api/v2/incremental/ticket_metric_events.json"
	PathZendeskSLAPolicies  = "/api/v2/slas/policies.json"
	PathZendeskGroups       = "/api/v2/groups.json"
)

// ZendeskIncrementalRateLimit is Zendesk's limit on the incremental
// export endpoints: 10 requests a minute ("Incremental Exports").
const ZendeskIncrementalRateLimit = 10

// ZendeskRateLimitBody is the text/plain body of a 429.
const ZendeskRateLimitBody = "Number of allowed API requests per minute exceeded"

// zdMaxPage is the most items an incremental export page holds.
const zdMaxPage = 1000

// ZendeskOptions configures a simulated Zendesk.
type ZendeskOptions struct {
	// Email and Token are the API token credentials, sent as HTTP Basic
	// "{Email}/token" and Token. OAuthToken is an OAuth access token,
	// sent as "Authorization: Bearer <OAuthToken>". Either is accepted
	// when set; with none set, DefaultEmail and DefaultToken are.
	Email, Token string
	OAuthToken   string
	// Now is the site's clock: tickets and events after it are not
	// visible yet. Default: the desk's Now (read once, at NewZendesk).
	Now func() time.Time
	// PageSize is the most tickets an export page, and events a metric
	// events page, holds: Zendesk's 1000 by default (also the most
	// honoured); per_page asks for fewer. Tests lower it.
	PageSize int
	// RateLimit, when > 0, is the requests a minute each incremental
	// endpoint takes (Zendesk: ZendeskIncrementalRateLimit); a request
	// beyond it answers 429 with Retry-After. 0: no limit.
	RateLimit int
	// Clock is the wall clock of the rate window. Default time.Now.
	Clock func() time.Time
	// ExpireCursor, when set, is asked about every export request that
	// carries a cursor: true answers it as an expired cursor.
	ExpireCursor func(cursor string) bool
}

// Zendesk is a simulated Zendesk Support (API v2) serving a SupportDesk.
// It is a Site (an http.Handler) and safe for concurrent use. Its Org is
// nil: a desk is not an engineering org.
type Zendesk struct {
	desk   *SupportDesk
	opts   ZendeskOptions
	faults *Faults

	mu      sync.Mutex
	windows map[string]*zdWindow // rate windows by endpoint
	expire  int                  // ExpireCursorNext
	snap    *deskSnapshot        // the desk as last read
}

type zdWindow struct {
	start time.Time
	n     int
}

// NewZendesk returns a simulated Zendesk serving desk.
func NewZendesk(desk *SupportDesk, opts ZendeskOptions) *Zendesk {
	if opts.Email == "" && opts.Token == "" && opts.OAuthToken == "" {
		opts.Email, opts.Token = DefaultEmail, DefaultToken
	}
	if opts.Now == nil {
		desk.mu.RLock()
		at := desk.Now
		desk.mu.RUnlock()
		opts.Now = func() time.Time { return at }
	}
	if opts.PageSize <= 0 || opts.PageSize > zdMaxPage {
		opts.PageSize = zdMaxPage
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	z := &Zendesk{desk: desk, opts: opts, windows: map[string]*zdWindow{}}
	creds := &Credentials{Bearer: opts.OAuthToken}
	if opts.Email != "" || opts.Token != "" {
		creds.User, creds.Password = opts.Email+"/token", opts.Token
	}
	z.faults = NewFaults(z.routes(), FaultOptions{
		Credentials: creds,
		WriteError:  z.writeFailure,
		HTMLPage:    "<!DOCTYPE html><html><head><title>Zendesk</title></head><body>Service Unavailable</body></html>",
		ListKeys:    []string{"tickets", "ticket_metric_events", "sla_policies", "groups"},
		Clock:       opts.Clock,
		Continues: func(r *http.Request) bool {
			q := r.URL.Query()
			return q.Get("cursor") != "" || q.Get("page[after]") != ""
		},
	})
	return z
}

var _ Site = (*Zendesk)(nil)

// Vendor is VendorZendesk.
func (z *Zendesk) Vendor() string { return VendorZendesk }

// Org is nil: the site serves a SupportDesk (Desk), not an Org.
func (z *Zendesk) Org() *Org { return nil }

// Desk returns the desk the site serves.
func (z *Zendesk) Desk() *SupportDesk { return z.desk }

// Options returns the effective options (defaults applied).
func (z *Zendesk) Options() ZendeskOptions { return z.opts }

// Faults returns the middleware the site sits behind.
func (z *Zendesk) Faults() *Faults { return z.faults }

// Requests returns how many requests arrived per URL path.
func (z *Zendesk) Requests() map[string]int { return z.faults.Requests() }

// ServeHTTP implements http.Handler.
func (z *Zendesk) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Zendesk-Api-Version", "2022-01-01")
	z.faults.ServeHTTP(w, r)
}

// ExpireCursorNext makes the next n export requests that carry a cursor
// answer as for an expired cursor (zendesk_export.go).
func (z *Zendesk) ExpireCursorNext(n int) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.expire += n
}

// FailNext makes the next n requests whose path starts with pathPrefix
// answer status (a 429 with ZendeskRateLimitBody), with Retry-After:
// retryAfter when it is not empty.
func (z *Zendesk) FailNext(pathPrefix string, status, n int, retryAfter string) {
	z.faults.FailNext(pathPrefix, status, n, retryAfter)
}

func (z *Zendesk) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(path string, h http.HandlerFunc) {
		mux.HandleFunc("GET "+path, h)
		mux.HandleFunc("GET "+strings.TrimSuffix(path, ".json"), h)
	}
	handle(PathZendeskTicketExport, z.ticketExport)
	handle(PathZendeskMetricEvents, z.metricEventsPage)
	handle(PathZendeskSLAPolicies, z.slaPolicies)
	handle(PathZendeskGroups, z.groups)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		zendeskError(w, http.StatusNotFound, "InvalidEndpoint", "Not found")
	})
	return mux
}

// overLimit counts a request to an incremental endpoint in its minute
// window; beyond RateLimit it answers 429 with Retry-After and reports true.
func (z *Zendesk) overLimit(w http.ResponseWriter, endpoint string) bool {
	if z.opts.RateLimit <= 0 {
		return false
	}
	z.mu.Lock()
	now := z.opts.Clock()
	win := z.windows[endpoint]
	if win == nil || now.Sub(win.start) >= time.Minute {
		win = &zdWindow{start: now}
		z.windows[endpoint] = win
	}
	win.n++
	rs := RateState{Limit: z.opts.RateLimit, Used: win.n, Reset: win.start.Add(time.Minute), Now: now,
		Limited: win.n > z.opts.RateLimit}
	z.mu.Unlock()
	if !rs.Limited {
		return false
	}
	w.Header().Set("Retry-After", strconv.Itoa(rs.RetryAfter()))
	z.writeFailure(w, nil, Failure{Status: http.StatusTooManyRequests, RateLimited: true})
	return true
}

// writeFailure answers a request the middleware (or the rate limit)
// fails, with Zendesk's bodies: 401 {"error": "Couldn't authenticate
// you"} with WWW-Authenticate, 429 in plain text, others {"error", "description"}.
func (z *Zendesk) writeFailure(w http.ResponseWriter, _ *http.Request, f Failure) {
	switch {
	case f.Unauthorized:
		w.Header().Set("WWW-Authenticate", `Basic realm="Web Password"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Couldn't authenticate you"})
	case f.CursorRefused: // as the export answers an expired cursor
		zendeskError(w, http.StatusBadRequest, "InvalidPaginationParameter", "The cursor is invalid or has expired")
	case f.Status == http.StatusTooManyRequests:
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(f.Status)
		w.Write([]byte(ZendeskRateLimitBody))
	default:
		zendeskError(w, f.Status, strings.ReplaceAll(http.StatusText(f.Status), " ", ""), http.StatusText(f.Status))
	}
}

// zendeskError writes Zendesk's error body {"error", "description"}.
func zendeskError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "description": description})
}

// now is the site's clock, to the second.
func (z *Zendesk) now() time.Time { return z.opts.Now().UTC().Truncate(time.Second) }

// zdTime renders a time as Zendesk does.
func zdTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// zdTimeOrNil renders t, or null when it is zero.
func zdTimeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return zdTime(t)
}

// zdIDOrNil renders an id, or null when it is 0.
func zdIDOrNil(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// ServeZendesk starts a simulated Zendesk for desk on a loopback port.
func ServeZendesk(ctx context.Context, desk *SupportDesk, opts ZendeskOptions) (baseURL string, stop func()) {
	return ServeHandler(ctx, NewZendesk(desk, opts))
}
