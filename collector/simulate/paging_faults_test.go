package simulate

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// pager is a vendor site paging a list of 3 pages by ?page=N, each page
// naming the next in a Link header and its body.
type pager struct{ calls atomic.Int64 }

func (p *pager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.calls.Add(1)
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	n = max(n, 1)
	if n < 3 {
		w.Header().Set("Link", `</list?page=`+strconv.Itoa(n+1)+`>; rel="next"`)
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"page":`+strconv.Itoa(n)+`}`)
}

func pagerSite(t *testing.T) (*Faults, *pager, string) {
	t.Helper()
	p := &pager{}
	f := NewFaults(p, FaultOptions{Continues: func(r *http.Request) bool {
		n, _ := strconv.Atoi(r.URL.Query().Get("page"))
		return n > 1
	}})
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, p, srv.URL
}

func TestFaultsRepeatNext(t *testing.T) {
	f, p, base := pagerSite(t)
	f.RepeatNext("/list$", 2)
	f.RepeatNext("/other", 1) // never matched: pending
	var got []string
	for _, page := range []string{"1", "2", "2", "2"} {
		resp, body := get(t, nil, base+"/list?page="+page)
		got = append(got, body+" "+resp.Header.Get("Link"))
	}
	want := []string{`{"page":1} </list?page=2>; rel="next"`, `{"page":1} </list?page=2>; rel="next"`,
		`{"page":1} </list?page=2>; rel="next"`, `{"page":2} </list?page=3>; rel="next"`}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d: %q, want %q", i+1, got[i], want[i])
		}
	}
	if p.calls.Load() != 2 || f.Pending() != 1 {
		t.Errorf("vendor calls %d, pending %d: want 2 and 1", p.calls.Load(), f.Pending())
	}
	// "$" matches the path only, not the paths below it.
	f.ClearFaults()
	f.RepeatNext("/list$", 1)
	get(t, nil, base+"/list/sub?page=1")
	if f.Pending() != 1 {
		t.Errorf("a rule for /list$ matched /list/sub: pending %d", f.Pending())
	}
}

func TestFaultsRefuseCursorNext(t *testing.T) {
	f, p, base := pagerSite(t)
	f.RefuseCursorNext("/list", 1)
	if resp, _ := get(t, nil, base+"/list?page=1"); resp.StatusCode != 200 {
		t.Fatalf("a first page: %d, want it answered (it continues nothing)", resp.StatusCode)
	}
	resp, body := get(t, nil, base+"/list?page=2")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Bad Request") {
		t.Errorf("a continuation: %d %s, want the default 400", resp.StatusCode, body)
	}
	if resp, _ := get(t, nil, base+"/list?page=2"); resp.StatusCode != 200 || f.Pending() != 0 || p.calls.Load() != 2 {
		t.Errorf("then: %d, pending %d, vendor calls %d", resp.StatusCode, f.Pending(), p.calls.Load())
	}
	// Without Continues, nothing is refused.
	g, _, other := newFaultSite(t, FaultOptions{})
	g.RefuseCursorNext("/", 1)
	if resp, _ := get(t, nil, other+"/list?page=2"); resp.StatusCode != 200 || g.Pending() != 1 {
		t.Errorf("no Continues: %d, pending %d", resp.StatusCode, g.Pending())
	}
}

func TestFaultsCutNext(t *testing.T) {
	f, v, base := newFaultSite(t, FaultOptions{})
	f.CutNext("/cut", 1)
	resp, err := http.Get(base + "/cut")
	if err != nil {
		t.Fatalf("a cut answer has its status and headers: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength != int64(len(vendorBody)) || err == nil ||
		!errors.Is(err, io.ErrUnexpectedEOF) && !strings.Contains(err.Error(), "reset") {
		t.Errorf("cut answer: %d, length %d, body %q, err %v: want 200, the whole length, half the body and a broken read",
			resp.StatusCode, resp.ContentLength, body, err)
	}
	if string(body) != vendorBody[:len(vendorBody)/2] {
		t.Errorf("body %q, want the first half", body)
	}
	if resp, b := get(t, nil, base+"/cut"); resp.StatusCode != 200 || b != vendorBody || v.calls.Load() != 2 {
		t.Errorf("then: %d %q, vendor calls %d", resp.StatusCode, b, v.calls.Load())
	}
}

func TestFaultsOnRequest(t *testing.T) {
	f, _, base := newFaultSite(t, FaultOptions{})
	var fired atomic.Int64
	f.OnRequest("/list", 3, func() {
		fired.Add(1)
		f.FailNext("/list", http.StatusBadGateway, 1, "") // for this very request
	})
	var codes []int
	for range 4 {
		resp, _ := get(t, nil, base+"/list")
		codes = append(codes, resp.StatusCode)
	}
	get(t, nil, base+"/elsewhere")
	if fired.Load() != 1 || codes[2] != http.StatusBadGateway || codes[0] != 200 || codes[1] != 200 || codes[3] != 200 {
		t.Errorf("fired %d, codes %v: want the third request failed by the hook's rule", fired.Load(), codes)
	}
	f.OnRequest("/list", 1, func() {})
	f.SlowNext("/list", time.Hour, 1)
	if f.Pending() != 2 {
		t.Errorf("pending %d, want a hook and a slow answer", f.Pending())
	}
	f.ClearFaults()
	if resp, _ := get(t, nil, base+"/list"); resp.StatusCode != 200 || f.Pending() != 0 {
		t.Errorf("after ClearFaults: %d, pending %d", resp.StatusCode, f.Pending())
	}
}

// TestCursorRefusals: each vendor refuses a continuation in its own
// documented shape, and answers a first page.
func TestCursorRefusals(t *testing.T) {
	now := time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)
	org := Generate(Options{Seed: 2, Now: now, Teams: 1, Months: 1, IssuesPerSprint: 3, Projects: []string{"PLAT"}})
	ghOrg := Generate(Options{Seed: 2, Now: now, Teams: 1, Months: 1, IssuesPerSprint: 3, Projects: []string{"PLAT"}, Vendor: VendorGitHub})
	glOrg := Generate(Options{Seed: 2, Now: now, Teams: 1, Months: 1, IssuesPerSprint: 3, Projects: []string{"PLAT"}, Vendor: VendorGitLab})
	jira := NewJira(org, JiraOptions{PageSize: 2})
	gh := NewGitHub(ghOrg, GitHubOptions{MaxPerPage: 2})
	gl := NewGitLab(glOrg, GitLabOptions{MaxPerPage: 1})
	zd := NewZendesk(GenerateDesk(DeskOptions{Seed: 3, Now: now}), ZendeskOptions{PageSize: 2})
	for _, c := range []struct {
		name   string
		site   Site
		header [2]string
		first  string // a first page: answered
		next   string // its continuation: refused
		status int
		body   string
	}{
		{"jira", jira, [2]string{"Authorization", "Basic " + basicAuth(DefaultEmail, DefaultToken)},
			PathSearch + "?jql=project+%3D+PLAT", PathSearch + "?jql=project+%3D+PLAT&nextPageToken=x",
			http.StatusBadRequest, `{"errorMessages":["The provided next page token is invalid or expired."],"errors":{}}`},
		{"github", gh, [2]string{"Authorization", "Bearer " + DefaultToken},
			gh.RepoPath("PLAT") + "/issues?page=1", gh.RepoPath("PLAT") + "/issues?page=2",
			http.StatusUnprocessableEntity, `{"documentation_url":"https://docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api","message":"` + GitHubPageRefusedMessage + `"}`},
		{"gitlab", gl, [2]string{"PRIVATE-TOKEN", DefaultToken},
			PathGitLabGroups + "1000/projects?pagination=keyset&order_by=id", PathGitLabGroups + "1000/projects?pagination=keyset&order_by=id&id_after=1",
			http.StatusBadRequest, `{"error":"id_after is invalid"}`},
		{"zendesk", zd, [2]string{"Authorization", "Basic " + basicAuth(DefaultEmail+"/token", DefaultToken)},
			PathZendeskGroups + "?page[size]=1", PathZendeskGroups + "?page[size]=1&page[after]=x",
			http.StatusBadRequest, `{"description":"The cursor is invalid or has expired","error":"InvalidPaginationParameter"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.site)
			defer srv.Close()
			c.site.Faults().RefuseCursorNext("/", 1)
			call := func(path string) (int, string) {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
				req.Header.Set(c.header[0], c.header[1])
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, strings.TrimSpace(string(b))
			}
			if code, body := call(c.first); code != 200 {
				t.Fatalf("first page: %d %s", code, body)
			}
			if code, body := call(c.next); code != c.status || body != c.body {
				t.Errorf("continuation: %d %s\nwant %d %s", code, body, c.status, c.body)
			}
		})
	}
}

func basicAuth(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}
