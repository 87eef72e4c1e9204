package httpx

import (
	"net/http"
	"testing"
	"time"
)

func TestRateLimitWait(t *testing.T) {
	now := time.Date(2024, 1, 1, 11, 58, 30, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
		ok     bool
	}{
		{"none", nil, 0, false},
		{"retry-after seconds", map[string]string{"Retry-After": "1"}, time.Second, true},
		{"retry-after zero", map[string]string{"Retry-After": "0"}, 0, true},
		{"retry-after http-date", map[string]string{"Retry-After": "Mon, 01 Jan 2024 12:00:00 GMT"}, 90 * time.Second, true},
		{"retry-after date in the past", map[string]string{"Retry-After": "Mon, 01 Jan 2024 11:00:00 GMT"}, 0, true},
		{"retry-after wins over reset", map[string]string{"Retry-After": "5", "X-RateLimit-Reset": "1704110400"}, 5 * time.Second, true},
		{"retry-after garbage falls back to reset", map[string]string{"Retry-After": "soon", "X-RateLimit-Reset": "1704110400"}, 90 * time.Second, true},
		{"github epoch", map[string]string{"X-RateLimit-Reset": "1704110400"}, 90 * time.Second, true},
		{"github epoch lower-case name", map[string]string{"x-ratelimit-reset": "1704110400"}, 90 * time.Second, true},
		{"delta seconds in x-ratelimit-reset", map[string]string{"X-RateLimit-Reset": "12"}, 12 * time.Second, true},
		{"jira iso minutes", map[string]string{"X-RateLimit-Reset": "2024-01-01T12:00Z"}, 90 * time.Second, true},
		{"jira iso seconds", map[string]string{"X-RateLimit-Reset": "2024-01-01T12:00:00Z"}, 90 * time.Second, true},
		{"iso fractional", map[string]string{"X-RateLimit-Reset": "2024-01-01T12:00:00.500Z"}, 90*time.Second + 500*time.Millisecond, true},
		{"iso offset", map[string]string{"X-RateLimit-Reset": "2024-01-01T13:00+01:00"}, 90 * time.Second, true},
		{"iso offset no colon", map[string]string{"X-RateLimit-Reset": "2024-01-01T13:00:00+0100"}, 90 * time.Second, true},
		{"iso no zone is UTC", map[string]string{"X-RateLimit-Reset": "2024-01-01T12:00"}, 90 * time.Second, true},
		{"zendesk delta", map[string]string{"ratelimit-reset": "36"}, 36 * time.Second, true},
		{"gitlab epoch", map[string]string{"RateLimit-Reset": "1704110400"}, 90 * time.Second, true},
		{"reset in the past", map[string]string{"X-RateLimit-Reset": "1704100000"}, 0, true},
		{"unparseable", map[string]string{"X-RateLimit-Reset": "tomorrow"}, 0, false},
		// Reset headers count only once the matching quota is spent: GitHub
		// and GitLab send them on every response.
		{"github reset with quota left", map[string]string{"X-RateLimit-Remaining": "4000", "X-RateLimit-Reset": "1704110400"}, 0, false},
		{"github reset with quota spent", map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1704110400"}, 90 * time.Second, true},
		{"gitlab reset with quota left", map[string]string{"RateLimit-Remaining": "12", "RateLimit-Reset": "1704110400"}, 0, false},
		{"gitlab reset with quota spent", map[string]string{"RateLimit-Remaining": "0", "RateLimit-Reset": "1704110400"}, 90 * time.Second, true},
		{"retry-after with quota left", map[string]string{"Retry-After": "7", "X-RateLimit-Remaining": "4000", "X-RateLimit-Reset": "1704110400"}, 7 * time.Second, true},
		{"other header's quota is not this one's", map[string]string{"RateLimit-Remaining": "0", "X-RateLimit-Remaining": "5", "X-RateLimit-Reset": "1704110400"}, 0, false},
		{"negative", map[string]string{"Retry-After": "-3"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			got, ok := RateLimitWait(h, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("RateLimitWait(%v) = %v, %v; want %v, %v", tt.header, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestRetryReason(t *testing.T) {
	const secondary = `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}`
	tests := []struct {
		code   int
		header map[string]string
		body   string
		want   string
	}{
		{200, nil, "", ""},
		{304, nil, "", ""},
		{400, nil, "", ""},
		{401, nil, "", ""},
		{403, nil, "", ""},
		{403, map[string]string{"X-RateLimit-Remaining": "10"}, "", ""},
		{403, map[string]string{"X-RateLimit-Remaining": "0"}, "", "rate_limit"},
		{403, map[string]string{"Retry-After": "60"}, "", "rate_limit"},                    // GitHub secondary limit
		{403, map[string]string{"X-RateLimit-Remaining": "4999"}, secondary, "rate_limit"}, // secondary limit, no Retry-After
		{403, nil, `{"message":"You have triggered an abuse detection mechanism."}`, "rate_limit"},
		{403, map[string]string{"X-RateLimit-Remaining": "4999"}, `{"message":"Resource not accessible by integration"}`, ""},
		{404, nil, "", ""},
		{409, nil, "", ""},
		{422, nil, "", ""},
		{429, nil, "", "429"},
		{500, nil, "", "5xx"},
		{502, nil, "", "5xx"},
		{503, nil, "", "5xx"},
		{504, nil, "", "5xx"},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.header {
			h.Set(k, v)
		}
		if got := retryReason(tt.code, h, []byte(tt.body)); got != tt.want {
			t.Errorf("retryReason(%d, %v) = %q, want %q", tt.code, tt.header, got, tt.want)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	minB, maxB := 500*time.Millisecond, 30*time.Second
	for retry := 1; retry <= 80; retry++ {
		ceil := maxB
		if retry <= 7 {
			ceil = minB << (retry - 1) // 0.5s, 1s, 2s, 4s, 8s, 16s, 32s→capped
			if ceil > maxB {
				ceil = maxB
			}
		}
		var sawLarge bool
		for range 200 {
			d := backoff(retry, minB, maxB)
			if d < 0 || d > ceil {
				t.Fatalf("backoff(%d) = %v, want within [0, %v]", retry, d, ceil)
			}
			if d > ceil/2 {
				sawLarge = true
			}
		}
		if !sawLarge {
			t.Errorf("backoff(%d): 200 draws all ≤ half of %v: jitter not spread", retry, ceil)
		}
	}
}
