package simulate

import (
	"net/http"
	"strings"
	"time"
)

// The simulated Jira's issues: GET issue, and how an issue renders (its
// fields as seen at the site's now, the changelog it embeds) there and in
// search results.

// fieldSel is the fields= selection of a request.
type fieldSel struct {
	all  bool
	only map[string]bool
	drop map[string]bool
}

func parseFieldSel(list []string, def string) fieldSel {
	var parts []string
	for _, v := range list {
		parts = append(parts, strings.Split(v, ",")...)
	}
	fs := fieldSel{only: map[string]bool{}, drop: map[string]bool{}}
	picked := false
	for _, p := range parts {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
		case p == "*all" || p == "*navigable":
			fs.all, picked = true, true
		case strings.HasPrefix(p, "-"):
			fs.drop[p[1:]] = true
			if !picked {
				fs.all = true
			}
		default:
			fs.only[p], picked = true, true
		}
	}
	if !picked && len(fs.drop) == 0 {
		if def == "*all" {
			fs.all = true
		} else {
			fs.only[def] = true
		}
	}
	return fs
}

func (fs fieldSel) want(f string) bool {
	if fs.drop[f] {
		return false
	}
	return fs.all || fs.only[f]
}

// issueJSON renders an issue as seen at now. Callers hold the org's read lock.
func (j *Jira) issueJSON(v view, is *Issue, now time.Time, fs fieldSel, changelog embed) map[string]any {
	o := j.org
	f := map[string]any{}
	set := func(k string, fn func() any) {
		if fs.want(k) {
			f[k] = fn()
		}
	}
	set("summary", func() any { return is.Summary })
	set("created", func() any { return is.Created.UTC().Format(jiraTime) })
	set("updated", func() any { return is.updatedAt(now).UTC().Format(jiraTime) })
	set("status", func() any { return j.statusJSON(v, o.statusByID[is.StatusAt(now)]) })
	set("issuetype", func() any { return j.issueTypeJSON(v, is.Type) })
	set("project", func() any { return j.projectJSON(v, o.projByKey[is.Project]) })
	set(SprintFieldID, func() any {
		ids := is.SprintsAt(now)
		if len(ids) == 0 {
			return nil
		}
		out := make([]any, 0, len(ids))
		for _, id := range ids {
			s := o.sprintByID[id]
			if s == nil {
				continue // deleted: no longer in the field
			}
			if v.dc {
				out = append(out, legacySprint(s, now))
				continue
			}
			m := map[string]any{"id": s.ID, "name": s.Name, "state": s.stateAt(now), "boardId": s.OriginBoardID, "goal": s.Goal}
			for k, x := range j.sprintJSON(v.base, s, now) {
				if k == "startDate" || k == "endDate" || k == "completeDate" {
					m[k] = x
				}
			}
			out = append(out, m)
		}
		if len(out) == 0 {
			return nil
		}
		return out
	})
	set(StoryPointsFieldID, func() any {
		if p := is.PointsAt(now); p != nil {
			return *p
		}
		return nil
	})
	resolved := o.resolvedAt(is, now)
	set("resolutiondate", func() any {
		if resolved == nil {
			return nil
		}
		return resolved.UTC().Format(jiraTime)
	})
	set("resolution", func() any {
		if resolved == nil {
			return nil
		}
		return map[string]any{"self": v.api() + "/resolution/10000", "id": "10000", "name": "Done",
			"description": "Work has been completed on this issue."}
	})
	set("assignee", func() any { return j.userJSON(v, is.AssigneeID) })
	set("labels", func() any { return []string{} })
	set("fixVersions", func() any { return j.fixVersionsField(v, is, now) })
	if is.ParentKey != "" && fs.want("parent") {
		if p := o.issueByKey[is.ParentKey]; p != nil && !p.Created.After(now) {
			f["parent"] = map[string]any{"id": p.ID, "key": p.Key, "self": v.api() + "/issue/" + p.ID,
				"fields": map[string]any{"summary": p.Summary, "status": j.statusJSON(v, o.statusByID[p.StatusAt(now)]),
					"issuetype": j.issueTypeJSON(v, p.Type)}}
		}
	}
	m := map[string]any{"expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
		"id": is.ID, "self": v.api() + "/issue/" + is.ID, "key": is.Key, "fields": f}
	if changelog != embedNone {
		hs := is.visibleHistories(now)
		n := len(hs)
		if changelog == embedNewest {
			n = min(n, j.opts.ChangelogEmbedLimit)
		}
		out := make([]any, 0, n)
		if v.dc { // oldest first
			for i := len(hs) - n; i < len(hs); i++ {
				out = append(out, j.historyJSON(v, &hs[i], nil))
			}
		} else { // newest first
			for i := len(hs) - 1; i >= len(hs)-n; i-- {
				out = append(out, j.historyJSON(v, &hs[i], nil))
			}
		}
		m["changelog"] = map[string]any{"startAt": 0, "maxResults": n, "total": len(hs), "histories": out}
	}
	return m
}

// embed is which histories an issue embeds with expand=changelog.
type embed int

const (
	embedNone   embed = iota
	embedNewest       // the newest ChangelogEmbedLimit: search, Cloud's GET issue
	embedAll          // every history: Data Center's GET issue
)

func (j *Jira) lookupIssue(w http.ResponseWriter, r *http.Request, now time.Time) *Issue {
	k := r.PathValue("key")
	is := j.org.issueByKey[k]
	if is == nil {
		is = j.org.issueByKey[strings.ToUpper(k)]
	}
	if is == nil || is.Created.After(now) {
		jiraError(w, http.StatusNotFound, "Issue does not exist or you do not have permission to see it.")
		return nil
	}
	return is
}

func (j *Jira) issue(w http.ResponseWriter, r *http.Request) {
	now := j.opts.Now()
	j.org.mu.RLock()
	defer j.org.mu.RUnlock()
	is := j.lookupIssue(w, r, now)
	if is == nil {
		return
	}
	q := r.URL.Query()
	fs := parseFieldSel(q["fields"], "*all")
	v, changelog := viewOf(r), embedNone
	if containsFold(strings.Split(q.Get("expand"), ","), "changelog") {
		changelog = embedNewest
		if v.dc {
			changelog = embedAll
		}
	}
	writeJSON(w, http.StatusOK, j.issueJSON(v, is, now, fs, changelog))
}
