// Package gitlab collects project and group milestones and issues, with
// their milestone membership history, from GitLab's REST API v4
// (GitLab.com or self-managed; DESIGN.md §4, §5).
package gitlab

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/fanout"
	"github.com/runway-analytics/runway/collector/httpx"
)

// Type is the source type this package implements.
const Type = "gitlab"

// CursorIssues, per project (suffixed ":" + the project's id), holds the
// newest issue update collected (RFC 3339) and the ids updated at that
// second, which updated_after (inclusive) returns again.
const CursorIssues = "issues"

type source struct {
	cfg      config.Source
	settings *Config
	api      client
	log      *slog.Logger
	now      func() time.Time
}

// New builds a GitLab source. It matches collector.Factory.
func New(cfg config.Source, deps collector.Deps) (collector.Source, error) {
	settings, deps, err := collector.Prepare(Type, cfg, deps, NewConfig)
	if err != nil {
		return nil, err
	}
	auth := httpx.HeaderAuth("PRIVATE-TOKEN", cfg.Token.Reveal())
	if settings.TokenType == TokenBearer {
		auth = httpx.BearerAuth(cfg.Token.Reveal())
	}
	hc := deps.NewHTTP(httpx.Options{Auth: auth})
	return &source{cfg: cfg, settings: settings, api: client{http: hc}, log: deps.Logger, now: deps.Now}, nil
}

func (s *source) Name() string { return s.cfg.Name }
func (s *source) Type() string { return Type }

// Collect resolves the projects (the configured ones and those of the
// groups), writes their groups' iterations as sprints when asked, then
// collects each project in turn: its milestones (its own and its ancestor
// groups'), its issues updated since its cursor with their milestone
// events (and iteration and state events). It checkpoints after each
// project.
func (s *source) Collect(ctx context.Context, sink collector.Sink) error {
	now := s.now().UTC()
	m := newMapper(s.cfg.Name, now)
	projects, err := s.projects(ctx)
	if err != nil {
		return err
	}
	if s.settings.Iterations {
		if err := s.iterations(ctx, sink, m, projects); err != nil {
			return err
		}
	}
	seen := map[int64]bool{} // milestones written this run (group ones recur per project)
	for i, p := range projects {
		sink.Progress("projects", i, len(projects))
		if err := s.collectProject(ctx, sink, m, p, seen, now); err != nil {
			return fmt.Errorf("gitlab %s: %w", p.PathWithNamespace, err)
		}
		if err := sink.Checkpoint(ctx); err != nil {
			return err
		}
	}
	sink.Progress("projects", len(projects), len(projects))
	return nil
}

// projects resolves the configured projects and the groups' projects,
// each once, in configuration order (a group's sorted by path).
func (s *source) projects(ctx context.Context) ([]project, error) {
	var out []project
	have := map[int64]bool{}
	add := func(p project) {
		if !have[p.ID] {
			have[p.ID] = true
			out = append(out, p)
		}
	}
	for _, path := range s.settings.Projects {
		p, err := s.api.getProject(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("gitlab project %s: %w", path, err)
		}
		add(p)
	}
	for _, path := range s.settings.Groups {
		g, err := s.api.getGroup(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("gitlab group %s: %w", path, err)
		}
		ps, err := s.api.groupProjects(ctx, g)
		if err != nil {
			return nil, fmt.Errorf("gitlab group %s: %w", path, err)
		}
		slices.SortFunc(ps, func(a, b project) int { return strings.Compare(a.PathWithNamespace, b.PathWithNamespace) })
		for _, p := range ps {
			add(p)
		}
	}
	return out, nil
}

func (s *source) collectProject(ctx context.Context, sink collector.Sink, m *mapper, p project, seen map[int64]bool, now time.Time) error {
	ms, err := s.api.milestones(ctx, p)
	if err != nil {
		return err
	}
	groupPaths := map[int64]string{}
	for _, x := range ms {
		if seen[x.ID] {
			continue
		}
		seen[x.ID] = true
		owner := p.PathWithNamespace
		if x.GroupID != nil {
			if owner, err = s.groupPath(ctx, *x.GroupID, groupPaths); err != nil {
				return err
			}
		}
		row, snap, err := m.milestoneRows(x, owner)
		if err != nil {
			return err
		}
		sink.Write(row, snap)
	}
	return s.issues(ctx, sink, m, p, now)
}

// iterations writes the iterations of the projects' groups (and their
// ancestors') as sprints, each once, with their groups as boards.
func (s *source) iterations(ctx context.Context, sink collector.Sink, m *mapper, projects []project) error {
	groups, written, paths := map[int64]bool{}, map[int64]bool{}, map[int64]string{}
	for _, p := range projects {
		ns := p.Namespace
		if ns.Kind != "group" || groups[ns.ID] {
			continue
		}
		groups[ns.ID] = true
		its, err := s.api.iterations(ctx, ns.ID)
		if err != nil {
			return fmt.Errorf("gitlab group %s iterations: %w", ns.FullPath, err)
		}
		for _, it := range its {
			if written[it.ID] {
				continue
			}
			written[it.ID] = true
			path, err := s.groupPath(ctx, it.GroupID, paths)
			if err != nil {
				return err
			}
			board, sprint, err := m.sprintRows(it, path)
			if err != nil {
				return fmt.Errorf("gitlab group %s: %w", ns.FullPath, err)
			}
			sink.Write(board, sprint)
		}
	}
	return nil
}

// groupPath is the full path of a group milestone's group.
func (s *source) groupPath(ctx context.Context, id int64, cache map[int64]string) (string, error) {
	if p, ok := cache[id]; ok {
		return p, nil
	}
	g, err := s.api.getGroup(ctx, strconv.FormatInt(id, 10))
	if err != nil {
		return "", fmt.Errorf("group %d of a milestone: %w", id, err)
	}
	cache[id] = g.FullPath
	return g.FullPath, nil
}

// issues collects the project's issues updated since its cursor, each
// with its milestone events, restarting the listing from each page's last
// update when there is a next page (offset paging is no snapshot: see the
// GitHub source), and moves the cursor to the newest update collected.
func (s *source) issues(ctx context.Context, sink collector.Sink, m *mapper, p project, now time.Time) error {
	name := CursorIssues + ":" + strconv.FormatInt(p.ID, 10)
	from := now.Add(-s.cfg.Reach())
	var atCursor []string
	if v, ok := sink.Cursor(name); ok && v != "" {
		at, ids, _ := strings.Cut(v, "|")
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return fmt.Errorf("cursor %s: bad value %q", name, v)
		}
		from = t.UTC()
		if ids != "" {
			atCursor = strings.Split(ids, ",")
		}
	}
	seen := map[string]time.Time{}
	for _, id := range atCursor {
		seen[id] = from
	}
	newest, newestIDs := from, slices.Clone(atCursor)
	// An issue's events, fetched a few issues at a time.
	type issueEvents struct {
		milestone []resourceEvent
		its       *issueIterations
	}
	err := s.api.issuesSince(ctx, p, from, func(page []issue) (time.Time, error) {
		var fresh []issue
		for _, is := range page {
			id := strconv.FormatInt(is.ID, 10)
			up := is.UpdatedAt.UTC()
			if at, ok := seen[id]; ok && !up.After(at) {
				continue
			}
			seen[id] = up
			fresh = append(fresh, is)
		}
		err := fanout.Ordered(ctx, len(fresh), fanout.Workers,
			func(ctx context.Context, i int) (ev issueEvents, err error) {
				is := fresh[i]
				if ev.milestone, err = s.api.events(ctx, p, is.IID, eventsMilestone); err != nil {
					return ev, err
				}
				if s.settings.Iterations {
					ev.its = &issueIterations{}
					if ev.its.events, err = s.api.events(ctx, p, is.IID, eventsIteration); err != nil {
						return ev, err
					}
					if ev.its.states, err = s.api.events(ctx, p, is.IID, eventsState); err != nil {
						return ev, err
					}
				}
				return ev, nil
			},
			func(i int, ev issueEvents, err error) error {
				if err != nil {
					return err
				}
				is := fresh[i]
				sink.Write(m.issue(is, p.PathWithNamespace, ev.milestone, ev.its)...)
				id, up := strconv.FormatInt(is.ID, 10), is.UpdatedAt.UTC()
				switch {
				case up.After(newest):
					newest, newestIDs = up, []string{id}
				case up.Equal(newest) && !slices.Contains(newestIDs, id):
					newestIDs = append(newestIDs, id)
				}
				return nil
			})
		if err != nil {
			return time.Time{}, err
		}
		if len(page) == 0 {
			return time.Time{}, nil
		}
		if last := page[len(page)-1].UpdatedAt.UTC(); last.After(from) {
			from = last
			return last, nil
		}
		return time.Time{}, nil // a page within one second: step on
	})
	if err != nil {
		return err
	}
	if v := newest.Format(time.RFC3339) + "|" + strings.Join(newestIDs, ","); len(newestIDs) > 0 {
		sink.SetCursor(name, v)
	}
	return nil
}
