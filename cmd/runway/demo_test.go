package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/jira"
	"github.com/runway-analytics/runway/collector/sources"
)

// TestDemoVendorTable: every vendor of the demo generates an org that
// ends when asked, builds a site that says it is that vendor and serves
// that org, and a source of a type the build knows whose settings are
// valid; names and source names are unique.
func TestDemoVendorTable(t *testing.T) {
	types := sources.Registry().ConfigTypes()
	now := time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)
	var names, srcNames []string
	for _, v := range demoVendors {
		site, evolve := v.start(7, now, time.Now)
		if site.Vendor() != v.name || site.Faults() == nil || evolve == nil || v.title == "" {
			t.Errorf("%s: site of vendor %q, title %q", v.name, site.Vendor(), v.title)
		}
		if org := site.Org(); org != nil && !org.Now.Equal(now) {
			t.Errorf("%s: org ending %v, want %v", v.name, org.Now, now)
		}
		src := v.source("http://127.0.0.1:1", site)
		if _, ok := types[src.Type]; !ok || !strings.HasPrefix(src.BaseURL, "http://127.0.0.1:1") || src.Token == "" || src.Schedule != demoSchedule {
			t.Errorf("%s: source %+v", v.name, src)
		}
		if probs := src.Settings.Validate(); len(probs) > 0 {
			t.Errorf("%s: settings: %v", v.name, probs)
		}
		names, srcNames = append(names, v.name), append(srcNames, src.Name)
	}
	if len(names) == 0 || len(slices.Compact(slices.Sorted(slices.Values(names)))) != len(names) ||
		len(slices.Compact(slices.Sorted(slices.Values(srcNames)))) != len(srcNames) {
		t.Errorf("vendors %v, sources %v: want some, each once", names, srcNames)
	}
	if !slices.Equal(names, []string{"jira", "github", "gitlab", "zendesk"}) {
		t.Errorf("vendors %v, want jira, github, gitlab and zendesk", names)
	}
}

func TestPickDemoVendors(t *testing.T) {
	all, err := pickDemoVendors(strings.Join(demoVendorNames(), ","))
	if err != nil || len(all) != len(demoVendors) {
		t.Fatalf("every vendor: %d, %v", len(all), err)
	}
	got, err := pickDemoVendors(" JIRA , jira,")
	if err != nil || len(got) != 1 || got[0].name != "jira" {
		t.Errorf("jira twice: %v %v", got, err)
	}
	for _, list := range []string{"nope", "jira,nope", "", " , "} {
		_, err := pickDemoVendors(list)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "(known: jira") {
			t.Errorf("%q: %v, want a usage error listing the known vendors", list, err)
		}
	}
	if _, err := pickDemoVendors("nope"); err == nil || !strings.Contains(err.Error(), `unknown vendor "nope"`) {
		t.Errorf("unknown vendor: %v", err)
	}
}

// TestDemoConfigEnv: the environment applies over the demo's own sources
// and projects (it used to be overwritten by them), and the demo store is
// made only when RUNWAY_STORAGE_DSN names none.
func TestDemoConfigEnv(t *testing.T) {
	sites := []demoSite{{demoVendors[0], "http://127.0.0.1:1", nil, nil}}
	dsn := "chdb://" + t.TempDir() + "/data"
	cfg, cleanup, err := demoConfig(sites, config.MapEnv{
		"RUNWAY_STORAGE_DSN":        dsn,
		"RUNWAY_SOURCES_0_NAME":     "sim-jira",
		"RUNWAY_SOURCES_0_SCHEDULE": "@hourly",
		"RUNWAY_SOURCES_0_EMAIL":    "other@runway.local",
		"RUNWAY_PROJECTS_1_NAME":    "Mobile",
		"RUNWAY_DEMO_JIRA_TOKEN":    "not read",
	})
	defer cleanup()
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Sources) != 1 {
		t.Fatalf("sources %+v", cfg.Sources)
	}
	s := cfg.Sources[0]
	set, _ := s.Settings.(*jira.Config)
	if s.Name != "sim-jira" || s.Schedule != "@hourly" || s.Type != jira.Type || s.BaseURL != "http://127.0.0.1:1" ||
		s.Token.Reveal() != demoJiraToken || set == nil || set.Email != "other@runway.local" {
		t.Errorf("source %+v, settings %+v", s, set)
	}
	if cfg.Storage.DSN != dsn || len(cfg.Projects) != 3 || cfg.Projects[1].Name != "Mobile" || cfg.Projects[1].Key != "mobile" {
		t.Errorf("dsn %q, projects %+v", cfg.Storage.DSN, cfg.Projects)
	}

	// Without RUNWAY_STORAGE_DSN: a fresh store, removed by cleanup.
	cfg, cleanup, err = demoConfig(sites, config.MapEnv{})
	if err != nil {
		cleanup()
		t.Fatal(err)
	}
	dir := strings.TrimSuffix(strings.TrimPrefix(cfg.Storage.DSN, "chdb://"), "/data")
	if _, err := os.Stat(dir); err != nil || cfg.Sources[0].Name != "demo-jira" || cfg.Sources[0].Schedule != demoSchedule {
		t.Errorf("store %q: %v; source %+v", cfg.Storage.DSN, err, cfg.Sources[0])
	}
	cleanup()
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cleanup left %s: %v", dir, err)
	}

	// A variable naming no setting of the demo's is an error, as for serve.
	_, cleanup, err = demoConfig(sites, config.MapEnv{"RUNWAY_STORAGE_DSN": dsn, "RUNWAY_SOURCES_0_SCHEDUL": "@hourly"})
	cleanup()
	if err == nil || !strings.Contains(err.Error(), "RUNWAY_SOURCES_0_SCHEDUL") {
		t.Errorf("misspelt variable: %v", err)
	}
}

// TestDemoUnknownVendor: the binary refuses an unknown vendor as a usage
// error, before it serves or stores anything.
func TestDemoUnknownVendor(t *testing.T) {
	code, out, errOut := runway(t, cleanEnv(t), "demo", "--vendors", "jira,nope")
	if code != 2 || out != "" || strings.TrimSpace(errOut) != `runway demo: --vendors: unknown vendor "nope" (known: jira, github, gitlab, zendesk)` {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}

// TestDemoEndToEnd runs `runway demo` as a user would, on the shared
// ClickHouse: it serves the simulated Jira, GitHub, GitLab and Zendesk,
// collects them at once under the names the environment gives their
// sources, answers the API with the milestones of the first three grouped
// into the demo's projects and the desk's tickets, and stops cleanly.
func TestDemoEndToEnd(t *testing.T) {
	addr := freeAddr(t)
	cmd := exec.Command(binary, "demo", "--seed", "7")
	cmd.Env = cleanEnv(t, "RUNWAY_STORAGE_DSN="+serverDSN(t), "RUNWAY_API_LISTEN="+addr, "RUNWAY_SOURCES_0_NAME=sim-jira",
		"RUNWAY_SOURCES_1_NAME=sim-github", "RUNWAY_SOURCES_2_NAME=sim-gitlab", "RUNWAY_SOURCES_3_NAME=sim-zendesk")
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
	stopped := false
	defer func() {
		if !stopped {
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	banner := make(chan string, 1)
	go func() {
		var b strings.Builder
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			b.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "Press Ctrl-C") {
				banner <- b.String()
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	var out string
	select {
	case out = <-banner:
	case err := <-exited:
		stopped = true
		t.Fatalf("demo exited early: %v\n%s", err, errOut.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("no banner within 2 minutes\n%s", errOut.String())
	}
	if !strings.HasPrefix(out, "Runway overview: http://"+addr+"/\nRunway demo: simulated Jira at http://127.0.0.1:") || !strings.Contains(out, ", GitHub at http://127.0.0.1:") || !strings.Contains(out, ", GitLab at http://127.0.0.1:") ||
		!strings.Contains(out, "Collecting now (and every 5 minutes)") || !strings.Contains(out, "http://"+addr+"/api/v1/sprints") {
		t.Errorf("banner:\n%s", out)
	}

	base := "http://" + addr
	get := func(path string, v any) int {
		resp, err := http.Get(base + path)
		if err != nil {
			return 0
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		return resp.StatusCode
	}
	type collectors struct {
		Items []struct {
			Source, Type, Status, Trigger, Error string
			Rows                                 int64
			Running                              bool
		}
	}
	done := eventually(3*time.Minute, 250*time.Millisecond, func() bool {
		var c collectors
		// The replayed past's runs are "manual"; the live ones the banner
		// starts are the API's.
		live := func(it struct {
			Source, Type, Status, Trigger, Error string
			Rows                                 int64
			Running                              bool
		}) bool {
			return !it.Running && it.Trigger == "api"
		}
		if code := get("/api/v1/collectors", &c); code == 200 && len(c.Items) == 4 && live(c.Items[0]) && live(c.Items[1]) &&
			live(c.Items[2]) && live(c.Items[3]) {
			for i, want := range [][2]string{{"sim-jira", "jira"}, {"sim-github", "github"}, {"sim-gitlab", "gitlab"},
				{"sim-zendesk", "zendesk"}} {
				it := c.Items[i]
				if it.Source != want[0] || it.Type != want[1] || it.Status != "success" || it.Rows == 0 {
					t.Fatalf("first collection: %+v\n%s", it, errOut.String())
				}
			}
			return true
		}
		return false
	})
	if !done {
		t.Fatalf("the first collection did not finish within 3 minutes\n%s", errOut.String())
	}
	// Jira's sprints and GitLab's iterations.
	for _, src := range []string{"sim-jira", "sim-gitlab"} {
		var sprints struct {
			Items []struct{ Source, State string }
		}
		if code := get("/api/v1/sprints?source="+src, &sprints); code != 200 || len(sprints.Items) == 0 ||
			sprints.Items[0].Source != src {
			t.Errorf("sprints of %s: %d, %+v", src, code, sprints.Items)
		}
	}
	// The demo org's fix versions, by title, with the status each scenario
	// is built to show (simulate's Scenario* constants), and its projects.
	// The replayed past (runs as of 14 and 7 days ago) shows the release
	// of "PLAT Beta" after its due and both moves of "PLAT Release 2.0".
	var milestones struct {
		Items []struct {
			Source, Title, Status string
			ProjectKey            string `json:"project_key"`
			DueChanges            int    `json:"due_changes"`
		}
	}
	if code := get("/api/v1/milestones?limit=1000", &milestones); code != 200 {
		t.Errorf("milestones: %d", code)
	}
	status, moves, projectOf := map[string]string{}, map[string]int{}, map[string]string{}
	for _, m := range milestones.Items {
		k := m.Source + " " + m.Title
		status[k], moves[k], projectOf[k] = m.Status, m.DueChanges, m.ProjectKey
	}
	for title, want := range map[string]string{"sim-jira PLAT Prototype": "done", "sim-jira PLAT Beta": "done_late",
		"sim-jira PLAT Pilot": "overdue", "sim-jira PLAT Production launch": "slipping", "sim-jira PLAT Beta 2": "at_risk",
		"sim-jira PLAT GA": "on_track", "sim-jira PLAT MVP hardening": "no_due_date",
		// GitHub keeps a milestone's due date when it is closed late.
		"sim-github API Prototype": "done", "sim-github API Beta": "done_late", "sim-github API Pilot": "overdue",
		"sim-github API GA": "on_track", "sim-github API MVP hardening": "no_due_date",
		"sim-gitlab CORE Prototype": "done", "sim-gitlab CORE Beta": "done_late", "sim-gitlab CORE Pilot": "overdue",
		"sim-gitlab CORE GA": "on_track", "sim-gitlab CORE MVP hardening": "no_due_date"} {
		if status[title] != want {
			t.Errorf("milestone %q: status %q, want %q (all: %v)", title, status[title], want, status)
		}
	}
	if moves["sim-jira PLAT Release 2.0"] != 2 || moves["sim-jira PLAT Beta"] != 1 || moves["sim-github API Release 2.0"] != 2 {
		t.Errorf("due changes: %v", moves)
	}
	if projectOf["sim-jira PLAT GA"] != "platform" || projectOf["sim-github API GA"] != "platform" ||
		projectOf["sim-github APP Beta"] != "mobile" || projectOf["sim-github SITE Beta"] != "" ||
		projectOf["sim-gitlab CORE GA"] != "platform" || projectOf["sim-gitlab IOS Beta"] != "mobile" {
		t.Errorf("projects of milestones: %v", projectOf)
	}
	// The simulated desk's tickets, by priority.
	var tickets struct {
		Items []struct {
			Group   string
			Created int64
		}
	}
	if code := get("/api/v1/tickets/summary?source=sim-zendesk", &tickets); code != 200 || len(tickets.Items) != 4 {
		t.Errorf("ticket summary: %d, %+v, want the four priorities", code, tickets.Items)
	}
	var projects struct{ Items []struct{ Key, Type string } }
	if code := get("/api/v1/projects", &projects); code != 200 || len(projects.Items) != 3 {
		t.Errorf("projects: %d, %+v, want the demo's three", code, projects.Items)
	}
	// Support load: each project has the tickets of the desk groups it
	// answers (mobile none), as the summary by group counts them.
	var byGroup struct {
		Items []struct {
			Group   string
			Created int64
		}
	}
	if code := get("/api/v1/tickets/summary?source=sim-zendesk&group_by=group", &byGroup); code != 200 {
		t.Errorf("ticket summary by group: %d", code)
	}
	created := map[string]int64{}
	for _, g := range byGroup.Items {
		created[g.Group] = g.Created
	}
	want := map[string]int64{"platform": created["Escalations"], "ops": created["Support"] + created["Billing"] + created["Technical"]}
	var load struct {
		Items []struct {
			Group          string
			TicketsCreated int64 `json:"tickets_created"`
		}
	}
	if code := get("/api/v1/support-load?group_by=project", &load); code != 200 {
		t.Errorf("support load: %d", code)
	}
	got := map[string]int64{}
	for _, g := range load.Items {
		got[g.Group] = g.TicketsCreated
	}
	if want["platform"] == 0 || want["ops"] == 0 || got["platform"] != want["platform"] || got["ops"] != want["ops"] || got["mobile"] != 0 {
		t.Errorf("support load by project %v, want %v (summary by group %v)", got, want, created)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Fatalf("demo exit after SIGTERM: %v\n%s", err, errOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not stop within 30s of SIGTERM")
	}
}
