package dashboards

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// labelValuesArg splits a label_values(selector, label) variable query.
var labelValuesArg = regexp.MustCompile(`^label_values\((.*),\s*(\w+)\)$`)

// TestPromQLParses runs promtool check rules over every panel expression,
// and every variable query's selector, expanded once with every variable
// at All and once with chosen values, as recording rules: promtool parses
// them with Prometheus's own parser.
func TestPromQLParses(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool not found (Debian package prometheus; make deps installs it)")
	}
	chosen := map[string]string{"source": "acme-jira", "project": "(platform|tools/cli)", "board": "12",
		"priority": "urgent", "__range": "30d", "__rate_interval": "2m"}
	type rule struct {
		Record string `json:"record"`
		Expr   string `json:"expr"`
	}
	type group struct {
		Name  string `json:"name"`
		Rules []rule `json:"rules"`
	}
	var groups []group
	var where []string // where[i]: the dashboard part behind rule i
	add := func(g *group, what, expr string) {
		g.Rules = append(g.Rules, rule{Record: fmt.Sprintf("runway_dashboard:rule_%d", len(where)), Expr: expr})
		where = append(where, what+": "+expr)
	}
	boards := committed(t)
	for _, name := range sortedNames(boards) {
		d := boards[name]
		for i, vars := range []map[string]string{nil, chosen} {
			g := group{Name: fmt.Sprintf("%s-%d", d.UID, i)}
			for _, p := range d.allPanels() {
				for _, q := range p.Targets {
					add(&g, fmt.Sprintf("%s panel %q %s", name, p.Title, q.RefID), Expand(q.Expr, vars))
				}
			}
			for _, v := range d.Templating.List[1:] {
				q, _ := v.Query.(string)
				m := labelValuesArg.FindStringSubmatch(q)
				if m == nil {
					t.Errorf("%s: variable %s: query %q is not label_values(selector, label)", name, v.Name, q)
					continue
				}
				add(&g, fmt.Sprintf("%s variable %s", name, v.Name), Expand(m[1], vars))
			}
			groups = append(groups, g)
		}
	}
	// JSON is YAML: promtool reads the file as is.
	data, err := json.MarshalIndent(map[string]any{"groups": groups}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "dashboards.rules.yml")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, promtool, "check", "rules", file).CombinedOutput()
	if err != nil {
		t.Errorf("promtool check rules: %v\n%s", err, out)
		for i, w := range where {
			if strings.Contains(string(out), fmt.Sprintf(`"runway_dashboard:rule_%d"`, i)) {
				t.Errorf("rule_%d is %s", i, w)
			}
		}
	}
	if want := fmt.Sprintf("SUCCESS: %d rules found", len(where)); err == nil && !strings.Contains(string(out), want) {
		t.Errorf("promtool check rules said %q, want %q", out, want)
	}
}
