package simulate

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The simulated Jira's fix versions: a project's versions (Cloud: paged,
// with expand=issuesstatus; Data Center: one array), GET version, and how a
// version renders there and in an issue's fixVersions field. Everything is
// as of the site's clock: a version created later is not there yet, and
// its release date and released flag are the ones it had then.

// Paths of the version endpoints; {key} is a project key or id.
const (
	PathProjectVersions   = "/rest/api/3/project/{key}/version"
	PathProjectVersionsDC = "/rest/api/2/project/{key}/versions"
	PathVersion           = "/rest/api/3/version/" // + {id}
	PathVersionDC         = "/rest/api/2/version/" // + {id}
)

// jiraDay is how Jira writes a version's dates; jiraUserDay how it shows
// them to users (userReleaseDate).
const (
	jiraDay     = "2006-01-02"
	jiraUserDay = "2/Jan/2006"
)

func (j *Jira) versionRoutes(m *http.ServeMux) {
	m.HandleFunc("GET "+PathProjectVersions, j.projectVersions)
	m.HandleFunc("GET "+PathProjectVersionsDC, j.projectVersions)
	m.HandleFunc("GET "+PathVersion+"{id}", j.version)
	m.HandleFunc("GET "+PathVersionDC+"{id}", j.version)
}

// versionJSON renders a version as seen at now; counts adds
// issuesStatusForFixVersion (expand=issuesstatus). Callers hold the org's
// read lock.
func (j *Jira) versionJSON(v view, m *Milestone, now time.Time, counts bool) map[string]any {
	released := m.ReleasedAt(now)
	out := map[string]any{"self": v.api() + "/version/" + m.ID, "id": m.ID, "name": m.Name,
		"description": m.Description, "archived": m.ArchivedAt(now), "released": released, "overdue": false}
	if p := j.org.projByKey[m.Project]; p != nil {
		out["projectId"], _ = strconv.Atoi(p.ID)
	}
	if m.Start != nil {
		out["startDate"] = m.Start.UTC().Format(jiraDay)
		out["userStartDate"] = m.Start.UTC().Format(jiraUserDay)
	}
	if due := m.DueAt(now); due != nil {
		out["releaseDate"] = due.UTC().Format(jiraDay)
		out["userReleaseDate"] = due.UTC().Format(jiraUserDay)
		// Jira: unreleased with a release day before today.
		out["overdue"] = !released && StartOfDay(*due).Before(StartOfDay(now))
	}
	if counts {
		c := map[string]int{"unmapped": 0, "toDo": 0, "inProgress": 0, "done": 0}
		for _, is := range j.org.milestoneIssues[m.ID] {
			if is.Created.After(now) || !slices.Contains(is.VersionsAt(now), m.ID) {
				continue
			}
			switch j.org.statusCategory(is.StatusAt(now)) {
			case CategoryNew:
				c["toDo"]++
			case CategoryIndeterminate:
				c["inProgress"]++
			case CategoryDone:
				c["done"]++
			default:
				c["unmapped"]++
			}
		}
		out["issuesStatusForFixVersion"] = c
	}
	return out
}

// lookupProject finds a project by key (any case) or id; nil answers 404.
func (j *Jira) lookupProject(w http.ResponseWriter, r *http.Request) *Project {
	k := r.PathValue("key")
	for i := range j.org.Projects {
		if p := &j.org.Projects[i]; strings.EqualFold(p.Key, k) || p.ID == k {
			return p
		}
	}
	jiraError(w, http.StatusNotFound, "No project could be found with key '"+k+"'.")
	return nil
}

// projectVersions serves a project's versions as of the clock, archived
// and released ones included: Cloud paged by startAt/maxResults (capped by
// VersionPageSize), Data Center as one array.
func (j *Jira) projectVersions(w http.ResponseWriter, r *http.Request) {
	v := viewOf(r)
	startAt, maxResults := 0, 0
	if !v.dc {
		var ok bool
		if startAt, maxResults, ok = j.page(w, r, 50); !ok {
			return
		}
		maxResults = min(maxResults, j.opts.VersionPageSize)
	}
	counts := !v.dc && containsFold(strings.Split(r.URL.Query().Get("expand"), ","), "issuesstatus")
	now := j.opts.Now()
	j.org.mu.RLock()
	defer j.org.mu.RUnlock()
	p := j.lookupProject(w, r)
	if p == nil {
		return
	}
	var sel []*Milestone
	for _, m := range j.org.Milestones {
		if m.Project == p.Key && m.ExistsAt(now) {
			sel = append(sel, m)
		}
	}
	render := func(m *Milestone) any { return j.versionJSON(v, m, now, counts) }
	if v.dc {
		vals, _ := pageValues(sel, 0, len(sel), render)
		writeJSON(w, http.StatusOK, vals)
		return
	}
	vals, last := pageValues(sel, startAt, maxResults, render)
	link := func(at int) string {
		return fmt.Sprintf("%s/rest/api/3/project/%s/version?maxResults=%d&startAt=%d", v.base, p.Key, maxResults, at)
	}
	resp := map[string]any{"self": link(startAt), "maxResults": maxResults, "startAt": startAt,
		"total": len(sel), "isLast": last, "values": vals}
	if !last {
		resp["nextPage"] = link(startAt + len(vals))
	}
	writeJSON(w, http.StatusOK, resp)
}

// version serves GET version: 404 for one deleted or not created yet.
func (j *Jira) version(w http.ResponseWriter, r *http.Request) {
	now := j.opts.Now()
	j.org.mu.RLock()
	defer j.org.mu.RUnlock()
	m := j.org.milestoneByID[r.PathValue("id")]
	if m == nil || !m.ExistsAt(now) {
		jiraError(w, http.StatusNotFound, "Could not find version for id '"+r.PathValue("id")+"'")
		return
	}
	writeJSON(w, http.StatusOK, j.versionJSON(viewOf(r), m, now, false))
}

// fixVersionsField renders an issue's fixVersions as of now: its versions
// that exist then, in the order it entered them.
func (j *Jira) fixVersionsField(v view, is *Issue, now time.Time) []any {
	out := []any{}
	for _, id := range is.VersionsAt(now) {
		m := j.org.milestoneByID[id]
		if m == nil || !m.ExistsAt(now) {
			continue // deleted: no longer in the field
		}
		f := j.versionJSON(v, m, now, false)
		delete(f, "overdue")
		delete(f, "userStartDate")
		delete(f, "userReleaseDate")
		out = append(out, f)
	}
	return out
}
