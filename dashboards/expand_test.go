package dashboards

import "testing"

func TestExpand(t *testing.T) {
	chosen := map[string]string{"source": "acme-jira", "project": "(platform|ops)", "__range": "7d"}
	for _, c := range []struct {
		in   string
		vars map[string]string
		want string
	}{
		{`runway_x{source=~"$source"}`, chosen, `runway_x{source=~"acme-jira"}`},
		{`runway_x{source=~"${source}", project=~"[[project]]"}`, chosen, `runway_x{source=~"acme-jira", project=~"(platform|ops)"}`},
		{`runway_x{source=~"${source:regex}"}`, chosen, `runway_x{source=~"acme-jira"}`},
		// Not in vars: the All value.
		{`runway_x{board=~"$board", priority=~"${priority}"}`, chosen, `runway_x{board=~".*", priority=~".*"}`},
		{`runway_x{source=~"$source"}`, nil, `runway_x{source=~".*"}`},
		// A longer name is another variable, not $source followed by text.
		{`runway_x{a=~"$sources"}`, chosen, `runway_x{a=~".*"}`},
		// Built-ins, and vars overriding one.
		{`rate(x[$__rate_interval]) + increase(x[$__interval]) + changes(x[$__range])`, nil,
			`rate(x[1m]) + increase(x[15s]) + changes(x[1h])`},
		{`changes(x[$__range])`, chosen, `changes(x[7d])`},
		{`$__range_s + $__range_ms + $__interval_ms + $__rate_interval_ms`, nil, `3600 + 3600000 + 15000 + 60000`},
		// A regex back-reference is left alone.
		{`label_replace(x, "a", "$1", "b", "(.*)")`, chosen, `label_replace(x, "a", "$1", "b", "(.*)")`},
		{`no variables`, chosen, `no variables`},
	} {
		if got := Expand(c.in, c.vars); got != c.want {
			t.Errorf("Expand(%q, %v) = %q, want %q", c.in, c.vars, got, c.want)
		}
	}
}
