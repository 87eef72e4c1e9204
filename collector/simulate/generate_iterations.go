package simulate

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Sprints laid out as GitLab iterations (Options.Vendor = VendorGitLab).
//
// A GitLab iteration is a range of whole days of one cadence, and an
// issue is in one iteration at most. So every board is one cadence whose
// iterations follow each other without a gap: each starts at 00:00:00 UTC
// of its start day (Sprint.Start, and Sprint.Activated for a started
// one: it starts when its day does) and ends (Sprint.End) on the last
// second of its due day, 23:59:59 UTC, when a closed one completes
// (Sprint.Complete); the next starts a second later. They last two, three
// or four weeks, the future one two.
//
// Membership changes replace: entering a sprint leaves the one the issue
// was in (a history from [3] to [4], never [3, 4]). Open issues carried to
// the next sprint move there at the completion instant, the closed
// sprint left and the next entered in one history ("3" → "4" at
// Complete: GitLab's rollover); the others stay in the closed sprint (no
// history), as with rollover off. None leaves at Complete − 5 s or
// − 30 s, none enters the next sprint a second late, and no sprint is
// activated apart from its start. The rest (planning, additions after the
// start, removals, removals and re-additions, moves to another board's
// sprint, issues done during a sprint, re-estimates) is laid out as for
// Jira.
//
// The calendar draws from a random stream of its own and replaces the
// sprints Jira's calendar laid out (which drew from the org's stream as
// for any vendor), so the org's users (and the milestone issues, which
// draw their assignees from them) are the GitHub org's.

// iterationCalendar lays out a board's sprints as the iterations of one
// GitLab cadence: closed ones over the last Months (at least 33 days),
// the current one, and one upcoming.
func (g *gen) iterationCalendar(b *gBoard, team string) {
	b.sprints = nil
	r := rand.New(rand.NewPCG(uint64(g.opts.Seed), 0x17e2a7+uint64(b.idx)))
	origin := minT(g.now.AddDate(0, -g.opts.Months, 0), g.now.Add(-33*day))
	s := StartOfDay(origin).Add(time.Duration(b.idx%5) * day)
	prevT0 := s.Add(-14 * day)
	for i := 0; ; i++ {
		dur := 14 * day
		switch u := r.Float64(); {
		case u < 0.12:
			dur = 21 * day
		case u < 0.20:
			dur = 28 * day
		}
		due := s.Add(dur - time.Second)
		sp := &gSprint{board: b, idx: i, t0: s}
		sp.s = &Sprint{
			Name:          fmt.Sprintf("%s Sprint %d", team, i+1),
			Goal:          goals[r.IntN(len(goals))],
			OriginBoardID: b.board.ID,
			BoardIDs:      []int{b.board.ID},
			Created:       prevT0.Add(day + time.Duration(r.IntN(3600))*time.Second),
			Start:         tp(s),
			End:           tp(due),
			Activated:     tp(s),
		}
		b.sprints = append(b.sprints, sp)
		if due.Before(g.now) {
			sp.s.State, sp.closed = SprintClosed, true
			sp.s.Complete, sp.complete = tp(due), due
			prevT0, s = s, due.Add(time.Second)
			continue
		}
		sp.s.State = SprintActive
		next := due.Add(time.Second)
		fs := &gSprint{board: b, idx: i + 1, future: true}
		fs.s = &Sprint{
			Name: fmt.Sprintf("%s Sprint %d", team, i+2), State: SprintFuture,
			OriginBoardID: b.board.ID, BoardIDs: []int{b.board.ID},
			Created: minT(s.Add(day), g.now.Add(-2*hour)),
			Start:   tp(next), End: tp(next.Add(14*day - time.Second)),
		}
		b.sprints = append(b.sprints, fs)
		return
	}
}

// rollOver moves an open issue out of the closed sprint sp into the next,
// nx, at sp's completion, in one history (GitLab's rollover).
func (g *gen) rollOver(gi *gIssue, sp, nx *gSprint) bool {
	return g.op(gi, gop{at: sp.complete, kind: opMove, sp: sp, sp2: nx})
}
