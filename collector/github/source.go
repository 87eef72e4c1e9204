// Package github collects milestones and issues, with their milestone
// membership history, from GitHub's REST API (GitHub.com or Enterprise
// Server; DESIGN.md §4, §5).
package github

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
	"github.com/runway-analytics/runway/collector/warehouse"
)

// Type is the source type this package implements.
const Type = "github"

// Cursors, one of each per repository (suffixed ":owner/name", lower case).
const (
	// CursorIssues holds the newest issue update collected (RFC 3339) and
	// the ids updated at that second: "since" includes it, so they are
	// not read again.
	CursorIssues = "issues"
	// CursorMilestonePages holds the ETag and milestone ids of each page
	// of the milestone listing, for conditional requests.
	CursorMilestonePages = "milestone_pages"
	// CursorTitles holds the milestone titles observed (titles.go).
	CursorTitles = "milestone_titles"

	// rateLimitWait is the longest rate-limit wait a run accepts: GitHub's
	// hourly window.
	rateLimitWait = time.Hour + time.Minute
)

func cursorName(kind, repo string) string { return kind + ":" + strings.ToLower(repo) }

type source struct {
	cfg      config.Source
	settings *Config
	api      client
	log      *slog.Logger
	now      func() time.Time
}

// New builds a GitHub source. It matches collector.Factory.
func New(cfg config.Source, deps collector.Deps) (collector.Source, error) {
	settings, deps, err := collector.Prepare(Type, cfg, deps, NewConfig)
	if err != nil {
		return nil, err
	}
	// GitHub's primary rate limit resets up to an hour later: a run waits
	// it out (httpx reads X-RateLimit-Reset) rather than failing.
	hc := deps.NewHTTP(httpx.Options{Auth: httpx.BearerAuth(cfg.Token.Reveal()), MaxWait: rateLimitWait,
		Header: http.Header{"Accept": {"application/vnd.github+json"}, "X-Github-Api-Version": {"2022-11-28"}}})
	return &source{cfg: cfg, settings: settings, api: client{http: hc}, log: deps.Logger, now: deps.Now}, nil
}

func (s *source) Name() string { return s.cfg.Name }
func (s *source) Type() string { return Type }

// Collect collects each repository in turn, and checkpoints after each:
// its milestones (conditionally: an unchanged listing answers 304 and
// writes nothing), then the issues updated since its cursor with their
// events. Pull requests, which the issue list returns too, are skipped.
func (s *source) Collect(ctx context.Context, sink collector.Sink) error {
	now := s.now().UTC()
	m := newMapper(s.cfg.Name, now)
	for i, repo := range s.settings.Repos {
		sink.Progress("repositories", i, len(s.settings.Repos))
		if err := s.collectRepo(ctx, sink, m, repo, now); err != nil {
			return fmt.Errorf("github %s: %w", repo, err)
		}
		if err := sink.Checkpoint(ctx); err != nil {
			return err
		}
	}
	sink.Progress("repositories", len(s.settings.Repos), len(s.settings.Repos))
	return nil
}

func (s *source) collectRepo(ctx context.Context, sink collector.Sink, m *mapper, repo string, now time.Time) error {
	titlesCursor, _ := sink.Cursor(cursorName(CursorTitles, repo))
	titles, err := parseTitleLog(titlesCursor)
	if err != nil {
		return err
	}
	if err := s.milestones(ctx, sink, m, repo, titles); err != nil {
		return err
	}
	if v := titles.String(); v != titlesCursor && len(titles) > 0 {
		sink.SetCursor(cursorName(CursorTitles, repo), v)
	}
	return s.issues(ctx, sink, m, repo, titles, now)
}

// listingPage is one page of the milestone listing as the last run saw it.
type listingPage struct {
	ETag string   `json:"etag"`
	IDs  []string `json:"ids"`
}

// milestones reads the repository's milestone listing page by page, each
// conditionally on the ETag the last run got for it. A page that changed
// is written (milestones and a snapshot each, titles observed); one that
// did not (304) writes nothing. When something changed, milestones the
// warehouse holds for the repository that the listing no longer has were
// deleted upstream: they are tombstoned.
//
// The pages are no snapshot: a milestone created, deleted or moved by a
// due date while the listing is paged shifts others between pages, so one
// would be read twice and another not at all (and tombstoned). So a
// listing that changed is read again, conditionally on the ETags just
// received, up to its last page: it stands when every page answers 304,
// else it is read anew, up to maxListings times.
func (s *source) milestones(ctx context.Context, sink collector.Sink, m *mapper, repo string, titles titleLog) error {
	name := cursorName(CursorMilestonePages, repo)
	var stored []listingPage
	if v, ok := sink.Cursor(name); ok && v != "" {
		if err := json.Unmarshal([]byte(v), &stored); err != nil {
			return fmt.Errorf("cursor %s: %w", name, err)
		}
	}
	var l milestoneListing
	for attempt := 1; ; attempt++ {
		var err error
		if l, err = s.listMilestones(ctx, repo, stored); err != nil {
			return err
		}
		if !l.changed && len(l.pages) == len(stored) {
			return nil
		}
		if l.consistent {
			if l.consistent, err = s.listingHolds(ctx, repo, l.pages); err != nil {
				return err
			}
		}
		if l.consistent {
			break
		}
		if attempt == maxListings {
			return fmt.Errorf("%s: GET %s/milestones: the listing changed while it was paged, %d times in a row",
				s.api.http.Source(), repoPath(repo), attempt)
		}
		s.log.DebugContext(ctx, "github: the milestone listing changed while it was paged; reading it again",
			"source", s.cfg.Name, "repo", repo, "attempt", attempt)
	}
	for _, ms := range l.fetched {
		row, snap := m.milestoneRows(ms, repo)
		sink.Write(row, snap)
		since := ms.CreatedAt
		if len(titles[row.MilestoneID]) > 0 {
			since = m.now // renamed since the last run saw it
		}
		titles.observe(row.MilestoneID, ms.Title, since)
	}
	v, _ := json.Marshal(l.pages) // plain values always marshal
	sink.SetCursor(name, string(v))
	return s.tombstoneMilestones(ctx, sink, m, repo, l.pages)
}

// maxListings bounds how often one run reads a milestone listing that
// keeps changing while it is paged.
const maxListings = 3

// milestoneListing is one reading of a repository's milestone listing.
type milestoneListing struct {
	pages   []listingPage
	fetched []milestone // the milestones of the pages that changed
	changed bool        // some page did not answer 304
	// consistent is false when a milestone showed on two pages: the
	// listing moved while it was paged.
	consistent bool
}

// listMilestones reads the listing once, each page conditionally on its
// stored ETag. A page answering an ETag an earlier page of this reading
// had is the same page again: following it would never end.
func (s *source) listMilestones(ctx context.Context, repo string, stored []listingPage) (milestoneListing, error) {
	l := milestoneListing{consistent: true}
	onPage := map[string]bool{}
	etags := map[string]bool{}
	for n := 1; n <= maxPages; n++ {
		etag := ""
		if n <= len(stored) {
			etag = stored[n-1].ETag
		}
		p, err := s.api.milestonesPage(ctx, repo, n, etag)
		if err != nil {
			return l, err
		}
		page := listingPage{ETag: p.etag, IDs: []string{}}
		if p.notModified {
			page = stored[n-1]
		} else {
			l.changed = true
			for _, ms := range p.items {
				page.IDs = append(page.IDs, strconv.FormatInt(ms.ID, 10))
			}
			l.fetched = append(l.fetched, p.items...)
		}
		if page.ETag != "" && etags[page.ETag] {
			return l, fmt.Errorf("%s: GET %s/milestones: page %d: %w", s.api.http.Source(), repoPath(repo), n, pageloop.ErrRepeated)
		}
		etags[page.ETag] = true
		for _, id := range page.IDs {
			if onPage[id] {
				l.consistent = false
			}
			onPage[id] = true
		}
		l.pages = append(l.pages, page)
		if p.notModified && n >= len(stored) || !p.notModified && !p.hasNext {
			break
		}
	}
	return l, nil
}

// listingHolds reports whether a listing read in more than one page is
// still what it was when its last page came: every page but the last
// answers 304 to its new ETag. (304s cost no rate limit.)
func (s *source) listingHolds(ctx context.Context, repo string, pages []listingPage) (bool, error) {
	for n := 1; n < len(pages); n++ {
		p, err := s.api.milestonesPage(ctx, repo, n, pages[n-1].ETag)
		if err != nil {
			return false, err
		}
		if !p.notModified {
			return false, nil
		}
	}
	return true, nil
}

// tombstoneMilestones tombstones the repository's stored milestones that
// the listing pages do not hold.
func (s *source) tombstoneMilestones(ctx context.Context, sink collector.Sink, m *mapper, repo string, pages []listingPage) error {
	listed := map[string]bool{}
	for _, p := range pages {
		for _, id := range p.IDs {
			listed[id] = true
		}
	}
	stored, err := sink.Stored(ctx, warehouse.KindMilestone)
	if err != nil {
		return fmt.Errorf("stored milestones: %w", err)
	}
	for _, e := range stored {
		if e.Scope != repo || listed[e.ID] {
			continue
		}
		row, err := warehouse.Tombstone(warehouse.KindMilestone, m.source, e, m.now, m.version)
		if err != nil {
			return err
		}
		sink.Write(row)
	}
	return nil
}

// issueCursor is where the issue listing of a repository resumes.
type issueCursor struct {
	at  time.Time
	ids []string // ids updated at `at`, collected already
}

func parseIssueCursor(v string) (issueCursor, error) {
	at, ids, _ := strings.Cut(v, "|")
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return issueCursor{}, fmt.Errorf("bad issue cursor %q", v)
	}
	c := issueCursor{at: t.UTC()}
	if ids != "" {
		c.ids = strings.Split(ids, ",")
	}
	return c, nil
}

func (c issueCursor) String() string {
	return c.at.UTC().Format(time.RFC3339) + "|" + strings.Join(c.ids, ",")
}

// issues collects the repository's issues updated since the cursor (the
// first run: since the configured window), each with its events, and
// moves the cursor to the newest update collected.
//
// The listing is sorted by update, oldest first, and paged by offset,
// which is no snapshot: an item updated while the run pages moves to the
// end and every later item one place left, so the next offset would skip
// one for good. So after each page that has a next one the listing starts
// over from that page's last update (GitHub's since has second precision:
// items of that second already collected are skipped); it steps on by
// Link only when the whole page shares one second.
func (s *source) issues(ctx context.Context, sink collector.Sink, m *mapper, repo string, titles titleLog, now time.Time) error {
	name := cursorName(CursorIssues, repo)
	cur := issueCursor{at: now.Add(-s.cfg.Reach())}
	if v, ok := sink.Cursor(name); ok && v != "" {
		c, err := parseIssueCursor(v)
		if err != nil {
			return fmt.Errorf("cursor %s: %w", name, err)
		}
		cur = c
	}
	seen := map[string]time.Time{}
	for _, id := range cur.ids {
		seen[id] = cur.at
	}
	next := cur
	from := cur.at
	unresolved, done := 0, 0
	err := s.api.issuesSince(ctx, repo, from, func(items []issue, hasNext bool) (time.Time, error) {
		// The issues of the page this run has not seen at this update
		// time; their events are fetched a few at a time, used in order.
		var fresh []issue
		for _, is := range items {
			id := strconv.FormatInt(is.ID, 10)
			up := is.UpdatedAt.UTC()
			if at, ok := seen[id]; ok && !up.After(at) {
				continue
			}
			seen[id] = up
			fresh = append(fresh, is)
		}
		err := fanout.Ordered(ctx, len(fresh), fanout.Workers,
			func(ctx context.Context, i int) ([]event, error) {
				if fresh[i].PullRequest != nil {
					return nil, nil
				}
				return s.api.events(ctx, repo, fresh[i].Number)
			},
			func(i int, evs []event, err error) error {
				if err != nil {
					return err
				}
				is := fresh[i]
				if is.PullRequest == nil {
					rows := m.issue(is, repo, evs, titles)
					sink.Write(rows.all()...)
					unresolved += rows.unresolved
					done++
				}
				id, up := strconv.FormatInt(is.ID, 10), is.UpdatedAt.UTC()
				switch {
				case up.After(next.at):
					next = issueCursor{at: up, ids: []string{id}}
				case up.Equal(next.at) && !slices.Contains(next.ids, id):
					next.ids = append(next.ids, id)
				}
				return nil
			})
		if err != nil {
			return time.Time{}, err
		}
		sink.Progress("issues "+repo, done, 0)
		if !hasNext || len(items) == 0 {
			return time.Time{}, nil
		}
		if last := items[len(items)-1].UpdatedAt.UTC(); last.After(from) {
			from = last
			return last, nil
		}
		return time.Time{}, nil // a page within one second: step on
	})
	if err != nil {
		return err
	}
	if unresolved > 0 {
		s.log.WarnContext(ctx, "github: milestone events naming a title no observed milestone had (renamed before the first run?) were left out",
			"source", s.cfg.Name, "repo", repo, "events", unresolved)
	}
	if next.at.After(cur.at) || len(next.ids) != len(cur.ids) {
		sink.SetCursor(name, next.String())
	}
	return nil
}
