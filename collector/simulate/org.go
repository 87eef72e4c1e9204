package simulate

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Status ids of the org's workflow, To Do → In Progress → In Review →
// Done. A status id is opaque to the model: it names one Status in
// Org.Statuses and nothing else. The values are numeric because the first
// vendor served, Jira, shows its status ids verbatim; a vendor without
// status ids renders a status by Name and Category.
const (
	StatusToDo       = "10000"
	StatusInProgress = "3"
	StatusInReview   = "10002"
	StatusDone       = "10001"
)

// Status categories: every status is in one of them, whatever its name.
// Reports only need the category (done or not). The values are the keys
// Jira gives its status categories.
const (
	CategoryNew           = "new"           // not started
	CategoryIndeterminate = "indeterminate" // in progress
	CategoryDone          = "done"          // finished
)

// Sprint states as of a moment: future (not started), active (started,
// not completed), closed (completed). The values are Jira Agile's.
const (
	SprintClosed = "closed"
	SprintActive = "active"
	SprintFuture = "future"
)

// Item.Field values: what a history item changes. Other fields (FieldRank,
// or any other name, such as "labels") are noise that collectors must
// ignore. The values are the field names of Jira's changelog items.
const (
	// FieldSprint items change the issue's container membership: the list
	// of sprints it is in (FromSprints → ToSprints).
	FieldSprint = "Sprint"
	// FieldStatus items change the status (FromStatus → ToStatus).
	FieldStatus = "status"
	// FieldRank items reorder the backlog: noise (ToString "Ranked higher").
	FieldRank = "Rank"
	// FieldPoints items re-estimate the story points: FromString and
	// ToString hold the estimates ("5", "2.5"; "" for none).
	FieldPoints = "Story Points"
)

// CarryOverWindow is how long before a closed sprint's completion an exit
// still counts as carry-over (the tracker moving open issues out as the
// sprint completes; Jira does), not as a removal.
const CarryOverWindow = 60 * time.Second

// Status is one workflow status.
type Status struct {
	ID       string // opaque; see StatusToDo
	Name     string
	Category string // CategoryNew | CategoryIndeterminate | CategoryDone
	// CategoryID, CategoryName and ColorName, when set, override how Jira
	// renders the category (its status category id, name and colour);
	// zero values take Jira's standard category for Category.
	CategoryID   int
	CategoryName string
	ColorName    string
}

// DefaultStatuses is the org's workflow: To Do → In Progress → In Review → Done.
var DefaultStatuses = []Status{
	{ID: StatusToDo, Name: "To Do", Category: CategoryNew},
	{ID: StatusInProgress, Name: "In Progress", Category: CategoryIndeterminate},
	{ID: StatusInReview, Name: "In Review", Category: CategoryIndeterminate},
	{ID: StatusDone, Name: "Done", Category: CategoryDone},
}

// Project is a project of the org: a body of work its issues belong to.
type Project struct {
	ID   string // numeric, unique in the org
	Key  string // short upper-case name; issue keys start with it ("PLAT-12")
	Name string
}

// User is a person of the org: an account that authors histories and is
// assigned issues.
type User struct {
	// AccountID identifies the user (generated ones are shaped as
	// Atlassian account ids, "712020:" and 24 hex digits).
	AccountID   string
	DisplayName string
}

// Board is a team's board: the team's view of one project, where it plans
// its sprints.
type Board struct {
	ID         int
	Name       string
	Type       string // "scrum": the team plans in sprints
	ProjectKey string
}

// Sprint is a time-boxed container of issues that a team plans and
// completes. Absent dates are nil.
type Sprint struct {
	ID            int // increasing with creation
	Name          string
	State         string // SprintClosed | SprintActive | SprintFuture, as of Org.Now
	Goal          string
	OriginBoardID int // the board (team) that created it
	// BoardIDs lists every board whose sprint list returns this sprint,
	// origin board first. A sprint is shared when a board's project has
	// issues in another board's sprint.
	BoardIDs []int
	Created  time.Time
	Start    *time.Time // planned start
	End      *time.Time // planned end
	// Activated is when the sprint actually started, when that was
	// recorded apart from Start (Jira's activatedDate): see T0.
	Activated *time.Time
	Complete  *time.Time // when it was completed (closed)
}

// T0 is the sprint's actual start: Activated when present, else Start.
func (s *Sprint) T0() (time.Time, bool) {
	if s.Activated != nil {
		return *s.Activated, true
	}
	if s.Start != nil && s.State != SprintFuture {
		return *s.Start, true
	}
	return time.Time{}, false
}

// stateAt is the sprint's state as seen at now.
func (s *Sprint) stateAt(now time.Time) string {
	if s.Complete != nil && !s.Complete.After(now) {
		return SprintClosed
	}
	if t0, ok := s.T0(); ok && !t0.After(now) {
		return SprintActive
	}
	return SprintFuture
}

// Item is one field change inside a history.
type Item struct {
	Field string // FieldSprint, FieldStatus, FieldPoints, or noise such as FieldRank
	// Membership changes (FieldSprint): the whole list of sprints before
	// and after, in the order the issue entered them.
	FromSprints, ToSprints []int
	// Status changes (FieldStatus): status ids.
	FromStatus, ToStatus string
	// Other fields: the raw value (From, To) and its display form
	// (FromString, ToString), which vendors render verbatim. FieldPoints
	// keeps its estimates in the display form.
	From, To, FromString, ToString string
}

// History is one recorded change of an issue: the items one person changed
// at one moment.
type History struct {
	// ID identifies the change: numeric, unique in the org, and increasing
	// with time across it (an event sequence number, which vendors render
	// as their own event ids).
	ID       string
	At       time.Time
	AuthorID string
	Items    []Item
}

// Issue is a unit of work of the org with its complete history. Values set
// at creation (InitialSprints, InitialStatus, the first estimate) have no
// history item: they equal the `from` of the first item of that field, or
// the current value when there is none.
type Issue struct {
	ID             string // numeric, unique in the org
	Key            string // project key and number: "PLAT-12"
	Project        string // project key
	Type           string // Story | Task | Bug | Epic
	Summary        string
	Created        time.Time
	Updated        time.Time // at or after the last history (comments move it too)
	Points         *float64  // story points (the current estimate); nil for some issues
	ParentKey      string    // the epic's key, or ""
	AssigneeID     string
	InitialStatus  string
	InitialSprints []int
	// InitialVersions are the milestones (ids) set at creation: like
	// InitialSprints, no history item.
	InitialVersions []string
	Histories       []History // chronological
}

// Org is a simulated engineering org: what every vendor's simulated site
// serves, in that vendor's shapes. Its exported fields may be read freely
// while no goroutine mutates it (Touch, SetStatus, SetSprints,
// DeleteIssue, DeleteSprint, and the milestone mutators of
// milestone_org.go); the sites, SprintTruth and MilestoneTruth take the
// org's lock themselves.
type Org struct {
	Seed int64
	Now  time.Time
	// Vendor is the vendor whose rules the org keeps: "" (Jira's, and
	// any vendor's that allows them), VendorGitHub or VendorGitLab, where
	// an issue is in one milestone at most, milestones cannot be archived
	// and a late release keeps its due date (Options.Vendor; the
	// milestone mutators follow it). Generated for VendorGitLab, its
	// sprints are also GitLab iterations (generate_iterations.go); the
	// sprint mutators (SetSprints) do not enforce that.
	Vendor   string
	Projects []Project
	Boards   []Board
	Sprints  []*Sprint
	Issues   []*Issue // ordered by id
	Statuses []Status
	Users    []User
	// Milestones are the projects' release targets (Jira fix versions),
	// ordered by id.
	Milestones []*Milestone

	mu          sync.RWMutex
	version     uint64    // bumped by every mutation
	maxEventAt  time.Time // latest created/updated/history time
	nextHistory int64
	touchRand   *rand.Rand
	sprintByID  map[int]*Sprint
	issueByKey  map[string]*Issue // key and id
	statusByID  map[string]Status
	boardByID   map[int]*Board
	userByID    map[string]User
	projByKey   map[string]*Project
	// sprintIssues indexes every issue ever in a sprint.
	sprintIssues map[int][]*Issue
	// deletedSprints holds the names of deleted sprints (DeleteSprint),
	// which histories still name.
	deletedSprints map[int]string
	milestoneByID  map[string]*Milestone
	// milestoneIssues indexes every issue ever in a milestone.
	milestoneIssues map[string][]*Issue
	// deletedMilestones holds the deleted milestones (DeleteMilestone),
	// which histories still name.
	deletedMilestones map[string]*Milestone
}

// Sprint returns the sprint with the given id, or nil.
func (o *Org) Sprint(id int) *Sprint { return o.sprintByID[id] }

// Issue returns the issue with the given key or id, or nil.
func (o *Org) Issue(keyOrID string) *Issue { return o.issueByKey[keyOrID] }

// Milestone returns the milestone with the given id, or nil.
func (o *Org) Milestone(id string) *Milestone { return o.milestoneByID[id] }

// Board returns the board with the given id, or nil.
func (o *Org) Board(id int) *Board { return o.boardByID[id] }

// Status returns the status with the given id.
func (o *Org) Status(id string) (Status, bool) {
	s, ok := o.statusByID[id]
	return s, ok
}

// SprintsOfBoard returns the sprints a board's sprint list shows, by id.
func (o *Org) SprintsOfBoard(boardID int) []*Sprint {
	var out []*Sprint
	for _, s := range o.Sprints {
		if slices.Contains(s.BoardIDs, boardID) {
			out = append(out, s)
		}
	}
	return out
}

// IssuesInSprintEver returns every issue that was in the sprint at some time.
func (o *Org) IssuesInSprintEver(sprintID int) []*Issue {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return slices.Clone(o.sprintIssues[sprintID])
}

// Index prepares a hand-built org: it fills defaults (Statuses, BoardIDs,
// missing history ids in time order), checks that every reference resolves
// and that histories are chronological, and builds the lookup tables.
// Generate calls it; call it yourself after filling an Org's fields.
func (o *Org) Index() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.Statuses) == 0 {
		o.Statuses = slices.Clone(DefaultStatuses)
	}
	if o.nextHistory == 0 {
		o.nextHistory = 100000
	}
	boards := map[int]bool{}
	for _, b := range o.Boards {
		boards[b.ID] = true
	}
	sprints := map[int]bool{}
	for id := range o.deletedSprints {
		sprints[id] = true // histories still name deleted sprints
	}
	for _, s := range o.Sprints {
		if !boards[s.OriginBoardID] {
			return fmt.Errorf("simulate: sprint %d: no board %d", s.ID, s.OriginBoardID)
		}
		if len(s.BoardIDs) == 0 {
			s.BoardIDs = []int{s.OriginBoardID}
		}
		sprints[s.ID] = true
	}
	statuses := map[string]bool{}
	for _, s := range o.Statuses {
		statuses[s.ID] = true
	}
	projects := map[string]bool{}
	for _, p := range o.Projects {
		projects[p.Key] = true
	}
	milestones, err := o.checkMilestones(projects)
	if err != nil {
		return err
	}
	var maxHist int64
	for _, is := range o.Issues {
		for _, h := range is.Histories {
			if n, err := strconv.ParseInt(h.ID, 10, 64); err == nil && n > maxHist {
				maxHist = n
			}
		}
	}
	if maxHist >= o.nextHistory {
		o.nextHistory = maxHist + 1
	}
	keys := map[string]bool{}
	for _, is := range o.Issues {
		if is.ID == "" || is.Key == "" || keys[is.ID] || keys[is.Key] {
			return fmt.Errorf("simulate: issue %q/%q: missing or duplicate id or key", is.ID, is.Key)
		}
		keys[is.ID], keys[is.Key] = true, true
		if !projects[is.Project] {
			return fmt.Errorf("simulate: %s: no project %q", is.Key, is.Project)
		}
		if !statuses[is.InitialStatus] {
			return fmt.Errorf("simulate: %s: no status %q", is.Key, is.InitialStatus)
		}
		check := func(ids []int) error {
			for _, id := range ids {
				if !sprints[id] {
					return fmt.Errorf("simulate: %s: no sprint %d", is.Key, id)
				}
			}
			return nil
		}
		if err := check(is.InitialSprints); err != nil {
			return err
		}
		for _, id := range is.InitialVersions {
			if !milestones[id] {
				return fmt.Errorf("simulate: %s: no milestone %q", is.Key, id)
			}
		}
		prev := is.Created
		for i := range is.Histories {
			h := &is.Histories[i]
			if h.At.Before(prev) {
				return fmt.Errorf("simulate: %s: history at %s is out of order", is.Key, h.At.Format(time.RFC3339))
			}
			prev = h.At
			if h.ID == "" {
				h.ID = o.allocHistoryID()
			}
			for _, it := range h.Items {
				if err := check(it.FromSprints); err != nil {
					return err
				}
				if err := check(it.ToSprints); err != nil {
					return err
				}
				if it.Field == FieldStatus && (!statuses[it.FromStatus] || !statuses[it.ToStatus]) {
					return fmt.Errorf("simulate: %s: unknown status in %s→%s", is.Key, it.FromStatus, it.ToStatus)
				}
				if it.Field == FieldFixVersion && (it.From != "" && !milestones[it.From] || it.To != "" && !milestones[it.To]) {
					return fmt.Errorf("simulate: %s: unknown milestone in %q→%q", is.Key, it.From, it.To)
				}
			}
		}
		if is.Updated.Before(prev) {
			is.Updated = prev
		}
	}
	o.index()
	return nil
}

// index (re)builds the lookup maps. Callers hold the write lock or own o.
func (o *Org) index() {
	o.sprintByID = make(map[int]*Sprint, len(o.Sprints))
	for _, s := range o.Sprints {
		o.sprintByID[s.ID] = s
	}
	o.boardByID = make(map[int]*Board, len(o.Boards))
	for i := range o.Boards {
		o.boardByID[o.Boards[i].ID] = &o.Boards[i]
	}
	o.statusByID = make(map[string]Status, len(o.Statuses))
	for _, s := range o.Statuses {
		o.statusByID[s.ID] = s
	}
	o.userByID = make(map[string]User, len(o.Users))
	for _, u := range o.Users {
		o.userByID[u.AccountID] = u
	}
	o.projByKey = make(map[string]*Project, len(o.Projects))
	for i := range o.Projects {
		o.projByKey[o.Projects[i].Key] = &o.Projects[i]
	}
	o.issueByKey = make(map[string]*Issue, 2*len(o.Issues))
	o.sprintIssues = make(map[int][]*Issue)
	o.milestoneByID = make(map[string]*Milestone, len(o.Milestones))
	for _, m := range o.Milestones {
		o.milestoneByID[m.ID] = m
	}
	o.milestoneIssues = make(map[string][]*Issue)
	var maxHist int64
	for _, is := range o.Issues {
		o.issueByKey[is.Key] = is
		o.issueByKey[is.ID] = is
		o.indexIssueSprints(is)
		o.indexIssueVersions(is)
		for _, h := range is.Histories {
			if n, err := strconv.ParseInt(h.ID, 10, 64); err == nil && n > maxHist {
				maxHist = n
			}
		}
	}
	for _, is := range o.Issues {
		if u := o.lastEvent(is); u.After(o.maxEventAt) {
			o.maxEventAt = u
		}
		if is.Updated.After(o.maxEventAt) {
			o.maxEventAt = is.Updated
		}
	}
	if maxHist >= o.nextHistory {
		o.nextHistory = maxHist + 1
	}
	if o.touchRand == nil {
		o.touchRand = rand.New(rand.NewPCG(uint64(o.Seed), 0x70c4))
	}
}

func (o *Org) indexIssueSprints(is *Issue) {
	seen := map[int]bool{}
	add := func(ids []int) {
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				if !slices.Contains(o.sprintIssues[id], is) {
					o.sprintIssues[id] = append(o.sprintIssues[id], is)
				}
			}
		}
	}
	add(is.InitialSprints)
	for _, h := range is.Histories {
		for _, it := range h.Items {
			if it.Field == FieldSprint {
				add(it.FromSprints)
				add(it.ToSprints)
			}
		}
	}
}

// statusCategory returns the category of a status id.
func (o *Org) statusCategory(id string) string { return o.statusByID[id].Category }

// StatusAt is the issue's status id after every status change at or before t.
func (is *Issue) StatusAt(t time.Time) string {
	st := is.InitialStatus
	for _, h := range is.Histories {
		if h.At.After(t) {
			break
		}
		for _, it := range h.Items {
			if it.Field == FieldStatus {
				st = it.ToStatus
			}
		}
	}
	return st
}

// PointsAt is the issue's story-point estimate after every change at or
// before t. The estimate at creation is the `from` of the first change,
// else the current one (values set at creation have no item).
func (is *Issue) PointsAt(t time.Time) *float64 {
	v, first := is.Points, true
	for _, h := range is.Histories {
		for _, it := range h.Items {
			if it.Field != FieldPoints {
				continue
			}
			if first {
				v, first = parsePoints(it.FromString), false
			}
			if !h.At.After(t) {
				v = parsePoints(it.ToString)
			}
		}
	}
	return v
}

func parsePoints(s string) *float64 {
	if s == "" {
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil
	}
	return &v
}

func formatPoints(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

// SprintsAt is the issue's membership (the sprints it is in, in the order
// it entered them) after every change at or before t.
func (is *Issue) SprintsAt(t time.Time) []int {
	sp := is.InitialSprints
	for _, h := range is.Histories {
		if h.At.After(t) {
			break
		}
		for _, it := range h.Items {
			if it.Field == FieldSprint {
				sp = it.ToSprints
			}
		}
	}
	return slices.Clone(sp)
}

// CurrentStatus is the status after the last history.
func (is *Issue) CurrentStatus() string { return is.StatusAt(maxTime) }

// CurrentSprints is the membership after the last history.
func (is *Issue) CurrentSprints() []int { return is.SprintsAt(maxTime) }

// visibleHistories returns the histories at or before now.
func (is *Issue) visibleHistories(now time.Time) []History {
	n := sort.Search(len(is.Histories), func(i int) bool { return is.Histories[i].At.After(now) })
	return is.Histories[:n]
}

// updatedAt is the issue's updated time as seen at now.
func (is *Issue) updatedAt(now time.Time) time.Time {
	if !is.Updated.After(now) {
		return is.Updated
	}
	u := is.Created
	if hs := is.visibleHistories(now); len(hs) > 0 && hs[len(hs)-1].At.After(u) {
		u = hs[len(hs)-1].At
	}
	return u
}

// resolvedAt is when the issue last entered a done status, as seen at now.
func (o *Org) resolvedAt(is *Issue, now time.Time) *time.Time {
	if o.statusCategory(is.StatusAt(now)) != CategoryDone {
		return nil
	}
	t := is.Created
	for _, h := range is.visibleHistories(now) {
		for _, it := range h.Items {
			if it.Field == FieldStatus && o.statusCategory(it.ToStatus) == CategoryDone &&
				o.statusCategory(it.FromStatus) != CategoryDone {
				t = h.At
			}
		}
	}
	return &t
}

var maxTime = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// allocHistoryID returns the next history id. Callers hold the write lock.
func (o *Org) allocHistoryID() string {
	id := o.nextHistory
	o.nextHistory++
	return strconv.FormatInt(id, 10)
}

func (o *Org) lastEvent(is *Issue) time.Time {
	t := is.Created
	if n := len(is.Histories); n > 0 && is.Histories[n-1].At.After(t) {
		t = is.Histories[n-1].At
	}
	return t
}

// changed notes a mutation at `at`. Callers hold the write lock.
func (o *Org) changed(at time.Time) {
	o.version++
	if at.After(o.maxEventAt) {
		o.maxEventAt = at
	}
}

// SetStatus records a status change of the issue at `at` (a new history,
// updated = at). `at` must not be before the issue's last history.
func (o *Org) SetStatus(keyOrID, statusID string, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.setStatusLocked(keyOrID, statusID, at.UTC())
}

func (o *Org) setStatusLocked(keyOrID, statusID string, at time.Time) error {
	is := o.issueByKey[keyOrID]
	if is == nil {
		return fmt.Errorf("simulate: no issue %q", keyOrID)
	}
	if _, ok := o.statusByID[statusID]; !ok {
		return fmt.Errorf("simulate: no status %q", statusID)
	}
	if at.Before(o.lastEvent(is)) {
		return fmt.Errorf("simulate: %s: change at %s precedes its last event", is.Key, at.Format(time.RFC3339))
	}
	cur := is.CurrentStatus()
	if cur == statusID {
		return nil
	}
	is.Histories = append(is.Histories, History{
		ID: o.allocHistoryID(), At: at, AuthorID: o.authorFor(is),
		Items: []Item{{Field: FieldStatus, FromStatus: cur, ToStatus: statusID}},
	})
	o.changed(at)
	if at.After(is.Updated) {
		is.Updated = at
	}
	return nil
}

// SetSprints records a membership change of the issue at `at`: it is then
// in exactly sprintIDs (keep closed sprints in the list to mimic Jira,
// whose Sprint field keeps them).
func (o *Org) SetSprints(keyOrID string, sprintIDs []int, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	at = at.UTC()
	is := o.issueByKey[keyOrID]
	if is == nil {
		return fmt.Errorf("simulate: no issue %q", keyOrID)
	}
	for _, id := range sprintIDs {
		if o.sprintByID[id] == nil {
			return fmt.Errorf("simulate: no sprint %d", id)
		}
	}
	if at.Before(o.lastEvent(is)) {
		return fmt.Errorf("simulate: %s: change at %s precedes its last event", is.Key, at.Format(time.RFC3339))
	}
	cur := is.CurrentSprints()
	if slices.Equal(cur, sprintIDs) {
		return nil
	}
	is.Histories = append(is.Histories, History{
		ID: o.allocHistoryID(), At: at, AuthorID: o.authorFor(is),
		Items: []Item{{Field: FieldSprint, FromSprints: cur, ToSprints: slices.Clone(sprintIDs)}},
	})
	o.changed(at)
	if at.After(is.Updated) {
		is.Updated = at
	}
	o.indexIssueSprints(is)
	return nil
}

// Touch changes the status of n distinct issues at `now` (each gets one new
// history and updated = now), so an incremental collection by
// `updated >= cursor` fetches exactly those. The status moves one step along
// To Do → In Progress → In Review → Done; Done issues reopen to In Progress.
// Issues whose last event is after now are skipped. It returns the touched
// keys, in the order chosen (deterministic for the org's seed).
func (o *Org) Touch(now time.Time, n int) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	now = now.UTC()
	var cands []*Issue
	for _, is := range o.Issues {
		if !o.lastEvent(is).After(now) && is.Type != "Epic" {
			cands = append(cands, is)
		}
	}
	if n > len(cands) {
		n = len(cands)
	}
	next := map[string]string{
		StatusToDo: StatusInProgress, StatusInProgress: StatusInReview,
		StatusInReview: StatusDone, StatusDone: StatusInProgress,
	}
	keys := make([]string, 0, n)
	for i := 0; i < n; i++ {
		j := i + o.touchRand.IntN(len(cands)-i)
		cands[i], cands[j] = cands[j], cands[i]
		is := cands[i]
		to := next[is.CurrentStatus()]
		if to == "" {
			to = StatusInProgress
		}
		if err := o.setStatusLocked(is.Key, to, now); err == nil {
			is.Updated = now
			keys = append(keys, is.Key)
		}
	}
	return keys
}

func (o *Org) authorFor(is *Issue) string {
	if is.AssigneeID != "" {
		return is.AssigneeID
	}
	if len(o.Users) > 0 {
		return o.Users[0].AccountID
	}
	return ""
}

// sprintName is the name of a sprint, a deleted one's included (histories
// still name it); ok is false for an id the org never had.
func (o *Org) sprintName(id int) (name string, ok bool) {
	if s := o.sprintByID[id]; s != nil {
		return s.Name, true
	}
	name, ok = o.deletedSprints[id]
	return name, ok
}

// DeleteIssue deletes an issue upstream: from then on no site serves it
// anywhere (for Jira: search, GET issue, its changelog), and no sprint's
// truth counts it. The other issues are unchanged (an issue whose parent
// it was keeps its parent key, rendered as no parent).
func (o *Org) DeleteIssue(keyOrID string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	is := o.issueByKey[keyOrID]
	if is == nil {
		return fmt.Errorf("simulate: no issue %q", keyOrID)
	}
	o.Issues = slices.DeleteFunc(o.Issues, func(x *Issue) bool { return x == is })
	delete(o.issueByKey, is.Key)
	delete(o.issueByKey, is.ID)
	for id, list := range o.sprintIssues {
		o.sprintIssues[id] = slices.DeleteFunc(list, func(x *Issue) bool { return x == is })
	}
	for id, list := range o.milestoneIssues {
		o.milestoneIssues[id] = slices.DeleteFunc(list, func(x *Issue) bool { return x == is })
	}
	o.changed(time.Time{})
	return nil
}

// DeleteSprint deletes a sprint upstream (as Jira's DELETE sprint does):
// from then on no board lists it, looking it up fails (Jira: GET sprint
// answers 404), and its issues' current membership no longer shows it;
// their histories keep the items that name it, as Jira's changelogs do,
// and no history is added. AllSprintTruths leaves it out, and the truths
// of the other sprints are unchanged.
func (o *Org) DeleteSprint(id int) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.sprintByID[id]
	if s == nil {
		return fmt.Errorf("simulate: no sprint %d", id)
	}
	o.Sprints = slices.DeleteFunc(o.Sprints, func(x *Sprint) bool { return x == s })
	delete(o.sprintByID, id)
	delete(o.sprintIssues, id)
	if o.deletedSprints == nil {
		o.deletedSprints = map[int]string{}
	}
	o.deletedSprints[id] = s.Name
	o.changed(time.Time{})
	return nil
}
