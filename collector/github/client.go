package github

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/runway-analytics/runway/collector/httpx"
	"github.com/runway-analytics/runway/collector/pageloop"
)

// The REST endpoints a GitHub source reads (docs.github.com/en/rest):
// "List milestones", "List repository issues" and "List issue events",
// each paged by the Link header (RFC 8288) at 100 items a page.

const perPage = 100

// client reads GitHub's REST API.
type client struct{ http *httpx.Client }

// milestone is a milestone as "List milestones" renders it.
type milestone struct {
	ID      int64  `json:"id"`
	Number  int64  `json:"number"`
	Title   string `json:"title"`
	State   string `json:"state"`
	HTMLURL string `json:"html_url"`
	// GitHub's counts include pull requests ("Do not use them as
	// issue-only counts"): kept out of Runway's issue counts.
	OpenIssues   int64      `json:"open_issues"`
	ClosedIssues int64      `json:"closed_issues"`
	CreatedAt    time.Time  `json:"created_at"`
	ClosedAt     *time.Time `json:"closed_at"`
	// DueOn is a day, which GitHub returns as that day at 07:00 or 08:00
	// UTC (midnight Pacific).
	DueOn *time.Time `json:"due_on"`
}

// issue is an item of "List repository issues": an issue, or a pull
// request when PullRequest is set (the list returns both).
type issue struct {
	ID          int64          `json:"id"`
	Number      int64          `json:"number"`
	Title       string         `json:"title"`
	State       string         `json:"state"`
	StateReason string         `json:"state_reason"`
	HTMLURL     string         `json:"html_url"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	ClosedAt    *time.Time     `json:"closed_at"`
	Milestone   *milestone     `json:"milestone"`
	Assignee    *user          `json:"assignee"`
	Labels      []label        `json:"labels"`
	PullRequest map[string]any `json:"pull_request"`
}

type user struct {
	Login string `json:"login"`
}

type label struct {
	Name string `json:"name"`
}

// event is an item of "List issue events". Milestone events carry only the
// milestone's title, as it was then.
type event struct {
	ID        int64     `json:"id"`
	Event     string    `json:"event"`
	CreatedAt time.Time `json:"created_at"`
	Actor     *user     `json:"actor"`
	Milestone *struct {
		Title string `json:"title"`
	} `json:"milestone"`
}

func repoPath(repo string) string {
	owner, name, _ := splitRepo(repo)
	return "/repos/" + url.PathEscape(owner) + "/" + url.PathEscape(name)
}

// milestonePage is one page of a repository's milestones, or, when
// notModified, the confirmation that the page is what etag names.
type milestonePage struct {
	items       []milestone
	etag        string
	notModified bool
	hasNext     bool
}

// milestonesPage reads page n (from 1) of every milestone of repo, open
// and closed, conditionally on etag (empty: unconditionally). A 304 costs
// no rate limit.
func (c client) milestonesPage(ctx context.Context, repo string, n int, etag string) (milestonePage, error) {
	q := url.Values{"state": {"all"}, "per_page": {strconv.Itoa(perPage)}, "page": {strconv.Itoa(n)}}
	var p milestonePage
	resp, notModified, err := c.http.GetJSONConditional(ctx, repoPath(repo)+"/milestones", q, etag, &p.items)
	if err != nil {
		return p, err
	}
	p.notModified, p.etag = notModified, resp.Header.Get("ETag")
	if notModified {
		p.etag = etag
	}
	p.hasNext = httpx.NextLink(resp.Header) != ""
	for i, m := range p.items {
		if m.ID == 0 || m.Title == "" {
			return p, fmt.Errorf("github: %s milestones page %d: item %d: missing id or title", repo, n, i)
		}
	}
	return p, nil
}

// issuesSince reads the items of repo updated at or after since, oldest
// update first, one page at a time: fn gets each page and whether the
// Link header names a next one, and returns whether to start over from a
// later since (restart not zero) instead of following it. The Link header
// alone says whether there is more: a server may send fewer items than
// per_page asks.
func (c client) issuesSince(ctx context.Context, repo string, since time.Time,
	fn func(items []issue, hasNext bool) (restart time.Time, err error)) error {
	q := url.Values{"state": {"all"}, "sort": {"updated"}, "direction": {"asc"},
		"per_page": {strconv.Itoa(perPage)}}
	if !since.IsZero() {
		q.Set("since", since.UTC().Format(time.RFC3339))
	}
	return pages(ctx, c, repoPath(repo)+"/issues", q, func(items []issue, hasNext bool) (time.Time, error) {
		// q holds the since of the request that answered this page.
		from, _ := time.Parse(time.RFC3339, q.Get("since"))
		for i, is := range items {
			if is.ID == 0 || is.Number == 0 || is.UpdatedAt.IsZero() {
				return time.Time{}, fmt.Errorf("github: %s issues: item %d: missing id, number or updated_at", repo, i)
			}
			// A page of an earlier since would move the listing past
			// the items of this one's first page.
			if err := pageloop.NotBefore(from, i, is.UpdatedAt); err != nil {
				return time.Time{}, err
			}
		}
		return fn(items, hasNext)
	})
}

// maxPages bounds one listing: a server whose Link never ends must not
// keep a run going forever (a million items at 100 a page).
const maxPages = 10_000

// events reads every event of issue number of repo, oldest first.
func (c client) events(ctx context.Context, repo string, number int64) ([]event, error) {
	path := repoPath(repo) + "/issues/" + strconv.FormatInt(number, 10) + "/events"
	var out []event
	err := pages(ctx, c, path, url.Values{"per_page": {strconv.Itoa(perPage)}}, func(page []event, _ bool) (time.Time, error) {
		for i, e := range page {
			if e.ID == 0 || e.CreatedAt.IsZero() || strings.TrimSpace(e.Event) == "" {
				return time.Time{}, fmt.Errorf("github: %s#%d events: item %d: missing id, event or created_at", repo, number, i)
			}
		}
		out = append(out, page...)
		return time.Time{}, nil
	})
	return out, err
}

// pages reads a list at path page by page, following the Link header's
// next. fn gets each page and whether there is a next one; it may return
// a time to start the list over from instead (its since). A next link
// followed already fails the listing: the server repeats a page.
func pages[T any](ctx context.Context, c client, path string, q url.Values,
	fn func(page []T, hasNext bool) (restart time.Time, err error)) error {
	next := ""
	var followed pageloop.Guard
	for n := 0; ; n++ {
		if n > maxPages {
			return fmt.Errorf("github: %s: more than %d pages; stopping", path, maxPages)
		}
		var page []T
		var resp *httpx.Response
		var err error
		if next != "" {
			resp, err = c.http.GetJSON(ctx, next, nil, &page)
		} else {
			resp, err = c.http.GetJSON(ctx, path, q, &page)
		}
		if err != nil {
			return err
		}
		link := httpx.NextLink(resp.Header)
		restart, err := fn(page, link != "")
		switch {
		case errors.Is(err, pageloop.ErrStale):
			return c.pageError(resp, err)
		case err != nil:
			return err
		case link == "":
			return nil
		case !restart.IsZero():
			q.Set("since", restart.UTC().Format(time.RFC3339))
			next = ""
			followed.Reset() // a later since: its pages are new
		default:
			if err := followed.Follow(link); err != nil {
				return c.pageError(resp, err)
			}
			next = link
		}
	}
}

// pageError names the endpoint that answered resp, as httpx's errors do.
func (c client) pageError(resp *httpx.Response, err error) error {
	path := resp.URL
	if u, perr := url.Parse(resp.URL); perr == nil {
		path = u.EscapedPath()
	}
	return fmt.Errorf("%s: GET %s: %w", c.http.Source(), path, err)
}
