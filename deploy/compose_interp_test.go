package deploy_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Compose's variable interpolation, enough to read docker-compose.yml as
// `docker compose config` would: $$, $VAR, ${VAR}, ${VAR:-default},
// ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, ${VAR+alt}.
// Values are interpolated, keys are not, comments never.

var varRE = regexp.MustCompile(`\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))`)

// composeVar is one reference to a variable.
type composeVar struct {
	Name     string
	Required bool // ${VAR?...} or ${VAR:?...}: compose refuses to run without it
}

// interpolate expands s with env, returning the references it found and
// the errors compose would report.
func interpolate(s string, env map[string]string) (string, []composeVar, []string) {
	var refs []composeVar
	var errs []string
	out := varRE.ReplaceAllStringFunc(s, func(m string) string {
		g := varRE.FindStringSubmatch(m)
		if g[1] == "$" {
			return "$"
		}
		name, op, arg := g[2], g[3], g[4]
		if name == "" {
			name = g[5]
		}
		v, set := env[name]
		nonEmpty := set && v != ""
		refs = append(refs, composeVar{Name: name, Required: strings.HasSuffix(op, "?")})
		switch op {
		case ":-":
			if !nonEmpty {
				return arg
			}
		case "-":
			if !set {
				return arg
			}
		case ":?", "?":
			if (op == ":?" && !nonEmpty) || (op == "?" && !set) {
				errs = append(errs, fmt.Sprintf("%s: %s", name, arg))
			}
		case ":+":
			if nonEmpty {
				return arg
			}
			return ""
		case "+":
			if set {
				return arg
			}
			return ""
		}
		return v
	})
	return out, refs, errs
}

// interpolateNode interpolates every scalar value under n in place.
func interpolateNode(n *yaml.Node, env map[string]string) (refs []composeVar, errs []string) {
	switch n.Kind {
	case yaml.ScalarNode:
		v, r, e := interpolate(n.Value, env)
		n.Value = v
		return r, e
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			r, e := interpolateNode(n.Content[i], env)
			refs, errs = append(refs, r...), append(errs, e...)
		}
	default:
		for _, c := range n.Content {
			r, e := interpolateNode(c, env)
			refs, errs = append(refs, r...), append(errs, e...)
		}
	}
	return refs, errs
}

func TestInterpolate(t *testing.T) {
	env := map[string]string{"A": "a", "E": ""}
	for in, want := range map[string]string{
		"$$A":            "$A",
		"x${A}y":         "xay",
		"$A/$B":          "a/",
		"${B:-d}${E:-d}": "dd",
		"${B-d}${E-d}":   "d",
		"${A:+y}${E:+y}": "y",
		"${A+y}${E+y}":   "yy",
		"${A:?no}":       "a",
	} {
		if got, _, errs := interpolate(in, env); got != want || len(errs) > 0 {
			t.Errorf("interpolate(%q) = %q %v, want %q", in, got, errs, want)
		}
	}
	if _, refs, errs := interpolate("${E:?set E}${B?set B}${E?fine}", env); len(errs) != 2 || len(refs) != 3 || !refs[0].Required {
		t.Errorf("required variables: errors %v, references %v", errs, refs)
	}
}
