package simulate

import (
	"reflect"
	"slices"
	"testing"
)

// TestGitLabIssues: the issue list filters by state and updated time,
// orders by created_at or updated_at either way, and renders issues as
// GitLab does (milestone objects, a group milestone on another project's
// issue included).
func TestGitLabIssues(t *testing.T) {
	g := NewGitLab(glTinyOrg(t), GitLabOptions{})
	const path = "/api/v4/projects/2000/issues"
	for q, want := range map[string][]int{
		"":                                    {5, 4, 3, 2, 1}, // all, created_at desc
		"?scope=all&state=all":                {5, 4, 3, 2, 1},
		"?state=opened":                       {5, 4, 3, 2},
		"?state=closed":                       {1},
		"?updated_after=2024-01-27T12:00:00Z": {5, 4, 2}, // updated at or after
		"?updated_after=2024-01-27T12:00:01Z": {5, 4},
		"?updated_after=2024-01-27T13:00:00%2B01:00":                                             {5, 4, 2},
		"?updated_before=2024-01-15T12:00:00Z":                                                   {3, 1},
		"?created_after=2024-01-04T09:00:00Z":                                                    {5, 4, 3},
		"?order_by=updated_at":                                                                   {4, 5, 2, 1, 3},
		"?order_by=updated_at&sort=asc":                                                          {3, 1, 2, 5, 4},
		"?order_by=created_at&sort=asc":                                                          {1, 2, 3, 4, 5},
		"?order_by=updated_at&sort=asc&updated_after=2024-01-15T12:00:00.000Z&per_page=2":        {1, 2},
		"?order_by=updated_at&sort=asc&updated_after=2024-01-15T12:00:00.000Z&per_page=2&page=2": {5, 4},
		"?scope=created_by_me":                                                                   {},
	} {
		if got := glInts(glList(t, glGet(t, g, path+q)), "iid"); !slices.Equal(got, want) {
			t.Errorf("issues%s: %v, want %v", q, got, want)
		}
	}
	for _, q := range []string{"?state=open", "?order_by=priority_x", "?sort=up", "?updated_after=now", "?scope=mine"} {
		if w := glGet(t, g, path+q); w.Code != 400 {
			t.Errorf("issues%s: %d %s", q, w.Code, w.Body)
		}
	}

	byIID := map[int]map[string]any{}
	for _, x := range glList(t, glGet(t, g, path)) {
		byIID[int(x["iid"].(float64))] = x
	}
	ada := map[string]any{"id": 1001.0, "username": "ada-okafor", "name": "Ada Okafor", "state": "active", "locked": false,
		"avatar_url": "https://www.gravatar.com/avatar/3e9?s=80&d=identicon", "web_url": "https://gitlab.test/ada-okafor"}
	one := byIID[1]
	want := map[string]any{"id": 20001.0, "iid": 1.0, "project_id": 2000.0, "title": "Work PLAT-1",
		"description": "Simulated story PLAT-1.", "state": "closed", "created_at": "2024-01-02T09:00:00.000Z",
		"updated_at": "2024-01-15T12:00:00.000Z", "closed_at": "2024-01-15T12:00:00.000Z", "labels": []any{"story"},
		"assignees": []any{ada}, "assignee": ada, "author": ada, "type": "ISSUE", "issue_type": "issue",
		"web_url":    "https://gitlab.test/runway-sim/plat/-/issues/1",
		"references": map[string]any{"short": "#1", "relative": "#1", "full": "runway-sim/plat#1"}}
	if got := glPick(one, keysOf(want)...); !reflect.DeepEqual(got, want) {
		t.Errorf("PLAT-1\n got %v\nwant %v", got, want)
	}
	if by := one["closed_by"].(map[string]any); by["username"] != "ben-silva" || one["milestone"].(map[string]any)["title"] != "Alpha" {
		t.Errorf("PLAT-1 closed by %v, milestone %v", by, one["milestone"])
	}
	if byIID[4]["milestone"] != nil || byIID[4]["closed_at"] != nil || byIID[4]["closed_by"] != nil || byIID[4]["state"] != "opened" {
		t.Errorf("PLAT-4 %v", byIID[4])
	}
	ga := glList(t, glGet(t, g, "/api/v4/groups/1000/milestones?title=GA"))[0]
	if !reflect.DeepEqual(byIID[2]["milestone"], ga) || !reflect.DeepEqual(byIID[5]["milestone"], ga) {
		t.Errorf("PLAT-2's and PLAT-5's milestone %v, %v; want GA %v", byIID[2]["milestone"], byIID[5]["milestone"], ga)
	}
	mob := glList(t, glGet(t, g, "/api/v4/projects/runway-sim%2Fmob/issues"))
	if got := glInts(mob, "iid"); !slices.Equal(got, []int{2, 1}) || mob[1]["milestone"].(map[string]any)["group_id"] != 1000.0 ||
		mob[0]["milestone"] != nil || mob[0]["state"] != "closed" || mob[1]["project_id"] != 2001.0 {
		t.Errorf("MOB issues %v", mob)
	}

	// One issue, by the project's path too.
	w := glGet(t, g, "/api/v4/projects/runway-sim%2Fplat/issues/1")
	if got := glList(t, glGet(t, g, path+"?state=closed"))[0]; w.Code != 200 || w.Body.String() != string(marshalGitHub(got))+"\n" &&
		w.Body.String() != string(marshalGitHub(got)) {
		t.Errorf("GET issue 1: %d %s", w.Code, w.Body)
	}
	for _, iid := range []string{"6", "7", "x", "0"} { // created later, none, not a number
		if w := glGet(t, g, path+"/"+iid); w.Code != 404 || w.Body.String() != `{"message":"404 Issue Not Found"}` {
			t.Errorf("GET issue %s: %d %s", iid, w.Code, w.Body)
		}
	}
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
