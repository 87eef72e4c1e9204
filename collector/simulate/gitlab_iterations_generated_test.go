package simulate

import (
	"slices"
	"strconv"
	"testing"
	"time"
)

// glCounts are the sprint report counts a test compares.
type glCounts struct {
	State                             string
	C, A, R, D, Carried, PlanningDone int
}

func truthCounts(tr SprintTruth) glCounts {
	return glCounts{tr.State, tr.Committed, tr.Added, tr.Removed, tr.Completed, tr.CarriedOver, tr.PlanningDone}
}

// glTime parses a served instant or day.
func glParse(t *testing.T, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if at, err := time.Parse(layout, s); err == nil {
			return at
		}
	}
	t.Fatalf("not a time: %v", v)
	return time.Time{}
}

func glID(x any) int { return int(x.(map[string]any)["id"].(float64)) }

// glReplaySprints collects the whole group from g as a collector would
// (the iterations; every project's issues, each one's iteration and state
// events) and computes every listed iteration's counts at the site's
// clock from them alone (DESIGN.md §5): t0 is 00:00 of the start day, t1
// the due day's last second for a closed iteration (the clock for a
// current one); an exit at t1 is the rollover (carry-over, not a
// removal); the membership at creation is the iteration of the first
// event when it is a "remove", or the iteration shown when there is no
// event; an issue is done at an instant when its last state event by then
// is "closed" (without one, when it is closed and has no state event).
func glReplaySprints(t *testing.T, g *GitLab) map[int]glCounts {
	t.Helper()
	now := g.Options().Now()
	type stay struct {
		in  time.Time
		out *time.Time
	}
	type log struct {
		stays  map[int][]stay
		done   bool // at creation
		states []map[string]any
	}
	doneAt := func(l log, at time.Time) bool {
		d := l.done
		for _, e := range l.states {
			if glParse(t, e["created_at"]).After(at) {
				break
			}
			d = e["state"] == "closed"
		}
		return d
	}
	var logs []log
	for _, p := range g.org.Projects {
		for _, x := range glAll(t, g, g.ProjectPath(p.Key)+"/issues?per_page=100") {
			path := g.ProjectPath(p.Key) + "/issues/" + strconv.Itoa(int(x["iid"].(float64)))
			evs := glAll(t, g, path+"/resource_iteration_events?per_page=100")
			l := log{stays: map[int][]stay{}, states: glAll(t, g, path+"/resource_state_events?per_page=100")}
			l.done = len(l.states) == 0 && x["state"] == "closed" || len(l.states) > 0 && l.states[0]["state"] == "reopened"
			cur := 0
			if len(evs) > 0 && evs[0]["action"] == "remove" {
				cur = glID(evs[0]["iteration"])
			} else if len(evs) == 0 && x["iteration"] != nil {
				cur = glID(x["iteration"])
			}
			if cur != 0 {
				l.stays[cur] = []stay{{in: glParse(t, x["created_at"])}}
			}
			for _, e := range evs {
				id, at := glID(e["iteration"]), glParse(t, e["created_at"])
				switch e["action"] {
				case "remove":
					if id != cur {
						t.Fatalf("%s: removed from %d while in %d", path, id, cur)
					}
					l.stays[id][len(l.stays[id])-1].out, cur = &at, 0
				case "add":
					if cur != 0 {
						t.Fatalf("%s: added to %d while in %d", path, id, cur)
					}
					l.stays[id], cur = append(l.stays[id], stay{in: at}), id
				}
			}
			if shown := x["iteration"]; shown == nil && cur != 0 || shown != nil && glID(shown) != cur {
				t.Errorf("%s: replay ends in %d, the issue shows %v", path, cur, shown)
			}
			logs = append(logs, l)
		}
	}
	states := map[any]string{1.0: SprintFuture, 2.0: SprintActive, 3.0: SprintClosed,
		"upcoming": SprintFuture, "current": SprintActive, "closed": SprintClosed}
	out := map[int]glCounts{}
	for _, it := range glAll(t, g, g.GroupPath()+"/iterations?per_page=100") {
		c := glCounts{State: states[it["state"]]}
		id := int(it["id"].(float64))
		if out[id] = c; c.State == SprintFuture {
			continue
		}
		t0, t1, closed := glParse(t, it["start_date"]), now, c.State == SprintClosed
		if closed {
			t1 = glParse(t, it["due_date"]).Add(day - time.Second)
		}
		for _, l := range logs {
			committed, in := false, false
			for _, s := range l.stays[id] {
				committed = committed || !s.in.After(t0) && (s.out == nil || s.out.After(t0))
				if s.in.After(t0) && !s.in.After(t1) {
					c.A++
				}
				if x := s.out; x != nil && x.After(t0) && !x.After(t1) && !(closed && x.Equal(t1)) && !doneAt(l, *x) {
					c.R++
				}
				in = in || !s.in.After(t1) && (s.out == nil || s.out.After(t1) || closed && s.out.Equal(t1))
			}
			if committed {
				c.C++
			}
			switch {
			case in && doneAt(l, t1):
				c.D++
				if committed {
					c.PlanningDone++
				}
			case in:
				c.Carried++
			}
		}
		out[id] = c
	}
	return out
}

// TestGenerateGitLabIterations: an org laid out for GitLab has sprints
// GitLab can hold: whole days back to back per board, started when their
// day starts, completed on their due day's last second; an issue in one
// sprint at a time; rollovers at the completion instant into the board's
// next sprint; and Jira's other scenarios.
func TestGenerateGitLabIterations(t *testing.T) {
	for _, seed := range []int64{1, 2, 3, 42} {
		o := Generate(Options{Seed: seed, Now: goldenNow, Vendor: VendorGitLab})
		checkConsistent(t, o, o.Now)
		byBoard := map[int][]*Sprint{}
		for _, s := range o.Sprints {
			byBoard[s.OriginBoardID] = append(byBoard[s.OriginBoardID], s)
			ok := s.Start != nil && s.End != nil && s.Start.Equal(StartOfDay(*s.Start)) && s.End.Equal(EndOfDay(*s.End))
			switch s.State {
			case SprintFuture:
				ok = ok && s.Activated == nil && s.Complete == nil
			case SprintActive:
				ok = ok && s.Activated != nil && s.Activated.Equal(*s.Start) && s.Complete == nil
			case SprintClosed:
				ok = ok && s.Activated != nil && s.Activated.Equal(*s.Start) && s.Complete != nil && s.Complete.Equal(*s.End)
			}
			if !ok {
				t.Errorf("seed %d: sprint %d (%s) %v–%v activated %v complete %v", seed, s.ID, s.State, s.Start, s.End, s.Activated, s.Complete)
			}
		}
		next := map[int]*Sprint{}
		for b, ss := range byBoard {
			for i := 1; i < len(ss); i++ {
				if next[ss[i-1].ID] = ss[i]; !ss[i].Start.Equal(ss[i-1].End.Add(time.Second)) {
					t.Errorf("seed %d board %d: sprint %d starts %v, the one before ends %v", seed, b, ss[i].ID, ss[i].Start, ss[i-1].End)
				}
			}
		}
		rollovers := 0
		for _, is := range o.Issues {
			if len(is.InitialSprints) > 1 {
				t.Errorf("seed %d: %s created in %v", seed, is.Key, is.InitialSprints)
			}
			for _, h := range is.Histories {
				for _, it := range h.Items {
					if it.Field != FieldSprint {
						continue
					}
					if len(it.ToSprints) > 1 {
						t.Errorf("seed %d: %s in %v at %v", seed, is.Key, it.ToSprints, h.At)
					}
					for _, id := range it.FromSprints {
						s := o.Sprint(id)
						if s.Complete == nil || h.At.Before(s.Complete.Add(-CarryOverWindow)) || h.At.After(s.Complete.Add(time.Hour)) {
							continue
						}
						if rollovers++; !h.At.Equal(*s.Complete) || !slices.Equal(it.ToSprints, []int{next[id].ID}) {
							t.Errorf("seed %d: %s leaves %d at %v for %v; completed %v", seed, is.Key, id, h.At, it.ToSprints, s.Complete)
						}
					}
				}
			}
		}
		sc := findScenarios(o)
		for _, name := range requiredScenarios {
			jiraOnly := slices.Contains([]string{"added between startDate and activatedDate",
				`carried over keeping the closed sprint ("3" → "3, 4")`, "moved out seconds before completeDate",
				"closed sprint without activatedDate", "activated minutes after start", "activated hours after start"}, name)
			if jiraOnly != (sc[name] == 0) {
				t.Errorf("seed %d: %d of %q", seed, sc[name], name)
			}
		}
		if rollovers < 20 {
			t.Errorf("seed %d: %d rollovers", seed, rollovers)
		}
	}
}

// TestGitLabGeneratedIterationsAgreeWithTruth: a generated GitLab org,
// served whole at its now and ten days before, lists every sprint as an
// iteration, and for every closed and current one the counts a collector
// replays from the served iteration and state events are SprintTruth's.
func TestGitLabGeneratedIterationsAgreeWithTruth(t *testing.T) {
	org := Generate(Options{Seed: 3, Now: goldenNow, Months: 2, Vendor: VendorGitLab})
	for _, at := range []time.Time{org.Now, org.Now.AddDate(0, 0, -10)} {
		for _, names := range []bool{false, true} {
			g := NewGitLab(org, GitLabOptions{Now: func() time.Time { return at }, IterationStateNames: names})
			got := glReplaySprints(t, g)
			n := map[string]int{}
			for _, s := range org.Sprints {
				if s.Created.After(at) {
					continue
				}
				want := truthCounts(org.SprintTruth(sid(s.ID), at))
				if got[s.ID] != want {
					t.Errorf("at %v: sprint %d replayed %+v, truth %+v", at, s.ID, got[s.ID], want)
				}
				n[want.State]++
				if want.A > 0 && want.R > 0 && want.Carried > 0 {
					n["added, removed and carried over"]++
				}
			}
			if len(got) != n[SprintClosed]+n[SprintActive]+n[SprintFuture] || n[SprintClosed] < 8 || n[SprintActive] != 4 ||
				n["added, removed and carried over"] < 3 {
				t.Errorf("at %v: %d iterations listed; %v", at, len(got), n)
			}
		}
	}
}
