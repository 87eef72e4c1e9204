package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type tclient struct {
	t            *testing.T
	base         string
	email, token string
	bearer       string // when set, sent instead of Basic auth
}

func newSite(t *testing.T, o *Org, opts JiraOptions) (*Jira, *tclient) {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return o.Now }
	}
	j := NewJira(o, opts)
	srv := httptest.NewServer(j)
	t.Cleanup(srv.Close)
	eo := j.Options()
	return j, &tclient{t: t, base: srv.URL, email: eo.Email, token: eo.Token}
}

func (c *tclient) do(method, path string, body any) (*http.Response, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	switch {
	case c.bearer != "":
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	case c.email != "" || c.token != "":
		req.SetBasicAuth(c.email, c.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// get decodes a 200 JSON answer into v.
func (c *tclient) get(path string, v any) {
	c.t.Helper()
	resp, b := c.do("GET", path, nil)
	if resp.StatusCode != 200 {
		c.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		c.t.Fatalf("GET %s: %v in %s", path, err, b)
	}
}

type errBody struct {
	ErrorMessages []string          `json:"errorMessages"`
	Errors        map[string]string `json:"errors"`
}

func expectError(t *testing.T, resp *http.Response, b []byte, status int) errBody {
	t.Helper()
	var e errBody
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, b)
	}
	if err := json.Unmarshal(b, &e); err != nil || len(e.ErrorMessages) == 0 || e.Errors == nil {
		t.Fatalf("error body %s is not Jira-shaped", b)
	}
	return e
}

// ---- payload types as a collector would declare them ----

type boardPage struct {
	MaxResults int  `json:"maxResults"`
	StartAt    int  `json:"startAt"`
	Total      int  `json:"total"`
	IsLast     bool `json:"isLast"`
	Values     []struct {
		ID       int    `json:"id"`
		Self     string `json:"self"`
		Name     string `json:"name"`
		Type     string `json:"type"`
		Location struct {
			ProjectKey string `json:"projectKey"`
			ProjectID  int    `json:"projectId"`
			Name       string `json:"name"`
		} `json:"location"`
	} `json:"values"`
}

type jsprint struct {
	ID            int    `json:"id"`
	Self          string `json:"self"`
	State         string `json:"state"`
	Name          string `json:"name"`
	StartDate     string `json:"startDate"`
	EndDate       string `json:"endDate"`
	ActivatedDate string `json:"activatedDate"`
	CompleteDate  string `json:"completeDate"`
	OriginBoardID int    `json:"originBoardId"`
	Goal          string `json:"goal"`
}

type sprintPage struct {
	MaxResults int       `json:"maxResults"`
	StartAt    int       `json:"startAt"`
	IsLast     bool      `json:"isLast"`
	Values     []jsprint `json:"values"`
}

type jitem struct {
	Field      string  `json:"field"`
	FieldType  string  `json:"fieldtype"`
	FieldID    string  `json:"fieldId"`
	From       *string `json:"from"`
	FromString *string `json:"fromString"`
	To         *string `json:"to"`
	ToString   *string `json:"toString"`
}

type jhistory struct {
	ID     string `json:"id"`
	Author struct {
		AccountID   string `json:"accountId"`
		DisplayName string `json:"displayName"`
	} `json:"author"`
	Created string  `json:"created"`
	Items   []jitem `json:"items"`
}

type jissue struct {
	ID     string                     `json:"id"`
	Key    string                     `json:"key"`
	Self   string                     `json:"self"`
	Fields map[string]json.RawMessage `json:"fields"`
	Log    *struct {
		StartAt    int        `json:"startAt"`
		MaxResults int        `json:"maxResults"`
		Total      int        `json:"total"`
		Histories  []jhistory `json:"histories"`
	} `json:"changelog"`
}

type searchPage struct {
	Issues        []jissue `json:"issues"`
	NextPageToken *string  `json:"nextPageToken"`
	IsLast        bool     `json:"isLast"`
}

type changelogPage struct {
	Self       string     `json:"self"`
	NextPage   string     `json:"nextPage"`
	MaxResults int        `json:"maxResults"`
	StartAt    int        `json:"startAt"`
	Total      int        `json:"total"`
	IsLast     bool       `json:"isLast"`
	Values     []jhistory `json:"values"`
}

func parseJiraTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(jiraTime, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return v
}

// searchAll pages through a search; path carries every parameter but nextPageToken.
func (c *tclient) searchAll(params url.Values) []jissue {
	c.t.Helper()
	var out []jissue
	tok := ""
	for pages := 0; ; pages++ {
		p := url.Values{}
		for k, v := range params {
			p[k] = v
		}
		if tok != "" {
			p.Set("nextPageToken", tok)
		}
		var pg searchPage
		c.get(PathSearch+"?"+p.Encode(), &pg)
		out = append(out, pg.Issues...)
		if pg.NextPageToken == nil {
			if !pg.IsLast {
				c.t.Fatalf("last page without isLast")
			}
			return out
		}
		if pg.IsLast {
			c.t.Fatalf("isLast with a nextPageToken")
		}
		tok = *pg.NextPageToken
		if pages > 10000 {
			c.t.Fatal("endless paging")
		}
	}
}

// ---- tests ----

func TestJiraAuth(t *testing.T) {
	o := Generate(Options{Seed: 1, Now: testNow})
	_, c := newSite(t, o, JiraOptions{Email: "bot@acme.com", Token: "s3cret", BearerToken: "pat-1"})
	anon := *c
	anon.email, anon.token = "", ""
	resp, b := anon.do("GET", PathField, nil)
	expectError(t, resp, b, 401)
	if resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("401 without WWW-Authenticate")
	}
	bad := *c
	bad.token = "wrong"
	resp, b = bad.do("GET", PathSearch+"?jql=project=PLAT", nil)
	expectError(t, resp, b, 401)
	if resp, b := c.do("GET", PathField, nil); resp.StatusCode != 200 {
		t.Fatalf("good credentials: %d %s", resp.StatusCode, b)
	}
	req, _ := http.NewRequest("GET", c.base+PathStatus, nil)
	req.Header.Set("Authorization", "Bearer pat-1")
	resp2, err := http.DefaultClient.Do(req)
	if err != nil || resp2.StatusCode != 200 {
		t.Fatalf("bearer token: %v %v", err, resp2.StatusCode)
	}
	resp2.Body.Close()
	// Defaults when no credentials are configured.
	_, d := newSite(t, o, JiraOptions{})
	if d.email != DefaultEmail || d.token != DefaultToken {
		t.Errorf("default credentials %q/%q", d.email, d.token)
	}
	if resp, _ := d.do("GET", PathField, nil); resp.StatusCode != 200 {
		t.Errorf("default credentials refused")
	}
}

func TestJiraFieldsAndStatuses(t *testing.T) {
	_, c := newSite(t, Generate(Options{Seed: 1, Now: testNow}), JiraOptions{})
	var fields []struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Custom bool   `json:"custom"`
		Schema struct {
			Type     string `json:"type"`
			Items    string `json:"items"`
			Custom   string `json:"custom"`
			CustomID int    `json:"customId"`
		} `json:"schema"`
	}
	c.get(PathField, &fields)
	var sprintField, pointsField string
	for _, f := range fields {
		switch f.Schema.Custom {
		case "com.pyxis.greenhopper.jira:gh-sprint":
			sprintField = f.ID
			if f.Name != "Sprint" || !f.Custom || f.Schema.Type != "array" || f.Schema.Items != "json" || f.Schema.CustomID != 10020 {
				t.Errorf("sprint field %+v", f)
			}
		case "com.pyxis.greenhopper.jira:jsw-story-points":
			pointsField = f.ID
			if f.Schema.Type != "number" || f.Name != "Story point estimate" {
				t.Errorf("points field %+v", f)
			}
		}
	}
	if sprintField != SprintFieldID || pointsField != StoryPointsFieldID {
		t.Errorf("sprint field %q, points field %q", sprintField, pointsField)
	}
	var sts []struct {
		ID             string `json:"id"`
		Name           string `json:"name"`
		StatusCategory struct {
			ID   int    `json:"id"`
			Key  string `json:"key"`
			Name string `json:"name"`
		} `json:"statusCategory"`
	}
	c.get(PathStatus, &sts)
	got := map[string]string{}
	for _, s := range sts {
		got[s.Name] = s.ID + "/" + s.StatusCategory.Key
	}
	want := map[string]string{"To Do": "10000/new", "In Progress": "3/indeterminate", "In Review": "10002/indeterminate", "Done": "10001/done"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("status %s = %q, want %q", k, got[k], v)
		}
	}
}

func TestJiraBoardsAndSprintsPaging(t *testing.T) {
	o := Generate(Options{Seed: 1, Now: testNow})
	_, c := newSite(t, o, JiraOptions{PageSize: 3})
	var ids []int
	for start := 0; ; {
		var pg boardPage
		c.get(fmt.Sprintf("%s?startAt=%d&maxResults=100", PathBoard, start), &pg)
		if pg.MaxResults != 3 || pg.Total != len(o.Boards) || pg.StartAt != start {
			t.Fatalf("board page %+v", pg)
		}
		for _, b := range pg.Values {
			ids = append(ids, b.ID)
			if b.Type != "scrum" || b.Location.ProjectKey != o.Board(b.ID).ProjectKey || !strings.HasSuffix(b.Self, "/board/"+strconv.Itoa(b.ID)) {
				t.Errorf("board %+v", b)
			}
		}
		if pg.IsLast {
			break
		}
		start += len(pg.Values)
	}
	if len(ids) != len(o.Boards) {
		t.Fatalf("boards %v", ids)
	}
	var plat boardPage
	c.get(PathBoard+"?projectKeyOrId=PLAT", &plat)
	if plat.Total != 1 || plat.Values[0].Location.ProjectKey != "PLAT" {
		t.Errorf("projectKeyOrId filter: %+v", plat)
	}
	resp, b := c.do("GET", PathBoard+"?projectKeyOrId=NOPE", nil)
	expectError(t, resp, b, 400)

	shared := 0
	for _, bd := range o.Boards {
		var all []jsprint
		for start := 0; ; {
			var pg sprintPage
			c.get(fmt.Sprintf("%s/%d/sprint?startAt=%d", PathBoard, bd.ID, start), &pg)
			all = append(all, pg.Values...)
			if pg.IsLast {
				break
			}
			if len(pg.Values) != 3 {
				t.Fatalf("short page before the last")
			}
			start += len(pg.Values)
		}
		want := o.SprintsOfBoard(bd.ID)
		if len(all) != len(want) {
			t.Fatalf("board %d: %d sprints, want %d", bd.ID, len(all), len(want))
		}
		for i, s := range all {
			ws := want[i]
			if s.ID != ws.ID || s.State != ws.State || s.OriginBoardID != ws.OriginBoardID || s.Name != ws.Name {
				t.Errorf("sprint %+v vs %+v", s, ws)
			}
			if s.OriginBoardID != bd.ID {
				shared++
			}
			if s.State == SprintClosed && (s.CompleteDate == "" || s.StartDate == "" || s.EndDate == "") {
				t.Errorf("closed sprint %d without dates", s.ID)
			}
			if s.State != SprintClosed && s.CompleteDate != "" {
				t.Errorf("open sprint %d with completeDate", s.ID)
			}
			if s.State == SprintFuture && s.ActivatedDate != "" {
				t.Errorf("future sprint %d with activatedDate", s.ID)
			}
			if s.StartDate != "" {
				if _, err := time.Parse("2006-01-02T15:04:05.000Z", s.StartDate); err != nil {
					t.Errorf("startDate %q", s.StartDate)
				}
			}
		}
		for _, st := range []string{"active", "future"} {
			var pg sprintPage
			c.get(fmt.Sprintf("%s/%d/sprint?state=%s", PathBoard, bd.ID, st), &pg)
			n := 0
			for _, s := range pg.Values {
				if s.State != st {
					t.Errorf("state filter %s returned %s", st, s.State)
				}
				if s.OriginBoardID == bd.ID {
					n++
				}
			}
			if n != 1 {
				t.Errorf("board %d: %d own %s sprints", bd.ID, n, st)
			}
		}
	}
	if shared == 0 {
		t.Errorf("no sprint listed under a board other than its origin")
	}
	resp, b = c.do("GET", PathBoard+"/1/sprint?state=running", nil)
	expectError(t, resp, b, 400)
	resp, b = c.do("GET", PathBoard+"/999/sprint", nil)
	expectError(t, resp, b, 404)
	var one jsprint
	c.get(PathSprint+"1", &one)
	if one.ID != 1 || one.Name != o.Sprint(1).Name {
		t.Errorf("GET sprint: %+v", one)
	}
}

func TestJiraSearchPaging(t *testing.T) {
	o := Generate(Options{Seed: 2, Now: testNow})
	j, c := newSite(t, o, JiraOptions{PageSize: 25})
	jql := "project in (PLAT, MOB) ORDER BY updated ASC"
	fields := "summary,status,updated,created,project,issuetype," + SprintFieldID + "," + StoryPointsFieldID + ",resolutiondate,parent"
	got := c.searchAll(url.Values{"jql": {jql}, "fields": {fields}, "maxResults": {"100"}})
	var want []*Issue
	for _, is := range o.Issues {
		if is.Project == "PLAT" || is.Project == "MOB" {
			want = append(want, is)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("search returned %d issues, want %d", len(got), len(want))
	}
	var prev time.Time
	seen := map[string]bool{}
	for i, is := range got {
		if seen[is.ID] {
			t.Fatalf("issue %s twice", is.Key)
		}
		seen[is.ID] = true
		var upd string
		json.Unmarshal(is.Fields["updated"], &upd)
		u := parseJiraTime(t, upd)
		if u.Before(prev) {
			t.Fatalf("not ordered by updated at %d", i)
		}
		prev = u
		oi := o.Issue(is.Key)
		if oi == nil || oi.ID != is.ID || !u.Equal(oi.Updated) {
			t.Fatalf("issue %s does not match the org", is.Key)
		}
		var st struct {
			ID             string `json:"id"`
			StatusCategory struct {
				Key string `json:"key"`
			} `json:"statusCategory"`
		}
		json.Unmarshal(is.Fields["status"], &st)
		if st.ID != oi.CurrentStatus() || st.StatusCategory.Key == "" {
			t.Errorf("%s status %+v", is.Key, st)
		}
		var sprints []struct {
			ID      int    `json:"id"`
			State   string `json:"state"`
			BoardID int    `json:"boardId"`
		}
		if raw := is.Fields[SprintFieldID]; string(raw) != "null" {
			if err := json.Unmarshal(raw, &sprints); err != nil {
				t.Fatalf("%s sprint field %s", is.Key, raw)
			}
		}
		var ids []int
		for _, s := range sprints {
			ids = append(ids, s.ID)
			if s.BoardID != o.Sprint(s.ID).OriginBoardID {
				t.Errorf("%s: sprint %d boardId %d", is.Key, s.ID, s.BoardID)
			}
		}
		if !slices.Equal(ids, oi.CurrentSprints()) {
			t.Errorf("%s: sprint field %v, want %v", is.Key, ids, oi.CurrentSprints())
		}
		if _, ok := is.Fields["assignee"]; ok {
			t.Errorf("field not requested was returned")
		}
		if is.Log != nil {
			t.Errorf("changelog without expand")
		}
	}
	// POST gives the same result.
	var postKeys []string
	tok := ""
	for {
		body := map[string]any{"jql": jql, "fields": []string{"updated"}, "maxResults": 100}
		if tok != "" {
			body["nextPageToken"] = tok
		}
		resp, b := c.do("POST", PathSearch, body)
		if resp.StatusCode != 200 {
			t.Fatalf("POST search: %d %s", resp.StatusCode, b)
		}
		var pg searchPage
		json.Unmarshal(b, &pg)
		for _, is := range pg.Issues {
			postKeys = append(postKeys, is.Key)
		}
		if pg.NextPageToken == nil {
			break
		}
		tok = *pg.NextPageToken
	}
	for i := range got {
		if postKeys[i] != got[i].Key {
			t.Fatalf("POST order differs at %d", i)
		}
	}
	// Tokens are bound to their query.
	var first searchPage
	c.get(PathSearch+"?"+url.Values{"jql": {jql}}.Encode(), &first)
	resp, b := c.do("GET", PathSearch+"?"+url.Values{"jql": {"project = WEB"}, "nextPageToken": {*first.NextPageToken}}.Encode(), nil)
	expectError(t, resp, b, 400)
	// Default fields: only the id.
	if len(first.Issues) != 25 || len(first.Issues[0].Fields) != 0 || first.Issues[0].ID == "" {
		t.Errorf("default page: %d issues, fields %v", len(first.Issues), first.Issues[0].Fields)
	}
	var all searchPage
	c.get(PathSearch+"?"+url.Values{"jql": {"project = PLAT"}, "fields": {"*all"}}.Encode(), &all)
	for _, f := range []string{"summary", "status", SprintFieldID, StoryPointsFieldID, "resolutiondate", "assignee", "created", "updated"} {
		if _, ok := all.Issues[0].Fields[f]; !ok {
			t.Errorf("*all lacks %s", f)
		}
	}
	if n := j.Requests()[PathSearch]; n < 2*len(got)/25 {
		t.Errorf("request count %d", n)
	}
}

func TestJiraChangelogTruncation(t *testing.T) {
	o := Generate(Options{Seed: 3, Now: testNow})
	_, c := newSite(t, o, JiraOptions{ChangelogEmbedLimit: 3, PageSize: 4})
	got := c.searchAll(url.Values{"jql": {"project = WEB ORDER BY updated ASC"}, "expand": {"changelog"}, "fields": {"updated"}})
	truncated := 0
	for _, is := range got {
		oi := o.Issue(is.Key)
		if is.Log == nil || is.Log.Total != len(oi.Histories) || is.Log.StartAt != 0 {
			t.Fatalf("%s: changelog %+v, want total %d", is.Key, is.Log, len(oi.Histories))
		}
		n := min(3, len(oi.Histories))
		if len(is.Log.Histories) != n || is.Log.MaxResults != n {
			t.Fatalf("%s: %d embedded histories, want %d", is.Key, len(is.Log.Histories), n)
		}
		for i, h := range is.Log.Histories { // newest first
			if want := oi.Histories[len(oi.Histories)-1-i].ID; h.ID != want {
				t.Fatalf("%s: embedded history %d = %s, want %s", is.Key, i, h.ID, want)
			}
		}
		if is.Log.Total <= len(is.Log.Histories) {
			continue
		}
		truncated++
		// The full changelog, paged, oldest first.
		var hs []jhistory
		for start := 0; ; {
			var pg changelogPage
			c.get(fmt.Sprintf("%s%s/changelog?startAt=%d&maxResults=100", PathIssue, is.Key, start), &pg)
			if pg.Total != len(oi.Histories) || pg.MaxResults != 4 {
				t.Fatalf("changelog page %+v", pg)
			}
			hs = append(hs, pg.Values...)
			if pg.IsLast {
				if pg.NextPage != "" {
					t.Errorf("last page with nextPage")
				}
				break
			}
			if pg.NextPage == "" {
				t.Errorf("page without nextPage")
			}
			start += len(pg.Values)
		}
		if len(hs) != len(oi.Histories) {
			t.Fatalf("%s: %d histories via changelog, want %d", is.Key, len(hs), len(oi.Histories))
		}
		for i, h := range hs {
			if h.ID != oi.Histories[i].ID || !parseJiraTime(t, h.Created).Equal(oi.Histories[i].At) || h.Author.AccountID == "" {
				t.Fatalf("%s: history %d = %+v", is.Key, i, h)
			}
		}
	}
	if truncated == 0 {
		t.Fatal("no issue had a truncated embedded changelog")
	}
	resp, b := c.do("GET", PathIssue+"NOPE-1/changelog", nil)
	expectError(t, resp, b, 404)
}

func TestJiraHistoryItems(t *testing.T) {
	o := Generate(Options{Seed: 1, Now: testNow})
	_, c := newSite(t, o, JiraOptions{})
	keep, move, nulls, res := false, false, false, false
	for _, is := range o.Issues {
		var pg changelogPage
		has := false
		for _, h := range is.Histories {
			for _, it := range h.Items {
				if it.Field == FieldSprint {
					has = true
				}
			}
		}
		if !has {
			continue
		}
		c.get(PathIssue+is.ID+"/changelog", &pg)
		for _, h := range pg.Values {
			for _, it := range h.Items {
				switch it.Field {
				case "Sprint":
					if it.FieldType != "custom" || it.FieldID != SprintFieldID {
						t.Fatalf("sprint item %+v", it)
					}
					if it.From == nil || it.To == nil {
						nulls = true
						continue
					}
					from, to := *it.From, *it.To
					if !strings.Contains(from, ",") && strings.HasPrefix(to, from+", ") && from != "" {
						keep = true
						if *it.ToString != *it.FromString+", "+strings.SplitN(*it.ToString, ", ", 2)[1] {
							t.Errorf("toString %q vs fromString %q", *it.ToString, *it.FromString)
						}
					}
					if from != "" && to != "" && !strings.Contains(from, ",") && !strings.Contains(to, ",") {
						move = true
					}
				case "status":
					if it.FieldID != "status" || it.FieldType != "jira" || it.From == nil || *it.FromString == "" {
						t.Fatalf("status item %+v", it)
					}
				case "resolution":
					res = true
				}
			}
		}
		if keep && move && nulls && res {
			break
		}
	}
	if !keep || !move || !nulls || !res {
		t.Errorf(`items: "3"→"3, 4" %v, "3"→"4" %v, null empty values %v, resolution %v`, keep, move, nulls, res)
	}
}

func TestJiraJQL(t *testing.T) {
	o := Generate(Options{Seed: 4, Now: testNow})
	j, c := newSite(t, o, JiraOptions{PageSize: 100})
	cursor := testNow.Add(-45 * 24 * time.Hour).Add(17*time.Minute + 25*time.Second)
	cm := cursor.Truncate(time.Minute)
	want := map[string]bool{}
	for _, is := range o.Issues {
		if !is.Updated.Before(cm) && (is.Project == "PLAT" || is.Project == "OPS") {
			want[is.Key] = true
		}
	}
	for _, q := range []string{
		fmt.Sprintf(`project in (PLAT, OPS) AND updated >= "%s" ORDER BY updated ASC`, cm.Format("2006-01-02 15:04")),
		fmt.Sprintf(`project in ("PLAT","OPS") and updated >= '%s' order by updated asc, id asc`, cm.Format("2006/01/02 15:04")),
	} {
		got := c.searchAll(url.Values{"jql": {q}, "fields": {"updated"}})
		if len(got) != len(want) || len(want) == 0 {
			t.Errorf("%s: %d issues, want %d", q, len(got), len(want))
		}
		for _, is := range got {
			if !want[is.Key] {
				t.Errorf("%s: unexpected %s", q, is.Key)
			}
		}
	}
	got := c.searchAll(url.Values{"jql": {"project = MOB"}, "fields": {"created"}})
	for i := 1; i < len(got); i++ {
		if compareIDs(got[i-1].ID, got[i].ID) <= 0 {
			t.Fatalf("default order is not newest id first")
		}
	}
	jqls := j.SearchJQLs()
	if len(jqls) == 0 || !strings.HasPrefix(jqls[0], "project in (PLAT, OPS) AND updated >=") {
		t.Errorf("recorded JQL %v", jqls)
	}
	for _, bad := range []string{
		"", "ORDER BY updated", "project = PLAT OR project = MOB", "assignee = currentUser()",
		`updated >= "yesterday"`, "project = NOPE", "project in (PLAT", `summary ~ "x"`, "(project = PLAT)",
		"project = PLAT ORDER BY rank",
	} {
		resp, b := c.do("GET", PathSearch+"?"+url.Values{"jql": {bad}}.Encode(), nil)
		expectError(t, resp, b, 400)
	}
	resp, b := c.do("POST", PathSearch, map[string]any{"jql": "project = PLAT OR project = MOB"})
	expectError(t, resp, b, 400)
	var one searchPage
	c.get(PathSearch+"?"+url.Values{"jql": {"key = PLAT-3"}}.Encode(), &one)
	if len(one.Issues) != 1 || one.Issues[0].Key != "PLAT-3" {
		t.Errorf("key = PLAT-3: %+v", one.Issues)
	}
}

func TestJiraFailNext(t *testing.T) {
	o := Generate(Options{Seed: 1, Now: testNow})
	j, c := newSite(t, o, JiraOptions{})
	j.FailNext(PathSearch, 429, 1, "1")
	j.FailNext("/rest/agile/", 500, 2, "")
	q := PathSearch + "?jql=project%20%3D%20PLAT"
	resp, b := c.do("GET", q, nil)
	expectError(t, resp, b, 429)
	if resp.Header.Get("Retry-After") != "1" || resp.Header.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("429 headers %v", resp.Header)
	}
	if resp, _ := c.do("GET", q, nil); resp.StatusCode != 200 {
		t.Errorf("second search: %d", resp.StatusCode)
	}
	if resp, _ := c.do("GET", PathField, nil); resp.StatusCode != 200 {
		t.Errorf("unrelated path failed")
	}
	for i := 0; i < 2; i++ {
		resp, b := c.do("GET", PathBoard, nil)
		expectError(t, resp, b, 500)
	}
	if resp, _ := c.do("GET", PathBoard, nil); resp.StatusCode != 200 {
		t.Errorf("board after two failures: %d", resp.StatusCode)
	}
	if got := j.Requests(); got[PathSearch] != 2 || got[PathBoard] != 3 || got[PathField] != 1 {
		t.Errorf("requests %v", got)
	}
	if jq := j.SearchJQLs(); len(jq) != 2 || jq[0] != "project = PLAT" {
		t.Errorf("JQLs %v", jq)
	}
	j.ResetRequests()
	if len(j.Requests()) != 0 || len(j.SearchJQLs()) != 0 {
		t.Errorf("reset did not clear")
	}
	if resp.Header.Get("X-RateLimit-Limit") == "" {
		t.Errorf("no X-RateLimit-Limit")
	}
}

func TestJiraCorruptNext(t *testing.T) {
	o := Generate(Options{Seed: 1, Now: testNow})
	j, c := newSite(t, o, JiraOptions{})
	path := PathBoard + "/1/sprint"
	for _, mode := range []string{CorruptTruncate, CorruptWrongTypes, CorruptMissingFields, CorruptHTML, CorruptEmpty} {
		j.CorruptNext(path, mode)
		resp, b := c.do("GET", path, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", mode, resp.StatusCode)
		}
		var pg sprintPage
		err := json.Unmarshal(b, &pg)
		switch mode {
		case CorruptMissingFields:
			if err != nil || pg.Values != nil || !strings.Contains(string(b), "isLast") {
				t.Errorf("%s: %v %s", mode, err, b)
			}
		case CorruptWrongTypes:
			if err == nil || !strings.Contains(string(b), `"id":{}`) {
				t.Errorf("%s: decoded fine: %s", mode, b)
			}
		default:
			if err == nil {
				t.Errorf("%s: decoded fine: %s", mode, b)
			}
		}
		if resp, _ := c.do("GET", path, nil); resp.StatusCode != 200 {
			t.Errorf("%s: not one-shot", mode)
		}
	}
	var ok sprintPage
	c.get(path, &ok)
	if len(ok.Values) == 0 {
		t.Errorf("corruption leaked into a later response")
	}
	j.CorruptNext(PathSearch, CorruptMissingFields)
	var pg searchPage
	c.get(PathSearch+"?jql=project%3DPLAT", &pg)
	if pg.Issues != nil {
		t.Errorf("missing-fields left issues")
	}
}

func TestJiraIncrementalAfterTouch(t *testing.T) {
	o := Generate(Options{Seed: 5, Now: testNow})
	clock := testNow
	var mu sync.Mutex
	_, c := newSite(t, o, JiraOptions{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }})
	full := c.searchAll(url.Values{"jql": {"project in (PLAT, MOB, WEB, OPS) ORDER BY updated ASC"}, "fields": {"updated"}})
	if len(full) != len(o.Issues) {
		t.Fatalf("full collection %d of %d", len(full), len(o.Issues))
	}
	at := testNow.Add(90 * time.Minute)
	touched := o.Touch(at, 4)
	mu.Lock()
	clock = at.Add(time.Minute)
	mu.Unlock()
	cursor := testNow.Add(time.Hour).Format("2006-01-02 15:04")
	got := c.searchAll(url.Values{"jql": {`project in (PLAT, MOB, WEB, OPS) AND updated >= "` + cursor + `" ORDER BY updated ASC`},
		"fields": {"updated,status"}, "expand": {"changelog"}})
	var keys []string
	for _, is := range got {
		keys = append(keys, is.Key)
		if is.Log.Total != len(o.Issue(is.Key).Histories) || is.Log.Histories[0].Created != at.Format(jiraTime) {
			t.Errorf("%s: newest history %+v", is.Key, is.Log.Histories[0])
		}
	}
	sort.Strings(keys)
	sort.Strings(touched)
	if !slices.Equal(keys, touched) {
		t.Errorf("incremental fetched %v, touched %v", keys, touched)
	}
}

func TestJiraTimeTravel(t *testing.T) {
	o := Generate(Options{Seed: 6, Now: testNow})
	past := testNow.Add(-60 * 24 * time.Hour)
	_, c := newSite(t, o, JiraOptions{Now: func() time.Time { return past }, PageSize: 100})
	got := c.searchAll(url.Values{"jql": {"project in (PLAT, MOB, WEB, OPS)"}, "fields": {"created,updated," + SprintFieldID}, "expand": {"changelog"}})
	want := 0
	for _, is := range o.Issues {
		if !is.Created.After(past) {
			want++
		}
	}
	if len(got) != want {
		t.Fatalf("search at a past Now: %d issues, want %d", len(got), want)
	}
	for _, is := range got {
		var upd string
		json.Unmarshal(is.Fields["updated"], &upd)
		if parseJiraTime(t, upd).After(past) {
			t.Fatalf("%s updated after the site's Now", is.Key)
		}
		for _, h := range is.Log.Histories {
			if parseJiraTime(t, h.Created).After(past) {
				t.Fatalf("%s: future history visible", is.Key)
			}
		}
	}
	var pg sprintPage
	c.get(PathBoard+"/1/sprint?state=active", &pg)
	if len(pg.Values) == 0 || pg.Values[0].CompleteDate != "" {
		t.Fatalf("active sprint at a past Now: %+v", pg)
	}
	s := o.Sprint(pg.Values[0].ID)
	if s.State != SprintClosed {
		t.Errorf("sprint %d should be closed at the org's Now", s.ID)
	}
}

func TestJiraRateLimit(t *testing.T) {
	o := Generate(Options{Seed: 1, Now: testNow})
	_, c := newSite(t, o, JiraOptions{RateLimit: 3, RateWindow: time.Hour})
	for i := 0; i < 3; i++ {
		resp, _ := c.do("GET", PathStatus, nil)
		if resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Remaining") != strconv.Itoa(2-i) || resp.Header.Get("X-RateLimit-Limit") != "3" {
			t.Fatalf("request %d: %d remaining %s", i, resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining"))
		}
	}
	resp, b := c.do("GET", PathStatus, nil)
	expectError(t, resp, b, 429)
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
}

func TestJiraNotFoundAndIssue(t *testing.T) {
	o := Generate(Options{Seed: 1, Now: testNow})
	_, c := newSite(t, o, JiraOptions{})
	resp, b := c.do("GET", "/rest/api/3/nothing", nil)
	expectError(t, resp, b, 404)
	resp, b = c.do("GET", PathIssue+"PLAT-999999", nil)
	expectError(t, resp, b, 404)
	var is jissue
	c.get(PathIssue+"PLAT-1?expand=changelog", &is)
	if is.Key != "PLAT-1" || is.Fields["summary"] == nil || is.Log == nil {
		t.Errorf("GET issue: %+v", is)
	}
	var my map[string]any
	c.get(PathMyself, &my)
	if my["accountId"] == nil {
		t.Errorf("myself %v", my)
	}
}

func TestJiraBulkFetch(t *testing.T) {
	o := Generate(Options{Seed: 1, Now: testNow})
	_, c := newSite(t, o, JiraOptions{PageSize: 7})
	keys := []string{o.Issues[5].Key, o.Issues[9].ID, o.Issues[20].Key}
	want := 0
	for _, k := range keys {
		for _, h := range o.Issue(k).Histories {
			for _, it := range h.Items {
				if it.Field == FieldSprint {
					want++
					break
				}
			}
		}
	}
	got := 0
	tok := ""
	var last time.Time
	for {
		body := map[string]any{"issueIdsOrKeys": keys, "fieldIds": []string{SprintFieldID}}
		if tok != "" {
			body["nextPageToken"] = tok
		}
		resp, b := c.do("POST", PathBulkFetch, body)
		if resp.StatusCode != 200 {
			t.Fatalf("bulkfetch %d %s", resp.StatusCode, b)
		}
		var pg struct {
			IssueChangeLogs []struct {
				IssueID         string     `json:"issueId"`
				ChangeHistories []jhistory `json:"changeHistories"`
			} `json:"issueChangeLogs"`
			NextPageToken *string `json:"nextPageToken"`
		}
		json.Unmarshal(b, &pg)
		for _, l := range pg.IssueChangeLogs {
			for _, h := range l.ChangeHistories {
				got++
				at := parseJiraTime(t, h.Created)
				if at.Before(last) {
					t.Errorf("bulkfetch not oldest first")
				}
				last = at
				for _, it := range h.Items {
					if it.FieldID != SprintFieldID {
						t.Errorf("field filter let %s through", it.FieldID)
					}
				}
			}
		}
		if pg.NextPageToken == nil {
			break
		}
		tok = *pg.NextPageToken
	}
	if got != want {
		t.Errorf("bulkfetch returned %d sprint histories, want %d", got, want)
	}
}

func TestServe(t *testing.T) {
	o := Generate(Options{Seed: 1, Now: testNow})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, stop := Serve(ctx, o, JiraOptions{Email: "a@b.c", Token: "t"})
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("base %q", base)
	}
	c := &tclient{t: t, base: base, email: "a@b.c", token: "t"}
	var pg boardPage
	c.get(PathBoard, &pg)
	if len(pg.Values) != 4 || !strings.HasPrefix(pg.Values[0].Self, base) {
		t.Errorf("boards via Serve: %+v", pg)
	}
	stop()
	stop()
	if _, err := http.Get(base + PathBoard); err == nil {
		t.Errorf("server still answering after stop")
	}
}

func TestJiraConcurrent(t *testing.T) {
	o := Generate(Options{Seed: 9, Now: testNow})
	_, c := newSite(t, o, JiraOptions{Now: func() time.Time { return testNow.Add(time.Hour) }})
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				resp, _ := c.do("GET", PathSearch+"?"+url.Values{"jql": {"project = PLAT ORDER BY updated DESC"},
					"fields": {"*all"}, "expand": {"changelog"}}.Encode(), nil)
				if resp.StatusCode != 200 {
					t.Errorf("search %d", resp.StatusCode)
				}
				_ = o.SprintTruth("3", testNow.Add(time.Hour))
			}
		}()
	}
	for i := 0; i < 10; i++ {
		o.Touch(testNow.Add(time.Duration(i+1)*time.Minute), 3)
	}
	wg.Wait()
}

// TestJiraReconstructMatchesTruth collects the whole site over HTTP the way
// a collector would (field discovery, boards, sprints, search with
// changelog, full changelog when truncated), rebuilds every sprint report
// from the payloads alone and compares it with SprintTruth.
func TestJiraReconstructMatchesTruth(t *testing.T) {
	checkReconstruct(t, Generate(Options{Seed: 21, Now: testNow}), testNow)
	tiny, now := TinyOrg()
	checkReconstruct(t, tiny, now)
}

func checkReconstruct(t *testing.T, o *Org, testNow time.Time) {
	_, c := newSite(t, o, JiraOptions{ChangelogEmbedLimit: 4, PageSize: 40, Now: func() time.Time { return testNow }})
	var keys []string
	for _, p := range o.Projects {
		keys = append(keys, p.Key)
	}

	var fields []struct {
		ID     string `json:"id"`
		Schema struct {
			Custom string `json:"custom"`
		} `json:"schema"`
	}
	c.get(PathField, &fields)
	sprintField := ""
	for _, f := range fields {
		if f.Schema.Custom == "com.pyxis.greenhopper.jira:gh-sprint" {
			sprintField = f.ID
		}
	}
	var sts []struct {
		ID             string `json:"id"`
		StatusCategory struct {
			Key string `json:"key"`
		} `json:"statusCategory"`
	}
	c.get(PathStatus, &sts)
	category := map[string]string{}
	for _, s := range sts {
		category[s.ID] = s.StatusCategory.Key
	}
	var boards boardPage
	c.get(PathBoard, &boards)
	sprints := map[int]jsprint{}
	for _, b := range boards.Values {
		for start := 0; ; {
			var pg sprintPage
			c.get(fmt.Sprintf("%s/%d/sprint?startAt=%d", PathBoard, b.ID, start), &pg)
			for _, s := range pg.Values {
				sprints[s.ID] = s
			}
			if pg.IsLast {
				break
			}
			start += len(pg.Values)
		}
	}
	if len(sprints) != len(o.Sprints) {
		t.Fatalf("collected %d sprints, org has %d", len(sprints), len(o.Sprints))
	}

	type event struct {
		at           time.Time
		id           int64
		sprint       bool
		from, to     []int
		fromSt, toSt string
	}
	type rissue struct {
		key     string
		created time.Time
		events  []event
		curSp   []int
		curSt   string
	}
	parseIDs := func(p *string) []int {
		if p == nil || *p == "" {
			return nil
		}
		var out []int
		for _, s := range strings.Split(*p, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil {
				t.Fatalf("sprint ids %q", *p)
			}
			out = append(out, n)
		}
		return out
	}
	var issues []*rissue
	for _, is := range c.searchAll(url.Values{"jql": {"project in (" + strings.Join(keys, ", ") + ") ORDER BY updated ASC"},
		"fields": {"created,status," + sprintField}, "expand": {"changelog"}}) {
		ri := &rissue{key: is.Key}
		var created string
		json.Unmarshal(is.Fields["created"], &created)
		ri.created = parseJiraTime(t, created)
		var st struct{ ID string }
		json.Unmarshal(is.Fields["status"], &st)
		ri.curSt = st.ID
		var sp []struct{ ID int }
		json.Unmarshal(is.Fields[sprintField], &sp)
		for _, s := range sp {
			ri.curSp = append(ri.curSp, s.ID)
		}
		hs := is.Log.Histories
		if is.Log.Total > len(hs) {
			hs = nil
			for start := 0; ; {
				var pg changelogPage
				c.get(fmt.Sprintf("%s%s/changelog?startAt=%d", PathIssue, is.ID, start), &pg)
				hs = append(hs, pg.Values...)
				if pg.IsLast {
					break
				}
				start += len(pg.Values)
			}
		}
		for _, h := range hs {
			id, _ := strconv.ParseInt(h.ID, 10, 64)
			for _, it := range h.Items {
				switch it.FieldID {
				case sprintField:
					ri.events = append(ri.events, event{at: parseJiraTime(t, h.Created), id: id, sprint: true, from: parseIDs(it.From), to: parseIDs(it.To)})
				case "status":
					ri.events = append(ri.events, event{at: parseJiraTime(t, h.Created), id: id, fromSt: *it.From, toSt: *it.To})
				}
			}
		}
		sort.SliceStable(ri.events, func(a, b int) bool {
			if !ri.events[a].at.Equal(ri.events[b].at) {
				return ri.events[a].at.Before(ri.events[b].at)
			}
			return ri.events[a].id < ri.events[b].id
		})
		issues = append(issues, ri)
	}
	if len(issues) != len(o.Issues) {
		t.Fatalf("collected %d issues, org has %d", len(issues), len(o.Issues))
	}

	agile := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatalf("agile date %q", s)
		}
		return v
	}
	for _, s := range sprints {
		if s.State == SprintFuture {
			continue
		}
		t0 := agile(s.StartDate)
		if s.ActivatedDate != "" {
			t0 = agile(s.ActivatedDate)
		}
		closed := s.State == SprintClosed
		t1 := testNow
		if closed {
			t1 = agile(s.CompleteDate)
		}
		var C, A, R, D, CO int
		for _, ri := range issues {
			// initial values: the first item's from, else the current field
			sp, st := ri.curSp, ri.curSt
			for _, e := range ri.events {
				if e.sprint {
					sp = e.from
					break
				}
			}
			for _, e := range ri.events {
				if !e.sprint {
					st = e.fromSt
					break
				}
			}
			statusAt := func(at time.Time) string {
				cur := st
				for _, e := range ri.events {
					if !e.sprint && !e.at.After(at) {
						cur = e.toSt
					}
				}
				return cur
			}
			in := slices.Contains(sp, s.ID)
			entered := ri.created
			committed, inT1 := false, false
			stay := func(enter time.Time, exit *time.Time) {
				if !enter.After(t0) && (exit == nil || exit.After(t0)) {
					committed = true
				}
				if enter.After(t0) && !enter.After(t1) {
					A++
				}
				if exit != nil && exit.After(t0) && !exit.After(t1) && !(closed && !exit.Before(t1.Add(-time.Minute))) &&
					category[statusAt(*exit)] != "done" {
					R++
				}
				if !enter.After(t1) && (exit == nil || exit.After(t1) || (closed && !exit.Before(t1.Add(-time.Minute)))) {
					inT1 = true
				}
			}
			for _, e := range ri.events {
				if !e.sprint {
					continue
				}
				now := slices.Contains(e.to, s.ID)
				if !in && now {
					entered = e.at
				}
				if in && !now {
					at := e.at
					stay(entered, &at)
				}
				in = now
			}
			if in {
				stay(entered, nil)
			}
			if committed {
				C++
			}
			if inT1 {
				if category[statusAt(t1)] == "done" {
					D++
				} else {
					CO++
				}
			}
		}
		tr := o.SprintTruth(strconv.Itoa(s.ID), testNow)
		if tr.Committed != C || tr.Added != A || tr.Removed != R || tr.Completed != D || tr.CarriedOver != CO {
			t.Errorf("sprint %d (%s): from HTTP C=%d A=%d R=%d D=%d carried=%d; truth C=%d A=%d R=%d D=%d carried=%d",
				s.ID, s.State, C, A, R, D, CO, tr.Committed, tr.Added, tr.Removed, tr.Completed, tr.CarriedOver)
		}
	}
}
