package simulate

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The simulated Jira's Agile 1.0 endpoints: boards and their sprints; and
// how Data Center renders a sprint in the Sprint field.

func (j *Jira) boardJSON(base string, b *Board) map[string]any {
	p := j.org.projByKey[b.ProjectKey]
	pid, _ := strconv.Atoi(p.ID)
	disp := fmt.Sprintf("%s (%s)", p.Name, p.Key)
	return map[string]any{
		"id": b.ID, "self": fmt.Sprintf("%s%s/%d", base, PathBoard, b.ID), "name": b.Name, "type": b.Type,
		"location": map[string]any{"projectId": pid, "displayName": disp, "projectName": p.Name,
			"projectKey": p.Key, "projectTypeKey": "software", "name": disp},
	}
}

func (j *Jira) boards(w http.ResponseWriter, r *http.Request) {
	startAt, maxResults, ok := j.page(w, r, 50)
	if !ok {
		return
	}
	q := r.URL.Query()
	proj, types, name := q.Get("projectKeyOrId"), q.Get("type"), strings.ToLower(q.Get("name"))
	if proj != "" {
		found := false
		for _, p := range j.org.Projects {
			if strings.EqualFold(p.Key, proj) || p.ID == proj {
				proj, found = p.Key, true
			}
		}
		if !found {
			jiraError(w, http.StatusBadRequest, "No project could be found with key or id '"+proj+"'.")
			return
		}
	}
	var sel []*Board
	for i := range j.org.Boards {
		b := &j.org.Boards[i]
		if proj != "" && b.ProjectKey != proj {
			continue
		}
		if types != "" && !containsFold(strings.Split(types, ","), b.Type) {
			continue
		}
		if name != "" && !strings.Contains(strings.ToLower(b.Name), name) {
			continue
		}
		sel = append(sel, b)
	}
	base := baseURL(r)
	vals, last := pageValues(sel, startAt, maxResults, func(b *Board) any { return j.boardJSON(base, b) })
	writeJSON(w, http.StatusOK, map[string]any{"maxResults": maxResults, "startAt": startAt, "total": len(sel),
		"isLast": last, "values": vals})
}

func (j *Jira) lookupBoard(w http.ResponseWriter, r *http.Request) *Board {
	id, err := strconv.Atoi(r.PathValue("id"))
	b := j.org.boardByID[id]
	if err != nil || b == nil {
		jiraError(w, http.StatusNotFound, "Board does not exist or you do not have permission to see it.")
		return nil
	}
	return b
}

func (j *Jira) board(w http.ResponseWriter, r *http.Request) {
	if b := j.lookupBoard(w, r); b != nil {
		writeJSON(w, http.StatusOK, j.boardJSON(baseURL(r), b))
	}
}

// sprintJSON renders an Agile sprint as seen at now.
func (j *Jira) sprintJSON(base string, s *Sprint, now time.Time) map[string]any {
	state := s.stateAt(now)
	m := map[string]any{"id": s.ID, "self": fmt.Sprintf("%s%s%d", base, PathSprint, s.ID), "state": state,
		"name": s.Name, "createdDate": s.Created.UTC().Format(agileTime), "originBoardId": s.OriginBoardID, "goal": s.Goal}
	if s.Start != nil {
		m["startDate"] = s.Start.UTC().Format(agileTime)
	}
	if s.End != nil {
		m["endDate"] = s.End.UTC().Format(agileTime)
	}
	if s.Activated != nil && state != SprintFuture {
		m["activatedDate"] = s.Activated.UTC().Format(agileTime)
	}
	if s.Complete != nil && state == SprintClosed {
		m["completeDate"] = s.Complete.UTC().Format(agileTime)
	}
	return m
}

func (j *Jira) boardSprints(w http.ResponseWriter, r *http.Request) {
	b := j.lookupBoard(w, r)
	if b == nil {
		return
	}
	startAt, maxResults, ok := j.page(w, r, 50)
	if !ok {
		return
	}
	var states []string
	if v := r.URL.Query().Get("state"); v != "" {
		for _, s := range strings.Split(v, ",") {
			s = strings.ToLower(strings.TrimSpace(s))
			if s != SprintFuture && s != SprintActive && s != SprintClosed {
				jiraError(w, http.StatusBadRequest, "The value '"+s+"' is not a valid sprint state. Valid values: future, active, closed.")
				return
			}
			states = append(states, s)
		}
	}
	now := j.opts.Now()
	j.org.mu.RLock()
	var sel []*Sprint
	for _, s := range j.org.SprintsOfBoard(b.ID) {
		if s.Created.After(now) {
			continue
		}
		if len(states) > 0 && !containsFold(states, s.stateAt(now)) {
			continue
		}
		sel = append(sel, s)
	}
	base := baseURL(r)
	vals, last := pageValues(sel, startAt, maxResults, func(s *Sprint) any { return j.sprintJSON(base, s, now) })
	j.org.mu.RUnlock()
	writeJSON(w, http.StatusOK, map[string]any{"maxResults": maxResults, "startAt": startAt,
		"isLast": last, "values": vals})
}

func (j *Jira) sprint(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	now := j.opts.Now()
	j.org.mu.RLock()
	s := j.org.sprintByID[id]
	if err != nil || s == nil || s.Created.After(now) {
		j.org.mu.RUnlock()
		jiraError(w, http.StatusNotFound, "Sprint does not exist or you do not have permission to see it.")
		return
	}
	m := j.sprintJSON(baseURL(r), s, now)
	j.org.mu.RUnlock()
	writeJSON(w, http.StatusOK, m)
}

// legacySprint renders a sprint as Data Center's Sprint field value: the
// sprint object's toString.
func legacySprint(s *Sprint, now time.Time) string {
	date := func(t *time.Time) string {
		if t == nil {
			return "<null>"
		}
		return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	}
	var complete, activated *time.Time
	state := s.stateAt(now)
	if state == SprintClosed {
		complete = s.Complete
	}
	if state != SprintFuture {
		activated = s.Activated
	}
	h := fnv.New32a()
	fmt.Fprint(h, s.ID)
	return fmt.Sprintf("com.atlassian.greenhopper.service.sprint.Sprint@%x[id=%d,rapidViewId=%d,state=%s,name=%s,"+
		"startDate=%s,endDate=%s,completeDate=%s,activatedDate=%s,sequence=%d,goal=%s,autoStartStop=false,synced=false]",
		h.Sum32(), s.ID, s.OriginBoardID, strings.ToUpper(state), s.Name,
		date(s.Start), date(s.End), date(complete), date(activated), s.ID, s.Goal)
}
