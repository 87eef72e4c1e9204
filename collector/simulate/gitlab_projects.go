package simulate

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The simulated GitLab's group and projects ("Groups API": Get a single
// group, List a group's projects; "Projects API": Get a single project).

// groupName is the group's name: the last part of its full path.
func (g *GitLab) groupName() string { return g.opts.Group[strings.LastIndexByte(g.opts.Group, '/')+1:] }

// groupJSON renders the group as "Get a single group" does (without its
// projects), created an hour before its first project.
func (g *GitLab) groupJSON(base string) map[string]any {
	created := g.org.Now.UTC()
	if len(g.projects) > 0 {
		created = g.projects[0].created.Add(-time.Hour).UTC()
	}
	return map[string]any{"id": GitLabGroupID, "web_url": base + "/groups/" + g.opts.Group, "name": g.groupName(),
		"path": g.groupName(), "description": "Simulated group", "visibility": "private", "full_name": g.groupName(),
		"full_path": g.opts.Group, "parent_id": nil, "created_at": created.Format(glTime)}
}

// projectJSON renders a project as "List a group's projects" and "Get a
// single project" do (the fields a client reads, and a few more).
func (g *GitLab) projectJSON(base string, p *glProject) map[string]any {
	full, web := g.FullPath(p.key), base+"/"+g.FullPath(p.key)
	api := base + PathGitLabProjects + strconv.FormatInt(p.id, 10)
	created := p.created.UTC().Format(glTime)
	return map[string]any{
		"id": p.id, "description": "Simulated project " + p.key, "name": p.name,
		"name_with_namespace": g.groupName() + " / " + p.name, "path": p.path,
		"path_with_namespace": full, "created_at": created, "last_activity_at": created, "default_branch": "main",
		"web_url": web, "http_url_to_repo": web + ".git", "archived": false, "visibility": "private",
		"issues_enabled": true, "empty_repo": false,
		"namespace": map[string]any{"id": GitLabGroupID, "name": g.groupName(), "path": g.groupName(),
			"kind": "group", "full_path": g.opts.Group, "parent_id": nil, "web_url": base + "/groups/" + g.opts.Group},
		"_links": map[string]any{"self": api, "issues": api + "/issues", "labels": api + "/labels", "events": api + "/events"},
	}
}

// group serves Get a single group; its projects are embedded unless
// with_projects=false (deprecated in the API, still answered).
func (g *GitLab) group(w http.ResponseWriter, r *http.Request) {
	if !g.groupOf(r) {
		gitlabError(w, http.StatusNotFound, "message", "404 Group Not Found")
		return
	}
	base := baseURL(r)
	out := g.groupJSON(base)
	if r.URL.Query().Get("with_projects") != "false" {
		ps := make([]any, 0, len(g.projects))
		for _, p := range g.projects {
			ps = append(ps, g.projectJSON(base, p))
		}
		out["projects"] = ps
	}
	answerJSON(w, out)
}

// project serves Get a single project.
func (g *GitLab) project(w http.ResponseWriter, r *http.Request) {
	p := g.projectOf(r)
	if p == nil {
		gitlabError(w, http.StatusNotFound, "message", "404 Project Not Found")
		return
	}
	answerJSON(w, g.projectJSON(baseURL(r), p))
}

// groupProjects serves List a group's projects: include_subgroups (the
// group has none), archived (none is), id_after, id_before, order_by
// (id, name, path, created_at, updated_at, last_activity_at; default
// created_at), sort (default desc; ties by id desc); offset pagination,
// or keyset pagination (pagination=keyset, order_by=id only) by Link.
func (g *GitLab) groupProjects(w http.ResponseWriter, r *http.Request) {
	if !g.groupOf(r) {
		gitlabError(w, http.StatusNotFound, "message", "404 Group Not Found")
		return
	}
	q := r.URL.Query()
	orderBy, ok := queryEnum(q.Get("order_by"), "created_at", "id", "name", "path", "updated_at", "last_activity_at")
	if !ok {
		gitlabError(w, http.StatusBadRequest, "error", "order_by does not have a valid value")
		return
	}
	dir, ok := queryEnum(q.Get("sort"), "desc", "asc")
	if !ok {
		gitlabError(w, http.StatusBadRequest, "error", "sort does not have a valid value")
		return
	}
	after, errA := glQueryID(q.Get("id_after"))
	before, errB := glQueryID(q.Get("id_before"))
	if errA != nil || errB != nil {
		gitlabError(w, http.StatusBadRequest, "error", "id_after, id_before are invalid")
		return
	}
	var sel []*glProject
	for _, p := range g.projects {
		if q.Get("archived") != "true" && (after == 0 || p.id > after) && (before == 0 || p.id < before) {
			sel = append(sel, p)
		}
	}
	key := func(p *glProject) string {
		switch orderBy {
		case "id":
			return ""
		case "name":
			return strings.ToLower(p.name)
		case "path":
			return p.path
		}
		return p.created.UTC().Format(glTime)
	}
	sortDir(sel, dir, func(a, b *glProject) int { return strings.Compare(key(a), key(b)) },
		func(p *glProject) int64 { return p.id })
	base := baseURL(r)
	render := func(p *glProject) any { return g.projectJSON(base, p) }
	if q.Get("pagination") == "keyset" {
		if orderBy != "id" {
			gitlabError(w, http.StatusMethodNotAllowed, "error", "Keyset pagination is not yet available for this type of request")
			return
		}
		writeGitLabKeyset(g, w, r, sel, dir, func(p *glProject) int64 { return p.id }, render)
		return
	}
	writeGitLabList(g, w, r, sel, render)
}

// glQueryID reads an id query value (0 when empty).
func glQueryID(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	return strconv.ParseInt(v, 10, 64)
}
