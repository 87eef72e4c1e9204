// Command gen writes the dashboards' JSON files (dashboards.Build) into
// the current directory, the dashboards folder under go generate, and
// removes the JSON files Build no longer makes.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/runway-analytics/runway/dashboards"
)

func main() {
	if err := run("."); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	out, err := dashboards.Build()
	if err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if _, keep := out[filepath.Base(f)]; !keep {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	for name, data := range out {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
