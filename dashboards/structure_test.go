package dashboards

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	sdk "github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// wantUIDs pins each file's uid: links, bookmarks and provisioning refer
// to dashboards by uid, so changing one breaks them.
var wantUIDs = map[string]string{
	"overview.json":   "runway-overview",
	"milestones.json": "runway-milestones",
	"sprints.json":    "runway-sprints",
	"support.json":    "runway-support",
	"collectors.json": "runway-collectors",
}

const dsRef = "${datasource}"

// committed parses every committed dashboard, by file name.
func committed(t *testing.T) map[string]board {
	t.Helper()
	out := map[string]board{}
	for name, data := range Files() {
		var d board
		if err := json.Unmarshal(data, &d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = d
	}
	return out
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func TestUIDsStableAndUnique(t *testing.T) {
	boards := committed(t)
	if got, want := sortedNames(boards), sortedNames(wantUIDs); !slices.Equal(got, want) {
		t.Fatalf("dashboard files %v, want %v", got, want)
	}
	seen := map[string]string{}
	for name, d := range boards {
		if d.UID != wantUIDs[name] {
			t.Errorf("%s: uid %q, want %q", name, d.UID, wantUIDs[name])
		}
		if other, dup := seen[d.UID]; dup {
			t.Errorf("%s and %s share uid %q", name, other, d.UID)
		}
		seen[d.UID] = name
	}
}

// TestDashboardBasics: tags, the SDK's schema version, a title, panel ids
// unique within a dashboard, every panel with queries and unique refIds.
func TestDashboardBasics(t *testing.T) {
	schema := sdk.NewDashboard().SchemaVersion
	for name, data := range Files() {
		var head struct {
			Title         string   `json:"title"`
			Tags          []string `json:"tags"`
			SchemaVersion int      `json:"schemaVersion"`
		}
		if err := json.Unmarshal(data, &head); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(head.Tags, "runway") || head.Title == "" || head.SchemaVersion != int(schema) {
			t.Errorf("%s: title %q, tags %v, schemaVersion %d; want a title, tag runway, schemaVersion %d",
				name, head.Title, head.Tags, head.SchemaVersion, schema)
		}
	}
	for name, d := range committed(t) {
		ids := map[int]bool{}
		for _, p := range d.allPanels() {
			if p.ID == 0 || ids[p.ID] {
				t.Errorf("%s: panel %q has id %d: want unique, non-zero ids", name, p.Title, p.ID)
			}
			ids[p.ID] = true
			if p.Type == "row" {
				continue
			}
			if p.Title == "" || len(p.Targets) == 0 {
				t.Errorf("%s: panel %d (%q) has %d queries, want a title and at least one", name, p.ID, p.Title, len(p.Targets))
			}
			refs := map[string]bool{}
			for _, q := range p.Targets {
				if q.RefID == "" || refs[q.RefID] || strings.TrimSpace(q.Expr) == "" {
					t.Errorf("%s: panel %q: target %q: want a unique refId and an expression", name, p.Title, q.RefID)
				}
				refs[q.RefID] = true
			}
		}
	}
}

// TestDatasourceVariable: every panel, target and query variable reads the
// datasource variable, and no datasource reference anywhere in the files
// names a fixed data source.
func TestDatasourceVariable(t *testing.T) {
	for name, d := range committed(t) {
		vars := d.Templating.List
		if len(vars) == 0 || vars[0].Name != datasourceVar || vars[0].Type != "datasource" || vars[0].Query != "prometheus" {
			t.Errorf("%s: first variable %+v, want the datasource variable of type prometheus", name, vars)
		}
		for _, v := range vars[1:] {
			if v.Datasource == nil || v.Datasource.UID != dsRef {
				t.Errorf("%s: variable %s: datasource %+v, want %s", name, v.Name, v.Datasource, dsRef)
			}
		}
		for _, p := range d.allPanels() {
			if p.Type == "row" {
				continue
			}
			if p.Datasource == nil || p.Datasource.UID != dsRef {
				t.Errorf("%s: panel %q: datasource %+v, want %s", name, p.Title, p.Datasource, dsRef)
			}
			for _, q := range p.Targets {
				if q.Datasource == nil || q.Datasource.UID != dsRef {
					t.Errorf("%s: panel %q target %s: datasource %+v, want %s", name, p.Title, q.RefID, q.Datasource, dsRef)
				}
			}
		}
	}
	// Every "datasource" object anywhere (annotations, rows, overrides...).
	for name, data := range Files() {
		var doc any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		for _, ref := range datasourceRefs(doc, name) {
			t.Error(ref)
		}
	}
}

// datasourceRefs returns a complaint for each datasource object under v
// that is not the datasource variable.
func datasourceRefs(v any, path string) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, c := range v {
			if k == "datasource" {
				ref, _ := c.(map[string]any)
				if ref["uid"] != dsRef || ref["type"] != "prometheus" {
					out = append(out, fmt.Sprintf("%s.datasource = %v, want {type: prometheus, uid: %s}", path, c, dsRef))
				}
				continue
			}
			out = append(out, datasourceRefs(c, path+"."+k)...)
		}
	case []any:
		for i, c := range v {
			out = append(out, datasourceRefs(c, fmt.Sprintf("%s[%d]", path, i))...)
		}
	}
	return out
}

// TestQueryVariables: the query variables are multi-value with an All of
// ".*" over label_values, each defined before the variables whose queries
// use it, each used by some panel, and every variable a panel or a
// variable uses is defined.
func TestQueryVariables(t *testing.T) {
	for name, d := range committed(t) {
		defined := map[string]bool{datasourceVar: true}
		for _, v := range d.Templating.List[1:] {
			q, _ := v.Query.(string)
			if v.Type != "query" || !v.Multi || !v.IncludeAll || v.AllValue != allValue || !strings.HasPrefix(q, "label_values(") {
				t.Errorf("%s: variable %s = %+v, want a multi-value label_values query variable with All = %q", name, v.Name, v, allValue)
			}
			for _, ref := range userRefs(q) {
				if !defined[ref] {
					t.Errorf("%s: variable %s uses $%s, not defined before it", name, v.Name, ref)
				}
			}
			defined[v.Name] = true
		}
		used := map[string]bool{}
		for _, p := range d.allPanels() {
			for _, ref := range userRefs(p.Title) {
				used[ref] = true
			}
			for _, q := range p.Targets {
				for _, ref := range userRefs(q.Expr) {
					used[ref] = true
				}
			}
		}
		for ref := range used {
			if !defined[ref] {
				t.Errorf("%s: panels use $%s, which the dashboard does not define", name, ref)
			}
		}
		for _, v := range d.Templating.List[1:] {
			if !used[v.Name] {
				t.Errorf("%s: variable %s is used by no panel", name, v.Name)
			}
		}
	}
}

// userRefs returns the dashboard variables s refers to, Grafana's
// built-ins ($__range...) left out.
func userRefs(s string) []string {
	var out []string
	for _, m := range varRef.FindAllStringSubmatch(s, -1) {
		name := m[1] + m[2] + m[3]
		if !strings.HasPrefix(name, "__") && strings.Trim(name, "0123456789") != "" {
			out = append(out, name)
		}
	}
	return out
}

// TestQueries: Queries lists every target of the committed dashboards,
// files in name order, panels in layout order.
func TestQueries(t *testing.T) {
	qs, err := Queries()
	if err != nil {
		t.Fatal(err)
	}
	targets := 0
	for _, data := range Files() {
		targets += strings.Count(string(data), `"refId":`)
	}
	if len(qs) != targets {
		t.Errorf("Queries() = %d queries, the files have %d targets", len(qs), targets)
	}
	var order []string
	for _, q := range qs {
		if len(order) == 0 || order[len(order)-1] != q.Dashboard {
			order = append(order, q.Dashboard)
		}
	}
	if want := []string{"runway-collectors", "runway-milestones", "runway-overview", "runway-sprints", "runway-support"}; !slices.Equal(order, want) {
		t.Errorf("Queries() dashboards in order %v, want %v", order, want)
	}
	first := Query{Dashboard: "runway-collectors", Panel: "Since last success", RefID: "A",
		Expr: `time() - runway_collector_last_success_timestamp_seconds{source=~"$source"}`}
	if len(qs) == 0 || qs[0] != first {
		t.Errorf("first query %+v, want %+v", qs[:min(1, len(qs))], first)
	}
}
