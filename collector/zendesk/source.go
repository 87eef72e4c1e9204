// Package zendesk collects support tickets with their reply and
// resolution times, SLA policies and ticket metric events (for SLA
// breaches) and groups from Zendesk Support (DESIGN.md §4, §5).
package zendesk

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/httpx"
	"github.com/runway-analytics/runway/collector/pageloop"
)

// Type is the source type this package implements.
const Type = "zendesk"

// Cursors.
const (
	// CursorTickets is the ticket export's after_cursor.
	CursorTickets = "tickets_cursor"
	// CursorTicketsStart is the newest ticket update collected (Unix
	// seconds): where the export starts over when the server no longer
	// takes the cursor.
	CursorTicketsStart = "tickets_start"
	// CursorMetricEvents is the metric event export's end_time.
	CursorMetricEvents = "metric_events_start"

	// pageSize is the ticket export's page (Zendesk's maximum, 1000).
	pageSize = 1000
)

type source struct {
	cfg      config.Source
	settings *Config
	api      client
	log      *slog.Logger
	now      func() time.Time
}

// New builds a Zendesk source. It matches collector.Factory.
func New(cfg config.Source, deps collector.Deps) (collector.Source, error) {
	settings, deps, err := collector.Prepare(Type, cfg, deps, NewConfig)
	if err != nil {
		return nil, err
	}
	auth := httpx.BearerAuth(cfg.Token.Reveal())
	if settings.Email != "" {
		auth = httpx.BasicAuth(settings.Email+"/token", cfg.Token.Reveal())
	}
	hc := deps.NewHTTP(httpx.Options{Auth: auth})
	pace := &pacer{every: time.Minute / time.Duration(settings.RequestsPerMinute)}
	return &source{cfg: cfg, settings: settings, api: client{http: hc, pace: pace}, log: deps.Logger, now: deps.Now}, nil
}

func (s *source) Name() string { return s.cfg.Name }
func (s *source) Type() string { return Type }

// Collect writes the groups' names into the tickets, the SLA policies,
// the tickets changed since the cursor with their metric sets (a
// checkpoint after each page of the export), then the ticket metric
// events since theirs.
func (s *source) Collect(ctx context.Context, sink collector.Sink) error {
	now := s.now().UTC()
	m := &mapper{source: s.cfg.Name, now: now, version: uint64(now.UnixNano()), groups: map[int64]string{}}
	groups, err := s.api.groups(ctx)
	if err != nil {
		return fmt.Errorf("zendesk groups: %w", err)
	}
	for _, g := range groups {
		m.groups[g.ID] = g.Name
	}
	policies, err := s.api.policies(ctx)
	if err != nil {
		return fmt.Errorf("zendesk SLA policies: %w", err)
	}
	for _, p := range policies {
		sink.Write(m.policyRows(p)...)
	}
	if err := s.tickets(ctx, sink, m, now); err != nil {
		return err
	}
	return s.metricEvents(ctx, sink, m, now)
}

// tickets follows the export from the stored cursor (the first run: from
// the configured window) to its end, checkpointing each page with the
// after_cursor it justifies. A cursor the server refuses (expired)
// restarts the export from the newest update collected, with a warning.
// An after_cursor followed already fails the run: the export repeats a
// page and would never end.
func (s *source) tickets(ctx context.Context, sink collector.Sink, m *mapper, now time.Time) error {
	cursor, _ := sink.Cursor(CursorTickets)
	start := now.Add(-s.cfg.Reach()).Unix()
	if v, ok := sink.Cursor(CursorTicketsStart); ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			start = n
		}
	}
	newest := start
	var followed pageloop.Guard
	_ = followed.Follow(cursor) // a page handing it back has not moved
	for n := 0; ; n++ {
		if n > maxPages {
			return fmt.Errorf("zendesk tickets: more than %d pages; stopping", maxPages)
		}
		p, err := s.api.tickets(ctx, newest, cursor, pageSize)
		if err != nil && cursor != "" && refused(err) {
			// What this run collected is checkpointed: start over from
			// the newest of it, not from the run's start.
			s.log.WarnContext(ctx, "zendesk: the ticket export refused the stored cursor (expired?); starting over from the newest update collected",
				"source", s.cfg.Name, "start_time", time.Unix(newest, 0).UTC(), "err", err)
			cursor = ""
			followed.Reset()
			p, err = s.api.tickets(ctx, newest, cursor, pageSize)
		}
		if err != nil {
			return fmt.Errorf("zendesk tickets: %w", err)
		}
		if !p.EndOfStream {
			if err := followed.Follow(p.AfterCursor); err != nil {
				return fmt.Errorf("zendesk tickets: %s: GET %s: %w", s.cfg.Name, pathTicketExport, err)
			}
		}
		sets := make(map[int64]*metricSet, len(p.MetricSets))
		for i := range p.MetricSets {
			sets[p.MetricSets[i].TicketID] = &p.MetricSets[i]
		}
		for _, t := range p.Tickets {
			sink.Write(m.ticketRow(t, sets[t.ID]))
			newest = max(newest, t.UpdatedAt.Unix())
		}
		if p.AfterCursor != "" {
			cursor = p.AfterCursor
			sink.SetCursor(CursorTickets, cursor)
		}
		sink.SetCursor(CursorTicketsStart, strconv.FormatInt(newest, 10))
		if err := sink.Checkpoint(ctx); err != nil {
			return err
		}
		sink.Progress("tickets", n+1, 0)
		if p.EndOfStream {
			return nil
		}
	}
}

// refused reports whether the server refused a request's parameters (a
// cursor it no longer knows), as opposed to failing.
func refused(err error) bool {
	return httpx.IsStatus(err, http.StatusBadRequest) || httpx.IsStatus(err, http.StatusUnprocessableEntity)
}

// metricEvents follows the time-based export of ticket metric events from
// the stored end_time to its end.
func (s *source) metricEvents(ctx context.Context, sink collector.Sink, m *mapper, now time.Time) error {
	start := now.Add(-s.cfg.Reach()).Unix()
	if v, ok := sink.Cursor(CursorMetricEvents); ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			start = n
		}
	}
	next := ""
	// A page never splits a second, and the next one starts at the last
	// page's end_time, so that second's events come twice.
	seen := map[int64]bool{}
	// A next_page followed already would never end: a second holding more
	// events than a page (the time-based export cannot pass it), or a
	// repeated page.
	var followed pageloop.Guard
	for n := 0; ; n++ {
		if n > maxPages {
			return fmt.Errorf("zendesk ticket metric events: more than %d pages; stopping", maxPages)
		}
		p, err := s.api.metricEvents(ctx, start, next)
		if err != nil {
			return fmt.Errorf("zendesk ticket metric events: %w", err)
		}
		for _, e := range p.Events {
			if !seen[e.ID] {
				seen[e.ID] = true
				sink.Write(m.eventRow(e))
			}
		}
		if p.EndTime > 0 {
			sink.SetCursor(CursorMetricEvents, strconv.FormatInt(p.EndTime, 10))
		}
		if p.EndOfStream || p.NextPage == "" {
			return nil
		}
		if err := followed.Follow(p.NextPage); err != nil {
			return fmt.Errorf("zendesk ticket metric events: %s: GET %s: %w", s.cfg.Name, pathMetricEvents, err)
		}
		next = p.NextPage
	}
}
