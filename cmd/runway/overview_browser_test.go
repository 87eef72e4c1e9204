package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
)

// The overview page (GET /, package api/ui) in a real browser: headless
// Chromium loads the demo org's page, and every number it shows must be
// what the API answers for the same org.

// chromiumBin finds headless Chromium. Missing, the test fails: the page
// is part of the product and must be looked at.
func chromiumBin(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("the overview page's browser test needs headless Chromium: apt-get install chromium (`make deps` installs it)")
	return ""
}

// chromium runs Chromium headless on a fresh profile with no network of
// its own (no QUIC, sync, updates or background fetches) and returns its
// stdout and the browser console's lines from its log: an uncaught
// error, a blocked inline style or script (CSP), a failed request.
func chromium(t *testing.T, bin string, args ...string) (stdout string, console []string) {
	t.Helper()
	profile, err := os.MkdirTemp("", "runway-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(profile)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0"}, args...)...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, errOut.String())
	}
	for line := range strings.Lines(errOut.String()) {
		if strings.Contains(line, ":CONSOLE") || strings.Contains(line, "Uncaught") {
			console = append(console, strings.TrimSpace(line))
		}
	}
	return out.String(), console
}

// metricRE finds the numbers the page marks: data-metric, an optional
// data-key, then the element's text.
var metricRE = regexp.MustCompile(`<[a-z]+ [^>]*?data-metric="([^"]+)"(?: data-key="([^"]*)")?[^>]*>([^<]*)<`)

// shownMetrics reads the marked numbers of a page as "metric key" → text.
func shownMetrics(t *testing.T, dom string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range metricRE.FindAllStringSubmatch(dom, -1) {
		k := strings.TrimSpace(m[1] + " " + html.UnescapeString(m[2]))
		if _, dup := out[k]; dup {
			t.Errorf("the page shows %s twice", k)
		}
		out[k] = html.UnescapeString(m[3])
	}
	return out
}

// The page's number formats (api/ui/format.go), applied to the API's
// values: days with one decimal, rates as whole percentages, "—" for null.
func shownDays(v *float64) string {
	if v == nil {
		return "—"
	}
	return strings.Replace(strconv.FormatFloat(*v, 'f', 1, 64), "-0.0", "0.0", 1)
}

func shownPct(v *float64) string {
	if v == nil {
		return "—"
	}
	s := strconv.FormatFloat(*v*100, 'f', 0, 64)
	if s == "-0" {
		s = "0"
	}
	return s + "%"
}

// chartedPerBoard is how many closed sprints a board's chart shows
// (api/ui closedPerBoard).
const chartedPerBoard = 8

// closedSprint is a closed sprint as the API reports it.
type closedSprint struct {
	board    string
	complete *time.Time
	shown    string
}

// apiView is what the page must show, from the API: every marked number
// but the charted sprints ("metric key" → text), and the closed sprints
// the charts pick from.
type apiView struct {
	want   map[string]string
	closed map[string]closedSprint
}

// getJSON decodes base+path's 200 answer into v.
func getJSON(t *testing.T, base, path string, v any) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// getAll reads every page of a list endpoint.
func getAll[T any](t *testing.T, base, path string) []T {
	t.Helper()
	var all []T
	cursor := ""
	for {
		var page struct {
			Items      []T    `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		getJSON(t, base, path+"limit=1000&cursor="+cursor, &page)
		all = append(all, page.Items...)
		if cursor = page.NextCursor; cursor == "" {
			return all
		}
	}
}

func readAPIView(t *testing.T, base string) apiView {
	t.Helper()
	v := apiView{want: map[string]string{}, closed: map[string]closedSprint{}}
	for _, m := range getAll[struct {
		Source, ID, State, Status string
		SlipDays                  *float64 `json:"slip_days"`
	}](t, base, "/api/v1/milestones?") {
		if m.State != "archived" { // the page leaves archived milestones out
			k := m.Source + "/" + m.ID
			v.want["milestone-status "+k] = strings.ReplaceAll(m.Status, "_", " ")
			v.want["milestone-slip "+k] = shownDays(m.SlipDays)
		}
	}
	projects := map[string]bool{}
	for _, p := range getAll[struct {
		Key          string
		DurationDays *float64 `json:"duration_days"`
		Milestones   map[string]int
	}](t, base, "/api/v1/projects?") {
		projects[p.Key] = true
		v.want["project-duration "+p.Key] = shownDays(p.DurationDays)
		for status, n := range p.Milestones {
			if n > 0 {
				v.want["project-milestones "+p.Key+"/"+status] = strconv.Itoa(n)
			}
		}
	}
	for _, g := range getAll[struct {
		Group         string
		TicketsOpen   int64    `json:"tickets_open"`
		SLABreachRate *float64 `json:"sla_breach_rate"`
	}](t, base, "/api/v1/support-load?group_by=project&") {
		if projects[g.Group] {
			v.want["project-tickets-open "+g.Group] = strconv.FormatInt(g.TicketsOpen, 10)
			v.want["project-sla-breach-rate "+g.Group] = shownPct(g.SLABreachRate)
		}
	}
	for _, b := range getAll[struct {
		Source, Group   string
		ScopeChangeRate *float64 `json:"scope_change_rate"`
	}](t, base, "/api/v1/scope-change?entity=sprint&group_by=board&") {
		v.want["board-scope-change "+b.Source+"/"+b.Group] = shownPct(b.ScopeChangeRate)
	}
	for _, s := range getAll[struct {
		Source, Board, ID, State string
		Complete                 *time.Time
		ScopeChangeRate          *float64 `json:"scope_change_rate"`
	}](t, base, "/api/v1/sprints?") {
		switch k := s.Source + "/" + s.ID; s.State {
		case "active":
			v.want["active-sprint-scope-change "+k] = shownPct(s.ScopeChangeRate)
		case "closed":
			v.closed[k] = closedSprint{board: s.Source + "/" + s.Board, complete: s.Complete, shown: shownPct(s.ScopeChangeRate)}
		}
	}
	var open, breaches int64
	tickets := getAll[struct {
		Group         string
		Open          int64
		SLABreaches   int64    `json:"sla_breaches"`
		SLABreachRate *float64 `json:"sla_breach_rate"`
	}](t, base, "/api/v1/tickets/summary?")
	for _, g := range tickets {
		v.want[strings.TrimSpace("tickets-open "+g.Group)] = strconv.FormatInt(g.Open, 10)
		v.want[strings.TrimSpace("sla-breaches "+g.Group)] = strconv.FormatInt(g.SLABreaches, 10)
		v.want[strings.TrimSpace("sla-breach-rate "+g.Group)] = shownPct(g.SLABreachRate)
		open, breaches = open+g.Open, breaches+g.SLABreaches
	}
	if len(tickets) > 0 {
		v.want["tickets-open-total"] = strconv.FormatInt(open, 10)
		v.want["sla-breaches-total"] = strconv.FormatInt(breaches, 10)
	}
	return v
}

// before orders completion times, none being the oldest.
func before(a, b *time.Time) bool {
	return b != nil && (a == nil || a.Before(*b))
}

// differences lists where the page departs from the API: a number shown
// otherwise or not at all, a number the API has not, and per board a chart
// that is not of its last closed sprints.
func (v apiView) differences(page map[string]string) []string {
	var out []string
	for k, want := range v.want {
		if got, ok := page[k]; !ok {
			out = append(out, fmt.Sprintf("%s: not shown (API: %q)", k, want))
		} else if got != want {
			out = append(out, fmt.Sprintf("%s: page %q, API %q", k, got, want))
		}
	}
	charted := map[string][]string{} // board → charted sprints
	for k, got := range page {
		metric, key, _ := strings.Cut(k, " ")
		if metric != "sprint-scope-change" {
			if _, ok := v.want[k]; !ok {
				out = append(out, fmt.Sprintf("%s: page %q, the API has no such value", k, got))
			}
			continue
		}
		c, ok := v.closed[key]
		if !ok {
			out = append(out, fmt.Sprintf("%s: charted, but the API has no such closed sprint", k))
			continue
		}
		if got != c.shown {
			out = append(out, fmt.Sprintf("%s: page %q, API %q", k, got, c.shown))
		}
		charted[c.board] = append(charted[c.board], key)
	}
	perBoard := map[string]int{}
	for _, c := range v.closed {
		perBoard[c.board]++
	}
	for board, n := range perBoard {
		keys := charted[board]
		if want := min(n, chartedPerBoard); len(keys) != want {
			out = append(out, fmt.Sprintf("board %s: %d sprints charted, want %d of its %d closed", board, len(keys), want, n))
			continue
		}
		oldest := v.closed[keys[0]].complete
		for _, k := range keys {
			if before(v.closed[k].complete, oldest) {
				oldest = v.closed[k].complete
			}
		}
		for k, c := range v.closed {
			if c.board == board && !slices.Contains(keys, k) && before(oldest, c.complete) {
				out = append(out, fmt.Sprintf("board %s: sprint %s completed after the oldest charted one but is not charted", board, k))
			}
		}
	}
	slices.Sort(out)
	return out
}

// overviewDemo runs `runway demo` as TestDemoEndToEnd does (simulated
// Jira, GitHub, GitLab and Zendesk on the shared ClickHouse, wall clock),
// waits for its first live collection and returns its address and the
// first line it printed. The demo is stopped when the test ends.
func overviewDemo(t *testing.T) (base, first string) {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(binary, "demo", "--seed", "7")
	// No rate limit: the test times a burst of page loads.
	cmd.Env = cleanEnv(t, "RUNWAY_STORAGE_DSN="+serverDSN(t), "RUNWAY_API_LISTEN="+addr, "RUNWAY_API_RATE_LIMIT=0")
	pr, pw := io.Pipe()
	var errOut collectortest.LogBuffer
	cmd.Stdout, cmd.Stderr = pw, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		pw.Close()
		exited <- err
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case first = <-lines:
	case err := <-exited:
		t.Fatalf("demo exited early: %v\n%s", err, errOut.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("the demo printed nothing within 2 minutes\n%s", errOut.String())
	}

	base = "http://" + addr
	done := eventually(3*time.Minute, 250*time.Millisecond, func() bool {
		var c struct {
			Items []struct {
				Status, Trigger string
				Running         bool
			}
		}
		resp, err := http.Get(base + "/api/v1/collectors")
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&c)
			resp.Body.Close()
		}
		live := 0
		for _, it := range c.Items {
			// The run log says "running" a moment after the runner is done.
			if !it.Running && it.Trigger == "api" && it.Status != "running" {
				if it.Status != "success" {
					t.Fatalf("the demo's first collection: %+v\n%s", c.Items, errOut.String())
				}
				live++
			}
		}
		return err == nil && live == 4
	})
	if !done {
		t.Fatalf("the demo's first collection did not finish within 3 minutes\n%s", errOut.String())
	}
	return base, first
}

// TestOverviewInBrowser: `runway demo` prints the page's address first;
// Chromium renders the page with no console message (no script error, no
// style or script blocked by the page's CSP), and every number it shows
// is the API's for the same org, rendered by the page's rules. The demo
// runs on the wall clock and keeps collecting, so a page that differs is
// compared with the API read just before and just after it, and read
// again when the org moved in between.
func TestOverviewInBrowser(t *testing.T) {
	bin := chromiumBin(t)
	base, first := overviewDemo(t)
	if want := "Runway overview: " + base + "/"; first != want {
		t.Errorf("first line %q, want %q", first, want)
	}

	for attempt := 1; ; attempt++ {
		apiBefore := readAPIView(t, base)
		dom, console := chromium(t, bin, "--virtual-time-budget=10000", "--dump-dom", base+"/")
		apiAfter := readAPIView(t, base)
		if len(console) > 0 {
			t.Errorf("the browser console says:\n%s", strings.Join(console, "\n"))
		}
		if !strings.Contains(dom, `data-overview="ready"`) || !strings.Contains(dom, "<h2>Projects</h2>") {
			t.Fatalf("no overview in the page:\n%.2000s", dom)
		}
		page := shownMetrics(t, dom)
		if len(page) < 100 || len(apiBefore.want) < 100 {
			t.Fatalf("the page shows %d numbers, the API has %d: the demo org is bigger than that", len(page), len(apiBefore.want))
		}
		diff := apiBefore.differences(page)
		if len(diff) == 0 || len(apiAfter.differences(page)) == 0 {
			t.Logf("the page shows %d numbers, each the API's", len(page))
			break
		}
		if reflect.DeepEqual(apiBefore, apiAfter) || attempt == 3 {
			t.Fatalf("the page differs from the API (%d):\n%s", len(diff), strings.Join(diff, "\n"))
		}
		t.Logf("the org moved while the page loaded (attempt %d); again", attempt)
	}

	dir, err := os.MkdirTemp("", "runway-overview-")
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "overview.png")
	if _, console := chromium(t, bin, "--virtual-time-budget=10000", "--hide-scrollbars", "--window-size=1280,2000",
		"--screenshot="+shot, base+"/"); len(console) > 0 {
		t.Errorf("the browser console says:\n%s", strings.Join(console, "\n"))
	}
	if st, err := os.Stat(shot); err != nil || st.Size() < 10_000 {
		t.Errorf("screenshot %s: %v", shot, err)
	}
	t.Logf("screenshot: %s", shot)

	// How long GET / takes for the demo org (logged, not asserted: it
	// depends on the machine).
	var took []time.Duration
	size := 0
	for range 20 {
		start := time.Now() // elapsed time only
		resp, err := http.Get(base + "/")
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET /: %d %v", resp.StatusCode, err)
		}
		took, size = append(took, time.Since(start)), len(b)
	}
	slices.Sort(took)
	t.Logf("GET / (%d bytes) over 20 requests: min %v, p50 %v, p90 %v, max %v", size,
		took[0].Round(time.Millisecond), took[10].Round(time.Millisecond), took[18].Round(time.Millisecond), took[19].Round(time.Millisecond))
}
