package api

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

func sendAs(t *testing.T, h http.Handler, method, path, auth, remote, xff string) int {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = remote
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code
}

// TestFailuresNeverThrottleValidTokens: wrong tokens from an address spend
// that address's failure budget (and then get 429), but the read and admin
// tokens sent from the same address keep working, interleaved with the
// attack and after it.
func TestFailuresNeverThrottleValidTokens(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		hostileServer(t, db, Options{}) // migrates
		h := New(Options{DB: db, Tokens: hostileTokens, RateLimit: 100, RateBurst: 100}).Handler()
		const addr = "192.0.2.7:40000"
		limited := 0
		for i := range 40 {
			switch sendAs(t, h, "GET", "/api/v1/collectors", "Bearer wrong-"+string(rune('a'+i%26)), addr, "") {
			case http.StatusTooManyRequests:
				limited++
			case http.StatusUnauthorized:
			default:
				t.Fatal("a wrong token was let through")
			}
			if got := sendAs(t, h, "GET", "/api/v1/collectors", "Bearer read-token", addr, ""); got != http.StatusOK {
				t.Fatalf("read token after %d failures from its address: %d", i+1, got)
			}
			if got := sendAs(t, h, "POST", "/api/v1/collectors/none/run", "Bearer admin-token", addr, ""); got != http.StatusNotFound {
				t.Fatalf("admin token after %d failures from its address: %d, want 404 (no such source)", i+1, got)
			}
		}
		if limited < 25 {
			t.Errorf("%d of 40 wrong tokens were throttled: the failure budget (burst %d) does not hold", limited, failBurst)
		}
		if got := sendAs(t, h, "GET", "/api/v1/collectors", "", addr, ""); got != http.StatusTooManyRequests {
			t.Errorf("no token from the throttled address: %d, want 429", got)
		}
	})
}

// TestTrustedProxies: X-Forwarded-For chooses the client address only when
// the peer is a configured proxy. Behind one, an attacker spends only the
// budget of its own forwarded address; without the setting, forged headers
// do not buy a fresh budget.
func TestTrustedProxies(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		hostileServer(t, db, Options{})
		const proxy = "10.0.0.5:5000"
		behind := New(Options{DB: db, Tokens: hostileTokens, RateLimit: 100, RateBurst: 100,
			TrustedProxies: []string{"10.0.0.0/24"}}).Handler()
		for range failBurst + 5 {
			sendAs(t, behind, "GET", "/api/v1/collectors", "Bearer wrong", proxy, "198.51.100.1")
		}
		if got := sendAs(t, behind, "GET", "/api/v1/collectors", "Bearer wrong", proxy, "198.51.100.1"); got != http.StatusTooManyRequests {
			t.Errorf("attacker behind the proxy: %d, want 429", got)
		}
		if got := sendAs(t, behind, "GET", "/api/v1/collectors", "Bearer wrong", proxy, "198.51.100.2"); got != http.StatusUnauthorized {
			t.Errorf("another client behind the same proxy: %d, want 401 (its own budget)", got)
		}

		direct := New(Options{DB: db, Tokens: hostileTokens, RateLimit: 100, RateBurst: 100}).Handler()
		for i := range failBurst + 5 {
			sendAs(t, direct, "GET", "/api/v1/collectors", "Bearer wrong", "203.0.113.9:1", "198.51.100."+string(rune('0'+i%10)))
		}
		if got := sendAs(t, direct, "GET", "/api/v1/collectors", "Bearer wrong", "203.0.113.9:1", "198.51.100.99"); got != http.StatusTooManyRequests {
			t.Errorf("forged X-Forwarded-For without trusted proxies: %d, want 429 (the peer's budget)", got)
		}
	})
}

// TestBearerSchemeIsCaseInsensitive (RFC 9110 §11.1).
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		hostileServer(t, db, Options{})
		h := New(Options{DB: db, Tokens: hostileTokens}).Handler()
		for auth, want := range map[string]int{
			"bearer read-token": 200, "BEARER read-token": 200, "Bearer  read-token": 200,
			"Basic read-token": 401, "Bearer": 401, "bearer ": 401, "read-token": 401,
		} {
			if got := sendAs(t, h, "GET", "/api/v1/collectors", auth, "192.0.2.1:1", ""); got != want {
				t.Errorf("Authorization %q: %d, want %d", auth, got, want)
			}
		}
	})
}

// TestRequestLogIsBounded: 1 MiB paths and methods, answered 401, 404, 405,
// 400, cost a bounded log line each.
func TestRequestLogIsBounded(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		hostileServer(t, db, Options{})
		var logs collectortest.LogBuffer
		h := New(Options{DB: db, Tokens: hostileTokens, Logger: slog.New(slog.NewTextHandler(&logs, nil))}).Handler()
		long := strings.Repeat("x", 1<<20)
		for _, tc := range []struct{ method, path, auth string }{
			{"GET", "/" + long, ""},
			{"GET", "/api/v1/sprints/" + long + "/1", ""},
			{"GET", "/api/v1/sprints/" + long + "/1", "Bearer read-token"},
			{"DELETE", "/api/v1/sprints?" + long, ""},
			{"GET", "/api/v1/sprints?" + long + "=1", "Bearer read-token"},
		} {
			before := logs.Len()
			sendAs(t, h, tc.method, tc.path, tc.auth, "192.0.2.1:1", "")
			if n := logs.Len() - before; n == 0 || n > 1024 {
				t.Errorf("%s %.40s…: %d bytes of log", tc.method, tc.path, n)
			}
		}
	})
}
