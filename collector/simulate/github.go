package simulate

import (
	"context"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// This file holds the simulated GitHub site: its options, routes,
// credentials, errors and rate limits. The rest is in github_repo.go
// (repositories, users, node ids, routing), github_pulls.go (the pull
// requests it synthesizes), github_milestones.go, github_issues.go,
// github_events.go (the endpoints) and github_page.go (paging by Link
// header, ETags and 304s).

// VendorGitHub is the vendor name of the simulated GitHub site
// (Site.Vendor) and the Options.Vendor that lays an org out as GitHub
// can hold it.
const VendorGitHub = "github"

// DefaultGitHubOwner is the account that owns the simulated repositories
// unless GitHubOptions say otherwise.
const DefaultGitHubOwner = "runway-sim"

// Paths of the simulated GitHub endpoints. Every repository endpoint is
// also served under PathGitHubRepositories + "{id}" (the form GitHub's
// Link headers use, GitHubOptions.RepositoryIDLinks).
const (
	// PathGitHubRepos + "{owner}/{repo}" is a repository; + "/milestones",
	// "/milestones/{number}", "/issues", "/issues/{number}" and
	// "/issues/{number}/events" are the endpoints served
	// (GitHub.RepoPath builds the prefix).
	PathGitHubRepos        = "/repos/"
	PathGitHubRepositories = "/repositories/"
	PathGitHubUser         = "/user"       // the token's user
	PathGitHubRateLimit    = "/rate_limit" // not counted, as on GitHub
)

// GitHub's documentation links in error bodies.
const (
	ghDocsRoot      = "https://docs.github.com/rest"
	ghDocsRate      = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
	ghDocsSecondary = ghDocsRate + "#about-secondary-rate-limits"
	ghDocsPaging    = ghDocsRoot + "/using-the-rest-api/using-pagination-in-the-rest-api"
)

// GitHub's messages for the errors the site answers.
const (
	// GitHubPrimaryLimitMessage is the message of a request over the
	// primary rate limit (403, X-RateLimit-Remaining: 0, no Retry-After).
	GitHubPrimaryLimitMessage = "API rate limit exceeded for user ID 1."
	// GitHubSecondaryLimitMessage is the message of a request over a
	// secondary rate limit (403 or 429, maybe Retry-After): "Rate limits
	// for the REST API", "About secondary rate limits".
	GitHubSecondaryLimitMessage = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
	// GitHubPageRefusedMessage is the message of the 422 GitHub answers
	// a page it will not serve (deep offset paging of a large list), as
	// clients report it: start the listing over.
	GitHubPageRefusedMessage = "Pagination with the page parameter is not supported for large datasets, please use cursor based pagination (after/before)"
)

// ghDefaultLimit is what the rate headers report when GitHubOptions.RateLimit
// is 0: the primary limit of a personal access token.
const ghDefaultLimit = 5000

// GitHubOptions configures a simulated GitHub site.
type GitHubOptions struct {
	// Token is the token every request must carry, as "Authorization:
	// Bearer <Token>" or "Authorization: token <Token>". Default
	// DefaultToken.
	Token string
	// Owner owns the repositories: project P is {Owner}/{lower(P)}.
	// Default DefaultGitHubOwner.
	Owner string
	// Now is the site's clock: issues, histories, milestones and pull
	// requests after it are not visible yet. Default: the org's Now.
	Now func() time.Time
	// PageSize is the per_page of a request without one. Default 30
	// (GitHub's); per_page is honoured up to MaxPerPage.
	PageSize int
	// MaxPerPage is the largest per_page honoured: GitHub's 100 by
	// default; tests lower it to page a small org over several pages.
	MaxPerPage int
	// PullRequestEvery synthesizes one pull request per that many issues
	// of a repository (github_pulls.go). Default 3; negative: none.
	PullRequestEvery int
	// RateLimit, when > 0, is the primary rate limit: requests per
	// RateWindow (wall clock, Clock) beyond it answer 403 with
	// X-RateLimit-Remaining: 0. A 304 answer does not count. 0: off (the
	// headers then report a limit of 5000 that never runs out).
	RateLimit int
	// RateWindow is the primary rate-limit window. Default one hour.
	RateWindow time.Duration
	// Clock is the wall clock of the rate window (X-RateLimit-Reset).
	// Default time.Now.
	Clock func() time.Time
	// RepositoryIDLinks makes the Link headers of /repos/{owner}/{repo}
	// requests point at /repositories/{id}/... (id: the project's), as
	// api.github.com's do ("Using pagination in the REST API": follow the
	// links as given, do not build them). Default: the request's own path.
	RepositoryIDLinks bool
}

// GitHub is a simulated GitHub (REST API, api.github.com shapes) serving
// an Org. It is a Site (an http.Handler) and safe for concurrent use.
//
// Each org project P is the repository {Owner}/{lower(P)}; its milestones
// are the project's milestones (numbered from 1 in id order), its issues
// the project's issues (PLAT-12 is issue 12 of runway-sim/plat) mixed
// with synthesized pull requests (GitHubPull), as GitHub's issue list
// mixes them. Everything renders as of the site's clock. An issue shows
// one milestone (the last it entered): serve an org generated with
// Options.Vendor = VendorGitHub, where that is all it has.
//
// Answers carry GitHub's rate-limit headers; 200 answers an ETag, and a
// request whose If-None-Match matches answers 304 without a body, which
// does not count against the primary limit (NotModified counts them).
type GitHub struct {
	org    *Org
	opts   GitHubOptions
	faults *Faults
	users  map[string]ghUser // by account id
	repos  []*ghRepo         // by project, in the org's order

	mu          sync.Mutex
	notModified map[string]int
}

// NewGitHub returns a simulated GitHub serving org. Pull requests are
// synthesized now, from the org as it is (later changes to the org do not
// change them).
func NewGitHub(org *Org, opts GitHubOptions) *GitHub {
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.Owner == "" {
		opts.Owner = DefaultGitHubOwner
	}
	if opts.Now == nil {
		at := org.Now
		opts.Now = func() time.Time { return at }
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 30
	}
	if opts.MaxPerPage <= 0 || opts.MaxPerPage > ghMaxPerPage {
		opts.MaxPerPage = ghMaxPerPage
	}
	opts.PageSize = min(opts.PageSize, opts.MaxPerPage)
	if opts.PullRequestEvery == 0 {
		opts.PullRequestEvery = 3
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = time.Hour
	}
	g := &GitHub{org: org, opts: opts, notModified: map[string]int{}}
	org.mu.RLock()
	g.users = ghUsers(org)
	g.repos = g.buildRepos()
	org.mu.RUnlock()
	g.faults = NewFaults(g.routes(), FaultOptions{
		Authorize:       g.authorize,
		WriteError:      g.writeFailure,
		RateLimit:       opts.RateLimit,
		RateWindow:      opts.RateWindow,
		RateLimitStatus: http.StatusForbidden, // "Rate limits for the REST API": 403 or 429; 403 here
		RateHeaders:     githubRateHeaders,
		HTMLPage:        "<!DOCTYPE html><html><head><title>Unicorn! · GitHub</title></head><body>No server is currently available to service your request.</body></html>",
		Clock:           opts.Clock,
		Continues:       func(r *http.Request) bool { n, _ := strconv.Atoi(r.URL.Query().Get("page")); return n > 1 },
	})
	return g
}

var _ Site = (*GitHub)(nil)

// Vendor is VendorGitHub.
func (g *GitHub) Vendor() string { return VendorGitHub }

// Org returns the org the site serves.
func (g *GitHub) Org() *Org { return g.org }

// Options returns the effective options (defaults applied).
func (g *GitHub) Options() GitHubOptions { return g.opts }

// Faults returns the middleware the site sits behind (SlowNext,
// ResetNext, and the rest).
func (g *GitHub) Faults() *Faults { return g.faults }

// ServeHTTP implements http.Handler.
func (g *GitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
	g.faults.ServeHTTP(w, r)
}

// FailNext makes the next n requests whose path starts with pathPrefix
// answer status with a GitHub error body (a 403 or 429 is a secondary
// rate limit's), and Retry-After: retryAfter when it is not empty.
func (g *GitHub) FailNext(pathPrefix string, status, n int, retryAfter string) {
	g.faults.FailNext(pathPrefix, status, n, retryAfter)
}

// SecondaryLimitNext makes the next n requests whose path starts with
// pathPrefix hit a secondary rate limit: 403, GitHubSecondaryLimitMessage,
// and "Retry-After: retryAfter" when retryAfter > 0 (GitHub does not
// always send one: then wait at least a minute).
func (g *GitHub) SecondaryLimitNext(pathPrefix string, n, retryAfter int) {
	g.faults.FailNext(pathPrefix, http.StatusForbidden, n, retryAfterValue(retryAfter))
}

// TooManyRequestsNext is SecondaryLimitNext answering 429, the other
// status GitHub uses for a secondary rate limit.
func (g *GitHub) TooManyRequestsNext(pathPrefix string, n, retryAfter int) {
	g.faults.FailNext(pathPrefix, http.StatusTooManyRequests, n, retryAfterValue(retryAfter))
}

func retryAfterValue(s int) string {
	if s <= 0 {
		return ""
	}
	return strconv.Itoa(s)
}

// CorruptNext makes the next request whose path starts with pathPrefix
// answer a corrupted body (see the Corrupt* modes). It panics on an
// unknown mode.
func (g *GitHub) CorruptNext(pathPrefix, mode string) { g.faults.CorruptNext(pathPrefix, mode) }

// Requests returns how many requests arrived per URL path, failed or
// not, 304s included.
func (g *GitHub) Requests() map[string]int { return g.faults.Requests() }

// NotModified returns how many requests per URL path answered 304 Not
// Modified (If-None-Match matched): counted in Requests, not against the
// primary rate limit.
func (g *GitHub) NotModified() map[string]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return maps.Clone(g.notModified)
}

// ResetRequests clears the request and 304 counts (not the rate window).
func (g *GitHub) ResetRequests() {
	g.faults.ResetRequests()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.notModified = map[string]int{}
}

// authorize accepts "Authorization: Bearer <token>" and "Authorization:
// token <token>" ("Authenticating to the REST API"); anything else
// answers 401 Bad credentials.
func (g *GitHub) authorize(w http.ResponseWriter, r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if ok && (strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "token")) &&
		strings.TrimSpace(token) == g.opts.Token {
		return true
	}
	githubError(w, http.StatusUnauthorized, "Bad credentials", ghDocsRoot)
	return false
}

// writeFailure answers a request the middleware fails, with GitHub's
// bodies ("Rate limits for the REST API", "Troubleshooting the REST
// API"): the primary limit's 403 without Retry-After, a secondary limit's
// 403 or 429, or a plain error.
func (g *GitHub) writeFailure(w http.ResponseWriter, _ *http.Request, f Failure) {
	h := w.Header()
	switch {
	case f.Unauthorized:
		githubError(w, http.StatusUnauthorized, "Bad credentials", ghDocsRoot)
	case f.RateLimited:
		h.Del("Retry-After") // the primary limit sends none: wait for X-RateLimit-Reset
		h.Set("X-RateLimit-Remaining", "0")
		githubError(w, f.Status, GitHubPrimaryLimitMessage, ghDocsRate)
	case f.CursorRefused: // a page past the first that GitHub will not serve
		githubError(w, http.StatusUnprocessableEntity, GitHubPageRefusedMessage, ghDocsPaging)
	case f.Status == http.StatusForbidden || f.Status == http.StatusTooManyRequests:
		githubError(w, f.Status, GitHubSecondaryLimitMessage, ghDocsSecondary)
	case f.Status >= 500:
		githubError(w, f.Status, "Server Error", "")
	default:
		githubError(w, f.Status, http.StatusText(f.Status), ghDocsRoot)
	}
}

// githubError writes GitHub's error body {"message", "documentation_url"}.
func githubError(w http.ResponseWriter, status int, msg, docs string) {
	body := map[string]any{"message": msg}
	if docs != "" {
		body["documentation_url"] = docs
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(marshalGitHub(body))
}

// githubRateHeaders writes GitHub's rate-limit headers ("Rate limits for
// the REST API", "Checking the status of your rate limit"): the limit,
// what is left and used in the window, its end in epoch seconds, and the
// resource. With no limit enforced they report a limit of 5000 whose used
// count wraps before it runs out, so a client that paces itself by them
// never waits.
func githubRateHeaders(h http.Header, s RateState) {
	limit, used := s.Limit, s.Used
	if limit <= 0 {
		limit = ghDefaultLimit
		if used > 0 {
			used = (used-1)%(limit-1) + 1
		}
	}
	used = min(used, limit)
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(limit-used))
	h.Set("X-RateLimit-Used", strconv.Itoa(used))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.Reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
}

// uncount takes the request being answered back out of the rate window
// (GitHub does not count a 304, nor GET /rate_limit) and returns where
// the window then stands.
func (f *Faults) uncount() RateState {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.windowCount > 0 {
		f.windowCount--
	}
	return RateState{
		Limit: max(f.opts.RateLimit, 0),
		Used:  f.windowCount,
		Reset: f.windowStart.Add(f.opts.RateWindow),
		Now:   f.opts.Clock(),
	}
}

// ServeGitHub starts a simulated GitHub for org on a loopback port, as
// Serve does for Jira.
func ServeGitHub(ctx context.Context, org *Org, opts GitHubOptions) (baseURL string, stop func()) {
	return ServeHandler(ctx, NewGitHub(org, opts))
}
