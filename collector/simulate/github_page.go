package simulate

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// How the simulated GitHub pages lists ("Using pagination in the REST
// API") and answers conditional requests ("Best practices for using the
// REST API", "Use conditional requests if appropriate").

// ghMaxPerPage is the largest per_page GitHub honours.
const ghMaxPerPage = 100

// paging reads per_page (default PageSize, at most MaxPerPage; a value
// that is not a positive integer takes the default) and page (from 1).
func (g *GitHub) paging(r *http.Request) (perPage, page int) {
	q := r.URL.Query()
	perPage, page = g.opts.PageSize, 1
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		perPage = min(n, g.opts.MaxPerPage)
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		page = n
	}
	return perPage, page
}

// writeGitHubList answers the page of all (already filtered and sorted)
// that the request asks for, as a top-level JSON array, with the Link
// header and an ETag.
func writeGitHubList[T any](g *GitHub, w http.ResponseWriter, r *http.Request, repo *ghRepo, all []T, render func(T) any) {
	perPage, page := g.paging(r)
	lo := min((page-1)*perPage, len(all))
	hi := min(lo+perPage, len(all))
	vals := make([]any, 0, hi-lo)
	for _, x := range all[lo:hi] {
		vals = append(vals, render(x))
	}
	last := max((len(all)+perPage-1)/perPage, 1)
	if link := g.linkHeader(r, repo, page, last); link != "" {
		w.Header().Set("Link", link)
	}
	g.answer(w, r, marshalGitHub(vals))
}

// linkHeader is the RFC 8288 Link header of page out of last, as GitHub
// writes it: rel="prev", "next", "last", "first" in that order, each
// present when it applies (none on a list of one page; the first page
// has next and last, the last one prev and first). Each URL is the
// request's with page moved to the end (GitHub keeps the other
// parameters in their order), absolute on the request's host; with
// RepositoryIDLinks, under /repositories/{id}.
func (g *GitHub) linkHeader(r *http.Request, repo *ghRepo, page, last int) string {
	if page <= 1 && last <= 1 {
		return ""
	}
	path := r.URL.EscapedPath()
	if g.opts.RepositoryIDLinks && repo != nil && strings.HasPrefix(path, PathGitHubRepos) {
		parts := strings.SplitN(path, "/", 5) // "", repos, owner, repo, rest
		path = PathGitHubRepositories + strconv.FormatInt(repo.id, 10)
		if len(parts) == 5 {
			path += "/" + parts[4]
		}
	}
	var keep []string
	for _, kv := range strings.Split(r.URL.RawQuery, "&") {
		if k, _, _ := strings.Cut(kv, "="); kv != "" && k != "page" {
			keep = append(keep, kv)
		}
	}
	url := func(p int) string {
		return "<" + baseURL(r) + path + "?" + strings.Join(append(keep[:len(keep):len(keep)], "page="+strconv.Itoa(p)), "&") + ">"
	}
	var links []string
	if page > 1 {
		links = append(links, url(page-1)+`; rel="prev"`)
	}
	if page < last {
		links = append(links, url(page+1)+`; rel="next"`, url(last)+`; rel="last"`)
	}
	if page > 1 {
		links = append(links, url(1)+`; rel="first"`)
	}
	return strings.Join(links, ", ")
}

// answer writes a 200 JSON body with a weak ETag computed from the body
// and the Link header (so a page whose neighbours changed is modified
// too), or 304 Not Modified without a body (and without Link: keep the
// links with the cached body) when If-None-Match names it. A 304 is taken
// back out of the rate window, as GitHub does not count it, and counted
// in NotModified.
func (g *GitHub) answer(w http.ResponseWriter, r *http.Request, body []byte) {
	h := w.Header()
	sum := sha256.Sum256(append(append(body, '\n'), h.Get("Link")...))
	etag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, max-age=60, s-maxage=60")
	h.Set("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP")
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		githubRateHeaders(h, g.faults.uncount())
		h.Del("Link")
		g.mu.Lock()
		g.notModified[r.URL.Path]++
		g.mu.Unlock()
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// etagMatches reports whether an If-None-Match value names etag, by weak
// comparison (RFC 9110 §13.1.2): "*", or one of its entity tags with
// W/ ignored on both sides.
func etagMatches(ifNoneMatch, etag string) bool {
	if ifNoneMatch == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(ifNoneMatch, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}
