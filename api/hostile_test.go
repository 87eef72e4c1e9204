package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// The probe's categories, kept as tests. Every route and every parameter
// come from the route table, so a new endpoint is probed without anyone
// remembering to add it here.

var hostileTokens = []config.Token{
	{Name: "managers", Scope: scopeRead, Value: "read-token"},
	{Name: "ops", Scope: scopeAdmin, Value: "admin-token"},
}

// hostile is one probe value and whether the parameter check alone must
// refuse it (400 naming the parameter) whatever the parameter.
type hostile struct {
	name   string
	value  string
	refuse bool
}

func cursorOf(v string) string { return base64.RawURLEncoding.EncodeToString([]byte(v)) }

var hostileValues = []hostile{
	{"empty", "", false},
	{"1 MiB", strings.Repeat("a", 1<<20), true},
	{"over the bound", strings.Repeat("9", 2049), true},
	{"NUL", "jira\x00", true},
	{"NULs", strings.Repeat("\x00", 65000), true},
	{"invalid UTF-8", "\xff\xfe", true},
	{"newline", "a\nb", true},
	{"quote", `' OR 1=1 --`, false},
	{"backslash quote", `\'; DROP TABLE runway.sprints; --`, false},
	{"placeholder", "? @name {db} {name:String}", false},
	{"percent", "%", false},
	{"unicode", "Zürich ✓ 日本", false},
	{"year 0001", "0001-01-01T00:00:00Z", false},
	{"year 9999", "9999-12-31T23:59:59Z", false},
	{"DateTime end", "2106-02-07T06:28:16Z", false},
	{"negative", "-1", false},
	{"huge number", "99999999999999999999", false},
	{"cursor at DateTime end", cursorOf(`{"s":"2106-02-07T06:28:16Z","src":"jira","id":"1","o":1}`), false},
	{"cursor before 1970", cursorOf(`{"s":"1969-12-31T23:59:59Z","src":"jira","id":"1"}`), false},
	{"cursor year 0001", cursorOf(`{"s":"0001-01-01T00:00:00Z","src":"jira","id":"1"}`), false},
	{"cursor negative offset", cursorOf(`{"o":-1}`), false},
	{"cursor huge offset", cursorOf(`{"o":9223372036854775807}`), false},
	{"cursor long id", cursorOf(`{"src":"jira","id":"` + strings.Repeat("x", 1500) + `"}`), false},
	{"cursor not JSON", cursorOf("not json"), false},
	{"cursor not base64", "!!!", false},
}

// hostileServer serves an empty, migrated warehouse with tokens and no
// rate limit (the probe sends thousands of requests).
func hostileServer(t *testing.T, db warehouse.DB, opts Options) *httptest.Server {
	t.Helper()
	if _, err := warehouse.Migrate(context.Background(), db, nil); err != nil {
		t.Fatal(err)
	}
	opts.DB = db
	if opts.Tokens == nil {
		opts.Tokens = hostileTokens
	}
	srv := httptest.NewServer(New(opts).Handler())
	t.Cleanup(srv.Close)
	return srv
}

func send(t *testing.T, method, u, token string) (int, errorBody, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var eb errorBody
	if resp.StatusCode >= 400 && method != http.MethodHead {
		if err := json.Unmarshal(b, &eb); err != nil || eb.Error.Code == "" || eb.Error.Message == "" {
			t.Errorf("%s %s: %d answer is not the JSON error shape: %.200s", method, clip(u), resp.StatusCode, b)
		}
	}
	return resp.StatusCode, eb, b
}

// pathOf fills a route's :params, one of them (hostile) with v.
func pathOf(rt route, param, v string) string {
	segs := strings.Split(rt.path, "/")
	for i, s := range segs {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			val := "jira"
			if name == param {
				val = v
			}
			segs[i] = url.PathEscape(val)
		}
	}
	return strings.Join(segs, "/")
}

func pathParams(rt route) []string {
	var out []string
	for s := range strings.SplitSeq(rt.path, "/") {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			out = append(out, name)
		}
	}
	return out
}

func tokenFor(rt route) string {
	if rt.scope == scopeAdmin {
		return "admin-token"
	}
	return "read-token"
}

// TestHostileParameters sends every probe value in every parameter of every
// route: never a 5xx, always the JSON error shape, and a refused value is a
// 400 that names its parameter without echoing the value whole.
func TestHostileParameters(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		srv := hostileServer(t, db, Options{})
		requests := 0
		for _, rt := range (&Server{}).routes() {
			type target struct {
				param string
				path  bool
			}
			var targets []target
			for _, p := range rt.query {
				targets = append(targets, target{p, false})
			}
			for _, p := range pathParams(rt) {
				targets = append(targets, target{p, true})
			}
			for _, tg := range targets {
				for _, h := range hostileValues {
					if tg.path && h.value == "" {
						continue // an empty segment is another route
					}
					u := srv.URL + pathOf(rt, "", "") + "?" + tg.param + "=" + url.QueryEscape(h.value)
					if tg.path {
						u = srv.URL + pathOf(rt, tg.param, h.value)
					}
					status, eb, _ := send(t, rt.method, u, tokenFor(rt))
					requests++
					where := fmt.Sprintf("%s %s %s=%s", rt.method, rt.path, tg.param, h.name)
					if status >= 500 {
						t.Errorf("%s: %d %s", where, status, eb.Error.Message)
					}
					if h.refuse && (status != http.StatusBadRequest || !strings.Contains(eb.Error.Message, tg.param)) {
						t.Errorf("%s: %d %q, want a 400 naming %s", where, status, eb.Error.Message, tg.param)
					}
					if len(eb.Error.Message) > 512 {
						t.Errorf("%s: a %d-byte error message", where, len(eb.Error.Message))
					}
				}
			}
		}
		t.Logf("%d hostile requests", requests)
	})
}

// TestForgedCursorsAreBadCursors: cursors whose fields could never have
// come from this API (a time DateTime cannot hold, an id longer than any
// stored) are 400s, not values the binder refuses with a 500.
func TestForgedCursorsAreBadCursors(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		srv := hostileServer(t, db, Options{})
		for _, c := range []string{
			`{"s":"2106-02-07T06:28:16Z","src":"jira","id":"1"}`,
			`{"s":"2200-01-01T00:00:00Z","src":"jira","id":"1"}`,
			`{"s":"1969-12-31T23:59:59Z","src":"jira","id":"1"}`,
			`{"src":"jira","id":"` + strings.Repeat("x", 300) + `"}`,
		} {
			status, eb, _ := send(t, "GET", srv.URL+"/api/v1/sprints?cursor="+cursorOf(c), "read-token")
			if status != http.StatusBadRequest || !strings.Contains(eb.Error.Message, "cursor") {
				t.Errorf("cursor %.60s: %d %q, want 400 naming cursor", c, status, eb.Error.Message)
			}
		}
		// The last second DateTime holds is a cursor position like any other.
		status, _, _ := send(t, "GET", srv.URL+"/api/v1/sprints?cursor="+cursorOf(`{"s":"2106-02-07T06:28:15Z","src":"jira","id":"1"}`), "read-token")
		if status != http.StatusOK {
			t.Errorf("cursor at 2106-02-07T06:28:15Z: %d, want 200", status)
		}
	})
}

// TestMalformedQueryPairs: Go's URL.Query drops malformed pairs, which
// turned ?board=1; into "every board" and ignored ?limit=%zz.
func TestMalformedQueryPairs(t *testing.T) {
	for _, tc := range []struct{ raw, named string }{
		{"board=1;", "board=1;"},
		{"board=1;state=closed", "board=1;state=closed"},
		{"limit=%zz", "limit=%zz"},
		{"%zz=1", "%zz=1"},
		{"source=jira&board=%4", "board=%4"},
	} {
		_, err := parseQuery(tc.raw, "source", "board", "state", "limit")
		if err == nil || !strings.Contains(err.Error(), tc.named) {
			t.Errorf("%q: %v, want an error naming %q", tc.raw, err, tc.named)
		}
	}
	q, err := parseQuery("source=a%20b&&board=+7&state=", "source", "board", "state")
	if err != nil || q.str("source") != "a b" || q.str("board") != " 7" || !q.v.Has("state") {
		t.Errorf("well-formed query: %v %v", q.v, err)
	}
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		srv := hostileServer(t, db, Options{})
		status, eb, _ := send(t, "GET", srv.URL+"/api/v1/sprints?board=1;", "read-token")
		if status != http.StatusBadRequest || !strings.Contains(eb.Error.Message, "board=1;") {
			t.Errorf("?board=1;: %d %q", status, eb.Error.Message)
		}
	})
}

// TestFromAfterToOutsideTheClamp: both bounds past 2037 clamp to one
// instant; the order is checked before clamping.
func TestFromAfterToOutsideTheClamp(t *testing.T) {
	for _, raw := range []string{"from=2040-01-01&to=2039-01-01", "from=1960-01-02&to=1960-01-01", "from=2024-02-02&to=2024-02-01"} {
		q, err := parseQuery(raw, "from", "to")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := q.timeRange(); err == nil || !strings.Contains(err.Error(), "to is before from") {
			t.Errorf("%s: %v, want 'to is before from'", raw, err)
		}
	}
}

// TestHeadWhereGetWorks: HEAD is answered on every GET route of the table,
// with GET's status and no body.
func TestHeadWhereGetWorks(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		srv := hostileServer(t, db, Options{})
		for _, rt := range (&Server{}).routes() {
			if rt.method != http.MethodGet {
				continue
			}
			p := pathOf(rt, "", "")
			get, _, _ := send(t, "GET", srv.URL+p, tokenFor(rt))
			head, _, body := send(t, "HEAD", srv.URL+p, tokenFor(rt))
			if head != get || len(body) != 0 {
				t.Errorf("HEAD %s: %d with %d body bytes; GET: %d", p, head, len(body), get)
			}
		}
	})
}
