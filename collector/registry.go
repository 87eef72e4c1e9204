package collector

import (
	"slices"

	"github.com/runway-analytics/runway/collector/config"
)

// SourceType is one kind of upstream system (jira, github, ...): the name
// a source's type: gives, its own config keys and how to build a source.
// A vendor package exports one; the build's list of them is a Registry.
type SourceType struct {
	// Name is the value of type: in the config.
	Name string
	// Settings returns a new value of the type's own config keys, holding
	// their defaults (see config.Settings); the loader decodes a source's
	// keys into it and validates it.
	Settings func() config.Settings
	// New builds a source from its configuration (cfg.Settings holds a
	// value Settings returned, decoded).
	New Factory
}

// Registry is the explicit list of source types a build can collect.
type Registry []SourceType

// Lookup returns the type named name.
func (r Registry) Lookup(name string) (SourceType, bool) {
	i := slices.IndexFunc(r, func(t SourceType) bool { return t.Name == name })
	if i < 0 {
		return SourceType{}, false
	}
	return r[i], true
}

// Names are the type names in registration order.
func (r Registry) Names() []string {
	names := make([]string, len(r))
	for i, t := range r {
		names[i] = t.Name
	}
	return names
}

// ConfigTypes are the types as config.Load takes them: each name with the
// constructor of its settings.
func (r Registry) ConfigTypes() config.SourceTypes {
	types := make(config.SourceTypes, len(r))
	for _, t := range r {
		if _, dup := types[t.Name]; !dup { // as Lookup: the first wins
			types[t.Name] = t.Settings
		}
	}
	return types
}
