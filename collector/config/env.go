package config

import (
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// EnvPrefix starts every override variable.
const EnvPrefix = "RUNWAY_"

// envRoot is the variable name of the whole config, which every setting's
// name extends (RUNWAY + _API + _LISTEN).
const envRoot = "RUNWAY"

// Env is the environment the config reads: RUNWAY_* overrides and the
// variables token_env fields name. It lists its names as well as looking
// them up, so that a RUNWAY_* variable naming no setting is reported
// rather than ignored.
type Env interface {
	Lookup(name string) (value string, ok bool)
	Names() []string
}

// OSEnv is the process environment.
func OSEnv() Env { return osEnv{} }

type osEnv struct{}

func (osEnv) Lookup(name string) (string, bool) { return os.LookupEnv(name) }

func (osEnv) Names() []string {
	var names []string
	for _, kv := range os.Environ() {
		// Windows lists per-drive entries such as "=C:=C:\x": no name.
		if name, _, ok := strings.Cut(kv, "="); ok && name != "" {
			names = append(names, name)
		}
	}
	return names
}

// MapEnv is an environment holding exactly its entries (tests, or a
// program that builds its environment).
type MapEnv map[string]string

func (m MapEnv) Lookup(name string) (string, bool) { v, ok := m[name]; return v, ok }
func (m MapEnv) Names() []string                   { return slices.Collect(maps.Keys(m)) }

// notSettings are the RUNWAY_* variables that are not config settings but
// belong in a Runway environment, so are not reported as naming no
// setting. Keep this the only such list.
var notSettings = map[string]string{
	"RUNWAY_CONFIG":             "names the config file when --config is not given; cmd/runway reads it before Load",
	"RUNWAY_TEST_NOW":           "pins the clock of the test suite (collector/collectortest); never read by a running Runway",
	"RUNWAY_CACHE_DIR":          "where the Makefile and the embedded store's loader (warehouse) cache libchdb",
	"RUNWAY_DEMO_JIRA_TOKEN":    "token_env of runway demo's simulated Jira source; the demo holds that token itself and never reads the variable",
	"RUNWAY_DEMO_GITHUB_TOKEN":  "token_env of runway demo's simulated GitHub source; the demo holds that token itself and never reads the variable",
	"RUNWAY_DEMO_GITLAB_TOKEN":  "token_env of runway demo's simulated GitLab source; the demo holds that token itself and never reads the variable",
	"RUNWAY_DEMO_ZENDESK_TOKEN": "token_env of runway demo's simulated Zendesk source; the demo holds that token itself and never reads the variable",
}

// applyEnv overrides config values from environment variables named after
// their YAML path: api.listen → RUNWAY_API_LISTEN, storage.dsn →
// RUNWAY_STORAGE_DSN, sources[0].base_url → RUNWAY_SOURCES_0_BASE_URL,
// sla.urgent → RUNWAY_SLA_URGENT. Lists of scalars are comma-separated.
// Variables can also add what the file lacks: list entries past the file's
// last one (RUNWAY_API_TOKENS_0_NAME with no tokens in the file; indexes
// continue without gaps) and SLA priorities, so a deployment can be
// configured from the environment alone.
//
// A source's own keys depend on its type, so the walk learns the type first
// (from the file or RUNWAY_SOURCES_<i>_TYPE), then sets the type's settings
// (RUNWAY_SOURCES_0_PROJECTS for a jira source). A source whose type changes
// here has the file's keys decoded again, for the new type.
//
// A RUNWAY_* variable that names no setting is an error, not a warning: a
// typo (RUNWAY_STORAGE_DSNN) or a list index past the end would otherwise
// run Runway silently on a default, such as the default store. Exempt are
// notSettings and the variables a token_env of the resulting config names
// (token_env: RUNWAY_READ_TOKEN). Errors name variables, never values of
// unknown ones.
func applyEnv(cfg *Config, env Env, types SourceTypes) error {
	if env == nil {
		env = OSEnv()
	}
	w := envWalk{vars: map[string]string{}, types: types}
	for _, name := range env.Names() {
		if strings.HasPrefix(name, EnvPrefix) {
			if v, ok := env.Lookup(name); ok {
				w.vars[name] = v
			}
		}
	}
	root := reflect.ValueOf(cfg).Elem()
	w.walk(root, envRoot)

	referenced := map[string]bool{}
	for _, t := range cfg.API.Tokens {
		referenced[t.TokenEnv] = true
	}
	for _, s := range cfg.Sources {
		referenced[s.TokenEnv] = true
	}
	for _, name := range slices.Sorted(maps.Keys(w.vars)) {
		if _, ok := notSettings[name]; ok || referenced[name] {
			continue
		}
		w.probs.add("%s: no such setting (%s)", bare(name), w.explain(root, envRoot, "", name))
	}
	return w.probs.err()
}

// ApplyEnv is applyEnv for callers that build a Config in code (runway demo);
// types are the source types the build knows, as for Load.
func ApplyEnv(cfg *Config, env Env, types SourceTypes) error { return applyEnv(cfg, env, types) }

// mapKeys are the keys a map may gain from the environment alone; the only
// map in the config is sla, keyed by priority.
var mapKeys = Priorities

// envWalk applies RUNWAY_* variables to a config, taking each variable a
// setting uses out of vars, so what is left names no setting.
type envWalk struct {
	vars  map[string]string
	types SourceTypes
	probs problems
}

func (w *envWalk) take(name string) (string, bool) {
	v, ok := w.vars[name]
	if ok {
		delete(w.vars, name)
	}
	return v, ok
}

// walk applies the variables below v, named name, and reports whether any
// was there (a bad value counts: it is reported, not ignored).
func (w *envWalk) walk(v reflect.Value, name string) bool {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == sourceType {
			return w.walkSource(v, name)
		}
		return w.walkFields(v, name)
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.Struct {
			break
		}
		found := false
		for i := range v.Len() {
			if w.walk(v.Index(i), fmt.Sprintf("%s_%d", name, i)) {
				found = true
			}
		}
		// Entries beyond the file's: append while variables name the next
		// index. Each round takes a variable, so this ends.
		for i := v.Len(); ; i++ {
			elem := reflect.New(v.Type().Elem()).Elem()
			if !w.walk(elem, fmt.Sprintf("%s_%d", name, i)) {
				break
			}
			v.Set(reflect.Append(v, elem))
			found = true
		}
		return found
	case reflect.Map:
		found := false
		for _, k := range mapKeysOf(v) {
			varName := name + "_" + strings.ToUpper(k)
			s, ok := w.take(varName)
			if !ok {
				continue
			}
			found = true
			elem := reflect.New(v.Type().Elem()).Elem()
			if err := setScalar(elem, s); err != nil {
				w.probs.add("%s: %v", varName, err)
				continue
			}
			if v.IsNil() {
				v.Set(reflect.MakeMap(v.Type()))
			}
			v.SetMapIndex(reflect.ValueOf(k), elem)
		}
		return found
	}
	s, ok := w.take(name)
	if !ok {
		return false
	}
	if err := setScalar(v, s); err != nil {
		w.probs.add("%s: %v", name, err)
	}
	return true
}

// walkFields walks the fields of struct v.
func (w *envWalk) walkFields(v reflect.Value, name string) bool {
	found := false
	for i, tag := range yamlFields(v.Type()) {
		if tag != "" && w.walk(v.Field(i), name+"_"+strings.ToUpper(tag)) {
			found = true
		}
	}
	return found
}

// walkSource walks a source (v, addressable): the common keys, the type
// among them, then the settings of the type it has now.
func (w *envWalk) walkSource(v reflect.Value, name string) bool {
	found := w.walkFields(v, name)
	s := v.Addr().Interface().(*Source)
	w.settle(s)
	if set := settingsStruct(s.Settings); set.IsValid() && w.walkFields(set, name) {
		found = true
	}
	return found
}

// settle gives s the settings of its type: kept when it has them already,
// else the type's defaults with the file's keys decoded into them. A
// source of no known type has none.
func (w *envWalk) settle(s *Source) {
	newSettings, ok := w.types[s.Type]
	if !ok {
		s.Settings = nil
		return
	}
	set := newSettings()
	if s.Settings != nil && reflect.TypeOf(s.Settings) == reflect.TypeOf(set) {
		return
	}
	for _, p := range decodeSettings(s.raw, set, s.Type) {
		w.probs.add("%s", yamlProblem(p))
	}
	s.Settings = set
}

// setting is one key of a struct and the value it sets.
type setting struct {
	key string
	v   reflect.Value
}

// settingsOf are the settings of struct v by YAML key: its fields, and for
// a Source then those of its type's settings.
func settingsOf(v reflect.Value) []setting {
	var out []setting
	for i, tag := range yamlFields(v.Type()) {
		if tag != "" {
			out = append(out, setting{tag, v.Field(i)})
		}
	}
	if v.Type() == sourceType {
		if set := settingsStruct(v.Interface().(Source).Settings); set.IsValid() {
			out = append(out, settingsOf(set)...)
		}
	}
	return out
}

// yamlFields are the YAML keys of a struct's fields by index ("" for a
// field not in YAML, such as a resolved secret).
func yamlFields(t reflect.Type) []string {
	tags := make([]string, t.NumField())
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag != "-" {
			tags[i] = tag
		}
	}
	return tags
}

// mapKeysOf are the keys a map takes variables for: mapKeys, then the
// map's own (from the file) in order.
func mapKeysOf(v reflect.Value) []string {
	keys := slices.Clone(mapKeys)
	var own []string
	for _, k := range v.MapKeys() {
		if !slices.Contains(keys, k.String()) {
			own = append(own, k.String())
		}
	}
	slices.Sort(own)
	return append(keys, own...)
}

// explain says why name, a variable no setting took, names none. v is the
// config below prefix (RUNWAY_…), whose YAML path is path, after the
// environment was applied (so lists have their final lengths).
func (w *envWalk) explain(v reflect.Value, prefix, path, name string) string {
	what := path
	if what == "" {
		what = "the config"
	}
	switch v.Kind() {
	case reflect.Struct:
		fields := settingsOf(v)
		keys := make([]string, len(fields))
		for i, f := range fields {
			keys[i] = f.key
		}
		if name == prefix {
			return fmt.Sprintf("%s is not a single setting: name one in it, e.g. %s_%s", what, prefix, strings.ToUpper(keys[0]))
		}
		for _, f := range fields {
			field := prefix + "_" + strings.ToUpper(f.key)
			if !isLeaf(f.v) && (name == field || strings.HasPrefix(name, field+"_")) {
				return w.explain(f.v, field, joinPath(path, f.key), name)
			}
			if isLeaf(f.v) && strings.HasPrefix(name, field+"_") {
				if f.v.Kind() == reflect.Slice {
					return fmt.Sprintf("did you mean %s? it takes a comma-separated list", field)
				}
				return fmt.Sprintf("did you mean %s?", field)
			}
		}
		rest := strings.TrimPrefix(name, prefix+"_")
		if s := suggest(fields, prefix, rest, keys); s != "" {
			return "did you mean " + s + "?"
		}
		if v.Type() == sourceType {
			return w.explainSource(v.Interface().(Source), prefix, what, rest, keys)
		}
		return fmt.Sprintf("%s has: %s", what, strings.Join(keys, ", "))
	case reflect.Slice:
		first := strings.ToUpper(yamlFields(v.Type().Elem())[0])
		list := fmt.Sprintf("%s is a list: %s_<index>_<FIELD>, e.g. %s_0_%s", what, prefix, prefix, first)
		if name == prefix {
			return list
		}
		idx, tail, _ := strings.Cut(strings.TrimPrefix(name, prefix+"_"), "_")
		if idx == "" || strings.Trim(idx, "0123456789") != "" {
			return list
		}
		if len(idx) > 1 && idx[0] == '0' {
			fixed := strings.TrimLeft(idx, "0")
			if fixed == "" {
				fixed = "0"
			}
			if tail != "" {
				fixed += "_" + tail
			}
			return fmt.Sprintf("list indexes have no leading zeros: %s", bare(prefix+"_"+fixed))
		}
		n, err := strconv.Atoi(idx)
		if err == nil && n == v.Len() && tail != "" {
			// The next entry: none of its settings took a variable, so
			// explain against an empty one.
			return w.explain(reflect.New(v.Type().Elem()).Elem(), prefix+"_"+idx, fmt.Sprintf("%s[%d]", path, n), name)
		}
		if err != nil || n >= v.Len() {
			entries := "entries"
			if v.Len() == 1 {
				entries = "entry"
			}
			return fmt.Sprintf("%s has %d %s from the file and environment, so the next is %s_%d_*; indexes count from 0 without gaps",
				what, v.Len(), entries, prefix, v.Len())
		}
		return w.explain(v.Index(n), prefix+"_"+idx, fmt.Sprintf("%s[%d]", path, n), name)
	case reflect.Map:
		keys := mapKeysOf(v)
		if name == prefix {
			return fmt.Sprintf("%s is not a single setting: name one in it, e.g. %s_%s", what, prefix, strings.ToUpper(keys[0]))
		}
		if s := suggest(nil, prefix, strings.TrimPrefix(name, prefix+"_"), keys); s != "" {
			return "did you mean " + s + "?"
		}
		return fmt.Sprintf("%s has: %s", what, strings.Join(keys, ", "))
	}
	return "not a setting" // a leaf's own variable is always taken
}

// explainSource says why rest (what follows the source's prefix) names no
// setting of source s, whose settings keys are: its type has no such key,
// or it has no (known) type whose key it could be.
func (w *envWalk) explainSource(s Source, prefix, what, rest string, keys []string) string {
	if s.Settings != nil {
		return fmt.Sprintf("%s (type %s) has: %s", what, s.Type, strings.Join(keys, ", "))
	}
	var owners []string // the known types that have such a key
	for _, t := range w.types.Names() {
		set := settingsStruct(w.types[t]())
		if !set.IsValid() {
			continue
		}
		for _, f := range settingsOf(set) {
			if k := strings.ToUpper(f.key); rest == k || strings.HasPrefix(rest, k+"_") {
				owners = append(owners, t)
				break
			}
		}
	}
	var why string
	if s.Type == "" {
		why = fmt.Sprintf("%s has no type, so only the keys every source has: %s", what, strings.Join(keys, ", "))
	} else {
		why = fmt.Sprintf("%s has type %s, which is not known (%s), so only the keys every source has: %s",
			what, quote(s.Type), w.types.oneOf(), strings.Join(keys, ", "))
	}
	if len(owners) > 0 {
		why += fmt.Sprintf("; %s is a key of type %s: set %s_TYPE (or type: in the file)",
			bare(strings.ToLower(rest)), strings.Join(owners, ", "), prefix)
	}
	return why
}

// isLeaf reports whether a value is one setting (a scalar, or a
// comma-separated list of them).
func isLeaf(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Struct, reflect.Map:
		return false
	case reflect.Slice:
		return v.Type().Elem().Kind() != reflect.Struct
	}
	return true
}

// suggest is the variable a mistyped rest (what follows prefix_) most
// likely meant, among keys (a struct's fields, else a map's keys), or "". A key of k
// words is compared with rest's first k words, and the rest is kept
// (RUNWAY_SOURCE_0_NAME → RUNWAY_SOURCES_0_NAME).
func suggest(fields []setting, prefix, rest string, keys []string) string {
	if len(rest) > 100 {
		return ""
	}
	words := strings.Split(rest, "_")
	best, bestDist := "", 3
	for _, key := range keys {
		upper := strings.ToUpper(key)
		k := strings.Count(upper, "_") + 1
		leaf := true
		if i := slices.IndexFunc(fields, func(f setting) bool { return f.key == key }); i >= 0 {
			leaf = isLeaf(fields[i].v)
		}
		var typed, tail string
		switch {
		case leaf:
			typed = rest // a leaf has nothing after it
		case len(words) > k:
			typed, tail = strings.Join(words[:k], "_"), "_"+strings.Join(words[k:], "_")
		default:
			typed = rest
		}
		d := editDistance(typed, upper)
		if d == 0 || d > max(1, min(2, len(upper)/3)) || d >= bestDist {
			continue
		}
		best, bestDist = prefix+"_"+upper+tail, d
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, by bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func setScalar(v reflect.Value, s string) error {
	if v.Type() == reflect.TypeFor[Span]() {
		d, err := parseSpan(s)
		if err != nil {
			return err
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%s is not an integer", quote(s))
		}
		v.SetInt(n)
	case reflect.Float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("%s is not a number", quote(s))
		}
		v.SetFloat(f)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%s is not a boolean", quote(s))
		}
		v.SetBool(b)
	case reflect.Slice:
		var parts []string
		if strings.TrimSpace(s) != "" {
			parts = strings.Split(s, ",")
		}
		out := reflect.MakeSlice(v.Type(), len(parts), len(parts))
		for i, p := range parts {
			if err := setScalar(out.Index(i), strings.TrimSpace(p)); err != nil {
				return err
			}
		}
		v.Set(out)
	default:
		return fmt.Errorf("cannot set %s from the environment", v.Type())
	}
	return nil
}
