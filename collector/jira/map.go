package jira

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// Payload shapes (Jira Cloud REST v3, Data Center REST v2, Agile 1.0). The
// two flavours share them: Data Center users have a name instead of an
// accountId, its changelog items may lack fieldId, and its Sprint field may
// hold legacy strings. Only what Runway reads is declared; unknown fields
// are ignored.

// field is one entry of GET /rest/api/{3,2}/field.
type field struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Custom bool   `json:"custom"`
	Schema struct {
		Type   string `json:"type"`
		Custom string `json:"custom"`
	} `json:"schema"`
}

// status is one entry of GET /rest/api/{3,2}/status, and the issue's
// fields.status.
type status struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	StatusCategory struct {
		Key string `json:"key"` // new, indeterminate, done
	} `json:"statusCategory"`
}

// board is one value of GET /rest/agile/1.0/board.
type board struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Type     string `json:"type"` // scrum, kanban, simple
	Location struct {
		ProjectKey string `json:"projectKey"`
	} `json:"location"`
}

// sprint is one value of GET /rest/agile/1.0/board/{id}/sprint.
type sprint struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	State         string `json:"state"` // future, active, closed
	Goal          string `json:"goal"`
	StartDate     string `json:"startDate"`
	EndDate       string `json:"endDate"`
	ActivatedDate string `json:"activatedDate"`
	CompleteDate  string `json:"completeDate"`
	OriginBoardID int64  `json:"originBoardId"`
}

// issue is one issue of a search (or GET issue) with expand=changelog.
// Fields stay raw: the sprint and points fields have site-specific ids, and
// decoding each field separately lets errors name it.
type issue struct {
	ID        string                     `json:"id"`
	Key       string                     `json:"key"`
	Fields    map[string]json.RawMessage `json:"fields"`
	Changelog *changelog                 `json:"changelog"`
}

// changelog is the changelog embedded in an issue: at most maxResults
// histories of total, in no order to rely on (Cloud embeds the newest
// first; Data Center returns them oldest first).
type changelog struct {
	StartAt    int       `json:"startAt"`
	MaxResults int       `json:"maxResults"`
	Total      int       `json:"total"`
	Histories  []history `json:"histories"`
}

// incomplete reports whether the embedded changelog lacks histories.
func (c *changelog) incomplete() bool {
	return c != nil && c.Total > len(c.Histories)
}

// history is one changelog entry: the field changes one user made at once.
type history struct {
	ID      string `json:"id"`
	Author  *user  `json:"author"`
	Created string `json:"created"`
	Items   []item `json:"items"`
}

// item is one field change. For the Sprint field From/To hold
// comma-separated sprint ids ("3, 4"); for status they hold status ids.
type item struct {
	Field      string `json:"field"`
	FieldType  string `json:"fieldtype"`
	FieldID    string `json:"fieldId"`
	From       string `json:"from"`
	FromString string `json:"fromString"`
	To         string `json:"to"`
	ToString   string `json:"toString"`
}

type user struct {
	AccountID   string `json:"accountId"`
	Name        string `json:"name"` // Data Center
	DisplayName string `json:"displayName"`
}

func (u *user) String() string {
	switch {
	case u == nil:
		return ""
	case u.DisplayName != "":
		return u.DisplayName
	case u.AccountID != "":
		return u.AccountID
	}
	return u.Name
}

// Custom field types that identify Jira Software's fields.
const (
	sprintSchema = "com.pyxis.greenhopper.jira:gh-sprint"
	pointsSchema = "com.pyxis.greenhopper.jira:jsw-story-points"
)

// discoverFields finds the Sprint field and the story points field. A
// configured points field wins; otherwise the Jira Software story points
// field, else a field named "Story Points" or "Story point estimate".
// Either id is empty when the site has no such field.
func discoverFields(fields []field, configuredPoints string) (sprintID, pointsID string) {
	pointsID = configuredPoints
	byName := ""
	for _, f := range fields {
		switch {
		case f.Schema.Custom == sprintSchema && sprintID == "":
			sprintID = f.ID
		case f.Schema.Custom == pointsSchema && configuredPoints == "":
			pointsID = f.ID
		case byName == "" && (strings.EqualFold(f.Name, "Story Points") || strings.EqualFold(f.Name, "Story point estimate")):
			byName = f.ID
		}
	}
	if pointsID == "" {
		pointsID = byName
	}
	return sprintID, pointsID
}

// mapper turns payloads into rows. It is pure: everything it needs, the
// collection time included, is in its fields.
type mapper struct {
	source      string
	sprintField string // "" when the site has no Sprint field
	pointsField string // "" when there is no points field
	statuses    map[string]status
	now         time.Time // collection time
	version     uint64    // collection time, Unix nanoseconds
}

func newMapper(source, sprintField, pointsField string, statuses []status, now time.Time) *mapper {
	m := &mapper{source: source, sprintField: sprintField, pointsField: pointsField,
		statuses: make(map[string]status, len(statuses)), now: now.UTC(), version: uint64(now.UnixNano())}
	for _, s := range statuses {
		m.statuses[s.ID] = s
	}
	return m
}

func (m *mapper) statusRow(s status) warehouse.StatusRow {
	return warehouse.StatusRow{Source: m.source, StatusID: s.ID, Name: s.Name,
		Category: s.StatusCategory.Key, Version: m.version}
}

func (m *mapper) boardRow(b board) warehouse.BoardRow {
	return warehouse.BoardRow{Source: m.source, BoardID: strconv.FormatInt(b.ID, 10), Name: b.Name,
		Type: b.Type, Project: b.Location.ProjectKey, Version: m.version}
}

// sprintRow maps a sprint; boardID is the board it was listed on, used when
// the payload has no originBoardId.
func (m *mapper) sprintRow(s sprint, boardID int64) (warehouse.SprintRow, error) {
	if s.ID <= 0 {
		return warehouse.SprintRow{}, fmt.Errorf("sprint %q: missing id", s.Name)
	}
	if s.OriginBoardID > 0 {
		boardID = s.OriginBoardID
	}
	r := warehouse.SprintRow{Source: m.source, SprintID: strconv.FormatInt(s.ID, 10),
		BoardID: strconv.FormatInt(boardID, 10), Name: s.Name, Goal: s.Goal,
		CarryOverGrace: carryOverGrace, Version: m.version}
	for _, d := range []struct {
		name, v string
		dst     **time.Time
	}{{"startDate", s.StartDate, &r.Start}, {"endDate", s.EndDate, &r.End},
		{"activatedDate", s.ActivatedDate, &r.Activated}, {"completeDate", s.CompleteDate, &r.Complete}} {
		if d.v == "" {
			continue
		}
		t, err := parseTime(d.v)
		if err != nil {
			return warehouse.SprintRow{}, fmt.Errorf("sprint %d: %s: %w", s.ID, d.name, err)
		}
		*d.dst = &t
	}
	state, err := sprintState(s.State)
	if err != nil {
		return warehouse.SprintRow{}, fmt.Errorf("sprint %d: %w", s.ID, err)
	}
	r.State = state
	return r, nil
}

// carryOverGrace (seconds) is Jira's completion move-out rule: completing a
// sprint moves its open issues to the next sprint or the backlog, and Jira
// writes those changelog items a few seconds before the completeDate it
// stores, so exits up to a minute before completion are carry-over, not
// removals. Stored with each sprint; report SQL reads it from there.
const carryOverGrace = 60

// sprintState maps the Agile API's state ("closed"; Data Center has sent
// "CLOSED") onto the stored vocabulary.
func sprintState(s string) (string, error) {
	switch st := strings.ToLower(s); st {
	case warehouse.SprintFuture, warehouse.SprintActive, warehouse.SprintClosed:
		return st, nil
	default:
		return "", fmt.Errorf("state %.40q (want future, active or closed)", s)
	}
}

// decodeIssue decodes one issue of a search page. Errors name the issue
// (key, else id, else its position) and the offending field.
func decodeIssue(raw json.RawMessage, pos int) (issue, error) {
	var is issue
	if err := json.Unmarshal(raw, &is); err != nil {
		var head struct{ ID, Key any }
		_ = json.Unmarshal(raw, &head)
		name := fmt.Sprintf("#%d", pos)
		if k, ok := head.Key.(string); ok && k != "" {
			name = k
		} else if id, ok := head.ID.(string); ok && id != "" {
			name = "id " + id
		}
		return issue{}, fmt.Errorf("issue %s: %w", name, err)
	}
	switch {
	case is.Key == "" && is.ID == "":
		return issue{}, fmt.Errorf("issue #%d: missing id and key", pos)
	case is.Key == "":
		return issue{}, fmt.Errorf("issue id %s: missing key", is.ID)
	case is.ID == "":
		return issue{}, fmt.Errorf("issue %s: missing id", is.Key)
	case is.Fields == nil:
		return issue{}, fmt.Errorf("issue %s: missing fields", is.Key)
	}
	return is, nil
}

// issueFields are the standard fields Runway requests.
type issueFields struct {
	Summary        string
	Status         status
	Type           string
	Project        string
	Created        time.Time
	Updated        time.Time
	Resolved       *time.Time
	Assignee       string
	Epic           string
	Labels         []string
	SprintIDs      []string
	FixVersions    []string // version ids
	Points         *float64
	hasSprintField bool
}

// field decodes the issue's field name into dst: absent or null leaves dst
// as it is.
func (is issue) field(name string, dst any) error {
	raw, ok := is.Fields[name]
	if !ok || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("field %s: %w", name, err)
	}
	return nil
}

// timeField decodes a date-time field: nil when absent, unless required.
func (is issue) timeField(name string, required bool) (*time.Time, error) {
	var s string
	if err := is.field(name, &s); err != nil {
		return nil, err
	}
	if s == "" {
		if required {
			return nil, fmt.Errorf("field %s: missing", name)
		}
		return nil, nil
	}
	t, err := parseTime(s)
	if err != nil {
		return nil, fmt.Errorf("field %s: %w", name, err)
	}
	return &t, nil
}

// updated is the issue's updated time, which search paging needs before
// the issue is mapped.
func (is issue) updated() (time.Time, error) {
	t, err := is.timeField("updated", true)
	if err != nil {
		return time.Time{}, fmt.Errorf("issue %s: %w", is.Key, err)
	}
	return *t, nil
}

func (m *mapper) fields(is issue) (issueFields, error) {
	var f issueFields
	get, getTime := is.field, is.timeField
	var (
		typ, project struct{ Key, Name string }
		assignee     *user
		parent       struct {
			Key    string
			Fields struct {
				IssueType struct {
					Name           string
					HierarchyLevel int `json:"hierarchyLevel"`
				} `json:"issuetype"`
			}
		}
	)
	errs := []error{
		get("summary", &f.Summary), get("status", &f.Status), get("issuetype", &typ),
		get("project", &project), get("assignee", &assignee), get("parent", &parent), get("labels", &f.Labels),
	}
	if err := errors.Join(errs...); err != nil {
		return f, err
	}
	f.Type, f.Project, f.Assignee = typ.Name, project.Key, assignee.String()
	if it := parent.Fields.IssueType; parent.Key != "" && (strings.EqualFold(it.Name, "Epic") || it.HierarchyLevel == 1) {
		f.Epic = parent.Key
	}
	created, err := getTime("created", true)
	if err != nil {
		return f, err
	}
	updated, err := getTime("updated", true)
	if err != nil {
		return f, err
	}
	f.Created, f.Updated = *created, *updated
	if f.Resolved, err = getTime("resolutiondate", false); err != nil {
		return f, err
	}
	if m.pointsField != "" {
		if err := get(m.pointsField, &f.Points); err != nil {
			return f, err
		}
	}
	var versions []struct {
		ID string `json:"id"`
	}
	if err := get("fixVersions", &versions); err != nil {
		return f, err
	}
	for i, v := range versions {
		if v.ID == "" {
			return f, fmt.Errorf("field fixVersions: version #%d: missing id", i)
		}
		f.FixVersions = append(f.FixVersions, v.ID)
	}
	if m.sprintField != "" {
		raw, ok := is.Fields[m.sprintField]
		f.hasSprintField = ok
		if f.SprintIDs, err = parseSprintField(raw); err != nil {
			return f, fmt.Errorf("field %s (Sprint): %w", m.sprintField, err)
		}
	}
	return f, nil
}

// legacySprintID finds the id in Data Center's legacy string form
// "com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id=3,rapidViewId=...]".
var legacySprintID = regexp.MustCompile(`[\[,]id=(\d+)`)

// parseSprintField returns the sprint ids of the Sprint field's current
// value: an array of sprint objects (Cloud), or of legacy strings.
func parseSprintField(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var vals []json.RawMessage
	if err := json.Unmarshal(raw, &vals); err != nil {
		return nil, fmt.Errorf("want an array of sprints: %w", err)
	}
	ids := make([]string, 0, len(vals))
	for i, v := range vals {
		var s string
		if json.Unmarshal(v, &s) == nil {
			mm := legacySprintID.FindStringSubmatch(s)
			if mm == nil {
				return nil, fmt.Errorf("sprint #%d: no id in %q", i, s)
			}
			ids = append(ids, mm[1])
			continue
		}
		var o struct {
			ID *json.Number `json:"id"`
		}
		if err := json.Unmarshal(v, &o); err != nil {
			return nil, fmt.Errorf("sprint #%d: %w", i, err)
		}
		if o.ID == nil {
			return nil, fmt.Errorf("sprint #%d: missing id", i)
		}
		id, err := strconv.ParseInt(o.ID.String(), 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("sprint #%d: bad id %s", i, o.ID)
		}
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	return ids, nil
}

// parseSprintIDs parses a Sprint changelog value: comma-separated sprint
// ids ("3, 4"). Names (fromString/toString) are never parsed.
func parseSprintIDs(v string) ([]string, error) {
	var ids []string
	for p := range strings.SplitSeq(v, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("bad sprint id %q", p)
		}
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	return ids, nil
}

// mergeHistories returns the union of changelog histories (embedded and
// fetched in full), deduplicated by id. The mapper sorts them
// (sortHistories).
func mergeHistories(lists ...[]history) []history {
	seen := map[string]bool{}
	var out []history
	for _, l := range lists {
		for _, h := range l {
			if h.ID != "" && seen[h.ID] {
				continue
			}
			seen[h.ID] = true
			out = append(out, h)
		}
	}
	return out
}

// timedHistory is a history with its parsed time.
type timedHistory struct {
	history
	at time.Time
}

// sortHistories parses history times and sorts histories chronologically:
// by created, then by id as a number (Jira ids grow over time).
func sortHistories(hs []history) ([]timedHistory, error) {
	out := make([]timedHistory, 0, len(hs))
	for _, h := range hs {
		if h.ID == "" {
			return nil, fmt.Errorf("changelog history created %q: missing id", h.Created)
		}
		if h.Created == "" {
			return nil, fmt.Errorf("changelog history %s: missing created", h.ID)
		}
		t, err := parseTime(h.Created)
		if err != nil {
			return nil, fmt.Errorf("changelog history %s: created: %w", h.ID, err)
		}
		out = append(out, timedHistory{h, t})
	}
	slices.SortStableFunc(out, func(a, b timedHistory) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		ai, aerr := strconv.ParseInt(a.ID, 10, 64)
		bi, berr := strconv.ParseInt(b.ID, 10, 64)
		if aerr == nil && berr == nil {
			return cmp.Compare(ai, bi)
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// issueRows are all rows derived from one issue.
type issueRows struct {
	Issue         warehouse.IssueRow
	StatusChanges []warehouse.StatusChangeRow
	PointsChanges []warehouse.PointsChangeRow
	Events        []warehouse.MembershipEventRow
	Intervals     []warehouse.MembershipIntervalRow
}

func (r issueRows) all() []warehouse.Row {
	out := make([]warehouse.Row, 0, 1+len(r.StatusChanges)+len(r.PointsChanges)+len(r.Events)+len(r.Intervals))
	out = append(out, r.Issue)
	for _, x := range r.StatusChanges {
		out = append(out, x)
	}
	for _, x := range r.PointsChanges {
		out = append(out, x)
	}
	for _, x := range r.Events {
		out = append(out, x)
	}
	for _, x := range r.Intervals {
		out = append(out, x)
	}
	return out
}

func (m *mapper) isSprintItem(it item) bool {
	if it.FieldID != "" {
		return m.sprintField != "" && it.FieldID == m.sprintField
	}
	return strings.EqualFold(it.Field, "Sprint")
}

// isPointsItem: the story points field by id, or (items without fieldId,
// older Data Center) by the names Jira gives it.
func (m *mapper) isPointsItem(it item) bool {
	if it.FieldID != "" {
		return m.pointsField != "" && it.FieldID == m.pointsField
	}
	return strings.EqualFold(it.Field, "Story Points") || strings.EqualFold(it.Field, "Story point estimate")
}

// parsePoints reads an estimate from a changelog string ("5", "2.5";
// "" when cleared).
func parsePoints(s string) (*float64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, fmt.Errorf("bad story points %q", s)
	}
	return &v, nil
}

func isStatusItem(it item) bool {
	if it.FieldID != "" {
		return it.FieldID == "status"
	}
	return strings.EqualFold(it.Field, "status")
}

// category returns a status id's category; the issue's current status is
// the fallback for statuses the status list no longer has.
func (m *mapper) category(id string, current status) string {
	if s, ok := m.statuses[id]; ok {
		return s.StatusCategory.Key
	}
	if id == current.ID {
		return current.StatusCategory.Key
	}
	return ""
}

// issue maps one issue whose changelog (is.Changelog) is complete. The
// histories may be in any order.
func (m *mapper) issue(is issue) (issueRows, error) {
	rows, err := m.mapIssue(is)
	if err != nil {
		return issueRows{}, fmt.Errorf("issue %s: %w", is.Key, err)
	}
	return rows, nil
}

func (m *mapper) mapIssue(is issue) (issueRows, error) {
	f, err := m.fields(is)
	if err != nil {
		return issueRows{}, err
	}
	var hs []history
	if is.Changelog != nil {
		hs = is.Changelog.Histories
	}
	histories, err := sortHistories(hs)
	if err != nil {
		return issueRows{}, err
	}

	cur := f.Status
	row := warehouse.IssueRow{
		Source: m.source, IssueID: is.ID, Key: is.Key, Project: f.Project, Type: f.Type,
		Summary: f.Summary, Status: cur.Name, StatusCategory: cur.StatusCategory.Key, Epic: f.Epic,
		Assignee: f.Assignee, Points: f.Points, Created: f.Created, Updated: f.Updated,
		Resolved: f.Resolved, SprintIDs: nonNil(f.SprintIDs), MilestoneIDs: nonNil(f.FixVersions),
		Labels: nonNil(f.Labels), Version: m.version,
	}
	out := issueRows{Issue: row}

	// Status history. The initial status is the `from` of the first status
	// change, else the current status.
	type catChange struct {
		at  time.Time
		cat string
	}
	var firstStatus, firstSprint, firstPoints *item
	for _, h := range histories {
		for i := range h.Items {
			it := &h.Items[i]
			if firstStatus == nil && isStatusItem(*it) {
				firstStatus = it
			}
			if firstSprint == nil && m.isSprintItem(*it) {
				firstSprint = it
			}
			if firstPoints == nil && m.isPointsItem(*it) {
				firstPoints = it
			}
		}
	}
	// seq orders an issue's changes within one second: changelog order.
	seq := func(rank, item int) uint64 { return uint64(rank+1)<<8 | uint64(min(item, 255)) }
	initial := cur
	if firstStatus != nil {
		initial = status{ID: firstStatus.From, Name: firstStatus.FromString}
	}
	initCat := m.category(initial.ID, cur)
	out.StatusChanges = append(out.StatusChanges, warehouse.StatusChangeRow{
		Source: m.source, IssueID: is.ID, EventID: "initial", At: f.Created,
		ToStatus: initial.Name, ToCategory: initCat, Version: m.version})
	cats := []catChange{{f.Created, initCat}}
	for rank, h := range histories {
		for i, it := range h.Items {
			if !isStatusItem(it) {
				continue
			}
			to := m.category(it.To, cur)
			out.StatusChanges = append(out.StatusChanges, warehouse.StatusChangeRow{
				Source: m.source, IssueID: is.ID, EventID: h.ID + ":" + strconv.Itoa(i), At: h.at,
				FromStatus: it.FromString, ToStatus: it.ToString,
				FromCategory: m.category(it.From, cur), ToCategory: to, Seq: seq(rank, i), Version: m.version})
			cats = append(cats, catChange{h.at, to})
		}
	}

	// Story points history: the estimate at creation is the `from` of the
	// first change, else the current one. Reports read the estimate at the
	// sprint's t0 and t1 from it, so re-estimating later changes no closed
	// sprint; intervals carry the estimate at entry.
	pointsAt := func(time.Time) *float64 { return f.Points }
	if m.pointsField != "" || firstPoints != nil {
		initial := f.Points
		if firstPoints != nil {
			if initial, err = parsePoints(firstPoints.FromString); err != nil {
				return issueRows{}, fmt.Errorf("first story points change: from: %w", err)
			}
		}
		out.PointsChanges = append(out.PointsChanges, warehouse.PointsChangeRow{Source: m.source, IssueID: is.ID,
			EventID: "initial", At: f.Created, Points: initial, Version: m.version})
		for rank, h := range histories {
			for i, it := range h.Items {
				if !m.isPointsItem(it) {
					continue
				}
				v, err := parsePoints(it.ToString)
				if err != nil {
					return issueRows{}, fmt.Errorf("changelog history %s item %d (story points): %w", h.ID, i, err)
				}
				out.PointsChanges = append(out.PointsChanges, warehouse.PointsChangeRow{Source: m.source, IssueID: is.ID,
					EventID: h.ID + ":" + strconv.Itoa(i), At: h.at, Seq: seq(rank, i), Points: v, Version: m.version})
			}
		}
		changes := out.PointsChanges
		pointsAt = func(t time.Time) *float64 {
			var v *float64
			for _, c := range changes {
				if c.At.After(t) {
					break
				}
				v = c.Points
			}
			return v
		}
	}
	doneAt := func(t time.Time) bool {
		c := ""
		for _, ch := range cats {
			if ch.at.After(t) {
				break
			}
			c = ch.cat
		}
		return c == "done"
	}

	// Sprint membership (when the site has a Sprint field, or the
	// changelog names one) and fix-version membership.
	if m.sprintField != "" || firstSprint != nil {
		ev, iv, err := m.membershipRows(m.sprintContainers(), is.ID, f.Created, f.SprintIDs, histories, doneAt, pointsAt)
		if err != nil {
			return issueRows{}, err
		}
		out.Events, out.Intervals = append(out.Events, ev...), append(out.Intervals, iv...)
	}
	ev, iv, err := m.membershipRows(fixVersionContainers, is.ID, f.Created, f.FixVersions, histories, doneAt, pointsAt)
	if err != nil {
		return issueRows{}, err
	}
	out.Events, out.Intervals = append(out.Events, ev...), append(out.Intervals, iv...)
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Jira writes "2024-01-15T09:00:00.000+0000"; Agile dates and others use
// RFC 3339 ("...Z", "...+10:00").
var timeLayouts = []string{
	"2006-01-02T15:04:05.000-0700",
	"2006-01-02T15:04:05-0700",
	time.RFC3339Nano,
}

// parseTime parses a Jira timestamp into UTC.
func parseTime(s string) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q (want e.g. 2024-01-15T09:00:00.000+0000)", s)
}
