package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/api"
	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/api/gauges/gaugestest"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// The milestone fixture and its hand-worked numbers: gaugestest.SeedMilestones.
var msNow = gaugestest.MilestonesNow

// seedMilestonesAPI migrates db and writes the fixture.
func seedMilestonesAPI(t *testing.T, db warehouse.DB) {
	t.Helper()
	ctx := context.Background()
	if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if err := gaugestest.SeedMilestones(ctx, db); err != nil {
		t.Fatal(err)
	}
}

// msKinds are the kind rules the fixture's titles are classified with.
func msKinds(t *testing.T) analytics.KindRules {
	t.Helper()
	k, err := analytics.NewKindRules([]string{analytics.KindPrototype, analytics.KindBeta, analytics.KindProduction},
		[][]string{{"(?i)proto|poc|mvp"}, {"(?i)beta|pilot"}, {"(?i)prod|ga|launch|release"}})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// msServer serves the seeded fixture with the clock at msNow, the
// fixture's kinds and the test tokens.
func msServer(t *testing.T, db warehouse.DB) *httptest.Server {
	t.Helper()
	seedMilestonesAPI(t, db)
	srv := httptest.NewServer(api.New(api.Options{DB: db, Tokens: testTokens, Kinds: msKinds(t),
		Now: func() time.Time { return msNow }}).Handler())
	t.Cleanup(srv.Close)
	return srv
}

// msGet fetches path with token ("" for none) and returns the status and
// body, which must be JSON.
func msGet(t *testing.T, srv *httptest.Server, path, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
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
	if !json.Valid(b) {
		t.Fatalf("GET %s: %d, body is not JSON: %s", path, resp.StatusCode, b)
	}
	return resp.StatusCode, b
}

// readOK fetches path with the read token; it must answer 200.
func readOK(t *testing.T, srv *httptest.Server, path string) []byte {
	t.Helper()
	status, body := msGet(t, srv, path, "read-token")
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, status, body)
	}
	return body
}

// msKey is source/id of a list item.
func msKey(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var r struct{ Source, ID string }
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	return r.Source + "/" + r.ID
}

// The hand-worked reports (see msNow), as the API renders them.
var wantMilestone = map[string]string{
	"jira/M4": `{"source":"jira","id":"M4","title":"Old pilot","project":"PLAT","project_key":"platform",
		"project_name":"Platform rebuild","kind":"beta","state":"archived","url":"",
		"start":null,"due":"2024-03-15T00:00:00Z","original_due":null,"closed":null,"due_changes":0,
		"duration_days":null,"slip_days":null,"open_issues":0,"closed_issues":0,"progress":null,
		"initial_scope":0,"added":0,"removed":0,"scope_change_rate":null,"throughput_per_week":null,
		"forecast_p50":null,"forecast_p85":null,"forecast_slip_days":null,"status":"no_forecast",
		"slip_from_scope_days":null,"slip_from_throughput_days":null,"slip_from_plan_days":null,"due_moved_days":null}`,
	"jira/M2": `{"source":"jira","id":"M2","title":"Prototype","project":"PLAT","project_key":"platform",
		"project_name":"Platform rebuild","kind":"prototype","state":"closed","url":"",
		"start":"2024-03-01T00:00:00Z","due":"2024-04-10T00:00:00Z","original_due":"2024-03-31T00:00:00Z",
		"closed":"2024-04-10T00:00:00Z","due_changes":1,
		"duration_days":40,"slip_days":10,"open_issues":0,"closed_issues":2,"progress":1,
		"initial_scope":2,"added":1,"removed":1,"scope_change_rate":1,"throughput_per_week":null,
		"forecast_p50":null,"forecast_p85":null,"forecast_slip_days":null,"status":"done_late",
		"slip_from_scope_days":null,"slip_from_throughput_days":null,"slip_from_plan_days":null,"due_moved_days":null}`,
	"gitlab/5": `{"source":"gitlab","id":"5","title":"v1.0","project":"mobile/app","project_key":"mobile",
		"project_name":"Mobile app","kind":"other","state":"closed","url":"",
		"start":"2024-01-15T00:00:00Z","due":"2024-05-15T00:00:00Z","original_due":"2024-05-15T00:00:00Z",
		"closed":"2024-05-10T00:00:00Z","due_changes":0,
		"duration_days":116,"slip_days":-5,"open_issues":0,"closed_issues":2,"progress":1,
		"initial_scope":2,"added":0,"removed":0,"scope_change_rate":0,"throughput_per_week":null,
		"forecast_p50":null,"forecast_p85":null,"forecast_slip_days":null,"status":"done",
		"slip_from_scope_days":null,"slip_from_throughput_days":null,"slip_from_plan_days":null,"due_moved_days":null}`,
	"jira/M3": `{"source":"jira","id":"M3","title":"GA launch","project":"OPS","project_key":"ops",
		"project_name":"Operations","kind":"production","state":"open","url":"",
		"start":"2024-05-01T00:00:00Z","due":"2024-05-15T00:00:00Z","original_due":"2024-05-15T00:00:00Z",
		"closed":null,"due_changes":0,
		"duration_days":31,"slip_days":17,"open_issues":1,"closed_issues":0,"progress":0,
		"initial_scope":1,"added":0,"removed":0,"scope_change_rate":0,"throughput_per_week":0,
		"forecast_p50":null,"forecast_p85":null,"forecast_slip_days":null,"status":"overdue",
		"slip_from_scope_days":null,"slip_from_throughput_days":null,"slip_from_plan_days":null,"due_moved_days":null}`,
	"jira/M1": `{"source":"jira","id":"M1","title":"Beta 1","project":"PLAT","project_key":"platform",
		"project_name":"Platform rebuild","kind":"beta","state":"open","url":"https://jira.example/projects/PLAT/versions/M1",
		"start":"2024-02-10T00:00:00Z","due":"2024-06-22T00:00:00Z","original_due":"2024-06-08T00:00:00Z",
		"closed":null,"due_changes":1,
		"duration_days":112,"slip_days":null,"open_issues":4,"closed_issues":16,"progress":0.8,
		"initial_scope":20,"added":2,"removed":2,"scope_change_rate":0.2,"throughput_per_week":1,
		"forecast_p50":"2024-06-29T00:00:00Z","forecast_p85":"2024-06-29T00:00:00Z","forecast_slip_days":7,"status":"slipping",
		"slip_from_scope_days":0,"slip_from_throughput_days":0,"slip_from_plan_days":21,"due_moved_days":14}`,
	"jira/M5": `{"source":"jira","id":"M5","title":"Production rollout","project":"PLAT","project_key":"platform",
		"project_name":"Platform rebuild","kind":"production","state":"open","url":"",
		"start":"2024-01-01T00:00:00Z","due":"2024-06-30T00:00:00Z","original_due":"2024-06-30T00:00:00Z",
		"closed":null,"due_changes":0,
		"duration_days":152,"slip_days":null,"open_issues":4,"closed_issues":16,"progress":0.8,
		"initial_scope":20,"added":0,"removed":0,"scope_change_rate":0,"throughput_per_week":2,
		"forecast_p50":"2024-06-15T00:00:00Z","forecast_p85":"2024-06-15T00:00:00Z","forecast_slip_days":-15,"status":"on_track",
		"slip_from_scope_days":0,"slip_from_throughput_days":0,"slip_from_plan_days":-15,"due_moved_days":0}`,
	"gitlab/10": `{"source":"gitlab","id":"10","title":"Ideas","project":"tools/cli","project_key":"",
		"project_name":"","kind":"other","state":"open","url":"",
		"start":null,"due":null,"original_due":"2024-06-30T00:00:00Z","closed":null,"due_changes":1,
		"duration_days":null,"slip_days":null,"open_issues":0,"closed_issues":0,"progress":null,
		"initial_scope":0,"added":0,"removed":0,"scope_change_rate":null,"throughput_per_week":0,
		"forecast_p50":"2024-06-01T00:00:00Z","forecast_p85":"2024-06-01T00:00:00Z","forecast_slip_days":null,"status":"no_due_date",
		"slip_from_scope_days":null,"slip_from_throughput_days":null,"slip_from_plan_days":null,"due_moved_days":null}`,
	"gitlab/9": `{"source":"gitlab","id":"9","title":"Backlog","project":"tools/cli","project_key":"",
		"project_name":"","kind":"other","state":"open","url":"",
		"start":null,"due":null,"original_due":null,"closed":null,"due_changes":0,
		"duration_days":null,"slip_days":null,"open_issues":0,"closed_issues":0,"progress":null,
		"initial_scope":0,"added":0,"removed":0,"scope_change_rate":null,"throughput_per_week":0,
		"forecast_p50":"2024-06-01T00:00:00Z","forecast_p85":"2024-06-01T00:00:00Z","forecast_slip_days":null,"status":"no_due_date",
		"slip_from_scope_days":null,"slip_from_throughput_days":null,"slip_from_plan_days":null,"due_moved_days":null}`,
}

// The documented order of GET /api/v1/milestones over the fixture.
var wantMilestoneOrder = []string{"jira/M4", "jira/M2", "gitlab/5", "jira/M3", "jira/M1", "jira/M5", "gitlab/10", "gitlab/9"}

// msPages follows next_cursor from path to the end and returns the keys
// of each page, checking every item against its hand-worked report.
func msPages(t *testing.T, srv *httptest.Server, path string) [][]string {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var pages [][]string
	cursor := ""
	for {
		if len(pages) > len(wantMilestoneOrder)+1 {
			t.Fatalf("%s: more pages than milestones: %v", path, pages)
		}
		p := path
		if cursor != "" {
			p += sep + "cursor=" + cursor // cursors are URL-safe as they are
		}
		page := decodePage(t, p, readOK(t, srv, p))
		ids := []string{}
		for _, it := range page.Items {
			k := msKey(t, it)
			ids = append(ids, k)
			if want, ok := wantMilestone[k]; ok {
				jsonEqual(t, p+" "+k, it, want)
			} else {
				t.Errorf("%s: unexpected milestone %s", p, k)
			}
		}
		pages = append(pages, ids)
		if cursor = *page.NextCursor; cursor == "" {
			return pages
		}
	}
}

func TestMilestoneListAPI(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		srv := msServer(t, db)

		// Everything on one page, in the documented order.
		if got := msPages(t, srv, "/api/v1/milestones"); !reflect.DeepEqual(got, [][]string{wantMilestoneOrder}) {
			t.Errorf("milestones: %v, want one page %v", got, wantMilestoneOrder)
		}

		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"source=gitlab", []string{"gitlab/5", "gitlab/10", "gitlab/9"}},
			{"source=jira", []string{"jira/M4", "jira/M2", "jira/M3", "jira/M1", "jira/M5"}},
			{"source=nope", []string{}},
			// project is the upstream project or the Runway project key.
			{"project=PLAT", []string{"jira/M4", "jira/M2", "jira/M1", "jira/M5"}},
			{"project=platform", []string{"jira/M4", "jira/M2", "jira/M1", "jira/M5"}},
			{"project=mobile", []string{"gitlab/5"}},
			{"project=mobile%2Fapp", []string{"gitlab/5"}},
			{"project=tools/cli", []string{"gitlab/10", "gitlab/9"}},
			{"project=data", []string{}},
			{"project=plat", []string{}}, // exact
			{"state=open", []string{"jira/M3", "jira/M1", "jira/M5", "gitlab/10", "gitlab/9"}},
			{"state=closed", []string{"jira/M2", "gitlab/5"}},
			{"state=archived", []string{"jira/M4"}},
			{"status=done", []string{"gitlab/5"}},
			{"status=done_late", []string{"jira/M2"}},
			{"status=overdue", []string{"jira/M3"}},
			{"status=slipping", []string{"jira/M1"}},
			{"status=at_risk", []string{}},
			{"status=on_track", []string{"jira/M5"}},
			{"status=no_due_date", []string{"gitlab/10", "gitlab/9"}},
			{"status=no_forecast", []string{"jira/M4"}},
			{"kind=prototype", []string{"jira/M2"}},
			{"kind=beta", []string{"jira/M4", "jira/M1"}},
			{"kind=production", []string{"jira/M3", "jira/M5"}},
			{"kind=other", []string{"gitlab/5", "gitlab/10", "gitlab/9"}},
			{"source=jira&project=platform&state=open&kind=production", []string{"jira/M5"}},
			{"source=jira&state=open&status=overdue&kind=production", []string{"jira/M3"}},
			{"source=gitlab&kind=beta", []string{}},
		} {
			got := msPages(t, srv, "/api/v1/milestones?"+tc.query)
			if !reflect.DeepEqual(got, [][]string{tc.want}) {
				t.Errorf("milestones?%s: %v, want one page %v", tc.query, got, tc.want)
			}
		}
	})
}

func TestMilestonePagination(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		srv := msServer(t, db)
		for _, tc := range []struct {
			path string
			want [][]string
		}{
			// The 05-15 tie (gitlab/5, jira/M3) sits inside page 2 at
			// limit=2 and is split across pages 1 and 2 at limit=3.
			{"/api/v1/milestones?limit=2", [][]string{
				{"jira/M4", "jira/M2"}, {"gitlab/5", "jira/M3"}, {"jira/M1", "jira/M5"}, {"gitlab/10", "gitlab/9"}}},
			{"/api/v1/milestones?limit=3", [][]string{
				{"jira/M4", "jira/M2", "gitlab/5"}, {"jira/M3", "jira/M1", "jira/M5"}, {"gitlab/10", "gitlab/9"}}},
			// A cursor after a milestone without a due date (gitlab/10).
			{"/api/v1/milestones?limit=7", [][]string{wantMilestoneOrder[:7], {"gitlab/9"}}},
			{"/api/v1/milestones?limit=8", [][]string{wantMilestoneOrder}},
			{"/api/v1/milestones?limit=1000", [][]string{wantMilestoneOrder}},
			// Filters hold across pages.
			{"/api/v1/milestones?state=open&limit=2", [][]string{
				{"jira/M3", "jira/M1"}, {"jira/M5", "gitlab/10"}, {"gitlab/9"}}},
			{"/api/v1/milestones?source=gitlab&limit=1", [][]string{{"gitlab/5"}, {"gitlab/10"}, {"gitlab/9"}}},
			{"/api/v1/milestones?source=nope&limit=1", [][]string{{}}},
		} {
			if got := msPages(t, srv, tc.path); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: pages %v, want %v", tc.path, got, tc.want)
			}
		}
		// limit=1 walks every milestone once, in order.
		var seen []string
		for _, p := range msPages(t, srv, "/api/v1/milestones?limit=1") {
			if len(p) != 1 {
				t.Errorf("limit=1: page %v", p)
			}
			seen = append(seen, p...)
		}
		if !reflect.DeepEqual(seen, wantMilestoneOrder) {
			t.Errorf("limit=1: %v, want %v", seen, wantMilestoneOrder)
		}
		// The cursor is the keyset position of the page's last item.
		page := decodePage(t, "limit=2", readOK(t, srv, "/api/v1/milestones?limit=2"))
		cur, err := base64.RawURLEncoding.DecodeString(*page.NextCursor)
		if err != nil || string(cur) != `{"d":"2024-04-10T00:00:00Z","src":"jira","id":"M2"}` {
			t.Errorf("next_cursor %q decodes to %s (%v)", *page.NextCursor, cur, err)
		}
	})
}

func TestMilestoneBadRequests(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		srv := msServer(t, db)
		const params = "source, project, state, status, kind, limit, cursor"
		forged := func(v string) string { return base64.RawURLEncoding.EncodeToString([]byte(v)) }
		for _, tc := range []struct{ path, msg string }{
			{"/api/v1/milestones?status=late",
				`parameter status: unknown value "late" (want one of done, done_late, overdue, slipping, at_risk, on_track, no_due_date, no_forecast)`},
			{"/api/v1/milestones?kind=alpha", `parameter kind: unknown value "alpha" (want one of prototype, beta, production, other)`},
			{"/api/v1/milestones?state=done", `parameter state: unknown value "done" (want one of open, closed, archived)`},
			{"/api/v1/milestones?state=Open", `parameter state: unknown value "Open" (want one of open, closed, archived)`},
			{"/api/v1/milestones?cursor=garbage", "parameter cursor: not a cursor returned by this API"},
			{"/api/v1/milestones?cursor=" + forged(`{"d":"2200-01-01T00:00:00Z","src":"jira","id":"M1"}`),
				"parameter cursor: not a cursor returned by this API"},
			{"/api/v1/milestones?cursor=" + forged(`{"src":"jira","id":"`+strings.Repeat("x", 300)+`"}`),
				"parameter cursor: not a cursor returned by this API"},
			{"/api/v1/milestones?cursor=" + forged(`{"d":"tomorrow"}`), "parameter cursor: not a cursor returned by this API"},
			{"/api/v1/milestones?limit=0", `parameter limit: "0" is not a whole number from 1 to 1000`},
			{"/api/v1/milestones?limit=1001", `parameter limit: "1001" is not a whole number from 1 to 1000`},
			{"/api/v1/milestones?board=B1", "unknown parameter(s): board (allowed: " + params + ")"},
			{"/api/v1/milestones?from=2024-01-01", "unknown parameter(s): from (allowed: " + params + ")"},
			{"/api/v1/milestones?kind=beta&kind=other", `parameter "kind" given 2 times; give it once`},
			{"/api/v1/milestones?project=" + strings.Repeat("p", 257), "parameter project: 257 bytes long; at most 256"},
			{"/api/v1/milestones?status=" + strings.Repeat("s", 33), "parameter status: 33 bytes long; at most 32"},
			{"/api/v1/milestones?kind=" + strings.Repeat("k", 33), "parameter kind: 33 bytes long; at most 32"},
			{"/api/v1/milestones/jira/M1?events=1", "unknown parameter(s): events (this endpoint takes no query parameters)"},
			{"/api/v1/projects?type=long_term", "unknown parameter(s): type (allowed: limit, cursor)"},
			{"/api/v1/projects?cursor=garbage", "parameter cursor: not a cursor returned by this API"},
			{"/api/v1/projects?cursor=" + forged(`{"o":-1}`), "parameter cursor: not a cursor returned by this API"},
			{"/api/v1/projects?cursor=" + forged(`{"o":5}`), "parameter cursor: not a cursor returned by this API"},
			{"/api/v1/projects?limit=0", `parameter limit: "0" is not a whole number from 1 to 1000`},
		} {
			status, body := msGet(t, srv, tc.path, "read-token")
			if status != http.StatusBadRequest {
				t.Errorf("%s: %d %s, want 400", tc.path, status, body)
				continue
			}
			jsonEqual(t, tc.path, body, fmt.Sprintf(`{"error":{"code":"invalid_argument","message":%q}}`, tc.msg))
		}

		// Unknown, tombstoned or other-source milestones are a 404.
		for _, tc := range []struct{ path, msg string }{
			{"/api/v1/milestones/jira/NOPE", "not found: milestone jira/NOPE"},
			{"/api/v1/milestones/jira/M9", "not found: milestone jira/M9"}, // deleted upstream
			{"/api/v1/milestones/gitlab/M1", "not found: milestone gitlab/M1"},
			{"/api/v1/milestones/other/5", "not found: milestone other/5"},
		} {
			status, body := msGet(t, srv, tc.path, "read-token")
			if status != http.StatusNotFound {
				t.Errorf("%s: %d %s, want 404", tc.path, status, body)
				continue
			}
			jsonEqual(t, tc.path, body, fmt.Sprintf(`{"error":{"code":"not_found","message":%q}}`, tc.msg))
		}
	})
}

func TestMilestoneDetailAPI(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		srv := msServer(t, db)
		with := func(key, rest string) string { return strings.TrimSuffix(wantMilestone[key], "}") + "," + rest + "}" }

		// M2: its two due dates, and J1..J3's membership in time order
		// (then issue id); J4, deleted upstream, is left out.
		jsonEqual(t, "M2", readOK(t, srv, "/api/v1/milestones/jira/M2"), with("jira/M2", `
			"due_history":[
				{"due":"2024-03-31T00:00:00Z","first_seen":"2024-03-02T00:00:00Z"},
				{"due":"2024-04-10T00:00:00Z","first_seen":"2024-04-11T00:00:00Z"}],
			"events":[
				{"issue_id":"J1","issue_key":"PLAT-201","at":"2024-02-28T00:00:00Z","action":"added"},
				{"issue_id":"J2","issue_key":"PLAT-202","at":"2024-02-28T00:00:00Z","action":"added"},
				{"issue_id":"J3","issue_key":"PLAT-203","at":"2024-03-05T00:00:00Z","action":"added"},
				{"issue_id":"J3","issue_key":"PLAT-203","at":"2024-03-20T00:00:00Z","action":"removed"}]`))

		// gitlab/10: a due date, then none; no issues: an empty event list.
		jsonEqual(t, "gitlab/10", readOK(t, srv, "/api/v1/milestones/gitlab/10"), with("gitlab/10", `
			"due_history":[
				{"due":"2024-06-30T00:00:00Z","first_seen":"2024-05-01T00:00:00Z"},
				{"due":null,"first_seen":"2024-05-20T00:00:00Z"}],
			"events":[]`))
		// gitlab/9: never snapshotted: both lists empty, not null.
		jsonEqual(t, "gitlab/9", readOK(t, srv, "/api/v1/milestones/gitlab/9"), with("gitlab/9", `"due_history":[],"events":[]`))
		// The archived milestone is served like any other.
		jsonEqual(t, "M4", readOK(t, srv, "/api/v1/milestones/jira/M4"), with("jira/M4", `"due_history":[],"events":[]`))

		// M1: the report of the list, two due dates (the third snapshot saw
		// 06-22 again), and one event per entry and exit: 22 added, of
		// which C1 and C2 on 03-05, and D1, D2 removed on 03-20.
		body := readOK(t, srv, "/api/v1/milestones/jira/M1")
		var d struct {
			DueHistory json.RawMessage `json:"due_history"`
			Events     []struct {
				IssueID  string `json:"issue_id"`
				IssueKey string `json:"issue_key"`
				At       string `json:"at"`
				Action   string `json:"action"`
			} `json:"events"`
		}
		if err := json.Unmarshal(body, &d); err != nil {
			t.Fatal(err)
		}
		var report map[string]json.RawMessage
		if err := json.Unmarshal(body, &report); err != nil {
			t.Fatal(err)
		}
		delete(report, "due_history")
		delete(report, "events")
		rest, _ := json.Marshal(report)
		jsonEqual(t, "M1 report", rest, wantMilestone["jira/M1"])
		jsonEqual(t, "M1 due history", d.DueHistory, `[
			{"due":"2024-06-08T00:00:00Z","first_seen":"2024-02-11T00:00:00Z"},
			{"due":"2024-06-22T00:00:00Z","first_seen":"2024-04-01T00:00:00Z"}]`)
		count := map[string]int{}
		var late []string
		for i, e := range d.Events {
			count[e.Action]++
			if e.IssueKey != "PLAT-"+e.IssueID {
				t.Errorf("M1 event %d: %+v", i, e)
			}
			if i > 0 && e.At < d.Events[i-1].At {
				t.Errorf("M1 events out of order at %d: %s after %s", i, e.At, d.Events[i-1].At)
			}
			if e.At >= "2024-03-01" {
				late = append(late, e.Action+" "+e.IssueID+" "+e.At)
			}
		}
		if want := map[string]int{"added": 22, "removed": 2}; !reflect.DeepEqual(count, want) {
			t.Errorf("M1 events %v, want %v", count, want)
		}
		if want := []string{"added C1 2024-03-05T00:00:00Z", "added C2 2024-03-05T00:00:00Z",
			"removed D1 2024-03-20T00:00:00Z", "removed D2 2024-03-20T00:00:00Z"}; !reflect.DeepEqual(late, want) {
			t.Errorf("M1 events after 03-01: %v, want %v", late, want)
		}
	})
}

// The hand-worked project reports. platform: from M5's baseline 01-01 to
// now, 152 days; open, so forecast_end is the latest p85 (M1, 06-29), and
// that span (180 days) is outside long_term's 365–730. ops: from M3's
// baseline 05-01, 31 days, no forecast and no range. mobile: from its
// first sprint (01-08) to gitlab/5's close (05-10), 123 days, inside
// short_term's 90–183. data: nothing matches it. Support per month: no
// ticket; platform's M2 closed in April 10 days late, mobile's gitlab/5
// in May 5 days early (its one sprint has no scope: no completion rate).
const (
	wantData = `{"key":"data","name":"Data platform","type":"long_term","start":null,"end":null,
		"forecast_end":null,"duration_days":null,"expected_min_days":365,"expected_max_days":730,
		"within_expected":null,"milestones":{}}`
	wantMobile = `{"key":"mobile","name":"Mobile app","type":"short_term","start":"2024-01-08T00:00:00Z",
		"end":"2024-05-10T00:00:00Z","forecast_end":null,"duration_days":123,"expected_min_days":90,
		"expected_max_days":183,"within_expected":true,"milestones":{"done":1},
		"support":[{"group":"2024-05","tickets_created":0,"tickets_solved":0,"tickets_open":0,"sla_breach_rate":null,
			"sprint_completion_rate":null,"milestone_slip_days":-5}]}`
	wantOps = `{"key":"ops","name":"Operations","type":"ongoing_support","start":"2024-05-01T00:00:00Z",
		"end":null,"forecast_end":null,"duration_days":31,"expected_min_days":null,"expected_max_days":null,
		"within_expected":null,"milestones":{"overdue":1}}`
	wantPlatform = `{"key":"platform","name":"Platform rebuild","type":"long_term","start":"2024-01-01T00:00:00Z",
		"end":null,"forecast_end":"2024-06-29T00:00:00Z","duration_days":152,"expected_min_days":365,
		"expected_max_days":730,"within_expected":false,
		"milestones":{"done_late":1,"no_forecast":1,"on_track":1,"slipping":1},
		"support":[{"group":"2024-04","tickets_created":0,"tickets_solved":0,"tickets_open":0,"sla_breach_rate":null,
			"sprint_completion_rate":null,"milestone_slip_days":10}]}`
)

func TestProjectsAPI(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		srv := msServer(t, db)
		for _, tc := range []struct{ path, want string }{
			{"/api/v1/projects", `{"items":[` + wantData + `,` + wantMobile + `,` + wantOps + `,` + wantPlatform + `],"next_cursor":""}`},
			{"/api/v1/projects?limit=4", `{"items":[` + wantData + `,` + wantMobile + `,` + wantOps + `,` + wantPlatform + `],"next_cursor":""}`},
			// Offset cursors: base64url of {"o":n}.
			{"/api/v1/projects?limit=3", `{"items":[` + wantData + `,` + wantMobile + `,` + wantOps + `],"next_cursor":"eyJvIjozfQ"}`},
			{"/api/v1/projects?limit=3&cursor=eyJvIjozfQ", `{"items":[` + wantPlatform + `],"next_cursor":""}`},
			{"/api/v1/projects?limit=1&cursor=eyJvIjoxfQ", `{"items":[` + wantMobile + `],"next_cursor":"eyJvIjoyfQ"}`},
			{"/api/v1/projects?cursor=eyJvIjo0fQ", `{"items":[],"next_cursor":""}`},
		} {
			jsonEqual(t, tc.path, readOK(t, srv, tc.path), tc.want)
		}
	})
}

// TestMilestoneRollupsAPI checks the milestone and project rollups over
// the fixture. Milestones with a baseline: M2 (40 days; prototype), gitlab/5
// (116; other), M3 (31; production), M1 (112; beta), M5 (152; production).
func TestMilestoneRollupsAPI(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		srv := msServer(t, db)
		for _, tc := range []struct{ path, want string }{
			// platform: M2 + M1 + M5 = 2 + 20 + 20 committed, 1 + 2 + 0 added,
			// 1 + 2 + 0 removed: 6/42.
			{"/api/v1/scope-change?entity=milestone", `{"items":[
				{"group":"mobile","name":"Mobile app","sprints":0,"milestones":1,"committed":2,"added":0,"removed":0,"scope_change_rate":0},
				{"group":"ops","name":"Operations","sprints":0,"milestones":1,"committed":1,"added":0,"removed":0,"scope_change_rate":0},
				{"group":"platform","name":"Platform rebuild","sprints":0,"milestones":3,"committed":42,"added":3,"removed":3,"scope_change_rate":0.14285714285714285}
			],"next_cursor":""}`},
			{"/api/v1/scope-change?entity=milestone&group_by=type&source=jira", `{"items":[
				{"group":"long_term","sprints":0,"milestones":3,"committed":42,"added":3,"removed":3,"scope_change_rate":0.14285714285714285},
				{"group":"ongoing_support","sprints":0,"milestones":1,"committed":1,"added":0,"removed":0,"scope_change_rate":0}
			],"next_cursor":""}`},
			// production: 31 and 152: mean and p50 91.5, p90 31 + 0.9 × 121.
			{"/api/v1/durations?entity=milestone&group_by=kind", `{"items":[
				{"group":"beta","count":1,"mean_days":112,"p50_days":112,"p90_days":112,"max_days":112},
				{"group":"other","count":1,"mean_days":116,"p50_days":116,"p90_days":116,"max_days":116},
				{"group":"production","count":2,"mean_days":91.5,"p50_days":91.5,"p90_days":139.9,"max_days":152},
				{"group":"prototype","count":1,"mean_days":40,"p50_days":40,"p90_days":40,"max_days":40}
			],"next_cursor":""}`},
			{"/api/v1/durations?entity=project&group_by=type", `{"items":[
				{"group":"long_term","count":1,"mean_days":152,"p50_days":152,"p90_days":152,"max_days":152},
				{"group":"ongoing_support","count":1,"mean_days":31,"p50_days":31,"p90_days":31,"max_days":31},
				{"group":"short_term","count":1,"mean_days":123,"p50_days":123,"p90_days":123,"max_days":123}
			],"next_cursor":""}`},
		} {
			jsonEqual(t, tc.path, readOK(t, srv, tc.path), tc.want, "p90_days")
		}
	})
}

// TestForecastAccuracyAPI backtests the fixture's two closed milestones.
//
// jira/M2 (b = 03-01, closed 04-10 00:00) never had 5 closures of its own,
// so each forecast uses project PLAT's weekly closures, which are M1's
// A-issues, one on each of 02-13 + 7k. As of 2 weeks before (03-27): the
// trailing windows hold 1,1,1,1,1,1,1,0 (nothing in (01-31, 02-07]) and
// J1, J2 are open: P(done in 2 weeks) = (7/8)² ≈ 0.77, in 3 weeks ≈ 0.96,
// so p50 = 2 weeks = 04-10 (held: closed not after it) and p85 = 3 weeks
// (held). As of 4 weeks before (03-13): windows 1,1,1,1,1,0,0,0 and J1, J2,
// J3 open: P(3 done in 4 weeks) = 2125/4096 ≈ 0.52, so p50 = 4 weeks =
// 04-10 again, error 0, held; P(in 6 weeks) ≈ 0.854, so p85 is 6 or 7
// weeks (the seeded draw decides), held either way. 8 weeks before (02-14)
// is before its baseline: no forecast. gitlab/5 (mobile) closed 05-10 and
// neither it nor mobile/app closed anything before 04-26: no forecast at
// any horizon, counted in milestones only.
func TestForecastAccuracyAPI(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		srv := msServer(t, db)
		for _, tc := range []struct{ path, want string }{
			{"/api/v1/forecast-accuracy", `{"items":[
				{"group":"mobile","name":"Mobile app","milestones":1,"held_p50_2w":null,"held_p85_2w":null,
				 "held_p50_4w":null,"held_p85_4w":null,"held_p50_8w":null,"held_p85_8w":null,"mean_error_days_4w":null},
				{"group":"platform","name":"Platform rebuild","milestones":1,"held_p50_2w":1,"held_p85_2w":1,
				 "held_p50_4w":1,"held_p85_4w":1,"held_p50_8w":null,"held_p85_8w":null,"mean_error_days_4w":0}
			],"next_cursor":""}`},
			{"/api/v1/forecast-accuracy?group_by=kind&from=2024-04-01&to=2024-04-30", `{"items":[
				{"group":"prototype","milestones":1,"held_p50_2w":1,"held_p85_2w":1,
				 "held_p50_4w":1,"held_p85_4w":1,"held_p50_8w":null,"held_p85_8w":null,"mean_error_days_4w":0}
			],"next_cursor":""}`},
			{"/api/v1/forecast-accuracy?from=2024-06-01", `{"items":[],"next_cursor":""}`},
		} {
			jsonEqual(t, tc.path, readOK(t, srv, tc.path), tc.want)
		}
	})
}

// TestMilestoneAuth: the milestone endpoints need a token; a read token does.
func TestMilestoneAuth(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		srv := msServer(t, db)
		for _, path := range []string{"/api/v1/milestones", "/api/v1/milestones/jira/M1", "/api/v1/projects",
			"/api/v1/forecast-accuracy", "/api/v1/milestones?status=bogus"} {
			for _, token := range []string{"", "wrong"} {
				status, body := msGet(t, srv, path, token)
				var eb struct {
					Error struct{ Code string } `json:"error"`
				}
				if err := json.Unmarshal(body, &eb); err != nil || status != http.StatusUnauthorized || eb.Error.Code != "unauthenticated" {
					t.Errorf("%s with token %q: %d %s, want 401 unauthenticated", path, token, status, body)
				}
			}
			if status, body := msGet(t, srv, path, "admin-token"); status != http.StatusOK && !strings.Contains(path, "bogus") {
				t.Errorf("%s with the admin token: %d %s", path, status, body)
			}
		}
	})
}
