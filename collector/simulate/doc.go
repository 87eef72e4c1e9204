// Package simulate fakes upstream APIs for tests and for `runway demo`.
//
// The package has three layers:
//
//   - The org (org.go, generate.go, truth.go, fixture.go): a vendor-neutral
//     model of an engineering org. Projects; teams, each with one board;
//     sprints, the time-boxed containers teams plan work in; users; and
//     issues with their whole history of field changes: container
//     membership (FieldSprint), status (FieldStatus, each status in one
//     neutral category: new, indeterminate, done) and estimate
//     (FieldPoints); and milestones (Jira fix versions, GitHub
//     milestones, milestone.go) with their name and due-date histories,
//     release and archiving, which issues enter and leave one at a time
//     (FieldFixVersion). Generate builds a realistic,
//     seeded org; TinyOrg is a hand-built one with numbers worked out by
//     hand. Its truth is known:
//     SprintTruth and MilestoneTruth replay the org's own event lists in
//     plain Go (DESIGN.md §5), so collectors and warehouse queries can be
//     checked against it. Milestones are laid out per scenario
//     (generate_milestones.go: on time, late, overdue, slipping, due moved
//     twice, no dates, on track, archived) on issues of their own, so the
//     sprint data and truths of a seed are what they were without them.
//   - The shared HTTP plumbing of every simulated site (faults.go,
//     auth.go, site.go, serve.go, paging_faults.go): the Faults middleware
//     (request counts, credentials, rate limit with Retry-After, injected
//     5xx, connection resets before or in the middle of a body, truncated
//     or corrupted bodies, slow answers, repeated pages, refused cursors,
//     and hooks that fire at the n-th request of a listing), the Site
//     interface, and loopback serving.
//   - One handler per vendor, in files named after it (jira*.go,
//     github*.go, gitlab*.go): how that vendor's API renders the org (its
//     ids, field names, payload shapes, paths, paging and query
//     language). Jira serves Jira Cloud and Data Center; GitHub serves
//     each project as a repository (milestones, issues mixed with
//     synthesized pull requests, issue events; Link paging, ETags and
//     304s, primary and secondary rate limits); GitLab serves each
//     project as a project of one group (REST API v4: the first
//     project's milestones as group milestones, the others' as project
//     milestones, the sprints as the group's iterations, issues, resource
//     milestone, iteration and state events; offset paging with x-*
//     headers, keyset paging of the group's projects, RateLimit-*
//     headers and 429s). An org generated with Options.Vendor =
//     VendorGitHub or VendorGitLab is one those can hold (Org.Vendor: an
//     issue in one milestone at most, none archived, due dates kept at
//     release; for GitLab also sprints of whole days, an issue in one at a
//     time, open issues rolled over at completion:
//     generate_iterations.go).
//   - Zendesk Support (zendesk*.go) serves no org but a SupportDesk of
//     its own: support tickets with their whole event lists (status,
//     priority, group and tag changes, public agent replies, reopens,
//     merges, deletion), groups and SLA policies, the SLA metric events
//     derived from them (zendesk_sla.go), GenerateDesk and TinyDesk, and
//     DeskTruth, replayed in plain Go (zendesk_truth.go). The site serves
//     the cursor-based incremental ticket export with metric sets, the
//     time-based ticket metric events export (both without the last
//     minute, 10 requests a minute when limited), SLA policies and
//     groups; its Org is nil.
//
// Every generated org (default options, any seed) contains: issues added
// before a sprint starts (one exactly 3 minutes before t0, some exactly at
// t0, some between the planned start and a later actual start), issues
// created straight into a running sprint (membership set at creation, no
// history), additions after start, removals while not done, removals
// followed by re-additions, issues leaving a sprint while done, issues
// done before completion, carry-over that keeps the closed sprint in the
// membership ({3} → {3, 4} at completion), carry-over that moves the
// issue out as the sprint completes ({3} → {4} at completion, a few at
// completion − 5 s or − 30 s, and some a second after), carry-over to the
// backlog (no change; the closed sprint stays in the membership), issues
// moved into another board's running sprint, sprints listed under two
// boards (the origin board stays the first), sprints holding issues of two
// projects, one closed sprint with C = 0, one future sprint without
// issues, closed sprints without an actual start (Sprint.Activated),
// issues created In Progress, issues updated without a tracked change
// (comments), spreading `updated` over time, and one issue bounced in and
// out of the first board's first sprint PingPongCycles times: more
// histories than a Jira search embeds, the oldest of them the ones that
// count.
//
// Values set at creation (Issue.InitialSprints, Issue.InitialStatus, the
// first estimate) have no history item. A status change and noise changes
// (FieldRank, any other field name) are histories too: collectors select
// the changes they need by field. How a vendor renders histories (Jira's
// changelog items, for one) is documented with its handler.
package simulate
