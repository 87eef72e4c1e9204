// Package pageloop stops a listing that a server pages in a loop: a page
// that names, as its next one, a page the listing has followed already
// (a repeated page, a cursor that does not move) would be followed for
// ever, and a page answering another query than the one asked (a stale
// or repeated page) would move a keyset listing past items it never
// read. Every source's paging checks with it, so that each stops with
// the same clear error instead of spinning until its page bound or
// silently skipping items.
package pageloop

import (
	"errors"
	"fmt"
	"time"
)

// Errors, wrapped with the listing's name.
var (
	// ErrRepeated: the next page is one the listing followed already.
	ErrRepeated = errors.New("the server repeats a page: paging would not end")
	// ErrStale: a page holds items its query excludes.
	ErrStale = errors.New("the server answered a page of another query (a repeated or stale page)")
)

// Guard remembers the continuations (next links, cursors, page tokens,
// offsets) one listing followed. The zero value is ready to use.
type Guard struct {
	seen map[string]bool
}

// Follow records that the listing goes on to next, and fails, wrapping
// ErrRepeated, when it went there before. An empty next is no
// continuation and always passes.
func (g *Guard) Follow(next string) error {
	if next == "" {
		return nil
	}
	if g.seen[next] {
		return ErrRepeated
	}
	if g.seen == nil {
		g.seen = map[string]bool{}
	}
	g.seen[next] = true
	return nil
}

// Reset forgets what was followed: the listing starts over from a new
// query (a later keyset bound), whose pages may reuse the old ones'
// continuations.
func (g *Guard) Reset() { clear(g.seen) }

// NotBefore fails, wrapping ErrStale, when an item of a page of a
// listing bounded by "updated at or after from" was updated before it.
// i is the item's index in the page.
func NotBefore(from time.Time, i int, updated time.Time) error {
	if !from.IsZero() && updated.Before(from) {
		return fmt.Errorf("item %d updated %s, before the page's lower bound %s: %w",
			i, updated.UTC().Format(time.RFC3339), from.UTC().Format(time.RFC3339), ErrStale)
	}
	return nil
}
