package httpx

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Retry reasons, as used in the runway_collector_retries_total reason label.
const (
	reason429       = "429"
	reason5xx       = "5xx"
	reasonTransport = "transport"
	reasonRateLimit = "rate_limit"
)

// retryReason classifies a response. It returns "" when the response must
// not be retried: success, or a 4xx other than a rate limit.
//
//   - 429 always.
//   - 403 that is a rate limit: GitHub's primary limit (X-RateLimit-Remaining: 0)
//     or its secondary limit (a Retry-After header, or a body saying so).
//   - any 5xx.
func retryReason(code int, h http.Header, body []byte) string {
	switch {
	case code == http.StatusTooManyRequests:
		return reason429
	case code == http.StatusForbidden && isRateLimited403(h, body):
		return reasonRateLimit
	case code >= 500 && code <= 599:
		return reason5xx
	}
	return ""
}

func isRateLimited403(h http.Header, body []byte) bool {
	if quotaExhausted(h, "X-RateLimit-Remaining") {
		return true
	}
	return h.Get("Retry-After") != "" || isSecondaryRateLimit(body)
}

// secondaryRateLimitWait is the least wait after a GitHub secondary rate
// limit that comes without Retry-After or an exhausted quota: "wait for at
// least one minute before retrying" (GitHub REST API docs, "Rate limits for
// the REST API").
const secondaryRateLimitWait = time.Minute

// isSecondaryRateLimit reports whether an error body is GitHub's secondary
// rate limit ("You have exceeded a secondary rate limit", formerly "abuse
// detection mechanism").
func isSecondaryRateLimit(body []byte) bool {
	if len(body) > 4096 {
		body = body[:4096]
	}
	lower := bytes.ToLower(body)
	return bytes.Contains(lower, []byte("secondary rate limit")) || bytes.Contains(lower, []byte("abuse detection"))
}

// quotaExhausted reports whether the remaining-quota header name is 0.
func quotaExhausted(h http.Header, name string) bool {
	return strings.TrimSpace(h.Get(name)) == "0"
}

// epochThreshold separates a reset header holding an absolute Unix time
// (GitHub X-RateLimit-Reset, GitLab RateLimit-Reset) from one holding a
// delta in seconds (Zendesk ratelimit-reset, the IETF draft): no server asks
// for a wait of 30 years.
const epochThreshold = 1_000_000_000

// RateLimitWait returns how long the response headers ask the client to
// wait before the next request, and whether they say so at all. It reads, in
// order:
//
//   - Retry-After: delay-seconds or an HTTP-date (RFC 9110).
//   - X-RateLimit-Reset, unless X-RateLimit-Remaining is above 0: Unix
//     epoch seconds (GitHub), a delta in seconds, or an ISO-8601 timestamp
//     (Jira Cloud, e.g. 2024-01-01T12:00Z).
//   - RateLimit-Reset, unless RateLimit-Remaining is above 0: delta seconds
//     (Zendesk, IETF draft) or epoch seconds (GitLab).
//
// GitHub and GitLab send the reset headers, with the remaining quota, on
// every response: they say when the quota window ends, not when to retry,
// so they are used only once the quota is spent (remaining 0). A 429 or 403
// with quota left (a secondary or per-endpoint limit) is waited out with
// Retry-After or backoff, not until the window ends. A reset header without
// its remaining header (Jira Cloud's 429: "request time plus the
// Retry-After period") is a time to retry at, and is used.
//
// A time already past gives a wait of 0. now is the current time.
func RateLimitWait(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if d, ok := parseRetryAfter(v, now); ok {
			return d, true
		}
	}
	for _, hdr := range []struct{ reset, remaining string }{
		{"X-RateLimit-Reset", "X-RateLimit-Remaining"},
		{"RateLimit-Reset", "RateLimit-Remaining"},
	} {
		if h.Get(hdr.remaining) != "" && !quotaExhausted(h, hdr.remaining) {
			continue
		}
		if v := strings.TrimSpace(h.Get(hdr.reset)); v != "" {
			if d, ok := parseReset(v, now); ok {
				return d, true
			}
		}
	}
	return 0, false
}

func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return secs(n), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return until(t, now), true
	}
	return 0, false
}

// isoLayouts are the ISO-8601 forms accepted for a reset timestamp, most
// specific first. Z07:00 also matches a literal Z.
var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04:05.999999999", // no zone: UTC
	"2006-01-02T15:04",
}

func parseReset(v string, now time.Time) (time.Duration, bool) {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f < 0 {
			return 0, false
		}
		if f >= epochThreshold {
			sec := int64(f)
			nsec := int64((f - float64(sec)) * 1e9)
			return until(time.Unix(sec, nsec), now), true
		}
		return time.Duration(f * float64(time.Second)), true
	}
	for _, layout := range isoLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return until(t, now), true
		}
	}
	if t, err := http.ParseTime(v); err == nil {
		return until(t, now), true
	}
	return 0, false
}

func secs(n int64) time.Duration {
	const maxSecs = int64(1<<63-1) / int64(time.Second)
	if n > maxSecs {
		n = maxSecs
	}
	return time.Duration(n) * time.Second
}

func until(t, now time.Time) time.Duration {
	if d := t.Sub(now); d > 0 {
		return d
	}
	return 0
}

// backoff is exponential backoff with full jitter: a uniform random wait in
// [0, min(max, min·2^(retry-1))]. retry counts from 1.
func backoff(retry int, minB, maxB time.Duration) time.Duration {
	ceil := maxB
	if retry < 1 {
		retry = 1
	}
	if shift := retry - 1; shift < 62 {
		if d := minB << shift; d > 0 && d < maxB && d>>shift == minB {
			ceil = d
		}
	}
	if ceil <= 0 {
		return 0
	}
	return rand.N(ceil + 1)
}

// retryableTransport reports whether a transport error may go away on retry.
// The caller's ctx being done, certificate problems and an oversized body do
// not. Whether the request was cancelled is decided from ctx alone: net/http's
// own timeouts (Client.Timeout, Transport.ResponseHeaderTimeout) also satisfy
// errors.Is(err, context.DeadlineExceeded), and those are retried.
func retryableTransport(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, ErrResponseTooLarge) {
		return false
	}
	var (
		unknownAuth x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		certInvalid x509.CertificateInvalidError
		verifyErr   *tls.CertificateVerificationError
	)
	if errors.As(err, &unknownAuth) || errors.As(err, &hostErr) ||
		errors.As(err, &certInvalid) || errors.As(err, &verifyErr) {
		return false
	}
	return true
}

// sleepCtx waits for d or until ctx is done, whichever comes first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
