package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"

	"github.com/runway-analytics/runway/api"
	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// The overview page answers HTML, documented as a string: read it as text
// when validating answers.
func init() { openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder) }

// loadDoc parses and validates api/openapi.json (the file the server
// embeds).
func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(b)
	if err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	return doc
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := loadDoc(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi %q, want 3.0.3", doc.OpenAPI)
	}
	errSchema := doc.Components.Schemas["Error"]
	if errSchema == nil {
		t.Fatal("no Error schema")
	}
	// Every error answer of every operation has the Error body; every
	// operation of /api/v1 that needs a token documents 401 and 500; every
	// 2xx answer has a body.
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			public := op.Security != nil && len(*op.Security) == 0
			if !public {
				for _, code := range []string{"400", "401", "429", "500"} {
					if op.Responses.Value(code) == nil {
						t.Errorf("%s %s does not document %s", method, path, code)
					}
				}
			}
			for code, resp := range op.Responses.Map() {
				ct := resp.Value.Content
				if len(ct) == 0 {
					t.Errorf("%s %s %s: no content", method, path, code)
					continue
				}
				if code[0] == '4' || code[0] == '5' {
					mt := ct.Get("application/json")
					if mt == nil || mt.Schema == nil || mt.Schema.Value != errSchema.Value {
						t.Errorf("%s %s %s: error answers must use the Error schema", method, path, code)
					}
				}
			}
		}
	}
}

// TestOpenAPIMatchesRoutes checks that the document lists exactly the
// routes the engine serves, method and path.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadDoc(t)
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}

	// Handler returns the *gin.Engine itself; its route table is the
	// truth. Gin's :param and *param become OpenAPI's {param}.
	engine, ok := api.New(api.Options{}).Handler().(*gin.Engine)
	if !ok {
		t.Fatal("Handler() is no longer a *gin.Engine: list the routes another way")
	}
	served := map[string]bool{}
	for _, r := range engine.Routes() {
		segs := strings.Split(r.Path, "/")
		for i, s := range segs {
			if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
				segs[i] = "{" + s[1:] + "}"
			}
		}
		served[r.Method+" "+strings.Join(segs, "/")] = true
	}
	// HEAD beside every GET is implied (RFC 9110 §9.3.2), not documented.
	for r := range served {
		if p, ok := strings.CutPrefix(r, "HEAD "); ok && served["GET "+p] {
			delete(served, r)
		}
	}
	if len(served) == 0 {
		t.Fatal("the engine serves no routes")
	}
	for _, r := range sortedKeys(served) {
		if !documented[r] {
			t.Errorf("served but not documented: %s", r)
		}
	}
	for _, r := range sortedKeys(documented) {
		if !served[r] {
			t.Errorf("documented but not served: %s", r)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestOpenAPISchemasMirrorGo checks every response schema against the Go
// type it describes: the same JSON names, required exactly when the field
// is always emitted (no omitempty), nullable exactly when it is a pointer,
// and the JSON type and format the field encodes to.
func TestOpenAPISchemasMirrorGo(t *testing.T) {
	doc := loadDoc(t)
	for name, typ := range map[string]reflect.Type{
		"CollectorStatus":  reflect.TypeFor[api.CollectorStatus](),
		"SprintReport":     reflect.TypeFor[analytics.SprintReport](),
		"SprintDetail":     reflect.TypeFor[analytics.SprintDetail](),
		"SprintEvent":      reflect.TypeFor[analytics.SprintEvent](),
		"ScopeChangeGroup": reflect.TypeFor[analytics.ScopeChangeGroup](),
		"DurationGroup":    reflect.TypeFor[analytics.DurationGroup](),
		"MilestoneReport":  reflect.TypeFor[analytics.MilestoneReport](),
		"MilestoneDetail":  reflect.TypeFor[analytics.MilestoneDetail](),
		"DueChange":        reflect.TypeFor[analytics.DueChange](),
		"MilestoneEvent":   reflect.TypeFor[analytics.MilestoneEvent](),
		"ProjectReport":    reflect.TypeFor[analytics.ProjectReport](),
		"AccuracyGroup":    reflect.TypeFor[analytics.AccuracyGroup](),
		"TicketGroup":      reflect.TypeFor[analytics.TicketGroup](),
		"SupportLoadGroup": reflect.TypeFor[analytics.SupportLoadGroup](),
	} {
		ref := doc.Components.Schemas[name]
		if ref == nil {
			t.Errorf("no schema %s", name)
			continue
		}
		checkMirror(t, name, ref.Value, typ)
	}
}

type jsonField struct {
	name      string
	omitempty bool
	typ       reflect.Type
}

// jsonFields lists the fields encoding/json writes for a struct type,
// flattening embedded structs.
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name: name, omitempty: slices.Contains(strings.Split(opts, ","), "omitempty"), typ: f.Type})
	}
	return out
}

var timeType = reflect.TypeFor[time.Time]()

func checkMirror(t *testing.T, where string, s *openapi3.Schema, typ reflect.Type) {
	t.Helper()
	nullable := false
	if typ.Kind() == reflect.Pointer {
		nullable, typ = true, typ.Elem()
	}
	if s.Nullable != nullable {
		t.Errorf("%s: nullable %v, but the Go type is %v", where, s.Nullable, typ)
	}
	is := func(want, format string) {
		if !s.Type.Is(want) {
			t.Errorf("%s: type %v, want %s (Go %v)", where, s.Type, want, typ)
		}
		if format != "" && s.Format != format {
			t.Errorf("%s: format %q, want %q", where, s.Format, format)
		}
	}
	switch {
	case typ == timeType:
		is("string", "date-time")
	case typ.Kind() == reflect.String:
		is("string", "")
	case typ.Kind() == reflect.Bool:
		is("boolean", "")
	case typ.Kind() == reflect.Int64, typ.Kind() == reflect.Int:
		is("integer", "int64")
	case typ.Kind() == reflect.Float64:
		is("number", "double")
	case typ.Kind() == reflect.Slice:
		is("array", "")
		if s.Items == nil {
			t.Errorf("%s: array without items", where)
			return
		}
		checkMirror(t, where+"[]", s.Items.Value, typ.Elem())
	case typ.Kind() == reflect.Map:
		// A JSON object keyed by strings: additionalProperties describes
		// the values, and there are no fixed properties.
		is("object", "")
		if typ.Key().Kind() != reflect.String {
			t.Errorf("%s: map key %v does not encode as a JSON object key", where, typ.Key())
		}
		if len(s.Properties) > 0 || len(s.Required) > 0 {
			t.Errorf("%s: a map has no fixed properties", where)
		}
		if s.AdditionalProperties.Schema == nil {
			t.Errorf("%s: map without additionalProperties", where)
			return
		}
		checkMirror(t, where+"{}", s.AdditionalProperties.Schema.Value, typ.Elem())
	case typ.Kind() == reflect.Struct:
		is("object", "")
		fields := jsonFields(typ)
		var names, required []string
		for _, f := range fields {
			names = append(names, f.name)
			if !f.omitempty {
				required = append(required, f.name)
			}
			p := s.Properties[f.name]
			if p == nil {
				t.Errorf("%s: Go field %q is not a documented property", where, f.name)
				continue
			}
			checkMirror(t, where+"."+f.name, p.Value, f.typ)
		}
		for name := range s.Properties {
			if !slices.Contains(names, name) {
				t.Errorf("%s: documented property %q is not in the Go type", where, name)
			}
		}
		gotReq := slices.Clone(s.Required)
		sort.Strings(gotReq)
		sort.Strings(required)
		if !slices.Equal(gotReq, required) {
			t.Errorf("%s: required %v, want %v (every field without omitempty)", where, gotReq, required)
		}
	default:
		t.Errorf("%s: no mapping for Go type %v", where, typ)
	}
}

// strict forbids undocumented properties in every object schema of the
// loaded document, so that response validation also catches fields the
// server sends but the document lacks. (The file itself stays open for
// additions, as a public API description should.)
func strict(doc *openapi3.T) {
	no := false
	seen := map[*openapi3.Schema]bool{}
	var walk func(*openapi3.SchemaRef)
	walk = func(r *openapi3.SchemaRef) {
		if r == nil || r.Value == nil || seen[r.Value] {
			return
		}
		s := r.Value
		seen[s] = true
		if s.Type.Is("object") && len(s.Properties) > 0 {
			s.AdditionalProperties.Has = &no
		}
		for _, p := range s.Properties {
			walk(p)
		}
		walk(s.Items)
	}
	for _, s := range doc.Components.Schemas {
		walk(s)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, resp := range op.Responses.Map() {
				for _, mt := range resp.Value.Content {
					walk(mt.Schema)
				}
			}
		}
	}
}

// validator checks live answers against the document.
type validator struct {
	doc    *openapi3.T
	router routers.Router
	base   string
	opts   *openapi3filter.Options
	hit    map[string]bool // "METHOD /path/template" of validated answers
}

func newValidator(t *testing.T, base string) *validator {
	t.Helper()
	doc := loadDoc(t)
	strict(doc)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	// Timestamps must be RFC 3339 in UTC (DESIGN.md §7), which is
	// narrower than the date-time format.
	utc := openapi3.NewCallbackValidator(func(s string) error {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return err
		}
		if !strings.HasSuffix(s, "Z") || tm.Location() != time.UTC {
			return fmt.Errorf("%q is not UTC (want a Z suffix)", s)
		}
		return nil
	})
	return &validator{doc: doc, router: router, base: base, hit: map[string]bool{},
		opts: &openapi3filter.Options{
			IncludeResponseStatus: true, // an undocumented status is an error
			MultiError:            true,
			AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{
				openapi3.EnableFormatValidation(),
				openapi3.WithStringFormatValidator("date-time", utc),
			},
		}}
}

// do sends a request and validates the answer against the document. When
// wantStatus is not 0 the status must be it; for 2xx answers the request
// must also be valid by the document (so its parameter declarations accept
// what the server accepts). It returns the status and body.
func (v *validator) do(t *testing.T, method, path, token string, wantStatus int) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, v.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if wantStatus != 0 && resp.StatusCode != wantStatus {
		t.Errorf("%s %s: %d %s, want %d", method, path, resp.StatusCode, body, wantStatus)
	}
	if resp.StatusCode == http.StatusNotFound && bytes.HasPrefix(body, []byte(`{"error":{"code":"not_found","message":"no such endpoint`)) {
		t.Errorf("%s %s: a documented path is not routed: %s", method, path, body)
	}

	route, params, err := v.router.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s: not in the document: %v", method, path, err)
		return resp.StatusCode, body
	}
	reqIn := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: v.opts}
	if resp.StatusCode/100 == 2 {
		if err := openapi3filter.ValidateRequest(context.Background(), reqIn); err != nil {
			t.Errorf("%s %s: the server accepted a request the document rejects: %v", method, path, err)
		}
	}
	in := &openapi3filter.ResponseValidationInput{RequestValidationInput: reqIn, Status: resp.StatusCode,
		Header: resp.Header, Options: v.opts}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s: %d answer does not match the document: %v\n%s", method, path, resp.StatusCode, err, body)
	}
	v.hit[method+" "+route.Path] = true
	return resp.StatusCode, body
}

// TestOpenAPIResponses validates live answers of every endpoint, on both
// backends, against the document.
func TestOpenAPIResponses(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		f := newFixture(t, db, testTokens) // migrates; one source "acme-jira"
		seedSprints(t, db)
		v := newValidator(t, f.srv.URL)
		// The milestone fixture, served with its pinned clock and kinds by a
		// second server over the same database; ms validates into the same
		// document and the same record of what was hit.
		msSrv := msServer(t, db)
		ms := *v
		ms.base = msSrv.URL
		const read, admin = "read-token", "admin-token"

		// The served document is the file.
		_, body := v.do(t, "GET", "/api/v1/openapi.json", "", 200)
		file, err := os.ReadFile("openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(body, file) {
			t.Error("GET /api/v1/openapi.json does not serve api/openapi.json")
		}

		v.do(t, "GET", "/healthz", "", 200)
		v.do(t, "GET", "/readyz", "", 200)
		v.do(t, "GET", "/metrics", "", 200)
		// The overview page: with tokens, / is the page without data, and
		// its data needs a read token.
		v.do(t, "GET", "/", "", 200)
		v.do(t, "GET", "/?x=1", "", 400)
		v.do(t, "GET", "/ui/overview", "", 401)
		v.do(t, "GET", "/ui/overview", "wrong", 401)

		v.do(t, "GET", "/api/v1/collectors", read, 200) // never run: null times
		v.do(t, "GET", "/api/v1/collectors?limit=10", admin, 200)
		v.do(t, "GET", "/api/v1/collectors", "", 401)
		v.do(t, "GET", "/api/v1/collectors", "wrong", 401)
		v.do(t, "GET", "/api/v1/collectors?limit=0", read, 400)
		v.do(t, "POST", "/api/v1/collectors/acme-jira/run", read, 403)
		v.do(t, "POST", "/api/v1/collectors/acme-jira/run", "", 401)
		v.do(t, "POST", "/api/v1/collectors/nope/run", admin, 404)
		v.do(t, "POST", "/api/v1/collectors/acme-jira/run?now=1", admin, 400)
		v.do(t, "POST", "/api/v1/collectors/acme-jira/run", admin, 202)
		// Right after a start the source may still run (409) or be done
		// (202): either answer must match the document.
		v.do(t, "POST", "/api/v1/collectors/acme-jira/run", admin, 0)
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, body := v.do(t, "GET", "/api/v1/collectors", read, 200)
			if bytes.Contains(body, []byte(`"running":false`)) && bytes.Contains(body, []byte(`"finished":"`)) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("run never finished: %s", body)
			}
			time.Sleep(50 * time.Millisecond)
		}

		for _, path := range []string{
			"/api/v1/sprints",
			"/api/v1/sprints?limit=2",
			"/api/v1/sprints?state=future",
			"/api/v1/sprints?source=jira&board=B1&state=closed&from=2024-01-01&to=2024-12-31T23:59:59Z&limit=1000",
			"/api/v1/sprints?source=nope",
			"/api/v1/sprints/jira/S10",
			"/api/v1/sprints/jira/S11",
			"/api/v1/sprints/jira/S12",
			"/api/v1/sprints/jira/S30",
			"/api/v1/scope-change",
			"/api/v1/scope-change?entity=sprint&group_by=board&source=jira&from=2024-02-01&to=2024-02-29",
			"/api/v1/scope-change?group_by=month",
			"/api/v1/durations",
			"/api/v1/durations?entity=sprint&group_by=board&from=2024-02-01&to=2024-02-29",
			"/api/v1/durations?group_by=state",
			"/api/v1/durations?group_by=month",
			"/ui/overview",
			// The real clock over the milestone fixture.
			"/api/v1/milestones",
			"/api/v1/projects",
		} {
			v.do(t, "GET", path, read, 200)
		}
		for _, path := range []string{
			"/api/v1/milestones",
			"/api/v1/milestones?limit=2",
			"/api/v1/milestones?source=jira&project=platform&state=open&status=slipping&kind=beta&limit=1000",
			"/api/v1/milestones?state=archived",
			"/api/v1/milestones?state=closed&status=done_late",
			"/api/v1/milestones?status=no_due_date&kind=other",
			"/api/v1/milestones?project=mobile%2Fapp",
			"/api/v1/milestones?source=nope",
			"/api/v1/milestones/jira/M1", // forecast and slip attribution
			"/api/v1/milestones/jira/M2", // closed, events
			"/api/v1/milestones/jira/M3", // overdue, no forecast
			"/api/v1/milestones/jira/M4", // archived
			"/api/v1/milestones/gitlab/10",
			"/api/v1/milestones/gitlab/9",
			"/api/v1/projects",
			"/api/v1/projects?limit=1",
			"/api/v1/scope-change?entity=milestone",
			"/api/v1/scope-change?entity=milestone&group_by=kind&source=jira",
			"/api/v1/scope-change?entity=milestone&group_by=type&from=2024-01-01&to=2024-12-31",
			"/api/v1/durations?entity=milestone&group_by=project",
			"/api/v1/durations?entity=milestone&group_by=kind",
			"/api/v1/durations?entity=milestone&group_by=type",
			"/api/v1/durations?entity=project",
			"/api/v1/durations?entity=project&group_by=type",
			"/api/v1/forecast-accuracy",
			"/api/v1/forecast-accuracy?group_by=kind&from=2024-01-01&to=2024-12-31",
			"/api/v1/forecast-accuracy?group_by=project&limit=1",
			"/ui/overview",
		} {
			ms.do(t, "GET", path, read, 200)
		}
		// Tickets: one solved with its times, one open without a reply
		// (null quantiles in its group).
		fr, res := 30.0, 120.0
		if err := warehouse.InsertMixed(context.Background(), db, []warehouse.Row{
			warehouse.TicketRow{Source: "zd", TicketID: "1", Priority: "urgent", Status: "solved", Group: "Support",
				Tags: []string{}, Created: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), Updated: time.Date(2024, 2, 1, 2, 0, 0, 0, time.UTC),
				FirstReplyMinutes: &fr, ResolutionMinutes: &res, Version: 1},
			warehouse.TicketRow{Source: "zd", TicketID: "2", Priority: "low", Status: "open", Group: "Billing",
				Tags: []string{}, Created: time.Date(2024, 2, 2, 0, 0, 0, 0, time.UTC), Updated: time.Date(2024, 2, 2, 0, 0, 0, 0, time.UTC),
				Version: 1},
		}); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{
			"/api/v1/tickets/summary",
			"/api/v1/tickets/summary?group_by=group&source=zd&from=2024-01-01&to=2024-12-31",
			"/api/v1/tickets/summary?group_by=status&limit=1",
			"/api/v1/durations?entity=ticket",
			"/api/v1/durations?entity=ticket&group_by=priority&from=2024-01-01",
			"/api/v1/support-load",
			"/api/v1/support-load?group_by=month&from=2024-01-01&to=2024-12-31",
		} {
			ms.do(t, "GET", path, read, 200)
		}
		for _, path := range []string{"/api/v1/tickets/summary?group_by=assignee", "/api/v1/tickets/summary?entity=ticket",
			"/api/v1/support-load?group_by=priority"} {
			ms.do(t, "GET", path, read, 400)
		}
		for _, path := range []string{"/api/v1/milestones?limit=2", "/api/v1/projects?limit=1"} {
			_, body := ms.do(t, "GET", path, read, 200)
			page := decodePage(t, path, body)
			ms.do(t, "GET", path+"&cursor="+*page.NextCursor, read, 200)
		}
		for _, path := range []string{
			"/api/v1/milestones?status=late",
			"/api/v1/milestones?kind=alpha",
			"/api/v1/milestones?state=done",
			"/api/v1/milestones?cursor=garbage",
			"/api/v1/milestones?board=B1",
			"/api/v1/milestones/jira/M1?x=1",
			"/api/v1/projects?x=1",
			"/api/v1/scope-change?entity=milestone&group_by=board",
			"/api/v1/durations?entity=project&group_by=kind",
			"/api/v1/forecast-accuracy?group_by=board",
			"/api/v1/forecast-accuracy?from=2024-05-01&to=2024-04-01",
			"/api/v1/forecast-accuracy?source=jira",
		} {
			ms.do(t, "GET", path, read, 400)
		}
		ms.do(t, "GET", "/api/v1/milestones/jira/NOPE", read, 404)
		ms.do(t, "GET", "/api/v1/milestones/jira/M9", read, 404) // deleted upstream
		ms.do(t, "GET", "/api/v1/milestones", "", 401)
		ms.do(t, "GET", "/api/v1/milestones/jira/M1", "", 401)
		ms.do(t, "GET", "/api/v1/projects", "wrong", 401)
		// A cursor from a page works on the next request.
		_, body = v.do(t, "GET", "/api/v1/sprints?limit=2", read, 200)
		page := decodePage(t, "limit=2", body)
		v.do(t, "GET", "/api/v1/sprints?limit=2&cursor="+*page.NextCursor, read, 200)

		for _, path := range []string{
			"/api/v1/sprints?soruce=jira",
			"/api/v1/sprints?state=bogus",
			"/api/v1/sprints?limit=1001",
			"/api/v1/sprints?cursor=garbage",
			"/api/v1/sprints/jira/S10?x=1",
			"/api/v1/scope-change?group_by=project", // not supported yet for sprints
			"/api/v1/durations?entity=ticket&group_by=board",
		} {
			v.do(t, "GET", path, read, 400)
		}
		v.do(t, "GET", "/api/v1/sprints/jira/NOPE", read, 404)
		v.do(t, "GET", "/api/v1/sprints", "", 401)

		// Every documented operation was exercised.
		for path, item := range v.doc.Paths.Map() {
			for method := range item.Operations() {
				if !v.hit[method+" "+path] {
					t.Errorf("%s %s was never validated", method, path)
				}
			}
		}
	})
}

// TestOpenAPIParameters holds the document's parameters to the route
// table: every operation documents exactly the query parameters the server
// takes (the server names them when it refuses an unknown one), and every
// parameter states the bound the server enforces: maxLength for strings,
// "at most N characters" for the others. A value one byte over is a 400
// naming the parameter; a value at the bound passes the check (the request
// then fails on an unknown parameter instead, before any handler runs, so
// no database is needed).
func TestOpenAPIParameters(t *testing.T) {
	doc := loadDoc(t)
	h := api.New(api.Options{Tokens: testTokens}).Handler()
	send := func(method, path string) (int, string) {
		t.Helper()
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("Authorization", "Bearer admin-token")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var eb struct {
			Error struct{ Message string } `json:"error"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &eb)
		return rec.Code, eb.Error.Message
	}
	charBound := regexp.MustCompile(`at most (\d+) characters`)
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			if path == "/metrics" {
				continue // passes its query through: scrapers add their own parameters
			}
			var params []*openapi3.Parameter
			for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
				params = append(params, p.Value)
			}
			// fill puts v in path parameter name (and "x" in the others).
			fill := func(name, v string) string {
				out := path
				for _, p := range params {
					if p.In == openapi3.ParameterInPath {
						val := "x"
						if p.Name == name {
							val = v
						}
						out = strings.ReplaceAll(out, "{"+p.Name+"}", url.PathEscape(val))
					}
				}
				return out
			}
			// The documented query parameters are the served ones.
			var documented []string
			for _, p := range params {
				if p.In == openapi3.ParameterInQuery {
					documented = append(documented, p.Name)
				}
			}
			sort.Strings(documented)
			status, msg := send(method, fill("", "")+"?zz_unknown=1")
			var served []string
			if allowed, ok := strings.CutPrefix(msg, "unknown parameter(s): zz_unknown (allowed: "); ok {
				served = strings.Split(strings.TrimSuffix(allowed, ")"), ", ")
			} else if msg != "unknown parameter(s): zz_unknown (this endpoint takes no query parameters)" {
				t.Errorf("%s %s?zz_unknown=1: %d %q, want a 400 naming the allowed parameters", method, path, status, msg)
				continue
			}
			sort.Strings(served)
			if !slices.Equal(documented, served) {
				t.Errorf("%s %s: documents query parameters %v, the server takes %v", method, path, documented, served)
			}

			for _, p := range params {
				where := fmt.Sprintf("%s %s %s (%s)", method, path, p.Name, p.In)
				var bound int
				switch s := p.Schema.Value; {
				case s.Type.Is("string"):
					if s.MaxLength == nil {
						t.Errorf("%s: no maxLength", where)
						continue
					}
					bound = int(*s.MaxLength)
				default:
					m := charBound.FindStringSubmatch(p.Description)
					if m == nil {
						t.Errorf("%s: a %v parameter whose description does not state \"at most N characters\"", where, s.Type)
						continue
					}
					bound, _ = strconv.Atoi(m[1])
				}
				at, over := strings.Repeat("1", bound), strings.Repeat("1", bound+1)
				overPath, atPath := fill("", "")+"?"+p.Name+"="+over, fill("", "")+"?"+p.Name+"="+at+"&zz_unknown=1"
				if p.In == openapi3.ParameterInPath {
					overPath, atPath = fill(p.Name, over), fill(p.Name, at)+"?zz_unknown=1"
				}
				want := fmt.Sprintf("parameter %s: %d bytes long; at most %d", p.Name, bound+1, bound)
				if status, msg := send(method, overPath); status != http.StatusBadRequest || msg != want {
					t.Errorf("%s: %d bytes: %d %q, want 400 %q", where, bound+1, status, msg, want)
				}
				if status, msg := send(method, atPath); status != http.StatusBadRequest || !strings.HasPrefix(msg, "unknown parameter(s): zz_unknown") {
					t.Errorf("%s: %d bytes: %d %q, want it to pass the bound", where, bound, status, msg)
				}
			}
		}
	}
}
