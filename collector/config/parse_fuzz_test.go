package config

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzParse: any bytes as a config file either load (strict decode, then
// validation) or give one error whose text is valid UTF-8 — never a
// panic. The seeds are the example configs in testdata.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{"", "---\n---\n", "sources: [", "api: {listen: 1}", "a: &a [*a]",
		"sources:\n  - name: x\n    type: jira\n    base_url: http://h\n    boards: [1, 2]\n", "\xff\xfe"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := Default()
		err := Parse(data, &cfg, testTypes)
		if err == nil {
			err = cfg.Validate(testTypes)
		}
		if err != nil && !utf8.ValidString(err.Error()) && utf8.Valid(data) {
			t.Fatalf("error text is not UTF-8: %q", err.Error())
		}
	})
}
