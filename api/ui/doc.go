// Package ui is Runway's built-in overview page (GET /): projects with
// their milestones' status and slip, sprint scope change per board and the
// support desk's tickets, rendered on the server with html/template from
// the reports the API serves. Its stylesheet and script are embedded and
// inlined, so it loads nothing from anywhere and works offline.
//
// Without API tokens the page holds the data. With tokens it is a shell
// asking for a read token: its script keeps the token in the tab's
// sessionStorage and fetches the same overview as a fragment
// (GET /ui/overview) with an Authorization header.
//
// Files: load.go runs the reports, model.go arranges them, chart.go lays
// out the scope-change charts, format.go formats numbers, render.go
// executes templates/ with assets/ inlined under a hash-based CSP.
package ui
