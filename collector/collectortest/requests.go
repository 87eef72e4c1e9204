package collectortest

import (
	"net/http"
	"net/url"
	"slices"
	"sync"
)

// Request is one request a RequestLog handed on: its method, path, query
// and headers (the credentials and headers the source chose included).
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
}

// RequestLog is an http.Handler that records every request, in arrival
// order, and hands it on to a site (a simulator, a test's own handler): a
// source's tests assert from it exactly what the source asked for, query
// included. It is safe for concurrent use.
type RequestLog struct {
	next http.Handler
	mu   sync.Mutex
	reqs []Request
}

// LogRequests wraps next in a RequestLog.
func LogRequests(next http.Handler) *RequestLog { return &RequestLog{next: next} }

func (l *RequestLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	l.reqs = append(l.reqs, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone()})
	l.mu.Unlock()
	l.next.ServeHTTP(w, r)
}

// Requests returns every request so far, in arrival order.
func (l *RequestLog) Requests() []Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.reqs)
}

// Queries returns the query of every request to path so far, in arrival order.
func (l *RequestLog) Queries(path string) []url.Values {
	var out []url.Values
	for _, r := range l.Requests() {
		if r.Path == path {
			out = append(out, r.Query)
		}
	}
	return out
}
