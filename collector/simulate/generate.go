package simulate

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"time"
)

// Options tunes Generate. Zero values take the defaults noted.
type Options struct {
	Seed int64
	// Now bounds the org: every event happens before it. Required: the
	// org is laid out relative to it, so a test that let it default to
	// the wall clock would test a different org every day.
	Now time.Time
	// Teams is the number of teams, one scrum board each. Default 4.
	Teams int
	// Months of sprint history before Now (at least 33 days, so that every
	// board has a closed sprint on any day). Default 12.
	Months int
	// IssuesPerSprint is the typical committed scope of a sprint. Default 12.
	IssuesPerSprint int
	// Projects are the project keys; board i lives in project
	// i mod len(Projects). Default PLAT, MOB, WEB, OPS.
	Projects []string
	// Vendor is the vendor the org must be able to live in: "" (or
	// VendorJira) lays it out as Jira allows, VendorGitHub as GitHub
	// does, VendorGitLab as GitLab does: an issue is in one milestone at
	// most (the issue the slipping and due-moved-twice milestones share
	// moves from one to the other in one history instead), no milestone
	// is archived (no ScenarioArchived, so the milestones after it take
	// the ids one lower), and the late release keeps its due date. For
	// GitHub everything else, sprints and their issues included, is as
	// with "" (but for history ids, which are allocated in time order
	// across the whole org). VendorGitLab also lays the sprints out as
	// GitLab iterations (generate_iterations.go): whole days, one sprint
	// per issue at a time, rollover at completion; its milestones,
	// users and milestone issues are the GitHub org's (but for the
	// milestone issues' ids and keys, which follow the sprint issues').
	Vendor string
}

func (o Options) withDefaults() Options {
	if o.Now.IsZero() {
		panic("simulate: Options.Now is required (pass the clock; tests pin it)")
	}
	o.Now = o.Now.UTC().Truncate(time.Second)
	if o.Teams <= 0 {
		o.Teams = 4
	}
	if o.Months <= 0 {
		o.Months = 12
	}
	if o.IssuesPerSprint <= 0 {
		o.IssuesPerSprint = 12
	}
	if len(o.Projects) == 0 {
		o.Projects = []string{"PLAT", "MOB", "WEB", "OPS"}
	}
	switch o.Vendor {
	case "", VendorJira:
		o.Vendor = ""
	case VendorGitHub, VendorGitLab:
	default:
		panic("simulate: Options.Vendor: unknown vendor " + strconv.Quote(o.Vendor))
	}
	return o
}

const (
	minute = time.Minute
	hour   = time.Hour
	day    = 24 * time.Hour
)

var (
	teamNames = []string{"Atlas", "Borealis", "Comet", "Dynamo", "Echo", "Falcon", "Gamma", "Helix",
		"Ion", "Juno", "Kepler", "Lynx", "Meteor", "Nova", "Orion", "Pulsar"}
	projectNames = map[string]string{"PLAT": "Platform", "MOB": "Mobile", "WEB": "Web", "OPS": "Operations"}
	firstNames   = []string{"Ada", "Ben", "Chloé", "Dev", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jon",
		"Kofi", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara"}
	lastNames = []string{"Okafor", "Nakamura", "Schmidt", "Silva", "Kowalski", "Haddad", "Larsen", "Moreau",
		"Singh", "Costa", "Novak", "Reyes"}
	verbs    = []string{"Add", "Fix", "Refactor", "Migrate", "Document", "Speed up", "Harden", "Remove", "Instrument", "Support"}
	objects  = []string{"checkout flow", "login page", "payment webhook", "search index", "push notifications", "CSV export", "rate limiter", "audit log", "onboarding wizard", "billing job", "feature flags", "dark mode", "offline cache", "admin dashboard", "SSO integration", "release pipeline"}
	contexts = []string{"", "", " for EU customers", " on Android", " on iOS", " in staging", " after outage", " behind flag", " for enterprise plan", " (client feedback)"}
	goals    = []string{"", "", "Ship beta to pilot customers", "Stabilise release pipeline", "Close prototype feedback", "Production readiness", "Reduce support backlog"}
)

type opKind int

const (
	opAdd    opKind = iota // add sprint to the field (keeping the others)
	opRemove               // remove sprint from the field
	opMove                 // replace sprint with sprint2
	opStatus
	opRank
	opPoints // re-estimate to points
)

type gop struct {
	at      time.Time
	seq     int
	kind    opKind
	sp, sp2 *gSprint
	status  string
	points  *float64
}

type gIssue struct {
	seq         int
	is          *Issue
	created     time.Time
	initSprints []*gSprint
	initStatus  string
	ops         []gop
	fixed       bool // laid out by construction: no random noise added
	// generator-side running state
	last   time.Time
	status string
}

type gSprint struct {
	s          *Sprint
	board      *gBoard
	idx        int
	t0         time.Time
	complete   time.Time // closed sprints
	closed     bool
	future     bool
	zeroCommit bool // C = 0 by construction
	emptyPlan  bool // future sprint left without issues
	members    []*gIssue
}

type gBoard struct {
	idx     int
	board   *Board
	project string
	users   []string
	sprints []*gSprint
	backlog []*gIssue
	epics   []*gIssue
}

type gen struct {
	opts   Options
	r      *rand.Rand
	now    time.Time
	org    *Org
	boards []*gBoard
	issues []*gIssue
	seq    int
}

// Generate builds a deterministic org for opts.Seed. See the package
// documentation and SprintTruth for what is guaranteed to occur.
func Generate(opts Options) *Org {
	opts = opts.withDefaults()
	g := &gen{
		opts: opts,
		r:    rand.New(rand.NewPCG(uint64(opts.Seed), uint64(opts.Seed)^0x9e3779b97f4a7c15)),
		now:  opts.Now,
		org: &Org{Seed: opts.Seed, Now: opts.Now, Vendor: opts.Vendor, Statuses: slices.Clone(DefaultStatuses),
			nextHistory: 100000},
	}
	g.setup()
	for _, b := range g.boards {
		g.runBoard(b)
	}
	g.materialize()
	if err := g.org.Index(); err != nil {
		panic("simulate: generated an inconsistent org: " + err.Error())
	}
	g.shareSprints()
	return g.org
}

// ---- set-up: projects, users, boards, sprint calendars ----

func (g *gen) setup() {
	for i, key := range g.opts.Projects {
		name := projectNames[key]
		if name == "" {
			name = key
		}
		g.org.Projects = append(g.org.Projects, Project{ID: strconv.Itoa(10000 + i), Key: key, Name: name})
	}
	var all []*gSprint
	for t := 0; t < g.opts.Teams; t++ {
		team := teamNames[t%len(teamNames)]
		if t >= len(teamNames) {
			team += " " + strconv.Itoa(t/len(teamNames)+1)
		}
		proj := g.opts.Projects[t%len(g.opts.Projects)]
		b := &gBoard{idx: t, project: proj}
		b.board = &Board{ID: t + 1, Name: team + " board", Type: "scrum", ProjectKey: proj}
		for u := 0; u < 5; u++ {
			id := g.accountID()
			g.org.Users = append(g.org.Users, User{
				AccountID:   id,
				DisplayName: firstNames[g.r.IntN(len(firstNames))] + " " + lastNames[g.r.IntN(len(lastNames))],
			})
			b.users = append(b.users, id)
		}
		g.calendar(b, team)
		all = append(all, b.sprints...)
		g.boards = append(g.boards, b)
	}
	for _, b := range g.boards {
		g.org.Boards = append(g.org.Boards, *b.board)
	}
	// Sprint ids grow with creation.
	sort.SliceStable(all, func(i, j int) bool {
		if !all[i].s.Created.Equal(all[j].s.Created) {
			return all[i].s.Created.Before(all[j].s.Created)
		}
		return all[i].board.idx < all[j].board.idx
	})
	for i, sp := range all {
		sp.s.ID = i + 1
	}
	sort.Slice(all, func(i, j int) bool { return all[i].s.ID < all[j].s.ID })
	for _, sp := range all {
		g.org.Sprints = append(g.org.Sprints, sp.s)
	}
	// Guaranteed shapes on the first board.
	b0 := g.boards[0]
	if closed := b0.closedCount(); closed >= 4 {
		b0.sprints[2].zeroCommit = true
	}
	b0.sprints[len(b0.sprints)-1].emptyPlan = true
}

func (b *gBoard) closedCount() int {
	n := 0
	for _, sp := range b.sprints {
		if sp.closed {
			n++
		}
	}
	return n
}

func (g *gen) accountID() string {
	const hex = "0123456789abcdef"
	buf := []byte("712020:")
	for i := 0; i < 24; i++ {
		buf = append(buf, hex[g.r.IntN(16)])
	}
	return string(buf)
}

func tp(t time.Time) *time.Time { return &t }

// calendar lays out a board's sprints: closed ones over the last Months,
// one active sprint, one future sprint.
func (g *gen) calendar(b *gBoard, team string) {
	if g.opts.Vendor == VendorGitLab {
		// Jira's calendar still draws (so users and all after them stay
		// the GitHub org's); the iterations then replace its sprints.
		defer g.iterationCalendar(b, team)
	}
	// At least 33 days back, whatever the month lengths: a first sprint of
	// up to 28 days, starting up to 4 days + 9 h after the origin, then
	// closes before Now on every board.
	origin := minT(g.now.AddDate(0, -g.opts.Months, 0), g.now.Add(-33*day))
	s := time.Date(origin.Year(), origin.Month(), origin.Day(), 9, 0, 0, 0, time.UTC).Add(time.Duration(b.idx%5) * day)
	prevT0 := s.Add(-14 * day)
	for i := 0; ; i++ {
		dur := 14 * day
		switch u := g.r.Float64(); {
		case u < 0.12:
			dur = 21 * day
		case u < 0.20:
			dur = 28 * day
		}
		end := s.Add(dur)
		sp := &gSprint{board: b, idx: i}
		sp.s = &Sprint{
			Name:          fmt.Sprintf("%s Sprint %d", team, i+1),
			Goal:          goals[g.r.IntN(len(goals))],
			OriginBoardID: b.board.ID,
			BoardIDs:      []int{b.board.ID},
			Created:       prevT0.Add(day + time.Duration(g.r.IntN(3600))*time.Second),
			Start:         tp(s),
			End:           tp(end),
		}
		act := g.activation(s, i)
		if b.idx == 0 && i == 3 { // guaranteed: activated hours after the planned start
			act = tp(s.Add(g.dur(2*hour, 4*hour)))
		}
		if end.Add(6*hour).Before(g.now) && i < 10000 {
			c := end
			switch u := g.r.Float64(); {
			case u < 0.70:
				c = c.Add(g.dur(-2*hour, 3*hour))
			case u < 0.85:
				c = c.Add(g.dur(-day, -4*hour))
			default:
				c = c.Add(g.dur(4*hour, day))
			}
			t0 := s
			if act != nil {
				t0 = *act
			}
			if lim := g.now.Add(-2 * hour); c.After(lim) {
				c = lim
			}
			if c.Before(t0.Add(2 * day)) {
				c = t0.Add(2 * day)
			}
			sp.s.State, sp.closed = SprintClosed, true
			sp.s.Activated, sp.s.Complete = act, tp(c)
			sp.t0, sp.complete = t0, c
			b.sprints = append(b.sprints, sp)
			prevT0 = t0
			s = c.Add(g.dur(10*minute, 50*minute)).Truncate(time.Minute)
			continue
		}
		// Active sprint.
		if act != nil && act.After(g.now.Add(-10*minute)) {
			act = tp(g.now.Add(-10 * minute))
		}
		sp.s.State = SprintActive
		sp.s.Activated = act
		sp.t0 = s
		if act != nil {
			sp.t0 = *act
		}
		b.sprints = append(b.sprints, sp)
		// Future sprint.
		fs := &gSprint{board: b, idx: i + 1, future: true}
		created := sp.t0.Add(day)
		if lim := g.now.Add(-2 * hour); created.After(lim) {
			created = lim
		}
		fs.s = &Sprint{
			Name: fmt.Sprintf("%s Sprint %d", team, i+2), State: SprintFuture,
			OriginBoardID: b.board.ID, BoardIDs: []int{b.board.ID}, Created: created,
		}
		if b.idx%2 == 0 {
			fs.s.Start, fs.s.End = tp(end), tp(end.Add(14*day))
		}
		b.sprints = append(b.sprints, fs)
		return
	}
}

// activation picks the actual start (Sprint.Activated) for a sprint starting at s: absent for the
// oldest sprints and a few others, else seconds, minutes or hours after s.
func (g *gen) activation(s time.Time, idx int) *time.Time {
	if idx < 2 || g.r.Float64() < 0.08 {
		return nil
	}
	switch u := g.r.Float64(); {
	case u < 0.50:
		return tp(s.Add(g.dur(0, 90*time.Second)))
	case u < 0.80:
		return tp(s.Add(g.dur(2*minute, 30*minute)))
	default:
		return tp(s.Add(g.dur(hour, 5*hour)))
	}
}

// dur returns a random whole-second duration in [lo, hi].
func (g *gen) dur(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	n := int64((hi - lo) / time.Second)
	return lo + time.Duration(g.r.Int64N(n+1))*time.Second
}

// between returns a random whole second in [lo, hi] (lo when hi <= lo).
func (g *gen) between(lo, hi time.Time) time.Time {
	lo = lo.Truncate(time.Second)
	if !hi.After(lo) {
		return lo
	}
	return lo.Add(g.dur(0, hi.Sub(lo)))
}

// ---- issues and ops ----

func (g *gen) newIssue(b *gBoard, created time.Time, into *gSprint, status string) *gIssue {
	created = created.Truncate(time.Second)
	g.seq++
	proj := b.project
	gi := &gIssue{seq: g.seq, created: created, initStatus: status, status: status, last: created}
	typ := "Story"
	switch u := g.r.Float64(); {
	case u < 0.20:
		typ = "Task"
	case u < 0.45:
		typ = "Bug"
	}
	gi.is = &Issue{
		Project:    proj,
		Type:       typ,
		Summary:    verbs[g.r.IntN(len(verbs))] + " " + objects[g.r.IntN(len(objects))] + contexts[g.r.IntN(len(contexts))],
		AssigneeID: b.users[g.r.IntN(len(b.users))],
	}
	if g.r.Float64() < 0.85 {
		p := []float64{1, 2, 3, 3, 5, 5, 8, 13}[g.r.IntN(8)]
		gi.is.Points = &p
	}
	if typ == "Story" && len(b.epics) > 0 && g.r.Float64() < 0.6 {
		gi.is.ParentKey = "epic:" + strconv.Itoa(b.epics[g.r.IntN(len(b.epics))].seq)
	}
	if g.r.Float64() < 0.25 {
		gi.is.AssigneeID = ""
	}
	if into != nil {
		gi.initSprints = []*gSprint{into}
	}
	g.issues = append(g.issues, gi)
	return gi
}

// op appends an operation, keeping each issue's operations strictly after
// its previous one. Operations at or after Now are dropped.
func (g *gen) op(gi *gIssue, o gop) bool {
	o.at = o.at.Truncate(time.Second)
	if !o.at.After(gi.last) {
		o.at = gi.last.Add(time.Second)
	}
	if !o.at.Before(g.now) {
		return false
	}
	g.seq++
	o.seq = g.seq
	gi.ops = append(gi.ops, o)
	gi.last = o.at
	if o.kind == opStatus {
		gi.status = o.status
	}
	return true
}

func (g *gen) add(gi *gIssue, sp *gSprint, at time.Time) bool {
	return g.op(gi, gop{at: at, kind: opAdd, sp: sp})
}

var chain = []string{StatusToDo, StatusInProgress, StatusInReview, StatusDone}

func chainIdx(s string) int { return slices.Index(chain, s) }

// progress moves gi's status forward to final with steps spread in (lo, hi).
func (g *gen) progress(gi *gIssue, lo, hi time.Time, final string) {
	from, to := chainIdx(gi.status), chainIdx(final)
	if to <= from {
		return
	}
	var steps []string
	for i := from + 1; i <= to; i++ {
		if chain[i] == StatusInReview && i != to && g.r.Float64() < 0.3 {
			continue
		}
		steps = append(steps, chain[i])
	}
	if lo.Before(gi.last) {
		lo = gi.last
	}
	ts := make([]time.Time, len(steps))
	for i := range ts {
		ts[i] = g.between(lo.Add(time.Second), hi)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	if final == StatusDone && len(ts) > 0 && g.r.Float64() < 0.5 {
		// The final transition often lands near the end of the window.
		ts[len(ts)-1] = g.between(ts[len(ts)-1], hi)
	}
	for i, st := range steps {
		g.op(gi, gop{at: ts[i], kind: opStatus, status: st})
	}
}

func (b *gBoard) takeBacklog(g *gen, before time.Time) *gIssue {
	for tries := 0; tries < 4 && len(b.backlog) > 0; tries++ {
		i := g.r.IntN(len(b.backlog))
		gi := b.backlog[i]
		if gi.last.Before(before) && gi.status != StatusDone {
			b.backlog = slices.Delete(b.backlog, i, i+1)
			return gi
		}
	}
	return nil
}

func (g *gen) next(b *gBoard, sp *gSprint) *gSprint {
	if sp.idx+1 < len(b.sprints) {
		return b.sprints[sp.idx+1]
	}
	return nil
}

func (g *gen) runBoard(b *gBoard) {
	// Epics live in the backlog and parent some stories.
	first := b.sprints[0]
	for i := 0; i < 3; i++ {
		e := g.newIssue(b, first.t0.Add(-30*day+time.Duration(i)*hour), nil, StatusToDo)
		e.is.Type, e.is.Summary, e.is.Points, e.is.ParentKey = "Epic", "Epic: "+objects[g.r.IntN(len(objects))], nil, ""
		if i == 0 {
			g.op(e, gop{at: first.t0.Add(-29 * day), kind: opStatus, status: StatusInProgress})
		}
		b.epics = append(b.epics, e)
	}
	// A starting backlog.
	for i := 0; i < g.opts.IssuesPerSprint; i++ {
		gi := g.newIssue(b, g.between(first.t0.Add(-40*day), first.t0.Add(-12*day)), nil, StatusToDo)
		b.backlog = append(b.backlog, gi)
	}
	planFrom := first.t0.Add(-10 * day)
	var carry []*gIssue
	for _, sp := range b.sprints {
		if sp.future {
			g.planFuture(b, sp)
			continue
		}
		g.plan(b, sp, carry, planFrom)
		g.during(b, sp)
		if sp.closed {
			carry = g.complete(b, sp)
			planFrom = sp.complete
		}
	}
	if b.idx == 0 {
		g.pingPong(b)
	}
}

// PingPongCycles is how often the first board's ping-pong issue enters and
// leaves its first sprint (two membership histories a cycle).
const PingPongCycles = 10

// pingPong adds, by construction rather than by luck of seed and date, an
// issue with a long history whose oldest histories matter: a bug that
// client feedback bounces between the first sprint and the backlog, an
// hour apart, PingPongCycles times in the sprint's first day. Its
// 2×PingPongCycles membership histories exceed what a vendor embeds in a
// listing (Jira's search: the newest DefaultChangelogEmbedLimit), so a
// collector that does not fetch the whole history gets that sprint's
// added and removed counts wrong.
// It draws nothing from the random stream, so every other issue of a
// seed stays as it was.
func (g *gen) pingPong(b *gBoard) {
	sp := b.sprints[0]
	created := sp.t0.Add(-20 * day).Truncate(time.Second)
	g.seq++
	points := 3.0
	gi := &gIssue{seq: g.seq, created: created, initStatus: StatusToDo, status: StatusToDo, last: created, fixed: true,
		is: &Issue{Project: b.project, Type: "Bug", Summary: "Reprioritise checkout flow (client feedback)",
			AssigneeID: b.users[0], Points: &points}}
	for i := range PingPongCycles {
		at := sp.t0.Add(time.Duration(2*i+1) * hour)
		g.op(gi, gop{at: at, kind: opAdd, sp: sp})
		g.op(gi, gop{at: at.Add(hour), kind: opRemove, sp: sp})
	}
	g.issues = append(g.issues, gi)
}

// plan fills a sprint's committed scope: issues carried over from the
// previous sprint plus issues added (or created into it) before t0.
func (g *gen) plan(b *gBoard, sp *gSprint, carry []*gIssue, planFrom time.Time) {
	ips := g.opts.IssuesPerSprint
	sp.members = append(sp.members, carry...)
	target := ips + g.r.IntN(ips/2+1) - ips/4
	if sp.zeroCommit {
		target = 0
	}
	need := target - len(carry)
	lo, hi := planFrom, sp.t0.Add(-minute)
	if lo.Before(sp.s.Created.Add(minute)) {
		lo = sp.s.Created.Add(minute)
	}
	fresh := func(into *gSprint) *gIssue {
		return g.newIssue(b, g.between(lo.Add(-30*day), lo.Add(-hour)), into, StatusToDo)
	}
	if need > 0 { // added exactly 3 minutes before start
		gi := fresh(nil)
		g.add(gi, sp, sp.t0.Add(-3*minute))
		sp.members = append(sp.members, gi)
		need--
	}
	if need > 0 && sp.s.Activated != nil && sp.s.Activated.Sub(*sp.s.Start) >= hour {
		// added after the planned start but before the actual one: committed (t0 = Activated)
		gi := fresh(nil)
		g.add(gi, sp, sp.s.Start.Add(sp.s.Activated.Sub(*sp.s.Start)/2))
		sp.members = append(sp.members, gi)
		need--
	}
	if need > 0 && sp.idx%3 == 1 { // added exactly at start: committed
		gi := fresh(nil)
		g.add(gi, sp, sp.t0)
		sp.members = append(sp.members, gi)
		need--
	}
	for ; need > 0; need-- {
		var gi *gIssue
		switch u := g.r.Float64(); {
		case u < 0.35:
			gi = b.takeBacklog(g, hi.Add(-hour))
			if gi != nil {
				g.add(gi, sp, g.between(maxT(lo.Add(-3*day), gi.last.Add(minute), sp.s.Created.Add(minute)), hi))
			}
		case u < 0.70:
			gi = g.newIssue(b, g.between(lo.Add(-30*day), lo), nil, StatusToDo)
			g.add(gi, sp, g.between(maxT(lo.Add(-3*day), gi.created.Add(minute), sp.s.Created.Add(minute)), hi))
		}
		if gi == nil { // created straight into the (future) sprint
			st := StatusToDo
			if g.r.Float64() < 0.1 {
				st = StatusInProgress
			}
			gi = g.newIssue(b, g.between(maxT(lo.Add(-3*day), sp.s.Created.Add(minute)), hi), sp, st)
		}
		if b.idx == 0 && sp.idx%4 == 2 && need == 1 && len(g.opts.Projects) > 1 {
			// A second project's issue in this board's sprint.
			gi.is.Project = g.opts.Projects[(slices.Index(g.opts.Projects, b.project)+1)%len(g.opts.Projects)]
			gi.is.ParentKey = ""
		}
		sp.members = append(sp.members, gi)
	}
}

type fate int

const (
	fateDone fate = iota
	fateCarry
	fateRemove
	fateRemoveReadd
	fateCross
	fateDoneThenOut
)

// during plays a sprint from t0 to completion (or now): additions, status
// progress, removals, re-additions and moves to another board's sprint.
func (g *gen) during(b *gBoard, sp *gSprint) {
	ips := g.opts.IssuesPerSprint
	workEnd := g.now.Add(-5 * minute)
	if sp.closed {
		workEnd = sp.complete.Add(-30 * minute)
	}
	type member struct {
		gi      *gIssue
		entered time.Time
	}
	var ms []member
	for _, gi := range sp.members {
		ms = append(ms, member{gi, sp.t0})
	}
	// Additions after start.
	nAdd := g.r.IntN(ips/4 + 2)
	if sp.zeroCommit && nAdd < 3 {
		nAdd = 3
	}
	addHi := workEnd.Add(-day)
	if !addHi.After(sp.t0.Add(hour)) {
		addHi = workEnd.Add(-hour)
	}
	for i := 0; i < nAdd; i++ {
		at := g.between(sp.t0.Add(hour), addHi)
		if !at.Before(g.now.Add(-minute)) {
			break
		}
		var gi *gIssue
		if g.r.Float64() < 0.55 || i == 0 {
			gi = b.takeBacklog(g, at)
			if gi != nil && !g.add(gi, sp, at) {
				b.backlog = append(b.backlog, gi)
				gi = nil
			}
		}
		if gi == nil { // created straight into the running sprint: no history item
			gi = g.newIssue(b, at, sp, StatusToDo)
		}
		ms = append(ms, member{gi, gi.last})
	}
	// Backlog growth during the sprint.
	for i := 0; i < ips/4+1; i++ {
		at := g.between(sp.t0, workEnd)
		if !at.Before(g.now.Add(-minute)) {
			continue
		}
		gi := g.newIssue(b, at, nil, StatusToDo)
		if g.r.Float64() < 0.1 { // done without ever entering a sprint
			g.progress(gi, at, workEnd, StatusDone)
			continue
		}
		b.backlog = append(b.backlog, gi)
	}

	elapsed := 1.0
	if !sp.closed {
		if end := sp.s.End; end != nil && end.After(sp.t0) {
			elapsed = min(1, float64(g.now.Sub(sp.t0))/float64(end.Sub(sp.t0)))
		}
	}
	forced := []fate(nil)
	if b.idx == 0 && sp.idx == 1 && sp.closed {
		forced = []fate{fateCross, fateRemoveReadd, fateRemove, fateDoneThenOut, fateDone}
	}
	// Some scope is re-sized while the sprint runs.
	for _, m := range ms {
		if g.r.Float64() < 0.12 && m.entered.Add(2*hour).Before(workEnd) {
			g.reestimate(m.gi, m.entered.Add(time.Hour), workEnd)
		}
	}
	var stay []*gIssue
	for i, m := range ms {
		gi := m.gi
		f := fateCarry
		switch u := g.r.Float64(); {
		case u < 0.62*elapsed:
			f = fateDone
		case u < 0.70*elapsed:
			f = fateRemove
		case u < 0.74*elapsed:
			f = fateRemoveReadd
		case u < 0.748*elapsed:
			f = fateCross
		case u < 0.756*elapsed:
			f = fateDoneThenOut
		}
		if i < len(forced) {
			f = forced[i]
		}
		lo := m.entered.Add(10 * minute)
		switch f {
		case fateDone:
			g.progress(gi, lo, workEnd, StatusDone)
			stay = append(stay, gi)
		case fateCarry:
			if g.r.Float64() < 0.6 {
				g.progress(gi, lo, workEnd, []string{StatusInProgress, StatusInProgress, StatusInReview}[g.r.IntN(3)])
			}
			stay = append(stay, gi)
		case fateRemove, fateRemoveReadd:
			tr := g.between(lo.Add(hour), workEnd.Add(-day))
			if g.r.Float64() < 0.35 && gi.status == StatusToDo {
				g.progress(gi, lo, tr.Add(-minute), StatusInProgress)
			}
			if !g.op(gi, gop{at: tr, kind: opRemove, sp: sp}) {
				stay = append(stay, gi)
				continue
			}
			if f == fateRemoveReadd {
				ta := g.between(gi.last.Add(hour), workEnd.Add(-12*hour))
				if g.add(gi, sp, ta) {
					if g.r.Float64() < 0.6 {
						g.progress(gi, ta, workEnd, StatusDone)
					}
					stay = append(stay, gi)
					continue
				}
			}
			b.backlog = append(b.backlog, gi)
		case fateCross:
			if !g.cross(b, sp, gi, lo, workEnd) {
				stay = append(stay, gi)
			}
		case fateDoneThenOut:
			g.progress(gi, lo, workEnd.Add(-day), StatusDone)
			g.op(gi, gop{at: g.between(gi.last.Add(hour), workEnd), kind: opRemove, sp: sp})
		}
	}
	sp.members = stay
}

// reestimate changes gi's estimate at a random time in (lo, hi): client
// feedback re-sizes work during a sprint, and teams re-estimate closed work
// afterwards (which must change no closed sprint's numbers).
func (g *gen) reestimate(gi *gIssue, lo, hi time.Time) {
	var to *float64
	if g.r.Float64() < 0.9 {
		p := []float64{1, 2, 3, 5, 8, 13}[g.r.IntN(6)]
		to = &p
	}
	g.op(gi, gop{at: g.between(lo, hi), kind: opPoints, points: to})
}

// cross moves gi from sp to another board's running sprint, where it is
// finished. It reports false when no such sprint exists.
func (g *gen) cross(b *gBoard, sp *gSprint, gi *gIssue, lo, hi time.Time) bool {
	if len(g.boards) < 2 {
		return false
	}
	ob := g.boards[(b.idx+1)%len(g.boards)]
	tr := g.between(lo.Add(hour), hi.Add(-day))
	for _, os := range ob.sprints {
		if os.future || !os.t0.Before(tr.Add(-hour)) {
			continue
		}
		end := g.now.Add(-5 * minute)
		if os.closed {
			end = os.complete.Add(-hour)
		}
		if end.Before(tr.Add(day)) {
			continue
		}
		if !g.op(gi, gop{at: tr, kind: opMove, sp: sp, sp2: os}) {
			return false
		}
		if os.closed || g.r.Float64() < 0.5 {
			g.progress(gi, tr, end, StatusDone)
		} else {
			g.progress(gi, tr, end, StatusInProgress)
		}
		return true
	}
	return false
}

// complete closes a sprint: open issues move to the next sprint (kept
// alongside the closed one, "3" → "3, 4"; or moved out, "3" → "4") or to
// the backlog (no item). It returns the issues carried into the next sprint.
func (g *gen) complete(b *gBoard, sp *gSprint) []*gIssue {
	nx := g.next(b, sp)
	c := sp.complete
	// Done work re-estimated after the sprint closed: on the first board
	// the first done member of every sprint (by construction), elsewhere
	// some at random.
	first := true
	for _, gi := range sp.members {
		if gi.status != StatusDone {
			continue
		}
		if b.idx == 0 && first || g.r.Float64() < 0.05 {
			g.reestimate(gi, c.Add(day), c.Add(3*day))
		}
		first = false
	}
	var carried []*gIssue
	forced := b.idx == 0 && sp.idx == 1
	n := 0
	for _, gi := range sp.members {
		if gi.status == StatusDone {
			continue
		}
		u := g.r.Float64()
		if forced {
			u = []float64{0.1, 0.7, 0.95}[n%3]
		}
		n++
		if nx == nil || nx.future || nx.zeroCommit || u >= 0.85 {
			b.backlog = append(b.backlog, gi)
			continue
		}
		var ok bool
		if g.opts.Vendor == VendorGitLab {
			ok = g.rollOver(gi, sp, nx)
		} else if u < 0.65 {
			at := c
			if g.r.Float64() < 0.3 {
				at = c.Add(g.dur(time.Second, 2*time.Second))
			}
			ok = g.op(gi, gop{at: at, kind: opAdd, sp: nx})
		} else {
			at := c.Add([]time.Duration{0, 0, time.Second, -5 * time.Second, -30 * time.Second}[g.r.IntN(5)])
			if forced {
				at = c.Add(-30 * time.Second)
			}
			ok = g.op(gi, gop{at: at, kind: opMove, sp: sp, sp2: nx})
		}
		if ok {
			carried = append(carried, gi)
		} else {
			b.backlog = append(b.backlog, gi)
		}
	}
	return carried
}

// planFuture puts some backlog issues into a future sprint, except the one
// left empty on purpose.
func (g *gen) planFuture(b *gBoard, sp *gSprint) {
	if sp.emptyPlan {
		return
	}
	lo := sp.s.Created.Add(minute)
	hi := g.now.Add(-hour)
	for i := 0; i < g.opts.IssuesPerSprint/3; i++ {
		if gi := b.takeBacklog(g, hi.Add(-hour)); gi != nil {
			g.add(gi, sp, g.between(maxT(lo, gi.last.Add(minute)), hi))
		}
	}
	if lo.Before(hi) {
		g.newIssue(b, g.between(lo, hi), sp, StatusToDo)
	}
}

func maxT(ts ...time.Time) time.Time {
	m := ts[0]
	for _, t := range ts[1:] {
		if t.After(m) {
			m = t
		}
	}
	return m
}

// ---- materialization: ops → issues with histories ----

func (g *gen) materialize() {
	// Drop anything that would happen at or after Now.
	kept := g.issues[:0]
	for _, gi := range g.issues {
		if gi.created.Before(g.now) {
			kept = append(kept, gi)
		}
	}
	g.issues = kept
	// Rank noise on some issues.
	for _, gi := range g.issues {
		if gi.fixed {
			continue
		}
		if g.r.Float64() < 0.15 {
			at := g.between(gi.created.Add(minute), gi.created.Add(20*day))
			if at.Before(g.now) {
				g.seq++
				gi.ops = append(gi.ops, gop{at: at, seq: g.seq, kind: opRank})
			}
		}
	}
	sort.SliceStable(g.issues, func(i, j int) bool {
		a, b := g.issues[i], g.issues[j]
		if !a.created.Equal(b.created) {
			return a.created.Before(b.created)
		}
		return a.seq < b.seq
	})
	keyN := map[string]int{}
	bySeq := map[int]*gIssue{}
	for i, gi := range g.issues {
		gi.is.ID = strconv.Itoa(10001 + i)
		keyN[gi.is.Project]++
		gi.is.Key = gi.is.Project + "-" + strconv.Itoa(keyN[gi.is.Project])
		gi.is.Created = gi.created
		gi.is.InitialStatus = gi.initStatus
		for _, sp := range gi.initSprints {
			gi.is.InitialSprints = append(gi.is.InitialSprints, sp.s.ID)
		}
		bySeq[gi.seq] = gi
	}
	for _, gi := range g.issues {
		is := gi.is
		if p := is.ParentKey; len(p) > 5 && p[:5] == "epic:" {
			seq, _ := strconv.Atoi(p[5:])
			is.ParentKey = ""
			if e := bySeq[seq]; e != nil && e.is.Project == is.Project {
				is.ParentKey = e.is.Key
			}
		}
		sort.SliceStable(gi.ops, func(i, j int) bool {
			if !gi.ops[i].at.Equal(gi.ops[j].at) {
				return gi.ops[i].at.Before(gi.ops[j].at)
			}
			return gi.ops[i].seq < gi.ops[j].seq
		})
		cur := slices.Clone(is.InitialSprints)
		st := is.InitialStatus
		pts := is.Points // the estimate at creation
		for _, o := range gi.ops {
			if !o.at.Before(g.now) {
				continue
			}
			var it Item
			switch o.kind {
			case opAdd, opRemove, opMove:
				nx := slices.Clone(cur)
				if o.kind == opRemove || o.kind == opMove {
					nx = slices.DeleteFunc(nx, func(id int) bool { return id == o.sp.s.ID })
				}
				if o.kind != opRemove && g.opts.Vendor == VendorGitLab {
					nx = nil // a GitLab issue is in one iteration: entering one leaves the other
				}
				if o.kind == opAdd && !slices.Contains(nx, o.sp.s.ID) {
					nx = append(nx, o.sp.s.ID)
				}
				if o.kind == opMove && !slices.Contains(nx, o.sp2.s.ID) {
					nx = append(nx, o.sp2.s.ID)
				}
				if slices.Equal(nx, cur) {
					continue
				}
				it = Item{Field: FieldSprint, FromSprints: cur, ToSprints: nx}
				cur = nx
			case opStatus:
				if o.status == st {
					continue
				}
				it = Item{Field: FieldStatus, FromStatus: st, ToStatus: o.status}
				st = o.status
			case opRank:
				it = Item{Field: FieldRank, ToString: "Ranked higher"}
			case opPoints:
				if formatPoints(o.points) == formatPoints(pts) {
					continue
				}
				it = Item{Field: FieldPoints, FromString: formatPoints(pts), ToString: formatPoints(o.points)}
				pts = o.points
			}
			author := is.AssigneeID
			if !gi.fixed {
				author = g.author(is)
			}
			is.Histories = append(is.Histories, History{At: o.at, AuthorID: author, Items: []Item{it}})
		}
		is.Points = pts // the current estimate
	}
	// Fix versions come last, from their own random stream and with issues
	// of their own, so every other issue, sprint and truth of a seed stays
	// as it was.
	g.fixVersions(keyN)
	type hRef struct {
		at      time.Time
		issue   int
		idx     int
		history *History
	}
	var refs []hRef
	for n, gi := range g.issues {
		for i := range gi.is.Histories {
			refs = append(refs, hRef{gi.is.Histories[i].At, n, i, &gi.is.Histories[i]})
		}
	}
	sort.Slice(refs, func(i, j int) bool {
		if !refs[i].at.Equal(refs[j].at) {
			return refs[i].at.Before(refs[j].at)
		}
		if refs[i].issue != refs[j].issue {
			return refs[i].issue < refs[j].issue
		}
		return refs[i].idx < refs[j].idx
	})
	for _, r := range refs {
		r.history.ID = g.org.allocHistoryID()
	}
	for _, gi := range g.issues {
		is := gi.is
		is.Updated = is.Created
		if n := len(is.Histories); n > 0 {
			is.Updated = is.Histories[n-1].At
		}
		if !gi.fixed && g.r.Float64() < 0.2 { // comments and edits move updated without a tracked change
			is.Updated = g.between(is.Updated, minT(is.Updated.Add(30*day), g.now.Add(-time.Second)))
		}
		g.org.Issues = append(g.org.Issues, is)
	}
}

func minT(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (g *gen) author(is *Issue) string {
	if is.AssigneeID != "" && g.r.Float64() < 0.7 {
		return is.AssigneeID
	}
	return g.org.Users[g.r.IntN(len(g.org.Users))].AccountID
}

// shareSprints lists a sprint under every other board whose project has
// issues in it (as Jira's board sprint list does).
func (g *gen) shareSprints() {
	o := g.org
	for _, s := range o.Sprints {
		origin := o.boardByID[s.OriginBoardID]
		projects := map[string]bool{}
		for _, is := range o.sprintIssues[s.ID] {
			if is.Project != origin.ProjectKey {
				projects[is.Project] = true
			}
		}
		for _, b := range o.Boards {
			if b.ID != s.OriginBoardID && projects[b.ProjectKey] && !slices.Contains(s.BoardIDs, b.ID) {
				s.BoardIDs = append(s.BoardIDs, b.ID)
			}
		}
	}
}
