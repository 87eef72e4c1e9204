package dashboards

import (
	"regexp"
	"strings"
)

// builtins are the values Expand gives Grafana's built-in variables unless
// vars sets them: those of a one-hour range at a 15 s step, every one a
// valid PromQL duration or number.
var builtins = map[string]string{
	"__interval":         "15s",
	"__interval_ms":      "15000",
	"__rate_interval":    "1m",
	"__rate_interval_ms": "60000",
	"__range":            "1h",
	"__range_s":          "3600",
	"__range_ms":         "3600000",
}

// varRef matches Grafana's variable syntaxes: ${name}, ${name:format},
// [[name]], [[name:format]] and $name.
var varRef = regexp.MustCompile(`\$\{(\w+)(?:[:.][^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)`)

// Expand substitutes the dashboards' template variables and Grafana's
// built-ins ($__rate_interval, $__interval, $__range etc.) in expr: vars
// maps a variable name (without $) to its value; a variable not in vars
// takes its All value ".*". Values are used as given, so a multi-value
// selection is passed the way Grafana formats it for a regex matcher,
// e.g. "(acme|globex)". vars may also override the built-ins.
func Expand(expr string, vars map[string]string) string {
	return varRef.ReplaceAllStringFunc(expr, func(ref string) string {
		m := varRef.FindStringSubmatch(ref)
		name := m[1] + m[2] + m[3]
		if v, ok := vars[name]; ok {
			return v
		}
		if v, ok := builtins[name]; ok {
			return v
		}
		if strings.Trim(name, "0123456789") == "" {
			return ref // $1 in a label_replace replacement is not a variable
		}
		return allValue
	})
}
