package simulate

import (
	"cmp"
	"slices"
	"time"
)

// deskSnapshot is the desk as of one clock second, sorted the way the
// incremental exports read it. A client paging through a large desk asks
// for many pages at the same second; each page is then a binary search
// into the snapshot instead of a replay of every ticket (which made a
// 100,000-ticket desk take minutes a page).
type deskSnapshot struct {
	at      int64  // the site clock, unix seconds
	version uint64 // the desk's version (Update, AddTicket)
	rows    []exportRow
	maxID   int64
	events  []metricEvent // at or before at − 60 s
}

// exportRow is a visible ticket and its state as of the snapshot.
type exportRow struct {
	tk *Ticket
	s  ticketState
}

// snapshot returns the desk as of now, built once per second of the clock
// and version of the desk. The caller holds the desk's read lock.
func (z *Zendesk) snapshot(now time.Time) *deskSnapshot {
	z.mu.Lock()
	defer z.mu.Unlock()
	if s := z.snap; s != nil && s.at == now.Unix() && s.version == z.desk.version {
		return s
	}
	s := &deskSnapshot{at: now.Unix(), version: z.desk.version}
	for _, tk := range z.desk.Tickets {
		st, ok := tk.stateAt(now)
		if !ok {
			continue
		}
		s.maxID = max(s.maxID, tk.ID)
		s.rows = append(s.rows, exportRow{tk, st})
	}
	slices.SortFunc(s.rows, func(a, b exportRow) int {
		return cmp.Or(a.s.updated.Compare(b.s.updated), cmpInt64(a.tk.ID, b.tk.ID))
	})
	s.events = z.desk.metricEvents(now.Add(-time.Minute))
	z.snap = s
	return s
}

// exportPage returns up to n rows after the position, updated at or before
// the cutoff (deleted ones left out when excludeDeleted), and whether the
// stream ends with them.
func (s *deskSnapshot) exportPage(after zdPos, cutoff time.Time, n int, excludeDeleted bool) (page []exportRow, end bool) {
	i, _ := slices.BinarySearchFunc(s.rows, after, func(r exportRow, p zdPos) int {
		if p.before(r.s.updated.Unix(), r.tk.ID) {
			return 1
		}
		return -1
	})
	for _, r := range s.rows[i:] {
		if r.s.updated.After(cutoff) {
			break
		}
		if excludeDeleted && r.s.status == TicketDeleted {
			continue
		}
		if len(page) == n {
			return page, false
		}
		page = append(page, r)
	}
	return page, true
}
