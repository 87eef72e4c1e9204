package simulate

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// How the simulated GitLab pages lists ("REST API", "Pagination"):
// offset-based pagination (page, per_page, and the x-* headers and Link)
// everywhere, keyset-based pagination (a Link rel="next" only) where it
// is asked for and served.

// glMaxPerPage is the largest per_page GitLab honours.
const glMaxPerPage = 100

// GitLabCountLimit is the largest list GitLab counts: beyond it ("if a
// query returns more than 10,000 records"), an offset page has no
// x-total, no x-total-pages and no rel="last" link ("Offset-based
// pagination", "Other pagination headers"; Kaminari's MAX_COUNT_LIMIT).
const GitLabCountLimit = 10_000

// paging reads per_page (default PageSize, at most MaxPerPage; a value
// that is not a positive integer takes the default) and page (from 1).
func (g *GitLab) paging(r *http.Request) (perPage, page int) {
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

// writeGitLabList answers the offset page of all (already filtered and
// sorted) that the request asks for, as a JSON array, with GitLab's
// headers (Gitlab::Pagination::OffsetHeaderBuilder): x-per-page, x-page,
// x-next-page and x-prev-page (empty when there is none), x-total and
// x-total-pages (at least 1) unless the list holds more than
// GitLabCountLimit items, and Link: rel="prev" and "next" when they
// apply, "first" always, "last" unless the totals are left out.
func writeGitLabList[T any](g *GitLab, w http.ResponseWriter, r *http.Request, all []T, render func(T) any) {
	perPage, page := g.paging(r)
	lo := min((page-1)*perPage, len(all))
	hi := min(lo+perPage, len(all))
	vals := make([]any, 0, hi-lo)
	for _, x := range all[lo:hi] {
		vals = append(vals, render(x))
	}
	pages := max((len(all)+perPage-1)/perPage, 1)
	counted := len(all) <= GitLabCountLimit
	next, prev := "", ""
	if hi < len(all) {
		next = strconv.Itoa(page + 1)
	}
	if page > 1 {
		prev = strconv.Itoa(page - 1)
	}
	h := w.Header()
	h.Set("X-Per-Page", strconv.Itoa(perPage))
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Next-Page", next)
	h.Set("X-Prev-Page", prev)
	href := func(p int) string {
		return glPageURL(r, url.Values{"page": {strconv.Itoa(p)}, "per_page": {strconv.Itoa(perPage)}})
	}
	var links []string
	if prev != "" {
		links = append(links, "<"+href(page-1)+`>; rel="prev"`)
	}
	if next != "" {
		links = append(links, "<"+href(page+1)+`>; rel="next"`)
	}
	links = append(links, "<"+href(1)+`>; rel="first"`)
	if counted {
		links = append(links, "<"+href(pages)+`>; rel="last"`)
		h.Set("X-Total", strconv.Itoa(len(all)))
		h.Set("X-Total-Pages", strconv.Itoa(pages))
	}
	h.Set("Link", strings.Join(links, ", "))
	answerJSON(w, vals)
}

// writeGitLabKeyset answers one keyset page of all (sorted by id in dir,
// filtered by id_after or id_before already): the first per_page items,
// and, when the page is not empty, a Link rel="next" to the same request
// with id_after (ascending) or id_before (descending) set to the page's
// last id. GitLab's keyset pager links every non-empty page, so the list
// ends with an empty page without a Link ("Keyset-based pagination");
// keyset answers carry no x-* headers.
func writeGitLabKeyset[T any](g *GitLab, w http.ResponseWriter, r *http.Request, all []T, dir string,
	id func(T) int64, render func(T) any) {
	perPage, _ := g.paging(r)
	page := all[:min(perPage, len(all))]
	vals := make([]any, 0, len(page))
	for _, x := range page {
		vals = append(vals, render(x))
	}
	if len(page) > 0 {
		last := strconv.FormatInt(id(page[len(page)-1]), 10)
		set := url.Values{"id_after": {last}, "id_before": nil}
		if dir == "desc" {
			set = url.Values{"id_before": {last}, "id_after": nil}
		}
		w.Header().Set("Link", "<"+glPageURL(r, set)+`>; rel="next"`)
	}
	answerJSON(w, vals)
}

// glPageURL is the request's URL, absolute on its host, with the query
// values of set replaced (a nil value removes one) and the parameters in
// name order, as Rails' to_query writes them.
func glPageURL(r *http.Request, set url.Values) string {
	q := r.URL.Query()
	for k, v := range set {
		if v == nil {
			q.Del(k)
		} else {
			q[k] = v
		}
	}
	return baseURL(r) + r.URL.EscapedPath() + "?" + q.Encode()
}

// sortDir sorts items by compare, ties by id, ascending or (dir "desc")
// descending.
func sortDir[T any](items []T, dir string, compare func(a, b T) int, id func(T) int64) {
	slices.SortStableFunc(items, func(a, b T) int {
		c := compare(a, b)
		if c == 0 {
			c = cmp.Compare(id(a), id(b))
		}
		if dir == "desc" {
			c = -c
		}
		return c
	})
}
