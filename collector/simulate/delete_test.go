package simulate

import (
	"encoding/json"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// committedIssue returns a closed sprint with committed issues and one of
// them.
func committedIssue(t *testing.T, o *Org) (*Sprint, *Issue) {
	t.Helper()
	for _, s := range o.Sprints {
		if s.stateAt(o.Now) != SprintClosed {
			continue
		}
		t0, _ := s.T0()
		for _, is := range o.IssuesInSprintEver(s.ID) {
			for _, m := range sprintStays(is, s.ID, o.Now) {
				if !m.Entered.After(t0) && (m.Exited == nil || m.Exited.After(t0)) && is.Type != "Epic" {
					return s, is
				}
			}
		}
	}
	t.Fatal("no closed sprint with a committed issue")
	return nil, nil
}

// TestDeleteIssue: a deleted issue is served nowhere and counts in no
// sprint's truth; the truths of sprints it was never in are unchanged.
func TestDeleteIssue(t *testing.T) {
	o := Generate(Options{Seed: 3, Now: testNow, Teams: 2, Months: 3, IssuesPerSprint: 8})
	_, c := newSite(t, o, JiraOptions{PageSize: 100, BearerToken: "pat"})
	s, is := committedIssue(t, o)
	before := o.AllSprintTruths(o.Now)
	in := map[string]bool{}
	for _, sp := range o.Sprints {
		if slices.Contains(o.IssuesInSprintEver(sp.ID), is) {
			in[strconv.Itoa(sp.ID)] = true
		}
	}
	if err := o.DeleteIssue(is.Key); err != nil {
		t.Fatal(err)
	}
	if err := o.DeleteIssue(is.Key); err == nil {
		t.Error("deleting it twice: no error")
	}
	after := o.AllSprintTruths(o.Now)
	sid := strconv.Itoa(s.ID)
	if after[sid].Committed != before[sid].Committed-1 {
		t.Errorf("sprint %s committed %d → %d, want one less", sid, before[sid].Committed, after[sid].Committed)
	}
	for id, tr := range after {
		for _, ev := range tr.Events {
			if ev.IssueID == is.ID {
				t.Errorf("sprint %s still has an event of the deleted issue", id)
			}
		}
		if !in[id] && !reflect.DeepEqual(tr, before[id]) {
			t.Errorf("sprint %s, which %s was never in, changed", id, is.Key)
		}
	}

	for _, got := range c.searchAll(url.Values{"jql": {"project = " + is.Project}, "fields": {"id"}}) {
		if got.ID == is.ID {
			t.Errorf("search still returns %s", is.Key)
		}
	}
	for _, path := range []string{PathIssue + is.ID, PathIssue + is.Key, PathIssue + is.Key + "/changelog", PathIssueDC + is.ID} {
		resp, b := c.do("GET", path, nil)
		expectError(t, resp, b, 404)
	}
	resp, b := c.do("GET", PathSearch+"?"+url.Values{"jql": {"key = " + is.Key}}.Encode(), nil)
	expectError(t, resp, b, 400)
}

// TestDeleteSprint: a deleted sprint leaves every board's list and GET
// sprint, the Sprint field of its issues no longer shows it while their
// changelogs still name it, AllSprintTruths leaves it out and the other
// truths are unchanged.
func TestDeleteSprint(t *testing.T) {
	o := Generate(Options{Seed: 3, Now: testNow, Teams: 2, Months: 3, IssuesPerSprint: 8})
	_, c := newSite(t, o, JiraOptions{PageSize: 100})
	s, is := committedIssue(t, o)
	before := o.AllSprintTruths(o.Now)
	boards := slices.Clone(s.BoardIDs)
	if err := o.DeleteSprint(s.ID); err != nil {
		t.Fatal(err)
	}
	if err := o.DeleteSprint(s.ID); err == nil {
		t.Error("deleting it twice: no error")
	}
	sid := strconv.Itoa(s.ID)
	after := o.AllSprintTruths(o.Now)
	if _, ok := after[sid]; ok {
		t.Errorf("truth still reports sprint %s", sid)
	}
	delete(before, sid)
	if !maps.EqualFunc(before, after, func(a, b SprintTruth) bool { return reflect.DeepEqual(a, b) }) {
		t.Error("the other sprints' truths changed")
	}
	if tr := o.SprintTruth(sid, o.Now); tr.State != "" || tr.Committed != 0 {
		t.Errorf("SprintTruth of the deleted sprint = %+v, want the zero truth", tr)
	}

	for _, b := range boards {
		var pg sprintPage
		c.get(PathBoard+"/"+strconv.Itoa(b)+"/sprint?maxResults=50", &pg)
		for startAt := 0; ; {
			for _, sp := range pg.Values {
				if sp.ID == s.ID {
					t.Errorf("board %d still lists sprint %d", b, s.ID)
				}
			}
			if pg.IsLast {
				break
			}
			startAt += len(pg.Values)
			pg = sprintPage{}
			c.get(PathBoard+"/"+strconv.Itoa(b)+"/sprint?maxResults=50&startAt="+strconv.Itoa(startAt), &pg)
		}
	}
	resp, b := c.do("GET", PathSprint+sid, nil)
	expectError(t, resp, b, 404)

	var got jissue
	c.get(PathIssue+is.Key+"?expand=changelog&fields="+SprintFieldID, &got)
	var field []struct {
		ID int `json:"id"`
	}
	if raw := got.Fields[SprintFieldID]; raw != nil {
		if err := json.Unmarshal(raw, &field); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range field {
		if f.ID == s.ID {
			t.Errorf("%s's Sprint field still holds the deleted sprint", is.Key)
		}
	}
	// Its changelog (all of it, paged) still names the sprint, by id and name.
	var cl changelogPage
	c.get(PathIssue+is.Key+"/changelog?maxResults=100", &cl)
	named := false
	for _, h := range cl.Values {
		for _, it := range h.Items {
			for _, v := range []*string{it.From, it.To} {
				if v != nil && slices.Contains(strings.Split(*v, ", "), sid) {
					named = true
					if !strings.Contains(strOf(it.FromString)+strOf(it.ToString), s.Name) {
						t.Errorf("item %v names the sprint's id but not its name %q", it, s.Name)
					}
				}
			}
		}
	}
	if !named && len(is.InitialSprints) == 0 {
		t.Errorf("no changelog item of %s names the deleted sprint", is.Key)
	}
}

// TestJiraIDKeyset: id comparisons select by numeric id, ORDER BY id
// sorts numerically, and fields=id returns no fields: the keyset a listing
// of ids pages by. A bound that names no issue (a deleted one) is a 400.
func TestJiraIDKeyset(t *testing.T) {
	o := Generate(Options{Seed: 3, Now: testNow, Teams: 2, Months: 3, IssuesPerSprint: 8})
	_, c := newSite(t, o, JiraOptions{PageSize: 100})
	var plat []*Issue
	for _, is := range o.Issues {
		if is.Project == o.Projects[0].Key && !is.Created.After(o.Now) {
			plat = append(plat, is)
		}
	}
	if len(plat) < 20 {
		t.Fatalf("%d issues in %s: too few", len(plat), o.Projects[0].Key)
	}
	mid := plat[len(plat)/2]
	for _, tc := range []struct {
		op   string
		want func(d int) bool
	}{
		{">", func(d int) bool { return d > 0 }}, {">=", func(d int) bool { return d >= 0 }},
		{"<", func(d int) bool { return d < 0 }}, {"<=", func(d int) bool { return d <= 0 }},
	} {
		jql := "project = " + o.Projects[0].Key + " AND id " + tc.op + " " + mid.ID + " ORDER BY id ASC"
		got := c.searchAll(url.Values{"jql": {jql}, "fields": {"id"}})
		var want []string
		for _, is := range plat {
			if tc.want(compareIDs(is.ID, mid.ID)) {
				want = append(want, is.ID)
			}
		}
		var ids []string
		for _, is := range got {
			ids = append(ids, is.ID)
			if len(is.Fields) != 0 {
				t.Errorf("%s: fields=id returned fields %v", jql, is.Fields)
			}
		}
		if !reflect.DeepEqual(ids, want) {
			t.Errorf("%s: %d ids, want %d (ascending)", jql, len(ids), len(want))
		}
	}
	if err := o.DeleteIssue(mid.ID); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"id > " + mid.ID, "id > " + mid.Key, "id > x"} {
		resp, b := c.do("GET", PathSearch+"?"+url.Values{"jql": {bad}}.Encode(), nil)
		expectError(t, resp, b, 400)
	}
}

func strOf(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
