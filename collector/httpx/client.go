// Package httpx is the HTTP client every upstream source (Jira, GitHub,
// GitLab, Zendesk) uses. It adds to net/http what those APIs need:
//
//   - retries: 429 always, a rate-limited 403 (GitHub), 5xx and transport
//     errors; never any other 4xx. Waits honour Retry-After and the vendors'
//     rate-limit reset headers (see RateLimitWait), else exponential backoff
//     with full jitter. A wait longer than Options.MaxWait fails at once with
//     ErrRateLimitWaitTooLong instead of hanging; context cancellation stops
//     any wait immediately.
//   - clear errors: *StatusError names source, method, path, status and the
//     start of the body, never the query string or credentials.
//   - JSON decoding with errors that name the endpoint, ETag conditional
//     requests, RFC 8288 Link paging (NextLink).
//   - metrics (Metrics) and per-run counters (Stats).
package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// Defaults for zero Options fields.
const (
	DefaultTimeout      = 60 * time.Second
	DefaultMaxRetries   = 5
	DefaultMinBackoff   = 500 * time.Millisecond
	DefaultMaxBackoff   = 30 * time.Second
	DefaultMaxWait      = 2 * time.Minute
	DefaultMaxBodyBytes = 64 << 20
)

// Options configure a Client. Only Source is required; BaseURL is needed
// unless every path is an absolute URL.
type Options struct {
	// Source is the source name used in metrics labels and error messages,
	// e.g. "jira".
	Source string
	// BaseURL is what relative paths are resolved against; it may carry a
	// path prefix (https://gitlab.example.com/api/v4).
	BaseURL string
	// HTTPClient defaults to &http.Client{Timeout: 60s}.
	HTTPClient *http.Client
	// Auth sets credentials on each request (see BasicAuth, BearerAuth,
	// HeaderAuth). It runs after every other header is set. It is applied
	// only to requests for BaseURL's host.
	Auth func(*http.Request)
	// UserAgent defaults to "runway/<version>".
	UserAgent string
	// Header holds headers sent with every request, e.g. GitHub's
	// Accept: application/vnd.github+json and X-GitHub-Api-Version.
	Header http.Header
	// MaxRetries is how many times a request is retried after the first
	// attempt: 0 means DefaultMaxRetries (5), a negative value means never.
	MaxRetries int
	// MinBackoff and MaxBackoff bound the exponential backoff
	// (defaults 500ms and 30s).
	MinBackoff, MaxBackoff time.Duration
	// MaxWait is the longest single server-requested wait (Retry-After or a
	// rate-limit reset) that is honoured; a longer one fails with
	// ErrRateLimitWaitTooLong. Default 2m.
	MaxWait time.Duration
	// MaxBodyBytes limits a response body; beyond it Do fails with
	// ErrResponseTooLarge. Default 64 MiB.
	MaxBodyBytes int64
	// Metrics and Stats may be nil.
	Metrics *Metrics
	Stats   *Stats
	// Logger gets one debug line per attempt and per wait (method, path,
	// status, attempt, wait). Never credentials or query strings. Default:
	// discard.
	Logger *slog.Logger
	// Sleep waits between attempts. Test hook; the default is a timer that
	// returns ctx.Err() as soon as ctx is done.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client is safe for concurrent use.
type Client struct {
	source     string
	base       *url.URL
	hc         *http.Client
	auth       func(*http.Request)
	userAgent  string
	header     http.Header
	maxRetries int
	minBackoff time.Duration
	maxBackoff time.Duration
	maxWait    time.Duration
	maxBody    int64
	metrics    *Metrics
	stats      *Stats
	log        *slog.Logger
	sleep      func(context.Context, time.Duration) error
	now        func() time.Time
}

// Response is a completed HTTP exchange with its body read in full.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	// URL is the final request URL (after redirects), query included. It
	// may carry query parameters the caller set; don't log it blindly.
	URL string
}

// New builds a Client. It panics if BaseURL is set but not an absolute
// http(s) URL: that is a programming or configuration error to catch at
// start-up (validate user input before calling New).
func New(opts Options) *Client {
	c := &Client{
		source:     opts.Source,
		hc:         opts.HTTPClient,
		auth:       opts.Auth,
		userAgent:  opts.UserAgent,
		header:     http.Header{},
		maxRetries: opts.MaxRetries,
		minBackoff: opts.MinBackoff,
		maxBackoff: opts.MaxBackoff,
		maxWait:    opts.MaxWait,
		maxBody:    opts.MaxBodyBytes,
		metrics:    opts.Metrics,
		stats:      opts.Stats,
		log:        opts.Logger,
		sleep:      opts.Sleep,
		now:        time.Now,
	}
	for k, vs := range opts.Header {
		for _, v := range vs {
			c.header.Add(k, v)
		}
	}
	if opts.BaseURL != "" {
		u, err := url.Parse(opts.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			panic(fmt.Sprintf("httpx: %s: base URL must be an absolute http(s) URL", opts.Source))
		}
		u.RawQuery, u.Fragment = "", ""
		c.base = u
	}
	if c.source == "" {
		c.source = "http"
	}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: DefaultTimeout}
	}
	c.hc = c.withRedirectPolicy(c.hc)
	if c.userAgent == "" {
		c.userAgent = "runway/" + version()
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.minBackoff <= 0 {
		c.minBackoff = DefaultMinBackoff
	}
	if c.maxBackoff <= 0 {
		c.maxBackoff = DefaultMaxBackoff
	}
	if c.maxBackoff < c.minBackoff {
		c.maxBackoff = c.minBackoff
	}
	if c.maxWait <= 0 {
		c.maxWait = DefaultMaxWait
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxBodyBytes
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	return c
}

// maxRedirects is how many redirects one request follows (net/http's own
// bound).
const maxRedirects = 10

// withRedirectPolicy returns a copy of hc (the caller's may be shared)
// whose redirects never carry credentials to another origin. net/http
// drops Authorization and Cookie on a redirect to another domain, but
// forwards every other header, GitLab's PRIVATE-TOKEN included, and keeps
// them for a subdomain or another port or scheme. So every header the
// Auth function sets is removed from a redirect that leaves the origin of
// the first request, as are Authorization and Cookie.
func (c *Client) withRedirectPolicy(hc *http.Client) *http.Client {
	secret := []string{"Authorization", "Cookie"}
	if c.auth != nil {
		probe := &http.Request{Header: http.Header{}}
		c.auth(probe)
		for k := range probe.Header {
			secret = append(secret, k)
		}
	}
	own := *hc
	prev := hc.CheckRedirect
	own.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		if !sameOrigin(req.URL, via[0].URL) {
			for _, k := range secret {
				req.Header.Del(k)
			}
		}
		if prev != nil {
			return prev(req, via)
		}
		return nil
	}
	return &own
}

// Source returns the source name the client reports under.
func (c *Client) Source() string { return c.source }

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
	}
	return "dev"
}

// Do sends one logical request, retrying as the package doc describes, and
// returns the response with its body read. path is either an absolute URL
// (a `next` link) or relative to BaseURL; query is added to (and overrides
// same-named parameters in) any query path already has. body may be nil; a
// non-empty body without a Content-Type in hdr is sent as application/json.
// hdr adds per-request headers over Options.Header.
//
// Any status below 400 is success, 304 Not Modified included. A failure is
// a *StatusError, or a transport error naming source, method and path;
// either wraps ErrRetriesExhausted when it outlasted the retries. A
// cancelled ctx returns an error wrapping ctx.Err().
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body []byte, hdr http.Header) (*Response, error) {
	u, err := c.resolve(path, query)
	if err != nil {
		return nil, fmt.Errorf("%s: %s %s: %w", c.source, method, redactPath(path), err)
	}
	epath := u.EscapedPath()
	if epath == "" {
		epath = "/"
	}
	withAuth := c.auth != nil
	if withAuth && c.base != nil && !sameOrigin(u, c.base) {
		return nil, fmt.Errorf("%s: %s %s: %w (%s://%s, base %s://%s)", c.source, method, epath, ErrForeignHost,
			u.Scheme, u.Host, c.base.Scheme, c.base.Host)
	}

	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%s: %s %s: %w", c.source, method, epath, err)
		}
		req, err := c.newRequest(ctx, method, u, body, hdr, withAuth)
		if err != nil {
			return nil, fmt.Errorf("%s: %s %s: %w", c.source, method, epath, err)
		}
		resp, err := c.roundTrip(req)
		final := attempt > c.maxRetries

		var reason string
		var wait time.Duration
		var serverWait bool
		if err != nil {
			c.metrics.request(c.source, "error")
			if !retryableTransport(ctx, err) {
				if ctx.Err() != nil {
					return nil, fmt.Errorf("%s: %s %s: %w", c.source, method, epath, ctx.Err())
				}
				return nil, fmt.Errorf("%s: %s %s: %w", c.source, method, epath, err)
			}
			c.log.DebugContext(ctx, "http request failed", "source", c.source, "method", method,
				"path", epath, "attempt", attempt, "error", err)
			if final {
				return nil, fmt.Errorf("%s: %s %s: %w after %d attempts: %w",
					c.source, method, epath, ErrRetriesExhausted, attempt, err)
			}
			reason = reasonTransport
		} else {
			c.metrics.request(c.source, strconv.Itoa(resp.StatusCode))
			c.log.DebugContext(ctx, "http request", "source", c.source, "method", method,
				"path", epath, "status", resp.StatusCode, "attempt", attempt, "bytes", len(resp.Body))
			if resp.StatusCode < 400 {
				return resp, nil
			}
			reason = retryReason(resp.StatusCode, resp.Header, resp.Body)
			if reason == "" {
				return nil, c.statusError(method, u, resp, attempt, nil)
			}
			if final {
				return nil, c.statusError(method, u, resp, attempt, ErrRetriesExhausted)
			}
			if reason == reason5xx {
				// A 503 may carry Retry-After; reset headers on a 5xx are
				// not about this failure.
				if v := strings.TrimSpace(resp.Header.Get("Retry-After")); v != "" {
					wait, serverWait = parseRetryAfter(v, c.now())
				}
			} else {
				wait, serverWait = RateLimitWait(resp.Header, c.now())
				if !serverWait && isSecondaryRateLimit(resp.Body) {
					wait, serverWait = secondaryRateLimitWait, true
				}
			}
			if serverWait && wait > c.maxWait {
				se := c.statusError(method, u, resp, attempt, ErrRateLimitWaitTooLong)
				se.Wait = wait
				return nil, se
			}
		}
		if !serverWait || wait <= 0 {
			// No usable server hint, or a reset time already past (clock
			// skew): back off rather than retry at once.
			wait = backoff(attempt, c.minBackoff, c.maxBackoff)
		}
		c.metrics.retry(c.source, reason)
		if c.stats != nil {
			c.stats.Retries.Add(1)
		}
		c.log.DebugContext(ctx, "http retry", "source", c.source, "method", method, "path", epath,
			"attempt", attempt, "reason", reason, "wait", wait)
		if err := c.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("%s: %s %s: waiting to retry: %w", c.source, method, epath, err)
		}
	}
}

// sameOrigin reports whether a and b have the same scheme, host name and
// port, a missing port standing for the scheme's default (80 for http, 443
// for https): credentials for https://api.github.com go to
// https://api.github.com:443, never to http://api.github.com (cleartext) or
// another port.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(strings.TrimSuffix(a.Hostname(), "."), strings.TrimSuffix(b.Hostname(), ".")) &&
		effectivePort(a) == effectivePort(b)
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// resolve turns path into the request URL.
func (c *Client) resolve(path string, query url.Values) (*url.URL, error) {
	var u *url.URL
	var err error
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		u, err = url.Parse(path)
		if err != nil {
			return nil, errors.New("invalid URL")
		}
	} else {
		if c.base == nil {
			return nil, errors.New("relative path and no base URL")
		}
		rel, err := url.Parse(path)
		if err != nil || rel.Scheme != "" || rel.Host != "" {
			return nil, errors.New("invalid path")
		}
		uu := *c.base
		uu.Path = strings.TrimRight(c.base.Path, "/") + "/" + strings.TrimLeft(rel.Path, "/")
		uu.RawPath = ""
		if c.base.RawPath != "" || rel.RawPath != "" {
			uu.RawPath = strings.TrimRight(c.base.EscapedPath(), "/") + "/" + strings.TrimLeft(rel.EscapedPath(), "/")
		}
		uu.RawQuery = rel.RawQuery
		u = &uu
	}
	u.Fragment = ""
	if len(query) > 0 {
		q := u.Query()
		for k, vs := range query {
			q[k] = append([]string(nil), vs...)
		}
		u.RawQuery = q.Encode()
	}
	return u, nil
}

func (c *Client) newRequest(ctx context.Context, method string, u *url.URL, body []byte, hdr http.Header, withAuth bool) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", c.userAgent)
	for k, vs := range c.header {
		req.Header[k] = append([]string(nil), vs...)
	}
	for k, vs := range hdr {
		req.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	if len(body) > 0 && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if withAuth {
		c.auth(req)
	}
	return req, nil
}

// roundTrip sends req and reads the body in full (up to maxBody).
func (c *Client) roundTrip(req *http.Request) (*Response, error) {
	if c.stats != nil {
		c.stats.Requests.Add(1)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			// url.Error prints the full URL, query string included.
			return nil, ue.Err
		}
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	c.metrics.bytes(c.source, len(body))
	if c.stats != nil {
		c.stats.Bytes.Add(int64(len(body)))
	}
	if err != nil {
		return nil, fmt.Errorf("reading response body (%d %s): %w", resp.StatusCode, http.StatusText(resp.StatusCode), err)
	}
	if int64(len(body)) > c.maxBody {
		return nil, fmt.Errorf("%d %s: %w: more than %d bytes", resp.StatusCode, http.StatusText(resp.StatusCode), ErrResponseTooLarge, c.maxBody)
	}
	return &Response{
		StatusCode: resp.StatusCode,
		Header:     resp.Header,
		Body:       body,
		URL:        resp.Request.URL.String(),
	}, nil
}

func (c *Client) statusError(method string, u *url.URL, resp *Response, attempts int, sentinel error) *StatusError {
	clean := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	return &StatusError{
		Source:     c.source,
		Method:     method,
		URL:        clean.String(),
		Path:       p,
		StatusCode: resp.StatusCode,
		Body:       bodySnippet(resp.Body),
		Attempts:   attempts,
		Header:     resp.Header,
		Err:        sentinel,
	}
}

// redactPath drops query and user info from a path or URL for messages.
func redactPath(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if i := strings.Index(p, "://"); i >= 0 {
		if j := strings.IndexByte(p[i+3:], '@'); j >= 0 {
			p = p[:i+3] + p[i+3+j+1:]
		}
	}
	return p
}

// GetJSON sends a GET with Accept: application/json (unless Options.Header
// sets Accept) and decodes the body into out. Unknown fields are ignored. A
// malformed or truncated body gives an error naming the endpoint, e.g.
//
//	jira: GET /rest/agile/1.0/board/12/sprint: decoding response: unexpected EOF
//
// A 204 No Content leaves out untouched.
func (c *Client) GetJSON(ctx context.Context, path string, query url.Values, out any) (*Response, error) {
	resp, err := c.Do(ctx, http.MethodGet, path, query, nil, c.jsonHeader())
	if err != nil {
		return resp, err
	}
	return resp, c.decode(http.MethodGet, resp, out)
}

// GetJSONConditional is GetJSON with If-None-Match: etag (when etag is not
// empty). On 304 Not Modified it returns notModified = true and leaves out
// untouched; otherwise it decodes as GetJSON does. The new ETag is in
// resp.Header.Get("ETag").
func (c *Client) GetJSONConditional(ctx context.Context, path string, query url.Values, etag string, out any) (resp *Response, notModified bool, err error) {
	hdr := c.jsonHeader()
	if etag != "" {
		hdr.Set("If-None-Match", etag)
	}
	resp, err = c.Do(ctx, http.MethodGet, path, query, nil, hdr)
	if err != nil {
		return resp, false, err
	}
	if resp.StatusCode == http.StatusNotModified {
		return resp, true, nil
	}
	return resp, false, c.decode(http.MethodGet, resp, out)
}

// PostJSON sends in encoded as JSON (nil: no body) and decodes the response
// into out (nil: not decoded), with GetJSON's error conventions.
func (c *Client) PostJSON(ctx context.Context, path string, query url.Values, in, out any) (*Response, error) {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return nil, fmt.Errorf("%s: POST %s: encoding request: %w", c.source, redactPath(path), err)
		}
	}
	hdr := c.jsonHeader()
	hdr.Set("Content-Type", "application/json")
	resp, err := c.Do(ctx, http.MethodPost, path, query, body, hdr)
	if err != nil || out == nil {
		return resp, err
	}
	return resp, c.decode(http.MethodPost, resp, out)
}

func (c *Client) jsonHeader() http.Header {
	h := http.Header{}
	if c.header.Get("Accept") == "" {
		h.Set("Accept", "application/json")
	}
	return h
}

// decode decodes resp.Body into out, naming the endpoint on failure.
func (c *Client) decode(method string, resp *Response, out any) error {
	if resp.StatusCode == http.StatusNoContent {
		return nil
	}
	fail := func(err error) error {
		p := "/"
		if u, perr := url.Parse(resp.URL); perr == nil && u.EscapedPath() != "" {
			p = u.EscapedPath()
		}
		return fmt.Errorf("%s: %s %s: decoding response: %w", c.source, method, p, err)
	}
	dec := json.NewDecoder(bytes.NewReader(resp.Body))
	if err := dec.Decode(out); err != nil {
		if errors.Is(err, io.EOF) {
			// An empty body: say so rather than a bare "EOF".
			err = errors.New("empty body")
		}
		return fail(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fail(errors.New("unexpected data after the JSON value"))
	}
	return nil
}
