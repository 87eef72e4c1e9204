package simulate

import (
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"time"
)

// Scenarios the generator builds milestones for (Milestone.Scenario). The
// first project gets one milestone of each (9 versions, so a listing
// paged 2 at a time spans 5 pages; 8 and 4 for GitHub and GitLab, which
// have no ScenarioArchived); every other project gets
// ScenarioOnTime and two of ScenarioOpen. Times are relative to
// Options.Now (N); due dates are the last second of a UTC day, start dates
// the first. The due-date moves are laid out for collection runs at
// N−14d, N−7d and N (see MilestoneTruth), which see each of them.
const (
	// ScenarioOnTime: "<P> Prototype", released a day before its due
	// date, two months ago; every issue done, two of them added after the
	// start.
	ScenarioOnTime = "on-time"
	// ScenarioLate: "<P> Beta", due N−30d, released at N−9d; the release
	// moves the due date to the release day (Jira does), so runs before
	// and after it see one move, and it is done late against the original
	// (for GitHub and GitLab the due date stays: no move). One issue was
	// removed while open.
	ScenarioLate = "late"
	// ScenarioOverdue: "<P> Pilot", open and due N−5d, half of its issues
	// done.
	ScenarioOverdue = "overdue"
	// ScenarioSlipping: "<P> Production launch", due N+14d with 22 issues
	// open and one closure a week over the last 8 weeks: its forecast is
	// months late. Issues were added after the start, one removed while
	// open and added again, and one is also in ScenarioDueMovedTwice's
	// (for GitHub and GitLab it moves there at N−30d: 21 open, one removed
	// more).
	ScenarioSlipping = "slipping"
	// ScenarioDueMovedTwice: "<P> Release 2.0", due N+10d at creation,
	// moved to N+20d at N−10d and to N+35d at N−3d. One issue left it
	// while done (not a removal).
	ScenarioDueMovedTwice = "due-moved-twice"
	// ScenarioNoDates: "<P> MVP hardening", no start and no due date; its
	// baseline is the first membership event. One issue was created into
	// it, one removed while open.
	ScenarioNoDates = "no-dates"
	// ScenarioOnTrack: "<P> GA", due N+140d with 2 issues open and 6
	// closures in the last 6 weeks: on track.
	ScenarioOnTrack = "on-track"
	// ScenarioArchived: "<P> POC spike", archived at N−60d, never
	// released. Not built for GitHub or GitLab (Options.Vendor).
	ScenarioArchived = "archived"
	// ScenarioAtRisk: "<P> Beta 2", due N+63d with 10 issues open; it
	// closed 3 issues in each of the last 4 weeks and none in the 4
	// before, so a trial week closes 3 or 0 with even odds and finishing
	// takes 4 good weeks: 7 weeks or fewer in half the trials (p50 ≤ N+56d,
	// on time), 11 or fewer in 89 %, 10 or fewer in only 83 % (p85 =
	// N+77d, late) → at risk.
	ScenarioAtRisk = "at-risk"
	// ScenarioOpen: "<P> Beta" and "<P> Production launch" of the other
	// projects, open with far due dates.
	ScenarioOpen = "open"
)

// FirstMilestoneID is the id of the first generated milestone; ids grow
// by one in the order the scenarios above are listed (the first project's
// eight, then three per other project).
const FirstMilestoneID = 10000

// vgen lays out fix versions and their issues.
type vgen struct {
	g      *gen
	r      *rand.Rand
	keyN   map[string]int
	nextID int // issue ids continue after the sprint issues'
	vid    int
	// github: laid out for GitHub or GitLab (Options.Vendor), whose rules
	// are the same here (oneMilestoneVendor).
	github bool
}

// vIssue is an issue of a fix version and its changes, in any order.
type vIssue struct {
	is  *Issue
	ops []vop
}

type vop struct {
	at    time.Time
	items []Item
}

// fixVersions adds the projects' fix versions and their issues (after the
// sprint issues, as new ids and keys) to the org.
func (g *gen) fixVersions(keyN map[string]int) {
	v := &vgen{g: g, r: rand.New(rand.NewPCG(uint64(g.opts.Seed), 0xf1c5)), keyN: keyN,
		nextID: 10001 + len(g.issues), vid: FirstMilestoneID, github: oneMilestoneVendor(g.opts.Vendor)}
	for i, p := range g.opts.Projects {
		if i == 0 {
			v.firstProject(p)
			continue
		}
		v.onTime(p, 3)
		v.open(p, "Beta", 80, 4)
		v.open(p, "Production launch", 200, 3)
	}
}

// ago is Now less d days, with up to an hour of seeded jitter earlier.
func (v *vgen) ago(d float64) time.Time {
	t := v.g.now.Add(-time.Duration(d * float64(day)))
	return t.Add(-time.Duration(v.r.IntN(3600)) * time.Second).Truncate(time.Second)
}

// dayAgo is Now less d days, exactly (for day boundaries).
func (v *vgen) dayAgo(d int) time.Time { return v.g.now.AddDate(0, 0, -d) }

func (v *vgen) milestone(project, name, scenario string, created time.Time, start *time.Time, due *time.Time) *Milestone {
	m := &Milestone{ID: strconv.Itoa(v.vid), Project: project, Name: project + " " + name, Scenario: scenario,
		Description: "Simulated " + scenario + " release target", Created: created, Start: start}
	if due != nil {
		m.Dues = []DueChange{{At: created, Due: due}}
	}
	v.vid++
	v.g.org.Milestones = append(v.g.org.Milestones, m)
	return m
}

func startOf(t time.Time) *time.Time { return tp(StartOfDay(t)) }
func endOf(t time.Time) *time.Time   { return tp(EndOfDay(t)) }

// issue creates an issue of project at created, in the given versions
// from creation (no item).
func (v *vgen) issue(project string, created time.Time, in ...*Milestone) *vIssue {
	users := v.users(project)
	is := &Issue{ID: strconv.Itoa(v.nextID), Project: project, Created: created, InitialStatus: StatusToDo,
		Type:       []string{"Story", "Story", "Task", "Bug"}[v.r.IntN(4)],
		Summary:    verbs[v.r.IntN(len(verbs))] + " " + objects[v.r.IntN(len(objects))] + contexts[v.r.IntN(len(contexts))],
		AssigneeID: users[v.r.IntN(len(users))]}
	v.nextID++
	v.keyN[project]++
	is.Key = project + "-" + strconv.Itoa(v.keyN[project])
	p := []float64{1, 2, 3, 5, 8}[v.r.IntN(5)]
	is.Points = &p
	for _, m := range in {
		is.InitialVersions = append(is.InitialVersions, m.ID)
	}
	return &vIssue{is: is}
}

// users are the accounts of the project's boards (all, when it has none).
func (v *vgen) users(project string) []string {
	var out []string
	for _, b := range v.g.boards {
		if b.project == project {
			out = append(out, b.users...)
		}
	}
	if len(out) == 0 {
		for _, u := range v.g.org.Users {
			out = append(out, u.AccountID)
		}
	}
	return out
}

func (x *vIssue) add(at time.Time, m *Milestone) *vIssue {
	x.ops = append(x.ops, vop{at, []Item{{Field: FieldFixVersion, To: m.ID}}})
	return x
}

func (x *vIssue) remove(at time.Time, m *Milestone) *vIssue {
	x.ops = append(x.ops, vop{at, []Item{{Field: FieldFixVersion, From: m.ID}}})
	return x
}

// move takes the issue out of from and puts it into to, in one history.
func (x *vIssue) move(at time.Time, from, to *Milestone) *vIssue {
	x.ops = append(x.ops, vop{at, []Item{{Field: FieldFixVersion, From: from.ID}, {Field: FieldFixVersion, To: to.ID}}})
	return x
}

// done starts the issue a day or two before at and finishes it at at.
func (x *vIssue) done(v *vgen, at time.Time) *vIssue {
	x.ops = append(x.ops, vop{at.Add(-day - time.Duration(v.r.IntN(86400))*time.Second),
		[]Item{{Field: FieldStatus, FromStatus: StatusToDo, ToStatus: StatusInProgress}}})
	x.ops = append(x.ops, vop{at, []Item{{Field: FieldStatus, FromStatus: StatusInProgress, ToStatus: StatusDone}}})
	return x
}

// started moves the issue to In Progress at at.
func (x *vIssue) started(at time.Time) *vIssue {
	x.ops = append(x.ops, vop{at, []Item{{Field: FieldStatus, FromStatus: StatusToDo, ToStatus: StatusInProgress}}})
	return x
}

// finish turns the issue's changes into histories and adds it to the org.
func (v *vgen) finish(x *vIssue) {
	sort.SliceStable(x.ops, func(i, j int) bool { return x.ops[i].at.Before(x.ops[j].at) })
	last := x.is.Created
	for _, o := range x.ops {
		at := o.at
		if !at.After(last) {
			at = last.Add(time.Second) // strictly after the previous change
		}
		if !at.Before(v.g.now) {
			panic("simulate: a fix-version change at or after Now")
		}
		last = at
		x.is.Histories = append(x.is.Histories, History{At: at, AuthorID: x.is.AssigneeID, Items: slices.Clone(o.items)})
	}
	v.g.seq++
	v.g.issues = append(v.g.issues, &gIssue{seq: v.g.seq, is: x.is, created: x.is.Created, fixed: true})
}

// firstProject builds one milestone of every scenario.
func (v *vgen) firstProject(p string) {
	v.onTime(p, 6)

	// Late: due N−30d, released N−9d; one issue removed while open.
	late := v.milestone(p, "Beta", ScenarioLate, v.ago(75), startOf(v.dayAgo(70)), endOf(v.dayAgo(30)))
	for i := range 8 {
		x := v.issue(p, v.ago(74-0.2*float64(i))).add(v.ago(72), late)
		switch {
		case i == 7:
			x.remove(v.ago(20), late)
		case i == 6:
			x.done(v, v.ago(10.5))
		default:
			x.done(v, v.ago(40-4*float64(i)))
		}
		v.finish(x)
	}
	late.Released = tp(v.ago(9))
	if !v.github { // GitHub keeps due_on, GitLab due_date, when a milestone is closed
		late.Dues = append(late.Dues, DueChange{At: *late.Released, Due: endOf(*late.Released)})
	}

	// Overdue: due N−5d, half done.
	over := v.milestone(p, "Pilot", ScenarioOverdue, v.ago(63), startOf(v.dayAgo(60)), endOf(v.dayAgo(5)))
	for i := range 8 {
		x := v.issue(p, v.ago(62-0.05*float64(i)), over)
		switch {
		case i < 4:
			x.done(v, v.ago([]float64{50, 35, 20, 8}[i]))
		case i < 6:
			x.started(v.ago(12))
		}
		v.finish(x)
	}

	// Slipping and due moved twice share an issue.
	slip := v.milestone(p, "Production launch", ScenarioSlipping, v.ago(66), startOf(v.dayAgo(63)), endOf(v.dayAgo(-14)))
	moved := v.milestone(p, "Release 2.0", ScenarioDueMovedTwice, v.ago(53), startOf(v.dayAgo(50)), endOf(v.dayAgo(-10)))
	moved.Dues = append(moved.Dues, DueChange{At: v.ago(10), Due: endOf(v.dayAgo(-20))},
		DueChange{At: v.ago(3), Due: endOf(v.dayAgo(-35))})
	for i := range 24 {
		x := v.issue(p, v.ago(65-0.03*float64(i)), slip)
		switch {
		case i < 8: // one closure a week: the last 8 weekly samples are 1 each
			x.done(v, v.ago(float64(7*i+3)))
		case i == 8: // removed while open, then added again
			x.remove(v.ago(25), slip).add(v.ago(15), slip)
		case i == 9 && v.github: // one milestone at most: moved
			x.move(v.ago(30), slip, moved)
		case i == 9: // in both milestones
			x.add(v.ago(30), moved)
		case i < 14:
			x.started(v.ago(20 - float64(i)))
		}
		v.finish(x)
	}
	for i := range 6 { // scope added after the start
		v.finish(v.issue(p, v.ago(45-6*float64(i))).add(v.ago(40-6*float64(i)), slip))
	}
	for i := range 10 {
		x := v.issue(p, v.ago(52.5-0.04*float64(i)), moved)
		switch {
		case i < 5:
			x.done(v, v.ago(45-8*float64(i)))
		case i == 5: // leaves while done: not a removal
			x.done(v, v.ago(6)).remove(v.ago(4), moved)
		}
		v.finish(x)
	}
	v.finish(v.issue(p, v.ago(22)).add(v.ago(20), moved))

	// No dates: the baseline is the first entry.
	nodates := v.milestone(p, "MVP hardening", ScenarioNoDates, v.ago(40), nil, nil)
	for i := range 3 {
		x := v.issue(p, v.ago(39-0.5*float64(i))).add(v.ago(38-8*float64(i)), nodates)
		if i == 1 {
			x.remove(v.ago(15), nodates)
		}
		if i == 2 {
			x.done(v, v.ago(12))
		}
		v.finish(x)
	}
	v.finish(v.issue(p, v.ago(25), nodates))

	// On track: two open issues, six closures in the last six weeks.
	track := v.milestone(p, "GA", ScenarioOnTrack, v.ago(59), startOf(v.dayAgo(56)), endOf(v.dayAgo(-140)))
	for i := range 8 {
		x := v.issue(p, v.ago(58.5-0.05*float64(i)), track)
		if i < 6 {
			x.done(v, v.ago(float64(7*i+2)))
		}
		v.finish(x)
	}

	// Archived unreleased (GitHub and GitLab cannot archive a milestone).
	if !v.github {
		arch := v.milestone(p, "POC spike", ScenarioArchived, v.ago(100), startOf(v.dayAgo(95)), endOf(v.dayAgo(70)))
		for i := range 3 {
			x := v.issue(p, v.ago(99-0.5*float64(i)), arch)
			if i == 0 {
				x.done(v, v.ago(80))
			}
			v.finish(x)
		}
		arch.Archived = tp(v.ago(60))
	}

	// At risk: closures mid-week in each of the last 4 weekly windows.
	risk := v.milestone(p, "Beta 2", ScenarioAtRisk, v.ago(73), startOf(v.dayAgo(70)), endOf(v.dayAgo(-63)))
	for i := range 22 {
		x := v.issue(p, v.ago(72-0.03*float64(i)), risk)
		if i < 12 {
			x.done(v, v.g.now.Add(-time.Duration(7*(i/3))*day-84*time.Hour))
		}
		v.finish(x)
	}
}

// onTime adds "<P> Prototype", released the day before it was due, with
// n issues, all done, the last two added after the start. The issues are
// done one every 6 days up to a day and a half before the release, as a
// team that ships when the work is done would.
func (v *vgen) onTime(p string, n int) {
	m := v.milestone(p, "Prototype", ScenarioOnTime, v.ago(130), startOf(v.dayAgo(120)), endOf(v.dayAgo(60)))
	for i := range n {
		var x *vIssue
		if i < n-2 {
			x = v.issue(p, v.ago(128-float64(i)), m)
		} else {
			x = v.issue(p, v.ago(115)).add(v.ago(float64(110-10*(i-n+2))), m)
		}
		v.finish(x.done(v, v.ago(float64(63+6*(n-1-i)))))
	}
	m.Released = tp(v.ago(61.5))
}

// open adds an open milestone due in dueIn days with n issues, one done.
func (v *vgen) open(p, name string, dueIn, n int) {
	m := v.milestone(p, name, ScenarioOpen, v.ago(45), startOf(v.dayAgo(40)), endOf(v.dayAgo(-dueIn)))
	for i := range n {
		x := v.issue(p, v.ago(44-0.1*float64(i)), m)
		if i == 0 {
			x.done(v, v.ago(10))
		}
		v.finish(x)
	}
}
