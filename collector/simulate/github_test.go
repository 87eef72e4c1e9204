package simulate

import (
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"
)

// numbers picks the "number" of every item of a list answer.
func numbers(items []map[string]any) []int {
	var out []int
	for _, x := range items {
		out = append(out, int(x["number"].(float64)))
	}
	return out
}

func TestGitHubIsASite(t *testing.T) {
	org := ghTinyOrg(t)
	var s Site = NewGitHub(org, GitHubOptions{})
	if s.Vendor() != VendorGitHub || VendorGitHub != "github" || s.Org() != org || s.Faults() == nil {
		t.Fatalf("site: vendor %q, org %p (want %p), faults %v", s.Vendor(), s.Org(), org, s.Faults())
	}
}

// TestGitHubMilestonesPaged: state=all across pages, with GitHub's Link
// headers, due_on at 08:00Z of the due day, states and counts (a pull
// request counts).
func TestGitHubMilestonesPaged(t *testing.T) {
	g := NewGitHub(ghTinyOrg(t), GitHubOptions{})
	const list = "https://api.github.test/repos/runway-sim/plat/milestones?state=all&per_page=1&page="
	wantLinks := []string{
		`<` + list + `2>; rel="next", <` + list + `3>; rel="last"`,
		`<` + list + `1>; rel="prev", <` + list + `3>; rel="next", <` + list + `3>; rel="last", <` + list + `1>; rel="first"`,
		`<` + list + `2>; rel="prev", <` + list + `1>; rel="first"`,
	}
	type ms struct {
		Number        int
		Title         string
		State         string
		Open, Closed  int
		Due, ClosedAt any
		Updated       string
	}
	var got []ms
	for page := 1; page <= 3; page++ {
		w := ghGet(t, g, "/repos/runway-sim/plat/milestones?state=all&per_page=1&page="+strconv.Itoa(page))
		if w.Code != 200 || w.Header().Get("Link") != wantLinks[page-1] {
			t.Errorf("page %d: %d, Link\n got %s\nwant %s", page, w.Code, w.Header().Get("Link"), wantLinks[page-1])
		}
		for _, x := range ghList(t, w) {
			got = append(got, ms{int(x["number"].(float64)), x["title"].(string), x["state"].(string),
				int(x["open_issues"].(float64)), int(x["closed_issues"].(float64)), x["due_on"], x["closed_at"], x["updated_at"].(string)})
		}
	}
	want := []ms{
		{1, "Alpha", "closed", 0, 1, "2024-01-20T08:00:00Z", "2024-01-22T10:00:00Z", "2024-01-22T10:00:00Z"},
		// PLAT-3 open, pull request #7 closed; renamed Jan 26, PLAT-2 left Jan 27.
		{2, "Beta refresh", "open", 1, 1, "2024-02-10T08:00:00Z", nil, "2024-01-27T12:00:00Z"},
		{3, "GA", "open", 2, 0, nil, nil, "2024-01-29T12:00:00Z"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("milestones\n got %+v\nwant %+v", got, want)
	}

	// One milestone in full.
	w := ghGet(t, g, "/repos/runway-sim/plat/milestones/1")
	var alpha map[string]any
	if xs := ghList(t, ghGet(t, g, "/repos/runway-sim/plat/milestones?state=closed")); len(xs) == 1 {
		alpha = xs[0]
	}
	creator, _ := alpha["creator"].(map[string]any)
	delete(alpha, "creator")
	wantAlpha := map[string]any{
		"url": "https://api.github.test/repos/runway-sim/plat/milestones/1", "html_url": "https://api.github.test/runway-sim/plat/milestone/1",
		"labels_url": "https://api.github.test/repos/runway-sim/plat/milestones/1/labels", "id": 10100.0,
		"node_id": "MDk6TWlsZXN0b25lMTAxMDA=", "number": 1.0, "title": "Alpha", "description": "First cut",
		"open_issues": 0.0, "closed_issues": 1.0, "state": "closed", "created_at": "2024-01-01T00:00:00Z",
		"updated_at": "2024-01-22T10:00:00Z", "closed_at": "2024-01-22T10:00:00Z", "due_on": "2024-01-20T08:00:00Z",
	}
	if !reflect.DeepEqual(alpha, wantAlpha) || creator["login"] != "ada-okafor" || creator["type"] != "User" {
		t.Errorf("Alpha\n got %v (creator %v)\nwant %v", alpha, creator, wantAlpha)
	}
	if w.Code != 200 || ghGet(t, g, "/repos/runway-sim/plat/milestones/4").Code != 404 {
		t.Errorf("GET milestone 1: %d; 4 (not created yet) must be 404", w.Code)
	}

	// Filters and orders.
	for q, want := range map[string][]int{
		"":                             {2, 3}, // open, due_on asc: no due date last
		"?direction=desc":              {3, 2},
		"?state=closed":                {1},
		"?state=all&sort=completeness": {3, 2, 1}, // 0, 1/2, 1
		"?state=all&sort=completeness&direction=desc": {1, 2, 3},
	} {
		w := ghGet(t, g, "/repos/runway-sim/plat/milestones"+q)
		if got := numbers(ghList(t, w)); !slices.Equal(got, want) || w.Header().Get("Link") != "" {
			t.Errorf("milestones%s: %v, want %v (Link %q)", q, got, want, w.Header().Get("Link"))
		}
	}
	if w := ghGet(t, g, "/repos/runway-sim/plat/milestones?state=bogus"); w.Code != 422 {
		t.Errorf("state=bogus: %d %s", w.Code, w.Body)
	}
}

// TestGitHubMilestonesAsOfClock: the site renders milestones as of its
// clock: before the release, the due move and the rename.
func TestGitHubMilestonesAsOfClock(t *testing.T) {
	at := time.Date(2024, 1, 21, 12, 0, 0, 0, time.UTC)
	g := NewGitHub(ghTinyOrg(t), GitHubOptions{Now: func() time.Time { return at }})
	var got [][5]any
	for _, x := range ghList(t, ghGet(t, g, "/repos/runway-sim/plat/milestones?state=all")) {
		got = append(got, [5]any{x["title"], x["state"], x["due_on"], x["open_issues"], x["closed_issues"]})
	}
	want := [][5]any{
		{"Alpha", "open", "2024-01-20T08:00:00Z", 0.0, 1.0},
		{"Beta", "open", "2024-01-31T08:00:00Z", 2.0, 1.0}, // PLAT-2, PLAT-3; #7 closed
		{"GA", "open", nil, 1.0, 0.0},                      // PLAT-5
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("at Jan 21\n got %v\nwant %v", got, want)
	}
}

// TestGitHubIssues: the issue list mixes pull requests in, filters by
// state, since and milestone, sorts, and renders issues as GitHub does.
func TestGitHubIssues(t *testing.T) {
	g := NewGitHub(ghTinyOrg(t), GitHubOptions{})
	if prs := g.PullRequests("PLAT"); len(prs) != 2 || prs[0].Number != 7 || prs[0].MilestoneID != "10101" ||
		prs[0].Closed == nil || prs[0].Merged || prs[1].Number != 8 || len(g.PullRequests("MOB")) != 0 {
		t.Fatalf("pull requests %+v", prs)
	}
	const path = "/repos/runway-sim/plat/issues"
	all := ghList(t, ghGet(t, g, path+"?state=all"))
	pulls := 0
	for _, x := range all {
		if x["pull_request"] != nil {
			pulls++
		}
	}
	if got := numbers(all); !slices.Equal(got, []int{5, 7, 4, 3, 2, 1}) || pulls != 1 {
		t.Errorf("state=all: %v with %d pull requests, want [5 7 4 3 2 1] with 1", got, pulls)
	}
	for q, want := range map[string][]int{
		"":                                      {5, 4, 3, 2}, // open, created desc
		"?state=closed":                         {7, 1},
		"?state=all&since=2024-01-27T12:00:00Z": {5, 4, 2}, // updated at or after
		"?state=all&since=2024-01-27T12:00:01Z": {5, 4},
		"?state=all&milestone=3":                {5, 2},
		"?state=all&milestone=2":                {7, 3},
		"?state=all&milestone=none":             {4},
		"?state=all&milestone=*":                {5, 7, 3, 2, 1},
		"?state=all&milestone=9":                nil,
		"?state=all&sort=updated&direction=asc": {7, 3, 1, 2, 5, 4},
		"?state=all&sort=created&direction=asc": {1, 2, 3, 4, 7, 5},
		"?state=all&per_page=4":                 {5, 7, 4, 3},
		"?state=all&per_page=4&page=2":          {2, 1},
		"?state=all&per_page=4&page=3":          nil,
	} {
		if got := numbers(ghList(t, ghGet(t, g, path+q))); !slices.Equal(got, want) {
			t.Errorf("issues%s: %v, want %v", q, got, want)
		}
	}
	const list = "https://api.github.test/repos/runway-sim/plat/issues?state=all&per_page=4&page="
	if l := ghGet(t, g, path+"?state=all&per_page=4&page=1").Header().Get("Link"); l != `<`+list+`2>; rel="next", <`+list+`2>; rel="last"` {
		t.Errorf("Link %s", l)
	}
	if l := ghGet(t, g, path+"?page=2&state=all&per_page=4").Header().Get("Link"); l !=
		`<`+list+`1>; rel="prev", <`+list+`1>; rel="first"` {
		t.Errorf("Link of the last page %s (page moves to the end)", l)
	}

	byNumber := map[int]map[string]any{}
	for _, x := range all {
		byNumber[int(x["number"].(float64))] = x
	}
	pick := func(x map[string]any, keys ...string) map[string]any {
		out := map[string]any{}
		for _, k := range keys {
			out[k] = x[k]
		}
		if m, ok := x["milestone"].(map[string]any); ok {
			out["milestone"] = m["title"]
		}
		if u, ok := x["user"].(map[string]any); ok {
			out["user"] = u["login"]
		}
		return out
	}
	keys := []string{"id", "node_id", "url", "html_url", "number", "title", "state", "state_reason", "comments",
		"created_at", "updated_at", "closed_at", "pull_request"}
	want := map[int]map[string]any{
		2: {"id": 20002.0, "node_id": ghNodeID("Issue", 20002), "url": "https://api.github.test/repos/runway-sim/plat/issues/2",
			"html_url": "https://api.github.test/runway-sim/plat/issues/2", "number": 2.0, "title": "Work PLAT-2",
			"state": "open", "state_reason": nil, "comments": 2.0, "created_at": "2024-01-03T09:00:00Z",
			"updated_at": "2024-01-27T12:00:00Z", "closed_at": nil, "pull_request": nil, "milestone": "GA", "user": "ada-okafor"},
		1: {"id": 20001.0, "node_id": ghNodeID("Issue", 20001), "url": "https://api.github.test/repos/runway-sim/plat/issues/1",
			"html_url": "https://api.github.test/runway-sim/plat/issues/1", "number": 1.0, "title": "Work PLAT-1",
			"state": "closed", "state_reason": "completed", "comments": 1.0, "created_at": "2024-01-02T09:00:00Z",
			"updated_at": "2024-01-15T12:00:00Z", "closed_at": "2024-01-15T12:00:00Z", "pull_request": nil, "milestone": "Alpha",
			"user": "ada-okafor"},
		5: {"id": 20005.0, "node_id": ghNodeID("Issue", 20005), "url": "https://api.github.test/repos/runway-sim/plat/issues/5",
			"html_url": "https://api.github.test/runway-sim/plat/issues/5", "number": 5.0, "title": "Work PLAT-5",
			"state": "open", "state_reason": "reopened", "comments": 0.0, "created_at": "2024-01-20T09:00:00Z",
			"updated_at": "2024-01-29T12:00:00Z", "closed_at": nil, "pull_request": nil, "milestone": "GA", "user": "ada-okafor"},
		7: {"id": 3000000007.0, "node_id": ghNodeID("PullRequest", 3000000007), "url": "https://api.github.test/repos/runway-sim/plat/issues/7",
			"html_url": "https://api.github.test/runway-sim/plat/pull/7", "number": 7.0, "title": "Work PLAT-3 (closes #3)",
			"state": "closed", "state_reason": nil, "comments": 1.0, "created_at": "2024-01-05T23:06:41Z",
			"updated_at": "2024-01-08T23:06:41Z", "closed_at": "2024-01-08T23:06:41Z", "milestone": "Beta refresh", "user": "ada-okafor",
			"pull_request": map[string]any{"url": "https://api.github.test/repos/runway-sim/plat/pulls/7",
				"html_url": "https://api.github.test/runway-sim/plat/pull/7", "diff_url": "https://api.github.test/runway-sim/plat/pull/7.diff",
				"patch_url": "https://api.github.test/runway-sim/plat/pull/7.patch", "merged_at": nil}},
	}
	for n, w := range want {
		if got := pick(byNumber[n], keys...); !reflect.DeepEqual(got, w) {
			t.Errorf("#%d\n got %v\nwant %v", n, got, w)
		}
	}
	if m := byNumber[2]["milestone"].(map[string]any); m["number"] != 3.0 || m["open_issues"] != 2.0 {
		t.Errorf("#2's milestone object %v", m)
	}
	if l := byNumber[3]["labels"].([]any); len(l) != 1 || l[0].(map[string]any)["name"] != "story" {
		t.Errorf("#3's labels %v", l)
	}
	one := ghList(t, ghGet(t, g, path+"?state=all&milestone=none"))[0]
	if w := ghGet(t, g, path+"/4"); w.Code != 200 || w.Body.String() != string(marshalGitHub(one)) {
		t.Errorf("GET issue 4: %d %s", w.Code, w.Body)
	}
	for _, n := range []string{"6", "8", "99", "x"} { // created later, a pull request created later, none
		if w := ghGet(t, g, path+"/"+n); w.Code != 404 {
			t.Errorf("GET issue %s: %d", n, w.Code)
		}
	}
	for _, q := range []string{"?since=yesterday", "?milestone=beta", "?sort=size"} {
		if w := ghGet(t, g, path+q); w.Code != 422 {
			t.Errorf("issues%s: %d", q, w.Code)
		}
	}
}
