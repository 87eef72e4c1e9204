package api

import (
	"errors"
	"net/http"
	"testing"
	"unicode/utf8"
)

// FuzzParseQuery: any query string either parses into allowed, single,
// checked values, or is a 400 naming the problem in at most a clipped
// echo of the input; the typed parameters then parse or are 400s too,
// and a time range that parses is ordered and within what storage holds.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"", "limit=10", "limit=0", "limit=-1", "limit=99999999999999999999", "limit=1&limit=2",
		"from=2024-01-31&to=2024-01-01", "from=2024-01-01T10:00:00.5Z", "to=9999-12-31", "from=0001-01-01",
		"cursor=eyJ4IjoxfQ", "cursor=%%", "a=b;c=d", "x=1", "%zz=1", "limit=%00", "state=open%0A",
		"page=2&per_page=500", "group_by=board", "from=2024-13-01", "to=2024-02-30T25:00:00Z",
	} {
		f.Add(s)
	}
	allowed := []string{"limit", "from", "to", "cursor", "state", "group_by", "page", "per_page"}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := parseQuery(raw, allowed...)
		if err != nil {
			badRequest(t, raw, err)
			return
		}
		for k, vs := range q.v {
			if len(vs) != 1 {
				t.Fatalf("%q: %s given %d times", raw, k, len(vs))
			}
			if checkValue(k, vs[0]) != nil {
				t.Fatalf("%q: %s=%q passed although checkValue refuses it", raw, k, vs[0])
			}
		}
		if n, err := q.limit(); err != nil {
			badRequest(t, raw, err)
		} else if n < 1 || n > MaxLimit {
			t.Fatalf("%q: limit %d out of 1..%d", raw, n, MaxLimit)
		}
		from, to, err := q.timeRange()
		if err != nil {
			badRequest(t, raw, err)
		} else {
			if from != nil && (from.Before(minTime) || from.After(maxTime)) || to != nil && (to.Before(minTime) || to.After(maxTime)) {
				t.Fatalf("%q: range %v..%v outside storage's", raw, from, to)
			}
			if from != nil && to != nil && to.Before(*from) {
				t.Fatalf("%q: to %v before from %v", raw, to, from)
			}
		}
		var into map[string]any
		if _, err := q.cursor(&into); err != nil {
			badRequest(t, raw, err)
		}
		if _, err := q.offsetPage(); err != nil {
			badRequest(t, raw, err)
		}
	})
}

// badRequest fails unless err is the API's 400 with a short, valid
// message (a client-sent value is clipped, never echoed whole).
func badRequest(t *testing.T, raw string, err error) {
	t.Helper()
	var ae *apiError
	if !errors.As(err, &ae) || ae.status != http.StatusBadRequest || ae.code != CodeInvalidArgument {
		t.Fatalf("%q: error %v is not a 400 invalid_argument", raw, err)
	}
	if ae.message == "" || !utf8.ValidString(ae.message) {
		t.Fatalf("%q: message %q", raw, ae.message)
	}
	if len(raw) > 4096 && len(ae.message) > 2048 {
		t.Fatalf("%q: message of %d bytes echoes the input", raw[:64], len(ae.message))
	}
}
