package simulate

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestGitLabIsASite(t *testing.T) {
	org := glTinyOrg(t)
	g := NewGitLab(org, GitLabOptions{})
	var s Site = g
	if s.Vendor() != VendorGitLab || VendorGitLab != "gitlab" || s.Org() != org || s.Faults() == nil {
		t.Fatalf("site: vendor %q, org %p (want %p), faults %v", s.Vendor(), s.Org(), org, s.Faults())
	}
	if g.ProjectPath("MOB") != "/api/v4/projects/2001" || g.FullPath("MOB") != "runway-sim/mob" ||
		g.GroupPath() != "/api/v4/groups/1000" || g.ProjectID("NOPE") != 0 {
		t.Errorf("paths %s %s %s", g.ProjectPath("MOB"), g.FullPath("MOB"), g.GroupPath())
	}
	if o := g.Options(); o.PageSize != 20 || o.MaxPerPage != 100 || o.Group != "runway-sim" || o.Token != DefaultToken {
		t.Errorf("defaults %+v", o)
	}
}

// TestGitLabMilestones: group milestones (the first project's) and
// project milestones, with GitLab's fields, dates as days, expired as of
// the clock's day, the documented filters and the default order (due
// date ascending, none last, then id descending).
func TestGitLabMilestones(t *testing.T) {
	g := NewGitLab(glTinyOrg(t), GitLabOptions{})
	alpha := map[string]any{"id": 10100.0, "iid": 1.0, "group_id": 1000.0, "title": "Alpha", "description": "First cut",
		"state": "closed", "created_at": "2024-01-01T00:00:00.000Z", "updated_at": "2024-01-22T10:00:00.000Z",
		"due_date": "2024-01-20", "start_date": "2024-01-02", "expired": true,
		"web_url": "https://gitlab.test/groups/runway-sim/-/milestones/1"}
	for _, path := range []string{"/api/v4/groups/1000/milestones", "/api/v4/groups/runway-sim/milestones"} {
		ms := glList(t, glGet(t, g, path))
		if len(ms) != 3 || !reflect.DeepEqual(ms[0], alpha) {
			t.Fatalf("%s: %v\nwant first %v", path, ms, alpha)
		}
		type row struct {
			Title, State string
			Due, Start   any
			Expired      bool
			Updated      string
		}
		var got []row
		for _, m := range ms[1:] {
			got = append(got, row{m["title"].(string), m["state"].(string), m["due_date"], m["start_date"], m["expired"].(bool),
				m["updated_at"].(string)})
			if m["project_id"] != nil || m["group_id"] != 1000.0 {
				t.Errorf("group milestone %v", m)
			}
		}
		want := []row{{"Beta refresh", "active", "2024-02-10", nil, false, "2024-01-26T00:00:00.000Z"},
			{"GA", "active", nil, nil, false, "2024-01-03T00:00:00.000Z"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s\n got %+v\nwant %+v", path, got, want)
		}
	}
	mob1 := map[string]any{"id": 10200.0, "iid": 1.0, "project_id": 2001.0, "title": "MOB 1", "description": "",
		"state": "active", "created_at": "2024-01-01T00:00:00.000Z", "updated_at": "2024-01-01T00:00:00.000Z",
		"due_date": "2024-01-31", "start_date": "2024-01-01", "expired": true,
		"web_url": "https://gitlab.test/runway-sim/mob/-/milestones/1"}
	if ms := glList(t, glGet(t, g, "/api/v4/projects/runway-sim%2Fmob/milestones")); len(ms) != 2 || !reflect.DeepEqual(ms[0], mob1) {
		t.Errorf("MOB milestones %v\nwant first %v", ms, mob1)
	}
	for q, want := range map[string][]int{
		"/groups/1000/milestones?state=active":                                  {10101, 10102},
		"/groups/1000/milestones?state=closed":                                  {10100},
		"/groups/1000/milestones?state=all":                                     {10100, 10101, 10102},
		"/groups/1000/milestones?title=GA":                                      {10102},
		"/groups/1000/milestones?title=ga":                                      {},
		"/groups/1000/milestones?title=Beta":                                    {}, // its title now is "Beta refresh"
		"/groups/1000/milestones?search=REFRESH":                                {10101},
		"/groups/1000/milestones?search=first":                                  {10100}, // the description
		"/groups/1000/milestones?updated_after=2024-01-26T00:00:00Z":            {10101},
		"/groups/1000/milestones?updated_after=2024-01-26T00:00:01Z":            {},
		"/groups/1000/milestones?updated_before=2024-01-03T00:00:00Z":           {10102},
		"/groups/1000/milestones?updated_before=2024-01-22T10:00:00.000Z":       {10100, 10102},
		"/groups/1000/milestones?iids[]=2&iids[]=3":                             {10101, 10102},
		"/projects/2001/milestones":                                             {10200, 10201},
		"/projects/2001/milestones?iids[]=2":                                    {10201},
		"/projects/2001/milestones?include_ancestors=true":                      {10100, 10200, 10101, 10201, 10102},
		"/projects/2001/milestones?include_ancestors=true&iids[]=2":             {10100, 10200, 10101, 10201, 10102},
		"/projects/2001/milestones?include_parent_milestones=true&state=closed": {10100},
		"/projects/2000/milestones":                                             {}, // PLAT's are the group's
		"/projects/runway-sim%2Fplat/milestones?include_ancestors=true":         {10100, 10101, 10102},
	} {
		if got := glInts(glList(t, glGet(t, g, "/api/v4"+q)), "id"); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
	}
	for _, q := range []string{"/groups/1000/milestones?state=opened", "/projects/2001/milestones?updated_after=yesterday"} {
		if w := glGet(t, g, "/api/v4"+q); w.Code != 400 {
			t.Errorf("%s: %d %s", q, w.Code, w.Body)
		}
	}
	for _, q := range []string{"/groups/999/milestones", "/groups/other/milestones", "/projects/2002/milestones"} {
		if w := glGet(t, g, "/api/v4"+q); w.Code != 404 {
			t.Errorf("%s: %d %s", q, w.Code, w.Body)
		}
	}
}

// TestGitLabMilestonesAsOfClock: before the release, the due move and the
// rename; expired by the clock's day.
func TestGitLabMilestonesAsOfClock(t *testing.T) {
	for at, want := range map[time.Time][][4]any{
		time.Date(2024, 1, 20, 23, 59, 59, 0, time.UTC): {{"Alpha", "active", "2024-01-20", false},
			{"Beta", "active", "2024-01-31", false}, {"GA", "active", nil, false}},
		time.Date(2024, 1, 21, 0, 0, 0, 0, time.UTC): {{"Alpha", "active", "2024-01-20", true},
			{"Beta", "active", "2024-01-31", false}, {"GA", "active", nil, false}},
		time.Date(2024, 1, 2, 12, 0, 0, 0, time.UTC): {{"Alpha", "active", "2024-01-20", false},
			{"Beta", "active", "2024-01-31", false}},
	} {
		g := NewGitLab(glTinyOrg(t), GitLabOptions{Now: func() time.Time { return at }})
		var got [][4]any
		for _, m := range glList(t, glGet(t, g, "/api/v4/groups/1000/milestones")) {
			got = append(got, [4]any{m["title"], m["state"], m["due_date"], m["expired"]})
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("at %s\n got %v\nwant %v", at, got, want)
		}
	}
}
