package simulate

import (
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"
)

type jversion struct {
	Self            string `json:"self"`
	ID              string `json:"id"`
	Name            string `json:"name"`
	Description     string `json:"description"`
	Archived        bool   `json:"archived"`
	Released        bool   `json:"released"`
	Overdue         *bool  `json:"overdue"`
	StartDate       string `json:"startDate"`
	ReleaseDate     string `json:"releaseDate"`
	UserReleaseDate string `json:"userReleaseDate"`
	ProjectID       int    `json:"projectId"`
	IssuesStatus    *struct {
		Unmapped, ToDo, InProgress, Done int
	} `json:"issuesStatusForFixVersion"`
}

type versionPage struct {
	Self       string     `json:"self"`
	NextPage   string     `json:"nextPage"`
	MaxResults int        `json:"maxResults"`
	StartAt    int        `json:"startAt"`
	Total      int        `json:"total"`
	IsLast     bool       `json:"isLast"`
	Values     []jversion `json:"values"`
}

// cloudVersions pages through a project's versions 2 at a time, checking
// every page's paging fields, and returns them with the page count.
func (c *tclient) cloudVersions(project, expand string) (out []jversion, pages int) {
	c.t.Helper()
	for start := 0; ; pages++ {
		var p versionPage
		c.get("/rest/api/3/project/"+project+"/version?startAt="+strconv.Itoa(start)+"&maxResults=50&expand="+expand, &p)
		if p.StartAt != start || p.MaxResults != 2 || len(p.Values) > 2 || p.IsLast != (start+len(p.Values) >= p.Total) ||
			p.IsLast == (p.NextPage != "") || p.Self == "" {
			c.t.Fatalf("page at %d: %+v", start, p)
		}
		out = append(out, p.Values...)
		start += len(p.Values)
		if p.IsLast {
			return out, pages + 1
		}
	}
}

func TestJiraVersionsPagingAndShape(t *testing.T) {
	o := Generate(Options{Seed: 1, Now: testNow})
	j, c := newSite(t, o, JiraOptions{VersionPageSize: 2})
	now := o.Now
	p := o.Projects[0]
	got, pages := c.cloudVersions(p.Key, "issuesstatus")
	var want []string
	for _, m := range o.Milestones {
		if m.Project == p.Key {
			want = append(want, m.ID)
		}
	}
	var ids []string
	for _, v := range got {
		ids = append(ids, v.ID)
	}
	if !slices.Equal(ids, want) || pages < 3 {
		t.Fatalf("versions %v in %d pages, want %v in ≥ 3", ids, pages, want)
	}
	pid, _ := strconv.Atoi(p.ID)
	for _, v := range got {
		m := o.Milestone(v.ID)
		if v.Name != m.Name || v.ProjectID != pid || v.Self != c.base+"/rest/api/3/version/"+v.ID || v.Overdue == nil {
			t.Errorf("version %+v", v)
		}
		if due := m.DueAt(now); due == nil && v.ReleaseDate != "" || due != nil && v.ReleaseDate != due.Format("2006-01-02") {
			t.Errorf("%s: releaseDate %q, due %v", m.Name, v.ReleaseDate, due)
		}
		if m.Start != nil && v.StartDate != m.Start.Format("2006-01-02") {
			t.Errorf("%s: startDate %q", m.Name, v.StartDate)
		}
		if v.Released != m.ReleasedAt(now) || v.Archived != m.ArchivedAt(now) {
			t.Errorf("%s: released %v archived %v", m.Name, v.Released, v.Archived)
		}
		var open, done int
		for _, is := range o.IssuesInMilestoneEver(m.ID) {
			if slices.Contains(is.VersionsAt(now), m.ID) {
				if o.statusCategory(is.StatusAt(now)) == CategoryDone {
					done++
				} else {
					open++
				}
			}
		}
		if st := v.IssuesStatus; st == nil || st.ToDo+st.InProgress != open || st.Done != done || st.Unmapped != 0 {
			t.Errorf("%s: issue counts %+v, want %d open, %d done", m.Name, st, open, done)
		}
		// Overdue: unreleased and due before today (the overdue and the
		// archived scenarios).
		due := m.DueAt(now)
		overdue := !m.ReleasedAt(now) && due != nil && due.Before(StartOfDay(now))
		if *v.Overdue != overdue || overdue != (m.Scenario == ScenarioOverdue || m.Scenario == ScenarioArchived) {
			t.Errorf("%s: overdue %v", m.Name, *v.Overdue)
		}
		if m.Scenario == ScenarioOverdue && v.UserReleaseDate != m.DueAt(now).Format("2/Jan/2006") {
			t.Errorf("%s: userReleaseDate %q", m.Name, v.UserReleaseDate)
		}
	}
	// Without the expand, no counts.
	plain, _ := c.cloudVersions(p.Key, "")
	if plain[0].IssuesStatus != nil {
		t.Error("issuesStatusForFixVersion without expand=issuesstatus")
	}
	// By project id too; an unknown project is a 404.
	var byID versionPage
	c.get("/rest/api/3/project/"+p.ID+"/version", &byID)
	if byID.Total != len(want) {
		t.Errorf("by project id: %d versions", byID.Total)
	}
	resp, b := c.do("GET", "/rest/api/3/project/NOPE/version", nil)
	expectError(t, resp, b, http.StatusNotFound)

	// Behind the Faults middleware like every route.
	j.FailNext("/rest/api/3/project/", http.StatusServiceUnavailable, 1, "")
	resp, b = c.do("GET", "/rest/api/3/project/"+p.Key+"/version", nil)
	expectError(t, resp, b, http.StatusServiceUnavailable)
	if n := j.Requests()["/rest/api/3/project/"+p.Key+"/version"]; n < pages+2 {
		t.Errorf("%d requests counted", n)
	}
}

func TestJiraVersionsDataCenter(t *testing.T) {
	o := Generate(Options{Seed: 2, Now: testNow})
	_, c := newDCSite(t, o, JiraOptions{VersionPageSize: 2})
	p := o.Projects[0]
	var got []jversion
	c.get("/rest/api/2/project/"+p.Key+"/versions", &got)
	var n int
	for _, m := range o.Milestones {
		if m.Project == p.Key {
			n++
		}
	}
	if len(got) != n || n < 6 { // one array, whatever the page size
		t.Fatalf("%d versions, want %d", len(got), n)
	}
	for _, v := range got {
		if v.Self != c.base+"/rest/api/2/version/"+v.ID || v.IssuesStatus != nil {
			t.Errorf("DC version %+v", v)
		}
	}
	var one jversion
	c.get(PathVersionDC+got[0].ID, &one)
	if one.ID != got[0].ID || one.Name != got[0].Name {
		t.Errorf("GET version: %+v", one)
	}
}

// TestJiraVersionsAsOfClock: the site's clock decides what a version looks
// like: not listed (404 on GET) before its creation, its due date and
// release as they were, an issue's fixVersions and changelog as they were.
func TestJiraVersionsAsOfClock(t *testing.T) {
	o := Generate(Options{Seed: 3, Now: testNow})
	now := o.Now
	clock := now.AddDate(0, 0, -14)
	_, c := newSite(t, o, JiraOptions{VersionPageSize: 2, Now: func() time.Time { return clock }})
	p := o.Projects[0].Key
	late := o.MilestonesByScenario(ScenarioLate)[0]
	moved := o.MilestonesByScenario(ScenarioDueMovedTwice)[0]
	nodates := o.MilestonesByScenario(ScenarioNoDates)[0]
	byID := func(vs []jversion) map[string]jversion {
		out := map[string]jversion{}
		for _, v := range vs {
			out[v.ID] = v
		}
		return out
	}
	day := func(d int) string { return now.AddDate(0, 0, d).Format("2006-01-02") }

	vs, _ := c.cloudVersions(p, "")
	at := byID(vs)
	if v := at[late.ID]; v.Released || v.ReleaseDate != day(-30) || !*v.Overdue {
		t.Errorf("late version at N−14d: %+v", v)
	}
	if v := at[moved.ID]; v.ReleaseDate != day(10) {
		t.Errorf("moved version at N−14d: %+v", v)
	}
	if v, ok := at[nodates.ID]; !ok || v.ReleaseDate != "" || v.StartDate != "" {
		t.Errorf("version without dates: %+v (listed %v)", v, ok)
	}

	clock = now
	at = byID(func() []jversion { vs, _ := c.cloudVersions(p, ""); return vs }())
	if v := at[late.ID]; !v.Released || v.ReleaseDate != late.Released.Format("2006-01-02") || *v.Overdue {
		t.Errorf("late version at N: %+v", v)
	}
	if v := at[moved.ID]; v.ReleaseDate != day(35) {
		t.Errorf("moved version at N: %+v", v)
	}

	// Before its creation: not listed, GET version 404.
	clock = nodates.Created.Add(-time.Second)
	at = byID(func() []jversion { vs, _ := c.cloudVersions(p, ""); return vs }())
	if _, ok := at[nodates.ID]; ok {
		t.Error("version listed before its creation")
	}
	resp, b := c.do("GET", PathVersion+nodates.ID, nil)
	expectError(t, resp, b, http.StatusNotFound)
	clock = now
	var v jversion
	c.get(PathVersion+nodates.ID, &v)
	// Deleted: 404.
	if err := o.DeleteMilestone(nodates.ID); err != nil {
		t.Fatal(err)
	}
	resp, b = c.do("GET", PathVersion+nodates.ID, nil)
	expectError(t, resp, b, http.StatusNotFound)
	resp, b = c.do("GET", PathVersionDC+nodates.ID, nil)
	expectError(t, resp, b, http.StatusNotFound)
}

// TestJiraFixVersionsFieldAndChangelog: an issue's fixVersions field and
// its Fix Version changelog items, in both flavours, as of the clock.
func TestJiraFixVersionsFieldAndChangelog(t *testing.T) {
	o := Generate(Options{Seed: 4, Now: testNow})
	slip := o.MilestonesByScenario(ScenarioSlipping)[0]
	moved := o.MilestonesByScenario(ScenarioDueMovedTwice)[0]
	var both *Issue // in both, entering the second by an item
	for _, is := range o.IssuesInMilestoneEver(moved.ID) {
		if slices.Contains(is.InitialVersions, slip.ID) {
			both = is
		}
	}
	if both == nil {
		t.Fatal("no issue in two versions")
	}
	var entered time.Time
	for _, h := range both.Histories {
		if h.Items[0].Field == FieldFixVersion {
			entered = h.At
		}
	}
	clock := o.Now
	_, c := newSite(t, o, JiraOptions{Now: func() time.Time { return clock }})
	type fixIssue struct {
		Fields struct {
			FixVersions []jversion `json:"fixVersions"`
		} `json:"fields"`
		Changelog struct {
			Histories []struct {
				Items []map[string]any `json:"items"`
			} `json:"histories"`
		} `json:"changelog"`
	}
	ids := func(is fixIssue) []string {
		var out []string
		for _, v := range is.Fields.FixVersions {
			out = append(out, v.ID)
		}
		return out
	}
	var cur fixIssue
	c.get(PathIssue+both.Key+"?expand=changelog", &cur)
	if got := ids(cur); !slices.Equal(got, []string{slip.ID, moved.ID}) {
		t.Errorf("fixVersions = %v", got)
	}
	if v := cur.Fields.FixVersions[0]; v.Name != slip.Name || v.ReleaseDate == "" || v.Self == "" {
		t.Errorf("fixVersions[0] = %+v", v)
	}
	found := false
	for _, h := range cur.Changelog.Histories {
		for _, it := range h.Items {
			if it["fieldId"] != "fixVersions" {
				continue
			}
			found = true
			if it["field"] != "Fix Version" || it["from"] != nil || it["fromString"] != nil || it["to"] != moved.ID ||
				it["toString"] != moved.Name {
				t.Errorf("Fix Version item %+v", it)
			}
		}
	}
	if !found {
		t.Error("no Fix Version item in the changelog")
	}
	// Before it entered the second version: only the first.
	clock = entered.Add(-time.Second)
	var before fixIssue
	c.get(PathIssue+both.Key, &before)
	if got := ids(before); !slices.Equal(got, []string{slip.ID}) {
		t.Errorf("fixVersions before the entry = %v", got)
	}
	// Search renders the field too.
	clock = o.Now
	var page struct {
		Issues []fixIssue `json:"issues"`
	}
	c.get(PathSearch+"?jql=key%20%3D%20"+both.Key+"&fields=fixVersions", &page)
	if len(page.Issues) != 1 || !slices.Equal(ids(page.Issues[0]), []string{slip.ID, moved.ID}) {
		t.Errorf("search: %+v", page.Issues)
	}

	// Data Center: no fieldId, the field's name only.
	_, dc := newDCSite(t, o, JiraOptions{})
	var dcIssue struct {
		Fields struct {
			FixVersions []jversion `json:"fixVersions"`
		} `json:"fields"`
		Changelog struct {
			Histories []struct {
				Items []map[string]any `json:"items"`
			} `json:"histories"`
		} `json:"changelog"`
	}
	dc.get(PathIssueDC+both.Key+"?expand=changelog", &dcIssue)
	if len(dcIssue.Fields.FixVersions) != 2 {
		t.Errorf("DC fixVersions = %+v", dcIssue.Fields.FixVersions)
	}
	found = false
	for _, h := range dcIssue.Changelog.Histories {
		for _, it := range h.Items {
			if it["field"] == "Fix Version" {
				_, hasID := it["fieldId"]
				found = !hasID && it["to"] == moved.ID && it["from"] == nil
			}
		}
	}
	if !found {
		t.Errorf("DC changelog has no Fix Version item without fieldId: %+v", dcIssue.Changelog)
	}
}
