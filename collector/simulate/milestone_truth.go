package simulate

import (
	"slices"
	"time"
)

// MilestoneTruth is a milestone report computed directly from the org's
// event lists (DESIGN.md §5), independent of any collector or SQL. Due
// dates have no upstream history, so what a collector can know depends on
// when it looked: the truth takes the observation times (the collection
// runs) and reads the due date as each one saw it.
type MilestoneTruth struct {
	MilestoneID string
	Project     string
	Name        string
	Scenario    string
	State       string     // at the last observation: open | closed | archived
	Due         *time.Time // at the last observation
	// OriginalDue is the first due date observed (nil: none ever was).
	OriginalDue *time.Time
	// DueChanges counts the observed moves: consecutive observations of
	// the milestone that saw different due dates (a removal is a move).
	DueChanges int
	// Baseline b: the start date, else (MilestoneRules) the creation or
	// the first membership event (an issue entering it, or created in it);
	// nil when there is none.
	Baseline     *time.Time
	InitialScope int // distinct issues in it at b
	Added        int // entries after b; each re-entry counts
	Removed      int // exits after b of issues not done when leaving
	OpenIssues   int // in it at the last observation, not done
	ClosedIssues int // in it at the last observation, done
}

// versionStays replays an issue's milestone membership (initial value at
// creation, then every FieldFixVersion item at or before now) and returns
// its stays in milestone id.
func versionStays(is *Issue, id string, now time.Time) []membership {
	if is.Created.After(now) {
		return nil
	}
	var out []membership
	in := slices.Contains(is.InitialVersions, id)
	if in {
		out = append(out, membership{Entered: is.Created})
	}
	for _, h := range is.Histories {
		if h.At.After(now) {
			break
		}
		for _, it := range h.Items {
			if it.Field != FieldFixVersion {
				continue
			}
			switch {
			case !in && it.To == id:
				out = append(out, membership{Entered: h.At})
				in = true
			case in && it.From == id:
				at := h.At
				out[len(out)-1].Exited = &at
				in = false
			}
		}
	}
	return out
}

// MilestoneTruth computes the report of one milestone as the collection
// runs at the observed times saw it (any order; the last one is "now"):
//   - the due date, state and existence are read at each observation; one
//     the milestone did not exist at yet is not an observation of it;
//   - membership is replayed up to the last observation; an issue is in
//     the milestone at t when a stay entered at or before t has not exited
//     by t; an entry exactly at b is initial scope, not added;
//   - "done at an instant" applies every status change at or before it.
//
// A deleted milestone, an unknown id, or one no observation saw has the
// zero truth (State "").
func (o *Org) MilestoneTruth(id string, observed []time.Time) MilestoneTruth {
	return o.MilestoneTruthWith(JiraMilestones, id, observed)
}

// MilestoneRules are what a vendor's milestones let a collector know about
// their baseline, which the truth follows.
type MilestoneRules struct {
	// NoStart: the vendor has no start date (GitHub), so none is served.
	NoStart bool
	// CreatedBaseline: without a start date, the baseline is the
	// milestone's creation (GitHub, GitLab serve it), not its first
	// membership event (Jira versions have no creation time).
	CreatedBaseline bool
}

// The rules of the simulated vendors.
var (
	JiraMilestones   = MilestoneRules{}
	GitHubMilestones = MilestoneRules{NoStart: true, CreatedBaseline: true}
	// GitLabMilestones: GitLab milestones have a start_date ("Milestones
	// API"), else their created_at is the baseline.
	GitLabMilestones = MilestoneRules{CreatedBaseline: true}
)

// MilestoneTruthWith is MilestoneTruth under a vendor's rules.
func (o *Org) MilestoneTruthWith(rules MilestoneRules, id string, observed []time.Time) MilestoneTruth {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.milestoneTruth(rules, id, observed)
}

func (o *Org) milestoneTruth(rules MilestoneRules, id string, observed []time.Time) MilestoneTruth {
	out := MilestoneTruth{MilestoneID: id}
	m := o.milestoneByID[id]
	if m == nil {
		return out
	}
	obs := slices.SortedFunc(slices.Values(observed), time.Time.Compare)
	obs = slices.DeleteFunc(obs, func(t time.Time) bool { return !m.ExistsAt(t) })
	if len(obs) == 0 {
		return out
	}
	now := obs[len(obs)-1]
	out.Project, out.Name, out.Scenario = m.Project, m.Name, m.Scenario
	out.State, out.Due = m.StateAt(now), m.DueAt(now)
	for i, t := range obs {
		d := m.DueAt(t)
		if out.OriginalDue == nil && d != nil {
			out.OriginalDue = d
		}
		if i > 0 && !sameTime(d, m.DueAt(obs[i-1])) {
			out.DueChanges++
		}
	}

	done := func(is *Issue, t time.Time) bool { return o.statusCategory(is.StatusAt(t)) == CategoryDone }
	stays := map[*Issue][]membership{}
	for _, is := range o.milestoneIssues[id] {
		if ss := versionStays(is, id, now); len(ss) > 0 {
			stays[is] = ss
		}
	}
	switch {
	case m.Start != nil && !rules.NoStart:
		out.Baseline = tp(*m.Start)
	case rules.CreatedBaseline:
		out.Baseline = tp(m.Created)
	default:
		for _, ss := range stays {
			if e := ss[0].Entered; out.Baseline == nil || e.Before(*out.Baseline) {
				out.Baseline = tp(e)
			}
		}
	}
	if out.Baseline == nil {
		return out
	}
	b := *out.Baseline
	for is, ss := range stays {
		initial := false
		for _, st := range ss {
			if !st.Entered.After(b) && (st.Exited == nil || st.Exited.After(b)) {
				initial = true
			}
			if st.Entered.After(b) {
				out.Added++
			}
			if x := st.Exited; x != nil && x.After(b) && !done(is, *x) {
				out.Removed++
			}
		}
		if initial {
			out.InitialScope++
		}
		if ss[len(ss)-1].Exited == nil {
			if done(is, now) {
				out.ClosedIssues++
			} else {
				out.OpenIssues++
			}
		}
	}
	return out
}

// AllMilestoneTruths returns the truth of every milestone that existed at
// one of the observed times, keyed by milestone id; deleted milestones are
// not reported.
func (o *Org) AllMilestoneTruths(observed []time.Time) map[string]MilestoneTruth {
	return o.AllMilestoneTruthsWith(JiraMilestones, observed)
}

// AllMilestoneTruthsWith is AllMilestoneTruths under a vendor's rules.
func (o *Org) AllMilestoneTruthsWith(rules MilestoneRules, observed []time.Time) map[string]MilestoneTruth {
	o.mu.RLock()
	defer o.mu.RUnlock()
	out := make(map[string]MilestoneTruth, len(o.Milestones))
	for _, m := range o.Milestones {
		if tr := o.milestoneTruth(rules, m.ID, observed); tr.State != "" {
			out[m.ID] = tr
		}
	}
	return out
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
