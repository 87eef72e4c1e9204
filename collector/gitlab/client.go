package gitlab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/runway-analytics/runway/collector/httpx"
	"github.com/runway-analytics/runway/collector/pageloop"
)

// The REST v4 endpoints a GitLab source reads (docs.gitlab.com/ee/api):
// projects and groups, their milestones, a project's issues and an
// issue's resource milestone events. Lists are paged by offset, following
// x-next-page (GitLab stops sending x-total and x-total-pages beyond
// 10,000 items, but keeps x-next-page and the next link), or by keyset
// where GitLab offers it (a group's projects).

const perPage = 100

// maxPages bounds one listing: a server whose next page never ends must
// not keep a run going forever.
const maxPages = 100_000

type client struct{ http *httpx.Client }

// project is what "Get a single project" and a group's project list say.
type project struct {
	ID                int64  `json:"id"`
	PathWithNamespace string `json:"path_with_namespace"`
	Namespace         struct {
		ID       int64  `json:"id"`
		FullPath string `json:"full_path"`
		Kind     string `json:"kind"`
	} `json:"namespace"`
}

type group struct {
	ID       int64  `json:"id"`
	FullPath string `json:"full_path"`
}

// milestone is a project or group milestone. Dates are days.
type milestone struct {
	ID        int64     `json:"id"`
	IID       int64     `json:"iid"`
	ProjectID *int64    `json:"project_id"`
	GroupID   *int64    `json:"group_id"`
	Title     string    `json:"title"`
	State     string    `json:"state"` // active | closed
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	StartDate *string   `json:"start_date"`
	DueDate   *string   `json:"due_date"`
	WebURL    string    `json:"web_url"`
}

// iteration is a group iteration (GitLab's sprint). Dates are days; the
// state is a number in older GitLab (1 upcoming, 2 current, 3 closed) and
// a name in newer.
type iteration struct {
	ID        int64           `json:"id"`
	IID       int64           `json:"iid"`
	GroupID   int64           `json:"group_id"`
	Title     *string         `json:"title"`
	State     json.RawMessage `json:"state"`
	StartDate *string         `json:"start_date"`
	DueDate   *string         `json:"due_date"`
	WebURL    string          `json:"web_url"`
}

type issue struct {
	ID        int64      `json:"id"`
	IID       int64      `json:"iid"`
	ProjectID int64      `json:"project_id"`
	Title     string     `json:"title"`
	State     string     `json:"state"` // opened | closed
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	ClosedAt  *time.Time `json:"closed_at"`
	Labels    []string   `json:"labels"`
	Milestone *milestone `json:"milestone"`
	Iteration *iteration `json:"iteration"`
	Assignees []struct {
		Username string `json:"username"`
	} `json:"assignees"`
	IssueType string `json:"issue_type"`
}

// resourceEvent is a resource milestone, iteration or state event of an
// issue: the container by id (milestone or iteration), the action, and
// the issue's state then (for state events, the state it moved to).
type resourceEvent struct {
	ID        int64      `json:"id"`
	CreatedAt time.Time  `json:"created_at"`
	Action    string     `json:"action"` // add | remove (milestone, iteration events)
	State     string     `json:"state"`  // opened | closed | reopened
	Milestone *container `json:"milestone"`
	Iteration *container `json:"iteration"`
	User      *struct {
		Username string `json:"username"`
	} `json:"user"`
}

type container struct {
	ID int64 `json:"id"`
}

// The kinds of resource events an issue has, as their endpoints name them.
const (
	eventsMilestone = "resource_milestone_events"
	eventsIteration = "resource_iteration_events"
	eventsState     = "resource_state_events"
)

func enc(pathOrID string) string { return url.PathEscape(pathOrID) }

// getProject reads a project by its full path.
func (c client) getProject(ctx context.Context, path string) (project, error) {
	var p project
	if _, err := c.http.GetJSON(ctx, "/projects/"+enc(path), nil, &p); err != nil {
		return p, err
	}
	if p.ID == 0 || p.PathWithNamespace == "" {
		return p, fmt.Errorf("gitlab: project %s: missing id or path", path)
	}
	return p, nil
}

// getGroup reads a group by its full path.
func (c client) getGroup(ctx context.Context, path string) (group, error) {
	var g group
	if _, err := c.http.GetJSON(ctx, "/groups/"+enc(path), url.Values{"with_projects": {"false"}}, &g); err != nil {
		return g, err
	}
	if g.ID == 0 || g.FullPath == "" {
		return g, fmt.Errorf("gitlab: group %s: missing id or full_path", path)
	}
	return g, nil
}

// groupProjects lists a group's projects, subgroups included, by keyset.
func (c client) groupProjects(ctx context.Context, g group) ([]project, error) {
	q := url.Values{"include_subgroups": {"true"}, "pagination": {"keyset"}, "order_by": {"id"}, "sort": {"asc"},
		"per_page": {strconv.Itoa(perPage)}, "archived": {"false"}}
	var out []project
	err := pages(ctx, c, "/groups/"+strconv.FormatInt(g.ID, 10)+"/projects", q, func(page []project) (time.Time, error) {
		for i, p := range page {
			if p.ID == 0 || p.PathWithNamespace == "" {
				return time.Time{}, fmt.Errorf("gitlab: group %s projects: item %d: missing id or path", g.FullPath, i)
			}
		}
		out = append(out, page...)
		return time.Time{}, nil
	})
	return out, err
}

// milestones lists every milestone of a project, those of its ancestor
// groups included (an issue may be in a group milestone).
func (c client) milestones(ctx context.Context, p project) ([]milestone, error) {
	q := url.Values{"include_ancestors": {"true"}, "per_page": {strconv.Itoa(perPage)}}
	var out []milestone
	err := pages(ctx, c, "/projects/"+strconv.FormatInt(p.ID, 10)+"/milestones", q, func(page []milestone) (time.Time, error) {
		for i, m := range page {
			if m.ID == 0 || m.Title == "" {
				return time.Time{}, fmt.Errorf("gitlab: %s milestones: item %d: missing id or title", p.PathWithNamespace, i)
			}
		}
		out = append(out, page...)
		return time.Time{}, nil
	})
	return out, err
}

// iterations lists the iterations of a group and its ancestors.
func (c client) iterations(ctx context.Context, groupID int64) ([]iteration, error) {
	q := url.Values{"include_ancestors": {"true"}, "per_page": {strconv.Itoa(perPage)}}
	var out []iteration
	err := pages(ctx, c, "/groups/"+strconv.FormatInt(groupID, 10)+"/iterations", q, func(page []iteration) (time.Time, error) {
		for i, it := range page {
			if it.ID == 0 || it.StartDate == nil || it.DueDate == nil {
				return time.Time{}, fmt.Errorf("gitlab: group %d iterations: item %d: missing id, start_date or due_date", groupID, i)
			}
		}
		out = append(out, page...)
		return time.Time{}, nil
	})
	return out, err
}

// issuesSince reads a project's issues updated at or after since, oldest
// update first; fn may restart the listing from a later time (see
// source.issues).
func (c client) issuesSince(ctx context.Context, p project, since time.Time, fn func([]issue) (time.Time, error)) error {
	q := url.Values{"scope": {"all"}, "state": {"all"}, "order_by": {"updated_at"}, "sort": {"asc"},
		"per_page": {strconv.Itoa(perPage)}}
	if !since.IsZero() {
		q.Set("updated_after", since.UTC().Format(time.RFC3339))
	}
	return pages(ctx, c, "/projects/"+strconv.FormatInt(p.ID, 10)+"/issues", q, func(page []issue) (time.Time, error) {
		// q holds the updated_after of the request that answered this page.
		from, _ := time.Parse(time.RFC3339, q.Get("updated_after"))
		for i, is := range page {
			if is.ID == 0 || is.IID == 0 || is.UpdatedAt.IsZero() {
				return time.Time{}, fmt.Errorf("gitlab: %s issues: item %d: missing id, iid or updated_at", p.PathWithNamespace, i)
			}
			// A page of an earlier updated_after would move the listing
			// past the items of this one's first page.
			if err := pageloop.NotBefore(from, i, is.UpdatedAt); err != nil {
				return time.Time{}, err
			}
		}
		return fn(page)
	})
}

// events reads an issue's resource events of one kind (eventsMilestone,
// eventsIteration, eventsState).
func (c client) events(ctx context.Context, p project, iid int64, kind string) ([]resourceEvent, error) {
	path := "/projects/" + strconv.FormatInt(p.ID, 10) + "/issues/" + strconv.FormatInt(iid, 10) + "/" + kind
	var out []resourceEvent
	err := pages(ctx, c, path, url.Values{"per_page": {strconv.Itoa(perPage)}}, func(page []resourceEvent) (time.Time, error) {
		for i, e := range page {
			ok := e.ID != 0 && !e.CreatedAt.IsZero()
			if kind == eventsState {
				ok = ok && e.State != ""
			} else {
				ok = ok && (e.Action == "add" || e.Action == "remove")
			}
			if !ok {
				return time.Time{}, fmt.Errorf("gitlab: %s#%d %s: item %d: missing id, created_at, action or state",
					p.PathWithNamespace, iid, kind, i)
			}
		}
		out = append(out, page...)
		return time.Time{}, nil
	})
	return out, err
}

// pages reads every page of a list at path: the next one is x-next-page
// (offset paging) or the Link header's next (keyset paging). fn may
// return a time to restart from: the list is then read again from its
// first page with updated_after set to it, when there is a next page. A
// next page followed already fails the listing: the server repeats a
// page.
func pages[T any](ctx context.Context, c client, path string, q url.Values, fn func([]T) (time.Time, error)) error {
	next := ""
	var followed pageloop.Guard
	for n := 0; ; n++ {
		if n > maxPages {
			return fmt.Errorf("gitlab: %s: more than %d pages; stopping", path, maxPages)
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
		restart, err := fn(page)
		if errors.Is(err, pageloop.ErrStale) {
			return c.pageError(resp, err)
		}
		if err != nil {
			return err
		}
		link := httpx.NextLink(resp.Header)
		nextPage := strings.TrimSpace(resp.Header.Get("X-Next-Page"))
		switch {
		case link == "" && nextPage == "":
			return nil
		case !restart.IsZero():
			q.Set("updated_after", restart.UTC().Format(time.RFC3339))
			q.Del("page")
			next = ""
			followed.Reset() // a later updated_after: its pages are new
		case link != "":
			if err := followed.Follow(link); err != nil {
				return c.pageError(resp, err)
			}
			next = link
		default:
			if err := followed.Follow("page=" + nextPage); err != nil {
				return c.pageError(resp, err)
			}
			q.Set("page", nextPage)
			next = ""
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
