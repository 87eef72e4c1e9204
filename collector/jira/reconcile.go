package jira

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/pageloop"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// Deletions (DESIGN.md §4). Jira has no feed of deleted issues or sprints,
// so on a schedule (Config.Reconcile) a run lists what still exists
// upstream, keys only, and tombstones what it stored that is gone:
//
//   - Issues: for each project of the collected scope with stored issues,
//     the ids of its issues (fields=id), paged as a keyset on the id
//     (`project = P AND id > N ORDER BY id ASC`, each page a new search
//     from the last id), because neither flavour's paging is a snapshot: an
//     issue deleted or moved while an offset or token pages would shift
//     another out of view, and that one would be tombstoned alive.
//   - Sprints: the boards' sprint lists, which every run reads anyway; only
//     sprints whose origin board was listed this run can be tombstoned (a
//     board dropped from the configuration deletes nothing).
//
// A stored entity missing from the listing is only a candidate: GET issue
// (or GET sprint) must answer 404 before it is tombstoned. An issue GET
// still finds in a listed project proves the listing incomplete, and then
// nothing is tombstoned; one found in a project outside the listing was
// moved out of scope, not deleted, and is left alone.
//
// Nothing is tombstoned either when a listing fails (the run itself still
// succeeds, with a warning) or when a project lists no issue at all while
// some are stored. The reconcile cursor moves in the same commit as the
// tombstones, so a reconcile that did not complete is done again by the
// next run.

// CursorReconciled holds the RFC 3339 time of the last reconcile.
const CursorReconciled = "reconciled"

// errRefused marks a listing that cannot be trusted: nothing is tombstoned.
var errRefused = errors.New("refusing to tombstone")

// reconcileDue reports whether this run reconciles. A first run (no issue
// cursor yet, firstRun) has nothing older to compare: it starts the
// schedule instead, with the rows it commits.
func (s *source) reconcileDue(ctx context.Context, sink collector.Sink, now time.Time, firstRun bool) bool {
	every := s.settings.Reconcile.D()
	if every <= 0 {
		return false
	}
	v, ok := sink.Cursor(CursorReconciled)
	if !ok || v == "" {
		if firstRun {
			sink.SetCursor(CursorReconciled, now.UTC().Format(time.RFC3339))
			return false
		}
		return true
	}
	last, err := time.Parse(time.RFC3339, v)
	if err != nil {
		s.log.WarnContext(ctx, "jira: the reconcile cursor is not an RFC 3339 time; reconciling now",
			"source", s.cfg.Name, "cursor", CursorReconciled)
		return true
	}
	return !now.Before(last.Add(every))
}

// reconcile writes a tombstone for every stored issue, sprint and fix
// version that no longer exists upstream and moves the reconcile cursor
// with them. projects are the collected projects (none: every project),
// listed and versions the sprint and version lists this run read. Only a cancelled run makes it fail: any other
// problem tombstones nothing and is logged, and the next run tries again.
func (s *source) reconcile(ctx context.Context, sink collector.Sink, m *mapper, projects []string,
	listed sprintListing, versions versionListing, now time.Time) error {
	issues, err := s.deletedIssues(ctx, sink, projects)
	var sprints, milestones []warehouse.StoredEntity
	if err == nil {
		sprints, err = s.deletedSprints(ctx, sink, listed)
	}
	if err == nil {
		milestones, err = s.deletedVersions(ctx, sink, versions)
	}
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("reconciling deletions: %w", err)
		}
		msg := "jira: reconciling deletions failed: nothing tombstoned; the next run tries again"
		if errors.Is(err, errRefused) {
			msg = "jira: the listing of what exists upstream is not to be trusted: nothing tombstoned; the next run tries again"
		}
		s.log.WarnContext(ctx, msg, "source", s.cfg.Name, "error", err)
		return nil
	}
	// Newer than every row of this run (and of earlier runs, whose clock
	// was earlier).
	version := m.version + 1
	for _, set := range []struct {
		kind warehouse.EntityKind
		es   []warehouse.StoredEntity
	}{{warehouse.KindIssue, issues}, {warehouse.KindSprint, sprints}, {warehouse.KindMilestone, milestones}} {
		for _, e := range set.es {
			row, err := warehouse.Tombstone(set.kind, s.cfg.Name, e, now, version)
			if err != nil {
				return err
			}
			sink.Write(row)
		}
	}
	sink.SetCursor(CursorReconciled, now.UTC().Format(time.RFC3339))
	s.log.InfoContext(ctx, "jira: reconciled deletions", "source", s.cfg.Name,
		"issues_tombstoned", len(issues), "sprints_tombstoned", len(sprints), "milestones_tombstoned", len(milestones))
	return nil
}

// deletedIssues returns the stored issues of the collected projects that
// Jira no longer has.
func (s *source) deletedIssues(ctx context.Context, sink collector.Sink, projects []string) ([]warehouse.StoredEntity, error) {
	stored, err := sink.Stored(ctx, warehouse.KindIssue)
	if err != nil {
		return nil, err
	}
	inScope := map[string]bool{}
	for _, p := range projects {
		inScope[strings.ToUpper(p)] = true
	}
	byProject := map[string][]warehouse.StoredEntity{}
	for _, e := range stored {
		p := strings.ToUpper(e.Scope)
		if p == "" || len(inScope) > 0 && !inScope[p] {
			continue // not collected now: not listed, so never tombstoned
		}
		byProject[p] = append(byProject[p], e)
	}
	// Every listed project's ids: an issue moved between two of them is in
	// the other's listing.
	exists := map[string]bool{}
	for _, p := range slices.Sorted(maps.Keys(byProject)) {
		n := len(exists)
		if err := s.listIssueIDs(ctx, sink, p, exists); err != nil {
			return nil, fmt.Errorf("listing the issues of project %s: %w", p, err)
		}
		if len(exists) == n {
			return nil, fmt.Errorf("%w: the listing of project %s returned no issue while %d are stored",
				errRefused, p, len(byProject[p]))
		}
	}
	var candidates []warehouse.StoredEntity
	for _, p := range slices.Sorted(maps.Keys(byProject)) {
		for _, e := range byProject[p] {
			if !exists[e.ID] {
				candidates = append(candidates, e)
			}
		}
	}
	var gone []warehouse.StoredEntity
	for _, e := range candidates {
		project, found, err := s.api.issueProject(ctx, e.ID)
		switch {
		case err != nil:
			return nil, fmt.Errorf("confirming that issue %s is gone: %w", e.ID, err)
		case !found:
			gone = append(gone, e)
		case byProject[strings.ToUpper(project)] != nil:
			return nil, fmt.Errorf("%w: issue %s still exists in project %s, whose listing left it out",
				errRefused, e.ID, project)
		default:
			// Moved to a project this source does not list: not deleted.
			s.log.DebugContext(ctx, "jira: issue moved out of the listed projects; not tombstoned",
				"source", s.cfg.Name, "issue", e.ID, "project", project)
		}
	}
	return gone, nil
}

// listIssueIDs adds the ids of project's issues to ids, keyset-paged on the
// id: each page is a new search for the ids after the last one seen, so no
// change upstream while it pages can shift an issue out of view.
func (s *source) listIssueIDs(ctx context.Context, sink collector.Sink, project string, ids map[string]bool) error {
	base := "project = " + jqlQuote(project)
	jql := base + " ORDER BY id ASC"
	for {
		page, last, err := s.api.searchIDs(ctx, jql)
		if err != nil {
			return err
		}
		fresh := 0
		for _, id := range page {
			if !ids[id] {
				ids[id] = true
				fresh++
			}
		}
		sink.Progress("reconcile", len(ids), 0)
		if last || len(page) == 0 {
			return nil
		}
		if fresh == 0 {
			return s.api.endpointError(s.api.pathSearch(), fmt.Errorf("a page of the id listing repeats the last one: %w", pageloop.ErrRepeated))
		}
		jql = base + " AND id > " + page[len(page)-1] + " ORDER BY id ASC"
	}
}

// deletedSprints returns the stored sprints of the boards listed this run
// that no board showed and that GET sprint no longer finds.
func (s *source) deletedSprints(ctx context.Context, sink collector.Sink, listed sprintListing) ([]warehouse.StoredEntity, error) {
	stored, err := sink.Stored(ctx, warehouse.KindSprint)
	if err != nil {
		return nil, err
	}
	var gone []warehouse.StoredEntity
	for _, e := range stored {
		if !listed.boards[e.Scope] || listed.sprints[e.ID] {
			continue
		}
		id, err := strconv.ParseInt(e.ID, 10, 64)
		if err != nil || id <= 0 {
			continue // not a Jira sprint id
		}
		found, err := s.api.sprintExists(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("confirming that sprint %s is gone: %w", e.ID, err)
		}
		if !found {
			gone = append(gone, e)
		}
	}
	return gone, nil
}
