package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Corruption modes for CorruptNext.
const (
	CorruptTruncate      = "truncate"       // valid JSON cut in half
	CorruptWrongTypes    = "wrong-types"    // every "id" value becomes {}
	CorruptMissingFields = "missing-fields" // every "id"/"key" removed; top-level FaultOptions.ListKeys removed
	CorruptHTML          = "html"           // 200 text/html page (FaultOptions.HTMLPage) instead of JSON
	CorruptEmpty         = "empty"          // 200 with an empty body
)

// DefaultHTMLPage is the page CorruptHTML answers unless FaultOptions say otherwise.
const DefaultHTMLPage = "<!DOCTYPE html><html><head><title>Log in</title></head><body>Please log in.</body></html>"

// FaultOptions configure the Faults middleware. The hooks are where a
// vendor's simulator says how its site looks; every one may be nil.
type FaultOptions struct {
	// Credentials, when set, are what every request must carry: one they
	// do not accept fails with Failure{Status: 401, Unauthorized: true}
	// through WriteError, which writes the vendor's 401 (its body and
	// WWW-Authenticate). Ignored when Authorize is set.
	Credentials *Credentials
	// Authorize decides whether a request carries valid credentials, for
	// a vendor whose scheme Credentials do not cover. When it returns
	// false it has written the vendor's answer (a 401 or 403 and its
	// headers and body) and the request goes no further. Nil, with nil
	// Credentials: every request is authorized.
	Authorize func(w http.ResponseWriter, r *http.Request) bool

	// WriteError writes the answer of a request the middleware fails: an
	// injected failure (FailNext), one over the rate limit, or one whose
	// credentials Credentials refuse. Headers set
	// so far (the rate-limit headers, Retry-After) are in w.Header(). Nil:
	// a JSON body {"message": ...} with the status text.
	WriteError func(w http.ResponseWriter, r *http.Request, f Failure)

	// RateLimit, when > 0, fails every request beyond RateLimit within one
	// RateWindow (wall clock, a fixed window that starts with the first
	// request after the last one ended) with RateLimitStatus.
	RateLimit int
	// RateWindow is the rate-limit window. Default one minute.
	RateWindow time.Duration
	// RateLimitStatus is the status of a request over the limit. Default
	// 429 (GitHub's primary limit answers 403).
	RateLimitStatus int
	// RateHeaders writes the vendor's rate-limit headers (as Jira's
	// X-RateLimit-Reset in RFC 3339, GitHub's in epoch seconds) into every
	// answer, before Authorize runs. Nil: none. An answer over the limit
	// gets "Retry-After: s.RetryAfter()" besides, set before WriteError
	// (which may delete it, as GitHub's primary limit sends none): nil
	// RateHeaders is Zendesk's style.
	RateHeaders func(h http.Header, s RateState)

	// Continues reports whether a request continues a listing (carries a
	// cursor, a page token or a page past the first): the requests
	// RefuseCursorNext refuses. Nil: none does.
	Continues func(r *http.Request) bool

	// HTMLPage is the body CorruptHTML answers. Default DefaultHTMLPage.
	HTMLPage string
	// ListKeys are the top-level keys CorruptMissingFields removes (the
	// vendor's list envelopes, as Jira's "values" and "issues").
	ListKeys []string

	// Clock is the wall clock of the rate window. Default time.Now.
	Clock func() time.Time
}

// Failure is a request the middleware answers instead of the vendor's handler.
type Failure struct {
	Status int
	// RateLimited: the request is over FaultOptions.RateLimit.
	RateLimited bool
	// Unauthorized: FaultOptions.Credentials refused the request (Status
	// 401). When neither is set, FailNext injected the failure.
	Unauthorized bool
	// CursorRefused: RefuseCursorNext refuses the request's cursor or
	// page; Status is 0, the vendor's WriteError answers as the vendor
	// does (the default: 400).
	CursorRefused bool
}

// RateState is where a request stands in the rate window.
type RateState struct {
	Limit   int       // FaultOptions.RateLimit; 0 when no limit is enforced
	Used    int       // requests in this window, this one included
	Reset   time.Time // when the window ends
	Now     time.Time // the clock when the headers are written
	Limited bool      // the request is over the limit (failed unless Authorize fails it first)
}

// Remaining is how many requests the window has left (never below 0).
func (s RateState) Remaining() int { return max(s.Limit-s.Used, 0) }

// RetryAfter is how many whole seconds to wait for the window to end, at
// least 1.
func (s RateState) RetryAfter() int { return max(int(s.Reset.Sub(s.Now).Seconds())+1, 1) }

// Faults is vendor-neutral HTTP plumbing for a simulated site: it counts
// requests per path, enforces a rate limit, checks credentials, and
// injects faults into the answers of the handler it wraps. It is an
// http.Handler and safe for concurrent use.
//
// A request goes through, in order: counting and the rate window (every
// request that arrives); the OnRequest hooks due; a slow rule (SlowNext);
// a reset rule (ResetNext); the rate-limit headers; the credentials
// (Credentials or Authorize); the rate limit; a failure rule (FailNext);
// the paging rules (RefuseCursorNext, RepeatNext, CutNext:
// paging_faults.go); a corruption rule (CorruptNext, only when no rule
// before it answered); the wrapped handler. Rules of one kind apply in the
// order they were added, each to the next requests whose path starts with
// its prefix (or, for a prefix ending in "$", is that path).
type Faults struct {
	next http.Handler
	opts FaultOptions

	mu          sync.Mutex
	requests    map[string]int
	slows       []*faultRule
	resets      []*faultRule
	fails       []*faultRule
	corrupts    []*faultRule
	windowStart time.Time
	windowCount int
	paging      pagingFaults // paging_faults.go
}

type faultRule struct {
	prefix     string
	n          int
	status     int           // fails
	retryAfter string        // fails
	mode       string        // corrupts
	delay      time.Duration // slows
}

// NewFaults wraps next, a vendor's handler, in the middleware.
func NewFaults(next http.Handler, opts FaultOptions) *Faults {
	if opts.RateWindow <= 0 {
		opts.RateWindow = time.Minute
	}
	if opts.RateLimitStatus == 0 {
		opts.RateLimitStatus = http.StatusTooManyRequests
	}
	if opts.HTMLPage == "" {
		opts.HTMLPage = DefaultHTMLPage
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	return &Faults{next: next, opts: opts, requests: map[string]int{}}
}

// FailNext makes the next n requests whose path starts with pathPrefix
// answer status through FaultOptions.WriteError, with Retry-After:
// retryAfter when it is not empty.
func (f *Faults) FailNext(pathPrefix string, status, n int, retryAfter string) {
	f.add(&f.fails, &faultRule{prefix: pathPrefix, n: n, status: status, retryAfter: retryAfter})
}

// CorruptNext makes the next request whose path starts with pathPrefix
// answer a corrupted body (see the Corrupt* modes). It panics on an
// unknown mode.
func (f *Faults) CorruptNext(pathPrefix, mode string) {
	switch mode {
	case CorruptTruncate, CorruptWrongTypes, CorruptMissingFields, CorruptHTML, CorruptEmpty:
	default:
		panic("simulate: unknown corruption mode " + strconv.Quote(mode))
	}
	f.add(&f.corrupts, &faultRule{prefix: pathPrefix, n: 1, mode: mode})
}

// SlowNext delays the answer of the next n requests whose path starts with
// pathPrefix by d. A request whose context ends first (the client gave up,
// the server shuts down) gets no answer and consumes no other rule.
func (f *Faults) SlowNext(pathPrefix string, d time.Duration, n int) {
	f.add(&f.slows, &faultRule{prefix: pathPrefix, n: n, delay: d})
}

// ResetNext makes the next n requests whose path starts with pathPrefix
// close their connection (with a TCP reset where it can) without an
// answer. Go's http.Transport retries an idempotent request that fails so
// on a reused connection, which takes one more rule: a client sees the
// error only on a fresh connection, or for a request it cannot replay.
func (f *Faults) ResetNext(pathPrefix string, n int) {
	f.add(&f.resets, &faultRule{prefix: pathPrefix, n: n})
}

// Requests returns how many requests arrived per URL path, failed or not.
func (f *Faults) Requests() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.requests)
}

// ResetRequests clears the request counts.
func (f *Faults) ResetRequests() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = map[string]int{}
}

func (f *Faults) add(rules *[]*faultRule, r *faultRule) {
	if r.n <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	*rules = append(*rules, r)
}

// take returns the first rule of rules matching path, and uses it up once.
func (f *Faults) take(rules *[]*faultRule, path string) *faultRule {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(*rules, func(r *faultRule) bool { return matchPath(r.prefix, path) })
	if i < 0 {
		return nil
	}
	r := (*rules)[i]
	if r.n--; r.n <= 0 {
		*rules = slices.Delete(*rules, i, i+1)
	}
	return r
}

// arrive counts a request and places it in the rate window.
func (f *Faults) arrive(path string) RateState {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests[path]++
	now := f.opts.Clock()
	if now.Sub(f.windowStart) >= f.opts.RateWindow {
		f.windowStart, f.windowCount = now, 0
	}
	f.windowCount++
	return RateState{
		Limit:   max(f.opts.RateLimit, 0),
		Used:    f.windowCount,
		Reset:   f.windowStart.Add(f.opts.RateWindow),
		Limited: f.opts.RateLimit > 0 && f.windowCount > f.opts.RateLimit,
	}
}

// ServeHTTP implements http.Handler.
func (f *Faults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	rs := f.arrive(path)
	f.runHooks(path)
	if slow := f.take(&f.slows, path); slow != nil && !sleepCtx(r.Context(), slow.delay) {
		return
	}
	if f.take(&f.resets, path) != nil {
		resetConn(w)
		return
	}
	h := w.Header()
	rs.Now = f.opts.Clock()
	if f.opts.RateHeaders != nil {
		f.opts.RateHeaders(h, rs)
	}
	if !f.authorized(w, r) {
		return
	}
	if rs.Limited {
		h.Set("Retry-After", strconv.Itoa(rs.RetryAfter()))
		f.writeError(w, r, Failure{Status: f.opts.RateLimitStatus, RateLimited: true})
		return
	}
	if fail := f.take(&f.fails, path); fail != nil {
		if fail.retryAfter != "" {
			h.Set("Retry-After", fail.retryAfter)
		}
		f.writeError(w, r, Failure{Status: fail.status})
		return
	}
	if f.servePaging(w, r) {
		return
	}
	corrupt := f.take(&f.corrupts, path)
	if corrupt == nil {
		f.next.ServeHTTP(w, r)
		return
	}
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	f.next.ServeHTTP(rec, r)
	for k, v := range rec.header {
		h[k] = v
	}
	body := f.corruptBody(rec.body.Bytes(), corrupt.mode)
	switch corrupt.mode {
	case CorruptHTML:
		h.Set("Content-Type", "text/html;charset=UTF-8")
		rec.status = http.StatusOK
	case CorruptEmpty:
		rec.status = http.StatusOK
	}
	h.Del("Content-Length")
	w.WriteHeader(rec.status)
	w.Write(body)
}

// authorized checks the request's credentials; when it refuses them, it
// has answered the request.
func (f *Faults) authorized(w http.ResponseWriter, r *http.Request) bool {
	if f.opts.Authorize != nil {
		return f.opts.Authorize(w, r)
	}
	if c := f.opts.Credentials; c != nil && !c.Accepts(r) {
		f.writeError(w, r, Failure{Status: http.StatusUnauthorized, Unauthorized: true})
		return false
	}
	return true
}

func (f *Faults) writeError(w http.ResponseWriter, r *http.Request, fl Failure) {
	if f.opts.WriteError != nil {
		f.opts.WriteError(w, r, fl)
		return
	}
	if fl.CursorRefused {
		fl.Status = http.StatusBadRequest
	}
	writeJSON(w, fl.Status, map[string]string{"message": http.StatusText(fl.Status)})
}

// sleepCtx waits d, or until ctx ends; it reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// resetConn closes the request's connection without an answer: a TCP
// reset (SO_LINGER 0) when the connection can be hijacked, otherwise the
// server's own abort (http.ErrAbortHandler).
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	raw := conn
	if tc, ok := conn.(interface{ NetConn() net.Conn }); ok { // TLS
		raw = tc.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	conn.Close()
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(s int)           { r.status = s }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

func (f *Faults) corruptBody(b []byte, mode string) []byte {
	switch mode {
	case CorruptTruncate:
		return b[:len(b)/2]
	case CorruptHTML:
		return []byte(f.opts.HTMLPage)
	case CorruptEmpty:
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return b[:len(b)/2]
	}
	var walk func(v any, top bool)
	walk = func(v any, top bool) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				switch {
				case (k == "id" || k == "key") && mode == CorruptMissingFields:
					delete(x, k)
				case top && mode == CorruptMissingFields && slices.Contains(f.opts.ListKeys, k):
					delete(x, k)
				case k == "id" && mode == CorruptWrongTypes:
					x[k] = map[string]any{}
				default:
					walk(c, false)
				}
			}
		case []any:
			for _, c := range x {
				walk(c, false)
			}
		}
	}
	walk(v, true)
	out, _ := json.Marshal(v)
	return out
}
