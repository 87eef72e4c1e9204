package simulate

import (
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// TestGitLabAuthAndNotFound: PRIVATE-TOKEN or a bearer token; GitLab's
// 401 and 404 bodies; projects and the group by id or URL-encoded path.
func TestGitLabAuthAndNotFound(t *testing.T) {
	g := NewGitLab(glTinyOrg(t), GitLabOptions{Token: "glpat-sim"})
	const path = "/api/v4/projects/2000/issues"
	for _, hs := range [][]string{{"PRIVATE-TOKEN", ""}, {"PRIVATE-TOKEN", DefaultToken}, {"PRIVATE-TOKEN", "glpat-simX"},
		{"PRIVATE-TOKEN", "", "Authorization", "Bearer glpat-simX"}, {"PRIVATE-TOKEN", "", "Authorization", "token glpat-sim"},
		{"PRIVATE-TOKEN", "wrong", "Authorization", "Bearer glpat-sim"}} {
		if w := glGet(t, g, path, hs...); w.Code != 401 || w.Body.String() != `{"message":"401 Unauthorized"}` {
			t.Errorf("%v: %d %s", hs, w.Code, w.Body)
		}
	}
	for _, hs := range [][]string{{"PRIVATE-TOKEN", "glpat-sim"}, {"PRIVATE-TOKEN", "", "Authorization", "Bearer glpat-sim"},
		{"PRIVATE-TOKEN", "", "Authorization", "bearer glpat-sim"}} {
		if w := glGet(t, g, path, hs...); w.Code != 200 {
			t.Errorf("%v: %d %s", hs, w.Code, w.Body)
		}
	}
	ok := []string{"PRIVATE-TOKEN", "glpat-sim"}
	for p, body := range map[string]string{
		"/api/v4/projects/9/issues":                                `{"message":"404 Project Not Found"}`,
		"/api/v4/projects/other%2Fplat":                            `{"message":"404 Project Not Found"}`,
		"/api/v4/groups/runway/projects":                           `{"message":"404 Group Not Found"}`,
		"/api/v4/projects/2000/merge_requests":                     `{"error":"404 Not Found"}`,
		"/api/v3/projects/2000/issues":                             `{"error":"404 Not Found"}`,
		"/api/v4/projects/2000/issues/99":                          `{"message":"404 Issue Not Found"}`,
		"/api/v4/projects/2000/issues/6/resource_milestone_events": `{"message":"404 Issue Not Found"}`,
	} {
		if w := glGet(t, g, p, ok...); w.Code != 404 || w.Body.String() != body {
			t.Errorf("%s: %d %s", p, w.Code, w.Body)
		}
	}
	for p, id := range map[string]float64{"/api/v4/projects/runway-sim%2Fplat": 2000, "/api/v4/projects/Runway-Sim%2FMOB": 2001,
		"/api/v4/projects/2001": 2001, "/api/v4/groups/runway-sim?with_projects=false": 1000, "/api/v4/user": 1} {
		var got map[string]any
		if w := glGet(t, g, p, ok...); w.Code != 200 || jsonInto(w.Body.Bytes(), &got) != nil || got["id"] != id {
			t.Errorf("%s: %d %s", p, w.Code, w.Body)
		}
	}
	var p map[string]any
	jsonInto(glGet(t, g, "/api/v4/projects/runway-sim%2Fplat", ok...).Body.Bytes(), &p)
	ns, _ := p["namespace"].(map[string]any)
	if p["path_with_namespace"] != "runway-sim/plat" || p["web_url"] != "https://gitlab.test/runway-sim/plat" ||
		ns["id"] != 1000.0 || ns["full_path"] != "runway-sim" || ns["kind"] != "group" {
		t.Errorf("project %v", p)
	}
	if n := g.Requests()["/api/v4/projects/runway-sim/plat"]; n != 2 {
		t.Errorf("requests by path counted %d times under the decoded path", n)
	}
}

// TestGitLabOffsetPaging: x-* headers and Link on a small list (every
// relation, totals); on a list of more than 10,000 items, no x-total, no
// x-total-pages and no rel="last", but x-next-page until the last page.
func TestGitLabOffsetPaging(t *testing.T) {
	g := NewGitLab(glTinyOrg(t), GitLabOptions{})
	const list = "https://gitlab.test/api/v4/projects/2000/issues?page="
	h := func(w interface{ Header() http.Header }, keys ...string) []string {
		var out []string
		for _, k := range keys {
			out = append(out, w.Header().Get(k))
		}
		return out
	}
	keys := []string{"X-Page", "X-Per-Page", "X-Next-Page", "X-Prev-Page", "X-Total", "X-Total-Pages", "Link"}
	for page, want := range map[int][]string{
		1: {"1", "2", "2", "", "5", "3", `<` + list + `2&per_page=2&state=all>; rel="next", <` + list + `1&per_page=2&state=all>; rel="first", <` + list + `3&per_page=2&state=all>; rel="last"`},
		2: {"2", "2", "3", "1", "5", "3", `<` + list + `1&per_page=2&state=all>; rel="prev", <` + list + `3&per_page=2&state=all>; rel="next", <` + list + `1&per_page=2&state=all>; rel="first", <` + list + `3&per_page=2&state=all>; rel="last"`},
		3: {"3", "2", "", "2", "5", "3", `<` + list + `2&per_page=2&state=all>; rel="prev", <` + list + `1&per_page=2&state=all>; rel="first", <` + list + `3&per_page=2&state=all>; rel="last"`},
		4: {"4", "2", "", "3", "5", "3", `<` + list + `3&per_page=2&state=all>; rel="prev", <` + list + `1&per_page=2&state=all>; rel="first", <` + list + `3&per_page=2&state=all>; rel="last"`},
	} {
		w := glGet(t, g, "/api/v4/projects/2000/issues?state=all&per_page=2&page="+strconv.Itoa(page))
		if got := h(w, keys...); !reflect.DeepEqual(got, want) {
			t.Errorf("page %d\n got %q\nwant %q", page, got, want)
		}
	}
	// Defaults: per_page 20, capped at MaxPerPage; an empty list has one page.
	small := NewGitLab(glTinyOrg(t), GitLabOptions{MaxPerPage: 3})
	if got := h(glGet(t, small, "/api/v4/projects/2000/issues?per_page=50"), "X-Per-Page", "X-Total-Pages"); !slices.Equal(got, []string{"3", "2"}) {
		t.Errorf("per_page capped: %v", got)
	}
	if got := h(glGet(t, g, "/api/v4/projects/2000/milestones?state=closed"), "X-Per-Page", "X-Total", "X-Total-Pages", "X-Next-Page"); !slices.Equal(got, []string{"20", "0", "1", ""}) {
		t.Errorf("an empty list: %v", got)
	}

	// MOB holds 2 org issues: 9,998 extras make 10,000 (counted), 9,999 make 10,001 (not).
	rel := regexp.MustCompile(`rel="(\w+)"`)
	for _, c := range []struct {
		extra           int
		total, pages    string
		rels            []string
		last, lastItems int
	}{
		{9_998, "10000", "100", []string{"next", "first", "last"}, 100, 100},
		{9_999, "", "", []string{"next", "first"}, 101, 1},
	} {
		big := NewGitLab(glTinyOrg(t), GitLabOptions{ExtraIssues: map[string]int{"MOB": c.extra}})
		w := glGet(t, big, "/api/v4/projects/2001/issues?per_page=100")
		var rels []string
		for _, m := range rel.FindAllStringSubmatch(w.Header().Get("Link"), -1) {
			rels = append(rels, m[1])
		}
		_, hasTotal := w.Header()["X-Total"]
		if got := h(w, "X-Total", "X-Total-Pages", "X-Next-Page"); !slices.Equal(got, []string{c.total, c.pages, "2"}) ||
			!slices.Equal(rels, c.rels) || hasTotal != (c.total != "") {
			t.Errorf("%d extras, page 1: %v, Link rels %v", c.extra, got, rels)
		}
		w = glGet(t, big, "/api/v4/projects/2001/issues?per_page=100&page="+strconv.Itoa(c.last))
		if items := glList(t, w); len(items) != c.lastItems || w.Header().Get("X-Next-Page") != "" ||
			w.Header().Get("X-Prev-Page") != strconv.Itoa(c.last-1) {
			t.Errorf("%d extras, last page: %d items, headers %v", c.extra, len(items), w.Header())
		}
	}
}

// TestGitLabExtraIssues: extra issues are plain issues after the org's
// ids and iids, spread over the org's span, without milestones or events.
func TestGitLabExtraIssues(t *testing.T) {
	g := NewGitLab(glTinyOrg(t), GitLabOptions{ExtraIssues: map[string]int{"MOB": 8}})
	all := glList(t, glGet(t, g, "/api/v4/projects/2001/issues?order_by=created_at&sort=asc"))
	if got := glInts(all, "iid"); !slices.Equal(got, []int{3, 4, 1, 2, 5, 6, 7, 8, 9, 10}) {
		t.Errorf("MOB iids by creation %v", got)
	}
	first := all[0]
	if first["id"] != 20009.0 || first["created_at"] != "2024-01-01T00:00:00.000Z" || first["milestone"] != nil ||
		first["state"] != "opened" || first["title"] != "Synthesized issue 1" {
		t.Errorf("first extra %v", first)
	}
	closed := glInts(glList(t, glGet(t, g, "/api/v4/projects/2001/issues?state=closed")), "iid")
	if !slices.Equal(closed, []int{10, 6, 2}) { // every fourth extra, and MOB-2
		t.Errorf("closed %v", closed)
	}
	if evs := glList(t, glGet(t, g, "/api/v4/projects/2001/issues/5/resource_milestone_events")); len(evs) != 0 {
		t.Errorf("an extra's events %v", evs)
	}
	if got := glList(t, glGet(t, g, "/api/v4/projects/2000/issues")); len(got) != 5 {
		t.Errorf("PLAT has %d issues", len(got))
	}
}

// TestGitLabGroupProjects: keyset pagination (Link rel="next" on every
// non-empty page, id_after ascending, id_before descending, none after
// the last: an empty page) and offset pagination.
func TestGitLabGroupProjects(t *testing.T) {
	g := NewGitLab(glTinyOrg(t), GitLabOptions{})
	const list = "https://gitlab.test/api/v4/groups/1000/projects?"
	path := "/api/v4/groups/1000/projects?include_subgroups=true&pagination=keyset&order_by=id&sort=asc&per_page=1"
	var ids []int
	var links []string
	for pages := 0; path != ""; pages++ {
		if pages > 5 {
			t.Fatal("keyset paging does not end")
		}
		w := glGet(t, g, path)
		ids = append(ids, glInts(glList(t, w), "id")...)
		link := w.Header().Get("Link")
		links = append(links, link)
		if w.Header().Get("X-Total") != "" || w.Header().Get("X-Next-Page") != "" {
			t.Errorf("keyset answer with offset headers: %v", w.Header())
		}
		path = ""
		if link != "" {
			path = link[len("<https://gitlab.test") : len(link)-len(`>; rel="next"`)]
		}
	}
	wantLinks := []string{`<` + list + `id_after=2000&include_subgroups=true&order_by=id&pagination=keyset&per_page=1&sort=asc>; rel="next"`,
		`<` + list + `id_after=2001&include_subgroups=true&order_by=id&pagination=keyset&per_page=1&sort=asc>; rel="next"`, ""}
	if !slices.Equal(ids, []int{2000, 2001}) || !slices.Equal(links, wantLinks) {
		t.Errorf("keyset: ids %v\nlinks %q\nwant  %q", ids, links, wantLinks)
	}
	w := glGet(t, g, "/api/v4/groups/runway-sim/projects?pagination=keyset&order_by=id&sort=desc&per_page=1")
	if got := glInts(glList(t, w), "id"); !slices.Equal(got, []int{2001}) || w.Header().Get("Link") !=
		`<https://gitlab.test/api/v4/groups/runway-sim/projects?id_before=2001&order_by=id&pagination=keyset&per_page=1&sort=desc>; rel="next"` {
		t.Errorf("keyset desc: %v %s", got, w.Header().Get("Link"))
	}
	if w := glGet(t, g, "/api/v4/groups/1000/projects?pagination=keyset&order_by=name"); w.Code != 405 {
		t.Errorf("keyset by name: %d %s", w.Code, w.Body)
	}
	w = glGet(t, g, "/api/v4/groups/1000/projects")
	if got := glInts(glList(t, w), "id"); !slices.Equal(got, []int{2001, 2000}) || w.Header().Get("X-Total") != "2" {
		t.Errorf("offset, created_at desc: %v %v", got, w.Header())
	}
	for q, want := range map[string][]int{"?order_by=name&sort=asc": {2001, 2000}, "?order_by=path": {2000, 2001},
		"?id_after=2000": {2001}, "?archived=true": {}, "?archived=false&order_by=id&sort=asc": {2000, 2001}} {
		if got := glInts(glList(t, glGet(t, g, "/api/v4/groups/1000/projects"+q)), "id"); !slices.Equal(got, want) {
			t.Errorf("projects%s: %v, want %v", q, got, want)
		}
	}
}

// TestGitLabRateLimit: RateLimit-* headers on every answer; beyond the
// limit, 429 with Retry-After and GitLab's plain-text "Retry later"; an
// injected failure has GitLab's JSON body.
func TestGitLabRateLimit(t *testing.T) {
	clock := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	g := NewGitLab(glTinyOrg(t), GitLabOptions{RateLimit: 2, Clock: func() time.Time { return clock }})
	const path = "/api/v4/projects/2000/issues"
	reset := strconv.FormatInt(clock.Add(time.Minute).Unix(), 10)
	for i, want := range [][]string{{"2", "1", "1", reset, ""}, {"2", "2", "0", reset, ""}, {"2", "3", "0", reset, "61"}} {
		w := glGet(t, g, path)
		got := []string{w.Header().Get("RateLimit-Limit"), w.Header().Get("RateLimit-Observed"),
			w.Header().Get("RateLimit-Remaining"), w.Header().Get("RateLimit-Reset"), w.Header().Get("Retry-After")}
		if !slices.Equal(got, want) || w.Header().Get("RateLimit-ResetTime") != "Tue, 01 Jan 2030 00:01:00 GMT" {
			t.Errorf("request %d: %v, want %v", i+1, got, want)
		}
		if i == 2 && (w.Code != 429 || w.Body.String() != "Retry later\n" || w.Header().Get("Content-Type") != "text/plain" ||
			w.Header().Get("RateLimit-Name") != "throttle_authenticated_api") {
			t.Errorf("over the limit: %d %q %v", w.Code, w.Body, w.Header())
		}
	}
	clock = clock.Add(time.Minute)
	if w := glGet(t, g, path); w.Code != 200 || w.Header().Get("RateLimit-Observed") != "1" {
		t.Errorf("next window: %d %v", w.Code, w.Header())
	}
	off := NewGitLab(glTinyOrg(t), GitLabOptions{})
	off.FailNext(path, 500, 1, "")
	off.FailNext(path, 429, 1, "7")
	if w := glGet(t, off, path); w.Code != 500 || w.Body.String() != `{"message":"500 Internal Server Error"}` ||
		w.Header().Get("RateLimit-Limit") != "" {
		t.Errorf("injected 500: %d %s %v", w.Code, w.Body, w.Header())
	}
	if w := glGet(t, off, path); w.Code != 429 || w.Body.String() != "Retry later\n" || w.Header().Get("Retry-After") != "7" {
		t.Errorf("injected 429: %d %s %v", w.Code, w.Body, w.Header())
	}
}

// TestGitLabConcurrent: the site serves while the org changes (run with
// -race).
func TestGitLabConcurrent(t *testing.T) {
	org := Generate(Options{Seed: 4, Now: goldenNow, Teams: 2, Months: 2, Vendor: VendorGitLab})
	g := NewGitLab(org, GitLabOptions{Now: func() time.Time { return goldenNow.Add(time.Hour) }})
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := g.ProjectPath(org.Projects[i%len(org.Projects)].Key)
			for _, s := range []string{"/milestones?include_ancestors=true", "/issues?order_by=updated_at", "/issues/3/resource_milestone_events", "/issues/3"} {
				if w := glGet(t, g, p+s); w.Code != 200 {
					t.Errorf("%s: %d", s, w.Code)
				}
			}
		}()
	}
	for i := range 5 {
		org.Touch(goldenNow.Add(time.Duration(i+1)*time.Minute), 3)
	}
	if err := org.RenameMilestone(org.Milestones[0].ID, "Renamed", goldenNow.Add(10*time.Minute)); err != nil {
		t.Error(err)
	}
	wg.Wait()
}
