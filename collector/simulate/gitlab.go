package simulate

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// This file holds the simulated GitLab site (REST API v4): its options,
// credentials, errors and rate limits. The rest is in gitlab_group.go
// (projects, users, routes), gitlab_projects.go, gitlab_milestones.go,
// gitlab_issues.go, gitlab_extra.go, gitlab_events.go, gitlab_iterations.go,
// gitlab_iteration_events.go (the endpoints) and gitlab_page.go (offset
// and keyset pagination).

// VendorGitLab is the vendor name of the simulated GitLab site
// (Site.Vendor) and the Options.Vendor that lays an org out as GitLab can
// hold it (the rules are GitHub's: one milestone per issue at most, none
// archived, due dates kept at closing).
const VendorGitLab = "gitlab"

// DefaultGitLabGroup is the full path of the group that holds the
// simulated projects unless GitLabOptions say otherwise.
const DefaultGitLabGroup = "runway-sim"

// Ids of the simulated group and projects: the group is GitLabGroupID;
// org project i (in the org's order) is GitLabProjectIDBase + i.
const (
	GitLabGroupID       = 1000
	GitLabProjectIDBase = 2000
)

// Paths of the simulated GitLab endpoints (all under PathGitLabAPI). A
// project or a group is named by its id or its URL-encoded full path
// ("runway-sim%2Fplat"). Served: PathGitLabGroups + "{id}", + "/projects",
// + "/milestones", + "/iterations"; PathGitLabProjects + "{id}",
// + "/milestones", + "/iterations", + "/issues", + "/issues/{iid}",
// + "/issues/{iid}/resource_milestone_events",
// + "/issues/{iid}/resource_iteration_events",
// + "/issues/{iid}/resource_state_events"; PathGitLabUser.
const (
	PathGitLabAPI      = "/api/v4"
	PathGitLabGroups   = PathGitLabAPI + "/groups/"
	PathGitLabProjects = PathGitLabAPI + "/projects/"
	PathGitLabUser     = PathGitLabAPI + "/user"
)

// GitLabRateLimitText is the body of a request over the rate limit (a
// plain-text 429): GitLab's default rate_limiting_response_text ("User
// and IP rate limits", "Use a custom rate limit response").
const GitLabRateLimitText = "Retry later\n"

// GitLabOptions configures a simulated GitLab site.
type GitLabOptions struct {
	// Token is the token every request must carry, as "PRIVATE-TOKEN:
	// <Token>" or "Authorization: Bearer <Token>". Default DefaultToken.
	Token string
	// Group is the full path of the group holding the projects: project
	// P is {Group}/{lower(P)}. Default DefaultGitLabGroup.
	Group string
	// Now is the site's clock: issues, histories and milestones after it
	// are not visible yet. Default: the org's Now.
	Now func() time.Time
	// PageSize is the per_page of a request without one. Default 20
	// (GitLab's); per_page is honoured up to MaxPerPage.
	PageSize int
	// MaxPerPage is the largest per_page honoured: GitLab's 100 by
	// default; tests lower it.
	MaxPerPage int
	// RateLimit, when > 0, is the authenticated API rate limit: requests
	// per RateWindow (wall clock, Clock) beyond it answer 429 with
	// Retry-After and GitLabRateLimitText. 0: off (no RateLimit-* headers).
	RateLimit int
	// RateWindow is the rate-limit window. Default one minute (GitLab's
	// throttles count requests per period, a minute by default).
	RateWindow time.Duration
	// Clock is the wall clock of the rate window. Default time.Now.
	Clock func() time.Time
	// ExtraIssues synthesizes, per project key, that many plain issues
	// more in the project's issue list (gitlab_extra.go): a test hook for
	// very long listings. They are not org issues and never in a truth.
	ExtraIssues map[string]int
	// MoveAsOneEvent renders an issue moved between two milestones, or
	// two iterations (a rollover included), as GitLab itself records it
	// (ResourceEvents::ChangeMilestoneService, ChangeIterationService):
	// one "add" event of the milestone or iteration entered. Default: a
	// "remove" of the one left, then an "add" of the one entered, at one
	// created_at.
	MoveAsOneEvent bool
	// IterationStateNames renders an iteration's state by name
	// ("upcoming", "current", "closed"), as newer GitLab does. Default:
	// by number (GitLabIterationUpcoming, ...), as older GitLab and the
	// API docs' examples do.
	IterationStateNames bool
}

// GitLab is a simulated GitLab (REST API v4, gitlab.com shapes) serving
// an Org. It is a Site (an http.Handler) and safe for concurrent use.
//
// The group Group (id GitLabGroupID) holds one project per org project:
// project P is {Group}/{lower(P)}, id GitLabProjectIDBase + its index.
// The milestones of the org's first project are group milestones (GET
// /groups/:id/milestones; group_id set, no project_id), every other
// project's are project milestones (project_id set). Issues are the
// project's issues (PLAT-12 is iid 12 of runway-sim/plat); an issue shows
// one milestone (the last it entered): serve an org generated with
// Options.Vendor = VendorGitLab. The org's sprints are the group's
// iterations (one cadence per board; gitlab_iterations.go), with the
// issues' iteration events and state events (gitlab_iteration_events.go).
// Everything renders as of the site's clock.
type GitLab struct {
	org      *Org
	opts     GitLabOptions
	faults   *Faults
	users    map[string]ghUser // by account id
	projects []*glProject      // by org project, in the org's order
	extras   map[string][]*glExtra
}

// NewGitLab returns a simulated GitLab serving org. Extra issues
// (GitLabOptions.ExtraIssues) are synthesized now, from the org as it is.
func NewGitLab(org *Org, opts GitLabOptions) *GitLab {
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.Group == "" {
		opts.Group = DefaultGitLabGroup
	}
	if opts.Now == nil {
		at := org.Now
		opts.Now = func() time.Time { return at }
	}
	if opts.MaxPerPage <= 0 || opts.MaxPerPage > glMaxPerPage {
		opts.MaxPerPage = glMaxPerPage
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 20
	}
	opts.PageSize = min(opts.PageSize, opts.MaxPerPage)
	if opts.RateWindow <= 0 {
		opts.RateWindow = time.Minute
	}
	g := &GitLab{org: org, opts: opts}
	org.mu.RLock()
	g.users = ghUsers(org)
	g.projects = g.buildProjects()
	g.extras = g.synthesizeExtras()
	org.mu.RUnlock()
	g.faults = NewFaults(g.routes(), FaultOptions{
		Authorize:   g.authorize,
		WriteError:  g.writeFailure,
		RateLimit:   opts.RateLimit,
		RateWindow:  opts.RateWindow,
		RateHeaders: gitlabRateHeaders,
		HTMLPage:    "<!DOCTYPE html><html><head><title>Sign in · GitLab</title></head><body>You need to sign in or sign up before continuing.</body></html>",
		Clock:       opts.Clock,
		Continues:   func(r *http.Request) bool { return r.URL.Query().Get("id_after") != "" },
	})
	return g
}

var _ Site = (*GitLab)(nil)

// Vendor is VendorGitLab.
func (g *GitLab) Vendor() string { return VendorGitLab }

// Org returns the org the site serves.
func (g *GitLab) Org() *Org { return g.org }

// Options returns the effective options (defaults applied).
func (g *GitLab) Options() GitLabOptions { return g.opts }

// Faults returns the middleware the site sits behind (FailNext,
// CorruptNext, SlowNext, ResetNext, Requests).
func (g *GitLab) Faults() *Faults { return g.faults }

// ServeHTTP implements http.Handler.
func (g *GitLab) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.faults.ServeHTTP(w, r) }

// FailNext makes the next n requests whose path starts with pathPrefix
// answer status (a 429 is the rate limit's plain text), with
// Retry-After: retryAfter when it is not empty.
func (g *GitLab) FailNext(pathPrefix string, status, n int, retryAfter string) {
	g.faults.FailNext(pathPrefix, status, n, retryAfter)
}

// CorruptNext makes the next request whose path starts with pathPrefix
// answer a corrupted body (see the Corrupt* modes).
func (g *GitLab) CorruptNext(pathPrefix, mode string) { g.faults.CorruptNext(pathPrefix, mode) }

// Requests returns how many requests arrived per URL path (decoded: a
// project named by its path counts under ".../runway-sim/plat/...").
func (g *GitLab) Requests() map[string]int { return g.faults.Requests() }

// ResetRequests clears the request counts (not the rate window).
func (g *GitLab) ResetRequests() { g.faults.ResetRequests() }

// authorize accepts "PRIVATE-TOKEN: <token>" and "Authorization: Bearer
// <token>" ("REST API", "Authentication"); anything else answers 401.
func (g *GitLab) authorize(w http.ResponseWriter, r *http.Request) bool {
	if t := r.Header.Get("PRIVATE-TOKEN"); t != "" {
		if t == g.opts.Token {
			return true
		}
	} else if scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok &&
		strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) == g.opts.Token {
		return true
	}
	gitlabError(w, http.StatusUnauthorized, "message", "401 Unauthorized")
	return false
}

// writeFailure answers a request the middleware fails: over the rate
// limit (or an injected 429), GitLab's plain-text "Retry later" with
// RateLimit-Name ("User and IP rate limits", "Response headers");
// otherwise {"message": "<status> <text>"}.
func (g *GitLab) writeFailure(w http.ResponseWriter, _ *http.Request, f Failure) {
	switch {
	case f.Unauthorized:
		gitlabError(w, http.StatusUnauthorized, "message", "401 Unauthorized")
	case f.RateLimited || f.Status == http.StatusTooManyRequests:
		h := w.Header()
		if f.RateLimited {
			h.Set("RateLimit-Name", "throttle_authenticated_api")
		}
		h.Set("Content-Type", "text/plain")
		w.WriteHeader(f.Status)
		w.Write([]byte(GitLabRateLimitText))
	case f.CursorRefused: // Grape's answer to a keyset position it rejects
		gitlabError(w, http.StatusBadRequest, "error", "id_after is invalid")
	default:
		gitlabError(w, f.Status, "message", strconv.Itoa(f.Status)+" "+http.StatusText(f.Status))
	}
}

// gitlabError writes GitLab's error body: {"message": ...} from
// render_api_error! (401, 404 of a resource), {"error": ...} from Grape
// (an unknown route, a parameter it rejects).
func gitlabError(w http.ResponseWriter, status int, key, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(marshalGitHub(map[string]string{key: msg}))
}

// gitlabRateHeaders writes the RateLimit-* headers of gitlab.com's API
// ("GitLab.com settings", "Rate limits"; "User and IP rate limits",
// "Response headers"): the limit, the requests observed in the window,
// what remains, and the window's end in epoch seconds and as an HTTP
// date. None when no limit is enforced.
func gitlabRateHeaders(h http.Header, s RateState) {
	if s.Limit <= 0 {
		return
	}
	h.Set("RateLimit-Limit", strconv.Itoa(s.Limit))
	h.Set("RateLimit-Observed", strconv.Itoa(s.Used))
	h.Set("RateLimit-Remaining", strconv.Itoa(s.Remaining()))
	h.Set("RateLimit-Reset", strconv.FormatInt(s.Reset.Unix(), 10))
	h.Set("RateLimit-ResetTime", s.Reset.UTC().Format(http.TimeFormat))
}

// ServeGitLab starts a simulated GitLab for org on a loopback port, as
// Serve does for Jira; the API is under baseURL + PathGitLabAPI.
func ServeGitLab(ctx context.Context, org *Org, opts GitLabOptions) (baseURL string, stop func()) {
	return ServeHandler(ctx, NewGitLab(org, opts))
}
