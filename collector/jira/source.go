// Package jira collects boards, sprints, statuses and issues with their
// status and Sprint-field history from Jira Cloud (REST v3 and Agile 1.0;
// Data Center with a bearer token), and derives sprint membership events
// and intervals from the history (DESIGN.md §4, §5).
package jira

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/fanout"
	"github.com/runway-analytics/runway/collector/httpx"
	"github.com/runway-analytics/runway/collector/pageloop"
)

// Type is the source type this package implements.
const Type = "jira"

const (
	// CursorIssues holds the RFC 3339 time of the newest issue update seen.
	CursorIssues = "issues_updated"
	// CursorProjects holds the projects CursorIssues covers: their keys,
	// upper-cased, sorted and comma-separated, or "*" for every project.
	CursorProjects = "issues_projects"
	// overlap re-reads issues updated shortly before the cursor: JQL dates
	// have minute precision.
	overlap = 5 * time.Minute
	// maxBehindUTC is the largest negative UTC offset (-12:00): the extra
	// overlap when the API user's time zone is unknown.
	maxBehindUTC = 12 * time.Hour
	jqlTime      = "2006-01-02 15:04"
)

type source struct {
	cfg config.Source
	// settings are cfg.Settings: the Jira keys.
	settings *Config
	api      client
	log      *slog.Logger
	now      func() time.Time
	// checkpointPages is how many search pages the issue search collects
	// between checkpoints.
	checkpointPages int
}

// defaultCheckpointPages: a checkpoint every 20 pages of 100 issues keeps
// inserts large (ClickHouse likes few big parts) and a failed backfill
// loses at most a few minutes of work.
const defaultCheckpointPages = 20

// New builds a Jira source. It matches collector.Factory. The flavour is
// decided here and only here, by the e-mail: set, Jira Cloud with Basic
// e-mail:token auth; empty, Jira Data Center (or Server) with the token as
// a Bearer personal access token.
func New(cfg config.Source, deps collector.Deps) (collector.Source, error) {
	settings, deps, err := collector.Prepare(Type, cfg, deps, NewConfig)
	if err != nil {
		return nil, err
	}
	token := cfg.Token.Reveal()
	auth := httpx.BearerAuth(token)
	if settings.cloud() {
		auth = httpx.BasicAuth(settings.Email, token)
	}
	hc := deps.NewHTTP(httpx.Options{Auth: auth})
	return &source{cfg: cfg, settings: settings, api: client{http: hc, dc: !settings.cloud()}, log: deps.Logger,
		now: deps.Now, checkpointPages: defaultCheckpointPages}, nil
}

func (s *source) Name() string { return s.cfg.Name }
func (s *source) Type() string { return Type }

// Collect writes statuses, boards, sprints, the fix versions of the
// collected projects (milestones, with a snapshot each) and the issues
// updated since the cursor (with their status, points, sprint and fix
// version histories). The cursor moves with the rows that justify it: at the
// checkpoints of the issue search and at the end. When a reconcile is due
// (Config.Reconcile), the run then tombstones the stored issues and
// sprints deleted upstream (see reconcile.go).
func (s *source) Collect(ctx context.Context, sink collector.Sink) error {
	now := s.now().UTC()

	fields, err := s.api.fields(ctx)
	if err != nil {
		return err
	}
	sprintField, pointsField := discoverFields(fields, s.settings.PointsField)
	if sprintField == "" {
		s.log.WarnContext(ctx, "jira: no Sprint field on this site; sprint membership is not collected")
	}

	statuses, err := s.api.statuses(ctx)
	if err != nil {
		return err
	}
	m := newMapper(s.cfg.Name, sprintField, pointsField, statuses, now)
	for _, st := range statuses {
		sink.Write(m.statusRow(st))
	}

	boards, err := s.boards(ctx)
	if err != nil {
		return err
	}
	for _, b := range boards {
		sink.Write(m.boardRow(b))
	}
	listed, err := s.sprints(ctx, sink, m, boards)
	if err != nil {
		return err
	}
	projects := s.projects(boards)
	versions, err := s.milestones(ctx, sink, m, projects)
	if err != nil {
		return err
	}

	from, prev, err := s.since(sink, now)
	if err != nil {
		return err
	}
	reconcile := s.reconcileDue(ctx, sink, now, prev.IsZero())
	loc, err := s.jqlZone(ctx)
	if err != nil {
		return err
	}
	want := []string{"summary", "status", "issuetype", "project", "created", "updated",
		"resolutiondate", "assignee", "parent", "labels", "fixVersions"}
	for _, f := range []string{sprintField, pointsField} {
		if f != "" && !slices.Contains(want, f) {
			want = append(want, f)
		}
	}
	run := &issueRun{s: s, m: m, sink: sink, fields: want, loc: loc,
		seen: map[string]time.Time{}, maxUpdated: prev}

	// The issue cursor holds only for the projects searched so far: a
	// project new to the search (added to projects:, or brought by a new
	// board) gets the first run's window once, or its older issues would
	// never be collected.
	stored, _ := sink.Cursor(CursorProjects)
	if fresh, ok := newProjects(stored, projects); ok && !prev.IsZero() {
		if back := now.Add(-s.cfg.Reach()); back.Before(from) {
			if err := run.search(ctx, fresh, back); err != nil {
				return err
			}
		}
	}
	// From here on the cursors are justified page by page: new projects
	// have their backfill, and the keyset search has read every issue
	// updated before the newest one it returned (the overlap re-reads that
	// minute). So the main search checkpoints; the backfill above does not,
	// since its pages justify no cursor of the other projects.
	run.checkpoint = func(ctx context.Context) error {
		run.setCursors(prev, stored, projects)
		return sink.Checkpoint(ctx)
	}
	if err := run.search(ctx, projects, from); err != nil {
		return err
	}
	run.setCursors(prev, stored, projects)
	if !reconcile {
		return nil
	}
	// What was collected is committed before the listing starts, so that
	// a reconcile cut short (a timeout, a shutdown) costs none of it.
	if err := sink.Checkpoint(ctx); err != nil {
		return err
	}
	return s.reconcile(ctx, sink, m, projects, listed, versions, now)
}

// setCursors sets the issue cursor to the newest update collected and the
// projects cursor to the projects searched now (not the union with the
// stored ones: a project dropped and added again later was not searched in
// between, so it is backfilled again).
func (r *issueRun) setCursors(prev time.Time, stored string, projects []string) {
	if r.maxUpdated.After(prev) {
		r.sink.SetCursor(CursorIssues, r.maxUpdated.UTC().Format(time.RFC3339))
	}
	if key := projectsKey(projects); key != stored {
		r.sink.SetCursor(CursorProjects, key)
	}
}

// issueRun collects the issues of one run, over one or two searches.
type issueRun struct {
	s      *source
	m      *mapper
	sink   collector.Sink
	fields []string
	loc    *time.Location // the JQL time zone; nil: unknown
	// seen holds the updated time of every issue collected in this run, by
	// id: keyset paging reads some issues again.
	seen       map[string]time.Time
	maxUpdated time.Time
	done       int
	// checkpoint, when set, commits the run so far; search calls it every
	// s.checkpointPages pages.
	checkpoint func(context.Context) error
	pages      int
}

// search collects the issues of projects (none: every project) updated at
// or after from.
//
// It pages by keyset, not by offset. The pages of a search are no snapshot
// (Data Center counts startAt in the current result; Cloud's search is
// eventually consistent and documents none): an issue edited after it was
// returned moves to the end, every later issue shifts one place left, and
// the next offset skips one, for good, since the cursor then passes it. So
// after each page the search starts over from the minute of the page's last
// issue (JQL dates have minute precision; issues seen at the same update are
// skipped). It steps on by offset or token only when that restart would read
// the whole page again: a minute holding more than a page (or, with an
// unknown zone or near a daylight-saving change, the widened window). A
// restart always moves from forward, so paging ends.
//
// Every issue of a page must match its search's lower bound: a page that
// does not answers another search (a repeated or stale page), and the
// restart it leads to would skip the issues this search's first page
// holds. The bound is only known exactly in a known time zone.
func (r *issueRun) search(ctx context.Context, projects []string, from time.Time) error {
	jql, at := buildJQL(projects, from, r.loc)
	if r.loc == nil {
		at = time.Time{}
	}
	return r.s.api.search(ctx, jql, r.fields, func(raws []json.RawMessage) (string, error) {
		first, last, err := r.collect(ctx, raws, at)
		if err != nil {
			return "", err
		}
		r.sink.Progress("issues", r.done, 0)
		if r.pages++; r.checkpoint != nil && r.s.checkpointPages > 0 && r.pages%r.s.checkpointPages == 0 {
			if err := r.checkpoint(ctx); err != nil {
				return "", err
			}
		}
		next := last.Truncate(time.Minute)
		if len(raws) == 0 || !next.After(from) {
			return "", nil // no later minute to start from: step on
		}
		jql, nextAt := buildJQL(projects, next, r.loc)
		if !nextAt.After(first) {
			return "", nil // the restart would return this page again: step on
		}
		from = next
		if r.loc != nil {
			at = nextAt
		}
		return jql, nil
	})
}

// pageIssue is an issue of a search page to collect.
type pageIssue struct {
	is      issue
	updated time.Time
}

// collect writes the rows of a search page's issues, but those this run
// collected already as they are, and returns the updated times of the
// page's first and last issues. The page is decoded in full first, so that
// its truncated changelogs are completed together (fullChangelogs). An
// issue updated before from (the search's lower bound; zero: unknown)
// fails it: the page answers another search.
func (r *issueRun) collect(ctx context.Context, raws []json.RawMessage, from time.Time) (first, last time.Time, err error) {
	api := r.s.api
	var todo []pageIssue
	for i, raw := range raws {
		is, err := decodeIssue(raw, r.done+len(todo))
		if err != nil {
			return first, last, api.endpointError(api.pathSearch(), err)
		}
		updated, err := is.updated()
		if err != nil {
			return first, last, api.endpointError(api.pathSearch(), err)
		}
		if err := pageloop.NotBefore(from, i, updated); err != nil {
			return first, last, api.endpointError(api.pathSearch(), err)
		}
		if i == 0 {
			first = updated
		}
		last = updated
		if at, ok := r.seen[is.ID]; ok && !updated.After(at) {
			continue
		}
		// Marked now, so that an issue listed twice in the page is
		// collected once; a failure below fails the run anyway.
		r.seen[is.ID] = updated
		todo = append(todo, pageIssue{is, updated})
	}
	if err := r.fullChangelogs(ctx, todo); err != nil {
		return first, last, err
	}
	for _, p := range todo {
		rows, err := r.m.issue(p.is)
		if err != nil {
			return first, last, api.endpointError(api.pathSearch(), err)
		}
		r.sink.Write(rows.all()...)
		if p.updated.After(r.maxUpdated) {
			r.maxUpdated = p.updated
		}
		r.done++
	}
	return first, last, nil
}

// fullChangelogs completes the truncated embedded changelogs of a page's
// issues: on Cloud with one bulk fetch for the whole page, on Data Center
// issue by issue.
func (r *issueRun) fullChangelogs(ctx context.Context, page []pageIssue) error {
	api := r.s.api
	var ids []string
	for _, p := range page {
		cl := p.is.Changelog
		if !cl.incomplete() {
			continue
		}
		if !api.dc {
			if !slices.Contains(ids, p.is.ID) { // listed twice, edited in between
				ids = append(ids, p.is.ID)
			}
			continue
		}
		full, err := api.changelog(ctx, p.is.Key)
		if err != nil {
			return err
		}
		cl.Histories = mergeHistories(cl.Histories, full)
	}
	if len(ids) == 0 {
		return nil
	}
	full, err := api.bulkChangelogs(ctx, ids)
	if err != nil {
		return err
	}
	for _, p := range page {
		if cl := p.is.Changelog; cl.incomplete() {
			cl.Histories = mergeHistories(cl.Histories, full[p.is.ID])
		}
	}
	return nil
}

// boards lists the boards to collect: the configured ids, else the boards of
// the configured projects, else all boards the user can see.
func (s *source) boards(ctx context.Context) ([]board, error) {
	all, err := s.api.boards(ctx)
	if err != nil {
		return nil, err
	}
	var out []board
	switch {
	case len(s.settings.Boards) > 0:
		for _, id := range s.settings.Boards {
			i := slices.IndexFunc(all, func(b board) bool { return b.ID == id })
			if i < 0 {
				return nil, fmt.Errorf("%s: board %d is not visible to the API user (configured in boards)", s.api.http.Source(), id)
			}
			out = append(out, all[i])
		}
	case len(s.settings.Projects) > 0:
		for _, b := range all {
			if slices.ContainsFunc(s.settings.Projects, func(p string) bool { return strings.EqualFold(p, b.Location.ProjectKey) }) {
				out = append(out, b)
			}
		}
	default:
		out = all
	}
	return out, nil
}

// sprintListing is what the sprint lists of one run showed: the boards
// whose list was read in full and every sprint id on them (board and
// sprint ids as stored).
type sprintListing struct {
	boards, sprints map[string]bool
}

// sprints writes the sprints of every board, once per sprint id (a sprint
// shown on two boards belongs to its origin board), and returns what the
// lists showed.
func (s *source) sprints(ctx context.Context, sink collector.Sink, m *mapper, boards []board) (sprintListing, error) {
	listed := sprintListing{boards: map[string]bool{}, sprints: map[string]bool{}}
	seen := map[int64]bool{}
	err := fanout.Ordered(ctx, len(boards), fanout.Workers,
		func(ctx context.Context, i int) ([]sprint, error) {
			if boards[i].Type == "kanban" {
				return nil, nil // kanban boards have no sprints (Jira answers 400)
			}
			return s.api.sprints(ctx, boards[i].ID)
		},
		func(i int, ss []sprint, err error) error {
			b := boards[i]
			sink.Progress("sprints", i, len(boards))
			if b.Type == "kanban" {
				return nil
			}
			if err != nil {
				if b.Type != "scrum" && httpx.IsStatus(err, http.StatusBadRequest) {
					// A board type that may not support sprints ("simple").
					s.log.DebugContext(ctx, "jira: board has no sprints", "board", b.ID, "error", err)
					return nil
				}
				return err
			}
			listed.boards[strconv.FormatInt(b.ID, 10)] = true
			for _, sp := range ss {
				if seen[sp.ID] && sp.ID > 0 {
					continue
				}
				seen[sp.ID] = true
				row, err := m.sprintRow(sp, b.ID)
				if err != nil {
					return s.api.endpointError(pathSprints(b.ID), err)
				}
				listed.sprints[row.SprintID] = true
				sink.Write(row)
			}
			return nil
		})
	if err != nil {
		return sprintListing{}, err
	}
	sink.Progress("sprints", len(boards), len(boards))
	return listed, nil
}

// since returns the lower bound of the issue search and the stored cursor
// (zero on a first run).
func (s *source) since(sink collector.Sink, now time.Time) (from, prev time.Time, err error) {
	if v, ok := sink.Cursor(CursorIssues); ok && v != "" {
		prev, err = time.Parse(time.RFC3339, v)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("%s: cursor %s: %q is not an RFC 3339 time", s.cfg.Name, CursorIssues, v)
		}
		return prev.UTC().Add(-overlap), prev.UTC(), nil
	}
	return now.Add(-s.cfg.Reach()), time.Time{}, nil
}

// jqlZone returns the zone Jira reads JQL dates in: the API user's profile
// time zone. A zone Go does not know is logged and read as UTC; buildJQL
// then widens the window by the largest offset behind UTC.
func (s *source) jqlZone(ctx context.Context) (*time.Location, error) {
	tz, err := s.api.timeZone(ctx)
	if err != nil {
		return nil, err
	}
	loc, lerr := time.LoadLocation(tz)
	if tz == "" || lerr != nil {
		s.log.WarnContext(ctx, "jira: unknown time zone of the API user; widening the incremental window",
			"time_zone", tz)
		return nil, nil
	}
	return loc, nil
}

// projects are the configured project keys, else the projects of the
// collected boards. None means every project.
func (s *source) projects(boards []board) []string {
	if len(s.settings.Projects) > 0 {
		return s.settings.Projects
	}
	var keys []string
	for _, b := range boards {
		if k := b.Location.ProjectKey; k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// projectsKey is the CursorProjects value of the searched projects.
func projectsKey(projects []string) string {
	if len(projects) == 0 {
		return "*"
	}
	keys := make([]string, len(projects))
	for i, p := range projects {
		keys[i] = strings.ToUpper(p) // JQL matches project keys in any case
	}
	slices.Sort(keys)
	return strings.Join(slices.Compact(keys), ",")
}

// newProjects returns the projects to search that stored (a CursorProjects
// value) lacks, nil for every project, and whether there are any. Without a
// stored set (a cursor older than CursorProjects) none is new: the set is
// stored from this run on.
func newProjects(stored string, projects []string) ([]string, bool) {
	switch {
	case stored == "" || stored == "*":
		return nil, false
	case len(projects) == 0:
		return nil, true // every project now: which ones are new is unknown
	}
	old := strings.Split(stored, ",")
	var fresh []string
	for _, p := range projects {
		if !slices.Contains(old, strings.ToUpper(p)) {
			fresh = append(fresh, p)
		}
	}
	return fresh, len(fresh) > 0
}

// buildJQL selects the issues of projects updated at or after from, oldest
// update first, and returns with it the instant its date literal stands
// for (read in UTC when loc is unknown). JQL dates have minute precision
// and are read in the API user's time zone loc (nil: unknown).
func buildJQL(projects []string, from time.Time, loc *time.Location) (string, time.Time) {
	if loc == nil {
		loc, from = time.UTC, from.Add(-maxBehindUTC)
	}
	// A local time repeated by a daylight-saving change may be read as its
	// later instance: start before the change.
	_, now := from.In(loc).Zone()
	if _, before := from.Add(-2 * time.Hour).In(loc).Zone(); now != before {
		from = from.Add(-2 * time.Hour)
	}
	var b strings.Builder
	if len(projects) > 0 {
		b.WriteString("project in (")
		for i, p := range projects {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(jqlQuote(p))
		}
		b.WriteString(") AND ")
	}
	date := from.In(loc).Format(jqlTime)
	at, _ := time.ParseInLocation(jqlTime, date, loc)
	if at.After(from) {
		// from is in the first instance of a repeated local time, which
		// reads as the second: start before the change too.
		date = from.Add(-2 * time.Hour).In(loc).Format(jqlTime)
		at, _ = time.ParseInLocation(jqlTime, date, loc)
	}
	b.WriteString(`updated >= "` + date + `" ORDER BY updated ASC`)
	return b.String(), at
}

// jqlQuote makes a JQL string literal: backslash and double quote escaped.
func jqlQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
