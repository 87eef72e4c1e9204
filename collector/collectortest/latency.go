package collectortest

import (
	"net/http"
	"time"
)

// Distant answers every request to h after latency, as a site far from
// the collector would (benchmarks of round trips). Zero returns h.
func Distant(h http.Handler, latency time.Duration) http.Handler {
	if latency <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
		h.ServeHTTP(w, r)
	})
}
