package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Error messages stay short whatever the input: a config with 50,000 bad
// entries, or one 1 MB value, must not become a megabyte-long log line.
const (
	// maxProblems is how many problems one error lists; the rest are
	// counted ("… and N more problems").
	maxProblems = 10
	// maxQuoted bounds, in runes, a user-supplied value (or a library's
	// message about one) shown in an error.
	maxQuoted = 80
	// maxProblemRunes bounds one problem as a whole, for messages whose
	// parts are not all ours (a DSN error from the warehouse, say).
	maxProblemRunes = 400
)

// problems collects what is wrong with a config and reports the first
// maxProblems of them as one ErrInvalid.
type problems struct {
	shown []string
	more  int
}

func (p *problems) add(format string, a ...any) {
	if len(p.shown) >= maxProblems {
		p.more++ // counted, not formatted
		return
	}
	// Libraries clip the user's text by bytes (yaml.v3 in "cannot
	// unmarshal"), which can split a character: the message stays UTF-8.
	msg, _ := clipRunes(strings.ToValidUTF8(fmt.Sprintf(format, a...), "\uFFFD"), maxProblemRunes)
	p.shown = append(p.shown, msg)
}

func (p *problems) err() error {
	if len(p.shown) == 0 {
		return nil
	}
	msg := strings.Join(p.shown, "; ")
	switch p.more {
	case 0:
	case 1:
		msg += "; … and 1 more problem"
	default:
		msg += fmt.Sprintf("; … and %d more problems", p.more)
	}
	return fmt.Errorf("%w: %s", ErrInvalid, msg)
}

// quote is how every user-supplied value appears in an error: Go-quoted
// (so control characters cannot break the line) and clipped to maxQuoted
// runes, with "…" after the closing quote when clipped. Never pass it a
// secret: a secret never appears in an error at all.
func quote(s string) string {
	head, clipped := clipRunes(s, maxQuoted)
	q := strconv.Quote(head)
	if clipped {
		q += "…"
	}
	return q
}

// Quote is how a source type's Settings.Validate shows a user-supplied
// value in a problem: as every config error shows one (Go-quoted, clipped).
func Quote(s string) string { return quote(s) }

// bare is quote for names and paths that read better unquoted (token
// names, variable names, file paths): unquoted when that is unambiguous,
// quoted otherwise; clipped like quote either way.
func bare(s string) string {
	head, clipped := clipRunes(s, maxQuoted)
	if head == "" || strings.ContainsAny(head, " \t;()") || strconv.Quote(head) != `"`+head+`"` {
		return quote(s)
	}
	if clipped {
		head += "…"
	}
	return head
}

// detail is a library's error text about a user value (a cron parse error
// repeats the spec), clipped like a quoted value.
func detail(err error) string {
	s, clipped := clipRunes(err.Error(), maxQuoted)
	if clipped {
		s += "…"
	}
	return s
}

// clipRunes returns s cut to at most n runes, and whether it was cut.
func clipRunes(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	count := 0
	for i := range s {
		if count == n {
			return s[:i], true
		}
		count++
	}
	return s, false
}

// yamlFieldRE matches yaml.v3's unknown-key message, whose key is the
// user's: it is clipped like any quoted value.
var yamlFieldRE = regexp.MustCompile(`(?s)^(line \d+: field )(.*)( not found in type \S+)$`)

// yamlProblem is one yaml.v3 error message, with the user's text in it
// bounded. (yaml.v3 already shortens values in "cannot unmarshal" messages.)
func yamlProblem(msg string) string {
	if m := yamlFieldRE.FindStringSubmatch(msg); m != nil {
		return m[1] + bare(m[2]) + m[3]
	}
	return strings.ReplaceAll(msg, "\n", " ")
}
