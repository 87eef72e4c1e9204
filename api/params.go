package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Pagination limits (DESIGN.md §7).
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// query wraps a request's parameters and rejects any it does not know, so
// a typo ("soruce=") is a 400 naming it rather than a silently ignored filter.
type query struct {
	v url.Values
}

func parseQuery(raw url.Values, allowed ...string) (query, error) {
	var unknown []string
	for k, vs := range raw {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
			continue
		}
		if len(vs) > 1 {
			return query{}, invalid(fmt.Sprintf("parameter %q given %d times; give it once", k, len(vs)))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		if len(allowed) == 0 {
			return query{}, invalid(fmt.Sprintf("unknown parameter(s): %s (this endpoint takes no query parameters)", strings.Join(unknown, ", ")))
		}
		return query{}, invalid(fmt.Sprintf("unknown parameter(s): %s (allowed: %s)", strings.Join(unknown, ", "), strings.Join(allowed, ", ")))
	}
	return query{raw}, nil
}

func (q query) str(name string) string { return q.v.Get(name) }

// oneOf returns the parameter if it is one of the allowed values (or empty).
func (q query) oneOf(name string, values ...string) (string, error) {
	v := q.v.Get(name)
	if v == "" || slices.Contains(values, v) {
		return v, nil
	}
	return "", invalid(fmt.Sprintf("parameter %s: unknown value %q (want one of %s)", name, v, strings.Join(values, ", ")))
}

func (q query) limit() (int, error) {
	v := q.v.Get("limit")
	if v == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, invalid(fmt.Sprintf("parameter limit: %q is not a whole number from 1 to %d", v, MaxLimit))
	}
	return n, nil
}

// timeParam parses from/to: RFC 3339 or YYYY-MM-DD (midnight UTC). For an
// inclusive "to" given as a date, endOfDay moves it to the end of that day.
func (q query) timeParam(name string, endOfDay bool) (*time.Time, error) {
	v := q.v.Get(name)
	if v == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		t = t.UTC()
		// Storage keeps whole seconds: a lower bound with a fraction rounds
		// up, or 10:00:00.5 would admit what started at 10:00:00. An upper
		// bound rounds down, which the comparison does by itself.
		if !endOfDay && t.Nanosecond() != 0 {
			t = t.Truncate(time.Second).Add(time.Second)
		}
		return &t, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return nil, invalid(fmt.Sprintf("parameter %s: %q is neither RFC 3339 (2024-01-31T00:00:00Z) nor a date (2024-01-31)", name, v))
	}
	if endOfDay {
		t = t.Add(24*time.Hour - time.Second)
	}
	return &t, nil
}

// Filterable times. DateTime holds 1970-01-01 to 2106-02-07, but
// ClickHouse 18.16's date tables end with 2037, and a later literal there
// wraps around; bounds are clamped to what both backends read the same.
var (
	minTime = time.Unix(0, 0).UTC()
	maxTime = time.Date(2037, 12, 31, 23, 59, 59, 0, time.UTC)
)

// clampTime keeps a filter bound inside that range, so that to=9999-12-31
// means "no upper bound" instead of wrapping around.
func clampTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	if c.Before(minTime) {
		c = minTime
	}
	if c.After(maxTime) {
		c = maxTime
	}
	return &c
}

func (q query) timeRange() (from, to *time.Time, err error) {
	if from, err = q.timeParam("from", false); err != nil {
		return nil, nil, err
	}
	if to, err = q.timeParam("to", true); err != nil {
		return nil, nil, err
	}
	from, to = clampTime(from), clampTime(to)
	if from != nil && to != nil && to.Before(*from) {
		return nil, nil, invalid("parameter to is before from")
	}
	return from, to, nil
}

// Cursors are opaque to clients: base64url JSON of the last item's key.
func encodeCursor(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (q query) cursor(into any) (bool, error) {
	v := q.v.Get("cursor")
	if v == "" {
		return false, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err == nil {
		err = json.Unmarshal(b, into)
	}
	if err != nil {
		return false, invalid("parameter cursor: not a cursor returned by this API")
	}
	return true, nil
}

// offsetPage is a page of a fully computed list (rollups and collectors are
// small: tens of groups), addressed by an offset cursor. It is read from the
// request before the list is computed, so a bad limit or cursor costs no
// query.
type offsetPage struct {
	limit  int
	Offset int `json:"o"`
}

func (q query) offsetPage() (offsetPage, error) {
	var p offsetPage
	var err error
	if p.limit, err = q.limit(); err != nil {
		return p, err
	}
	if _, err := q.cursor(&p); err != nil {
		return p, err
	}
	if p.Offset < 0 {
		return p, invalid("parameter cursor: not a cursor returned by this API")
	}
	return p, nil
}

// answer writes the page's items of all.
func answer[T any](c *gin.Context, p offsetPage, all []T) error {
	if p.Offset > len(all) {
		return invalid("parameter cursor: not a cursor returned by this API")
	}
	out := list[T]{Items: all[p.Offset:]}
	if len(out.Items) > p.limit {
		out.Items = out.Items[:p.limit]
		out.NextCursor = encodeCursor(offsetPage{Offset: p.Offset + p.limit})
	}
	if out.Items == nil {
		out.Items = []T{}
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// list is the envelope of every list endpoint.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}
