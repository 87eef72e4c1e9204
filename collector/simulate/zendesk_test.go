package simulate

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

const zdBase = "https://runway-sim.zendesk.com"

// zdGet requests target (a path, or a URL of the site's) with the
// default API token credentials.
func zdGet(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, zdBase+strings.TrimPrefix(target, zdBase), nil)
	r.SetBasicAuth(DefaultEmail+"/token", DefaultToken)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// zdJSON decodes a 200 JSON answer.
func zdJSON(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var v map[string]any
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &v) != nil {
		t.Fatalf("answer %d: %s", w.Code, w.Body)
	}
	return v
}

// ids picks the field key (a number) of every item of list.
func ids(list any, key string) []int64 {
	out := []int64{}
	for _, x := range list.([]any) {
		out = append(out, int64(x.(map[string]any)[key].(float64)))
	}
	return out
}

func TestZendeskIsASite(t *testing.T) {
	desk := TinyDesk()
	z := NewZendesk(desk, ZendeskOptions{})
	var s Site = z
	if s.Vendor() != VendorZendesk || VendorZendesk != "zendesk" || s.Org() != nil || s.Faults() == nil || z.Desk() != desk {
		t.Fatalf("site: vendor %q, org %v, faults %v", s.Vendor(), s.Org(), s.Faults())
	}
	if o := z.Options(); o.PageSize != 1000 || o.RateLimit != 0 || o.Email != DefaultEmail || !o.Now().Equal(desk.Now) {
		t.Errorf("defaults: %+v", o)
	}
	for path, code := range map[string]int{"/api/v2/groups": 200, "/api/v2/slas/policies": 200,
		"/api/v2/incremental/tickets/cursor?start_time=0": 200, "/api/v2/tickets.json": 404} {
		if w := zdGet(t, z, path); w.Code != code {
			t.Errorf("%s: %d, want %d", path, w.Code, code)
		}
	}
	if w := zdGet(t, z, "/api/v2/nope"); w.Body.String() != `{"description":"Not found","error":"InvalidEndpoint"}`+"\n" {
		t.Errorf("404 body %s", w.Body)
	}
}

// TestZendeskAuth: API token as "{email}/token", OAuth bearer tokens,
// and Zendesk's 401.
func TestZendeskAuth(t *testing.T) {
	z := NewZendesk(TinyDesk(), ZendeskOptions{Email: "ops@acme.test", Token: "tok", OAuthToken: "oauth"})
	for _, c := range []struct {
		auth string
		want int
	}{
		{"", 401},
		{"Basic " + b64("ops@acme.test/token:tok"), 200},
		{"Basic " + b64("ops@acme.test:tok"), 401}, // a password login, not a token
		{"Basic " + b64("ops@acme.test/token:bad"), 401},
		{"Bearer oauth", 200},
		{"bearer oauth", 200},
		{"Bearer tok", 401},
	} {
		r := httptest.NewRequest(http.MethodGet, zdBase+PathZendeskGroups, nil)
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		w := httptest.NewRecorder()
		z.ServeHTTP(w, r)
		if w.Code != c.want {
			t.Errorf("%q: %d, want %d", c.auth, w.Code, c.want)
		}
		if c.want == 401 && (w.Body.String() != `{"error":"Couldn't authenticate you"}`+"\n" ||
			w.Header().Get("WWW-Authenticate") != `Basic realm="Web Password"`) {
			t.Errorf("%q: 401 %s %v", c.auth, w.Body, w.Header())
		}
	}
	// OAuth only: no Basic credentials are accepted.
	z = NewZendesk(TinyDesk(), ZendeskOptions{OAuthToken: "oauth"})
	if w := zdGet(t, z, PathZendeskGroups); w.Code != 401 {
		t.Errorf("default Basic with OAuth only: %d", w.Code)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestZendeskRateLimit: 10 requests a minute per incremental endpoint;
// the 11th answers 429, Retry-After until the window ends, plain text.
func TestZendeskRateLimit(t *testing.T) {
	t0 := time.Date(2024, 3, 18, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	wall := t0
	tick := func(d time.Duration) { mu.Lock(); wall = wall.Add(d); mu.Unlock() }
	z := NewZendesk(TinyDesk(), ZendeskOptions{RateLimit: ZendeskIncrementalRateLimit,
		Clock: func() time.Time { mu.Lock(); defer mu.Unlock(); return wall }})
	export := PathZendeskTicketExport + "?start_time=0"
	for i := 1; i <= 10; i++ {
		if w := zdGet(t, z, export); w.Code != 200 {
			t.Fatalf("request %d: %d", i, w.Code)
		}
		tick(time.Second)
	}
	w := zdGet(t, z, "/api/v2/incremental/tickets/cursor?start_time=0") // the same endpoint without .json
	if w.Code != 429 || w.Header().Get("Retry-After") != "51" || w.Body.String() != ZendeskRateLimitBody ||
		w.Header().Get("Content-Type") != "text/plain" {
		t.Fatalf("11th request at +10 s: %d Retry-After %q %q", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	// Other endpoints have their own budget, or none.
	for _, path := range []string{PathZendeskMetricEvents + "?start_time=0", PathZendeskGroups, PathZendeskSLAPolicies} {
		if w := zdGet(t, z, path); w.Code != 200 {
			t.Errorf("%s: %d", path, w.Code)
		}
	}
	tick(50 * time.Second)
	if w := zdGet(t, z, export); w.Code != 200 {
		t.Errorf("next window: %d", w.Code)
	}
	// Injected 429s look the same.
	z.FailNext(PathZendeskGroups, 429, 1, "7")
	if w := zdGet(t, z, PathZendeskGroups); w.Code != 429 || w.Header().Get("Retry-After") != "7" || w.Body.String() != ZendeskRateLimitBody {
		t.Errorf("injected 429: %d %v %s", w.Code, w.Header(), w.Body)
	}
}

func TestZendeskSLAPolicies(t *testing.T) {
	v := zdJSON(t, zdGet(t, NewZendesk(TinyDesk(), ZendeskOptions{}), PathZendeskSLAPolicies))
	list := v["sla_policies"].([]any)
	if len(list) != 2 || v["count"] != 2.0 || v["next_page"] != nil {
		t.Fatalf("policies: %v", v)
	}
	want := map[string]any{
		"url": zdBase + "/api/v2/slas/policies/360000200001.json", "id": 360000200001.0, "title": "Incidents",
		"description": "Urgent and high incidents, in calendar time", "position": 1.0,
		"filter": map[string]any{"all": []any{map[string]any{"field": "type", "operator": "is", "value": "incident"}}, "any": []any{}},
		"policy_metrics": []any{
			map[string]any{"priority": "urgent", "metric": "first_reply_time", "target": 30.0, "business_hours": false},
			map[string]any{"priority": "high", "metric": "first_reply_time", "target": 60.0, "business_hours": false},
			map[string]any{"priority": "urgent", "metric": "requester_wait_time", "target": 120.0, "business_hours": false},
			map[string]any{"priority": "high", "metric": "requester_wait_time", "target": 240.0, "business_hours": false},
		},
		"created_at": "2024-01-01T09:00:00Z", "updated_at": "2024-01-01T09:00:00Z",
	}
	if !reflect.DeepEqual(list[0], want) {
		t.Errorf("policy 1\n got %v\nwant %v", list[0], want)
	}
	p2 := list[1].(map[string]any)
	if m := p2["policy_metrics"].([]any)[0].(map[string]any); p2["title"] != "Business hours" ||
		len(p2["filter"].(map[string]any)["all"].([]any)) != 0 || m["business_hours"] != true || m["target"] != 120.0 {
		t.Errorf("policy 2: %v", p2)
	}
}

// TestZendeskGroups: cursor pagination over page[size], and offset
// pagination without it.
func TestZendeskGroups(t *testing.T) {
	z := NewZendesk(TinyDesk(), ZendeskOptions{})
	v := zdJSON(t, zdGet(t, z, "/api/v2/groups.json?page[size]=2"))
	const c2, c3 = "eyJvIjoiaWQiLCJ2IjozNjAwMDAxMDAwMDJ9", "eyJvIjoiaWQiLCJ2IjozNjAwMDAxMDAwMDN9"
	next := zdBase + "/api/v2/groups.json?page[size]=2&page[after]=" + url.QueryEscape(c2)
	meta, links := v["meta"].(map[string]any), v["links"].(map[string]any)
	if got := ids(v["groups"], "id"); !reflect.DeepEqual(got, []int64{360000100001, 360000100002}) ||
		meta["has_more"] != true || meta["after_cursor"] != c2 || links["next"] != next || links["prev"] != nil {
		t.Fatalf("page 1: %v", v)
	}
	first := v["groups"].([]any)[0].(map[string]any)
	if first["name"] != "Support" || first["default"] != true || first["url"] != zdBase+"/api/v2/groups/360000100001.json" {
		t.Errorf("group: %v", first)
	}
	v = zdJSON(t, zdGet(t, z, next))
	meta, links = v["meta"].(map[string]any), v["links"].(map[string]any)
	if got := ids(v["groups"], "id"); !reflect.DeepEqual(got, []int64{360000100003}) || meta["has_more"] != false ||
		links["next"] != nil || links["prev"] != zdBase+"/api/v2/groups.json?page[size]=2&page[before]="+url.QueryEscape(c3) {
		t.Fatalf("page 2: %v", v)
	}
	v = zdJSON(t, zdGet(t, z, links["prev"].(string)))
	if got := ids(v["groups"], "id"); !reflect.DeepEqual(got, []int64{360000100001, 360000100002}) {
		t.Errorf("prev: %v", got)
	}
	for _, bad := range []string{"?page[size]=0", "?page[size]=2&page[after]=nope"} {
		if w := zdGet(t, z, PathZendeskGroups+bad); w.Code != 400 || !strings.Contains(w.Body.String(), "InvalidPaginationParameter") {
			t.Errorf("%s: %d %s", bad, w.Code, w.Body)
		}
	}
	v = zdJSON(t, zdGet(t, z, PathZendeskGroups+"?per_page=2"))
	if got := ids(v["groups"], "id"); len(got) != 2 || v["count"] != 3.0 ||
		v["next_page"] != zdBase+"/api/v2/groups.json?page=2&per_page=2" || v["previous_page"] != nil {
		t.Errorf("offset page 1: %v", v)
	}
}
