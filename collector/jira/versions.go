package jira

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/fanout"
	"github.com/runway-analytics/runway/collector/httpx"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// Fix versions are Jira's milestones. Cloud pages a project's versions
// (GET /rest/api/3/project/{key}/version: startAt, maxResults, isLast);
// Data Center answers GET /rest/api/2/project/{key}/versions with one
// array. Versions have no upstream history: every run stores a snapshot of
// each (due date, state, issue counts) and reports read due-date moves from
// those.

// version is one Jira fix version. Dates are days ("2010-07-06").
type version struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Archived    bool   `json:"archived"`
	Released    bool   `json:"released"`
	StartDate   string `json:"startDate"`
	ReleaseDate string `json:"releaseDate"`
	// Cloud with expand=issuesstatus: the version's issues per category.
	IssuesStatus *struct {
		Unmapped   int64 `json:"unmapped"`
		ToDo       int64 `json:"toDo"`
		InProgress int64 `json:"inProgress"`
		Done       int64 `json:"done"`
	} `json:"issuesStatusForFixVersion"`
}

func (c client) pathVersions(project string) string {
	if c.dc {
		return restDC + "/project/" + url.PathEscape(project) + "/versions"
	}
	return restCloud + "/project/" + url.PathEscape(project) + "/version"
}

// versions lists a project's fix versions, archived and released included.
func (c client) versions(ctx context.Context, project string) ([]version, error) {
	path := c.pathVersions(project)
	var out []version
	if c.dc {
		if _, err := c.http.GetJSON(ctx, path, nil, &out); err != nil {
			return nil, err
		}
		if out == nil {
			return nil, c.endpointError(path, fmt.Errorf("want an array of versions"))
		}
	} else {
		err := pageAll(ctx, c, path, url.Values{"expand": {"issuesstatus"}}, agilePageSize, func(vs []version) error {
			out = append(out, vs...)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for i, v := range out {
		if v.ID == "" {
			return nil, c.endpointError(path, fmt.Errorf("version #%d (%.40q): missing id", i, v.Name))
		}
	}
	return out, nil
}

// versionExists reports whether GET version finds it (false on 404).
func (c client) versionExists(ctx context.Context, id string) (bool, error) {
	var v version
	if _, err := c.http.GetJSON(ctx, c.rest("/version/"+url.PathEscape(id)), nil, &v); err != nil {
		if httpx.IsStatus(err, http.StatusNotFound) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// parseDay reads a Jira day ("2010-07-06", UTC). end selects the last
// second of the day: a due date is met by anything closed on that day.
func parseDay(s string, end bool) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil, fmt.Errorf("bad date %.40q (want YYYY-MM-DD)", s)
	}
	if end {
		d = d.Add(24*time.Hour - time.Second)
	}
	return &d, nil
}

// milestoneRows maps a version of project into its milestone row and this
// run's snapshot. A released version is closed: on its releaseDate when it
// has one (the end of that day), else at no time the source knows, and
// reports take the first snapshot that saw it released.
func (m *mapper) milestoneRows(v version, project, baseURL string) (warehouse.MilestoneRow, warehouse.MilestoneSnapshotRow, error) {
	start, err := parseDay(v.StartDate, false)
	if err != nil {
		return warehouse.MilestoneRow{}, warehouse.MilestoneSnapshotRow{}, fmt.Errorf("version %s: startDate: %w", v.ID, err)
	}
	due, err := parseDay(v.ReleaseDate, true)
	if err != nil {
		return warehouse.MilestoneRow{}, warehouse.MilestoneSnapshotRow{}, fmt.Errorf("version %s: releaseDate: %w", v.ID, err)
	}
	state := warehouse.MilestoneOpen
	var closed *time.Time
	if v.Released {
		state, closed = warehouse.MilestoneClosed, due
	}
	var open, done int64
	if st := v.IssuesStatus; st != nil {
		open, done = st.Unmapped+st.ToDo+st.InProgress, st.Done
	}
	var archived uint8
	if v.Archived {
		archived = 1
	}
	row := warehouse.MilestoneRow{Source: m.source, MilestoneID: v.ID, Project: project, Title: v.Name,
		State: state, URL: strings.TrimRight(baseURL, "/") + "/projects/" + url.PathEscape(project) + "/versions/" + url.PathEscape(v.ID),
		// Jira versions have no creation time (see DESIGN §5: the baseline
		// is the first membership event); the zero time says so.
		Created: time.Unix(0, 0).UTC(), Start: start, Due: due, Closed: closed,
		OpenIssues: open, ClosedIssues: done, Archived: archived, Version: m.version}
	snap := warehouse.MilestoneSnapshotRow{Source: m.source, MilestoneID: v.ID, Observed: m.now.Truncate(time.Second),
		RunID: m.now.Format(time.RFC3339Nano), State: state, Due: due, OpenIssues: open, ClosedIssues: done,
		Version: m.version}
	return row, snap, nil
}

// versionListing is what a run's version listing saw, for reconcile.
type versionListing struct {
	projects map[string]bool // listed projects
	versions map[string]bool // version ids listed
}

// milestones writes the fix versions of projects with a snapshot each.
// A malformed version fails the run: its cursors do not move.
func (s *source) milestones(ctx context.Context, sink collector.Sink, m *mapper, projects []string) (versionListing, error) {
	listed := versionListing{projects: map[string]bool{}, versions: map[string]bool{}}
	if len(projects) == 0 {
		s.log.WarnContext(ctx, "jira: no project keys configured or found on boards; fix versions are not collected", "source", s.cfg.Name)
		return listed, nil
	}
	err := fanout.Ordered(ctx, len(projects), fanout.Workers,
		func(ctx context.Context, i int) ([]version, error) { return s.api.versions(ctx, projects[i]) },
		func(i int, vs []version, err error) error {
			p := projects[i]
			if err != nil {
				if httpx.IsStatus(err, http.StatusNotFound) {
					// The project is gone or hidden from the API user: list
					// nothing for it, so reconcile tombstones none of it.
					s.log.WarnContext(ctx, "jira: project not found; its versions are not collected", "source", s.cfg.Name, "project", p)
					return nil
				}
				return err
			}
			listed.projects[p] = true
			for _, v := range vs {
				row, snap, err := m.milestoneRows(v, p, s.cfg.BaseURL)
				if err != nil {
					return s.api.endpointError(s.api.pathVersions(p), err)
				}
				listed.versions[v.ID] = true
				sink.Write(row, snap)
			}
			sink.Progress("versions", i+1, len(projects))
			return nil
		})
	if err != nil {
		return listed, err
	}
	return listed, nil
}

// deletedVersions returns the stored milestones of the projects listed this
// run that the listing did not show and that GET version no longer finds.
func (s *source) deletedVersions(ctx context.Context, sink collector.Sink, listed versionListing) ([]warehouse.StoredEntity, error) {
	stored, err := sink.Stored(ctx, warehouse.KindMilestone)
	if err != nil {
		return nil, err
	}
	var gone []warehouse.StoredEntity
	for _, e := range stored {
		if !listed.projects[e.Scope] || listed.versions[e.ID] {
			continue
		}
		found, err := s.api.versionExists(ctx, e.ID)
		if err != nil {
			return nil, fmt.Errorf("confirming that version %s is gone: %w", e.ID, err)
		}
		if !found {
			gone = append(gone, e)
		}
	}
	return gone, nil
}
