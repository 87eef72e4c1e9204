package warehouse

// Migrations are the numbered schema changes, applied in order and recorded
// in {db}.schema_migrations. Each is one statement (ClickHouse has no
// transactional DDL, so a failed multi-statement migration would leave the
// schema half-changed); on a cluster it renders to a few idempotent ones.
// Never edit a released migration: add a new one.
//
// Storage rules (DESIGN.md §3):
//   - Entity tables are ReplacingMergeTree(version) keyed by (source, natural
//     id); version is the collection time in Unix nanoseconds, so the newest
//     collection wins. Reads use FINAL or argMax.
//   - Event tables carry the upstream event id in the key, so re-collecting a
//     page adds nothing once merged (and FINAL hides duplicates before that).
//   - Every DateTime is DateTime('UTC'): date functions then agree on both
//     backends whatever the server's own timezone is.
//   - Sprint and milestone membership is stored twice: raw events (for the
//     issue-level report) and derived intervals, one row per entry of an issue
//     into a sprint or milestone (entered, exited, done at leaving). Scans over
//     intervals are an order of magnitude cheaper than replaying events per
//     (sprint, issue) with GROUP BY (DESIGN.md §5 measurements).
var Migrations = []Migration{
	{1, "schema_migrations", `CREATE TABLE IF NOT EXISTS {db}.schema_migrations{on_cluster} (
    version Int64,
    name String,
    applied_at DateTime('UTC')
) ENGINE = {engine}() ORDER BY version`, "version"},

	{2, "sources", `CREATE TABLE IF NOT EXISTS {db}.sources{on_cluster} (
    source String,
    type String,
    base_url String,
    schedule String,
    version UInt64
) ENGINE = {engine}(version) ORDER BY source`, "source"},

	{3, "collector_runs", `CREATE TABLE IF NOT EXISTS {db}.collector_runs{on_cluster} (
    source String,
    run_id String,
    type String,
    trigger String,
    started DateTime('UTC'),
    finished Nullable(DateTime('UTC')),
    status String,
    error String,
    requests Int64,
    retries Int64,
    bytes Int64,
    rows Int64,
    version UInt64
) ENGINE = {engine}(version) ORDER BY (source, run_id)`, "source, run_id"},

	{4, "cursors", `CREATE TABLE IF NOT EXISTS {db}.cursors{on_cluster} (
    source String,
    name String,
    value String,
    run_id String,
    updated DateTime('UTC'),
    version UInt64
) ENGINE = {engine}(version) ORDER BY (source, name)`, "source, name"},

	{5, "boards", `CREATE TABLE IF NOT EXISTS {db}.boards{on_cluster} (
    source String,
    board_id String,
    name String,
    type String,
    project String,
    version UInt64
) ENGINE = {engine}(version) ORDER BY (source, board_id)`, "source, board_id"},

	{6, "sprints", `CREATE TABLE IF NOT EXISTS {db}.sprints{on_cluster} (
    source String,
    sprint_id String,
    board_id String,
    name String,
    state String,
    goal String,
    start_date Nullable(DateTime('UTC')),
    end_date Nullable(DateTime('UTC')),
    activated_date Nullable(DateTime('UTC')),
    complete_date Nullable(DateTime('UTC')),
    version UInt64
) ENGINE = {engine}(version) ORDER BY (source, sprint_id)`, "source, sprint_id"},

	{7, "statuses", `CREATE TABLE IF NOT EXISTS {db}.statuses{on_cluster} (
    source String,
    status_id String,
    name String,
    category String,
    version UInt64
) ENGINE = {engine}(version) ORDER BY (source, status_id)`, "source, status_id"},

	{8, "issues", `CREATE TABLE IF NOT EXISTS {db}.issues{on_cluster} (
    source String,
    issue_id String,
    issue_key String,
    project String,
    issue_type String,
    summary String,
    status String,
    status_category String,
    epic String,
    assignee String,
    points Nullable(Float64),
    created DateTime('UTC'),
    updated DateTime('UTC'),
    resolved Nullable(DateTime('UTC')),
    sprint_ids Array(String),
    milestone_ids Array(String),
    labels Array(String),
    version UInt64
) ENGINE = {engine}(version) ORDER BY (source, issue_id)`, "source, issue_id"},

	{9, "issue_status_changes", `CREATE TABLE IF NOT EXISTS {db}.issue_status_changes{on_cluster} (
    source String,
    issue_id String,
    event_id String,
    at DateTime('UTC'),
    from_status String,
    to_status String,
    from_category String,
    to_category String,
    version UInt64
) ENGINE = {engine}(version) ORDER BY (source, issue_id, event_id)`, "source, issue_id"},

	// kind is 'sprint' or 'milestone'; container_id is the sprint or
	// milestone id. action is 'added' or 'removed'. Initial membership (set
	// at creation, so without a changelog item) has event_id 'initial:<id>'.
	{10, "membership_events", `CREATE TABLE IF NOT EXISTS {db}.membership_events{on_cluster} (
    source String,
    kind String,
    container_id String,
    issue_id String,
    event_id String,
    at DateTime('UTC'),
    action String,
    actor String,
    version UInt64
) ENGINE = {engine}(version) ORDER BY (source, kind, container_id, issue_id, event_id)`, "source, issue_id"},

	// One row per entry of an issue into a container. exited is NULL while the
	// issue is still in it; done_at_leaving says whether the issue was in a
	// done status category when it left (a done issue leaving is not a
	// removal of scope). Derived at ingest from the full history, so
	// re-collecting an issue rewrites its intervals with the same keys.
	{11, "membership_intervals", `CREATE TABLE IF NOT EXISTS {db}.membership_intervals{on_cluster} (
    source String,
    kind String,
    container_id String,
    issue_id String,
    entered DateTime('UTC'),
    exited Nullable(DateTime('UTC')),
    done_at_leaving UInt8,
    points Nullable(Float64),
    version UInt64
) ENGINE = {engine}(version) ORDER BY (source, kind, container_id, issue_id, entered)`, "source, issue_id"},

	{12, "milestones", `CREATE TABLE IF NOT EXISTS {db}.milestones{on_cluster} (
    source String,
    milestone_id String,
    project String,
    title String,
    kind String,
    state String,
    url String,
    created DateTime('UTC'),
    start_date Nullable(DateTime('UTC')),
    due Nullable(DateTime('UTC')),
    closed Nullable(DateTime('UTC')),
    open_issues Int64,
    closed_issues Int64,
    version UInt64
) ENGINE = {engine}(version) ORDER BY (source, milestone_id)`, "source, milestone_id"},

	// Due dates and states have no upstream history: each run stores what it
	// saw, and due-date moves are read from consecutive snapshots.
	{13, "milestone_snapshots", `CREATE TABLE IF NOT EXISTS {db}.milestone_snapshots{on_cluster} (
    source String,
    milestone_id String,
    observed DateTime('UTC'),
    run_id String,
    state String,
    due Nullable(DateTime('UTC')),
    open_issues Int64,
    closed_issues Int64,
    version UInt64
) ENGINE = {engine}(version) ORDER BY (source, milestone_id, observed)`, "source, milestone_id"},

	{14, "tickets", `CREATE TABLE IF NOT EXISTS {db}.tickets{on_cluster} (
    source String,
    ticket_id String,
    subject String,
    status String,
    priority String,
    group_name String,
    assignee String,
    organization String,
    tags Array(String),
    created DateTime('UTC'),
    updated DateTime('UTC'),
    solved Nullable(DateTime('UTC')),
    first_reply_minutes Nullable(Float64),
    first_reply_business_minutes Nullable(Float64),
    resolution_minutes Nullable(Float64),
    resolution_business_minutes Nullable(Float64),
    version UInt64
) ENGINE = {engine}(version) ORDER BY (source, ticket_id)`, "source, ticket_id"},

	{15, "ticket_metric_events", `CREATE TABLE IF NOT EXISTS {db}.ticket_metric_events{on_cluster} (
    source String,
    ticket_id String,
    event_id String,
    metric String,
    type String,
    at DateTime('UTC'),
    sla_policy String,
    target_minutes Nullable(Float64),
    business_hours UInt8,
    version UInt64
) ENGINE = {engine}(version) ORDER BY (source, ticket_id, event_id)`, "source, ticket_id"},

	{16, "sla_policies", `CREATE TABLE IF NOT EXISTS {db}.sla_policies{on_cluster} (
    source String,
    policy_id String,
    title String,
    priority String,
    metric String,
    target_minutes Float64,
    business_hours UInt8,
    version UInt64
) ENGINE = {engine}(version) ORDER BY (source, policy_id, priority, metric)`, "source, policy_id"},

	// Projects come from config; match lists say which upstream projects,
	// repositories and boards belong to each.
	{17, "projects", `CREATE TABLE IF NOT EXISTS {db}.projects{on_cluster} (
    project_key String,
    name String,
    type String,
    jira_projects Array(String),
    github_repos Array(String),
    gitlab_projects Array(String),
    zendesk_groups Array(String),
    version UInt64
) ENGINE = {engine}(version) ORDER BY project_key`, "project_key"},

	// seq orders changes of one issue within the same second, decided at
	// ingest by the source (Jira: the history id), so report SQL knows no
	// vendor. Rows written before this migration were Jira's, whose event
	// ids start with the history id: the default derives it for them.
	{18, "issue_status_changes.seq", `ALTER TABLE {db}.issue_status_changes{on_cluster}
    ADD COLUMN seq UInt64 DEFAULT toUInt64OrZero(splitByChar(':', event_id)[1])`, ""},

	// An issue's story-point estimates over time: the value at creation
	// (event_id 'initial') and every change. Sprint reports read the
	// estimate at t0 (committed), at entry (added), at exit (removed) and at
	// t1 (completed), so re-estimating an issue later changes no closed
	// sprint. points is NULL while the issue has no estimate.
	{19, "issue_points_changes", `CREATE TABLE IF NOT EXISTS {db}.issue_points_changes{on_cluster} (
    source String,
    issue_id String,
    event_id String,
    at DateTime('UTC'),
    seq UInt64,
    points Nullable(Float64),
    version UInt64
) ENGINE = {engine}(version) ORDER BY (source, issue_id, event_id)`, "source, issue_id"},

	// Tombstones: an issue or sprint deleted upstream gets a newer version
	// of its row with deleted = 1 (the newest version wins, so a row
	// collected again later is live again). Reports leave tombstoned
	// sprints out and count no membership of a tombstoned issue; rows
	// written before these migrations are live.
	{20, "issues.deleted", `ALTER TABLE {db}.issues{on_cluster} ADD COLUMN deleted UInt8 DEFAULT 0`, ""},
	{21, "sprints.deleted", `ALTER TABLE {db}.sprints{on_cluster} ADD COLUMN deleted UInt8 DEFAULT 0`, ""},

	// The carry-over grace of a sprint, in seconds: exits of a closed
	// sprint in [complete_date - grace, complete_date] are the completion
	// move-out, not removals. The source decides it at ingest (its vendor's
	// rule), so report SQL knows no vendor; rows written before this
	// migration were Jira's, whose rule the default keeps.
	{22, "sprints.carry_over_grace", `ALTER TABLE {db}.sprints{on_cluster} ADD COLUMN carry_over_grace UInt64 DEFAULT 60`, ""},

	// Milestones deleted upstream are tombstoned like issues and sprints;
	// archived ones (Jira versions archived without release) are kept but
	// are no open milestone.
	{23, "milestones.deleted", `ALTER TABLE {db}.milestones{on_cluster} ADD COLUMN deleted UInt8 DEFAULT 0`, ""},
	{24, "milestones.archived", `ALTER TABLE {db}.milestones{on_cluster} ADD COLUMN archived UInt8 DEFAULT 0`, ""},
}

// Migration is one numbered schema statement, written once for both a
// single node and a cluster (see Render): {on_cluster} follows the table
// name and {engine} names the table engine.
type Migration struct {
	Version int64
	Name    string
	SQL     string
	// Shard is the sharding key's columns of the table a CREATE makes, on
	// a cluster: (source, natural id), columns of its ORDER BY key, so every
	// version of a row lands on one shard and FINAL and argMax stay
	// shard-local. An issue's events and intervals shard with it.
	Shard string
}
