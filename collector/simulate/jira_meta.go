package simulate

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// The simulated Jira's metadata endpoints: fields, statuses, the API user,
// the server and projects; and how users, issue types and statuses render.

// jiraCategories are Jira's status categories by the org's Category: the
// id, name and colour Jira renders a status's category with.
var jiraCategories = map[string]struct {
	id          int
	name, color string
}{
	CategoryNew:           {2, "To Do", "blue-gray"},
	CategoryIndeterminate: {4, "In Progress", "yellow"},
	CategoryDone:          {3, "Done", "green"},
}

func (j *Jira) fields(w http.ResponseWriter, r *http.Request) {
	std := func(id, name string, schema map[string]any, navigable bool) map[string]any {
		return map[string]any{"id": id, "key": id, "name": name, "custom": false, "orderable": true,
			"navigable": navigable, "searchable": true, "clauseNames": []string{id}, "schema": schema}
	}
	custom := func(id, name string, schema map[string]any) map[string]any {
		n, _ := strconv.Atoi(strings.TrimPrefix(id, "customfield_"))
		return map[string]any{"id": id, "key": id, "name": name, "untranslatedName": name, "custom": true,
			"orderable": true, "navigable": true, "searchable": true,
			"clauseNames": []string{fmt.Sprintf("cf[%d]", n), name}, "schema": schema}
	}
	// Data Center's Sprint field holds strings, and its story points field
	// is a plain number field named "Story Points".
	sprintItems, pointsName := "json", "Story point estimate"
	pointsSchema := map[string]any{"type": "number", "custom": "com.pyxis.greenhopper.jira:jsw-story-points", "customId": 10016}
	if viewOf(r).dc {
		sprintItems, pointsName = "string", "Story Points"
		pointsSchema = map[string]any{"type": "number", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:float", "customId": 10016}
	}
	writeJSON(w, http.StatusOK, []any{
		std("summary", "Summary", map[string]any{"type": "string", "system": "summary"}, true),
		std("status", "Status", map[string]any{"type": "status", "system": "status"}, true),
		std("issuetype", "Issue Type", map[string]any{"type": "issuetype", "system": "issuetype"}, true),
		std("project", "Project", map[string]any{"type": "project", "system": "project"}, true),
		std("created", "Created", map[string]any{"type": "datetime", "system": "created"}, true),
		std("updated", "Updated", map[string]any{"type": "datetime", "system": "updated"}, true),
		std("resolutiondate", "Resolved", map[string]any{"type": "datetime", "system": "resolutiondate"}, true),
		std("resolution", "Resolution", map[string]any{"type": "resolution", "system": "resolution"}, true),
		std("assignee", "Assignee", map[string]any{"type": "user", "system": "assignee"}, true),
		std("parent", "Parent", map[string]any{"type": "issuelink", "system": "parent"}, true),
		std("labels", "Labels", map[string]any{"type": "array", "items": "string", "system": "labels"}, true),
		std("fixVersions", "Fix versions", map[string]any{"type": "array", "items": "version", "system": "fixVersions"}, true),
		custom(RankFieldID, "Rank", map[string]any{"type": "any", "custom": "com.pyxis.greenhopper.jira:gh-lexo-rank", "customId": 10019}),
		custom(StoryPointsFieldID, pointsName, pointsSchema),
		custom(SprintFieldID, "Sprint", map[string]any{"type": "array", "items": sprintItems, "custom": "com.pyxis.greenhopper.jira:gh-sprint", "customId": 10020}),
		custom("customfield_10014", "Epic Link", map[string]any{"type": "any", "custom": "com.pyxis.greenhopper.jira:gh-epic-link", "customId": 10014}),
	})
}

// statusJSON renders a status, its category as Jira's (or as the Status
// overrides it).
func (j *Jira) statusJSON(v view, s Status) map[string]any {
	c := jiraCategories[s.Category]
	if s.CategoryID != 0 {
		c.id = s.CategoryID
	}
	if s.CategoryName != "" {
		c.name = s.CategoryName
	}
	if s.ColorName != "" {
		c.color = s.ColorName
	}
	return map[string]any{
		"self": v.api() + "/status/" + s.ID, "description": "", "iconUrl": v.base + "/images/icons/statuses/generic.png",
		"name": s.Name, "untranslatedName": s.Name, "id": s.ID,
		"statusCategory": map[string]any{
			"self": v.api() + "/statuscategory/" + strconv.Itoa(c.id),
			"id":   c.id, "key": s.Category, "colorName": c.color, "name": c.name,
		},
	}
}

func (j *Jira) statuses(w http.ResponseWriter, r *http.Request) {
	v := viewOf(r)
	out := make([]any, 0, len(j.org.Statuses))
	for _, s := range j.org.Statuses {
		out = append(out, j.statusJSON(v, s))
	}
	writeJSON(w, http.StatusOK, out)
}

func (j *Jira) myself(w http.ResponseWriter, r *http.Request) {
	if v := viewOf(r); v.dc {
		writeJSON(w, http.StatusOK, map[string]any{
			"self": v.api() + "/user?username=runway-bot", "key": "JIRAUSER10100", "name": "runway-bot",
			"emailAddress": j.opts.Email, "displayName": "Runway bot", "active": true, "deleted": false,
			"timeZone": j.opts.TimeZone, "locale": "en_US",
		})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"self": baseURL(r) + PathMyself, "accountId": "712020:simulated-bot", "accountType": "atlassian",
		"emailAddress": j.opts.Email, "displayName": "Runway bot", "active": true, "timeZone": j.opts.TimeZone,
	})
}

func (j *Jira) serverInfo(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"baseUrl": baseURL(r), "version": "1001.0.0-SNAPSHOT", "versionNumbers": []int{1001, 0, 0},
		"deploymentType": "Cloud", "buildNumber": 100265, "serverTime": j.opts.Now().UTC().Format(jiraTime),
		"serverTitle": "Simulated Jira",
	})
}

func (j *Jira) projectJSON(v view, p *Project) map[string]any {
	return map[string]any{"self": v.api() + "/project/" + p.ID, "id": p.ID, "key": p.Key, "name": p.Name,
		"projectTypeKey": "software", "simplified": false}
}

func (j *Jira) projects(w http.ResponseWriter, r *http.Request) {
	v := viewOf(r)
	out := []any{}
	for i := range j.org.Projects {
		out = append(out, j.projectJSON(v, &j.org.Projects[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

var issueTypeIDs = map[string]string{"Epic": "10000", "Story": "10001", "Task": "10002", "Bug": "10004"}

func (j *Jira) userJSON(v view, id string) any {
	if id == "" {
		return nil
	}
	u := j.org.userByID[id]
	if v.dc { // Data Center users have a name and a key, no accountId
		name := strings.ReplaceAll(strings.ToLower(u.DisplayName), " ", ".")
		return map[string]any{"self": v.api() + "/user?username=" + name, "name": name, "key": name,
			"displayName": u.DisplayName, "active": true, "timeZone": "Etc/UTC"}
	}
	return map[string]any{"self": v.api() + "/user?accountId=" + id, "accountId": id,
		"displayName": u.DisplayName, "active": true, "timeZone": "Etc/UTC", "accountType": "atlassian"}
}

func (j *Jira) issueTypeJSON(v view, name string) map[string]any {
	id := issueTypeIDs[name]
	lvl := 0
	if name == "Epic" {
		lvl = 1
	}
	return map[string]any{"self": v.api() + "/issuetype/" + id, "id": id, "description": "",
		"iconUrl": v.base + "/images/icons/issuetypes/" + strings.ToLower(name) + ".svg",
		"name":    name, "subtask": false, "hierarchyLevel": lvl}
}
