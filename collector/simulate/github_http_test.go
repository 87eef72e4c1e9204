package simulate

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

// TestGitHubAuthAndNotFound: GitHub's 401 and 404 bodies; both token
// schemes; owner and repository names in any case; the repository id form.
func TestGitHubAuthAndNotFound(t *testing.T) {
	g := NewGitHub(ghTinyOrg(t), GitHubOptions{Token: "ghp_sim"})
	const path = "/repos/runway-sim/plat/milestones"
	const bad = `{"documentation_url":"https://docs.github.com/rest","message":"Bad credentials"}`
	for _, auth := range []string{"", "Bearer " + DefaultToken, "Basic cnVud2F5OmdocF9zaW0=", "ghp_sim", "Bearer ghp_simX"} {
		w := ghGet(t, g, path, "Authorization", auth)
		if w.Code != 401 || w.Body.String() != bad || w.Header().Get("X-RateLimit-Limit") != "5000" {
			t.Errorf("Authorization %q: %d %s %v", auth, w.Code, w.Body, w.Header())
		}
	}
	for _, auth := range []string{"Bearer ghp_sim", "token ghp_sim", "bearer ghp_sim", "Token ghp_sim"} {
		if w := ghGet(t, g, path, "Authorization", auth); w.Code != 200 {
			t.Errorf("Authorization %q: %d %s", auth, w.Code, w.Body)
		}
	}
	const notFound = `{"documentation_url":"https://docs.github.com/rest","message":"Not Found"}`
	for _, p := range []string{"/repos/runway-sim/nope/milestones", "/repos/someone/plat/issues", "/repositories/999/issues",
		"/repos/runway-sim/plat/pulls", "/nothing"} {
		if w := ghGet(t, g, p, "Authorization", "token ghp_sim"); w.Code != 404 || w.Body.String() != notFound {
			t.Errorf("%s: %d %s", p, w.Code, w.Body)
		}
	}
	for _, p := range []string{"/repos/Runway-Sim/PLAT/milestones", "/repositories/10000/milestones", "/repos/runway-sim/mob/issues",
		"/repos/runway-sim/plat", "/user", "/rate_limit"} {
		if w := ghGet(t, g, p, "Authorization", "token ghp_sim"); w.Code != 200 {
			t.Errorf("%s: %d %s", p, w.Code, w.Body)
		}
	}
}

// TestGitHubConditionalRequests: an ETag on every 200; If-None-Match
// answers 304 without a body, counted apart and not against the rate
// limit; a change upstream changes the ETag.
func TestGitHubConditionalRequests(t *testing.T) {
	org := ghTinyOrg(t)
	clock := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	g := NewGitHub(org, GitHubOptions{RateLimit: 10, Clock: func() time.Time { return clock }})
	const path = "/repos/runway-sim/plat/milestones"
	w := ghGet(t, g, path+"?state=all")
	etag := w.Header().Get("ETag")
	if w.Code != 200 || len(etag) != 36 || etag[:3] != `W/"` || w.Header().Get("X-RateLimit-Used") != "1" {
		t.Fatalf("first: %d ETag %q used %s", w.Code, etag, w.Header().Get("X-RateLimit-Used"))
	}
	for _, inm := range []string{etag, etag[2:], `"other", ` + etag, "*"} {
		w := ghGet(t, g, path+"?state=all", "If-None-Match", inm)
		h := w.Header()
		if w.Code != 304 || w.Body.Len() != 0 || h.Get("ETag") != etag || h.Get("X-RateLimit-Used") != "1" ||
			h.Get("X-RateLimit-Remaining") != "9" {
			t.Errorf("If-None-Match %s: %d %q ETag %s used %s remaining %s", inm, w.Code, w.Body, h.Get("ETag"),
				h.Get("X-RateLimit-Used"), h.Get("X-RateLimit-Remaining"))
		}
	}
	if w := ghGet(t, g, path, "If-None-Match", etag); w.Code != 200 || w.Header().Get("X-RateLimit-Used") != "2" {
		t.Errorf("another list with the ETag: %d, used %s", w.Code, w.Header().Get("X-RateLimit-Used"))
	}
	if nm, req := g.NotModified(), g.Requests(); nm[path] != 4 || req[path] != 6 || len(nm) != 1 {
		t.Errorf("not modified %v, requests %v", nm, req)
	}
	// Pages have their own ETags; a rename changes the list's.
	p2 := ghGet(t, g, path+"?state=all&per_page=1&page=2").Header().Get("ETag")
	p3 := ghGet(t, g, path+"?state=all&per_page=1&page=3").Header().Get("ETag")
	if p2 == p3 || p2 == etag {
		t.Errorf("page ETags %s %s %s", etag, p2, p3)
	}
	if err := org.RenameMilestone("10102", "GA 1", ghNow.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if w := ghGet(t, g, path+"?state=all", "If-None-Match", etag); w.Code != 200 || w.Header().Get("ETag") == etag {
		t.Errorf("after a rename: %d ETag %s", w.Code, w.Header().Get("ETag"))
	}
	if w := ghGet(t, g, path+"?state=all&per_page=1&page=2", "If-None-Match", p2); w.Code != 304 || w.Header().Get("Link") != "" {
		t.Errorf("page 2 after the rename of page 3's: %d Link %q", w.Code, w.Header().Get("Link"))
	}
	g.ResetRequests()
	if len(g.NotModified()) != 0 || len(g.Requests()) != 0 {
		t.Error("ResetRequests kept counts")
	}
}

// TestGitHubPrimaryRateLimit: beyond the limit, 403 with Remaining 0,
// the window's reset in epoch seconds and no Retry-After; 304s and GET
// /rate_limit do not count.
func TestGitHubPrimaryRateLimit(t *testing.T) {
	clock := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	g := NewGitHub(ghTinyOrg(t), GitHubOptions{RateLimit: 2, Clock: func() time.Time { return clock }})
	const path = "/repos/runway-sim/plat/issues"
	etag := ghGet(t, g, path).Header().Get("ETag")
	for range 3 {
		if w := ghGet(t, g, path, "If-None-Match", etag); w.Code != 304 {
			t.Fatalf("304 expected: %d", w.Code)
		}
	}
	if w := ghGet(t, g, PathGitHubRateLimit); w.Code != 200 || w.Header().Get("X-RateLimit-Used") != "1" {
		t.Errorf("rate_limit: %d %s", w.Code, w.Body)
	}
	if w := ghGet(t, g, path); w.Code != 200 || w.Header().Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("second counted request: %d remaining %s", w.Code, w.Header().Get("X-RateLimit-Remaining"))
	}
	w := ghGet(t, g, path)
	h := w.Header()
	reset := strconv.FormatInt(clock.Add(time.Hour).Unix(), 10)
	const body = `{"documentation_url":"https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api","message":"API rate limit exceeded for user ID 1."}`
	if w.Code != 403 || w.Body.String() != body || h.Get("X-RateLimit-Remaining") != "0" || h.Get("X-RateLimit-Limit") != "2" ||
		h.Get("X-RateLimit-Used") != "2" || h.Get("X-RateLimit-Reset") != reset || h.Get("X-RateLimit-Resource") != "core" ||
		h.Get("Retry-After") != "" {
		t.Errorf("over the limit: %d %s %v", w.Code, w.Body, h)
	}
	clock = clock.Add(time.Hour) // a new window
	if w := ghGet(t, g, path); w.Code != 200 || w.Header().Get("X-RateLimit-Used") != "1" {
		t.Errorf("next window: %d used %s", w.Code, w.Header().Get("X-RateLimit-Used"))
	}
}

// TestGitHubSecondaryRateLimit: 403 or 429 with GitHub's secondary-limit
// message, Retry-After when given, on the paths asked for only.
func TestGitHubSecondaryRateLimit(t *testing.T) {
	g := NewGitHub(ghTinyOrg(t), GitHubOptions{})
	const prefix = "/repos/runway-sim/plat/issues"
	g.SecondaryLimitNext(prefix, 1, 30)
	g.TooManyRequestsNext(prefix, 1, 0)
	const body = `{"documentation_url":"https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits","message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}`
	if w := ghGet(t, g, "/repos/runway-sim/plat/milestones"); w.Code != 200 {
		t.Errorf("another path: %d", w.Code)
	}
	for _, want := range []struct {
		status int
		retry  string
	}{{403, "30"}, {429, ""}, {200, ""}} {
		w := ghGet(t, g, prefix+"/2/events")
		if w.Code != want.status || w.Header().Get("Retry-After") != want.retry || w.Header().Get("X-RateLimit-Remaining") == "0" ||
			want.status != 200 && w.Body.String() != body {
			t.Errorf("want %d retry-after %q: %d %q %s", want.status, want.retry, w.Code, w.Header().Get("Retry-After"), w.Body)
		}
	}
}

// TestGitHubRepositoryIDLinks: with RepositoryIDLinks the Link header
// points at /repositories/{id}, which serves the next page.
func TestGitHubRepositoryIDLinks(t *testing.T) {
	g := NewGitHub(ghTinyOrg(t), GitHubOptions{RepositoryIDLinks: true, PageSize: 2})
	w := ghGet(t, g, "/repos/runway-sim/plat/issues?state=all")
	const list = "https://api.github.test/repositories/10000/issues?state=all&page="
	if l := w.Header().Get("Link"); l != `<`+list+`2>; rel="next", <`+list+`3>; rel="last"` {
		t.Fatalf("Link %s", l)
	}
	w = ghGet(t, g, "/repositories/10000/issues?state=all&page=3")
	if got := numbers(ghList(t, w)); len(got) != 2 || got[0] != 2 || w.Header().Get("Link") !=
		`<`+list+`2>; rel="prev", <`+list+`1>; rel="first"` {
		t.Errorf("page 3: %v Link %s", got, w.Header().Get("Link"))
	}
}

// TestGitHubConcurrent: the site serves while the org changes (run with
// -race).
func TestGitHubConcurrent(t *testing.T) {
	org := Generate(Options{Seed: 4, Now: goldenNow, Teams: 2, Months: 2, Vendor: VendorGitHub})
	g := NewGitHub(org, GitHubOptions{Now: func() time.Time { return goldenNow.Add(time.Hour) }})
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, p := range []string{"/milestones?state=all", "/issues?state=all&sort=updated", "/issues/3/events", "/issues/3"} {
				if w := ghGet(t, g, g.RepoPath(org.Projects[i%len(org.Projects)].Key)+p); w.Code != 200 {
					t.Errorf("%s: %d", p, w.Code)
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
