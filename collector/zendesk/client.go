package zendesk

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/runway-analytics/runway/collector/httpx"
	"github.com/runway-analytics/runway/collector/pageloop"
)

// The Zendesk Support API endpoints a source reads (developer.zendesk.com):
// groups (cursor pagination), SLA policies, the cursor-based incremental
// ticket export with its sideloaded metric sets, and the time-based
// incremental export of ticket metric events. The incremental exports
// allow 10 requests a minute: the client paces them.

// maxPages bounds one listing.
const maxPages = 100_000

// Paths of the endpoints.
const (
	pathGroups       = "/api/v2/groups"
	pathPolicies     = "/api/v2/slas/policies"
	pathTicketExport = "/api/v2/incremental/tickets/cursor.json"
	pathMetricEvents = "/api/v2/incremental/ticket_metric_events.json"
)

type client struct {
	http *httpx.Client
	pace *pacer
}

type group struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type policy struct {
	ID            int64  `json:"id"`
	Title         string `json:"title"`
	PolicyMetrics []struct {
		Priority      string `json:"priority"`
		Metric        string `json:"metric"`
		Target        int64  `json:"target"` // minutes
		BusinessHours bool   `json:"business_hours"`
	} `json:"policy_metrics"`
}

type ticket struct {
	ID        int64     `json:"id"`
	Subject   string    `json:"subject"`
	Status    string    `json:"status"`
	Priority  *string   `json:"priority"`
	GroupID   *int64    `json:"group_id"`
	Assignee  *int64    `json:"assignee_id"`
	OrgID     *int64    `json:"organization_id"`
	Tags      []string  `json:"tags"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// minutes is a metric set duration, in calendar and business minutes.
type minutes struct {
	Calendar *float64 `json:"calendar"`
	Business *float64 `json:"business"`
}

type metricSet struct {
	TicketID           int64      `json:"ticket_id"`
	ReplyTime          minutes    `json:"reply_time_in_minutes"`
	FullResolutionTime minutes    `json:"full_resolution_time_in_minutes"`
	SolvedAt           *time.Time `json:"solved_at"`
	Reopens            int64      `json:"reopens"`
}

// ticketPage is a page of the cursor-based incremental ticket export.
type ticketPage struct {
	Tickets     []ticket    `json:"tickets"`
	MetricSets  []metricSet `json:"metric_sets"`
	AfterCursor string      `json:"after_cursor"`
	EndOfStream bool        `json:"end_of_stream"`
}

type metricEvent struct {
	ID       int64     `json:"id"`
	TicketID int64     `json:"ticket_id"`
	Metric   string    `json:"metric"`
	Type     string    `json:"type"`
	Time     time.Time `json:"time"`
	SLA      *struct {
		Target        *float64 `json:"target"`
		BusinessHours bool     `json:"business_hours"`
		Policy        struct {
			Title string `json:"title"`
		} `json:"policy"`
	} `json:"sla"`
}

type metricEventPage struct {
	Events      []metricEvent `json:"ticket_metric_events"`
	NextPage    string        `json:"next_page"`
	EndOfStream bool          `json:"end_of_stream"`
	EndTime     int64         `json:"end_time"`
}

// groups lists every group, by cursor pagination.
func (c client) groups(ctx context.Context) ([]group, error) {
	var out []group
	next, q := pathGroups, url.Values{"page[size]": {"100"}}
	var followed pageloop.Guard
	for n := 0; next != ""; n++ {
		if n > maxPages {
			return nil, fmt.Errorf("zendesk groups: more than %d pages; stopping", maxPages)
		}
		var page struct {
			Groups []group `json:"groups"`
			Meta   struct {
				HasMore bool `json:"has_more"`
			} `json:"meta"`
			Links struct {
				Next string `json:"next"`
			} `json:"links"`
		}
		if _, err := c.http.GetJSON(ctx, next, q, &page); err != nil {
			return nil, err
		}
		for i, g := range page.Groups {
			if g.ID == 0 {
				return nil, fmt.Errorf("zendesk groups: item %d: missing id", i)
			}
		}
		out = append(out, page.Groups...)
		next, q = "", nil
		if page.Meta.HasMore {
			next = page.Links.Next
			if err := followed.Follow(next); err != nil {
				return nil, fmt.Errorf("%s: GET %s: %w", c.http.Source(), pathGroups, err)
			}
		}
	}
	return out, nil
}

// policies lists the SLA policies.
func (c client) policies(ctx context.Context) ([]policy, error) {
	var page struct {
		Policies []policy `json:"sla_policies"`
	}
	if _, err := c.http.GetJSON(ctx, pathPolicies, nil, &page); err != nil {
		return nil, err
	}
	return page.Policies, nil
}

// tickets reads one page of the incremental ticket export with metric
// sets: from start (Unix seconds) when cursor is empty, else from cursor.
func (c client) tickets(ctx context.Context, start int64, cursor string, pageSize int) (ticketPage, error) {
	q := url.Values{"include": {"metric_sets"}, "per_page": {strconv.Itoa(pageSize)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	} else {
		q.Set("start_time", strconv.FormatInt(start, 10))
	}
	var p ticketPage
	if err := c.pace.wait(ctx); err != nil {
		return p, err
	}
	if _, err := c.http.GetJSON(ctx, pathTicketExport, q, &p); err != nil {
		return p, err
	}
	for i, t := range p.Tickets {
		if t.ID == 0 || t.UpdatedAt.IsZero() || t.Status == "" {
			return p, fmt.Errorf("zendesk tickets: item %d: missing id, status or updated_at", i)
		}
	}
	if !p.EndOfStream && p.AfterCursor == "" {
		return p, fmt.Errorf("zendesk tickets: a page that is not the last has no after_cursor")
	}
	return p, nil
}

// metricEvents reads a page of ticket metric events: from start (Unix
// seconds), or the next page's URL.
func (c client) metricEvents(ctx context.Context, start int64, next string) (metricEventPage, error) {
	var p metricEventPage
	if err := c.pace.wait(ctx); err != nil {
		return p, err
	}
	var err error
	if next != "" {
		_, err = c.http.GetJSON(ctx, next, nil, &p)
	} else {
		_, err = c.http.GetJSON(ctx, pathMetricEvents, url.Values{"start_time": {strconv.FormatInt(start, 10)}}, &p)
	}
	if err != nil {
		return p, err
	}
	for i, e := range p.Events {
		if e.ID == 0 || e.TicketID == 0 || e.Time.IsZero() {
			return p, fmt.Errorf("zendesk ticket metric events: item %d: missing id, ticket_id or time", i)
		}
	}
	return p, nil
}

// pacer spaces requests at least every interval apart.
type pacer struct {
	every time.Duration
	last  time.Time
}

func (p *pacer) wait(ctx context.Context) error {
	if p == nil || p.last.IsZero() {
		if p != nil {
			p.last = time.Now()
		}
		return nil
	}
	d := p.every - time.Since(p.last)
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	p.last = time.Now()
	return nil
}
