package dashboards

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/runway-analytics/runway/api/gauges"
	"github.com/runway-analytics/runway/collector"
)

// designMetrics are the metric names DESIGN.md §8 requires, which the
// dashboards must all show.
var designMetrics = []string{
	"runway_milestone_due_timestamp_seconds",
	"runway_milestone_forecast_timestamp_seconds",
	"runway_milestone_slip_days",
	"runway_milestone_progress_ratio",
	"runway_milestone_open_issues",
	"runway_milestone_scope_change_ratio",
	"runway_sprint_scope_change_ratio",
	"runway_sprint_issues",
	"runway_tickets_open",
	"runway_ticket_resolution_hours",
	"runway_ticket_first_reply_hours",
	"runway_ticket_sla_breach_ratio",
	"runway_project_duration_days",
	"runway_project_expected_max_days",
	"runway_collector_last_success_timestamp_seconds",
	"runway_collector_run_duration_seconds",
	"runway_collector_runs_total",
	"runway_collector_requests_total",
	"runway_collector_rows_written_total",
	"runway_build_info",
}

var (
	metricToken = regexp.MustCompile(`\brunway_[a-z0-9_]+\b`)
	fqName      = regexp.MustCompile(`fqName: "([^"]+)"`)
	varLabels   = regexp.MustCompile(`variableLabels: \{([^}]*)\}`)
	// selector is a metric name with its label matchers.
	selector = regexp.MustCompile(`\b(runway_[a-z0-9_]+)\{([^}]*)\}`)
	matcher  = regexp.MustCompile(`(\w+)\s*(?:=~|!~|!=|=)`)
	grouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)`)
	// joined is a label made by label_join or label_replace.
	joined      = regexp.MustCompile(`label_(?:join|replace)\(.*?,\s*"(\w+)"`)
	legendLabel = regexp.MustCompile(`\{\{\s*(\w+)\s*\}\}`)
)

// exported returns every metric Runway serves with its label names: the
// business gauges and the collector health metrics as their collectors
// describe them, and the metrics cmd/runway defines itself
// (runway_build_info), read from its source.
func exported(t *testing.T) map[string][]string {
	t.Helper()
	rec := &recorder{metrics: map[string][]string{}}
	rec.MustRegister(gauges.New(nil, nil, nil, 0))
	collector.NewMetrics(rec)
	for name, labels := range definedIn(t, filepath.Join("..", "cmd", "runway")) {
		rec.metrics[name] = labels
	}
	return rec.metrics
}

// recorder is a prometheus.Registerer that keeps the name and labels of
// what its collectors describe.
type recorder struct{ metrics map[string][]string }

func (r *recorder) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc)
	go func() { c.Describe(ch); close(ch) }()
	for d := range ch {
		s := d.String()
		name, labels := fqName.FindStringSubmatch(s), varLabels.FindStringSubmatch(s)
		if name == nil || labels == nil {
			panic("unexpected prometheus.Desc format: " + s)
		}
		r.metrics[name[1]] = strings.FieldsFunc(labels[1], func(r rune) bool { return r == ',' || r == ' ' })
	}
	return nil
}

func (r *recorder) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		_ = r.Register(c)
	}
}

func (r *recorder) Unregister(prometheus.Collector) bool { return false }

// definedIn reads the metrics the non-test Go files of dir create with
// prometheus.New*(prometheus.*Opts{Name: ...}, []string{labels...}).
func definedIn(t *testing.T, dir string) map[string][]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			fn, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !strings.HasPrefix(fn.Sel.Name, "New") {
				return true
			}
			name := optsName(call.Args[0])
			if name == "" {
				return true
			}
			var labels []string
			if len(call.Args) > 1 {
				labels = stringList(call.Args[1])
			}
			out[name] = labels
			return true
		})
	}
	if len(out) == 0 {
		t.Fatalf("no metric defined in %s: has the wiring moved?", dir)
	}
	return out
}

// optsName is the Name of a prometheus.*Opts literal, "" if e is not one.
func optsName(e ast.Expr) string {
	lit, ok := e.(*ast.CompositeLit)
	if !ok {
		return ""
	}
	if sel, ok := lit.Type.(*ast.SelectorExpr); !ok || !strings.HasSuffix(sel.Sel.Name, "Opts") {
		return ""
	}
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if id, isID := kv.Key.(*ast.Ident); ok && isID && id.Name == "Name" {
			if s, ok := kv.Value.(*ast.BasicLit); ok {
				name, _ := strconv.Unquote(s.Value)
				return name
			}
		}
	}
	return ""
}

// stringList is the strings of a []string{...} literal.
func stringList(e ast.Expr) []string {
	lit, ok := e.(*ast.CompositeLit)
	if !ok {
		return nil
	}
	var out []string
	for _, el := range lit.Elts {
		if s, ok := el.(*ast.BasicLit); ok {
			v, _ := strconv.Unquote(s.Value)
			out = append(out, v)
		}
	}
	return out
}

// TestMetricsExist: every metric a panel or variable queries is one Runway
// exports, every label it matches, groups by or shows in a legend is one
// of those metrics' (or Prometheus's job and instance, or one the
// expression makes), and every metric of DESIGN §8 is on some dashboard.
func TestMetricsExist(t *testing.T) {
	metrics := exported(t)
	if len(metrics) < len(designMetrics) {
		t.Fatalf("only %d exported metrics found: %v", len(metrics), metrics)
	}
	shown := map[string]bool{}
	// check checks expr, and that the labels in need (a legend's, a
	// variable's) are on its metrics.
	check := func(where, expr string, need []string) {
		names := metricToken.FindAllString(expr, -1)
		if len(names) == 0 {
			t.Errorf("%s: %q queries no runway_ metric", where, expr)
		}
		known := map[string]bool{"job": true, "instance": true}
		for _, m := range joined.FindAllStringSubmatch(expr, -1) {
			known[m[1]] = true
		}
		for _, n := range names {
			labels, ok := metrics[n]
			if !ok {
				t.Errorf("%s: %s is not a metric Runway exports", where, n)
			}
			shown[n] = true
			for _, l := range labels {
				known[l] = true
			}
		}
		for _, s := range selector.FindAllStringSubmatch(expr, -1) {
			for _, m := range matcher.FindAllStringSubmatch(s[2], -1) {
				labels, ok := metrics[s[1]]
				if ok && !slices.Contains(labels, m[1]) && m[1] != "job" && m[1] != "instance" {
					t.Errorf("%s: %s has no label %s (it has %v)", where, s[1], m[1], labels)
				}
			}
		}
		used := need
		for _, g := range grouping.FindAllStringSubmatch(expr, -1) {
			used = append(used, strings.FieldsFunc(g[1], func(r rune) bool { return r == ',' || r == ' ' })...)
		}
		for _, l := range used {
			if !known[l] {
				t.Errorf("%s: label %s is on none of the metrics of %q", where, l, expr)
			}
		}
	}
	boards := committed(t)
	for _, name := range sortedNames(boards) {
		d := boards[name]
		for _, p := range d.allPanels() {
			for _, q := range p.Targets {
				var legend []string
				for _, m := range legendLabel.FindAllStringSubmatch(q.LegendFormat, -1) {
					legend = append(legend, m[1])
				}
				check(name+" panel "+strconv.Quote(p.Title), q.Expr, legend)
			}
		}
		for _, v := range d.Templating.List[1:] {
			q, _ := v.Query.(string)
			m := labelValuesArg.FindStringSubmatch(q)
			if m == nil {
				t.Errorf("%s: variable %s: query %q is not label_values(selector, label)", name, v.Name, q)
				continue
			}
			check(name+" variable "+v.Name, m[1], []string{m[2]})
		}
	}
	for _, m := range designMetrics {
		if _, ok := metrics[m]; !ok {
			t.Errorf("DESIGN §8 metric %s is not exported", m)
		}
		if !shown[m] {
			t.Errorf("DESIGN §8 metric %s is on no dashboard", m)
		}
	}
}
