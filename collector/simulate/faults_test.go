package simulate

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// vendorBody is what the trivial vendor handler answers.
const vendorBody = `{"id":1,"key":"A-1","items":[{"id":2,"name":"x"}],"total":1}`

// vendor is a trivial vendor site: one JSON answer on every path, and a
// count of the requests that reached it.
type vendor struct{ calls atomic.Int64 }

func (v *vendor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.calls.Add(1)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Vendor", "yes")
	io.WriteString(w, vendorBody)
}

// testClock is a settable clock for the rate window.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newFaultSite(t *testing.T, opts FaultOptions) (*Faults, *vendor, string) {
	t.Helper()
	v := &vendor{}
	f := NewFaults(v, opts)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, v, srv.URL
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: body: %v", url, err)
	}
	return resp, string(b)
}

func TestFaultsCountsRequests(t *testing.T) {
	f, v, base := newFaultSite(t, FaultOptions{})
	for _, p := range []string{"/a", "/a", "/b/c", "/a?x=1"} {
		if resp, b := get(t, nil, base+p); resp.StatusCode != 200 || b != vendorBody || resp.Header.Get("X-Vendor") != "yes" {
			t.Fatalf("GET %s: %d %s", p, resp.StatusCode, b)
		}
	}
	if got := f.Requests(); len(got) != 2 || got["/a"] != 3 || got["/b/c"] != 1 {
		t.Errorf("requests %v", got)
	}
	f.Requests()["/a"] = 99 // a copy
	if f.Requests()["/a"] != 3 {
		t.Errorf("Requests returned the live map")
	}
	f.ResetRequests()
	if len(f.Requests()) != 0 {
		t.Errorf("reset did not clear: %v", f.Requests())
	}
	if v.calls.Load() != 4 {
		t.Errorf("vendor saw %d requests", v.calls.Load())
	}
}

func TestFaultsFailNext(t *testing.T) {
	var mu sync.Mutex // the hook runs on the server's goroutines
	var seen []Failure
	f, v, base := newFaultSite(t, FaultOptions{WriteError: func(w http.ResponseWriter, r *http.Request, fl Failure) {
		mu.Lock()
		seen = append(seen, fl)
		mu.Unlock()
		writeJSON(w, fl.Status, map[string]any{"vendorError": r.URL.Path})
	}})
	f.FailNext("/search", 429, 1, "7")
	f.FailNext("/s", 503, 2, "")
	f.FailNext("/ignored", 500, 0, "") // n <= 0: no rule
	resp, b := get(t, nil, base+"/search?q=1")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" || b != `{"vendorError":"/search"}`+"\n" {
		t.Errorf("first: %d %v %s", resp.StatusCode, resp.Header, b)
	}
	for i := 0; i < 2; i++ {
		resp, _ := get(t, nil, base+"/search")
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "" {
			t.Errorf("503 #%d: %d %v", i, resp.StatusCode, resp.Header)
		}
	}
	if resp, _ := get(t, nil, base+"/search"); resp.StatusCode != 200 {
		t.Errorf("after the rules: %d", resp.StatusCode)
	}
	if resp, _ := get(t, nil, base+"/ignored"); resp.StatusCode != 200 {
		t.Errorf("rule with n = 0 applied: %d", resp.StatusCode)
	}
	mu.Lock()
	if len(seen) != 3 || seen[0] != (Failure{Status: 429}) || seen[1].Status != 503 || seen[2].RateLimited {
		t.Errorf("hook saw %+v", seen)
	}
	mu.Unlock()
	if n := v.calls.Load(); n != 2 {
		t.Errorf("vendor handler ran %d times, want 2", n)
	}
	if got := f.Requests()["/search"]; got != 4 {
		t.Errorf("failed requests not counted: %d", got)
	}

	// Without a hook: a JSON message with the status text.
	f2, _, base2 := newFaultSite(t, FaultOptions{})
	f2.FailNext("/", 502, 1, "")
	resp, b = get(t, nil, base2+"/x")
	var e struct{ Message string }
	if resp.StatusCode != 502 || json.Unmarshal([]byte(b), &e) != nil || e.Message != "Bad Gateway" {
		t.Errorf("default failure: %d %s", resp.StatusCode, b)
	}
}

func TestFaultsCorruptNext(t *testing.T) {
	f, _, base := newFaultSite(t, FaultOptions{ListKeys: []string{"items"}, HTMLPage: "<html>vendor login</html>"})
	check := func(mode string, ok func(resp *http.Response, b string) bool) {
		t.Helper()
		f.CorruptNext("/list", mode)
		resp, b := get(t, nil, base+"/list")
		if resp.StatusCode != 200 || !ok(resp, b) {
			t.Errorf("%s: %d %v %q", mode, resp.StatusCode, resp.Header, b)
		}
		if resp, b := get(t, nil, base+"/list"); b != vendorBody {
			t.Errorf("%s: not one-shot: %d %s", mode, resp.StatusCode, b)
		}
	}
	check(CorruptTruncate, func(_ *http.Response, b string) bool { return b == vendorBody[:len(vendorBody)/2] })
	check(CorruptWrongTypes, func(_ *http.Response, b string) bool {
		return b == `{"id":{},"items":[{"id":{},"name":"x"}],"key":"A-1","total":1}`
	})
	check(CorruptMissingFields, func(_ *http.Response, b string) bool { return b == `{"total":1}` })
	check(CorruptHTML, func(resp *http.Response, b string) bool {
		return b == "<html>vendor login</html>" && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html")
	})
	check(CorruptEmpty, func(resp *http.Response, b string) bool { return b == "" && resp.Header.Get("X-Vendor") == "yes" })

	// A failure rule wins and leaves the corruption for the next request.
	f.FailNext("/list", 500, 1, "")
	f.CorruptNext("/list", CorruptEmpty)
	if resp, _ := get(t, nil, base+"/list"); resp.StatusCode != 500 {
		t.Errorf("fail before corrupt: %d", resp.StatusCode)
	}
	if _, b := get(t, nil, base+"/list"); b != "" {
		t.Errorf("corruption consumed by the failure: %q", b)
	}

	defer func() {
		if recover() == nil {
			t.Errorf("unknown mode did not panic")
		}
	}()
	f.CorruptNext("/", "sideways")
}

func TestFaultsRateLimitHeaders(t *testing.T) {
	clock := &testClock{t: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)}
	var states []RateState
	// GitHub's style: epoch-second reset, 403 over the limit without Retry-After.
	var mu sync.Mutex // the hooks run on the server's goroutines
	_, v, base := newFaultSite(t, FaultOptions{
		RateLimit: 2, RateWindow: time.Hour, RateLimitStatus: http.StatusForbidden, Clock: clock.now,
		RateHeaders: func(h http.Header, s RateState) {
			mu.Lock()
			states = append(states, s)
			mu.Unlock()
			h.Set("X-RateLimit-Limit", strconv.Itoa(s.Limit))
			h.Set("X-RateLimit-Remaining", strconv.Itoa(s.Remaining()))
			h.Set("X-RateLimit-Used", strconv.Itoa(s.Used))
			h.Set("X-RateLimit-Reset", strconv.FormatInt(s.Reset.Unix(), 10))
		},
		WriteError: func(w http.ResponseWriter, _ *http.Request, fl Failure) {
			if fl.RateLimited {
				w.Header().Del("Retry-After")
			}
			writeJSON(w, fl.Status, map[string]string{"message": "API rate limit exceeded"})
		},
	})
	reset := strconv.FormatInt(clock.now().Add(time.Hour).Unix(), 10)
	for i, want := range []struct {
		status    int
		remaining string
	}{{200, "1"}, {200, "0"}, {403, "0"}, {403, "0"}} {
		resp, _ := get(t, nil, base+"/x")
		clock.add(time.Minute)
		h := resp.Header
		if resp.StatusCode != want.status || h.Get("X-RateLimit-Remaining") != want.remaining || h.Get("X-RateLimit-Limit") != "2" ||
			h.Get("X-RateLimit-Reset") != reset || h.Get("X-RateLimit-Used") != strconv.Itoa(i+1) || h.Get("Retry-After") != "" {
			t.Errorf("request %d: %d %v", i, resp.StatusCode, h)
		}
	}
	mu.Lock()
	if len(states) != 4 || states[1].Limited || !states[2].Limited || states[3].RetryAfter() != 57*60+1 {
		t.Errorf("states %+v", states)
	}
	mu.Unlock()
	if v.calls.Load() != 2 {
		t.Errorf("vendor ran %d times over a limit of 2", v.calls.Load())
	}
	clock.add(time.Hour) // a new window
	if resp, _ := get(t, nil, base+"/x"); resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Remaining") != "1" {
		t.Errorf("new window: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestFaultsRateLimitDefaultStyle(t *testing.T) {
	// No RateHeaders hook (Zendesk's style): 429 and Retry-After only.
	clock := &testClock{t: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)}
	_, _, base := newFaultSite(t, FaultOptions{RateLimit: 1, Clock: clock.now})
	if resp, _ := get(t, nil, base+"/x"); resp.StatusCode != 200 || resp.Header.Get("Retry-After") != "" {
		t.Errorf("first: %d %v", resp.StatusCode, resp.Header)
	}
	clock.add(20 * time.Second)
	resp, b := get(t, nil, base+"/x")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "41" || resp.Header.Get("X-RateLimit-Limit") != "" ||
		!strings.Contains(b, "Too Many Requests") {
		t.Errorf("over the limit: %d %v %s", resp.StatusCode, resp.Header, b)
	}
	// Unlimited: no limit is enforced, and the hook hears Limit 0.
	var mu sync.Mutex
	var got RateState
	_, _, base = newFaultSite(t, FaultOptions{RateHeaders: func(_ http.Header, s RateState) { mu.Lock(); got = s; mu.Unlock() }})
	for i := 0; i < 3; i++ {
		if resp, _ := get(t, nil, base+"/x"); resp.StatusCode != 200 {
			t.Fatalf("unlimited %d: %d", i, resp.StatusCode)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if got.Limit != 0 || got.Used != 3 || got.Limited || got.Remaining() != 0 {
		t.Errorf("unlimited state %+v", got)
	}
}

func TestFaultsAuthorize(t *testing.T) {
	f, v, base := newFaultSite(t, FaultOptions{
		RateHeaders: func(h http.Header, s RateState) { h.Set("X-Used", strconv.Itoa(s.Used)) },
		Authorize: func(w http.ResponseWriter, r *http.Request) bool {
			if r.Header.Get("Authorization") == "Bearer good" {
				return true
			}
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Couldn't authenticate you"})
			return false
		},
	})
	f.FailNext("/x", 500, 1, "")
	resp, b := get(t, nil, base+"/x")
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != "Bearer" || resp.Header.Get("X-Used") != "1" ||
		!strings.Contains(b, "Couldn't authenticate") {
		t.Errorf("anonymous: %d %v %s", resp.StatusCode, resp.Header, b)
	}
	good := &http.Client{Transport: authTransport("Bearer good")}
	if resp, _ := get(t, good, base+"/x"); resp.StatusCode != 500 {
		t.Errorf("the 401 consumed the failure rule: %d", resp.StatusCode)
	}
	if resp, b := get(t, good, base+"/x"); resp.StatusCode != 200 || b != vendorBody {
		t.Errorf("authorized: %d %s", resp.StatusCode, b)
	}
	if v.calls.Load() != 1 || f.Requests()["/x"] != 3 {
		t.Errorf("vendor calls %d, requests %v", v.calls.Load(), f.Requests())
	}
}

// TestFaultsCredentials: the middleware checks Credentials itself and
// hands a refusal to the vendor's WriteError as a 401 Unauthorized
// failure, before the rate limit and the failure rules.
func TestFaultsCredentials(t *testing.T) {
	var mu sync.Mutex
	var seen []Failure
	f, v, base := newFaultSite(t, FaultOptions{
		Credentials: &Credentials{User: "ann", Password: "pw", Bearer: "pat"},
		RateLimit:   100,
		WriteError: func(w http.ResponseWriter, _ *http.Request, fl Failure) {
			mu.Lock()
			seen = append(seen, fl)
			mu.Unlock()
			if fl.Unauthorized {
				w.Header().Set("WWW-Authenticate", `Basic realm="v"`)
			}
			writeJSON(w, fl.Status, map[string]any{"vendor": true})
		},
	})
	basic := func(u, p string) *http.Client {
		r, _ := http.NewRequest("GET", "http://x", nil)
		r.SetBasicAuth(u, p)
		return &http.Client{Transport: authTransport(r.Header.Get("Authorization"))}
	}
	f.FailNext("/x", 503, 1, "")
	for _, tc := range []struct {
		name string
		c    *http.Client
	}{
		{"anonymous", nil},
		{"wrong password", basic("ann", "nope")},
		{"wrong user", basic("bob", "pw")},
		{"basic with the bearer token", basic("ann", "pat")},
		{"wrong bearer", &http.Client{Transport: authTransport("Bearer nope")}},
		{"bearer without a space", &http.Client{Transport: authTransport("Bearerpat")}},
		{"token scheme", &http.Client{Transport: authTransport("token pat")}},
	} {
		resp, b := get(t, tc.c, base+"/x")
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Basic realm="v"` || b != `{"vendor":true}`+"\n" ||
			resp.Header.Get("Retry-After") != "" {
			t.Errorf("%s: %d %v %q", tc.name, resp.StatusCode, resp.Header, b)
		}
	}
	mu.Lock()
	if len(seen) != 7 || seen[0] != (Failure{Status: 401, Unauthorized: true}) {
		t.Errorf("failures %+v", seen)
	}
	mu.Unlock()
	if resp, _ := get(t, basic("ann", "pw"), base+"/x"); resp.StatusCode != 503 {
		t.Errorf("the 401s consumed the failure rule: %d", resp.StatusCode)
	}
	for _, c := range []*http.Client{basic("ann", "pw"), {Transport: authTransport("Bearer pat")}, {Transport: authTransport("bEARER pat")}} {
		if resp, b := get(t, c, base+"/x"); resp.StatusCode != 200 || b != vendorBody {
			t.Errorf("authorized: %d %s", resp.StatusCode, b)
		}
	}
	if v.calls.Load() != 3 || f.Requests()["/x"] != 11 {
		t.Errorf("vendor calls %d, requests %v", v.calls.Load(), f.Requests())
	}

	// Without WriteError, the default body; Authorize wins over Credentials.
	_, _, plain := newFaultSite(t, FaultOptions{Credentials: &Credentials{Bearer: "pat"}})
	if resp, b := get(t, basic("", ""), plain+"/x"); resp.StatusCode != 401 || !strings.Contains(b, `"message":"Unauthorized"`) {
		t.Errorf("default 401: %d %s", resp.StatusCode, b)
	}
	_, _, custom := newFaultSite(t, FaultOptions{Credentials: &Credentials{Bearer: "pat"},
		Authorize: func(http.ResponseWriter, *http.Request) bool { return true }})
	if resp, _ := get(t, nil, custom+"/x"); resp.StatusCode != 200 {
		t.Errorf("Authorize did not override Credentials: %d", resp.StatusCode)
	}
}

type authTransport string

func (a authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", string(a))
	return http.DefaultTransport.RoundTrip(r)
}

func TestFaultsResetNext(t *testing.T) {
	v := &vendor{}
	f := NewFaults(v, FaultOptions{})
	for _, tls := range []bool{false, true} {
		var srv *httptest.Server
		if tls {
			srv = httptest.NewTLSServer(f)
		} else {
			srv = httptest.NewServer(f)
		}
		// A fresh connection per request: on a reused one the Transport
		// would replay the GET by itself.
		tr := srv.Client().Transport.(*http.Transport).Clone()
		tr.DisableKeepAlives = true
		c := &http.Client{Transport: tr}
		f.ResetNext("/reset", 2)
		for i := 0; i < 2; i++ {
			resp, err := c.Get(srv.URL + "/reset/me")
			if err == nil {
				resp.Body.Close()
				t.Fatalf("tls %v, request %d: answered %d, want a reset", tls, i, resp.StatusCode)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("tls %v: %v, want a closed connection", tls, err)
			}
		}
		if resp, b := get(t, c, srv.URL+"/reset/me"); resp.StatusCode != 200 || b != vendorBody {
			t.Errorf("tls %v, after the resets: %d %s", tls, resp.StatusCode, b)
		}
		srv.Close()
	}
	if v.calls.Load() != 2 || f.Requests()["/reset/me"] != 6 {
		t.Errorf("vendor calls %d, requests %v", v.calls.Load(), f.Requests())
	}
}

func TestFaultsSlowNext(t *testing.T) {
	f, v, base := newFaultSite(t, FaultOptions{})
	// Long enough that an unslowed answer is far below it even on a busy
	// machine; only elapsed time is read (monotonic), never the date.
	const d = time.Second
	f.SlowNext("/slow", d, 1)
	f.FailNext("/slow", 503, 1, "") // a slowed request still meets later rules
	start := time.Now()
	resp, _ := get(t, nil, base+"/slow")
	if el := time.Since(start); resp.StatusCode != 503 || el < d {
		t.Errorf("slowed: %d after %v, want 503 after %v", resp.StatusCode, el, d)
	}
	start = time.Now()
	if resp, _ := get(t, nil, base+"/slow"); resp.StatusCode != 200 || time.Since(start) >= d {
		t.Errorf("second: %d after %v", resp.StatusCode, time.Since(start))
	}
	if v.calls.Load() != 1 {
		t.Errorf("vendor calls %d", v.calls.Load())
	}
}

func TestFaultsSlowNextHonoursContext(t *testing.T) {
	v := &vendor{}
	f := NewFaults(v, FaultOptions{})
	returned := make(chan time.Time, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.ServeHTTP(w, r)
		select {
		case returned <- time.Now(): // the first request's return
		default:
		}
	}))
	t.Cleanup(srv.Close)
	f.SlowNext("/", time.Hour, 1)
	f.FailNext("/", 500, 1, "")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/x", nil)
	start := time.Now()
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("answered %d inside an hour's delay", resp.StatusCode)
	}
	select {
	case at := <-returned:
		if at.Sub(start) > 10*time.Second {
			t.Errorf("handler returned after %v", at.Sub(start))
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("handler still waiting after the client gave up")
	}
	// The abandoned request used up its slow rule only.
	if resp, _ := get(t, nil, srv.URL+"/x"); resp.StatusCode != 500 {
		t.Errorf("after the cancelled request: %d, want the failure rule", resp.StatusCode)
	}
	if resp, _ := get(t, nil, srv.URL+"/x"); resp.StatusCode != 200 || v.calls.Load() != 1 {
		t.Errorf("then: %d, vendor calls %d", resp.StatusCode, v.calls.Load())
	}
}
