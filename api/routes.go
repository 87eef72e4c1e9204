package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// Token scopes a route needs. Public routes need none.
const (
	scopePublic = ""
	scopeRead   = "read"
	scopeAdmin  = "admin"
)

// route is one endpoint. The table is the single source of what the server
// serves: it registers the routes (and HEAD beside every GET), checks every
// query and path parameter against the bounds in paramSpecs before a
// handler runs, and drives the hostile-input tests and the OpenAPI checks.
type route struct {
	method string
	path   string // gin syntax: /sprints/:source/:id
	scope  string
	// query lists the query parameters the route takes; any other is a 400.
	query []string
	// rawQuery routes (/metrics) pass their query through unchecked:
	// scrapers add their own parameters.
	rawQuery bool
	// throttle rate-limits a public route as the API is limited: the
	// overview page runs the report queries when no token is configured.
	throttle bool
	handle   func(c *gin.Context, q query) error
}

// routes is the route table.
func (s *Server) routes() []route {
	return []route{
		{method: http.MethodGet, path: "/healthz", handle: s.healthz},
		{method: http.MethodGet, path: "/readyz", handle: s.readyz},
		{method: http.MethodGet, path: "/metrics", rawQuery: true, handle: s.metrics},
		{method: http.MethodGet, path: "/api/v1/openapi.json", handle: s.openapi},
		{method: http.MethodGet, path: "/", throttle: true, handle: s.overviewPage},
		{method: http.MethodGet, path: "/ui/overview", scope: scopeRead, handle: s.overviewFragment},
		{method: http.MethodGet, path: "/api/v1/collectors", scope: scopeRead, query: []string{"limit", "cursor"},
			handle: s.listCollectors},
		{method: http.MethodPost, path: "/api/v1/collectors/:source/run", scope: scopeAdmin, handle: s.runCollector},
		{method: http.MethodGet, path: "/api/v1/sprints", scope: scopeRead,
			query: []string{"source", "board", "state", "from", "to", "limit", "cursor"}, handle: s.listSprints},
		{method: http.MethodGet, path: "/api/v1/sprints/:source/:id", scope: scopeRead, handle: s.getSprint},
		{method: http.MethodGet, path: "/api/v1/milestones", scope: scopeRead,
			query: []string{"source", "project", "state", "status", "kind", "limit", "cursor"}, handle: s.listMilestones},
		{method: http.MethodGet, path: "/api/v1/milestones/:source/:id", scope: scopeRead, handle: s.getMilestone},
		{method: http.MethodGet, path: "/api/v1/projects", scope: scopeRead, query: []string{"limit", "cursor"},
			handle: s.listProjects},
		{method: http.MethodGet, path: "/api/v1/forecast-accuracy", scope: scopeRead,
			query: []string{"group_by", "from", "to", "limit", "cursor"}, handle: s.forecastAccuracy},
		{method: http.MethodGet, path: "/api/v1/scope-change", scope: scopeRead,
			query: []string{"entity", "group_by", "source", "from", "to", "limit", "cursor"}, handle: s.scopeChange},
		{method: http.MethodGet, path: "/api/v1/tickets/summary", scope: scopeRead,
			query: []string{"source", "group_by", "from", "to", "limit", "cursor"}, handle: s.ticketSummary},
		{method: http.MethodGet, path: "/api/v1/support-load", scope: scopeRead,
			query: []string{"group_by", "from", "to", "limit", "cursor"}, handle: s.supportLoad},
		{method: http.MethodGet, path: "/api/v1/durations", scope: scopeRead,
			query: []string{"entity", "group_by", "from", "to", "limit", "cursor"}, handle: s.durations},
	}
}

// register adds every route of the table to r.
func (s *Server) register(r *gin.Engine) {
	for _, rt := range s.routes() {
		chain := []gin.HandlerFunc{}
		if rt.scope != scopePublic {
			chain = append(chain, s.auth(rt.scope), s.limit.middleware)
		} else if rt.throttle {
			chain = append(chain, s.limit.middleware)
		}
		chain = append(chain, s.serve(rt))
		r.Handle(rt.method, rt.path, chain...)
		// RFC 9110 §9.3.2: HEAD wherever GET works. net/http drops the
		// body and keeps the headers.
		if rt.method == http.MethodGet {
			r.Handle(http.MethodHead, rt.path, chain...)
		}
	}
}

// serve checks a request's parameters against the route and runs its
// handler; every failure is answered in one place, by fail.
func (s *Server) serve(rt route) gin.HandlerFunc {
	return func(c *gin.Context) {
		err := checkPath(c)
		var q query
		if err == nil && !rt.rawQuery {
			q, err = parseQuery(c.Request.URL.RawQuery, rt.query...)
		}
		if err == nil {
			err = rt.handle(c, q)
		}
		if err != nil {
			s.fail(c, err)
		}
	}
}

// checkPath bounds the route's path parameters as query values are bounded.
func checkPath(c *gin.Context) error {
	for _, p := range c.Params {
		if err := checkValue(p.Key, p.Value); err != nil {
			return err
		}
	}
	return nil
}
