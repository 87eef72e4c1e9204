package simulate

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Faults of paging, part of the Faults middleware: a page that repeats
// (RepeatNext), a continuation the server refuses as expired
// (RefuseCursorNext), an answer cut mid-body by a reset (CutNext), and
// hooks that run when a given request arrives (OnRequest), so that a test
// can arm a fault for, or change the site before, the third page of a
// listing. A rule's path prefix ending in "$" matches that path exactly
// (a listing, not the per-item paths below it).

// pagingFaults are the paging rules of a Faults, under its lock.
type pagingFaults struct {
	repeats  []*repeatRule
	refusals []*faultRule
	cuts     []*faultRule
	hooks    []*requestHook
}

// repeatRule answers n requests with the answer it recorded first.
type repeatRule struct {
	prefix string
	n      int
	answer *recorder // nil until the first matching request is answered
}

// requestHook runs fn when the n-th matching request arrives.
type requestHook struct {
	prefix string
	n      int
	fn     func()
}

// matchPath reports whether a rule's prefix selects path: a prefix ending
// in "$" only that path, any other every path it starts.
func matchPath(prefix, path string) bool {
	if p, ok := strings.CutSuffix(prefix, "$"); ok {
		return path == p
	}
	return strings.HasPrefix(path, prefix)
}

// RepeatNext makes the next request whose path matches pathPrefix answer
// as usual, recorded, and the n matching requests after it answer that
// same status, headers and body again: a page that repeats, as a stale
// cache or a broken cursor serves it. The repeated page names, as its
// next page, the one the client just asked for, so a client that follows
// it blindly loops for as long as the rule lasts (a large n: for good).
func (f *Faults) RepeatNext(pathPrefix string, n int) {
	if n <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paging.repeats = append(f.paging.repeats, &repeatRule{prefix: pathPrefix, n: n})
}

// RefuseCursorNext makes the next n requests whose path matches
// pathPrefix and that continue a listing (a cursor, a page token, a page
// past the first: FaultOptions.Continues decides) answer as the vendor
// refuses a continuation it no longer takes: Failure{CursorRefused: true}
// through FaultOptions.WriteError, in the vendor's documented shape
// (Jira's 400 for an invalid nextPageToken, GitHub's 422 for a page it
// will not serve, ...). Requests that continue nothing pass and leave the
// rule. Without FaultOptions.Continues no request is refused.
func (f *Faults) RefuseCursorNext(pathPrefix string, n int) {
	f.add(&f.paging.refusals, &faultRule{prefix: pathPrefix, n: n})
}

// CutNext makes the next n requests whose path matches pathPrefix answer
// their status, headers (with the whole body's Content-Length) and the
// first half of the body, then close the connection with a TCP reset: a
// connection lost mid-body. Unlike ResetNext, the client has its answer's
// status in hand when the body breaks off.
func (f *Faults) CutNext(pathPrefix string, n int) {
	f.add(&f.paging.cuts, &faultRule{prefix: pathPrefix, n: n})
}

// OnRequest calls fn once, when the n-th request whose path matches
// pathPrefix (counted from this call) arrives, before any rule applies to
// it: fn may arm rules for that very request (the third page of a
// listing) or change the site between two pages. fn runs on the
// request's goroutine, without the middleware's lock.
func (f *Faults) OnRequest(pathPrefix string, n int, fn func()) {
	if n <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paging.hooks = append(f.paging.hooks, &requestHook{prefix: pathPrefix, n: n, fn: fn})
}

// ClearFaults drops every rule and hook not used up yet (FailNext,
// CorruptNext, SlowNext, ResetNext and the paging ones), so that the next
// requests are answered cleanly; the rate limit stays.
func (f *Faults) ClearFaults() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.slows, f.resets, f.fails, f.corrupts = nil, nil, nil, nil
	f.paging = pagingFaults{}
}

// Pending returns how many injected answers the rules not used up yet
// still hold, hooks included: 0 once every fault armed has happened.
func (f *Faults) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.paging.hooks)
	for _, rules := range [][]*faultRule{f.slows, f.resets, f.fails, f.corrupts, f.paging.refusals, f.paging.cuts} {
		for _, r := range rules {
			n += r.n
		}
	}
	for _, r := range f.paging.repeats {
		n += r.n
	}
	return n
}

// runHooks counts a request for the OnRequest hooks and runs those due.
func (f *Faults) runHooks(path string) {
	f.mu.Lock()
	var due []func()
	f.paging.hooks = slices.DeleteFunc(f.paging.hooks, func(h *requestHook) bool {
		if !matchPath(h.prefix, path) {
			return false
		}
		if h.n--; h.n > 0 {
			return false
		}
		due = append(due, h.fn)
		return true
	})
	f.mu.Unlock()
	for _, fn := range due {
		fn()
	}
}

// servePaging applies the paging rules to a request that no failure rule
// answered, and reports whether it answered the request.
func (f *Faults) servePaging(w http.ResponseWriter, r *http.Request) bool {
	path := r.URL.Path
	if f.opts.Continues != nil && f.peek(f.paging.refusals, path) && f.opts.Continues(r) &&
		f.take(&f.paging.refusals, path) != nil {
		f.writeError(w, r, Failure{CursorRefused: true})
		return true
	}
	if rec, replay := f.repeat(path); rec != nil {
		if !replay {
			f.next.ServeHTTP(rec, r)
		}
		writeRecorded(w, rec, -1)
		return true
	}
	if f.take(&f.paging.cuts, path) != nil {
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		f.next.ServeHTTP(rec, r)
		writeRecorded(w, rec, rec.body.Len()/2)
		_ = http.NewResponseController(w).Flush()
		resetConn(w)
		return true
	}
	return false
}

// peek reports whether a rule of rules matches path, using none up.
func (f *Faults) peek(rules []*faultRule, path string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.ContainsFunc(rules, func(r *faultRule) bool { return matchPath(r.prefix, path) })
}

// repeat returns the recorder of the first repeat rule matching path:
// one to record the answer into (replay false), or the answer to replay
// (replay true), which uses the rule up once.
func (f *Faults) repeat(path string) (rec *recorder, replay bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.paging.repeats, func(r *repeatRule) bool { return matchPath(r.prefix, path) })
	if i < 0 {
		return nil, false
	}
	rule := f.paging.repeats[i]
	if rule.answer == nil {
		rule.answer = &recorder{header: http.Header{}, status: http.StatusOK}
		return rule.answer, false
	}
	if rule.n--; rule.n <= 0 {
		f.paging.repeats = slices.Delete(f.paging.repeats, i, i+1)
	}
	return rule.answer, true
}

// writeRecorded writes a recorded answer: all of its body, or (limit ≥ 0)
// its first limit bytes under the whole body's Content-Length.
func writeRecorded(w http.ResponseWriter, rec *recorder, limit int) {
	h := w.Header()
	for k, v := range rec.header {
		h[k] = slices.Clone(v)
	}
	body := rec.body.Bytes()
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.status)
	if limit >= 0 && limit < len(body) {
		body = body[:limit]
	}
	w.Write(body)
}
