package membership

import (
	"reflect"
	"testing"
)

func TestBefore(t *testing.T) {
	add := func(h int, c ...string) Change { return Change{At: at(h), Added: c} }
	rm := func(h int, c ...string) Change { return Change{At: at(h), Removed: c} }
	for _, tc := range []struct {
		name    string
		current []string
		changes []Change
		want    []string
	}{
		{"no changes: the value at creation is the current one", []string{"a", "b"}, nil, []string{"a", "b"}},
		{"added later", []string{"a", "b"}, []Change{add(1, "b")}, []string{"a"}},
		{"removed later", []string{}, []Change{rm(1, "a")}, []string{"a"}},
		// Jira EE-17 (fixtures row 28): v2.7.0 added, removed, added; then
		// one history removes v2.7.0 and adds v2.8.0; v2.8.0 removed; the
		// issue ends with no fix version and was created with none.
		{"EE-17", []string{}, []Change{
			add(1, "10008"), rm(2, "10008"), add(3, "10008"),
			{At: at(4), Added: []string{"10023"}, Removed: []string{"10008"}},
			rm(5, "10023"),
		}, []string{}},
		{"created in one, moved to another", []string{"b"}, []Change{{At: at(1), Added: []string{"b"}, Removed: []string{"a"}}}, []string{"a"}},
		{"two at once, one stays", []string{"a", "c"}, []Change{add(1, "c"), rm(2, "b")}, []string{"a", "b"}},
	} {
		got := Before(tc.current, tc.changes)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Before = %v, want %v", tc.name, got, tc.want)
		}
		// Replaying from the answer must end at current.
		_, stays := Replay(History{Created: at(0), Initial: got, Changes: tc.changes})
		var end []string
		for _, s := range stays {
			if s.Exited == nil {
				end = append(end, s.Container)
			}
		}
		if len(end) != len(tc.current) {
			t.Errorf("%s: replay from %v ends in %v, want %v", tc.name, got, end, tc.current)
		}
	}
}
