package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors. Every error that Client returns for one of these reasons
// wraps the sentinel, so callers test with errors.Is.
var (
	// ErrRetriesExhausted: a retryable failure (429, rate limit, 5xx,
	// transport error) persisted through every attempt.
	ErrRetriesExhausted = errors.New("retries exhausted")
	// ErrRateLimitWaitTooLong: the server asked us to wait (Retry-After or a
	// rate-limit reset header) longer than Options.MaxWait. The client fails
	// at once instead of hanging.
	ErrRateLimitWaitTooLong = errors.New("rate-limit wait too long")
	// ErrResponseTooLarge: the response body exceeded Options.MaxBodyBytes.
	ErrResponseTooLarge = errors.New("response body too large")
	// ErrForeignHost: an absolute URL (for example a `next` link) pointed at
	// a scheme, host or port other than BaseURL's (a missing port being the
	// scheme's default) while credentials are configured; the request is
	// refused so that credentials never leave the configured origin, nor
	// travel over http when it is https.
	ErrForeignHost = errors.New("absolute URL origin (scheme, host, port) differs from base URL")
)

// snippetLen is how much of an error response body StatusError keeps.
const snippetLen = 512

// StatusError is a non-success HTTP response: a 4xx that is never retried,
// or a retryable status (429, rate-limited 403, 5xx) that outlasted the
// retries or asked for too long a wait. Err then holds ErrRetriesExhausted or
// ErrRateLimitWaitTooLong and errors.Is sees through it.
type StatusError struct {
	Source     string // source name, e.g. "jira"
	Method     string
	URL        string // scheme://host/path: no query string, no user info
	Path       string // URL path only; what Error prints
	StatusCode int
	Body       string // first 512 bytes of the response body
	Attempts   int    // requests made, retries included
	// Wait is the wait the server asked for when Err is
	// ErrRateLimitWaitTooLong.
	Wait time.Duration
	// Header of the last response (rate-limit headers etc.).
	Header http.Header
	// Err is nil, ErrRetriesExhausted or ErrRateLimitWaitTooLong.
	Err error
}

// Error reads like
//
//	jira: GET /rest/api/3/search/jql: 400 Bad Request: {"errorMessages":[...]}
//	github: GET /repos/o/r/issues: 502 Bad Gateway: retries exhausted after 6 attempts: <body>
func (e *StatusError) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	b.WriteString(": ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	b.WriteString(": ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteByte(' ')
		b.WriteString(t)
	}
	switch {
	case errors.Is(e.Err, ErrRetriesExhausted):
		fmt.Fprintf(&b, ": %v after %d attempts", e.Err, e.Attempts)
	case errors.Is(e.Err, ErrRateLimitWaitTooLong):
		fmt.Fprintf(&b, ": %v: server asked to wait %s", e.Err, e.Wait.Round(time.Second))
	case e.Err != nil:
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if body := strings.TrimSpace(e.Body); body != "" {
		b.WriteString(": ")
		b.WriteString(body)
	}
	return b.String()
}

// Unwrap returns the sentinel the error wraps, if any.
func (e *StatusError) Unwrap() error { return e.Err }

// IsStatus reports whether err is (or wraps) a *StatusError with the given
// HTTP status code.
func IsStatus(err error, code int) bool {
	var se *StatusError
	return errors.As(err, &se) && se.StatusCode == code
}

func bodySnippet(body []byte) string {
	if len(body) > snippetLen {
		body = body[:snippetLen]
	}
	return strings.ToValidUTF8(string(body), "\uFFFD")
}
