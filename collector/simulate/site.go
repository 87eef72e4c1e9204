package simulate

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Site is one vendor's simulated site: an http.Handler that serves an Org
// in the vendor's API shapes, behind the shared Faults middleware. Every
// simulated vendor implements it (*Jira does), so `runway demo` and tests
// can serve any set of them for one org.
type Site interface {
	http.Handler
	// Vendor names the vendor simulated, as the source type that collects
	// it is named (VendorJira).
	Vendor() string
	// Org is the org the site serves.
	Org() *Org
	// Faults is the middleware the site sits behind: request counts,
	// credentials, the rate limit and injected faults.
	Faults() *Faults
}

// ---- helpers every vendor's handler shares ----

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// baseURL is the scheme and host the request came to, for self links.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// window is the slice [lo, hi) of n items that an offset page of
// maxResults starting at startAt shows.
func window(n, startAt, maxResults int) (lo, hi int) {
	lo = min(startAt, n)
	hi = min(lo+maxResults, n)
	return lo, hi
}

// pageValues renders the items of sel that an offset page of maxResults
// starting at startAt shows, and reports whether it is the last page.
func pageValues[T any](sel []T, startAt, maxResults int, render func(T) any) (vals []any, last bool) {
	lo, hi := window(len(sel), startAt, maxResults)
	vals = make([]any, 0, hi-lo)
	for _, x := range sel[lo:hi] {
		vals = append(vals, render(x))
	}
	return vals, hi >= len(sel)
}

// containsFold reports whether list holds v, ignoring case and the space
// around list's entries (comma-separated query values).
func containsFold(list []string, v string) bool {
	for _, s := range list {
		if strings.EqualFold(strings.TrimSpace(s), v) {
			return true
		}
	}
	return false
}
