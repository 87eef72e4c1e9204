package ui

import (
	"strconv"
	"strings"
	"time"
)

// How numbers are shown. The browser test renders the API's values with
// the same rules, so change both together.

// none stands for a value the API gives as null.
const none = "—"

// days is a duration or slip in days, one decimal.
func days(v *float64) string {
	if v == nil {
		return none
	}
	return noNegZero(strconv.FormatFloat(*v, 'f', 1, 64))
}

// whole is a number of days without decimals (expected ranges).
func whole(v *float64) string {
	if v == nil {
		return none
	}
	return noNegZero(strconv.FormatFloat(*v, 'f', 0, 64))
}

// pct is a ratio as a whole percentage.
func pct(v *float64) string {
	if v == nil {
		return none
	}
	return noNegZero(strconv.FormatFloat(*v*100, 'f', 0, 64)) + "%"
}

// noNegZero drops the sign of a value that rounds to zero ("-0.0").
func noNegZero(s string) string {
	if strings.Trim(s, "-0.") == "" {
		return strings.TrimPrefix(s, "-")
	}
	return s
}

// date is a calendar day (UTC).
func date(t *time.Time) string {
	if t == nil {
		return none
	}
	return t.UTC().Format(time.DateOnly)
}

// key is the data-key of an entity: its source and id.
func key(source, id string) string { return source + "/" + id }

// projectTypes name the project types as people say them.
var projectTypes = map[string]string{
	"short_term": "short-term", "long_term": "long-term", "ongoing_support": "ongoing support",
}

func projectType(t string) string {
	if s, ok := projectTypes[t]; ok {
		return s
	}
	return t
}

// statusText names a milestone status ("done_late" → "done late").
func statusText(s string) string { return strings.ReplaceAll(s, "_", " ") }

// within says whether a project's span is inside its type's range.
func within(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "within"
	}
	return "outside"
}
