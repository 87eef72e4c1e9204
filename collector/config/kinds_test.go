package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestMilestoneKinds(t *testing.T) {
	write := func(t *testing.T, body string) string {
		p := filepath.Join(t.TempDir(), "runway.yaml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg, err := Load("", envOf(nil), testTypes)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.MilestoneKinds, DefaultMilestoneKinds) {
		t.Errorf("defaults = %+v", cfg.MilestoneKinds)
	}
	// A kind set in the file replaces that kind's patterns only; an empty
	// list turns a kind off; the environment overrides as everywhere.
	cfg, err = Load(write(t, "milestone_kinds: {beta: [\"(?i)preview\"], production: []}\n"),
		envOf(map[string]string{"RUNWAY_MILESTONE_KINDS_PROTOTYPE": "(?i)spike"}), testTypes)
	if err != nil {
		t.Fatal(err)
	}
	want := MilestoneKinds{Prototype: []string{"(?i)spike"}, Beta: []string{"(?i)preview"}, Production: []string{}}
	if !reflect.DeepEqual(cfg.MilestoneKinds, want) {
		t.Errorf("kinds = %#v, want %#v", cfg.MilestoneKinds, want)
	}
	for _, tc := range []struct{ body, want string }{
		{"milestone_kinds: {beta: [\"(unclosed\"]}\n", `milestone_kinds.beta[0]: "(unclosed": not a regular expression`},
		{"milestone_kinds: {alpha: [\"a\"]}\n", "alpha"},
	} {
		_, err := Load(write(t, tc.body), envOf(nil), testTypes)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: want an error containing %q, got %v", tc.body, tc.want, err)
		}
	}
}
