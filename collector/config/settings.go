package config

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Settings are the keys one source type owns (Jira's email, projects and
// boards, say), decoded from the source's YAML mapping beside the common
// keys of Source. The config package knows no source type: a build passes
// the types it has to Load as SourceTypes.
//
// A Settings value is a pointer to a struct whose fields carry yaml tags.
// The loader decodes the type's keys into it strictly (a key neither common
// nor the type's is an error naming it and its line), and RUNWAY_* variables
// set its fields like any other setting (sources[0].projects →
// RUNWAY_SOURCES_0_PROJECTS). Its keys must differ from the common ones
// (CommonKeys), which always go to Source.
type Settings interface {
	// Validate reports what is wrong, each problem starting with the key
	// it is about ("boards: bad board id 0"); the loader prefixes the
	// source's path (sources[0].boards: …).
	Validate() []string
}

// SourceTypes are the source types a build knows, by the name a source's
// type: gives, each with a constructor of its settings holding their
// defaults (a new value on every call).
type SourceTypes map[string]func() Settings

// Names are the type names, sorted.
func (t SourceTypes) Names() []string {
	names := make([]string, 0, len(t))
	for n := range t {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// oneOf is the list of known types for messages.
func (t SourceTypes) oneOf() string {
	if len(t) == 0 {
		return "this build knows no source type"
	}
	return "want one of " + strings.Join(t.Names(), ", ")
}

var sourceType = reflect.TypeFor[Source]()

// CommonKeys are the keys every source has, whatever its type: Source's.
func CommonKeys() []string { return slices.Clone(commonKeys) }

var commonKeys = func() []string {
	var keys []string
	for _, tag := range yamlFields(sourceType) {
		if tag != "" {
			keys = append(keys, tag)
		}
	}
	return keys
}()

// plainSource is Source without its UnmarshalYAML, to decode the common
// keys with.
type plainSource Source

// UnmarshalYAML decodes the common keys of a source's mapping and keeps the
// others for the source's type, which decodes them once the type is known:
// in Parse when the mapping names a known type, else when the environment
// gives the type (RUNWAY_SOURCES_0_TYPE). Problems with the common keys are
// reported by Parse, with those of the type's keys.
func (s *Source) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return n.Decode((*plainSource)(s)) // yaml's own "cannot unmarshal" error
	}
	pairs, probs := mappingPairs(n)
	common := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column}
	rest := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column}
	for _, p := range pairs {
		to := rest
		if p.key.Kind == yaml.ScalarNode && slices.Contains(commonKeys, p.key.Value) {
			to = common
		}
		to.Content = append(to.Content, p.key, p.value)
	}
	if err := common.Decode((*plainSource)(s)); err != nil {
		probs = append(probs, typeErrors(err)...)
	}
	s.raw = nil
	if len(rest.Content) > 0 {
		s.raw = rest
	}
	// Kept for Parse rather than returned: yaml.v3 drops a list entry whose
	// UnmarshalYAML fails, and with it the problems of the type's keys.
	s.problems = probs
	return nil
}

// typeErrors are the messages of a yaml error.
func typeErrors(err error) []string {
	if te, ok := err.(*yaml.TypeError); ok {
		return te.Errors
	}
	return []string{err.Error()}
}

type pair struct{ key, value *yaml.Node }

// mappingPairs returns a mapping's key/value pairs with merge keys (<<)
// resolved as yaml.v3 resolves them: a key of the mapping itself wins over
// a merged one, and among merged mappings the first to have a key gives
// it. A key given twice in the mapping is a problem, as yaml.v3 reports it.
func mappingPairs(n *yaml.Node) ([]pair, []string) {
	var out []pair
	var probs []string
	seen := map[string]int{} // scalar key → line first given
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if isMerge(k) {
			merges = append(merges, v)
			continue
		}
		if k.Kind == yaml.ScalarNode {
			if line, dup := seen[k.Value]; dup {
				probs = append(probs, fmt.Sprintf("line %d: mapping key %s already defined at line %d", k.Line, quote(k.Value), line))
				continue
			}
			seen[k.Value] = k.Line
		}
		out = append(out, pair{k, v})
	}
	for _, m := range merges {
		maps, err := mergedMappings(m)
		if err != "" {
			probs = append(probs, err)
			continue
		}
		for _, mm := range maps {
			ps, pp := mappingPairs(mm)
			probs = append(probs, pp...)
			for _, p := range ps {
				if p.key.Kind == yaml.ScalarNode {
					if _, ok := seen[p.key.Value]; ok {
						continue
					}
					seen[p.key.Value] = p.key.Line
				}
				out = append(out, p)
			}
		}
	}
	return out, probs
}

func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge"
}

// mergedMappings are the mappings a merge key's value names: a mapping, an
// alias of one, or a sequence of those.
func mergedMappings(v *yaml.Node) ([]*yaml.Node, string) {
	bad := fmt.Sprintf("line %d: map merge requires map or sequence of maps as the value", v.Line)
	one := func(n *yaml.Node) *yaml.Node {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		return n
	}
	if v.Kind == yaml.SequenceNode {
		var out []*yaml.Node
		for _, item := range v.Content {
			m := one(item)
			if m == nil {
				return nil, bad
			}
			out = append(out, m)
		}
		return out, ""
	}
	if m := one(v); m != nil {
		return []*yaml.Node{m}, ""
	}
	return nil, bad
}

// decodeSettings decodes a source's own keys (rest: the mapping of the keys
// that are not common; nil for none) into set, strictly. A key that is not
// the type's is a problem naming it, its line and the keys the type has.
func decodeSettings(rest *yaml.Node, set Settings, typeName string) []string {
	if rest == nil {
		return nil
	}
	t := reflect.TypeOf(set)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return typeErrorsOf(rest.Decode(set))
	}
	fields, _ := structKeys(t.Elem())
	var probs []string
	known := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: rest.Line, Column: rest.Column}
	for i := 0; i+1 < len(rest.Content); i += 2 {
		k, v := rest.Content[i], rest.Content[i+1]
		ft, ok := fields[k.Value]
		if !ok || k.Kind != yaml.ScalarNode {
			probs = append(probs, fmt.Sprintf("line %d: field %s not found in type %s (%s has: %s; every source has: %s)",
				k.Line, bare(k.Value), typeName, typeName, strings.Join(keysOf(t.Elem()), ", "), strings.Join(commonKeys, ", ")))
			continue
		}
		probs = append(probs, unknownFields(v, ft)...)
		known.Content = append(known.Content, k, v)
	}
	probs = append(probs, typeErrorsOf(known.Decode(set))...)
	sortByLine(probs)
	return probs
}

func typeErrorsOf(err error) []string {
	if err == nil {
		return nil
	}
	return typeErrors(err)
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// unknownFields reports the mapping keys below n that name no field of the
// struct types t holds, as a yaml.v3 decoder with KnownFields does (which
// a yaml.Node's Decode does not). Aliases are not followed: what they name
// is checked where it is defined.
func unknownFields(n *yaml.Node, t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	var probs []string
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return nil // a type error, which decoding reports
		}
		fields, anyKey := structKeys(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if isMerge(k) {
				continue
			}
			if ft, ok := fields[k.Value]; ok && k.Kind == yaml.ScalarNode {
				probs = append(probs, unknownFields(v, ft)...)
			} else if !anyKey {
				probs = append(probs, fmt.Sprintf("line %d: field %s not found in type %s", k.Line, bare(k.Value), t))
			}
		}
	case reflect.Slice, reflect.Array:
		if n.Kind == yaml.SequenceNode {
			for _, item := range n.Content {
				probs = append(probs, unknownFields(item, t.Elem())...)
			}
		}
	case reflect.Map:
		if n.Kind == yaml.MappingNode {
			for i := 1; i < len(n.Content); i += 2 {
				probs = append(probs, unknownFields(n.Content[i], t.Elem())...)
			}
		}
	}
	return probs
}

// structKeys are the YAML keys of a struct type's fields (as yaml.v3 names
// them: the tag's name, else the lower-cased field name; inline structs
// contribute theirs) with the field types, and whether an inline map takes
// any other key.
func structKeys(t reflect.Type) (map[string]reflect.Type, bool) {
	keys := map[string]reflect.Type{}
	anyKey := false
	for i := range t.NumField() {
		f := t.Field(i)
		if f.PkgPath != "" && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if slices.Contains(strings.Split(opts, ","), "inline") {
			switch ft := f.Type; ft.Kind() {
			case reflect.Struct:
				sub, subAny := structKeys(ft)
				for k, v := range sub {
					keys[k] = v
				}
				anyKey = anyKey || subAny
			case reflect.Map:
				anyKey = true
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		keys[name] = f.Type
	}
	return keys, anyKey
}

// keysOf are a struct type's YAML keys in field order.
func keysOf(t reflect.Type) []string {
	var keys []string
	for _, tag := range yamlFields(t) {
		if tag != "" {
			keys = append(keys, tag)
		}
	}
	return keys
}

var lineRE = regexp.MustCompile(`^line (\d+):`)

// sortByLine orders yaml problems by the line they name (stable: problems
// of one line keep their order), so they read in document order.
func sortByLine(probs []string) {
	type numbered struct {
		line int
		msg  string
	}
	ns := make([]numbered, len(probs))
	for i, p := range probs {
		ns[i].msg = p
		if m := lineRE.FindStringSubmatch(p); m != nil {
			ns[i].line, _ = strconv.Atoi(m[1])
		}
	}
	sort.SliceStable(ns, func(i, j int) bool { return ns[i].line < ns[j].line })
	for i := range ns {
		probs[i] = ns[i].msg
	}
}

// settingsStruct is the struct a Settings value points to, or the zero
// Value when it holds none.
func settingsStruct(set Settings) reflect.Value {
	if set == nil {
		return reflect.Value{}
	}
	v := reflect.ValueOf(set)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}
	}
	return v.Elem()
}
