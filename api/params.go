package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// Pagination limits (DESIGN.md §7).
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// paramSpecs bounds every query and path parameter of the route table: a
// longer value is a 400 naming the parameter, long before the statement it
// is bound into could pass ClickHouse's max_query_size (256 KiB; a value may
// be bound three times and escaping can quadruple it). openapi.json states
// the same maxLength for each; a test holds the two together.
var paramSpecs = map[string]int{
	"source":   maxNameLen, // query filter and path parameter
	"id":       maxNameLen,
	"board":    maxNameLen,
	"project":  maxNameLen,
	"state":    32,
	"status":   32,
	"kind":     32,
	"entity":   32,
	"group_by": 32,
	"from":     64,
	"to":       64,
	"limit":    16,
	"cursor":   2048,
}

// maxNameLen bounds source names and upstream ids (Jira ids are digits,
// GitLab paths and GitHub "owner/repo#n" are longer, none near 256).
const maxNameLen = 256

// checkValue rejects a parameter value that no upstream name or id can
// be: too long, not UTF-8, or holding control characters (NUL included).
func checkValue(name, v string) error {
	maxLen, ok := paramSpecs[name]
	if !ok {
		maxLen = maxNameLen
	}
	switch {
	case len(v) > maxLen:
		return invalid(fmt.Sprintf("parameter %s: %d bytes long; at most %d", clip(name), len(v), maxLen))
	case !utf8.ValidString(v):
		return invalid(fmt.Sprintf("parameter %s: not valid UTF-8", clip(name)))
	case strings.ContainsFunc(v, unicode.IsControl):
		return invalid(fmt.Sprintf("parameter %s: contains a control character", clip(name)))
	}
	return nil
}

// query holds a request's parameters, parsed strictly: a typo ("soruce=")
// or a malformed pair ("board=1;", "limit=%zz") is a 400 naming it rather
// than a silently ignored filter. Go's URL.Query drops malformed pairs, so
// the raw query is parsed here.
type query struct {
	v url.Values
}

// maxListed bounds how many unknown parameter names one error lists.
const maxListed = 5

func parseQuery(raw string, allowed ...string) (query, error) {
	v := url.Values{}
	var unknown []string
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		if strings.Contains(pair, ";") {
			return query{}, invalid(fmt.Sprintf("malformed query pair %q: separate parameters with '&', not ';'", clip(pair)))
		}
		rawKey, rawVal, _ := strings.Cut(pair, "=")
		key, kerr := url.QueryUnescape(rawKey)
		val, verr := url.QueryUnescape(rawVal)
		if kerr != nil || verr != nil {
			return query{}, invalid(fmt.Sprintf("malformed query pair %q: bad %%-escape", clip(pair)))
		}
		if !slices.Contains(allowed, key) {
			if !slices.Contains(unknown, key) {
				unknown = append(unknown, key)
			}
			continue
		}
		if err := checkValue(key, val); err != nil {
			return query{}, err
		}
		v.Add(key, val)
	}
	for _, k := range allowed {
		if n := len(v[k]); n > 1 {
			return query{}, invalid(fmt.Sprintf("parameter %q given %d times; give it once", k, n))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		names := make([]string, 0, maxListed)
		for _, k := range unknown[:min(len(unknown), maxListed)] {
			names = append(names, clip(k))
		}
		list := strings.Join(names, ", ")
		if more := len(unknown) - maxListed; more > 0 {
			list += fmt.Sprintf(" and %d more", more)
		}
		if len(allowed) == 0 {
			return query{}, invalid(fmt.Sprintf("unknown parameter(s): %s (this endpoint takes no query parameters)", list))
		}
		return query{}, invalid(fmt.Sprintf("unknown parameter(s): %s (allowed: %s)", list, strings.Join(allowed, ", ")))
	}
	return query{v}, nil
}

// clip shortens a client-sent string for an error message or a log line,
// so a 1 MiB value is not echoed back or written out whole.
// Bytes that are not UTF-8 (a %80 in a name) become U+FFFD, so the
// message stays valid text in JSON and in logs.
func clip(s string) string {
	const max = 64
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:cut], len(s))
}

func (q query) str(name string) string { return q.v.Get(name) }

// oneOf returns the parameter if it is one of the allowed values (or empty).
func (q query) oneOf(name string, values ...string) (string, error) {
	v := q.v.Get(name)
	if v == "" || slices.Contains(values, v) {
		return v, nil
	}
	return "", invalid(fmt.Sprintf("parameter %s: unknown value %q (want one of %s)", name, clip(v), strings.Join(values, ", ")))
}

func (q query) limit() (int, error) {
	v := q.v.Get("limit")
	if v == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, invalid(fmt.Sprintf("parameter limit: %q is not a whole number from 1 to %d", clip(v), MaxLimit))
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
		return nil, invalid(fmt.Sprintf("parameter %s: %q is neither RFC 3339 (2024-01-31T00:00:00Z) nor a date (2024-01-31)", name, clip(v)))
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
	// Compared before clamping: from=2040-01-01&to=2039-01-01 clamps to
	// one instant and would pass.
	if from != nil && to != nil && to.Before(*from) {
		return nil, nil, invalid("parameter to is before from")
	}
	return clampTime(from), clampTime(to), nil
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
	if vc, ok := into.(interface{ valid() bool }); err != nil || ok && !vc.valid() {
		return false, invalid("parameter cursor: not a cursor returned by this API")
	}
	return true, nil
}

// storable reports whether t fits ClickHouse's DateTime, as every time a
// cursor can hold does (1970-01-01 to 2106-02-07 06:28:15 UTC): a forged
// one outside it is a bad cursor, not a value the binder refuses with a 500.
func storable(t *time.Time) bool {
	return t == nil || !t.Before(time.Unix(0, 0)) && !t.After(time.Unix(math.MaxUint32, 0))
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
