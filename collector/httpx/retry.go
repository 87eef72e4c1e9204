package httpx

import (
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
//     or its secondary limit (a Retry-After header).
//   - any 5xx.
func retryReason(code int, h http.Header) string {
	switch {
	case code == http.StatusTooManyRequests:
		return reason429
	case code == http.StatusForbidden && isRateLimited403(h):
		return reasonRateLimit
	case code >= 500 && code <= 599:
		return reason5xx
	}
	return ""
}

func isRateLimited403(h http.Header) bool {
	if strings.TrimSpace(h.Get("X-RateLimit-Remaining")) == "0" {
		return true
	}
	return h.Get("Retry-After") != ""
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
//   - X-RateLimit-Reset: Unix epoch seconds (GitHub), a delta in seconds, or
//     an ISO-8601 timestamp (Jira Cloud, e.g. 2024-01-01T12:00Z).
//   - RateLimit-Reset: delta seconds (Zendesk, IETF draft) or epoch seconds
//     (GitLab).
//
// A time already past gives a wait of 0. now is the current time.
func RateLimitWait(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if d, ok := parseRetryAfter(v, now); ok {
			return d, true
		}
	}
	for _, name := range []string{"X-RateLimit-Reset", "RateLimit-Reset"} {
		if v := strings.TrimSpace(h.Get(name)); v != "" {
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
// Context cancellation, certificate problems and an oversized body do not.
func retryableTransport(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, ErrResponseTooLarge) {
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
