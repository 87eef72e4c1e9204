package httpx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/runway-analytics/runway/collector/httpx"
)

// sleeper records the waits the client asks for and returns at once.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeper) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// server is an httptest server whose handler gets the 1-based request
// number.
func server(t *testing.T, h func(w http.ResponseWriter, r *http.Request, n int)) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(w, r, int(hits.Add(1)))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func newClient(srv *httptest.Server, s *sleeper, mod ...func(*httpx.Options)) *httpx.Client {
	o := httpx.Options{Source: "jira", BaseURL: srv.URL, Sleep: s.Sleep}
	for _, m := range mod {
		m(&o)
	}
	return httpx.New(o)
}

func writeJSON(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	io.WriteString(w, body)
}

func TestRetryAfterSeconds(t *testing.T) {
	srv, hits := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, http.StatusTooManyRequests, `{"message":"slow down"}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"ok":true}`)
	})
	s := &sleeper{}
	c := newClient(srv, s)
	var out struct{ OK bool }
	resp, err := c.GetJSON(context.Background(), "/rest/api/3/myself", nil, &out)
	if err != nil {
		t.Fatal(err)
	}
	if !out.OK || resp.StatusCode != 200 {
		t.Errorf("got %+v, status %d", out, resp.StatusCode)
	}
	if got := s.Waits(); len(got) != 1 || got[0] != time.Second {
		t.Errorf("waits = %v, want [1s]", got)
	}
	if hits.Load() != 2 {
		t.Errorf("hits = %d, want 2", hits.Load())
	}
}

func TestRetryAfterHTTPDate(t *testing.T) {
	srv, hits := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", time.Now().Add(3*time.Second).UTC().Format(http.TimeFormat))
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		writeJSON(w, http.StatusOK, `{}`)
	})
	s := &sleeper{}
	if _, err := newClient(srv, s).Do(context.Background(), "GET", "/x", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	// HTTP-dates have whole seconds: the wait is in (1s, 3s].
	if got := s.Waits(); len(got) != 1 || got[0] <= time.Second || got[0] > 3*time.Second {
		t.Errorf("waits = %v, want one in (1s, 3s]", got)
	}
	if hits.Load() != 2 {
		t.Errorf("hits = %d, want 2", hits.Load())
	}
}

func TestGitHubPrimaryRateLimit403(t *testing.T) {
	srv, hits := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.Header().Set("X-RateLimit-Limit", "5000")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(5*time.Second).Unix(), 10))
			writeJSON(w, http.StatusForbidden, `{"message":"API rate limit exceeded"}`)
			return
		}
		writeJSON(w, http.StatusOK, `[]`)
	})
	s := &sleeper{}
	m := httpx.NewMetrics(prometheus.NewRegistry())
	c := newClient(srv, s, func(o *httpx.Options) { o.Source = "github"; o.Metrics = m })
	var out []any
	if _, err := c.GetJSON(context.Background(), "/repos/o/r/milestones", url.Values{"state": {"all"}}, &out); err != nil {
		t.Fatal(err)
	}
	if got := s.Waits(); len(got) != 1 || got[0] <= 3*time.Second || got[0] > 5*time.Second {
		t.Errorf("waits = %v, want one in (3s, 5s]", got)
	}
	if hits.Load() != 2 {
		t.Errorf("hits = %d, want 2", hits.Load())
	}
	if got := testutil.ToFloat64(m.Retries.WithLabelValues("github", "rate_limit")); got != 1 {
		t.Errorf("retries{rate_limit} = %v, want 1", got)
	}
}

func TestJiraISOReset(t *testing.T) {
	// Jira Cloud sends X-RateLimit-Reset as an ISO-8601 timestamp, sometimes
	// to the minute only.
	for _, tc := range []struct {
		name     string
		reset    func(now time.Time) string
		min, max time.Duration
	}{
		{"seconds", func(now time.Time) string {
			return now.Add(30 * time.Second).UTC().Format(time.RFC3339)
		}, 28 * time.Second, 30 * time.Second},
		{"minutes", func(now time.Time) string {
			return now.UTC().Truncate(time.Minute).Add(2 * time.Minute).Format("2006-01-02T15:04Z")
		}, 59 * time.Second, 2 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, hits := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					w.Header().Set("X-RateLimit-Reset", tc.reset(time.Now()))
					writeJSON(w, http.StatusTooManyRequests, `{"errorMessages":["rate limited"]}`)
					return
				}
				writeJSON(w, http.StatusOK, `{}`)
			})
			s := &sleeper{}
			c := newClient(srv, s, func(o *httpx.Options) { o.MaxWait = 5 * time.Minute })
			if _, err := c.Do(context.Background(), "GET", "/rest/api/3/search/jql", nil, nil, nil); err != nil {
				t.Fatal(err)
			}
			if got := s.Waits(); len(got) != 1 || got[0] < tc.min || got[0] > tc.max {
				t.Errorf("waits = %v, want one in [%v, %v]", got, tc.min, tc.max)
			}
			if hits.Load() != 2 {
				t.Errorf("hits = %d, want 2", hits.Load())
			}
		})
	}
}

func TestZendeskRateLimitReset(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.Header().Set("ratelimit-reset", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		writeJSON(w, http.StatusOK, `{}`)
	})
	s := &sleeper{}
	if _, err := newClient(srv, s).Do(context.Background(), "GET", "/api/v2/tickets", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := s.Waits(); len(got) != 1 || got[0] != 7*time.Second {
		t.Errorf("waits = %v, want [7s]", got)
	}
}

func Test500RetriedThenSuccess(t *testing.T) {
	srv, hits := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			writeJSON(w, http.StatusInternalServerError, `{"error":"oops"}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"id":7}`)
	})
	s := &sleeper{}
	c := newClient(srv, s, func(o *httpx.Options) { o.MinBackoff = 100 * time.Millisecond })
	var out struct{ ID int }
	if _, err := c.GetJSON(context.Background(), "/x", nil, &out); err != nil {
		t.Fatal(err)
	}
	if out.ID != 7 || hits.Load() != 2 {
		t.Errorf("out = %+v, hits = %d", out, hits.Load())
	}
	if got := s.Waits(); len(got) != 1 || got[0] < 0 || got[0] > 100*time.Millisecond {
		t.Errorf("waits = %v, want one in [0, 100ms] (full jitter)", got)
	}
}

func Test503RetryAfterHonoured(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "4")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	s := &sleeper{}
	if _, err := newClient(srv, s).Do(context.Background(), "GET", "/x", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := s.Waits(); len(got) != 1 || got[0] != 4*time.Second {
		t.Errorf("waits = %v, want [4s]", got)
	}
}

func Test502Exhausted(t *testing.T) {
	srv, hits := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html>bad gateway</html>")
	})
	s := &sleeper{}
	c := newClient(srv, s, func(o *httpx.Options) {
		o.MaxRetries = 3
		o.MinBackoff = time.Second
		o.MaxBackoff = 3 * time.Second
	})
	_, err := c.Do(context.Background(), "GET", "/rest/api/3/search/jql", url.Values{"jql": {"project = X"}}, nil, nil)
	if !errors.Is(err, httpx.ErrRetriesExhausted) {
		t.Fatalf("err = %v, want ErrRetriesExhausted", err)
	}
	var se *httpx.StatusError
	if !errors.As(err, &se) {
		t.Fatalf("err = %T, want *StatusError", err)
	}
	if se.StatusCode != 502 || se.Attempts != 4 || se.Source != "jira" || se.Method != "GET" {
		t.Errorf("StatusError = %+v", se)
	}
	want := "jira: GET /rest/api/3/search/jql: 502 Bad Gateway: retries exhausted after 4 attempts: <html>bad gateway</html>"
	if err.Error() != want {
		t.Errorf("Error() =\n %s\nwant\n %s", err, want)
	}
	if hits.Load() != 4 {
		t.Errorf("hits = %d, want 4", hits.Load())
	}
	waits := s.Waits()
	if len(waits) != 3 {
		t.Fatalf("waits = %v, want 3 (none after the last attempt)", waits)
	}
	for i, ceil := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second} {
		if waits[i] < 0 || waits[i] > ceil {
			t.Errorf("wait %d = %v, want in [0, %v]", i+1, waits[i], ceil)
		}
	}
}

func TestClientErrorsNotRetried(t *testing.T) {
	for _, tc := range []struct {
		code   int
		header map[string]string
	}{
		{400, nil}, {401, nil}, {403, map[string]string{"X-RateLimit-Remaining": "4999"}},
		{404, nil}, {409, nil}, {410, nil}, {422, nil},
	} {
		t.Run(strconv.Itoa(tc.code), func(t *testing.T) {
			srv, hits := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				writeJSON(w, tc.code, `{"errorMessages":["nope"]}`)
			})
			s := &sleeper{}
			m := httpx.NewMetrics(prometheus.NewRegistry())
			c := newClient(srv, s, func(o *httpx.Options) { o.Metrics = m })
			var out any
			_, err := c.GetJSON(context.Background(), "/rest/api/3/search/jql", url.Values{"jql": {"x"}}, &out)
			var se *httpx.StatusError
			if !errors.As(err, &se) || se.StatusCode != tc.code || se.Attempts != 1 {
				t.Fatalf("err = %v, want *StatusError %d after 1 attempt", err, tc.code)
			}
			if errors.Is(err, httpx.ErrRetriesExhausted) {
				t.Error("a 4xx must not count as retries exhausted")
			}
			if !httpx.IsStatus(err, tc.code) {
				t.Error("IsStatus false")
			}
			want := fmt.Sprintf(`jira: GET /rest/api/3/search/jql: %d %s: {"errorMessages":["nope"]}`, tc.code, http.StatusText(tc.code))
			if err.Error() != want {
				t.Errorf("Error() = %s\nwant %s", err, want)
			}
			if hits.Load() != 1 {
				t.Errorf("hits = %d, want exactly 1", hits.Load())
			}
			if len(s.Waits()) != 0 {
				t.Errorf("slept %v", s.Waits())
			}
			if got := testutil.CollectAndCount(m.Retries); got != 0 {
				t.Errorf("retries series = %d, want 0", got)
			}
		})
	}
}

func TestStatusErrorBodySnippet(t *testing.T) {
	long := strings.Repeat("x", 2000)
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, long)
	})
	_, err := newClient(srv, &sleeper{}).Do(context.Background(), "GET", "/x", nil, nil, nil)
	var se *httpx.StatusError
	if !errors.As(err, &se) || len(se.Body) != 512 {
		t.Fatalf("err = %v; body snippet length %d, want 512", err, len(se.Body))
	}
}

func TestRetryAfterTooLong(t *testing.T) {
	for _, tc := range []struct {
		name   string
		code   int
		header func() (string, string)
	}{
		{"retry-after", 429, func() (string, string) { return "Retry-After", "3600" }},
		{"github reset", 403, func() (string, string) {
			return "X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(47*time.Minute).Unix(), 10)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, hits := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
				k, v := tc.header()
				w.Header().Set(k, v)
				w.Header().Set("X-RateLimit-Remaining", "0")
				writeJSON(w, tc.code, `{"message":"API rate limit exceeded"}`)
			})
			s := &sleeper{}
			c := newClient(srv, s, func(o *httpx.Options) { o.Source = "github" })
			start := time.Now()
			_, err := c.Do(context.Background(), "GET", "/repos/o/r/issues", nil, nil, nil)
			if !errors.Is(err, httpx.ErrRateLimitWaitTooLong) {
				t.Fatalf("err = %v, want ErrRateLimitWaitTooLong", err)
			}
			if errors.Is(err, httpx.ErrRetriesExhausted) {
				t.Error("must not also be ErrRetriesExhausted")
			}
			var se *httpx.StatusError
			if !errors.As(err, &se) || se.StatusCode != tc.code || se.Wait < 40*time.Minute {
				t.Errorf("StatusError = %+v", se)
			}
			if !strings.HasPrefix(err.Error(), fmt.Sprintf("github: GET /repos/o/r/issues: %d %s: rate-limit wait too long: server asked to wait ", tc.code, http.StatusText(tc.code))) {
				t.Errorf("Error() = %s", err)
			}
			if len(s.Waits()) != 0 {
				t.Errorf("slept %v, want no sleep", s.Waits())
			}
			if hits.Load() != 1 || time.Since(start) > 5*time.Second {
				t.Errorf("hits = %d, took %v", hits.Load(), time.Since(start))
			}
		})
	}
}

func TestContextCancelDuringWait(t *testing.T) {
	srv, hits := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	// The real, timer-based Sleep.
	c := httpx.New(httpx.Options{Source: "zendesk", BaseURL: srv.URL})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Do(ctx, "GET", "/api/v2/incremental/tickets/cursor.json", nil, nil, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v: the wait did not stop on cancel", d)
	}
	if hits.Load() != 1 {
		t.Errorf("hits = %d, want 1", hits.Load())
	}
	if !strings.HasPrefix(err.Error(), "zendesk: GET /api/v2/incremental/tickets/cursor.json: ") {
		t.Errorf("Error() = %s", err)
	}
}

func TestContextAlreadyCancelled(t *testing.T) {
	srv, hits := server(t, func(w http.ResponseWriter, r *http.Request, n int) { w.WriteHeader(200) })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newClient(srv, &sleeper{}).Do(ctx, "GET", "/x", nil, nil, nil)
	if !errors.Is(err, context.Canceled) || hits.Load() != 0 {
		t.Errorf("err = %v, hits = %d", err, hits.Load())
	}
}

func TestMalformedJSONNamesEndpoint(t *testing.T) {
	srv, hits := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, http.StatusOK, `{"values":[{"id":1},}`)
	})
	var out struct{ Values []struct{ ID int } }
	_, err := newClient(srv, &sleeper{}).GetJSON(context.Background(), "/rest/agile/1.0/board/12/sprint", url.Values{"startAt": {"0"}}, &out)
	if err == nil {
		t.Fatal("no error")
	}
	const prefix = "jira: GET /rest/agile/1.0/board/12/sprint: decoding response: invalid character '}'"
	if !strings.HasPrefix(err.Error(), prefix) {
		t.Errorf("Error() = %s\nwant prefix %s", err, prefix)
	}
	var syn *json.SyntaxError
	if !errors.As(err, &syn) {
		t.Errorf("err does not wrap *json.SyntaxError: %v", err)
	}
	if hits.Load() != 1 {
		t.Errorf("hits = %d: a decoding error must not be retried", hits.Load())
	}
}

func TestTruncatedJSON(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, http.StatusOK, `{"values":[{"id":1}`)
	})
	var out struct{ Values []struct{ ID int } }
	_, err := newClient(srv, &sleeper{}).GetJSON(context.Background(), "/rest/agile/1.0/board/12/sprint", nil, &out)
	const want = "jira: GET /rest/agile/1.0/board/12/sprint: decoding response: unexpected EOF"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("err does not wrap io.ErrUnexpectedEOF")
	}
}

func TestEmptyAndTrailingJSON(t *testing.T) {
	for body, want := range map[string]string{
		"":                "jira: GET /x: decoding response: empty body",
		`{"a":1} {"b":2}`: "jira: GET /x: decoding response: unexpected data after the JSON value",
	} {
		srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) { writeJSON(w, 200, body) })
		var out map[string]any
		_, err := newClient(srv, &sleeper{}).GetJSON(context.Background(), "/x", nil, &out)
		if err == nil || err.Error() != want {
			t.Errorf("body %q: err = %v, want %s", body, err, want)
		}
	}
}

func TestUnknownFieldsIgnored(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, `{"id":3,"brandNewVendorField":{"x":[1,2]}}`+"\n")
	})
	var out struct{ ID int }
	if _, err := newClient(srv, &sleeper{}).GetJSON(context.Background(), "/x", nil, &out); err != nil || out.ID != 3 {
		t.Errorf("out = %+v, err = %v", out, err)
	}
}

// A body cut short at the HTTP level (Content-Length not reached) is a
// transport error: retried, then reported as exhausted.
func TestTruncatedBodyTransportRetried(t *testing.T) {
	srv, hits := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"values":[`)
	})
	s := &sleeper{}
	m := httpx.NewMetrics(prometheus.NewRegistry())
	c := newClient(srv, s, func(o *httpx.Options) { o.MaxRetries = 2; o.Metrics = m })
	var out any
	_, err := c.GetJSON(context.Background(), "/rest/api/3/search/jql", nil, &out)
	if !errors.Is(err, httpx.ErrRetriesExhausted) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want ErrRetriesExhausted wrapping unexpected EOF", err)
	}
	if !strings.HasPrefix(err.Error(), "jira: GET /rest/api/3/search/jql: retries exhausted after 3 attempts: ") {
		t.Errorf("Error() = %s", err)
	}
	if hits.Load() != 3 {
		t.Errorf("hits = %d, want 3", hits.Load())
	}
	if got := testutil.ToFloat64(m.Retries.WithLabelValues("jira", "transport")); got != 2 {
		t.Errorf("retries{transport} = %v, want 2", got)
	}
	if got := testutil.ToFloat64(m.Requests.WithLabelValues("jira", "error")); got != 3 {
		t.Errorf("requests{error} = %v, want 3", got)
	}
}

func TestResponseTooLarge(t *testing.T) {
	srv, hits := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		io.WriteString(w, strings.Repeat("a", 11))
	})
	c := newClient(srv, &sleeper{}, func(o *httpx.Options) { o.MaxBodyBytes = 10 })
	_, err := c.Do(context.Background(), "GET", "/big", nil, nil, nil)
	if !errors.Is(err, httpx.ErrResponseTooLarge) || hits.Load() != 1 {
		t.Errorf("err = %v, hits = %d; want ErrResponseTooLarge after 1 request", err, hits.Load())
	}
	// Exactly at the limit is fine.
	c = newClient(srv, &sleeper{}, func(o *httpx.Options) { o.MaxBodyBytes = 11 })
	if resp, err := c.Do(context.Background(), "GET", "/big", nil, nil, nil); err != nil || len(resp.Body) != 11 {
		t.Errorf("at limit: err = %v", err)
	}
}

func TestConditional304(t *testing.T) {
	const etag = `W/"abc123"`
	srv, hits := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.Header.Get("If-None-Match") == etag {
			w.Header().Set("ETag", etag)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		writeJSON(w, http.StatusOK, `[{"number":1,"title":"v1.0"}]`)
	})
	c := newClient(srv, &sleeper{}, func(o *httpx.Options) { o.Source = "github" })
	var ms []struct {
		Number int
		Title  string
	}
	resp, nm, err := c.GetJSONConditional(context.Background(), "/repos/o/r/milestones", url.Values{"state": {"all"}}, "", &ms)
	if err != nil || nm || len(ms) != 1 || ms[0].Title != "v1.0" {
		t.Fatalf("first: ms = %+v, notModified = %v, err = %v", ms, nm, err)
	}
	got := resp.Header.Get("ETag")
	if got != etag {
		t.Fatalf("ETag = %q", got)
	}
	var again []struct{ Number int }
	resp, nm, err = c.GetJSONConditional(context.Background(), "/repos/o/r/milestones", url.Values{"state": {"all"}}, got, &again)
	if err != nil || !nm || resp.StatusCode != http.StatusNotModified || again != nil {
		t.Fatalf("second: notModified = %v, status %v, out = %v, err = %v", nm, resp, again, err)
	}
	// Do treats 304 as success too.
	resp, err = c.Do(context.Background(), "GET", "/repos/o/r/milestones", nil, nil, http.Header{"If-None-Match": {etag}})
	if err != nil || resp.StatusCode != 304 {
		t.Errorf("Do 304: %v, %v", resp, err)
	}
	if hits.Load() != 3 {
		t.Errorf("hits = %d, want 3", hits.Load())
	}
}

func TestNextLink(t *testing.T) {
	tests := []struct {
		name string
		link []string
		want string
	}{
		{"none", nil, ""},
		{"github", []string{`<https://api.github.com/repositories/1300192/issues?page=2>; rel="next", <https://api.github.com/repositories/1300192/issues?page=515>; rel="last"`},
			"https://api.github.com/repositories/1300192/issues?page=2"},
		{"github last page", []string{`<https://api.github.com/repositories/1300192/issues?page=514>; rel="prev", <https://api.github.com/repositories/1300192/issues?page=1>; rel="first"`}, ""},
		{"gitlab", []string{`<https://gitlab.example.com/api/v4/projects/8/issues?id=8&page=1&per_page=3>; rel="prev", <https://gitlab.example.com/api/v4/projects/8/issues?id=8&page=3&per_page=3>; rel="next", <https://gitlab.example.com/api/v4/projects/8/issues?id=8&page=1&per_page=3>; rel="first"`},
			"https://gitlab.example.com/api/v4/projects/8/issues?id=8&page=3&per_page=3"},
		{"comma in URL", []string{`<https://api.github.com/x?labels=a,b&page=1>; rel="prev", <https://api.github.com/x?labels=a,b&page=3>; rel="next"`},
			"https://api.github.com/x?labels=a,b&page=3"},
		{"unquoted rel, extra params", []string{`<https://h/p?page=2>; title="a; b, c"; rel=next`}, "https://h/p?page=2"},
		{"multiple rels", []string{`<https://h/p?page=2>; rel="next last"`}, "https://h/p?page=2"},
		{"case", []string{`<https://h/p?page=2>; REL="Next"`}, "https://h/p?page=2"},
		{"separate headers", []string{`<https://h/p?page=1>; rel="prev"`, `<https://h/p?page=3>; rel="next"`}, "https://h/p?page=3"},
		{"garbage", []string{`nonsense; rel="next"`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tt.link {
				h.Add("Link", v)
			}
			if got := httpx.NextLink(h); got != tt.want {
				t.Errorf("NextLink = %q, want %q", got, tt.want)
			}
		})
	}
}

// Following next links end to end, as the GitHub and GitLab sources do.
func TestPagingWithNextLink(t *testing.T) {
	var srv *httptest.Server
	srv, _ = server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page == 0 {
			page = 1
		}
		if r.URL.Query().Get("state") != "all" || r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if page < 3 {
			w.Header().Set("Link", fmt.Sprintf(`<%s/repos/o/r/milestones?page=%d&state=all>; rel="next"`, srv.URL, page+1))
		}
		writeJSON(w, 200, fmt.Sprintf(`[{"number":%d}]`, page))
	})
	c := newClient(srv, &sleeper{}, func(o *httpx.Options) { o.Auth = httpx.BearerAuth("tok") })
	var all []int
	path, q := "/repos/o/r/milestones", url.Values{"state": {"all"}}
	for path != "" {
		var page []struct{ Number int }
		resp, err := c.GetJSON(context.Background(), path, q, &page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page {
			all = append(all, m.Number)
		}
		path, q = httpx.NextLink(resp.Header), nil
	}
	if fmt.Sprint(all) != "[1 2 3]" {
		t.Errorf("pages = %v", all)
	}
}

func TestMetricsExactCounts(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch n {
		case 1:
			w.WriteHeader(http.StatusTooManyRequests) // no headers: backoff
			io.WriteString(w, "slow")                 // 4 bytes
		case 2:
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, "oops!") // 5 bytes
		case 3:
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Unix(), 10))
			w.WriteHeader(http.StatusForbidden) // 0 bytes
		case 4:
			io.WriteString(w, `{"ok":true}`) // 11 bytes
		default:
			w.WriteHeader(http.StatusNotFound) // 0 bytes
		}
	})
	reg := prometheus.NewRegistry()
	m := httpx.NewMetrics(reg)
	c := newClient(srv, &sleeper{}, func(o *httpx.Options) { o.Source = "github"; o.Metrics = m })
	if _, err := c.Do(context.Background(), "GET", "/a", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(context.Background(), "GET", "/b", nil, nil, nil); !httpx.IsStatus(err, 404) {
		t.Fatalf("err = %v, want 404", err)
	}
	want := `
# HELP runway_collector_requests_total HTTP requests made to upstream sources, by source and HTTP status code ("error" for transport failures).
# TYPE runway_collector_requests_total counter
runway_collector_requests_total{code="200",source="github"} 1
runway_collector_requests_total{code="403",source="github"} 1
runway_collector_requests_total{code="404",source="github"} 1
runway_collector_requests_total{code="429",source="github"} 1
runway_collector_requests_total{code="500",source="github"} 1
# HELP runway_collector_retries_total HTTP requests to upstream sources that were retried, by source and reason (429, 5xx, transport, rate_limit).
# TYPE runway_collector_retries_total counter
runway_collector_retries_total{reason="429",source="github"} 1
runway_collector_retries_total{reason="5xx",source="github"} 1
runway_collector_retries_total{reason="rate_limit",source="github"} 1
# HELP runway_collector_response_bytes_total Response body bytes read from upstream sources.
# TYPE runway_collector_response_bytes_total counter
runway_collector_response_bytes_total{source="github"} 20
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}

	// A second NewMetrics on the same registry shares the collectors.
	m2 := httpx.NewMetrics(reg)
	if got := testutil.ToFloat64(m2.Requests.WithLabelValues("github", "200")); got != 1 {
		t.Errorf("shared registration: requests{200} = %v, want 1", got)
	}
}

func TestTransportErrorCountedAsError(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		// Drop the connection without a response.
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close()
	})
	m := httpx.NewMetrics(prometheus.NewRegistry())
	st := &httpx.Stats{}
	c := newClient(srv, &sleeper{}, func(o *httpx.Options) { o.MaxRetries = 1; o.Metrics = m; o.Stats = st })
	_, err := c.Do(context.Background(), "GET", "/x", nil, nil, nil)
	if !errors.Is(err, httpx.ErrRetriesExhausted) {
		t.Fatalf("err = %v", err)
	}
	if got := testutil.ToFloat64(m.Requests.WithLabelValues("jira", "error")); got != 2 {
		t.Errorf("requests{error} = %v, want 2", got)
	}
	if got := testutil.ToFloat64(m.Retries.WithLabelValues("jira", "transport")); got != 1 {
		t.Errorf("retries{transport} = %v, want 1", got)
	}
	if got := st.Snapshot(); got != (httpx.StatsSnapshot{Requests: 2, Retries: 1}) {
		t.Errorf("stats = %+v", got)
	}
}

func TestStatsDeltas(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 2 {
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "bad") // 3 bytes
			return
		}
		io.WriteString(w, `{"n":1}`) // 7 bytes
	})
	st := &httpx.Stats{}
	c := newClient(srv, &sleeper{}, func(o *httpx.Options) { o.Stats = st })
	if _, err := c.Do(context.Background(), "GET", "/x", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	before := st.Snapshot()
	if before != (httpx.StatsSnapshot{Requests: 1, Bytes: 7}) {
		t.Errorf("before = %+v", before)
	}
	// Run 2: a 502 then success.
	if _, err := c.Do(context.Background(), "GET", "/x", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if d := st.Snapshot().Sub(before); d != (httpx.StatsSnapshot{Requests: 2, Retries: 1, Bytes: 10}) {
		t.Errorf("delta = %+v, want {Requests:2 Retries:1 Bytes:10}", d)
	}
	var nilStats *httpx.Stats
	if nilStats.Snapshot() != (httpx.StatsSnapshot{}) {
		t.Error("nil Stats snapshot not zero")
	}
}

func TestAuthHeaders(t *testing.T) {
	for _, tc := range []struct {
		name  string
		auth  func(*http.Request)
		check func(r *http.Request) bool
	}{
		{"basic", httpx.BasicAuth("me@example.com", "api-token"), func(r *http.Request) bool {
			u, p, ok := r.BasicAuth()
			return ok && u == "me@example.com" && p == "api-token"
		}},
		{"bearer", httpx.BearerAuth("ghp_x"), func(r *http.Request) bool {
			return r.Header.Get("Authorization") == "Bearer ghp_x"
		}},
		{"header", httpx.HeaderAuth("PRIVATE-TOKEN", "glpat-x"), func(r *http.Request) bool {
			return r.Header.Get("PRIVATE-TOKEN") == "glpat-x" && r.Header.Get("Authorization") == ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var bad atomic.Int64
			srv, hits := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if !tc.check(r) || !strings.HasPrefix(r.Header.Get("User-Agent"), "runway/") ||
					r.Header.Get("X-GitHub-Api-Version") != "2022-11-28" || r.Header.Get("Accept") != "application/vnd.github+json" {
					bad.Add(1)
				}
				if n == 1 {
					w.WriteHeader(500) // the retry must carry the credentials too
					return
				}
				writeJSON(w, 200, `{}`)
			})
			c := newClient(srv, &sleeper{}, func(o *httpx.Options) {
				o.Auth = tc.auth
				o.Header = http.Header{"Accept": {"application/vnd.github+json"}, "X-Github-Api-Version": {"2022-11-28"}}
			})
			var out any
			if _, err := c.GetJSON(context.Background(), "/user", nil, &out); err != nil {
				t.Fatal(err)
			}
			if hits.Load() != 2 || bad.Load() != 0 {
				t.Errorf("hits = %d, requests with wrong headers = %d", hits.Load(), bad.Load())
			}
		})
	}
}

func TestCustomUserAgentAndDefaultAccept(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.Header.Get("User-Agent") != "runway/1.2.3" || r.Header.Get("Accept") != "application/json" {
			w.WriteHeader(400)
			return
		}
		writeJSON(w, 200, `{}`)
	})
	c := newClient(srv, &sleeper{}, func(o *httpx.Options) { o.UserAgent = "runway/1.2.3" })
	var out any
	if _, err := c.GetJSON(context.Background(), "/x", nil, &out); err != nil {
		t.Fatal(err)
	}
}

func TestCredentialsNotSentToForeignHost(t *testing.T) {
	foreign, foreignHits := server(t, func(w http.ResponseWriter, r *http.Request, n int) { w.WriteHeader(200) })
	home, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) { w.WriteHeader(200) })
	c := newClient(home, &sleeper{}, func(o *httpx.Options) { o.Auth = httpx.BearerAuth("secret-token") })
	_, err := c.Do(context.Background(), "GET", foreign.URL+"/steal?x=1", nil, nil, nil)
	if !errors.Is(err, httpx.ErrForeignHost) || foreignHits.Load() != 0 {
		t.Errorf("err = %v, foreign hits = %d", err, foreignHits.Load())
	}
	// Without credentials an absolute URL anywhere is fine.
	c = newClient(home, &sleeper{})
	if _, err := c.Do(context.Background(), "GET", foreign.URL+"/ok", nil, nil, nil); err != nil {
		t.Error(err)
	}
}

// TestRedirectsDropCredentials: a redirect to another origin (here
// another port) carries none of the headers Auth sets, GitLab's
// PRIVATE-TOKEN as well as Authorization; one within the origin keeps them.
func TestRedirectsDropCredentials(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		auth         func(*http.Request)
	}{
		{"private-token", "PRIVATE-TOKEN", httpx.HeaderAuth("PRIVATE-TOKEN", "glpat-x")},
		{"bearer", "Authorization", httpx.BearerAuth("glpat-x")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var leaked atomic.Value
			leaked.Store("")
			foreign, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
				leaked.Store(r.Header.Get(tc.header))
				writeJSON(w, 200, `{}`)
			})
			var kept atomic.Value
			kept.Store("")
			home, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
				switch r.URL.Path {
				case "/away":
					http.Redirect(w, r, foreign.URL+"/landing", http.StatusFound)
				case "/here":
					http.Redirect(w, r, "/landing", http.StatusMovedPermanently)
				default:
					kept.Store(r.Header.Get(tc.header))
					writeJSON(w, 200, `{}`)
				}
			})
			hc := home.Client()
			c := newClient(home, &sleeper{}, func(o *httpx.Options) { o.Auth, o.HTTPClient = tc.auth, hc })
			var out any
			if _, err := c.GetJSON(context.Background(), "/away", nil, &out); err != nil {
				t.Fatal(err)
			}
			if v := leaked.Load().(string); v != "" {
				t.Errorf("the foreign origin got %s: %q", tc.header, v)
			}
			if _, err := c.GetJSON(context.Background(), "/here", nil, &out); err != nil {
				t.Fatal(err)
			}
			if v := kept.Load().(string); !strings.Contains(v, "glpat-x") {
				t.Errorf("a redirect within the origin lost %s: %q", tc.header, v)
			}
			if hc.CheckRedirect != nil {
				t.Error("the caller's http.Client was changed")
			}
		})
	}
}

func TestBaseURLPrefixAndQueryMerge(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, fmt.Sprintf(`{"path":%q,"query":%q}`, r.URL.EscapedPath(), r.URL.RawQuery))
	})
	c := httpx.New(httpx.Options{Source: "gitlab", BaseURL: srv.URL + "/api/v4/", Sleep: (&sleeper{}).Sleep})
	var out struct{ Path, Query string }
	resp, err := c.GetJSON(context.Background(), "projects/group%2Fproj/milestones?state=active&page=1",
		url.Values{"page": {"2"}, "per_page": {"100"}}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if out.Path != "/api/v4/projects/group%2Fproj/milestones" || out.Query != "page=2&per_page=100&state=active" {
		t.Errorf("got %+v", out)
	}
	if !strings.HasSuffix(resp.URL, "/api/v4/projects/group%2Fproj/milestones?page=2&per_page=100&state=active") {
		t.Errorf("resp.URL = %s", resp.URL)
	}
}

func TestPostJSONBodyReplayedOnRetry(t *testing.T) {
	var bodies []string
	var mu sync.Mutex
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, r.Header.Get("Content-Type")+" "+string(b))
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(503)
			return
		}
		writeJSON(w, 200, `{"issues":[{"key":"X-1"}]}`)
	})
	c := newClient(srv, &sleeper{})
	var out struct{ Issues []struct{ Key string } }
	in := map[string]any{"jql": "project = X", "maxResults": 100}
	if _, err := c.PostJSON(context.Background(), "/rest/api/3/search/jql", nil, in, &out); err != nil {
		t.Fatal(err)
	}
	want := `application/json {"jql":"project = X","maxResults":100}`
	if len(bodies) != 2 || bodies[0] != want || bodies[1] != want {
		t.Errorf("bodies = %q", bodies)
	}
	if len(out.Issues) != 1 || out.Issues[0].Key != "X-1" {
		t.Errorf("out = %+v", out)
	}
}

func TestSecretsAbsentFromErrorsAndLogs(t *testing.T) {
	const secret = "s3cr3t-T0KEN"
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.WriteHeader(500)
			return
		}
		writeJSON(w, http.StatusUnauthorized, `{"message":"Bad credentials"}`)
	})
	c := newClient(srv, &sleeper{}, func(o *httpx.Options) {
		o.Auth = httpx.BasicAuth("me@example.com", secret)
		o.Logger = logger
	})
	q := url.Values{"access_token": {secret}}
	_, err := c.Do(context.Background(), "GET", "/user", q, nil, nil)
	if !httpx.IsStatus(err, 401) {
		t.Fatalf("err = %v", err)
	}
	var se *httpx.StatusError
	errors.As(err, &se)
	for name, s := range map[string]string{"Error()": err.Error(), "StatusError.URL": se.URL, "StatusError.Path": se.Path} {
		if strings.Contains(s, secret) {
			t.Errorf("%s contains the secret: %s", name, s)
		}
	}

	// Transport failure: net/http's *url.Error would print the full URL.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	c = httpx.New(httpx.Options{Source: "jira", BaseURL: deadURL, Auth: httpx.BearerAuth(secret),
		MaxRetries: 1, Sleep: (&sleeper{}).Sleep, Logger: logger})
	_, err = c.Do(context.Background(), "GET", "/rest/api/3/myself", q, nil, nil)
	if err == nil {
		t.Fatal("no error from a closed server")
	}
	if strings.Contains(err.Error(), secret) || !strings.HasPrefix(err.Error(), "jira: GET /rest/api/3/myself: retries exhausted after 2 attempts: ") {
		t.Errorf("transport error = %s", err)
	}
	if logs.Len() == 0 {
		t.Error("no debug logs")
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("logs contain the secret:\n%s", logs.String())
	}
	for _, want := range []string{"method=GET", "path=/user", "status=500", "attempt=1", "wait=", "reason=5xx"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
}

func TestMaxRetriesNegativeMeansNoRetry(t *testing.T) {
	srv, hits := server(t, func(w http.ResponseWriter, r *http.Request, n int) { w.WriteHeader(500) })
	c := newClient(srv, &sleeper{}, func(o *httpx.Options) { o.MaxRetries = -1 })
	_, err := c.Do(context.Background(), "GET", "/x", nil, nil, nil)
	if !errors.Is(err, httpx.ErrRetriesExhausted) || hits.Load() != 1 {
		t.Errorf("err = %v, hits = %d", err, hits.Load())
	}
}

func TestDefaultMaxRetries(t *testing.T) {
	srv, hits := server(t, func(w http.ResponseWriter, r *http.Request, n int) { w.WriteHeader(503) })
	s := &sleeper{}
	_, err := newClient(srv, s).Do(context.Background(), "GET", "/x", nil, nil, nil)
	if !errors.Is(err, httpx.ErrRetriesExhausted) || hits.Load() != 6 || len(s.Waits()) != 5 {
		t.Errorf("err = %v, hits = %d, waits = %v; want 6 attempts, 5 waits", err, hits.Load(), s.Waits())
	}
}

// slowOnce is a handler whose first request answers only after 300ms (or
// when the client gives up on it); later ones answer at once.
func slowOnce(w http.ResponseWriter, r *http.Request, n int) {
	if n == 1 {
		select {
		case <-time.After(300 * time.Millisecond):
		case <-r.Context().Done():
			return
		}
	}
	writeJSON(w, http.StatusOK, `{"ok":true}`)
}

// net/http's own timeouts satisfy errors.Is(err, context.DeadlineExceeded);
// they are transport failures to retry, not the caller's cancellation.
func TestHTTPClientTimeoutRetried(t *testing.T) {
	for name, hc := range map[string]*http.Client{
		"Client.Timeout":                  {Timeout: 100 * time.Millisecond},
		"Transport.ResponseHeaderTimeout": {Transport: &http.Transport{ResponseHeaderTimeout: 100 * time.Millisecond}},
	} {
		t.Run(name, func(t *testing.T) {
			srv, hits := server(t, slowOnce)
			s := &sleeper{}
			m := httpx.NewMetrics(prometheus.NewRegistry())
			c := newClient(srv, s, func(o *httpx.Options) { o.HTTPClient = hc; o.Metrics = m })
			var out struct{ OK bool }
			if _, err := c.GetJSON(context.Background(), "/x", nil, &out); err != nil {
				t.Fatalf("err = %v, want success on the second attempt", err)
			}
			if !out.OK || hits.Load() != 2 || len(s.Waits()) != 1 {
				t.Errorf("out = %+v, hits = %d, waits = %v; want success after 2 attempts, 1 wait", out, hits.Load(), s.Waits())
			}
			if got := testutil.ToFloat64(m.Retries.WithLabelValues("jira", "transport")); got != 1 {
				t.Errorf("retries{transport} = %v, want 1", got)
			}
		})
	}
}

// The caller's own deadline still stops at once, without a retry.
func TestCallerDeadlineNotRetried(t *testing.T) {
	srv, hits := server(t, slowOnce)
	s := &sleeper{}
	c := newClient(srv, s)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.Do(ctx, "GET", "/x", nil, nil, nil)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, httpx.ErrRetriesExhausted) {
		t.Fatalf("err = %v, want the caller's context.DeadlineExceeded", err)
	}
	if hits.Load() != 1 || len(s.Waits()) != 0 {
		t.Errorf("hits = %d, waits = %v; want 1 attempt, no wait", hits.Load(), s.Waits())
	}
}

// GitHub and GitLab send reset headers on every response: a 429 or 403
// with quota left must not wait for (or fail on) the end of the window.
func TestResetHeadersIgnoredWithQuotaLeft(t *testing.T) {
	reset := func() string { return strconv.FormatInt(time.Now().Add(40*time.Minute).Unix(), 10) }
	const secondaryBody = `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`
	for _, tc := range []struct {
		name     string
		code     int
		header   map[string]string
		body     string
		min, max time.Duration // the one wait expected
	}{
		{"github 429 with quota left: backoff", 429,
			map[string]string{"X-RateLimit-Remaining": "4000", "X-RateLimit-Reset": reset()}, `{}`, 0, 500 * time.Millisecond},
		{"gitlab 429 with quota left: backoff", 429,
			map[string]string{"RateLimit-Remaining": "10", "RateLimit-Reset": reset()}, `{}`, 0, 500 * time.Millisecond},
		{"429 with quota left and Retry-After: Retry-After", 429,
			map[string]string{"X-RateLimit-Remaining": "4000", "X-RateLimit-Reset": reset(), "Retry-After": "3"}, `{}`, 3 * time.Second, 3 * time.Second},
		{"github 403 secondary limit without Retry-After: at least a minute", 403,
			map[string]string{"X-RateLimit-Remaining": "4999", "X-RateLimit-Reset": reset()}, secondaryBody, time.Minute, time.Minute},
		{"github 429 secondary limit without Retry-After: at least a minute", 429,
			map[string]string{"X-RateLimit-Remaining": "4999", "X-RateLimit-Reset": reset()}, secondaryBody, time.Minute, time.Minute},
		{"github 403 secondary limit with Retry-After: Retry-After", 403,
			map[string]string{"X-RateLimit-Remaining": "4999", "X-RateLimit-Reset": reset(), "Retry-After": "5"}, secondaryBody, 5 * time.Second, 5 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, hits := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					for k, v := range tc.header {
						w.Header().Set(k, v)
					}
					writeJSON(w, tc.code, tc.body)
					return
				}
				writeJSON(w, http.StatusOK, `[]`)
			})
			s := &sleeper{}
			c := newClient(srv, s, func(o *httpx.Options) { o.Source = "github" })
			if _, err := c.Do(context.Background(), "GET", "/repos/o/r/issues", nil, nil, nil); err != nil {
				t.Fatalf("err = %v, want success after one retry", err)
			}
			if got := s.Waits(); len(got) != 1 || got[0] < tc.min || got[0] > tc.max {
				t.Errorf("waits = %v, want one in [%v, %v]", got, tc.min, tc.max)
			}
			if hits.Load() != 2 {
				t.Errorf("hits = %d, want 2", hits.Load())
			}
		})
	}
	// A secondary limit's minute is still bounded by MaxWait.
	srv, hits := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, http.StatusForbidden, secondaryBody)
	})
	s := &sleeper{}
	c := newClient(srv, s, func(o *httpx.Options) { o.MaxWait = 10 * time.Second })
	if _, err := c.Do(context.Background(), "GET", "/x", nil, nil, nil); !errors.Is(err, httpx.ErrRateLimitWaitTooLong) || hits.Load() != 1 {
		t.Errorf("err = %v, hits = %d; want ErrRateLimitWaitTooLong after 1 attempt", err, hits.Load())
	}
}

// roundTripFunc answers requests in-process, so origins like
// https://api.github.com can be tested without a network.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Credentials go to BaseURL's origin only: same scheme, host name and port,
// a missing port being the scheme's default.
func TestForeignHostComparesOrigin(t *testing.T) {
	for _, tc := range []struct {
		base, link string
		foreign    bool
	}{
		{"https://api.github.com", "https://api.github.com:443/repositories/1/issues?page=2", false},
		{"https://api.github.com:443", "https://api.github.com/repositories/1/issues?page=2", false},
		{"https://api.github.com", "https://API.GitHub.com/x", false},
		{"http://jira.local", "http://jira.local:80/x", false},
		{"https://gitlab.example.com/api/v4", "https://gitlab.example.com/api/v4/projects?page=2", false},
		{"https://api.github.com", "http://api.github.com/x", true},     // cleartext
		{"https://api.github.com", "http://api.github.com:443/x", true}, // cleartext, even on 443
		{"https://api.github.com", "https://api.github.com:8443/x", true},
		{"http://jira.local", "http://jira.local:8080/x", true},
		{"https://api.github.com", "https://evil.example.com/x", true},
		{"https://api.github.com", "https://api.github.com.evil.example.com/x", true},
	} {
		var sent []string
		hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			sent = append(sent, r.URL.String())
			return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("{}")), Request: r}, nil
		})}
		c := httpx.New(httpx.Options{Source: "github", BaseURL: tc.base, HTTPClient: hc, Auth: httpx.BearerAuth("secret-token")})
		_, err := c.Do(context.Background(), "GET", tc.link, nil, nil, nil)
		if tc.foreign {
			if !errors.Is(err, httpx.ErrForeignHost) || len(sent) != 0 {
				t.Errorf("base %s, link %s: err = %v, sent %v; want ErrForeignHost and nothing sent", tc.base, tc.link, err, sent)
			}
			continue
		}
		if err != nil || len(sent) != 1 {
			t.Errorf("base %s, link %s: err = %v, sent %v; want one request", tc.base, tc.link, err, sent)
		}
	}
}

// An absolute http:// link on the HTTPS base's own host and port would send
// the credentials in cleartext: refused before any request.
func TestCredentialsNotSentOverCleartext(t *testing.T) {
	var plainHits atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			plainHits.Add(1)
		}
		writeJSON(w, http.StatusOK, `{}`)
	}))
	t.Cleanup(srv.Close)
	c := httpx.New(httpx.Options{Source: "github", BaseURL: srv.URL, HTTPClient: srv.Client(),
		Auth: httpx.BearerAuth("secret-token"), Sleep: (&sleeper{}).Sleep, MaxRetries: -1})
	if _, err := c.Do(context.Background(), "GET", srv.URL+"/ok", nil, nil, nil); err != nil {
		t.Fatalf("same origin: %v", err)
	}
	plain := "http://" + strings.TrimPrefix(srv.URL, "https://") + "/next?page=2"
	_, err := c.Do(context.Background(), "GET", plain, nil, nil, nil)
	if !errors.Is(err, httpx.ErrForeignHost) || plainHits.Load() != 0 {
		t.Errorf("err = %v, cleartext requests = %d; want ErrForeignHost and none", err, plainHits.Load())
	}
}
