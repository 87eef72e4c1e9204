package simulate

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// EvolveMilestones moves the org's milestones on at now, as a live site's
// would change between collections (runway demo calls it every minute, so
// snapshots accumulate):
//
//   - a milestone not released or archived, holding issues that are all
//     done, is released at now;
//   - one time in five, an open issue of a project joins one of its open
//     milestones not yet due (scope grows with client feedback);
//   - one time in twenty, an open milestone not yet due has its due date
//     moved a week later.
//
// The choices are deterministic for the org's seed and now. It returns one
// line per change, for logs.
func (o *Org) EvolveMilestones(now time.Time) []string {
	now = now.UTC().Truncate(time.Second)
	rng := rand.New(rand.NewPCG(uint64(o.Seed), uint64(now.Unix())))
	release, open, candidates := o.milestonePlan(now)

	var changes []string
	for _, id := range release {
		if err := o.ReleaseMilestone(id, now); err == nil {
			changes = append(changes, fmt.Sprintf("released milestone %s", id))
		}
	}
	if len(open) > 0 && rng.IntN(5) == 0 {
		m := open[rng.IntN(len(open))]
		if keys := candidates[m.project]; len(keys) > 0 {
			key := keys[rng.IntN(len(keys))]
			if err := o.AddToMilestone(key, m.id, now); err == nil {
				changes = append(changes, fmt.Sprintf("added %s to milestone %s", key, m.id))
			}
		}
	}
	if len(open) > 0 && rng.IntN(20) == 0 {
		m := open[rng.IntN(len(open))]
		moved := m.due.Add(7 * 24 * time.Hour)
		if err := o.SetMilestoneDue(m.id, &moved, now); err == nil {
			changes = append(changes, fmt.Sprintf("moved milestone %s due to %s", m.id, moved.Format(time.DateOnly)))
		}
	}
	return changes
}

// openMilestone is an open milestone not yet due, as EvolveMilestones saw it.
type openMilestone struct {
	id, project string
	due         time.Time
}

// milestonePlan reads, under the read lock, the milestones to release at
// now, the open ones not yet due, and per project the keys of open issues
// in no milestone.
func (o *Org) milestonePlan(now time.Time) (release []string, open []openMilestone, candidates map[string][]string) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	done := func(is *Issue) bool {
		st, ok := o.statusByID[is.StatusAt(now)]
		return ok && st.Category == CategoryDone
	}
	for _, m := range o.Milestones {
		if !m.ExistsAt(now) || m.Released != nil || m.Archived != nil {
			continue
		}
		in, allDone := 0, true
		for _, is := range o.milestoneIssues[m.ID] {
			for _, v := range is.VersionsAt(now) {
				if v == m.ID {
					in++
					allDone = allDone && done(is)
				}
			}
		}
		switch {
		case in > 0 && allDone:
			release = append(release, m.ID)
		case m.DueAt(now) != nil && m.DueAt(now).After(now):
			open = append(open, openMilestone{id: m.ID, project: m.Project, due: *m.DueAt(now)})
		}
	}
	candidates = map[string][]string{}
	for _, is := range o.Issues {
		if is.Type != "Epic" && !done(is) && len(is.VersionsAt(now)) == 0 && !o.lastEvent(is).After(now) {
			candidates[is.Project] = append(candidates[is.Project], is.Key)
		}
	}
	return release, open, candidates
}
