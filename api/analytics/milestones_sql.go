package analytics

import (
	"strings"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// A milestone report is read in five set-based statements, whatever the
// number of milestones: the selected milestones (buildMilestoneSet), their
// due-date history (buildDueHistory), their membership
// aggregates (buildMilestoneScope), the closures of their upstream projects
// (buildProjectClosures, for the throughput fallback) and the configured
// projects (projectsSQL). Forecasts, status and slip attribution are then
// computed in Go (forecast package).

// milestoneSel selects milestones by stored columns.
type milestoneSel struct {
	source, id string
}

// milestoneWhere are the conditions over {db}.milestones FINAL. Tombstoned
// milestones (deleted upstream) are never selected.
func (s milestoneSel) where() frag {
	conds := []string{"deleted = 0"}
	var args []any
	if s.source != "" {
		conds = append(conds, "source = ?")
		args = append(args, s.source)
	}
	if s.id != "" {
		conds = append(conds, "milestone_id = ?")
		args = append(args, s.id)
	}
	return frag{sql: strings.Join(conds, " AND "), args: args}
}

// keys renders the (source, milestone_id) pairs of the selection, for IN.
func (s milestoneSel) keys() frag {
	w := s.where()
	return frag{sql: "SELECT source, milestone_id FROM {db}.milestones FINAL WHERE " + w.sql, args: w.args}
}

// buildMilestoneSet renders the selected milestones. Columns: source,
// milestone_id, project, title, state, archived, url, start_date, due,
// closed.
func buildMilestoneSet(s milestoneSel) frag {
	w := s.where()
	var q query
	q.add("SELECT source, milestone_id, project, title, state, archived, url, start_date, due, closed\n" +
		"FROM (\n" +
		"    SELECT source, milestone_id, project, title, state, archived, url, start_date, due, closed\n" +
		"    FROM {db}.milestones FINAL\n")
	q.add("    WHERE "+w.sql+"\n", w.args...)
	q.add(") AS m\n" +
		"ORDER BY source, milestone_id")
	return q.frag()
}

// buildDueHistory renders each selected milestone's due-date history as
// runs of consecutive snapshots that saw the same due date (d: Unix
// seconds, 0 for none), oldest first: a due moved A → B → back to A is
// three runs, two moves. Each run says when it was first and last seen;
// closed_seen is when a snapshot first saw the milestone closed (0 for
// never), the same on every run of a milestone. ClickHouse 18.16 has no
// window functions, so the runs are cut from each milestone's snapshots
// sorted into an array: a run starts where d differs from the previous
// snapshot's and ends where it differs from the next one's. Columns:
// source, milestone_id, d, first_seen, last_seen, closed_seen.
func buildDueHistory(s milestoneSel) frag {
	k := s.keys()
	var q query
	q.add("SELECT source, milestone_id, d, first_seen, last_seen, closed_seen\n" +
		"FROM (\n" +
		"    SELECT source, milestone_id,\n" +
		"        arraySort(x -> tupleElement(x, 1), groupArray((toInt64(toUInt32(observed)), d))) AS snaps,\n" +
		"        arrayMap(x -> tupleElement(x, 1), snaps) AS ts,\n" +
		"        arrayMap(x -> tupleElement(x, 2), snaps) AS ds,\n" +
		"        arrayPushFront(arrayPopBack(ds), toInt64(-1)) AS prev,\n" +
		"        arrayPushBack(arrayPopFront(ds), toInt64(-1)) AS next,\n" +
		"        arrayFilter((v, p) -> v != p, ds, prev) AS vals,\n" +
		"        arrayFilter((t, v, p) -> v != p, ts, ds, prev) AS starts,\n" +
		"        arrayFilter((t, v, n) -> v != n, ts, ds, next) AS ends,\n" +
		"        toInt64(minIf(toUInt32(observed), state = '" + warehouse.MilestoneClosed + "')) AS closed_seen\n" +
		"    FROM (\n" +
		"        SELECT source, milestone_id, observed, state, toInt64(toUInt32(ifNull(due, toDateTime(0, 'UTC')))) AS d\n" +
		"        FROM {db}.milestone_snapshots FINAL\n")
	q.add("        WHERE (source, milestone_id) IN ("+k.sql+")\n", k.args...)
	q.add("    ) AS s\n" +
		"    GROUP BY source, milestone_id\n" +
		") AS h\n" +
		"ARRAY JOIN vals AS d, starts AS first_seen, ends AS last_seen\n" +
		"ORDER BY source, milestone_id, first_seen")
	return q.frag()
}

// buildMilestoneScope renders the membership of each selected milestone
// against its baseline b: the start date when the source has one, else its
// creation time, else (Jira versions have neither) the first membership
// event. Stays of tombstoned issues are left out. Columns: source,
// milestone_id, baseline, initial_scope (in at b), added (entries after b),
// removed (exits after b of issues not done at leaving), open_issues and
// closed_issues (in it now, not done / done), closures (when each issue in
// it now and done was resolved, Unix seconds). The issue state is needed
// for the issues in a milestone now only, which are those whose
// milestone_ids (the current versions, written with the issue) is not
// empty: a filter on the row itself, cheaper than another pass over the
// intervals (~40 % of the statement on 18.16). Entries and exits after the
// source's close time (ended, 0 while open) are bookkeeping, not scope
// change: an issue tagged with a version after its release is in it, not
// added to it.
func buildMilestoneScope(s milestoneSel) frag {
	k := s.keys()
	keyed := func(q *query, pad string) {
		q.add(pad+"WHERE kind = '"+warehouse.ContainerMilestone+"' AND (source, container_id) IN ("+k.sql+")\n", k.args...)
	}
	var q query
	q.add("SELECT source, container_id AS milestone_id, toInt64(toUInt32(any(b))) AS baseline,\n" +
		"    toInt64(uniqExactIf(issue_id, entered <= b AND (isNull(exited) OR assumeNotNull(exited) > b))) AS initial_scope,\n" +
		"    toInt64(countIf(entered > b AND (ended = 0 OR toUInt32(entered) <= ended))) AS added,\n" +
		"    toInt64(countIf(isNotNull(exited) AND assumeNotNull(exited) > b AND done_at_leaving = 0\n" +
		"        AND (ended = 0 OR toUInt32(assumeNotNull(exited)) <= ended))) AS removed,\n" +
		"    toInt64(uniqExactIf(issue_id, isNull(exited) AND done_now = 0)) AS open_issues,\n" +
		"    toInt64(uniqExactIf(issue_id, isNull(exited) AND done_now = 1)) AS closed_issues,\n" +
		"    groupArrayIf(closed_at, isNull(exited) AND done_now = 1) AS closures\n" +
		"FROM (\n" +
		"    SELECT source, container_id, issue_id, entered, exited, done_at_leaving, done_now, closed_at, ended,\n" +
		"        if(planned > 0, toDateTime(planned, 'UTC'), first_entered) AS b\n" +
		"    FROM (\n" +
		"        SELECT source, container_id, issue_id, entered, exited, done_at_leaving,\n" +
		"            ifNull(done, 0) AS done_now, ifNull(resolved_at, 0) AS closed_at\n" +
		"        FROM (\n" +
		"            SELECT source, container_id, issue_id, entered, exited, done_at_leaving\n" +
		"            FROM {db}.membership_intervals FINAL\n")
	keyed(&q, "            ")
	q.add("                AND " + liveIssue + "\n" +
		"        ) AS i\n" +
		"        ANY LEFT JOIN (\n" +
		"            SELECT source, issue_id, toUInt8(status_category = '" + warehouse.CategoryDone + "') AS done,\n" +
		"                toInt64(toUInt32(ifNull(resolved, updated))) AS resolved_at\n" +
		"            FROM {db}.issues FINAL\n" +
		"            WHERE notEmpty(milestone_ids)\n" +
		"        ) AS st USING (source, issue_id)\n" +
		"    ) AS a\n" +
		"    ALL INNER JOIN (\n" +
		"        SELECT source, container_id, planned, ended, first_entered\n" +
		"        FROM (\n" +
		"            SELECT source, milestone_id AS container_id, toUInt32(ifNull(start_date, created)) AS planned,\n" +
		"                toUInt32(ifNull(closed, toDateTime(0, 'UTC'))) AS ended\n" +
		"            FROM {db}.milestones FINAL\n")
	w := s.where()
	q.add("            WHERE "+w.sql+"\n", w.args...)
	q.add("        ) AS m\n" +
		"        ALL INNER JOIN (\n" +
		"            SELECT source, container_id, min(entered) AS first_entered\n" +
		"            FROM {db}.membership_intervals FINAL\n")
	keyed(&q, "            ")
	q.add("            GROUP BY source, container_id\n" +
		"        ) AS f USING (source, container_id)\n" +
		"    ) AS w USING (source, container_id)\n" +
		") AS x\n" +
		"GROUP BY source, container_id")
	return q.frag()
}

// buildProjectClosures renders, per upstream project of the given sources
// and projects (pairs), when its done issues were resolved since `since`
// (Unix seconds): the throughput a milestone with too few closures of its
// own falls back to. Columns: source, project, closures.
func buildProjectClosures(sources, projects []string, since time.Time) frag {
	var q query
	q.add("SELECT source, project, groupArray(toInt64(toUInt32(ifNull(resolved, updated)))) AS closures\n" +
		"FROM {db}.issues FINAL\n" +
		"WHERE deleted = 0 AND status_category = '" + warehouse.CategoryDone + "'\n")
	q.add("    AND (source, project) IN (SELECT source, project FROM system.one ARRAY JOIN ? AS source, ? AS project)\n",
		sources, projects)
	q.add("    AND ifNull(resolved, updated) >= ?\n", since.UTC())
	q.add("GROUP BY source, project")
	return q.frag()
}

// projectsSQL reads the configured projects with what they match.
const projectsSQL = "SELECT project_key, name, type, jira_projects, github_repos, gitlab_projects\n" +
	"FROM (SELECT project_key, name, type, jira_projects, github_repos, gitlab_projects FROM {db}.projects FINAL) AS p\n" +
	"ORDER BY project_key"
