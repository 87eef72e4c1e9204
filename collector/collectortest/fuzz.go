package collectortest

import (
	"bytes"
	"io"
	"net/http"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/httpx"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// FuzzSite is a vendor's site for a source's fuzz target, in memory: Route
// names a request path's body (nil: NotFound, a 404). Each path is
// answered once: asked again (a next page), it is a 404, so a listing ends
// after its first page. It counts what it served, so that a run's
// allocations can be held to what its input pays for.
type FuzzSite struct {
	Route       func(path string) []byte
	NotFound    []byte // the vendor's 404 body
	ContentType string // default application/json

	mu       sync.Mutex
	asked    map[string]bool
	requests int
	bytes    int
}

// RoundTrip answers a request from Route.
func (s *FuzzSite) RoundTrip(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.asked == nil {
		s.asked = map[string]bool{}
	}
	body, status := s.Route(req.URL.Path), http.StatusOK
	if body == nil || s.asked[req.URL.Path] {
		body, status = s.NotFound, http.StatusNotFound
	}
	s.asked[req.URL.Path] = true
	s.requests++
	s.bytes += len(body)
	ct := s.ContentType
	if ct == "" {
		ct = "application/json"
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {ct}},
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: req}, nil
}

// Client is an HTTP client of s at baseURL, as a source builds its own
// (no retries).
func (s *FuzzSite) Client(baseURL string) *httpx.Client {
	return httpx.New(httpx.Options{Source: "fuzz", BaseURL: baseURL,
		HTTPClient: &http.Client{Transport: s}, MaxRetries: -1})
}

// CheckAllocs fails when a run allocated more than what it was sent pays
// for: a constant per request and a multiple of the bytes.
func (s *FuzzSite) CheckAllocs(t testing.TB, allocated uint64) {
	t.Helper()
	if limit := uint64(8<<20 + 64<<10*s.requests + 512*s.bytes); allocated > limit {
		t.Fatalf("a run of %d requests answered with %d bytes allocated %d bytes (limit %d)", s.requests, s.bytes, allocated, limit)
	}
}

// HeapAllocBytes is the bytes allocated on the heap so far.
func HeapAllocBytes() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// CheckRows checks every row a source mapped, as the runner commits them
// (after FitDateTimes): only tables in ids, whose id columns (ids[table])
// are never "" or "0" (an id no vendor gives: a missing one), every time
// within DateTime, the source's name on every row, no empty or "0" id in
// sprint_ids or milestone_ids, and tags an empty list rather than nil.
func CheckRows(t testing.TB, source string, ids map[string][]string, rows []warehouse.Row) {
	t.Helper()
	first, last := time.Unix(0, 0), time.Unix(1<<32-1, 0)
	fitted, _ := warehouse.FitDateTimes(rows)
	for i, r := range fitted {
		cols, ok := ids[r.Table()]
		if !ok {
			t.Fatalf("row %d: a %s row", i, r.Table())
		}
		vals := map[string]any{}
		for j, c := range warehouse.Columns(r) {
			v := warehouse.Values(r)[j]
			vals[c] = v
			var tm *time.Time
			switch x := v.(type) {
			case time.Time:
				tm = &x
			case *time.Time:
				tm = x
			}
			if tm != nil && (tm.Before(first) || tm.After(last)) {
				t.Fatalf("row %d (%s): %s %v is outside DateTime after FitDateTimes", i, r.Table(), c, tm)
			}
		}
		if vals["source"] != source {
			t.Fatalf("row %d (%s): source %q, want %q", i, r.Table(), vals["source"], source)
		}
		for _, c := range cols {
			if s, _ := vals[c].(string); s == "" || s == "0" {
				t.Fatalf("row %d (%s): %s is %q: %#v", i, r.Table(), c, s, r)
			}
		}
		for _, c := range []string{"sprint_ids", "milestone_ids"} {
			list, _ := vals[c].([]string)
			for _, id := range list {
				if id == "" || id == "0" {
					t.Fatalf("row %d (%s): %s holds %q: %#v", i, r.Table(), c, id, r)
				}
			}
		}
		if tags, ok := vals["tags"].([]string); ok && tags == nil {
			t.Fatalf("row %d (%s): tags nil (an Array column takes []string{})", i, r.Table())
		}
	}
}
