package simulate

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The simulated GitLab's projects and their lookup, users ("Users API":
// the token's user) and routes. The endpoints of the group and its
// projects are in gitlab_projects.go.

// glTime is how GitLab writes instants (ISO 8601, UTC, milliseconds).
const glTime = "2006-01-02T15:04:05.000Z"

// glDay is how GitLab writes a date (due_date, start_date).
const glDay = time.DateOnly

// glProject is the GitLab project of one org project.
type glProject struct {
	key     string // org project key
	name    string
	path    string // lower-case key
	id      int64
	idx     int
	created time.Time
}

// buildProjects lays out one project per org project, created a day
// before the org's first issue or milestone (an hour apart). Callers hold
// the org's read lock.
func (g *GitLab) buildProjects() []*glProject {
	start := g.orgStart()
	out := make([]*glProject, 0, len(g.org.Projects))
	for i, p := range g.org.Projects {
		out = append(out, &glProject{key: p.Key, name: p.Name, path: strings.ToLower(p.Key),
			id: int64(GitLabProjectIDBase + i), idx: i, created: StartOfDay(start).AddDate(0, 0, -1).Add(time.Duration(i) * time.Hour)})
	}
	return out
}

// orgStart is the org's first issue or milestone creation (its Now less a
// year when it has none). Callers hold the org's read lock.
func (g *GitLab) orgStart() time.Time {
	var start time.Time
	first := func(t time.Time) {
		if start.IsZero() || t.Before(start) {
			start = t
		}
	}
	for _, is := range g.org.Issues {
		first(is.Created)
	}
	for _, m := range g.org.Milestones {
		first(m.Created)
	}
	if start.IsZero() {
		return g.org.Now.AddDate(-1, 0, 0)
	}
	return start
}

// FullPath is project's GitLab path: "{Group}/{lower(project)}".
func (g *GitLab) FullPath(project string) string {
	return g.opts.Group + "/" + strings.ToLower(project)
}

// ProjectID is project's GitLab id (0 for a project the org does not have).
func (g *GitLab) ProjectID(project string) int64 {
	if p := g.projectByKey(project); p != nil {
		return p.id
	}
	return 0
}

// ProjectPath is the API path of project by id: PathGitLabProjects +
// "{id}"; FailNext prefixes and Requests keys start with it
// ("+/issues", "+/milestones", "+/issues/12/resource_milestone_events").
func (g *GitLab) ProjectPath(project string) string {
	return PathGitLabProjects + strconv.FormatInt(g.ProjectID(project), 10)
}

// GroupPath is the API path of the group by id: PathGitLabGroups + "1000".
func (g *GitLab) GroupPath() string { return PathGitLabGroups + strconv.Itoa(GitLabGroupID) }

func (g *GitLab) projectByKey(key string) *glProject {
	for _, p := range g.projects {
		if p.key == key {
			return p
		}
	}
	return nil
}

// groupMilestone reports whether m is a group milestone: one of the org's
// first project.
func (g *GitLab) groupMilestone(m *Milestone) bool {
	return len(g.projects) > 0 && m.Project == g.projects[0].key
}

// projectOf finds the project a request names by id or full path (any
// case); nil when there is none.
func (g *GitLab) projectOf(r *http.Request) *glProject {
	id := r.PathValue("id")
	for _, p := range g.projects {
		if strconv.FormatInt(p.id, 10) == id || strings.EqualFold(g.FullPath(p.key), id) {
			return p
		}
	}
	return nil
}

// groupOf reports whether a request names the group, by id or full path.
func (g *GitLab) groupOf(r *http.Request) bool {
	id := r.PathValue("id")
	return id == strconv.Itoa(GitLabGroupID) || strings.EqualFold(id, g.opts.Group)
}

// routes is the site's mux. Go's mux unescapes each path segment apart,
// so "runway-sim%2Fplat" is one {id}.
func (g *GitLab) routes() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET "+PathGitLabGroups+"{id}", g.group)
	m.HandleFunc("GET "+PathGitLabGroups+"{id}/projects", g.groupProjects)
	m.HandleFunc("GET "+PathGitLabGroups+"{id}/milestones", g.groupMilestones)
	m.HandleFunc("GET "+PathGitLabProjects+"{id}", g.project)
	m.HandleFunc("GET "+PathGitLabProjects+"{id}/milestones", g.projectMilestones)
	m.HandleFunc("GET "+PathGitLabProjects+"{id}/issues", g.issues)
	m.HandleFunc("GET "+PathGitLabProjects+"{id}/issues/{iid}", g.issue)
	m.HandleFunc("GET "+PathGitLabProjects+"{id}/issues/{iid}/resource_milestone_events", g.events)
	m.HandleFunc("GET "+PathGitLabGroups+"{id}/iterations", g.groupIterations)
	m.HandleFunc("GET "+PathGitLabProjects+"{id}/iterations", g.projectIterations)
	m.HandleFunc("GET "+PathGitLabProjects+"{id}/issues/{iid}/resource_iteration_events", g.iterationEvents)
	m.HandleFunc("GET "+PathGitLabProjects+"{id}/issues/{iid}/resource_state_events", g.stateEvents)
	m.HandleFunc("GET "+PathGitLabUser, g.user)
	m.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		gitlabError(w, http.StatusNotFound, "error", "404 Not Found")
	})
	return m
}

// answerJSON writes a 200 JSON body.
func answerJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(marshalGitHub(v))
}

// ---- users ----

// glUser renders an org user as GitLab's basic user (UserBasic): the
// GitHub site's logins and ids (ghUsers); an unknown one is GitLab's
// "ghost" (a deleted account).
func (g *GitLab) glUser(base, accountID string) map[string]any {
	u, ok := g.users[accountID]
	name := "Ghost User"
	if ok {
		name = g.org.userByID[accountID].DisplayName
	} else {
		u = ghUser{login: "ghost", id: 10137}
	}
	return map[string]any{"id": u.id, "username": u.login, "name": name, "state": "active", "locked": false,
		"avatar_url": "https://www.gravatar.com/avatar/" + strconv.FormatInt(u.id, 16) + "?s=80&d=identicon",
		"web_url":    base + "/" + u.login}
}

// user serves GET /user: the token's account.
func (g *GitLab) user(w http.ResponseWriter, r *http.Request) {
	u := map[string]any{"id": ghBot.id, "username": ghBot.login, "name": "Runway Sim Bot", "state": "active",
		"locked": false, "web_url": baseURL(r) + "/" + ghBot.login, "bot": true}
	answerJSON(w, u)
}
