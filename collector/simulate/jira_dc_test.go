package simulate

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Jira Data Center (REST v2) payloads as a collector would declare them.

type dcUser struct {
	Name        string  `json:"name"`
	Key         string  `json:"key"`
	DisplayName string  `json:"displayName"`
	AccountID   *string `json:"accountId"`
	TimeZone    string  `json:"timeZone"`
}

type dcHistory struct {
	ID      string  `json:"id"`
	Author  dcUser  `json:"author"`
	Created string  `json:"created"`
	Items   []jitem `json:"items"`
}

type dcChangelog struct {
	StartAt    int         `json:"startAt"`
	MaxResults int         `json:"maxResults"`
	Total      int         `json:"total"`
	Histories  []dcHistory `json:"histories"`
}

type dcIssue struct {
	ID        string                     `json:"id"`
	Key       string                     `json:"key"`
	Self      string                     `json:"self"`
	Fields    map[string]json.RawMessage `json:"fields"`
	Changelog *dcChangelog               `json:"changelog"`
}

type dcSearchPage struct {
	StartAt       int       `json:"startAt"`
	MaxResults    int       `json:"maxResults"`
	Total         *int      `json:"total"`
	Issues        []dcIssue `json:"issues"`
	NextPageToken *string   `json:"nextPageToken"`
	IsLast        *bool     `json:"isLast"`
}

const testPAT = "pat-dc"

// newDCSite is a simulated site reached as Data Center is: with a bearer
// personal access token.
func newDCSite(t *testing.T, o *Org, opts JiraOptions) (*Jira, *tclient) {
	t.Helper()
	opts.BearerToken = testPAT
	j, c := newSite(t, o, opts)
	c.bearer = testPAT
	return j, c
}

// dcSearchAll pages through a Data Center search by startAt until total,
// checking every page's paging fields.
func (c *tclient) dcSearchAll(params url.Values, pageSize int) (issues []dcIssue, pages int) {
	c.t.Helper()
	for start := 0; ; pages++ {
		p := url.Values{}
		for k, v := range params {
			p[k] = v
		}
		p.Set("startAt", strconv.Itoa(start))
		var pg dcSearchPage
		c.get(PathSearchDC+"?"+p.Encode(), &pg)
		if pg.Total == nil || pg.StartAt != start || pg.MaxResults != pageSize || pg.NextPageToken != nil || pg.IsLast != nil {
			c.t.Fatalf("page at %d: startAt %d, maxResults %d, total %v, token %v, isLast %v",
				start, pg.StartAt, pg.MaxResults, pg.Total, pg.NextPageToken, pg.IsLast)
		}
		if want := min(pageSize, max(*pg.Total-start, 0)); len(pg.Issues) != want {
			c.t.Fatalf("page at %d of %d: %d issues, want %d", start, *pg.Total, len(pg.Issues), want)
		}
		issues = append(issues, pg.Issues...)
		start += len(pg.Issues)
		if start >= *pg.Total {
			return issues, pages + 1
		}
		if pages > 10000 {
			c.t.Fatal("endless paging")
		}
	}
}

func TestJiraDCAuth(t *testing.T) {
	o := Generate(Options{Seed: 1, Now: testNow})
	_, c := newDCSite(t, o, JiraOptions{Email: "bot@acme.com", Token: "s3cret"})
	for _, p := range []string{PathFieldDC, PathStatusDC, PathMyselfDC, PathSearchDC + "?jql=project%20%3D%20PLAT",
		PathIssueDC + "PLAT-1", PathBoard, PathField} {
		if resp, b := c.do("GET", p, nil); resp.StatusCode != 200 {
			t.Errorf("bearer GET %s: %d %s", p, resp.StatusCode, b)
		}
	}
	wrong := *c
	wrong.bearer = "pat-other"
	resp, b := wrong.do("GET", PathFieldDC, nil)
	expectError(t, resp, b, 401)
	anon := *c
	anon.bearer, anon.email, anon.token = "", "", ""
	resp, b = anon.do("GET", PathSearchDC+"?jql=project%20%3D%20PLAT", nil)
	expectError(t, resp, b, 401)
	basic := *c
	basic.bearer = ""
	if resp, b := basic.do("GET", PathFieldDC, nil); resp.StatusCode != 200 {
		t.Errorf("Basic auth on REST v2: %d %s", resp.StatusCode, b)
	}
	// Without a configured bearer token, none is accepted.
	_, plain := newSite(t, o, JiraOptions{})
	plain.bearer = testPAT
	resp, b = plain.do("GET", PathFieldDC, nil)
	expectError(t, resp, b, 401)
}

func TestJiraDCFieldsStatusesMyself(t *testing.T) {
	o := Generate(Options{Seed: 1, Now: testNow})
	_, c := newDCSite(t, o, JiraOptions{})
	var fields []struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Custom bool   `json:"custom"`
		Schema struct {
			Type   string `json:"type"`
			Items  string `json:"items"`
			Custom string `json:"custom"`
		} `json:"schema"`
	}
	c.get(PathFieldDC, &fields)
	byID := map[string]int{}
	for i, f := range fields {
		byID[f.ID] = i
	}
	sp, pts := fields[byID[SprintFieldID]], fields[byID[StoryPointsFieldID]]
	if sp.Name != "Sprint" || sp.Schema.Custom != "com.pyxis.greenhopper.jira:gh-sprint" || sp.Schema.Items != "string" {
		t.Errorf("Sprint field %+v", sp)
	}
	if pts.Name != "Story Points" || pts.Schema.Type != "number" || !pts.Custom ||
		pts.Schema.Custom != "com.atlassian.jira.plugin.system.customfieldtypes:float" {
		t.Errorf("story points field %+v", pts)
	}
	if _, ok := byID["status"]; !ok {
		t.Error("no status field")
	}

	var sts []struct {
		ID             string `json:"id"`
		Name           string `json:"name"`
		Self           string `json:"self"`
		StatusCategory struct {
			Key  string `json:"key"`
			Self string `json:"self"`
		} `json:"statusCategory"`
	}
	c.get(PathStatusDC, &sts)
	if len(sts) != len(o.Statuses) {
		t.Fatalf("%d statuses, want %d", len(sts), len(o.Statuses))
	}
	for i, s := range sts {
		if s.ID != o.Statuses[i].ID || s.StatusCategory.Key != o.Statuses[i].Category ||
			!strings.HasSuffix(s.Self, PathStatusDC+"/"+s.ID) || !strings.Contains(s.StatusCategory.Self, "/rest/api/2/statuscategory/") {
			t.Errorf("status %+v", s)
		}
	}

	var me map[string]any
	c.get(PathMyselfDC, &me)
	if me["name"] == nil || me["key"] == nil || me["timeZone"] != "Etc/UTC" || me["accountId"] != nil {
		t.Errorf("myself %v", me)
	}
	// Cloud's profile is unchanged.
	var cloudMe map[string]any
	c.get(PathMyself, &cloudMe)
	if cloudMe["accountId"] == nil || cloudMe["name"] != nil {
		t.Errorf("Cloud myself %v", cloudMe)
	}
}

func TestJiraDCSearchPaging(t *testing.T) {
	o := Generate(Options{Seed: 2, Now: testNow})
	j, c := newDCSite(t, o, JiraOptions{PageSize: 25})
	jql := "project in (PLAT, MOB) ORDER BY updated ASC"
	fields := "summary,status,updated,assignee," + SprintFieldID + "," + StoryPointsFieldID
	got, pages := c.dcSearchAll(url.Values{"jql": {jql}, "fields": {fields}, "maxResults": {"100"}}, 25)
	want := c.searchAll(url.Values{"jql": {jql}, "fields": {"updated"}}) // Cloud
	if len(got) != len(want) || len(got) == 0 {
		t.Fatalf("Data Center search returned %d issues, Cloud %d", len(got), len(want))
	}
	if pages < 3 {
		t.Errorf("%d pages, want ≥ 3", pages)
	}
	legacy := regexp.MustCompile(`^com\.atlassian\.greenhopper\.service\.sprint\.Sprint@[0-9a-f]+\[id=(\d+),rapidViewId=(\d+),state=(CLOSED|ACTIVE|FUTURE),name=([^,]*),`)
	withSprints, withAssignee := 0, 0
	for i, is := range got {
		if is.Key != want[i].Key || is.ID != want[i].ID {
			t.Fatalf("issue %d: %s, Cloud order has %s", i, is.Key, want[i].Key)
		}
		if !strings.Contains(is.Self, PathIssueDC) {
			t.Errorf("%s self %s", is.Key, is.Self)
		}
		if is.Changelog != nil {
			t.Errorf("changelog without expand")
		}
		oi := o.Issue(is.Key)
		var sprints []string
		if raw := is.Fields[SprintFieldID]; string(raw) != "null" {
			if err := json.Unmarshal(raw, &sprints); err != nil {
				t.Fatalf("%s: Sprint field %s is not a list of strings", is.Key, raw)
			}
		}
		var ids []int
		for _, v := range sprints {
			m := legacy.FindStringSubmatch(v)
			if m == nil {
				t.Fatalf("%s: Sprint value %q", is.Key, v)
			}
			id, _ := strconv.Atoi(m[1])
			board, _ := strconv.Atoi(m[2])
			s := o.Sprint(id)
			if board != s.OriginBoardID || m[4] != s.Name || strings.ToLower(m[3]) != s.stateAt(testNow) {
				t.Errorf("%s: Sprint value %q", is.Key, v)
			}
			ids = append(ids, id)
		}
		if !slices.Equal(ids, oi.CurrentSprints()) {
			t.Errorf("%s: sprints %v, want %v", is.Key, ids, oi.CurrentSprints())
		}
		if len(ids) > 0 {
			withSprints++
		}
		if raw := is.Fields["assignee"]; string(raw) != "null" && raw != nil {
			var u dcUser
			if err := json.Unmarshal(raw, &u); err != nil || u.Name == "" || u.DisplayName == "" || u.AccountID != nil {
				t.Errorf("%s: assignee %s", is.Key, raw)
			}
			withAssignee++
		}
	}
	if withSprints == 0 || withAssignee == 0 {
		t.Errorf("%d issues with sprints, %d with an assignee", withSprints, withAssignee)
	}
	if jqls := j.SearchJQLs(); len(jqls) == 0 || jqls[0] != jql {
		t.Errorf("recorded JQL %v", jqls)
	}
	if n := j.Requests()[PathSearchDC]; n != pages {
		t.Errorf("%d Data Center search requests, %d pages", n, pages)
	}

	// Past the end: no issues, the total still there.
	var end dcSearchPage
	c.get(PathSearchDC+"?"+url.Values{"jql": {jql}, "startAt": {strconv.Itoa(len(got) + 10)}}.Encode(), &end)
	if end.Total == nil || *end.Total != len(got) || len(end.Issues) != 0 || end.Issues == nil {
		t.Errorf("page past the end: total %v, %d issues", end.Total, len(end.Issues))
	}
	// Default fields: the navigable ones.
	var def dcSearchPage
	c.get(PathSearchDC+"?"+url.Values{"jql": {jql}, "maxResults": {"1"}}.Encode(), &def)
	if len(def.Issues) != 1 || def.Issues[0].Fields["summary"] == nil || def.Issues[0].Fields["status"] == nil {
		t.Errorf("default fields: %+v", def.Issues)
	}
	// POST pages by startAt too.
	resp, b := c.do("POST", PathSearchDC, map[string]any{"jql": jql, "startAt": 25, "maxResults": 5, "fields": []string{"updated"}})
	var post dcSearchPage
	if resp.StatusCode != 200 || json.Unmarshal(b, &post) != nil {
		t.Fatalf("POST search: %d %s", resp.StatusCode, b)
	}
	if post.StartAt != 25 || len(post.Issues) != 5 || post.Issues[0].Key != got[25].Key {
		t.Errorf("POST page: startAt %d, %d issues", post.StartAt, len(post.Issues))
	}
	for _, bad := range []string{"-1", "x"} {
		resp, b := c.do("GET", PathSearchDC+"?"+url.Values{"jql": {jql}, "startAt": {bad}}.Encode(), nil)
		expectError(t, resp, b, 400)
	}
	resp, b = c.do("GET", PathSearchDC+"?"+url.Values{"jql": {"project = PLAT OR project = MOB"}}.Encode(), nil)
	expectError(t, resp, b, 400)
	// Faults apply to Data Center paths.
	j.FailNext(PathSearchDC, 429, 1, "1")
	resp, b = c.do("GET", PathSearchDC+"?"+url.Values{"jql": {jql}}.Encode(), nil)
	expectError(t, resp, b, 429)
	if resp.Header.Get("Retry-After") != "1" {
		t.Errorf("429 without Retry-After: %v", resp.Header)
	}
}

func TestJiraDCChangelog(t *testing.T) {
	o := Generate(Options{Seed: 3, Now: testNow})
	_, c := newDCSite(t, o, JiraOptions{ChangelogEmbedLimit: 3, PageSize: 10})
	got, _ := c.dcSearchAll(url.Values{"jql": {"project = WEB ORDER BY updated ASC"}, "expand": {"changelog"},
		"fields": {"updated"}}, 10)
	truncated, sprintItems := 0, 0
	for _, is := range got {
		oi := o.Issue(is.Key)
		hs := oi.Histories
		n := min(3, len(hs))
		cl := is.Changelog
		if cl == nil || cl.Total != len(hs) || cl.StartAt != 0 || cl.MaxResults != n || len(cl.Histories) != n {
			t.Fatalf("%s: embedded changelog %+v, want %d of %d", is.Key, cl, n, len(hs))
		}
		for i, h := range cl.Histories { // the newest n, oldest first
			if want := hs[len(hs)-n+i].ID; h.ID != want {
				t.Fatalf("%s: embedded history %d = %s, want %s", is.Key, i, h.ID, want)
			}
		}
		if cl.Total <= len(cl.Histories) {
			continue
		}
		truncated++
		// GET issue: every history, oldest first, only the fields asked for.
		var full dcIssue
		c.get(PathIssueDC+is.Key+"?expand=changelog&fields=updated", &full)
		if full.Key != is.Key || len(full.Fields) != 1 || full.Fields["updated"] == nil {
			t.Errorf("%s: GET issue fields %v", is.Key, full.Fields)
		}
		fl := full.Changelog
		if fl == nil || fl.Total != len(hs) || fl.MaxResults != len(hs) || len(fl.Histories) != len(hs) {
			t.Fatalf("%s: GET issue changelog %+v, want all %d", is.Key, fl, len(hs))
		}
		for i, h := range fl.Histories {
			if h.ID != hs[i].ID || !parseJiraTime(t, h.Created).Equal(hs[i].At) || h.Author.Name == "" || h.Author.AccountID != nil {
				t.Fatalf("%s: history %d = %+v", is.Key, i, h)
			}
			for _, it := range h.Items {
				if it.FieldID != "" {
					t.Fatalf("%s: Data Center item with fieldId: %+v", is.Key, it)
				}
				if it.Field == "Sprint" {
					sprintItems++
				}
			}
		}
	}
	if truncated == 0 || sprintItems == 0 {
		t.Fatalf("%d truncated embedded changelogs, %d Sprint items", truncated, sprintItems)
	}
	// Without expand, GET issue has no changelog; there is no changelog
	// endpoint, and unknown issues are 404.
	var plain dcIssue
	c.get(PathIssueDC+"WEB-1", &plain)
	if plain.Changelog != nil || plain.Fields["summary"] == nil {
		t.Errorf("GET issue without expand: %+v", plain)
	}
	resp, b := c.do("GET", PathIssueDC+"WEB-1/changelog", nil)
	expectError(t, resp, b, 404)
	resp, b = c.do("GET", PathIssueDC+"NOPE-1?expand=changelog", nil)
	expectError(t, resp, b, 404)
	// Cloud's GET issue still embeds the newest, newest first.
	var cloud jissue
	c.get(PathIssue+got[0].Key+"?expand=changelog", &cloud)
	if hs := o.Issue(got[0].Key).Histories; cloud.Log == nil || len(hs) > 0 && cloud.Log.Histories[0].ID != hs[len(hs)-1].ID {
		t.Errorf("Cloud GET issue changelog %+v", cloud.Log)
	}
}

// TestJiraOnSearch: an OnSearch hook runs once, before the site answers
// the n-th search request, so a test can edit an issue between two pages.
// Paging by startAt then shifts as Jira's does: the edited issue moves to
// the end and the first issue of the next page is skipped.
func TestJiraOnSearch(t *testing.T) {
	o := Generate(Options{Seed: 1, Now: testNow})
	j, c := newDCSite(t, o, JiraOptions{PageSize: 5})
	jql := "project = PLAT ORDER BY updated ASC"
	all, _ := c.dcSearchAll(url.Values{"jql": {jql}, "fields": {"updated"}}, 5)
	if len(all) < 12 {
		t.Fatalf("%d PLAT issues, want ≥ 12", len(all))
	}
	edited := o.Issue(all[0].Key)
	to := StatusDone
	if edited.CurrentStatus() == StatusDone {
		to = StatusInProgress
	}
	calls := 0
	j.OnSearch(2, func() {
		calls++
		if err := o.SetStatus(edited.Key, to, testNow); err != nil {
			t.Error(err)
		}
	})
	page := func(start int) []dcIssue {
		var pg dcSearchPage
		c.get(PathSearchDC+"?"+url.Values{"jql": {jql}, "fields": {"updated"}, "startAt": {strconv.Itoa(start)}}.Encode(), &pg)
		return pg.Issues
	}
	if p := page(0); p[0].Key != edited.Key || calls != 0 {
		t.Fatalf("first page starts with %s (hook calls %d), want %s unedited", p[0].Key, calls, edited.Key)
	}
	if p := page(5); p[0].Key != all[6].Key || calls != 1 {
		t.Errorf("second page starts with %s (hook calls %d), want %s: the edit shifts the result left", p[0].Key, calls, all[6].Key)
	}
	if p := page(0); p[0].Key != all[1].Key || calls != 1 {
		t.Errorf("third search starts with %s (hook calls %d), want %s and no second call", p[0].Key, calls, all[1].Key)
	}
	if got := page(len(all) - 1); len(got) != 1 || got[0].Key != edited.Key {
		t.Errorf("last issue %v, want the edited %s", got, edited.Key)
	}
}
