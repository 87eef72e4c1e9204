package api_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/api"
	"github.com/runway-analytics/runway/api/gauges/gaugestest"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// metricRE finds the numbers the overview marks: data-metric, then an
// optional data-key, then the element's text.
var metricRE = regexp.MustCompile(`<[a-z]+ [^>]*?data-metric="([^"]+)"(?: data-key="([^"]*)")?[^>]*>([^<]*)<`)

// pageMetrics reads the marked numbers of an overview page as
// "metric key" → shown text; a metric and key shown twice is an error.
func pageMetrics(t *testing.T, page string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range metricRE.FindAllStringSubmatch(page, -1) {
		k := strings.TrimSpace(m[1] + " " + html.UnescapeString(m[2]))
		if _, dup := out[k]; dup {
			t.Errorf("%s shown twice", k)
		}
		out[k] = html.UnescapeString(m[3])
	}
	return out
}

// overviewGet fetches path with token ("" for none).
func overviewGet(t *testing.T, base, path, token string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
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
	return resp.StatusCode, resp.Header, string(b)
}

// seedOverview writes the milestone fixture (gaugestest.SeedMilestones),
// the sprint fixture (gaugestest.Seed) and two tickets: an urgent one
// answered in 30 minutes and solved, a low one open and never answered.
func seedOverview(t *testing.T, db warehouse.DB) {
	t.Helper()
	seedMilestonesAPI(t, db)
	ctx := context.Background()
	if err := gaugestest.Seed(ctx, db); err != nil {
		t.Fatal(err)
	}
	fr, res := 30.0, 120.0
	day := func(d int) time.Time { return time.Date(2024, 2, d, 0, 0, 0, 0, time.UTC) }
	if err := warehouse.InsertMixed(ctx, db, []warehouse.Row{
		warehouse.TicketRow{Source: "zd", TicketID: "1", Priority: "urgent", Status: "solved", Group: "Support",
			Tags: []string{}, Created: day(1), Updated: day(1).Add(2 * time.Hour), FirstReplyMinutes: &fr, ResolutionMinutes: &res, Version: 1},
		warehouse.TicketRow{Source: "zd", TicketID: "2", Priority: "low", Status: "open", Group: "Billing",
			Tags: []string{}, Created: day(2), Updated: day(2), Version: 1},
	}); err != nil {
		t.Fatal(err)
	}
}

// overviewServer serves db with the milestone fixture's kinds, SLA
// targets by which the low ticket breached and the urgent one did not,
// and the clock at now.
func overviewServer(t *testing.T, db warehouse.DB, tokens bool, now time.Time) string {
	t.Helper()
	o := api.Options{DB: db, Kinds: msKinds(t), Now: func() time.Time { return now },
		SLA: map[string]time.Duration{"urgent": 4 * time.Hour, "low": time.Hour}}
	if tokens {
		o.Tokens = testTokens
	}
	srv := httptest.NewServer(api.New(o).Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestOverviewAuth: with tokens, GET / holds no data and the fragment
// needs a read token; without tokens GET / holds the data, the same
// overview the fragment is.
func TestOverviewAuth(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seedOverview(t, db)
		locked := overviewServer(t, db, true, msNow)
		open := overviewServer(t, db, false, msNow)

		for _, token := range []string{"", "read-token", "wrong"} {
			status, h, body := overviewGet(t, locked, "/", token)
			if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(body, `data-overview="locked"`) {
				t.Errorf("GET / (token %q) with tokens: %d %q\n%.300s", token, status, h.Get("Content-Type"), body)
			}
			for _, leak := range []string{"data-metric", `data-overview="ready"`, "Beta 1", "GA launch", "acme-jira", "Platform"} {
				if strings.Contains(body, leak) {
					t.Errorf("GET / with tokens shows %q", leak)
				}
			}
		}
		for _, tc := range []struct {
			token  string
			status int
		}{{"", 401}, {"wrong", 401}, {"read-token", 200}, {"admin-token", 200}} {
			status, h, body := overviewGet(t, locked, "/ui/overview", tc.token)
			if status != tc.status {
				t.Errorf("GET /ui/overview with token %q: %d, want %d", tc.token, status, tc.status)
			}
			if status == 401 && (h.Get("WWW-Authenticate") == "" || strings.Contains(body, "data-metric")) {
				t.Errorf("GET /ui/overview with token %q: %s %s", tc.token, h, body)
			}
		}

		_, _, frag := overviewGet(t, locked, "/ui/overview", "read-token")
		status, _, page := overviewGet(t, open, "/", "")
		if status != 200 || !strings.Contains(page, `data-overview="ready"`) || strings.Contains(page, "<script") {
			t.Fatalf("GET / without tokens: %d\n%.300s", status, page)
		}
		if !strings.Contains(page, strings.TrimSpace(frag)) || strings.Contains(frag, "<html") {
			t.Error("the fragment is not the overview GET / shows")
		}
		if status, _, _ := overviewGet(t, open, "/?token=x", ""); status != 400 {
			t.Errorf("GET /?token=x: %d, want 400 (no parameters)", status)
		}
	})
}

// TestOverviewNumbers: the page shows the fixtures' hand-worked numbers.
// Milestones (gaugestest.SeedMilestones, clock 2024-06-01): statuses and
// slip days, archived M4 left out. Sprints (gaugestest.Seed, clock
// 2025-03-05): board 12's closed sprints by completion, 101 and 102 with
// one issue committed and no change (0%), 105 completed after 103 though
// it started first; board 34's without a rate; the boards' rates over
// every started sprint: board 12 (1+1+4+5+2+4 committed, 0+0+1+0+2+1
// added, 1 removed) 5/17, board 34 (sprint 202: 10 committed, 3 added, 1
// removed; 201: 1 added) 5/10. Tickets: the low one breached its 1 h.
func TestOverviewNumbers(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seedOverview(t, db)
		_, _, page := overviewGet(t, overviewServer(t, db, false, msNow), "/", "")
		got := pageMetrics(t, page)
		for k, want := range map[string]string{
			"milestone-status jira/M2": "done late", "milestone-slip jira/M2": "10.0",
			"milestone-status gitlab/5": "done", "milestone-slip gitlab/5": "-5.0",
			"milestone-status jira/M3": "overdue", "milestone-slip jira/M3": "17.0",
			"milestone-status jira/M1": "slipping", "milestone-slip jira/M1": "—",
			"milestone-status jira/M5": "on track", "milestone-slip jira/M5": "—",
			"milestone-status gitlab/10": "no due date", "milestone-status gitlab/9": "no due date",
			"tickets-open urgent": "0", "tickets-open low": "1", "tickets-open-total": "1",
			"sla-breaches urgent": "0", "sla-breaches low": "1", "sla-breaches-total": "1",
			"sla-breach-rate urgent": "0%", "sla-breach-rate low": "100%",
		} {
			if got[k] != want {
				t.Errorf("%s: %q, want %q", k, got[k], want)
			}
		}
		if _, ok := got["milestone-status jira/M4"]; ok {
			t.Error("the archived milestone is shown")
		}

		_, _, page = overviewGet(t, overviewServer(t, db, false, gaugestest.Now), "/", "")
		got = pageMetrics(t, page)
		for k, want := range map[string]string{
			"sprint-scope-change acme-jira/101": "0%", "sprint-scope-change acme-jira/102": "0%",
			"sprint-scope-change acme-jira/103": "25%", "sprint-scope-change acme-jira/104": "20%",
			"sprint-scope-change acme-jira/105": "100%", "sprint-scope-change acme-jira/200": "—",
			"sprint-scope-change acme-jira/201": "—", "active-sprint-scope-change acme-jira/106": "25%",
			"active-sprint-scope-change acme-jira/202": "40%",
			"board-scope-change acme-jira/12":          "29%", "board-scope-change acme-jira/34": "50%",
		} {
			if got[k] != want {
				t.Errorf("%s: %q, want %q", k, got[k], want)
			}
		}
		var order []string
		for _, m := range metricRE.FindAllStringSubmatch(page, -1) {
			if m[1] == "sprint-scope-change" && strings.HasPrefix(m[2], gaugestest.Source+"/") {
				order = append(order, m[2])
			}
		}
		if want := "acme-jira/101 acme-jira/102 acme-jira/103 acme-jira/105 acme-jira/104 acme-jira/200 acme-jira/201"; strings.Join(order, " ") != want {
			t.Errorf("chart order %v, want %s", order, want)
		}
		if _, ok := got["sprint-scope-change acme-jira/107"]; ok {
			t.Error("the future sprint is charted")
		}

		// A board the warehouse has a name for shows it; one without keeps
		// its id.
		if err := warehouse.InsertMixed(context.Background(), db, []warehouse.Row{warehouse.BoardRow{
			Source: gaugestest.Source, BoardID: "12", Name: "Checkout team", Type: "scrum", Project: "CHK", Version: 1}}); err != nil {
			t.Fatal(err)
		}
		_, _, page = overviewGet(t, overviewServer(t, db, false, gaugestest.Now), "/", "")
		for _, want := range []string{`<h3>Checkout team <span class="muted">board 12 · acme-jira</span></h3>`,
			`<h3>Board 34 <span class="muted">acme-jira</span></h3>`} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %s", want)
			}
		}
	})
}
