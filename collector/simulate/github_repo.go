package simulate

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The simulated GitHub's repositories (one per project), users, node ids
// and routes.

// ghTime is how GitHub writes instants (ISO 8601, UTC, seconds).
const ghTime = "2006-01-02T15:04:05Z"

// ghRepo is the repository of one project.
type ghRepo struct {
	project string // project key
	name    string // lower-case key
	id      int64  // the project's numeric id
	idx     int    // the project's index in the org
	pulls   []*GitHubPull
}

// buildRepos lays out one repository per project. Callers hold the
// org's read lock.
func (g *GitHub) buildRepos() []*ghRepo {
	var out []*ghRepo
	for i, p := range g.org.Projects {
		id, err := strconv.ParseInt(p.ID, 10, 64)
		if err != nil {
			id = int64(1000 + i)
		}
		r := &ghRepo{project: p.Key, name: strings.ToLower(p.Key), id: id, idx: i}
		r.pulls = g.synthesizePulls(r)
		out = append(out, r)
	}
	return out
}

// RepoPath is the API path of project's repository:
// "/repos/{owner}/{lower(project)}"; FailNext prefixes and Requests keys
// start with it ("+/issues", "+/milestones", "+/issues/12/events").
func (g *GitHub) RepoPath(project string) string {
	return PathGitHubRepos + g.opts.Owner + "/" + strings.ToLower(project)
}

// FullName is project's repository as "{owner}/{repo}".
func (g *GitHub) FullName(project string) string {
	return g.opts.Owner + "/" + strings.ToLower(project)
}

// repoOf finds the repository a request names, by owner and name (any
// case, as GitHub) or by id; nil when there is none.
func (g *GitHub) repoOf(r *http.Request) *ghRepo {
	if id := r.PathValue("id"); id != "" {
		for _, repo := range g.repos {
			if strconv.FormatInt(repo.id, 10) == id {
				return repo
			}
		}
		return nil
	}
	if !strings.EqualFold(r.PathValue("owner"), g.opts.Owner) {
		return nil
	}
	for _, repo := range g.repos {
		if strings.EqualFold(repo.name, r.PathValue("repo")) {
			return repo
		}
	}
	return nil
}

// routes is the site's mux: every repository endpoint under both
// /repos/{owner}/{repo} and /repositories/{id}.
func (g *GitHub) routes() http.Handler {
	m := http.NewServeMux()
	for _, base := range []string{PathGitHubRepos + "{owner}/{repo}", PathGitHubRepositories + "{id}"} {
		m.HandleFunc("GET "+base, g.repository)
		m.HandleFunc("GET "+base+"/milestones", g.milestones)
		m.HandleFunc("GET "+base+"/milestones/{number}", g.milestone)
		m.HandleFunc("GET "+base+"/issues", g.issues)
		m.HandleFunc("GET "+base+"/issues/{number}", g.issue)
		m.HandleFunc("GET "+base+"/issues/{number}/events", g.events)
	}
	m.HandleFunc("GET "+PathGitHubUser, g.user)
	m.HandleFunc("GET "+PathGitHubRateLimit, g.rateLimit)
	m.HandleFunc("/", notFound)
	return m
}

// notFound is GitHub's 404 ("Troubleshooting the REST API": a missing
// resource, or one the token may not see, is 404 Not Found).
func notFound(w http.ResponseWriter, _ *http.Request) {
	githubError(w, http.StatusNotFound, "Not Found", ghDocsRoot)
}

// validationFailed is GitHub's 422 for a query parameter it rejects.
func validationFailed(w http.ResponseWriter, resource, field string) {
	body := map[string]any{"message": "Validation Failed", "documentation_url": ghDocsRoot,
		"errors": []any{map[string]any{"resource": resource, "field": field, "code": "invalid"}}}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusUnprocessableEntity)
	w.Write(marshalGitHub(body))
}

// marshalGitHub encodes v as GitHub does (no HTML escaping, one line).
func marshalGitHub(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// ghNodeID is a legacy global node id as GitHub's REST payloads carry
// them: base64 of "0", the type name's length, ":", the type, the id
// ("MDk6TWlsZXN0b25lMjg3MDE5OA==" is "09:Milestone2870198").
func ghNodeID(typ string, id int64) string {
	return base64.StdEncoding.EncodeToString([]byte("0" + strconv.Itoa(len(typ)) + ":" + typ + strconv.FormatInt(id, 10)))
}

func ghTimeOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(ghTime)
}

// ---- users ----

// ghUser is an org user as a GitHub account.
type ghUser struct {
	login string
	id    int64
}

// ghBot is the token's own account (GET /user; "user ID 1").
var ghBot = ghUser{login: "runway-sim-bot", id: 1}

// ghUsers gives each org user a login (its display name, lower case,
// dashed; numbered when taken) and an id (1001 on, in the org's order).
func ghUsers(o *Org) map[string]ghUser {
	out := make(map[string]ghUser, len(o.Users))
	taken := map[string]bool{ghBot.login: true}
	for i, u := range o.Users {
		login := strings.Join(strings.FieldsFunc(strings.ToLower(u.DisplayName), func(r rune) bool {
			return r > unicode.MaxASCII || !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}), "-")
		if login == "" {
			login = "user"
		}
		for n, base := 2, login; taken[login]; n++ {
			login = base + "-" + strconv.Itoa(n)
		}
		taken[login] = true
		out[u.AccountID] = ghUser{login: login, id: int64(1001 + i)}
	}
	return out
}

// userOf is the account of an org user; an unknown one is GitHub's
// "ghost" (a deleted account).
func (g *GitHub) userOf(accountID string) ghUser {
	if u, ok := g.users[accountID]; ok {
		return u
	}
	return ghUser{login: "ghost", id: 10137}
}

// userJSON renders an account as GitHub's simple user object.
func userJSON(base string, u ghUser) map[string]any {
	api := base + "/users/" + u.login
	return map[string]any{
		"login": u.login, "id": u.id, "node_id": ghNodeID("User", u.id),
		"avatar_url":  "https://avatars.githubusercontent.com/u/" + strconv.FormatInt(u.id, 10) + "?v=4",
		"gravatar_id": "", "url": api, "html_url": base + "/" + u.login,
		"followers_url": api + "/followers", "following_url": api + "/following{/other_user}",
		"gists_url": api + "/gists{/gist_id}", "starred_url": api + "/starred{/owner}{/repo}",
		"subscriptions_url": api + "/subscriptions", "organizations_url": api + "/orgs",
		"repos_url": api + "/repos", "events_url": api + "/events{/privacy}",
		"received_events_url": api + "/received_events", "type": "User", "site_admin": false,
	}
}

// user serves GET /user: the token's account.
func (g *GitHub) user(w http.ResponseWriter, r *http.Request) {
	g.answer(w, r, marshalGitHub(userJSON(baseURL(r), ghBot)))
}

// rateLimit serves GET /rate_limit, which does not count against the
// primary limit ("Checking the status of your rate limit").
func (g *GitHub) rateLimit(w http.ResponseWriter, r *http.Request) {
	s := g.faults.uncount()
	githubRateHeaders(w.Header(), s)
	h := w.Header()
	n := func(k string) int { v, _ := strconv.Atoi(h.Get(k)); return v }
	core := map[string]any{"limit": n("X-RateLimit-Limit"), "remaining": n("X-RateLimit-Remaining"),
		"used": n("X-RateLimit-Used"), "reset": s.Reset.Unix(), "resource": "core"}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(marshalGitHub(map[string]any{"resources": map[string]any{"core": core}, "rate": core}))
}

// repository serves GET a repository.
func (g *GitHub) repository(w http.ResponseWriter, r *http.Request) {
	repo := g.repoOf(r)
	if repo == nil {
		notFound(w, r)
		return
	}
	base := baseURL(r)
	api := base + g.RepoPath(repo.project)
	owner := userJSON(base, ghUser{login: g.opts.Owner, id: 2})
	owner["type"] = "Organization"
	g.answer(w, r, marshalGitHub(map[string]any{
		"id": repo.id, "node_id": ghNodeID("Repository", repo.id), "name": repo.name,
		"full_name": g.FullName(repo.project), "private": true, "owner": owner,
		"html_url": base + "/" + g.FullName(repo.project), "url": api,
		"issues_url": api + "/issues{/number}", "milestones_url": api + "/milestones{/number}",
		"has_issues": true, "default_branch": "main",
	}))
}

// ---- numbering ----

// milestoneNumbers numbers the repository's milestones from 1 in id
// order, deleted ones included (GitHub never reuses a number), so a
// milestone's number does not depend on the clock. Callers hold the
// org's read lock.
func (g *GitHub) milestoneNumbers(repo *ghRepo) (byID map[string]int, byNumber map[int]*Milestone) {
	var all []*Milestone
	for _, m := range g.org.Milestones {
		if m.Project == repo.project {
			all = append(all, m)
		}
	}
	for _, m := range g.org.deletedMilestones {
		if m.Project == repo.project {
			all = append(all, m)
		}
	}
	slices.SortFunc(all, func(a, b *Milestone) int { return compareNumeric(a.ID, b.ID) })
	byID, byNumber = make(map[string]int, len(all)), make(map[int]*Milestone, len(all))
	for i, m := range all {
		byID[m.ID] = i + 1
		if g.org.milestoneByID[m.ID] != nil {
			byNumber[i+1] = m
		}
	}
	return byID, byNumber
}

// compareNumeric orders numeric ids by value (then as strings).
func compareNumeric(a, b string) int {
	x, errA := strconv.ParseInt(a, 10, 64)
	y, errB := strconv.ParseInt(b, 10, 64)
	if errA == nil && errB == nil && x != y {
		if x < y {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// issueNumber is the number of an issue in its repository: its key's
// (PLAT-12 → 12), or 0.
func issueNumber(is *Issue) int {
	n, err := strconv.Atoi(is.Key[strings.LastIndexByte(is.Key, '-')+1:])
	if err != nil || !strings.HasPrefix(is.Key, is.Project+"-") {
		return 0
	}
	return n
}
