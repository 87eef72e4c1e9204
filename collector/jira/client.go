package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/runway-analytics/runway/collector/httpx"
	"github.com/runway-analytics/runway/collector/pageloop"
)

// Endpoints. Both flavours have Agile 1.0. Jira Cloud speaks REST v3,
// searches through search/jql paged by nextPageToken and fetches the whole
// changelogs of many issues at once through changelog/bulkfetch. Jira Data
// Center (and Server) speaks REST v2, searches through search paged by
// startAt/total, and returns an issue's whole changelog with GET
// /issue/{key}?expand=changelog.
const (
	restCloud     = "/rest/api/3"
	restDC        = "/rest/api/2"
	pathBoards    = "/rest/agile/1.0/board"
	agilePageSize = 50  // Agile API's maximum for boards and sprints
	searchPage    = 100 // Jira may return fewer (it caps pages with changelogs)
	// pathBulkChangelogs takes up to bulkIssues issues a request and pages
	// their histories by nextPageToken; Jira may return fewer than
	// bulkPage a page.
	pathBulkChangelogs = restCloud + "/changelog/bulkfetch"
	bulkIssues         = 1000
	bulkPage           = 1000
	// listPage is the page size of an id listing (fields=id): Cloud
	// returns up to 5000 keys-only issues a page, Data Center up to its
	// jira.search.views.default.max (1000 by default); either may return
	// fewer.
	listPage   = 1000
	pathSprint = "/rest/agile/1.0/sprint/" // + {sprintId}
)

func pathSprints(boardID int64) string {
	return pathBoards + "/" + strconv.FormatInt(boardID, 10) + "/sprint"
}

// client speaks to one Jira site. Errors name the endpoint: transport and
// decoding errors come so from httpx, and payload errors are wrapped with
// endpointError.
type client struct {
	http *httpx.Client
	// dc selects Data Center (and Server): REST v2, startAt-paged search,
	// the full changelog from GET issue. Otherwise Cloud.
	dc bool
}

// rest is the path of a platform REST endpoint in the client's flavour.
func (c client) rest(p string) string {
	if c.dc {
		return restDC + p
	}
	return restCloud + p
}

func (c client) pathSearch() string {
	if c.dc {
		return restDC + "/search"
	}
	return restCloud + "/search/jql"
}

// endpointError prefixes err with the source and GET endpoint, as httpx does.
func (c client) endpointError(path string, err error) error {
	return fmt.Errorf("%s: GET %s: %w", c.http.Source(), path, err)
}

// postError is endpointError for a POST endpoint.
func (c client) postError(path string, err error) error {
	return fmt.Errorf("%s: POST %s: %w", c.http.Source(), path, err)
}

func (c client) fields(ctx context.Context) ([]field, error) {
	var fs []field
	path := c.rest("/field")
	if _, err := c.http.GetJSON(ctx, path, nil, &fs); err != nil {
		return nil, err
	}
	for i, f := range fs {
		if f.ID == "" {
			return nil, c.endpointError(path, fmt.Errorf("field #%d (%q): missing id", i, f.Name))
		}
	}
	return fs, nil
}

func (c client) statuses(ctx context.Context) ([]status, error) {
	var ss []status
	path := c.rest("/status")
	if _, err := c.http.GetJSON(ctx, path, nil, &ss); err != nil {
		return nil, err
	}
	for i, s := range ss {
		if s.ID == "" {
			return nil, c.endpointError(path, fmt.Errorf("status #%d (%q): missing id", i, s.Name))
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
	_, err := c.http.GetJSON(ctx, c.rest("/myself"), nil, &me)
	return me.TimeZone, err
}

// page is the offset paging of the Agile API and of project versions.
type page[T any] struct {
	StartAt    *int `json:"startAt"`
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
		if err := samePage(startAt, p.StartAt); err != nil {
			return c.endpointError(path, err)
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

// samePage fails, wrapping pageloop.ErrStale, when an offset page says
// it starts elsewhere than asked: a repeated or stale page, whose items
// would stand in for the asked ones.
func samePage(asked int, answered *int) error {
	if answered != nil && *answered != asked {
		return fmt.Errorf("asked for startAt %d, the page starts at %d: %w", asked, *answered, pageloop.ErrStale)
	}
	return nil
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

// searchPageResp is a page of a search: Cloud's GET /rest/api/3/search/jql
// (nextPageToken, isLast) or Data Center's GET /rest/api/2/search (startAt,
// total). Issues stay raw so that one malformed issue gives an error naming
// it.
type searchPageResp struct {
	Issues        []json.RawMessage `json:"issues"`
	StartAt       *int              `json:"startAt"`
	NextPageToken string            `json:"nextPageToken"`
	IsLast        *bool             `json:"isLast"`
	Total         *int              `json:"total"`
}

// search runs JQL searches with expand=changelog, calling fn with each
// page's issues. fn returns the JQL to go on with: "" steps to the next page
// of the same search (Cloud: nextPageToken; Data Center: startAt), another
// JQL starts that search from its first page (keyset paging, see
// issueRun.search). The last page of a search ends it: Cloud's isLast (or
// no token), Data Center's total.
func (c client) search(ctx context.Context, jql string, fields []string, fn func([]json.RawMessage) (string, error)) error {
	path := c.pathSearch()
	token, startAt := "", 0
	seen := map[string]bool{}
	for {
		q := url.Values{
			"jql":        {jql},
			"fields":     {strings.Join(fields, ",")},
			"expand":     {"changelog"},
			"maxResults": {strconv.Itoa(searchPage)},
		}
		if c.dc {
			q.Set("startAt", strconv.Itoa(startAt))
		} else if token != "" {
			q.Set("nextPageToken", token)
		}
		var p searchPageResp
		if _, err := c.http.GetJSON(ctx, path, q, &p); err != nil {
			return err
		}
		if p.Issues == nil {
			return c.endpointError(path, errors.New("page without issues"))
		}
		if c.dc && p.Total == nil {
			return c.endpointError(path, errors.New("page without total"))
		}
		if c.dc {
			if err := samePage(startAt, p.StartAt); err != nil {
				return c.endpointError(path, err)
			}
		}
		next, err := fn(p.Issues)
		if err != nil {
			return err
		}
		// An empty page ends it too: the total may shrink while paging.
		if c.dc && (len(p.Issues) == 0 || startAt+len(p.Issues) >= *p.Total) ||
			!c.dc && ((p.IsLast != nil && *p.IsLast) || p.NextPageToken == "") {
			return nil
		}
		switch {
		case next != "":
			jql, token, startAt = next, "", 0
			clear(seen)
		case c.dc:
			startAt += len(p.Issues)
		case seen[p.NextPageToken]:
			return c.endpointError(path, fmt.Errorf("nextPageToken repeats: %w", pageloop.ErrRepeated))
		default:
			seen[p.NextPageToken] = true
			token = p.NextPageToken
		}
	}
}

// changelog fetches an issue's whole changelog on Data Center (most
// versions have no bulk endpoint): GET /issue/{key}?expand=changelog
// returns every history, oldest first.
func (c client) changelog(ctx context.Context, key string) ([]history, error) {
	path := c.rest("/issue/" + url.PathEscape(key))
	var is struct {
		Changelog *changelog `json:"changelog"`
	}
	// One cheap field: the changelog is what is wanted.
	q := url.Values{"expand": {"changelog"}, "fields": {"updated"}}
	if _, err := c.http.GetJSON(ctx, path, q, &is); err != nil {
		return nil, err
	}
	switch cl := is.Changelog; {
	case cl == nil || cl.Histories == nil:
		return nil, c.endpointError(path, errors.New("issue without changelog"))
	case cl.incomplete():
		return nil, c.endpointError(path, fmt.Errorf("changelog has %d of %d histories", len(cl.Histories), cl.Total))
	}
	for i, h := range is.Changelog.Histories {
		if h.ID == "" {
			return nil, c.endpointError(path, fmt.Errorf("changelog history #%d: missing id", i))
		}
	}
	return is.Changelog.Histories, nil
}

// bulkChangelogs fetches the whole changelogs of the issues with the given
// ids on Cloud, by issue id, in the server's order (the mapper sorts them).
// Each is asked for because its embedded changelog is truncated, so each
// has histories: one missing from the answer is an error, not an empty
// changelog.
func (c client) bulkChangelogs(ctx context.Context, ids []string) (map[string][]history, error) {
	out := make(map[string][]history, len(ids))
	for chunk := range slices.Chunk(ids, bulkIssues) {
		if err := c.bulkChangelogChunk(ctx, chunk, out); err != nil {
			return nil, err
		}
	}
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			return nil, c.postError(pathBulkChangelogs, fmt.Errorf("issue %s: missing from the answer", id))
		}
	}
	return out, nil
}

// bulkChangelogChunk adds the histories of up to bulkIssues issues to out,
// page by page: an issue's histories may go on over the next page.
func (c client) bulkChangelogChunk(ctx context.Context, ids []string, out map[string][]history) error {
	path := pathBulkChangelogs
	asked := make(map[string]bool, len(ids))
	for _, id := range ids {
		asked[id] = true
	}
	req := struct {
		IssueIDsOrKeys []string `json:"issueIdsOrKeys"`
		MaxResults     int      `json:"maxResults"`
		NextPageToken  string   `json:"nextPageToken,omitempty"`
	}{IssueIDsOrKeys: ids, MaxResults: bulkPage}
	seen := map[string]bool{}
	for {
		var p struct {
			IssueChangeLogs []struct {
				IssueID         string    `json:"issueId"`
				ChangeHistories []history `json:"changeHistories"`
			} `json:"issueChangeLogs"`
			NextPageToken string `json:"nextPageToken"`
		}
		if _, err := c.http.PostJSON(ctx, path, nil, req, &p); err != nil {
			return err
		}
		if p.IssueChangeLogs == nil {
			return c.postError(path, errors.New("page without issueChangeLogs"))
		}
		for _, l := range p.IssueChangeLogs {
			if !asked[l.IssueID] {
				return c.postError(path, fmt.Errorf("issue %q: not asked for", l.IssueID))
			}
			for i, h := range l.ChangeHistories {
				if h.ID == "" {
					return c.postError(path, fmt.Errorf("issue %s: changelog history #%d: missing id", l.IssueID, len(out[l.IssueID])+i))
				}
			}
			out[l.IssueID] = append(out[l.IssueID], l.ChangeHistories...)
		}
		switch {
		case p.NextPageToken == "":
			return nil
		case seen[p.NextPageToken]:
			return c.postError(path, fmt.Errorf("nextPageToken repeats: %w", pageloop.ErrRepeated))
		}
		seen[p.NextPageToken] = true
		req.NextPageToken = p.NextPageToken
	}
}

// searchIDs returns the ids of the first page of a search (fields=id, no
// changelog) and whether that page is its last: Cloud's isLast (or no
// nextPageToken), Data Center's total. Ids are Jira's numeric issue ids.
func (c client) searchIDs(ctx context.Context, jql string) (ids []string, last bool, err error) {
	path := c.pathSearch()
	q := url.Values{"jql": {jql}, "fields": {"id"}, "maxResults": {strconv.Itoa(listPage)}}
	if c.dc {
		q.Set("startAt", "0")
	}
	var p struct {
		Issues []struct {
			ID string `json:"id"`
		} `json:"issues"`
		NextPageToken string `json:"nextPageToken"`
		IsLast        *bool  `json:"isLast"`
		Total         *int   `json:"total"`
	}
	if _, err := c.http.GetJSON(ctx, path, q, &p); err != nil {
		return nil, false, err
	}
	switch {
	case p.Issues == nil:
		return nil, false, c.endpointError(path, errors.New("page without issues"))
	case c.dc && p.Total == nil:
		return nil, false, c.endpointError(path, errors.New("page without total"))
	}
	ids = make([]string, len(p.Issues))
	for i, is := range p.Issues {
		if !numericID(is.ID) {
			return nil, false, c.endpointError(path, fmt.Errorf("issue #%d: id %q is not a number", i, is.ID))
		}
		ids[i] = is.ID
	}
	if c.dc {
		last = len(ids) >= *p.Total
	} else {
		last = (p.IsLast != nil && *p.IsLast) || p.NextPageToken == ""
	}
	return ids, last, nil
}

// numericID reports whether s is a positive decimal number without leading
// zeros, as Jira's ids are (and as an unquoted JQL value must be).
func numericID(s string) bool {
	if s == "" || len(s) > 19 || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// issueProject returns the project key of the issue with the given id, and
// false when Jira answers 404 (it does not exist, or the API user may no
// longer see it).
func (c client) issueProject(ctx context.Context, id string) (string, bool, error) {
	path := c.rest("/issue/" + url.PathEscape(id))
	var is struct {
		Fields struct {
			Project struct {
				Key string `json:"key"`
			} `json:"project"`
		} `json:"fields"`
	}
	if _, err := c.http.GetJSON(ctx, path, url.Values{"fields": {"project"}}, &is); err != nil {
		if httpx.IsStatus(err, http.StatusNotFound) {
			return "", false, nil
		}
		return "", false, err
	}
	return is.Fields.Project.Key, true, nil
}

// sprintExists reports whether GET sprint finds the sprint (false on 404).
func (c client) sprintExists(ctx context.Context, id int64) (bool, error) {
	var sp sprint
	if _, err := c.http.GetJSON(ctx, pathSprint+strconv.FormatInt(id, 10), nil, &sp); err != nil {
		if httpx.IsStatus(err, http.StatusNotFound) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}
