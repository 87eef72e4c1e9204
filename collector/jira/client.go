package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/runway-analytics/runway/collector/httpx"
)

// Endpoints (Jira Cloud REST v3 and Agile 1.0).
const (
	pathFields    = "/rest/api/3/field"
	pathStatuses  = "/rest/api/3/status"
	pathMyself    = "/rest/api/3/myself"
	pathBoards    = "/rest/agile/1.0/board"
	pathSearch    = "/rest/api/3/search/jql"
	agilePageSize = 50  // Agile API's maximum for boards and sprints
	searchPage    = 100 // Jira may return fewer (it caps pages with changelogs)
	changelogPage = 100
)

func pathSprints(boardID int64) string {
	return pathBoards + "/" + strconv.FormatInt(boardID, 10) + "/sprint"
}

func pathChangelog(key string) string {
	return "/rest/api/3/issue/" + url.PathEscape(key) + "/changelog"
}

// client speaks to one Jira site. Errors name the endpoint: transport and
// decoding errors come so from httpx, and payload errors are wrapped with
// endpointError.
type client struct {
	http *httpx.Client
}

// endpointError prefixes err with the source and endpoint, as httpx does.
func (c client) endpointError(path string, err error) error {
	return fmt.Errorf("%s: GET %s: %w", c.http.Source(), path, err)
}

func (c client) fields(ctx context.Context) ([]field, error) {
	var fs []field
	if _, err := c.http.GetJSON(ctx, pathFields, nil, &fs); err != nil {
		return nil, err
	}
	for i, f := range fs {
		if f.ID == "" {
			return nil, c.endpointError(pathFields, fmt.Errorf("field #%d (%q): missing id", i, f.Name))
		}
	}
	return fs, nil
}

func (c client) statuses(ctx context.Context) ([]status, error) {
	var ss []status
	if _, err := c.http.GetJSON(ctx, pathStatuses, nil, &ss); err != nil {
		return nil, err
	}
	for i, s := range ss {
		if s.ID == "" {
			return nil, c.endpointError(pathStatuses, fmt.Errorf("status #%d (%q): missing id", i, s.Name))
		}
	}
	return ss, nil
}

// timeZone returns the API user's profile time zone (an IANA name, ""
// when the profile has none): JQL date literals are read in it.
func (c client) timeZone(ctx context.Context) (string, error) {
	var me struct {
		TimeZone string `json:"timeZone"`
	}
	_, err := c.http.GetJSON(ctx, pathMyself, nil, &me)
	return me.TimeZone, err
}

// page is the Agile API's and the changelog endpoint's offset paging.
type page[T any] struct {
	StartAt    int  `json:"startAt"`
	MaxResults int  `json:"maxResults"`
	Total      int  `json:"total"`
	IsLast     bool `json:"isLast"`
	Values     []T  `json:"values"`
}

// pageAll fetches every page of an offset-paged endpoint (startAt,
// maxResults; isLast ends it), calling fn with each page's values.
func pageAll[T any](ctx context.Context, c client, path string, query url.Values, size int, fn func([]T) error) error {
	startAt := 0
	for {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("startAt", strconv.Itoa(startAt))
		q.Set("maxResults", strconv.Itoa(size))
		var p page[T]
		if _, err := c.http.GetJSON(ctx, path, q, &p); err != nil {
			return err
		}
		if p.Values == nil {
			return c.endpointError(path, errors.New("page without values"))
		}
		if err := fn(p.Values); err != nil {
			return err
		}
		startAt += len(p.Values)
		// Some Jira versions leave out isLast; an empty page or reaching
		// the total ends the listing too.
		if p.IsLast || len(p.Values) == 0 || (p.Total > 0 && startAt >= p.Total) {
			return nil
		}
	}
}

func (c client) boards(ctx context.Context) ([]board, error) {
	var out []board
	err := pageAll(ctx, c, pathBoards, nil, agilePageSize, func(bs []board) error {
		for i, b := range bs {
			if b.ID <= 0 {
				return c.endpointError(pathBoards, fmt.Errorf("board #%d (%q): missing id", len(out)+i, b.Name))
			}
		}
		out = append(out, bs...)
		return nil
	})
	return out, err
}

// sprints lists a board's sprints in every state.
func (c client) sprints(ctx context.Context, boardID int64) ([]sprint, error) {
	var out []sprint
	p := pathSprints(boardID)
	err := pageAll(ctx, c, p, url.Values{"state": {"future,active,closed"}}, agilePageSize, func(ss []sprint) error {
		out = append(out, ss...)
		return nil
	})
	return out, err
}

// searchPageResp is a page of GET /rest/api/3/search/jql. Issues stay raw so
// that one malformed issue gives an error naming it.
type searchPageResp struct {
	Issues        []json.RawMessage `json:"issues"`
	NextPageToken string            `json:"nextPageToken"`
	IsLast        *bool             `json:"isLast"`
}

// search runs a JQL search with expand=changelog, calling fn with each
// page's issues. Pages follow nextPageToken until isLast (or no token).
func (c client) search(ctx context.Context, jql string, fields []string, fn func([]json.RawMessage) error) error {
	token := ""
	seen := map[string]bool{}
	for {
		q := url.Values{
			"jql":        {jql},
			"fields":     {strings.Join(fields, ",")},
			"expand":     {"changelog"},
			"maxResults": {strconv.Itoa(searchPage)},
		}
		if token != "" {
			q.Set("nextPageToken", token)
		}
		var p searchPageResp
		if _, err := c.http.GetJSON(ctx, pathSearch, q, &p); err != nil {
			return err
		}
		if p.Issues == nil {
			return c.endpointError(pathSearch, errors.New("page without issues"))
		}
		if err := fn(p.Issues); err != nil {
			return err
		}
		if (p.IsLast != nil && *p.IsLast) || p.NextPageToken == "" {
			return nil
		}
		if seen[p.NextPageToken] {
			return c.endpointError(pathSearch, errors.New("nextPageToken repeats: paging would not end"))
		}
		seen[p.NextPageToken] = true
		token = p.NextPageToken
	}
}

// changelog fetches an issue's whole changelog (oldest first).
func (c client) changelog(ctx context.Context, key string) ([]history, error) {
	var out []history
	err := pageAll(ctx, c, pathChangelog(key), nil, changelogPage, func(hs []history) error {
		out = append(out, hs...)
		return nil
	})
	return out, err
}
