package github

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// GitHub's milestoned and demilestoned events name the milestone by its
// title as it was when the event happened, and a milestone can be renamed.
// So each repository keeps the titles its runs observed, per milestone,
// with when each was first seen (stored as a cursor, committed with the
// run that saw it), and an event's title resolves to the milestone that
// bore it around the event's time: a rename is known to have happened
// between two observations, so a title matches on either side of the gap
// the event falls in.

// titleLog is the observed titles of a repository's milestones, by id.
type titleLog map[string][]titleSeen

// titleSeen is one title of a milestone and when a run first saw it (for
// a milestone's first title: its creation).
type titleSeen struct {
	Title string `json:"t"`
	Since int64  `json:"s"` // Unix seconds
}

func parseTitleLog(s string) (titleLog, error) {
	log := titleLog{}
	if s == "" {
		return log, nil
	}
	if err := json.Unmarshal([]byte(s), &log); err != nil {
		return nil, fmt.Errorf("milestone title log: %w", err)
	}
	return log, nil
}

func (l titleLog) String() string {
	b, _ := json.Marshal(map[string][]titleSeen(l)) // a map of plain values always marshals
	return string(b)
}

// observe records that milestone id has title at t, and reports whether
// that is news.
func (l titleLog) observe(id, title string, t time.Time) bool {
	seen := l[id]
	if n := len(seen); n > 0 && seen[n-1].Title == title {
		return false
	}
	l[id] = append(seen, titleSeen{Title: title, Since: t.Unix()})
	return true
}

// resolve returns the milestone that had title at t. A milestone matches
// when it existed at t (its first title is observed from its creation)
// and its title last observed at or before t, or the next one observed, is
// title. Failing that, the milestone that had the title last, preferring
// one that existed at t. ok is false when no milestone ever had it.
func (l titleLog) resolve(title string, t time.Time) (id string, ok bool) {
	at := t.Unix()
	ids := make([]string, 0, len(l))
	for id := range l {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, compareIDs)
	for _, id := range ids {
		seen := l[id]
		i := -1 // the last title observed at or before t
		for j, s := range seen {
			if s.Since <= at {
				i = j
			}
		}
		if i >= 0 && (seen[i].Title == title || (i+1 < len(seen) && seen[i+1].Title == title)) {
			return id, true
		}
	}
	best, bestExisted, bestAt := "", false, int64(0)
	for _, id := range ids {
		existed := l[id][0].Since <= at
		for _, s := range l[id] {
			if s.Title != title {
				continue
			}
			if best == "" || (existed && !bestExisted) || (existed == bestExisted && s.Since > bestAt) {
				best, bestExisted, bestAt = id, existed, s.Since
			}
		}
	}
	return best, best != ""
}

// compareIDs orders numeric ids numerically, others as text.
func compareIDs(a, b string) int {
	x, errA := strconv.ParseInt(a, 10, 64)
	y, errB := strconv.ParseInt(b, 10, 64)
	if errA == nil && errB == nil {
		return cmp.Compare(x, y)
	}
	return cmp.Compare(a, b)
}
