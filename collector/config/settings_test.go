package config

import (
	"fmt"
	"strings"
	"testing"
)

const jiraSource = `sources:
  - name: acme
    type: jira
    base_url: "https://acme.atlassian.net"
    token_env: T
    schedule: "@hourly"
`

// TestSourceSettings: a source's own keys are decoded by its type, strictly
// and with their lines, and validated by it; every other key is common.
func TestSourceSettings(t *testing.T) {
	env := envOf(map[string]string{"T": "t"})
	cfg, err := Load(writeConfig(t, jiraSource+"    email: bot@acme.com\n    projects: [PLAT]\n    boards: [12]\n"), env, testTypes)
	if err != nil {
		t.Fatal(err)
	}
	if j := jiraOf(cfg.Sources[0]); j.Email != "bot@acme.com" || strings.Join(j.Projects, ",") != "PLAT" || len(j.Boards) != 1 {
		t.Errorf("settings = %+v", j)
	}
	// No keys of its own: the type's defaults.
	cfg, err = Load(writeConfig(t, jiraSource), env, testTypes)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.Sources[0].Settings.(*testJira); !ok {
		t.Errorf("settings = %#v, want the type's defaults", cfg.Sources[0].Settings)
	}

	for _, tc := range []struct {
		name, body string
		types      SourceTypes
		want       []string
	}{
		{"another type's key", jiraSource + "    repos: [acme/web]\n", testTypes, []string{
			"line 7: field repos not found in type jira (jira has: email, projects, boards, points_field; every source has: name, type, base_url,"}},
		{"groups too", jiraSource + "    groups: [platform]\n", testTypes, []string{"line 7: field groups not found in type jira"}},
		{"a typo", jiraSource + "    bords: [1]\n", testTypes, []string{"line 7: field bords not found in type jira"}},
		{"wrongly typed", jiraSource + "    boards: [twelve]\n", testTypes, []string{"line 7: cannot unmarshal !!str `twelve` into int64"}},
		{"the type validates", jiraSource + "    boards: [12, 0]\n", testTypes, []string{"sources[0].boards[1]: bad board id 0"}},
		{"unknown type names the known ones", strings.Replace(jiraSource, "type: jira", "type: trello", 1), testTypes, []string{
			`sources[0].type: unknown source type "trello" (want one of jira)`}},
		{"several types, sorted", strings.Replace(jiraSource, "type: jira", "type: trello", 1),
			SourceTypes{"jira": testTypes["jira"], "github": func() Settings { return &testJira{} }}, []string{
				`unknown source type "trello" (want one of github, jira)`}},
		{"no type", strings.Replace(jiraSource, "    type: jira\n", "", 1) + "    projects: [A]\n", testTypes, []string{
			`sources[0].type: unknown source type "" (want one of jira)`}},
		{"a key twice", jiraSource + "    projects: [A]\n    projects: [B]\n", testTypes, []string{
			`line 8: mapping key "projects" already defined at line 7`}},
		{"a common key twice", jiraSource + "    schedule: \"@daily\"\n", testTypes, []string{
			`line 7: mapping key "schedule" already defined at line 6`}},
		{"problems in document order", jiraSource + "    bords: [1]\n    since: soon\nlog: {levl: x}\n", testTypes, []string{
			"line 7: field bords not found in type jira", "; line 8: bad duration", "; line 9: field levl not found in type config.Log"}},
		{"not a mapping", "sources: [acme]\n", testTypes, []string{"line 1: cannot unmarshal !!str `acme` into config.plainSource"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, tc.body), env, tc.types)
			checkErr(t, err, tc.want)
		})
	}
}

// TestSourceMerge: YAML merge keys work in sources as in the rest of the
// file, for common keys and a type's own alike; the source's own key wins.
func TestSourceMerge(t *testing.T) {
	body := `sources:
  - &base {name: a, type: jira, base_url: "https://acme.atlassian.net", token_env: T, schedule: "@hourly", projects: [A], boards: [1]}
  - <<: *base
    name: b
    boards: [2]
`
	cfg, err := Load(writeConfig(t, body), envOf(map[string]string{"T": "t"}), testTypes)
	if err != nil {
		t.Fatal(err)
	}
	b := cfg.Sources[1]
	if b.Name != "b" || b.Type != "jira" || b.Schedule != "@hourly" || strings.Join(jiraOf(b).Projects, ",") != "A" ||
		fmt.Sprint(jiraOf(b).Boards) != "[2]" {
		t.Errorf("merged source = %+v %+v", b, jiraOf(b))
	}
	_, err = Load(writeConfig(t, "sources:\n  - <<: 3\n    name: a\n"), envOf(nil), testTypes)
	checkErr(t, err, []string{"line 2: map merge requires map or sequence of maps as the value"})
}

// TestSourceSettingsFromEnv: RUNWAY_SOURCES_<i>_<KEY> sets a type's own
// keys once the source's type is known, from the file or the environment.
func TestSourceSettingsFromEnv(t *testing.T) {
	env := map[string]string{"T": "t", "RUNWAY_SOURCES_0_EMAIL": "bot@acme.com", "RUNWAY_SOURCES_0_PROJECTS": "A,B",
		"RUNWAY_SOURCES_0_POINTS_FIELD": "customfield_1"}
	cfg, err := Load(writeConfig(t, jiraSource+"    projects: [PLAT]\n"), envOf(env), testTypes)
	if err != nil {
		t.Fatal(err)
	}
	if j := jiraOf(cfg.Sources[0]); j.Email != "bot@acme.com" || strings.Join(j.Projects, ",") != "A,B" || j.PointsField != "customfield_1" {
		t.Errorf("settings = %+v", j)
	}

	// The file gives no type: the environment does, and then the file's
	// own keys are the type's.
	noType := strings.Replace(jiraSource, "    type: jira\n", "", 1) + "    projects: [PLAT]\n"
	cfg, err = Load(writeConfig(t, noType), envOf(map[string]string{"T": "t", "RUNWAY_SOURCES_0_TYPE": "jira"}), testTypes)
	if err != nil {
		t.Fatal(err)
	}
	if j := jiraOf(cfg.Sources[0]); cfg.Sources[0].Type != "jira" || strings.Join(j.Projects, ",") != "PLAT" {
		t.Errorf("source = %+v %+v", cfg.Sources[0], j)
	}

	// The environment changes the type: the file's keys are decoded again,
	// for the new type, which may not have them.
	other := SourceTypes{"jira": testTypes["jira"], "other": func() Settings { return &otherSettings{} }}
	_, err = Load(writeConfig(t, jiraSource+"    projects: [PLAT]\n"), envOf(map[string]string{"T": "t", "RUNWAY_SOURCES_0_TYPE": "other"}), other)
	checkErr(t, err, []string{"line 7: field projects not found in type other (other has: depth;"})

	for _, tc := range []struct {
		name, body string
		env        map[string]string
		want       []string
	}{
		{"a type's key without a type", "", map[string]string{"RUNWAY_SOURCES_0_NAME": "a", "RUNWAY_SOURCES_0_PROJECTS": "A"}, []string{
			"RUNWAY_SOURCES_0_PROJECTS: no such setting (sources[0] has no type, so only the keys every source has: name, type,",
			"; projects is a key of type jira: set RUNWAY_SOURCES_0_TYPE (or type: in the file))"}},
		{"only a type's key", "", map[string]string{"RUNWAY_SOURCES_0_PROJECTS": "A"}, []string{
			"RUNWAY_SOURCES_0_PROJECTS: no such setting (sources[0] has no type,", "projects is a key of type jira"}},
		{"an unknown type", "", map[string]string{"RUNWAY_SOURCES_0_TYPE": "trello", "RUNWAY_SOURCES_0_PROJECTS": "A"}, []string{
			`RUNWAY_SOURCES_0_PROJECTS: no such setting (sources[0] has type "trello", which is not known (want one of jira)`}},
		{"not a key of the type", jiraSource, map[string]string{"T": "t", "RUNWAY_SOURCES_0_REPOS": "acme/web"}, []string{
			"RUNWAY_SOURCES_0_REPOS: no such setting (sources[0] (type jira) has: name, type, base_url, token_env, token_file, schedule, since, timeout, email, projects, boards, points_field)"}},
		{"a typo in a type's key", jiraSource, map[string]string{"T": "t", "RUNWAY_SOURCES_0_PROJECT": "A"}, []string{
			"RUNWAY_SOURCES_0_PROJECT: no such setting (did you mean RUNWAY_SOURCES_0_PROJECTS?)"}},
		{"a bad value of a type's key", jiraSource, map[string]string{"T": "t", "RUNWAY_SOURCES_0_BOARDS": "x"}, []string{
			`RUNWAY_SOURCES_0_BOARDS: "x" is not an integer`}},
		{"validated like the file", jiraSource, map[string]string{"T": "t", "RUNWAY_SOURCES_0_BOARDS": "0"}, []string{
			"sources[0].boards[0]: bad board id 0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, tc.body), envOf(tc.env), testTypes)
			checkErr(t, err, tc.want)
		})
	}
}

type otherSettings struct {
	Depth int `yaml:"depth"`
}

func (*otherSettings) Validate() []string { return nil }

// TestSettingsInCode: a config built in code (runway demo) carries its
// settings; Validate checks that they are the type's.
func TestSettingsInCode(t *testing.T) {
	cfg := Default()
	cfg.Sources = []Source{{Name: "a", Type: "jira", BaseURL: "https://a.atlassian.net", TokenEnv: "T", Schedule: "@hourly",
		Settings: &testJira{Boards: []int64{-1}}}}
	checkErr(t, cfg.Validate(testTypes), []string{"sources[0].boards[0]: bad board id -1"})
	cfg.Sources[0].Settings = &otherSettings{}
	checkErr(t, cfg.Validate(testTypes), []string{"sources[0]: settings of Go type *config.otherSettings are not those of type jira (*config.testJira)"})
	cfg.Sources[0].Settings = nil // the type's defaults
	if err := cfg.Validate(testTypes); err != nil {
		t.Error(err)
	}
	if err := ApplyEnv(&cfg, envOf(map[string]string{"RUNWAY_SOURCES_0_PROJECTS": "A"}), testTypes); err != nil {
		t.Fatal(err)
	}
	if j := jiraOf(cfg.Sources[0]); strings.Join(j.Projects, ",") != "A" {
		t.Errorf("settings = %+v", j)
	}
}

type nested struct {
	Repos  []nestedRepo          `yaml:"repos"`
	ByKey  map[string]nestedRepo `yaml:"by_key"`
	Inline nestedInline          `yaml:",inline"`
	Span   Span                  `yaml:"span"`
}

type nestedRepo struct {
	Path string `yaml:"path"`
}

type nestedInline struct {
	Extra string `yaml:"extra"`
}

func (*nested) Validate() []string { return nil }

// TestSettingsNestedStrict: keys below a type's top level are checked as a
// KnownFields decoder checks them (a yaml.Node's Decode does not).
func TestSettingsNestedStrict(t *testing.T) {
	types := SourceTypes{"jira": func() Settings { return &nested{} }}
	env := envOf(map[string]string{"T": "t"})
	ok := jiraSource + "    repos: [{path: a}]\n    by_key: {x: {path: b}}\n    extra: e\n    span: 3d\n"
	cfg, err := Load(writeConfig(t, ok), env, types)
	if err != nil {
		t.Fatal(err)
	}
	if n := cfg.Sources[0].Settings.(*nested); n.Repos[0].Path != "a" || n.ByKey["x"].Path != "b" || n.Inline.Extra != "e" || n.Span.D().Hours() != 72 {
		t.Errorf("nested = %+v", n)
	}
	bad := jiraSource + "    repos: [{path: a, pth: b}]\n    by_key: {x: {paht: b}}\n"
	_, err = Load(writeConfig(t, bad), env, types)
	checkErr(t, err, []string{"line 7: field pth not found in type config.nestedRepo", "line 8: field paht not found in type config.nestedRepo"})
}
